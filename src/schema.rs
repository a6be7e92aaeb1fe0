//! Declarations of input relations: field names and types, ranges, keys, references and intervals.
//! A program lists its relations with these; the loader enforces every one of them generically.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Dec,
    Bool,
    Date,
    Time,
    Month,
    /// A string from a closed list.
    Enum(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    Any,
    /// ≥ 0: scores, prices, points, counts, minutes, GMV, spend.
    NonNeg,
    /// In [0, 1]: rates and shares.
    Unit,
    /// ≥ 0 with at most 2 decimals: yuan.
    Money,
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub optional: bool,
    pub range: Range,
}

pub const fn field(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        optional: false,
        range: Range::Any,
    }
}

impl Field {
    pub const fn optional(mut self) -> Field {
        self.optional = true;
        self
    }
    pub const fn non_neg(mut self) -> Field {
        self.range = Range::NonNeg;
        self
    }
    pub const fn unit(mut self) -> Field {
        self.range = Range::Unit;
        self
    }
    pub const fn money(mut self) -> Field {
        self.range = Range::Money;
        self
    }
}

/// `field` of this relation must name an existing `target.target_field` (or one of the `or` alternatives:
/// "an anchor named in `anchor`, `signup` or `session_application`").
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    pub field: &'static str,
    pub target: &'static str,
    pub target_field: &'static str,
    pub or: &'static [(&'static str, &'static str)],
}

pub const fn reference(field: &'static str, target: &'static str, target_field: &'static str) -> Reference {
    Reference {
        field,
        target,
        target_field,
        or: &[],
    }
}

impl Reference {
    pub const fn or(mut self, alternatives: &'static [(&'static str, &'static str)]) -> Reference {
        self.or = alternatives;
        self
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Relation {
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Two different records with equal values in these fields conflict (ids, or readings by subject and date).
    pub key: &'static [&'static str],
    pub refs: &'static [Reference],
    /// (start, end) fields of a half-open interval; the end, when present, must be after the start.
    pub interval: Option<(&'static str, &'static str)>,
    /// Records equal in these fields must have intervals that do not overlap (one cooperation at a time).
    pub disjoint: &'static [&'static str],
    pub doc: &'static str,
}

/// A relation with no key, reference, interval or doc yet; the builder methods below add them.
pub const fn relation(name: &'static str, fields: &'static [Field]) -> Relation {
    Relation {
        name,
        fields,
        key: &[],
        refs: &[],
        interval: None,
        disjoint: &[],
        doc: "",
    }
}

impl Relation {
    pub const fn key(mut self, key: &'static [&'static str]) -> Relation {
        self.key = key;
        self
    }
    pub const fn refs(mut self, refs: &'static [Reference]) -> Relation {
        self.refs = refs;
        self
    }
    pub const fn interval(mut self, start: &'static str, end: &'static str) -> Relation {
        self.interval = Some((start, end));
        self
    }
    pub const fn disjoint(mut self, fields: &'static [&'static str]) -> Relation {
        self.disjoint = fields;
        self
    }
    pub const fn doc(mut self, doc: &'static str) -> Relation {
        self.doc = doc;
        self
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

impl Ty {
    pub fn describe(self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Int => "an integer".into(),
            Ty::Dec => "a decimal number".into(),
            Ty::Bool => "true or false".into(),
            Ty::Date => "a date YYYY-MM-DD".into(),
            Ty::Time => "a time YYYY-MM-DDTHH:MM:SS".into(),
            Ty::Month => "a month YYYY-MM".into(),
            Ty::Enum(opts) => format!("one of {}", opts.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(", ")),
        }
    }
    pub fn name(self) -> String {
        match self {
            Ty::Str => "str".into(),
            Ty::Int => "int".into(),
            Ty::Dec => "dec".into(),
            Ty::Bool => "bool".into(),
            Ty::Date => "date".into(),
            Ty::Time => "time".into(),
            Ty::Month => "month".into(),
            Ty::Enum(opts) => opts.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join("|"),
        }
    }
}
