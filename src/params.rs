//! Program parameters: every number and date of a policy, named, with its default. Defaults come from the
//! program; `params.json` in the fact set overrides them, and `--params FILE` overrides both.

use crate::error::InputError;
use crate::num::Dec;
use crate::schema::Range;
use crate::time::{Date, Month, Time};
use crate::value::dec_json;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Copy, Debug)]
pub enum PTy {
    Dec(Range),
    Int(Range),
    Time,
    Date,
    Month,
    /// One string from a closed list.
    Choice(&'static [&'static str]),
    StrList,
    MonthList,
    /// A list of rows, each with exactly these columns.
    Table(&'static [(&'static str, PTy)]),
    Str,
}

#[derive(Clone, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: PTy,
    /// Default as JSON text; `None` = required (the policy gives no value).
    pub default: Option<&'static str>,
    pub doc: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PVal {
    Dec(Dec),
    Int(i64),
    Time(Time),
    Date(Date),
    Month(Month),
    Str(String),
    List(Vec<String>),
    Months(Vec<Month>),
    Table(Vec<BTreeMap<String, PVal>>),
}

impl PVal {
    /// A number (an integer reads as a decimal); panics on another type, which the parameter's type rules out.
    pub fn dec(&self) -> Dec {
        match self {
            PVal::Dec(d) => *d,
            PVal::Int(i) => Dec::from_int(*i).expect("int fits"),
            v => panic!("not a number: {v:?}"),
        }
    }
    pub fn int(&self) -> i64 {
        match self {
            PVal::Int(i) => *i,
            v => panic!("not an integer: {v:?}"),
        }
    }
    pub fn text(&self) -> &str {
        match self {
            PVal::Str(s) => s,
            v => panic!("not a string: {v:?}"),
        }
    }
    pub fn json(&self) -> Json {
        match self {
            PVal::Dec(d) => dec_json(*d),
            PVal::Int(i) => Json::from(*i),
            PVal::Time(t) => Json::String(t.to_string()),
            PVal::Date(d) => Json::String(d.to_string()),
            PVal::Month(m) => Json::String(m.to_string()),
            PVal::Str(s) => Json::String(s.clone()),
            PVal::List(l) => Json::Array(l.iter().cloned().map(Json::String).collect()),
            PVal::Months(l) => Json::Array(l.iter().map(|m| Json::String(m.to_string())).collect()),
            PVal::Table(rows) => Json::Array(
                rows.iter()
                    .map(|r| Json::Object(r.iter().map(|(k, v)| (k.clone(), v.json())).collect()))
                    .collect(),
            ),
        }
    }
}

/// Where a parameter's value came from, for `rules` and explanations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    File(String),
    Flag,
}

#[derive(Clone, Debug)]
pub struct Params {
    vals: BTreeMap<&'static str, (PVal, Source)>,
    pub as_of: Option<(Time, Source)>,
}

