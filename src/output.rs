//! Writing verdict records: JSON lines (the default), a JSON array, an aligned table, or CSV. Files are written
//! atomically: a temporary file beside the target, renamed into place only when complete.

use crate::program::{ClauseId, Program};
use crate::verdict::{Evaluation, Status, Verdict};
use serde_json::{Map, Value as Json};
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Json,
    Table,
    Csv,
}

/// The contract's verdict record, keys in the contract's order.
pub fn record(eval: &Evaluation, v: &Verdict) -> Json {
    let subj = eval.subject(v.subj);
    let mut m = Map::new();
    m.insert("program".into(), Json::String(eval.program.id.into()));
    let mut s = Map::new();
    s.insert("kind".into(), Json::String(subj.kind.clone()));
    s.insert("id".into(), Json::String(subj.id.clone()));
    m.insert("subject".into(), Json::Object(s));
    m.insert("verdict".into(), Json::String(v.status.name().into()));
    m.insert("tier".into(), v.tier.map(|t| Json::String(t.into())).unwrap_or(Json::Null));
    let strs = |l: &[ClauseId]| Json::Array(l.iter().map(|&c| Json::String(eval.program.full_id(c))).collect());
    m.insert("failed".into(), strs(&v.failed));
    m.insert("missing".into(), strs(&v.missing));
    m.insert("flags".into(), strs(&v.flags));
    m.insert("rewards".into(), Json::Array(v.rewards.clone()));
    for (k, val) in &v.fields {
        m.insert((*k).into(), val.clone());
    }
    Json::Object(m)
}

/// A verdict record packed for batch runs to hold, sort and spill to disk: ~10 bytes beside its subject instead of
/// a ~250-byte line, rendered by [`write_packed`] when the output is written. Layout: status (1 byte); tier (length
/// byte, text); failed, missing, flags (u16 count, u16 clause ids, little-endian); then the JSON text that follows
/// `"rewards":` in the line (the rewards array and the program's extra fields).
pub fn pack(buf: &mut Vec<u8>, v: &Verdict) {
    buf.push(match v.status {
        Status::Admitted => 0,
        Status::Rejected => 1,
        Status::Undetermined => 2,
    });
    let tier = v.tier.unwrap_or("");
    buf.push(u8::try_from(tier.len()).expect("a tier name under 256 bytes"));
    buf.extend_from_slice(tier.as_bytes());
    for list in [&v.failed, &v.missing, &v.flags] {
        buf.extend_from_slice(&u16::try_from(list.len()).expect("under 2^16 clauses").to_le_bytes());
        for c in list {
            buf.extend_from_slice(&c.0.to_le_bytes());
        }
    }
    buf.push(b'[');
    for (i, r) in v.rewards.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        serde_json::to_writer(&mut *buf, r).expect("a reward serializes");
    }
    buf.push(b']');
    for (k, val) in &v.fields {
        buf.push(b',');
        serde_json::to_writer(&mut *buf, k).expect("a string serializes");
        buf.push(b':');
        serde_json::to_writer(&mut *buf, val).expect("a field serializes");
    }
}

/// The contract's JSON line (without its newline) of a record packed by [`pack`]: `record(eval, v).to_string()`,
/// written straight into `buf` without building the JSON tree.
pub fn write_packed(buf: &mut Vec<u8>, program: &Program, kind: &str, id: &str, packed: &[u8]) {
    fn text(buf: &mut Vec<u8>, s: &str) {
        serde_json::to_writer(&mut *buf, s).expect("a string serializes");
    }
    let status = [Status::Admitted, Status::Rejected, Status::Undetermined][packed[0] as usize];
    let tier_len = packed[1] as usize;
    let tier = std::str::from_utf8(&packed[2..2 + tier_len]).expect("a packed tier is text");
    let mut at = 2 + tier_len;
    let u16_at = |at: &mut usize| {
        let v = u16::from_le_bytes([packed[*at], packed[*at + 1]]);
        *at += 2;
        v
    };
    buf.extend_from_slice(b"{\"program\":");
    text(buf, program.id);
    buf.extend_from_slice(b",\"subject\":{\"kind\":");
    text(buf, kind);
    buf.extend_from_slice(b",\"id\":");
    text(buf, id);
    buf.extend_from_slice(b"},\"verdict\":");
    text(buf, status.name());
    buf.extend_from_slice(b",\"tier\":");
    if tier.is_empty() {
        buf.extend_from_slice(b"null");
    } else {
        text(buf, tier);
    }
    for name in [&b",\"failed\":["[..], b"],\"missing\":[", b"],\"flags\":["] {
        buf.extend_from_slice(name);
        for i in 0..u16_at(&mut at) {
            if i > 0 {
                buf.push(b',');
            }
            let clause = ClauseId(u16_at(&mut at));
            buf.push(b'"');
            buf.extend_from_slice(program.id.as_bytes());
            buf.push(b'/');
            buf.extend_from_slice(program.meta(clause).id.as_bytes());
            buf.push(b'"');
        }
    }
    buf.extend_from_slice(b"],\"rewards\":");
    buf.extend_from_slice(&packed[at..]);
    buf.push(b'}');
}

