//! Typed field values of input records, and of observed/required values in explanations.

use crate::intern::{Interner, Sym};
use crate::num::Dec;
use crate::time::{Date, Month, Time};
use serde_json::Value as Json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Val {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Dec(Dec),
    Str(Sym),
    Date(Date),
    Time(Time),
    Month(Month),
    /// A fixed word of the program's vocabulary (a verdict, a tier).
    Word(&'static str),
    /// A closed window [from, to] of a policy (registration, activity).
    Span(Time, Time),
    /// A length of time in seconds (live time of a day).
    Dur(i64),
}

impl Val {
    pub fn sym(self) -> Sym {
        match self {
            Val::Str(s) => s,
            other => panic!("schema mismatch: expected a string, found {other:?}"),
        }
    }
    pub fn dec(self) -> Dec {
        match self {
            Val::Dec(d) => d,
            Val::Int(i) => Dec::from_int(i).expect("int fits a decimal"),
            other => panic!("schema mismatch: expected a number, found {other:?}"),
        }
    }
    pub fn int(self) -> i64 {
        match self {
            Val::Int(i) => i,
            other => panic!("schema mismatch: expected an integer, found {other:?}"),
        }
    }
    pub fn bool(self) -> bool {
        match self {
            Val::Bool(b) => b,
            other => panic!("schema mismatch: expected a bool, found {other:?}"),
        }
    }
    pub fn date(self) -> Date {
        match self {
            Val::Date(d) => d,
            other => panic!("schema mismatch: expected a date, found {other:?}"),
        }
    }
    pub fn time(self) -> Time {
        match self {
            Val::Time(t) => t,
            other => panic!("schema mismatch: expected a time, found {other:?}"),
        }
    }
    pub fn opt_time(self) -> Option<Time> {
        match self {
            Val::Time(t) => Some(t),
            _ => None,
        }
    }
    pub fn opt_date(self) -> Option<Date> {
        match self {
            Val::Date(d) => Some(d),
            _ => None,
        }
    }
    pub fn month(self) -> Month {
        match self {
            Val::Month(m) => m,
            other => panic!("schema mismatch: expected a month, found {other:?}"),
        }
    }

    /// Plain text, as a reviewer reads it.
    pub fn text(self, syms: &Interner) -> String {
        match self {
            Val::Null => "—".into(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Dec(d) => d.to_string(),
            Val::Str(s) => syms.resolve(s).to_string(),
            Val::Date(d) => d.to_string(),
            Val::Time(t) => t.to_string(),
            Val::Month(m) => m.to_string(),
            Val::Word(w) => w.to_string(),
            Val::Span(a, b) => format!("{a} … {b}"),
            Val::Dur(s) => {
                let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
                format!("{h}h{m:02}m{sec:02}s")
            }
        }
    }

    /// JSON, numbers written as their shortest exact decimal.
    pub fn json(self, syms: &Interner) -> Json {
        match self {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(b),
            Val::Int(i) => Json::from(i),
            Val::Dec(d) => dec_json(d),
            Val::Span(a, b) => serde_json::json!({"from": a.to_string(), "to": b.to_string()}),
            other => Json::String(other.text(syms)),
        }
    }
}

pub fn dec_json(d: Dec) -> Json {
    // arbitrary_precision keeps the text, so the number is written exactly as shown.
    Json::Number(d.to_string().parse().expect("a decimal is a JSON number"))
}
