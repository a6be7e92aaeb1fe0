//! Loading a fact-set directory: one file per relation, validated against the program's schema.
//! Every record keeps its origin (file, line) so explanations can cite it.

use crate::error::InputError;
use crate::intern::{Interner, Sym};
use crate::num::Dec;
use crate::schema::{Field, Range, Relation, Ty};
use crate::time::{Date, Month, Time};
use crate::value::Val;
use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A reference to one input record: (relation index, row index). Rows are kept in line order, so `Rec` order is
/// (relation, line) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rec(pub u32, pub u32);

#[derive(Debug)]
pub struct Row {
    pub line: u32,
    pub vals: Box<[Val]>,
}

#[derive(Debug)]
pub struct RelData {
    pub schema: &'static Relation,
    /// The file it came from (`penalty.jsonl`), if any.
    pub file: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct FactSet {
    pub dir: PathBuf,
    pub syms: Interner,
    pub rels: Vec<RelData>,
    /// `params.json` of the fact set, if present: (path, text).
    pub params_file: Option<(PathBuf, String)>,
}

pub const PARAMS_FILE: &str = "params.json";

impl FactSet {
    /// Loads and validates a fact set. All errors are returned at once, sorted by file and line.
    pub fn load(dir: &Path, relations: &'static [Relation], allow_unknown: bool) -> Result<FactSet, Vec<InputError>> {
        let started = std::time::Instant::now();
        let mut errs = Vec::new();
        let dir_name = dir.display().to_string();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                return Err(vec![InputError::new(
                    dir_name,
                    None,
                    None,
                    format!("cannot read the fact-set directory: {e}"),
                )])
            }
        };
        let mut files: HashMap<usize, Vec<String>> = HashMap::default();
        let mut params_file = None;
        let mut names: Vec<String> = Vec::new();
        for entry in entries.flatten() {
            match entry.file_name().into_string() {
                Ok(n) => names.push(n),
                Err(n) => errs.push(InputError::new(n.to_string_lossy(), None, None, "file name is not UTF-8")),
            }
        }
        names.sort();
        for name in names {
            if name.starts_with('.') {
                continue;
            }
            let path = dir.join(&name);
            if name == PARAMS_FILE {
                match read_text(&path, &name) {
                    Ok(t) => params_file = Some((path, t)),
                    Err(e) => errs.push(e),
                }
                continue;
            }
            let rel = name
                .strip_suffix(".jsonl")
                .or_else(|| name.strip_suffix(".json"))
                .and_then(|stem| relations.iter().position(|r| r.name == stem));
            match rel {
                Some(i) => files.entry(i).or_default().push(name),
                None if allow_unknown => {}
                None => errs.push(InputError::new(
                    &name,
                    None,
                    None,
                    format!(
                        "unknown file: this program reads {}, {PARAMS_FILE} (use --allow-unknown to ignore other files)",
                        relations.iter().map(|r| format!("{}.jsonl", r.name)).collect::<Vec<_>>().join(", ")
                    ),
                )),
            }
        }