impl Params {
    /// Defaults, then each override file in turn, then `--as-of`. All errors at once.
    pub fn resolve(specs: &'static [ParamSpec], files: &[(&Path, &str)], as_of_flag: Option<&str>) -> Result<Params, Vec<InputError>> {
        let mut errs = Vec::new();
        let mut vals = BTreeMap::new();
        for s in specs {
            if let Some(d) = s.default {
                let j: Json = serde_json::from_str(d).unwrap_or_else(|e| panic!("default of `{}` is not JSON: {e}", s.name));
                let v = parse(s.ty, &j).unwrap_or_else(|e| panic!("default of `{}`: {e}", s.name));
                vals.insert(s.name, (v, Source::Default));
            }
        }
        let mut as_of = None;
        for (path, text) in files {
            let file = path.display().to_string();
            let obj = match serde_json::from_str::<Json>(text) {
                Ok(Json::Object(o)) => o,
                Ok(_) => {
                    errs.push(InputError::new(
                        &file,
                        Some(1),
                        None,
                        "expected a JSON object {\"parameter\": value, ...}",
                    ));
                    continue;
                }
                Err(e) => {
                    errs.push(InputError::new(&file, Some(e.line() as u32), None, format!("not valid JSON: {e}")));
                    continue;
                }
            };
            for (k, j) in obj {
                let line = Some(key_line(text, &k));
                if k == "as_of" {
                    match j.as_str().map(Time::parse_as_of) {
                        Some(Ok(t)) => as_of = Some((t, Source::File(file.clone()))),
                        Some(Err(m)) => errs.push(InputError::new(&file, line, Some(&k), format!("expected {m}"))),
                        None => errs.push(InputError::new(&file, line, Some(&k), "expected a time or a date as a string")),
                    }
                    continue;
                }
                let Some(spec) = specs.iter().find(|s| s.name == k) else {
                    errs.push(InputError::new(
                        &file,
                        line,
                        Some(&k),
                        format!(
                            "unknown parameter (known: as_of, {})",
                            specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                    continue;
                };
                match parse(spec.ty, &j) {
                    Ok(v) => {
                        vals.insert(spec.name, (v, Source::File(file.clone())));
                    }
                    Err(m) => errs.push(InputError::new(&file, line, Some(&k), m)),
                }
            }
        }
        if let Some(a) = as_of_flag {
            match Time::parse_as_of(a) {
                Ok(t) => as_of = Some((t, Source::Flag)),
                Err(m) => errs.push(InputError::new("--as-of", None, None, format!("expected {m}"))),
            }
        }
        for s in specs {
            if !vals.contains_key(s.name) {
                errs.push(InputError::new(
                    "params.json",
                    None,
                    Some(s.name),
                    format!(
                        "required parameter is missing: the policy gives no value, so give one ({})",
                        s.ty_text()
                    ),
                ));
            }
        }
        if errs.is_empty() {
            Ok(Params { vals, as_of })
        } else {
            Err(errs)
        }
    }

    pub fn get(&self, name: &str) -> &PVal {
        &self
            .vals
            .get(name)
            .unwrap_or_else(|| panic!("parameter `{name}` is not declared"))
            .0
    }
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.vals.get(name).map(|v| &v.1)
    }
    pub fn dec(&self, name: &str) -> Dec {
        self.get(name).dec()
    }
    pub fn int(&self, name: &str) -> i64 {
        self.get(name).int()
    }
    pub fn time(&self, name: &str) -> Time {
        match self.get(name) {
            PVal::Time(t) => *t,
            v => panic!("parameter `{name}` is not a time: {v:?}"),
        }
    }
    pub fn date(&self, name: &str) -> Date {
        match self.get(name) {
            PVal::Date(d) => *d,
            v => panic!("parameter `{name}` is not a date: {v:?}"),
        }
    }
    pub fn str(&self, name: &str) -> &str {
        self.get(name).text()
    }
    /// A table parameter's rows.
    pub fn table(&self, name: &str) -> &[BTreeMap<String, PVal>] {
        match self.get(name) {
            PVal::Table(rows) => rows,
            v => panic!("parameter `{name}` is not a table: {v:?}"),
        }
    }
    pub fn list(&self, name: &str) -> &[String] {
        match self.get(name) {
            PVal::List(l) => l,
            v => panic!("parameter `{name}` is not a list: {v:?}"),
        }
    }
}

impl ParamSpec {
    pub fn ty_text(&self) -> String {
        ty_text(self.ty)
    }
}

pub fn ty_text(ty: PTy) -> String {
    match ty {
        PTy::Dec(Range::Unit) => "a fraction in [0, 1]".into(),
        PTy::Dec(Range::Any) => "a decimal number".into(),
        PTy::Dec(_) => "a decimal number ≥ 0".into(),
        PTy::Int(Range::Any) => "an integer".into(),
        PTy::Int(_) => "an integer ≥ 0".into(),
        PTy::Time => "a time YYYY-MM-DDTHH:MM:SS".into(),
        PTy::Date => "a date YYYY-MM-DD".into(),
        PTy::Month => "a month YYYY-MM".into(),
        PTy::Choice(opts) => format!("one of {}", opts.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")),
        PTy::StrList => "a list of strings".into(),
        PTy::MonthList => "a list of months YYYY-MM".into(),
        PTy::Table(cols) => format!(
            "a list of rows {{{}}}",
            cols.iter()
                .map(|(c, t)| format!("{c}: {}", ty_text(*t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        PTy::Str => "a string".into(),
    }
}

fn parse(ty: PTy, j: &Json) -> Result<PVal, String> {
    let expected = || format!("expected {}, got {j}", ty_text(ty));
    let num = |range: Range| -> Result<Dec, String> {
        let Json::Number(n) = j else { return Err(expected()) };
        let d = Dec::parse(&n.to_string()).map_err(|m| format!("expected {m}"))?;
        let ok = match range {
            Range::Any => true,
            Range::NonNeg | Range::Money => d >= Dec::ZERO,
            Range::Unit => d >= Dec::ZERO && d <= Dec::from_int(1).expect("one"),
        };
        if ok {
            Ok(d)
        } else {
            Err(expected())
        }
    };
    let s = || j.as_str().ok_or_else(expected);
    Ok(match ty {
        PTy::Dec(r) => PVal::Dec(num(r)?),
        PTy::Int(r) => {
            let d = num(r)?;
            if !d.is_integer() {
                return Err(expected());
            }
            PVal::Int(d.0 / crate::num::SCALE)
        }
        PTy::Time => PVal::Time(Time::parse(s()?).map_err(|m| format!("expected {m}"))?),
        PTy::Date => PVal::Date(Date::parse(s()?).map_err(|m| format!("expected {m}"))?),
        PTy::Month => PVal::Month(Month::parse(s()?).map_err(|m| format!("expected {m}"))?),
        PTy::Str => PVal::Str(s()?.to_string()),
        PTy::Choice(opts) => {
            let v = s()?;
            if !opts.contains(&v) {
                return Err(expected());
            }
            PVal::Str(v.to_string())
        }
        PTy::StrList => {
            let a = j.as_array().ok_or_else(expected)?;
            PVal::List(
                a.iter()
                    .map(|x| x.as_str().map(str::to_string).ok_or_else(expected))
                    .collect::<Result<_, _>>()?,
            )
        }
        PTy::MonthList => {
            let a = j.as_array().ok_or_else(expected)?;
            let mut out = Vec::new();
            for x in a {
                let t = x.as_str().ok_or_else(expected)?;
                out.push(Month::parse(t).map_err(|m| format!("expected {m}"))?);
            }
            PVal::Months(out)
        }
        PTy::Table(cols) => {
            let a = j.as_array().ok_or_else(expected)?;
            let mut rows = Vec::new();
            for (i, row) in a.iter().enumerate() {
                let o = row
                    .as_object()
                    .ok_or_else(|| format!("row {}: expected an object, got {row}", i + 1))?;
                let mut out = BTreeMap::new();
                for k in o.keys() {
                    if !cols.iter().any(|(c, _)| c == k) {
                        return Err(format!("row {}: unknown column `{k}` (expected {})", i + 1, ty_text(ty)));
                    }
                }
                for (c, t) in cols {
                    let v = o.get(*c).ok_or_else(|| format!("row {}: missing column `{c}`", i + 1))?;
                    out.insert(
                        c.to_string(),
                        parse(*t, v).map_err(|m| format!("row {}, column `{c}`: {m}", i + 1))?,
                    );
                }
                rows.push(out);
            }
            PVal::Table(rows)
        }
    })
}

/// The line of `"key"` in a params file, so errors can point at it.
fn key_line(text: &str, key: &str) -> u32 {
    let needle = format!("\"{key}\"");
    text.find(&needle).map(|i| text[..i].matches('\n').count() as u32 + 1).unwrap_or(1)
}
