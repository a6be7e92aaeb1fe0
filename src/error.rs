//! Input errors: each names the file, the line and the field, and what was expected. They are gathered, never
//! stopped at the first, so a data team fixes a whole load in one pass.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputError {
    pub file: String,
    pub line: Option<u32>,
    pub field: Option<String>,
    pub msg: String,
}

impl InputError {
    pub fn new(file: impl Into<String>, line: Option<u32>, field: Option<&str>, msg: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            line,
            field: field.map(str::to_string),
            msg: msg.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.msg)
    }
}

/// What a command can fail with: bad input (exit 2) or our own fault (exit 1).
#[derive(Debug)]
pub enum Failure {
    Input(Vec<InputError>),
    Internal(String),
    /// Whoever read our output stopped reading (`zhunru run ... | head`): not an error, nothing more to say.
    OutputClosed,
}

impl Failure {
    pub fn input(file: &str, msg: impl Into<String>) -> Failure {
        Failure::Input(vec![InputError::new(file, None, None, msg)])
    }
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) => 2,
            Failure::Internal(_) => 1,
            Failure::OutputClosed => 0,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Input(errs) => {
                for e in errs {
                    writeln!(f, "error: {e}")?;
                }
                write!(
                    f,
                    "{} input error{}; no result was written",
                    errs.len(),
                    if errs.len() == 1 { "" } else { "s" }
                )
            }
            Failure::Internal(m) => write!(f, "internal error: {m}"),
            Failure::OutputClosed => Ok(()),
        }
    }
}