        let mut rels: Vec<RelData> = relations
            .iter()
            .map(|schema| RelData {
                schema,
                file: None,
                rows: Vec::new(),
            })
            .collect();
        let mut texts: Vec<(usize, String, String)> = Vec::new();
        for (i, data) in rels.iter_mut().enumerate() {
            match files.get(&i).map(Vec::as_slice) {
                None | Some([]) => {}
                Some([one]) => {
                    data.file = Some(one.clone());
                    match read_text(&dir.join(one), one) {
                        Ok(text) => texts.push((i, one.clone(), text)),
                        Err(e) => errs.push(e),
                    }
                }
                Some(many) => errs.push(InputError::new(
                    &many[0],
                    None,
                    None,
                    format!(
                        "relation `{}` is given twice ({}): keep one file",
                        data.schema.name,
                        many.join(" and ")
                    ),
                )),
            }
        }
        // Parse in chunks of whole lines on every core, each chunk with its own interner; then merge in file and
        // line order, so the result does not depend on which thread finished first.
        crate::engine::timing("load: read", started);
        let tasks: Vec<Chunk> = texts.iter().flat_map(|(i, name, text)| chunks(*i, name, text)).collect();
        let total: usize = texts.iter().map(|t| t.2.len()).sum();
        LOAD_PROGRESS.1.store(total as u64, Ordering::Relaxed);
        LOAD_PROGRESS.0.store(0, Ordering::Relaxed);
        let parsed = parallel_map(&tasks, |c| {
            let mut local = Interner::default();
            let (mut rows, mut errs) = (Vec::new(), Vec::new());
            parse_chunk(c, &relations[c.rel], &mut local, &mut rows, &mut errs);
            LOAD_PROGRESS.0.fetch_add(c.text.len() as u64, Ordering::Relaxed);
            (local, rows, errs)
        });
        crate::engine::timing("load: parse", started);
        let mut syms = Interner::default();
        for (c, (local, mut rows, e)) in tasks.iter().zip(parsed) {
            errs.extend(e);
            let to_global: Vec<Sym> = local.strings().map(|s| syms.intern(s)).collect();
            for row in &mut rows {
                for v in row.vals.iter_mut() {
                    if let Val::Str(s) = v {
                        *s = to_global[s.0 as usize];
                    }
                }
            }
            rels[c.rel].rows.extend(rows);
        }
        let mut facts = FactSet {
            dir: dir.to_path_buf(),
            syms,
            rels,
            params_file,
        };
        crate::engine::timing("load: merge", started);
        errs.extend(check_relations(&mut facts.rels, &facts.syms));
        crate::engine::timing("load: keys", started);
        facts.check_references(&mut errs);
        crate::engine::timing("load: references", started);
        if !errs.is_empty() {
            errs.sort();
            return Err(errs);
        }
        let remap = facts.syms.sort();
        for rel in &mut facts.rels {
            for row in &mut rel.rows {
                for v in row.vals.iter_mut() {
                    if let Val::Str(s) = v {
                        *s = remap[s.0 as usize];
                    }
                }
            }
        }
        Ok(facts)
    }

    pub fn rel_index(&self, name: &str) -> usize {
        self.rels
            .iter()
            .position(|r| r.schema.name == name)
            .unwrap_or_else(|| panic!("no relation `{name}` in the schema"))
    }

    /// The rows of a relation with their record references.
    pub fn rows<'a>(&'a self, name: &str) -> impl Iterator<Item = (Rec, &'a [Val])> + 'a {
        let i = self.rel_index(name);
        self.rels[i]
            .rows
            .iter()
            .enumerate()
            .map(move |(r, row)| (Rec(i as u32, r as u32), &row.vals[..]))
    }

    /// `relation.jsonl` and line of a record.
    pub fn origin(&self, rec: Rec) -> (&str, u32) {
        let rel = &self.rels[rec.0 as usize];
        (rel.file.as_deref().unwrap_or(rel.schema.name), rel.rows[rec.1 as usize].line)
    }

    pub fn vals(&self, rec: Rec) -> &[Val] {
        &self.rels[rec.0 as usize].rows[rec.1 as usize].vals
    }

    /// The record as JSON, fields in schema order, absent optional fields left out.
    pub fn record_json(&self, rec: Rec) -> Json {
        let rel = &self.rels[rec.0 as usize];
        let mut m = Map::new();
        for (f, v) in rel.schema.fields.iter().zip(self.vals(rec)) {
            if *v != Val::Null {
                m.insert(f.name.to_string(), v.json(&self.syms));
            }
        }
        Json::Object(m)
    }

    pub fn sym(&self, s: &str) -> Option<Sym> {
        self.syms.get(s)
    }

    fn check_references(&self, errs: &mut Vec<InputError>) {
        for rel in &self.rels {
            for r in rel.schema.refs {
                let fi = rel.schema.field_index(r.field).expect("reference field in schema");
                let targets: Vec<(&str, &str)> = std::iter::once((r.target, r.target_field)).chain(r.or.iter().copied()).collect();
                let mut known: FxHashSet<Val> = FxHashSet::default();
                let mut places = Vec::new();
                for (name, tf) in &targets {
                    let target = self
                        .rels
                        .iter()
                        .find(|t| t.schema.name == *name)
                        .expect("reference target in schema");
                    let tfi = target.schema.field_index(tf).expect("reference target field in schema");
                    known.extend(target.rows.iter().map(|row| row.vals[tfi]));
                    let where_ = target.file.clone().unwrap_or_else(|| format!("{name}.jsonl (absent)"));
                    places.push(format!("a `{tf}` present in {where_}"));
                }
                let names: Vec<String> = targets.iter().map(|t| format!("`{}`", t.0)).collect();
                for row in &rel.rows {
                    let v = row.vals[fi];
                    if v != Val::Null && !known.contains(&v) {
                        errs.push(InputError::new(
                            rel.file.as_deref().unwrap_or(rel.schema.name),
                            Some(row.line),
                            Some(r.field),
                            format!(
                                "`{}` names no record of {} (expected {})",
                                v.text(&self.syms),
                                names.join(" or "),
                                places.join(" or ")
                            ),
                        ));
                    }
                }
            }
        }
    }
}