/// `record(eval, v).to_string()`, through [`pack`] and [`write_packed`] so that a batch run and every other
/// writer render a record the same way.
pub fn write_record(buf: &mut Vec<u8>, eval: &Evaluation, v: &Verdict) {
    let mut packed = Vec::with_capacity(32);
    pack(&mut packed, v);
    let subj = eval.subject(v.subj);
    write_packed(buf, eval.program, &subj.kind, &subj.id, &packed);
}

pub fn write(eval: &Evaluation, format: Format, w: &mut dyn Write) -> std::io::Result<()> {
    let verdicts = eval.order.iter().map(|&s| &eval.verdicts[s as usize]);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    match format {
        Format::Jsonl => {
            for v in verdicts {
                write_record(&mut buf, eval, v);
                buf.push(b'\n');
                if buf.len() >= 1 << 16 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
            w.write_all(&buf)?;
        }
        Format::Json => {
            writeln!(w, "[")?;
            let n = eval.order.len();
            for (i, v) in verdicts.enumerate() {
                buf.extend_from_slice(b"  ");
                write_record(&mut buf, eval, v);
                buf.extend_from_slice(if i + 1 < n { b",\n" } else { b"\n" });
                if buf.len() >= 1 << 16 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
            w.write_all(&buf)?;
            writeln!(w, "]")?;
        }
        Format::Table | Format::Csv => {
            let head = ["program", "kind", "id", "verdict", "tier", "failed", "missing", "flags", "rewards"];
            let rows: Vec<[String; 9]> = verdicts.map(|v| row(eval, v)).collect();
            if format == Format::Csv {
                writeln!(w, "{}", head.join(","))?;
                for r in rows {
                    writeln!(w, "{}", r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","))?;
                }
            } else {
                let mut width = head.map(|h| h.chars().count());
                for r in &rows {
                    for (i, c) in r.iter().enumerate() {
                        width[i] = width[i].max(c.chars().count());
                    }
                }
                let line = |cells: &[String]| {
                    cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("{c:<w$}", w = width[i]))
                        .collect::<Vec<_>>()
                        .join("  ")
                        .trim_end()
                        .to_string()
                };
                writeln!(w, "{}", line(&head.map(String::from)))?;
                for r in &rows {
                    writeln!(w, "{}", line(r))?;
                }
            }
        }
    }
    Ok(())
}

fn row(eval: &Evaluation, v: &Verdict) -> [String; 9] {
    let subj = eval.subject(v.subj);
    [
        eval.program.id.to_string(),
        subj.kind.clone(),
        subj.id.clone(),
        v.status.name().to_string(),
        v.tier.unwrap_or("").to_string(),
        ids(eval.program, &v.failed),
        ids(eval.program, &v.missing),
        ids(eval.program, &v.flags),
        Json::Array(v.rewards.clone()).to_string(),
    ]
}

fn ids(program: &Program, l: &[ClauseId]) -> String {
    l.iter().map(|&c| program.full_id(c)).collect::<Vec<_>>().join(";")
}

fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

/// Writes through `f` into a temporary file beside `path`, then renames it over `path`. On any error the temporary
/// file is removed and `path` is left as it was; on Linux the file has no name until it is whole, so not even a
/// killed process leaves it behind. The file is written around the page cache where it can be
/// (`direct::DirectFile`), which buffers: `f` need not.
pub fn write_atomically(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.zhunru-{}.tmp", std::process::id()));
    let result = (|| {
        let t = std::time::Instant::now();
        // unnamed until it is whole (Linux): a run killed half-way leaves no temporary file of gigabytes behind
        let (mut w, unnamed) = match crate::direct::DirectFile::unnamed(dir)? {
            Some(w) => (w, true),
            None => (crate::direct::DirectFile::create(&tmp)?, false),
        };
        f(&mut w)?;
        let file = w.finish()?;
        crate::engine::timing("write: written", t);
        file.sync_all()?;
        crate::engine::timing("write: synced", t);
        if unnamed {
            // a leftover of a killed run of the same process id
            let _ = std::fs::remove_file(&tmp);
            crate::direct::link(&file, &tmp)?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