fn read_text(path: &Path, name: &str) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::new(name, None, None, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(InputError::new(
            name,
            None,
            None,
            "not a regular file (expected a file of JSON records)",
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| InputError::new(name, None, None, format!("cannot read: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").map(<[u8]>::to_vec).unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = ok.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        InputError::new(name, Some(line), None, "not UTF-8 text (expected UTF-8 JSON)")
    })
}

/// A piece of a relation file to parse: whole lines of a `.jsonl` file from line `first_line`, or a whole `.json` array.
struct Chunk<'a> {
    rel: usize,
    name: &'a str,
    text: &'a str,
    first_line: u32,
    array: bool,
}

/// (bytes parsed, bytes to parse) of the load in progress, for a progress bar on a terminal.
pub static LOAD_PROGRESS: (AtomicU64, AtomicU64) = (AtomicU64::new(0), AtomicU64::new(0));

/// Bytes of JSON lines per parse task: small enough to spread one large file over the cores.
const CHUNK_BYTES: usize = 4 << 20;

fn chunks<'a>(rel: usize, name: &'a str, text: &'a str) -> Vec<Chunk<'a>> {
    if !name.ends_with(".jsonl") {
        return vec![Chunk {
            rel,
            name,
            text,
            first_line: 1,
            array: true,
        }];
    }
    let mut out = Vec::new();
    let (mut start, mut line) = (0, 1u32);
    while start < text.len() {
        let mut end = (start + CHUNK_BYTES).min(text.len());
        while end < text.len() && text.as_bytes()[end - 1] != b'\n' {
            end += 1;
        }
        let piece = &text[start..end];
        out.push(Chunk {
            rel,
            name,
            text: piece,
            first_line: line,
            array: false,
        });
        line += piece.bytes().filter(|&b| b == b'\n').count() as u32;
        start = end;
    }
    out
}

/// `f` over every item on every core; results in item order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(items.len())
        .max(1);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a parse worker panicked"))
            .collect()
    });
    done.sort_unstable_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

fn parse_chunk(c: &Chunk, schema: &Relation, syms: &mut Interner, rows: &mut Vec<Row>, errs: &mut Vec<InputError>) {
    let (name, text) = (c.name, c.text);
    if !c.array {
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.trim().is_empty() {
                parse_record(line, name, c.first_line + i as u32, schema, syms, rows, errs);
            }
        }
    } else if !text.trim().is_empty() {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                // line numbers counted as we go: the elements come in text order
                let (mut offset, mut line_no) = (0, 1);
                for raw in items {
                    let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                    line_no += text[offset..start].matches('\n').count() as u32;
                    offset = start;
                    parse_record(raw.get(), name, line_no, schema, syms, rows, errs);
                }
            }
            Err(e) => errs.push(InputError::new(
                name,
                Some(e.line() as u32),
                None,
                format!("not a JSON array of objects: {}", json_err(&e)),
            )),
        }
    }
}

fn json_err(e: &serde_json::Error) -> String {
    let s = e.to_string();
    // serde_json appends " at line L column C"; the line is ours to report.
    match s.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &s[..i], e.column()),
        None => s,
    }
}

/// One record as parsed: the raw JSON text of each schema field (parsed by type later, numbers straight from their
/// text), and whatever did not fit the schema. No intermediate JSON tree is built.
struct RawRecord<'a> {
    fields: Vec<Option<&'a RawValue>>,
    unknown: Vec<String>,
    duplicate: Option<String>,
}

/// Parses a record against a schema; `None` when the value is not a JSON object.
struct RecordSeed<'s>(&'s Relation);

/// An object key, borrowed from the input unless it has escapes.
struct Key<'a>(std::borrow::Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(s.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(s.to_string().into()))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Option<RawRecord<'de>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RecordSeed<'_> {
    type Value = Option<RawRecord<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut rec = RawRecord {
            fields: vec![None; self.0.fields.len()],
            unknown: Vec::new(),
            duplicate: None,
        };
        while let Some(Key(key)) = a.next_key::<Key<'de>>()? {
            let raw: &'de RawValue = a.next_value()?;
            match self.0.field_index(&key) {
                Some(i) if rec.fields[i].is_some() => {
                    rec.duplicate.get_or_insert(key.into_owned());
                }
                Some(i) => rec.fields[i] = Some(raw),
                None => rec.unknown.push(key.into_owned()),
            }
        }
        Ok(Some(rec))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Parses one record's text and converts it; errors go to `errs`, a good record to `rows`.
fn parse_record(
    text: &str,
    file: &str,
    line: u32,
    schema: &Relation,
    syms: &mut Interner,
    rows: &mut Vec<Row>,
    errs: &mut Vec<InputError>,
) {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    match RecordSeed(schema).deserialize(&mut de).and_then(|r| de.end().map(|_| r)) {
        Ok(Some(rec)) => convert(rec, file, line, schema, syms, rows, errs),
        Ok(None) => errs.push(InputError::new(
            file,
            Some(line),
            None,
            "expected a JSON object {\"field\": value, ...}",
        )),
        Err(e) => errs.push(InputError::new(
            file,
            Some(line),
            None,
            format!("not a JSON object: {}", json_err(&e)),
        )),
    }
}

fn convert(rec: RawRecord, file: &str, line: u32, schema: &Relation, syms: &mut Interner, rows: &mut Vec<Row>, errs: &mut Vec<InputError>) {
    if let Some(k) = rec.duplicate {
        errs.push(InputError::new(
            file,
            Some(line),
            Some(&k),
            "given twice in one record (expected each field once)",
        ));
        return;
    }
    let before = errs.len();
    for key in &rec.unknown {
        let known = schema.fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ");
        errs.push(InputError::new(
            file,
            Some(line),
            Some(key),
            format!("unknown field (`{}` has {known})", schema.name),
        ));
    }
    let mut vals = Vec::with_capacity(schema.fields.len());
    for (f, raw) in schema.fields.iter().zip(&rec.fields) {
        let val = match raw.map(|r| r.get()) {
            None | Some("null") if f.optional => Val::Null,
            None => {
                errs.push(InputError::new(
                    file,
                    Some(line),
                    Some(f.name),
                    format!("missing (expected {})", f.ty.describe()),
                ));
                Val::Null
            }
            Some(text) => typed(f, text, syms).unwrap_or_else(|m| {
                errs.push(InputError::new(file, Some(line), Some(f.name), m));
                Val::Null
            }),
        };
        vals.push(val);
    }
    if let Some((from, to)) = schema.interval {
        let (a, b) = (
            vals[schema.field_index(from).expect("interval field")],
            vals[schema.field_index(to).expect("interval field")],
        );
        if a != Val::Null && b != Val::Null && b <= a {
            errs.push(InputError::new(
                file,
                Some(line),
                Some(to),
                format!("the interval ends before it starts (expected `{to}` after `{from}`)"),
            ));
        }
    }
    if errs.len() == before {
        rows.push(Row {
            line,
            vals: vals.into_boxed_slice(),
        });
    }
}

/// A field's value from its raw JSON text: numbers are read exactly from the text, strings unescaped only when needed.
fn typed(f: &Field, raw: &str, syms: &mut Interner) -> Result<Val, String> {
    let expected = || format!("expected {}, got {}", f.ty.describe(), short(raw));
    let string = || -> Result<std::borrow::Cow<str>, String> {
        if !raw.starts_with('"') {
            return Err(expected());
        }
        if raw.contains('\\') {
            serde_json::from_str::<String>(raw).map(Into::into).map_err(|_| expected())
        } else {
            Ok(raw[1..raw.len() - 1].into())
        }
    };
    let number = || {
        if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            Ok(raw)
        } else {
            Err(expected())
        }
    };
    let v = match f.ty {
        Ty::Str => Val::Str(syms.intern(&string()?)),
        Ty::Enum(opts) => {
            let s = string()?;
            if !opts.contains(&s.as_ref()) {
                return Err(expected());
            }
            Val::Str(syms.intern(&s))
        }
        Ty::Bool => match raw {
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            _ => return Err(expected()),
        },
        Ty::Date => Val::Date(Date::parse(&string()?).map_err(|m| format!("expected {m}"))?),
        Ty::Time => Val::Time(Time::parse(&string()?).map_err(|m| format!("expected {m}"))?),
        Ty::Month => Val::Month(Month::parse(&string()?).map_err(|m| format!("expected {m}"))?),
        Ty::Int => Val::Int(
            number()?
                .parse::<i64>()
                .map_err(|_| format!("expected an integer, got {}", short(raw)))?,
        ),
        Ty::Dec => Val::Dec(Dec::parse(number()?).map_err(|m| format!("expected {m}"))?),
    };
    check_range(f, v)?;
    Ok(v)
}

fn check_range(f: &Field, v: Val) -> Result<(), String> {
    let d = match v {
        Val::Dec(d) => d,
        Val::Int(i) => Dec::from_int(i).unwrap_or(Dec(i64::MAX)),
        _ => return Ok(()),
    };
    match f.range {
        Range::Any => Ok(()),
        Range::NonNeg if d < Dec::ZERO => Err(format!("out of range: expected a value ≥ 0, got {d}")),
        Range::Unit if d < Dec::ZERO || d > Dec::from_int(1).expect("one") => {
            Err(format!("out of range: expected a fraction in [0, 1], got {d}"))
        }
        Range::Money if d < Dec::ZERO => Err(format!("out of range: expected an amount of yuan ≥ 0, got {d}")),
        Range::Money if d.places() > 2 => Err(format!("expected yuan with at most 2 decimals, got {d}")),
        _ => Ok(()),
    }
}

fn short(raw: &str) -> String {
    if raw.chars().count() > 40 {
        format!("{}…", raw.chars().take(40).collect::<String>())
    } else {
        raw.to_string()
    }
}

/// Set semantics (identical records are one fact) and key conflicts (two different records for one key).
/// Dedupes and checks the keys of every relation, the relations spread over the cores (largest first, each to the
/// least loaded core); the errors are sorted by the caller, so they do not depend on the spread.
fn check_relations(rels: &mut [RelData], syms: &Interner) -> Vec<InputError> {
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).max(1);
    let mut order: Vec<&mut RelData> = rels.iter_mut().collect();
    order.sort_by_key(|r| std::cmp::Reverse(r.rows.len()));
    let mut buckets: Vec<(usize, Vec<&mut RelData>)> = (0..threads).map(|_| (0, Vec::new())).collect();
    for rel in order {
        let least = buckets.iter_mut().min_by_key(|b| b.0).expect("a core");
        least.0 += rel.rows.len();
        least.1.push(rel);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = buckets
            .into_iter()
            .map(|(_, bucket)| {
                scope.spawn(move || {
                    let mut errs = Vec::new();
                    for rel in bucket {
                        dedupe_and_check_keys(rel, syms, &mut errs);
                        check_disjoint(rel, syms, &mut errs);
                    }
                    errs
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a key check panicked")).collect()
    })
}

fn dedupe_and_check_keys(rel: &mut RelData, syms: &Interner, errs: &mut Vec<InputError>) {
    let file = rel.file.clone().unwrap_or_else(|| rel.schema.name.to_string());
    // keep the first of identical rows, without copying any
    let keep: Vec<bool> = {
        let mut seen: FxHashSet<&[Val]> = FxHashSet::default();
        seen.reserve(rel.rows.len());
        rel.rows.iter().map(|r| seen.insert(&r.vals[..])).collect()
    };
    let mut flags = keep.into_iter();
    rel.rows.retain(|_| flags.next().unwrap_or(true));
    if rel.schema.key.is_empty() {
        return;
    }
    let idx: Vec<usize> = rel
        .schema
        .key
        .iter()
        .map(|k| rel.schema.field_index(k).expect("key field in schema"))
        .collect();
    let mut by_key: HashMap<Vec<Val>, u32> = HashMap::default();
    for row in &rel.rows {
        let key: Vec<Val> = idx.iter().map(|&i| row.vals[i]).collect();
        if let Some(&first) = by_key.get(&key) {
            errs.push(InputError::new(
                &file,
                Some(row.line),
                Some(rel.schema.key[0]),
                format!(
                    "conflicting records: line {first} has the same {} ({}) with different values (expected one record per {})",
                    rel.schema.key.join(" and "),
                    key.iter().map(|v| v.text(syms)).collect::<Vec<_>>().join(", "),
                    rel.schema.key.join(", ")
                ),
            ));
        } else {
            by_key.insert(key, row.line);
        }
    }
}

/// Records equal in the `disjoint` fields must not have overlapping `[start, end)` intervals.
fn check_disjoint(rel: &RelData, syms: &Interner, errs: &mut Vec<InputError>) {
    let (Some((from, to)), false) = (rel.schema.interval, rel.schema.disjoint.is_empty()) else {
        return;
    };
    let file = rel.file.clone().unwrap_or_else(|| rel.schema.name.to_string());
    let (fi, ti) = (
        rel.schema.field_index(from).expect("interval field"),
        rel.schema.field_index(to).expect("interval field"),
    );
    let idx: Vec<usize> = rel
        .schema
        .disjoint
        .iter()
        .map(|k| rel.schema.field_index(k).expect("disjoint field"))
        .collect();
    let mut groups: HashMap<Vec<Val>, Vec<&Row>> = HashMap::default();
    for row in &rel.rows {
        groups.entry(idx.iter().map(|&i| row.vals[i]).collect()).or_default().push(row);
    }
    for (key, mut rows) in groups {
        rows.sort_by_key(|r| (r.vals[fi], r.line));
        for pair in rows.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            // a starts first; they overlap when a is open-ended or ends after b starts
            if a.vals[ti] == Val::Null || a.vals[ti] > b.vals[fi] {
                errs.push(InputError::new(
                    &file,
                    Some(b.line),
                    Some(from),
                    format!(
                        "overlaps the interval of line {} for the same {} ({}) (expected one record in force at a time)",
                        a.line,
                        rel.schema.disjoint.join(" and "),
                        key.iter().map(|v| v.text(syms)).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
}
