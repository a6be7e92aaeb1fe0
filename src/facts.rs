//! Loading a fact-set directory: one file per relation, validated against the program's schema.
//! Every record keeps its origin (file, line) so explanations can cite it.

use crate::error::InputError;
use crate::intern::{Interner, Sym};
use crate::num::Dec;
use crate::schema::{Field, Range, Reference, Relation, Ty};
use crate::store::{Table, Vals};
use crate::time::{Date, Month, Time};
use crate::value::Val;
use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// A reference to one input record: (relation index, row index). Rows are kept in line order, so `Rec` order is
/// (relation, line) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rec(pub u32, pub u32);

#[derive(Debug)]
pub struct RelData {
    pub schema: &'static Relation,
    /// The file it came from (`penalty.jsonl`), if any.
    pub file: Option<String>,
    pub rows: Table,
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
                rows: Table::new(schema),
            })
            .collect();
        let mut sources: Vec<Source> = Vec::new();
        for (i, data) in rels.iter_mut().enumerate() {
            match files.get(&i).map(Vec::as_slice) {
                None | Some([]) => {}
                Some([one]) => {
                    data.file = Some(one.clone());
                    let path = dir.join(one);
                    match regular_file(&path, one) {
                        Ok(size) => sources.push(Source {
                            rel: i,
                            name: one.clone(),
                            path,
                            size,
                        }),
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
        let (syms, parse_errs) = stream_parse(&sources, relations, &mut rels);
        errs.extend(parse_errs);
        let mut facts = FactSet {
            dir: dir.to_path_buf(),
            syms,
            rels,
            params_file,
        };
        crate::engine::timing("load: parse", started);
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
            rel.rows.remap_all(&remap, cores());
        }
        crate::engine::timing("load: ids sorted", started);
        Ok(facts)
    }

    pub fn rel_index(&self, name: &str) -> usize {
        self.rels
            .iter()
            .position(|r| r.schema.name == name)
            .unwrap_or_else(|| panic!("no relation `{name}` in the schema"))
    }

    /// The rows of a relation with their record references.
    pub fn rows<'a>(&'a self, name: &str) -> impl Iterator<Item = (Rec, Vals)> + 'a {
        let i = self.rel_index(name);
        let table = &self.rels[i].rows;
        (0..table.len()).map(move |r| (Rec(i as u32, r as u32), table.vals(r)))
    }

    /// The number of records of a relation.
    pub fn rows_len(&self, name: &str) -> usize {
        self.rels[self.rel_index(name)].rows.len()
    }

    /// `relation.jsonl` and line of a record.
    pub fn origin(&self, rec: Rec) -> (&str, u32) {
        let rel = &self.rels[rec.0 as usize];
        (rel.file.as_deref().unwrap_or(rel.schema.name), rel.rows.line(rec.1 as usize))
    }

    pub fn vals(&self, rec: Rec) -> Vals {
        self.rels[rec.0 as usize].rows.vals(rec.1 as usize)
    }

    /// The record as JSON, fields in schema order, absent optional fields left out.
    pub fn record_json(&self, rec: Rec) -> Json {
        let rel = &self.rels[rec.0 as usize];
        let mut m = Map::new();
        for (f, v) in rel.schema.fields.iter().zip(self.vals(rec).iter()) {
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
        // The ids each distinct target holds, gathered once (douyin's nine references to products share one set),
        // then every referencing row checked against them, in slices on every core. Errors are sorted later.
        struct Known {
            /// one bit per interned string: references are ids
            ids: Vec<u64>,
            other: FxHashSet<Val>,
            names: String,
            places: String,
        }
        let mut targets_of: Vec<Vec<(&str, &str)>> = Vec::new();
        let mut checks: Vec<(&RelData, &Reference, usize, usize)> = Vec::new(); // relation, reference, field, target set
        for rel in &self.rels {
            for r in rel.schema.refs {
                let fi = rel.schema.field_index(r.field).expect("reference field in schema");
                let targets: Vec<(&str, &str)> = std::iter::once((r.target, r.target_field)).chain(r.or.iter().copied()).collect();
                checks.push((rel, r, fi, crate::intern::index_of(&mut targets_of, targets)));
            }
        }
        let known: Vec<Known> = (targets_of.iter())
            .map(|targets| {
                let mut k = Known {
                    ids: vec![0u64; self.syms.len().div_ceil(64)],
                    other: FxHashSet::default(),
                    names: targets.iter().map(|t| format!("`{}`", t.0)).collect::<Vec<_>>().join(" or "),
                    places: String::new(),
                };
                let mut places = Vec::new();
                for (name, tf) in targets {
                    let target = self
                        .rels
                        .iter()
                        .find(|t| t.schema.name == *name)
                        .expect("reference target in schema");
                    let tfi = target.schema.field_index(tf).expect("reference target field in schema");
                    for row in 0..target.rows.len() {
                        match target.rows.get(row, tfi) {
                            Val::Str(s) => k.ids[s.0 as usize / 64] |= 1 << (s.0 % 64),
                            v => {
                                k.other.insert(v);
                            }
                        }
                    }
                    let where_ = target.file.clone().unwrap_or_else(|| format!("{name}.jsonl (absent)"));
                    places.push(format!("a `{tf}` present in {where_}"));
                }
                k.places = places.join(" or ");
                k
            })
            .collect();
        const SLICE: usize = 1 << 22;
        let slices: Vec<(usize, std::ops::Range<usize>)> = (checks.iter().enumerate())
            .flat_map(|(c, check)| {
                let n = check.0.rows.len();
                (0..n.div_ceil(SLICE)).map(move |i| (c, i * SLICE..((i + 1) * SLICE).min(n)))
            })
            .collect();
        let next = AtomicUsize::new(0);
        let work = || {
            let mut errs = Vec::new();
            while let Some((c, rows)) = slices.get(next.fetch_add(1, Ordering::Relaxed)) {
                let (rel, r, fi, t) = checks[*c];
                let k = &known[t];
                for row in rows.clone() {
                    let v = rel.rows.get(row, fi);
                    let present = match v {
                        Val::Null => true,
                        Val::Str(s) => k.ids[s.0 as usize / 64] & (1 << (s.0 % 64)) != 0,
                        v => k.other.contains(&v),
                    };
                    if !present {
                        errs.push(InputError::new(
                            rel.file.as_deref().unwrap_or(rel.schema.name),
                            Some(rel.rows.line(row)),
                            Some(r.field),
                            format!("`{}` names no record of {} (expected {})", v.text(&self.syms), k.names, k.places),
                        ));
                    }
                }
            }
            errs
        };
        std::thread::scope(|scope| {
            let others: Vec<_> = (1..cores()).map(|_| scope.spawn(work)).collect();
            errs.extend(work());
            for o in others {
                errs.extend(o.join().expect("a reference check panicked"));
            }
        });
    }
}

/// The size of a regular file, or why it cannot be read as one.
fn regular_file(path: &Path, name: &str) -> Result<u64, InputError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(m.len()),
        Ok(_) => Err(InputError::new(
            name,
            None,
            None,
            "not a regular file (expected a file of JSON records)",
        )),
        Err(e) => Err(InputError::new(name, None, None, format!("cannot read: {e}"))),
    }
}

/// The line (1-based) where text stops being UTF-8.
/// The line where text stops being UTF-8, given the valid text before that point.
fn not_utf8_line(ok: &[u8]) -> u32 {
    ok.iter().filter(|&&b| b == b'\n').count() as u32 + 1
}

const NOT_UTF8: &str = "not UTF-8 text (expected UTF-8 JSON)";

fn read_text(path: &Path, name: &str) -> Result<String, InputError> {
    regular_file(path, name)?;
    let bytes = std::fs::read(path).map_err(|e| InputError::new(name, None, None, format!("cannot read: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").map(<[u8]>::to_vec).unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        let line = not_utf8_line(&e.as_bytes()[..e.utf8_error().valid_up_to()]);
        InputError::new(name, Some(line), None, NOT_UTF8)
    })
}

/// A relation file to read.
struct Source {
    rel: usize,
    name: String,
    path: PathBuf,
    size: u64,
}

/// A piece of a relation file to parse: whole lines of a `.jsonl` file, or a whole `.json` array.
struct Chunk {
    seq: usize,
    src: usize,
    /// The text, or why the file could not be read.
    bytes: Result<Text, String>,
}

/// A chunk's text: read into a buffer, or a range of a mapped file.
enum Text {
    Read(Vec<u8>),
    Mapped(std::sync::Arc<crate::mapped::Map>, std::ops::Range<usize>),
}

impl Text {
    fn bytes(&self) -> &[u8] {
        match self {
            Text::Read(b) => b,
            Text::Mapped(map, range) => &map.bytes()[range.clone()],
        }
    }

    /// The text is parsed: a mapped range's pages can go.
    fn done(self) {
        if let Text::Mapped(map, range) = self {
            map.release(range);
        }
    }
}

/// What a worker made of a chunk: its rows and errors with line numbers counted from the chunk's first line, its
/// own ids, and the lines it spans; or the line (in the chunk) where its text stops being UTF-8.
enum Parsed {
    Rows {
        table: Table,
        syms: Interner,
        errs: Vec<InputError>,
        lines: u32,
    },
    NotUtf8(u32),
    Unreadable(String),
}

/// (bytes parsed, bytes to parse) of the load in progress, for a progress bar on a terminal.
pub static LOAD_PROGRESS: (AtomicU64, AtomicU64) = (AtomicU64::new(0), AtomicU64::new(0));

/// Bytes of JSON lines per parse task: small enough to spread one large file over the cores and to keep little text
/// in memory at a time. `ZHUNRU_CHUNK_KB` overrides it (tests cut small files into many chunks).
fn chunk_bytes() -> usize {
    std::env::var("ZHUNRU_CHUNK_KB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(4 << 20, |kb| kb.max(1) << 10)
}

/// Threads worth running: the cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).max(1)
}

/// Reads the files and parses them, streaming: one thread reads chunks of whole lines, every core parses chunks into
/// rows with its own ids, and this thread puts the results together in file and line order (so the result does not
/// depend on which worker finished first). Only a few chunks of text are in memory at any time.
fn stream_parse(sources: &[Source], relations: &'static [Relation], rels: &mut [RelData]) -> (Interner, Vec<InputError>) {
    use std::sync::mpsc::sync_channel;
    let threads = cores();
    let total: u64 = sources.iter().map(|s| s.size).sum();
    LOAD_PROGRESS.1.store(total, Ordering::Relaxed);
    LOAD_PROGRESS.0.store(0, Ordering::Relaxed);
    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads * 2);
    let chunk_rx = std::sync::Mutex::new(chunk_rx);
    // bounded too: when merging lags, the workers wait rather than pile up parsed chunks (this thread always
    // drains the channel into `pending`, so a full channel cannot block the chunk it waits for)
    let (done_tx, done_rx) = sync_channel::<(usize, usize, u64, Parsed)>(threads * 2);
    // measured on generated fact sets: ~170 bytes of records per distinct id
    let mut syms = Interner::with_capacity((total / 170) as usize, (total / 16) as usize);
    let mut file_errs: Vec<Vec<InputError>> = vec![Vec::new(); sources.len()];
    std::thread::scope(|scope| {
        scope.spawn(move || read_chunks(sources, chunk_tx));
        for _ in 0..threads {
            let (rx, tx) = (&chunk_rx, done_tx.clone());
            scope.spawn(move || loop {
                let Ok(chunk) = rx.lock().expect("chunk queue").recv() else { break };
                let src = &sources[chunk.src];
                let len = chunk.bytes.as_ref().map_or(0, |t| t.bytes().len()) as u64;
                let parsed = match chunk.bytes {
                    Ok(text) => {
                        let parsed = parse_bytes(text.bytes(), src, &relations[src.rel]);
                        text.done();
                        parsed
                    }
                    Err(msg) => Parsed::Unreadable(msg),
                };
                LOAD_PROGRESS.0.fetch_add(len, Ordering::Relaxed);
                if tx.send((chunk.seq, chunk.src, len, parsed)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        // lines before the next chunk of each file, and whether the file has failed as a whole
        let mut line_base = vec![0u32; sources.len()];
        let mut failed = vec![false; sources.len()];
        let mut pending = std::collections::BTreeMap::new();
        let mut next = 0;
        for (seq, src, len, parsed) in done_rx {
            pending.insert(seq, (src, len, parsed));
            while let Some((src, len, parsed)) = pending.remove(&next) {
                next += 1;
                if failed[src] {
                    continue;
                }
                let (name, base) = (&sources[src].name, line_base[src]);
                match parsed {
                    Parsed::Rows {
                        table,
                        syms: local,
                        errs,
                        lines,
                    } => {
                        let mut to_global: Vec<Sym> = Vec::with_capacity(local.len());
                        syms.intern_all(local.strings(), &mut to_global);
                        let rows = &mut rels[sources[src].rel].rows;
                        if base == 0 && len > 0 {
                            // room for the whole file at the first chunk's rows per byte (+2%), so that the
                            // relation does not grow by doubling: a copy each time and up to twice its size at once
                            let per_byte = table.len() as f64 / len as f64;
                            rows.reserve((sources[src].size as f64 * per_byte * 1.02) as usize);
                        }
                        rows.append(&table, base, &to_global);
                        file_errs[src].extend(errs.into_iter().map(|mut e| {
                            e.line = e.line.map(|l| l + base);
                            e
                        }));
                        line_base[src] += lines;
                    }
                    // the whole file is rejected with this one error
                    Parsed::NotUtf8(line) => {
                        failed[src] = true;
                        file_errs[src] = vec![InputError::new(name, Some(base + line), None, NOT_UTF8)];
                    }
                    Parsed::Unreadable(msg) => {
                        failed[src] = true;
                        file_errs[src] = vec![InputError::new(name, None, None, format!("cannot read: {msg}"))];
                    }
                }
            }
        }
    });
    (syms, file_errs.into_iter().flatten().collect())
}

/// The reading thread: each `.jsonl` file in chunks of about `chunk_bytes()` that end at a line end (a leading BOM
/// dropped), each `.json` array whole.
fn read_chunks(sources: &[Source], tx: std::sync::mpsc::SyncSender<Chunk>) {
    use std::io::Read;
    let chunk = chunk_bytes();
    let mut seq = 0;
    let mut send = |src: usize, bytes: Result<Text, String>| {
        let ok = tx.send(Chunk { seq, src, bytes }).is_ok();
        seq += 1;
        ok
    };
    for (i, source) in sources.iter().enumerate() {
        let unreadable = |e: std::io::Error| Err(e.to_string());
        let mut file = match std::fs::File::open(&source.path) {
            Ok(f) => f,
            Err(e) => {
                if !send(i, unreadable(e)) {
                    return;
                }
                continue;
            }
        };
        if !source.name.ends_with(".jsonl") {
            let mut all = Vec::new();
            let bytes = match file.read_to_end(&mut all) {
                Ok(_) => Ok(Text::Read(all)),
                Err(e) => unreadable(e),
            };
            if !send(i, bytes) {
                return;
            }
            continue;
        }
        if let Some(map) = crate::mapped::Map::open(&file, source.size) {
            let map = std::sync::Arc::new(map);
            let len = map.bytes().len();
            let mut at = if map.bytes().starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            while at < len {
                let end = crate::mapped::chunk_end(map.bytes(), at, chunk);
                if !send(i, Ok(Text::Mapped(map.clone(), at..end))) {
                    return;
                }
                at = end;
            }
            continue;
        }
        let mut carry: Vec<u8> = Vec::new();
        let mut first = true;
        loop {
            let mut buf = std::mem::take(&mut carry);
            let have = buf.len();
            buf.resize(have + chunk, 0);
            let n = match read_full(&mut file, &mut buf[have..]) {
                Ok(n) => n,
                Err(e) => {
                    send(i, unreadable(e));
                    break;
                }
            };
            buf.truncate(have + n);
            if first {
                first = false;
                if buf.starts_with(b"\xEF\xBB\xBF") {
                    buf.drain(..3);
                }
            }
            if n == 0 {
                if !buf.is_empty() && !send(i, Ok(Text::Read(buf))) {
                    return;
                }
                break;
            }
            // the chunk ends after its last line end; the rest starts the next one
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(end) => {
                    carry = buf[end + 1..].to_vec();
                    buf.truncate(end + 1);
                    if !send(i, Ok(Text::Read(buf))) {
                        return;
                    }
                }
                None => carry = buf,
            }
        }
    }
}

/// Reads until `buf` is full or the file ends.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn parse_bytes(bytes: &[u8], src: &Source, schema: &Relation) -> Parsed {
    // about one new id per 48 bytes of records (an order line holds two ids in ~100 bytes)
    let ids = bytes.len() / 48;
    let mut out = (Table::new(schema), Interner::with_capacity(ids, ids * 12), Vec::new());
    let lines = if src.name.ends_with(".jsonl") {
        match parse_lines(bytes, &src.name, schema, &mut out) {
            Ok(lines) => lines,
            Err(line) => return Parsed::NotUtf8(line),
        }
    } else {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return Parsed::NotUtf8(not_utf8_line(&bytes[..e.valid_up_to()])),
        };
        // a `.json` array may start with a BOM too
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        parse_array(text, &src.name, schema, &mut out);
        // the whole file is one chunk: no line numbers follow on
        0
    };
    Parsed::Rows {
        table: out.0,
        syms: out.1,
        errs: out.2,
        lines,
    }
}

type Out = (Table, Interner, Vec<InputError>);

/// Bytes of JSON lines checked to be UTF-8 at a time, just before they are parsed: small enough to be still in the
/// core's cache when the parse reads them. (Checking a whole 4 MB chunk first, and counting its lines, read the chunk
/// from memory three times: ~2 s of 25 loading a million shops.)
const BLOCK: usize = 64 << 10;

/// Parses the records of a chunk of JSON lines, a block of whole lines at a time; returns the number of line ends in
/// it, or the line (1-based) of the first byte that is not UTF-8.
fn parse_lines(bytes: &[u8], name: &str, schema: &Relation, out: &mut Out) -> Result<u32, u32> {
    let (mut at, mut lines) = (0, 0u32);
    while at < bytes.len() {
        // to the end of the line where the block ends
        let end = match bytes.get(at + BLOCK..).and_then(|rest| rest.iter().position(|&b| b == b'\n')) {
            Some(nl) => at + BLOCK + nl + 1,
            None => bytes.len(),
        };
        let block = &bytes[at..end];
        let text = std::str::from_utf8(block).map_err(|e| lines + not_utf8_line(&block[..e.valid_up_to()]))?;
        if at == 0 {
            // a row per line at most: room for the chunk's rows at the first block's lines per byte (+5%), rather
            // than growing (and copying) the table as it fills
            let per_byte = text.bytes().filter(|&b| b == b'\n').count().max(1) as f64 / block.len() as f64;
            out.0.reserve((bytes.len() as f64 * per_byte * 1.05) as usize + 1);
        }
        for line in text.split_inclusive('\n') {
            let line_no = lines + 1;
            let line = line.strip_suffix('\n').map_or(line, |l| {
                lines += 1;
                l
            });
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !line.trim().is_empty() {
                parse_record(line, name, line_no, schema, out);
            }
        }
        at = end;
    }
    Ok(lines)
}

/// Parses the records of a `.json` array (a file read whole).
fn parse_array(text: &str, name: &str, schema: &Relation, out: &mut Out) {
    if !text.trim().is_empty() {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                // line numbers counted as we go: the elements come in text order
                let (mut offset, mut line_no) = (0, 1);
                for raw in items {
                    let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                    line_no += text[offset..start].matches('\n').count() as u32;
                    offset = start;
                    parse_record(raw.get(), name, line_no, schema, out);
                }
            }
            Err(e) => out.2.push(InputError::new(
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
#[derive(Default)]
struct RawRecord<'a> {
    /// Each field's JSON text, by schema position.
    fields: [Option<&'a str>; crate::store::MAX_FIELDS],
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
        let mut rec = RawRecord::default();
        while let Some(Key(key)) = a.next_key::<Key<'de>>()? {
            let raw: &'de RawValue = a.next_value()?;
            match self.0.field_index(&key) {
                Some(i) if rec.fields[i].is_some() => {
                    rec.duplicate.get_or_insert(key.into_owned());
                }
                Some(i) => rec.fields[i] = Some(raw.get()),
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
fn parse_record(text: &str, file: &str, line: u32, schema: &Relation, out: &mut Out) {
    let (table, syms, errs) = out;
    if let Some(rec) = flat_record(text, schema) {
        return convert(rec, file, line, schema, syms, table, errs);
    }
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    match RecordSeed(schema).deserialize(&mut de).and_then(|r| de.end().map(|_| r)) {
        Ok(Some(rec)) => convert(rec, file, line, schema, syms, table, errs),
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

/// The common record — one flat object, each field of the schema at most once, strings without escapes — split
/// into its fields' JSON texts in one pass, as serde_json's `RawValue`s would give them. `None` for anything else
/// (escapes, nesting, unknown or repeated fields, bad JSON): serde_json then parses the line and words the error.
fn flat_record<'a>(text: &'a str, schema: &Relation) -> Option<RawRecord<'a>> {
    let b = text.as_bytes();
    let ws = |mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    // the end of a string starting at `i` (after its closing quote), if it has no escape or control character
    let string = |i: usize| {
        let close = i + 1 + b.get(i + 1..)?.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        (b[close] == b'"').then_some(close + 1)
    };
    // the end of a JSON number starting at `i`: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    let number = |mut i: usize| {
        let digits = |i: usize| i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = digits(i),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let j = digits(i + 1);
            if j == i + 1 {
                return None;
            }
            i = j;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let j = digits(i);
            if j == i {
                return None;
            }
            i = j;
        }
        Some(i)
    };
    let mut rec = RawRecord::default();
    let mut i = ws(0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(i + 1);
    if b.get(i) == Some(&b'}') {
        return (ws(i + 1) == b.len()).then_some(rec);
    }
    loop {
        let key_end = string(i)?;
        let field = schema.field_index(&text[i + 1..key_end - 1])?;
        if rec.fields[field].is_some() {
            return None;
        }
        i = ws(key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(i + 1);
        let end = match b.get(i)? {
            b'"' => string(i)?,
            b't' if b[i..].starts_with(b"true") => i + 4,
            b'f' if b[i..].starts_with(b"false") => i + 5,
            b'n' if b[i..].starts_with(b"null") => i + 4,
            _ => number(i)?,
        };
        rec.fields[field] = Some(&text[i..end]);
        i = ws(end);
        match b.get(i)? {
            b',' => i = ws(i + 1),
            b'}' => return (ws(i + 1) == b.len()).then_some(rec),
            _ => return None,
        }
    }
}

fn convert(rec: RawRecord, file: &str, line: u32, schema: &Relation, syms: &mut Interner, table: &mut Table, errs: &mut Vec<InputError>) {
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
    let mut vals = [Val::Null; crate::store::MAX_FIELDS];
    for ((f, raw), slot) in schema.fields.iter().zip(&rec.fields).zip(vals.iter_mut()) {
        *slot = match *raw {
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
        table.push(&vals[..schema.fields.len()], line);
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
    let mut order: Vec<&mut RelData> = rels.iter_mut().collect();
    order.sort_by_key(|r| std::cmp::Reverse(check_cost(r, syms.len())));
    let mut buckets: Vec<(usize, Vec<&mut RelData>)> = (0..cores()).map(|_| (0, Vec::new())).collect();
    for rel in order {
        let least = buckets.iter_mut().min_by_key(|b| b.0).expect("a core");
        least.0 += check_cost(rel, syms.len());
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

/// How a relation's keys are checked: a key that is one id column by a bit per id (`repeated_ids`), a key led by an
/// id by chaining rows per id where rows are many (`repeated_keys_by_id`, whose table has an entry per id), any other
/// by hashing (`repeated_keys`).
#[derive(Clone, Copy)]
enum KeyCheck {
    Id(usize),
    LedById,
    Hashed,
}

fn key_check(rel: &RelData, idx: &[usize], ids: usize) -> KeyCheck {
    let is_id = |f: usize| rel.schema.fields[f].ty == Ty::Str;
    match idx {
        [f] if is_id(*f) => KeyCheck::Id(*f),
        [f, ..] if is_id(*f) && rel.rows.len() * 8 >= ids => KeyCheck::LedById,
        _ => KeyCheck::Hashed,
    }
}

/// The relative cost of checking a relation's keys, per row (1M generated shops: 6.5 ns for order ids, 60–130 ns
/// chained, 200 ns hashed for 20M page prices).
fn check_cost(rel: &RelData, ids: usize) -> usize {
    let per_row = match key_check(rel, &key_fields(rel), ids) {
        KeyCheck::Id(_) => 1,
        KeyCheck::LedById => 12,
        KeyCheck::Hashed => 30,
    };
    rel.rows.len() * per_row
}

/// The fields of a relation's key: the whole record when it declares none.
fn key_fields(rel: &RelData) -> Vec<usize> {
    match rel.schema.key {
        [] => (0..rel.schema.fields.len()).collect(),
        key => key
            .iter()
            .map(|k| rel.schema.field_index(k).expect("key field in schema"))
            .collect(),
    }
}

/// Rows whose key (the whole row when the relation has no key) an earlier row has, found as `key_check` says: such a
/// row is a duplicate when the rows are equal (dropped) and a conflict otherwise.
fn dedupe_and_check_keys(rel: &mut RelData, syms: &Interner, errs: &mut Vec<InputError>) {
    let file = rel.file.clone().unwrap_or_else(|| rel.schema.name.to_string());
    let rows = &rel.rows;
    let idx = key_fields(rel);
    let repeats = match key_check(rel, &idx, syms.len()) {
        KeyCheck::Id(f) => repeated_ids(rows, f, syms.len()),
        KeyCheck::LedById => repeated_keys_by_id(rows, &idx, syms.len()).unwrap_or_else(|| repeated_keys(rows, &idx)),
        KeyCheck::Hashed => repeated_keys(rows, &idx),
    };
    let mut keep = vec![true; rows.len()];
    for (r, first) in repeats {
        if rows.raw(first) == rows.raw(r) {
            keep[r] = false;
        } else {
            errs.push(InputError::new(
                &file,
                Some(rows.line(r)),
                Some(rel.schema.key[0]),
                format!(
                    "conflicting records: line {} has the same {} ({}) with different values (expected one record per {})",
                    rows.line(first),
                    rel.schema.key.join(" and "),
                    idx.iter().map(|&i| rows.get(r, i).text(syms)).collect::<Vec<_>>().join(", "),
                    rel.schema.key.join(", ")
                ),
            ));
        }
    }
    if keep.contains(&false) {
        rel.rows.retain(&keep);
    }
}

/// (row, the first row with its key) for each row whose key an earlier row has, in row order; keys hashed and
/// compared as stored bytes, without decoding a value.
fn repeated_keys(rows: &Table, idx: &[usize]) -> Vec<(usize, usize)> {
    let key_hash = |r: usize| -> u64 {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        for (null, bytes) in rows.key_bytes(r, idx) {
            h.write_u8(null as u8);
            h.write(bytes);
        }
        h.finish()
    };
    let same_key = |a: usize, b: usize| rows.key_bytes(a, idx).eq(rows.key_bytes(b, idx));
    let mut table: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(rows.len());
    let mut repeats = Vec::new();
    for r in 0..rows.len() {
        let h = key_hash(r);
        match table.find(h, |&first| same_key(first as usize, r)) {
            None => {
                table.insert_unique(h, r as u32, |&x| key_hash(x as usize));
            }
            Some(&first) => repeats.push((r, first as usize)),
        }
    }
    repeats
}

/// `repeated_keys` for a key of several fields that starts with an id (a product id and a date; a whole page-price
/// record): each row is compared with the earlier distinct keys of its id only, found by chaining rows per id. Files
/// usually list an id's records together, and then those rows are neighbours in memory, where a hash table of all
/// the rows costs a cache miss per row (1M generated shops, 20M page prices: 4.0 s). `None` when an id has so many
/// distinct keys that chains would be slow; the caller then hashes.
fn repeated_keys_by_id(rows: &Table, idx: &[usize], ids: usize) -> Option<Vec<(usize, usize)>> {
    const LONGEST: usize = 64;
    let id = |r: usize| match rows.get(r, idx[0]) {
        Val::Str(s) => s.0 as usize,
        _ => ids,
    };
    let same_key = |a: usize, b: usize| rows.key_bytes(a, idx).eq(rows.key_bytes(b, idx));
    // row + 1 of the latest distinct key of each id, and of the one before each such row (0: none)
    let mut latest = vec![0u32; ids + 1];
    let mut before = vec![0u32; rows.len()];
    let mut repeats = Vec::new();
    for r in 0..rows.len() {
        let i = id(r);
        let (mut at, mut steps) = (latest[i], 0);
        while at != 0 && !same_key(at as usize - 1, r) {
            steps += 1;
            if steps > LONGEST {
                return None;
            }
            at = before[at as usize - 1];
        }
        if at == 0 {
            before[r] = latest[i];
            latest[i] = r as u32 + 1;
        } else {
            repeats.push((r, at as usize - 1));
        }
    }
    Some(repeats)
}

/// `repeated_keys` for a key that is one id column (an order id, a product id): one bit per id of the interner marks
/// the ids seen (a few MB, where a hash table of the rows would be hundreds), and the rare repeats find their first
/// rows in a second pass. A missing key counts as one more id.
fn repeated_ids(rows: &Table, field: usize, ids: usize) -> Vec<(usize, usize)> {
    let id = |r: usize| match rows.get(r, field) {
        Val::Str(s) => s.0 as usize,
        _ => ids,
    };
    let mut seen = vec![0u64; (ids + 1).div_ceil(64)];
    let mut repeated = Vec::new();
    for r in 0..rows.len() {
        let i = id(r);
        if seen[i / 64] & (1 << (i % 64)) != 0 {
            repeated.push(r);
        }
        seen[i / 64] |= 1 << (i % 64);
    }
    if repeated.is_empty() {
        return Vec::new();
    }
    let mut first: HashMap<usize, usize> = repeated.iter().map(|&r| (id(r), usize::MAX)).collect();
    for r in 0..rows.len() {
        if let Some(f) = first.get_mut(&id(r)) {
            if *f == usize::MAX {
                *f = r;
            }
        }
    }
    repeated.into_iter().map(|r| (r, first[&id(r)])).collect()
}

/// Records equal in the `disjoint` fields must not have overlapping `[start, end)` intervals.
fn check_disjoint(rel: &RelData, syms: &Interner, errs: &mut Vec<InputError>) {
    let (Some((from, to)), false) = (rel.schema.interval, rel.schema.disjoint.is_empty()) else {
        return;
    };
    let file = rel.file.clone().unwrap_or_else(|| rel.schema.name.to_string());
    let rows = &rel.rows;
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
    let group = |r: usize| idx.iter().map(|&i| rows.get(r, i)).collect::<crate::store::KeyVals>();
    // rows by group, then start, then line: each overlap is between neighbours of one group
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_unstable_by_key(|&r| (group(r as usize), rows.get(r as usize, fi), rows.line(r as usize)));
    for pair in order.windows(2) {
        let (a, b) = (pair[0] as usize, pair[1] as usize);
        if group(a) != group(b) {
            continue;
        }
        // a starts first; they overlap when a is open-ended or ends after b starts
        let end = rows.get(a, ti);
        if end == Val::Null || end > rows.get(b, fi) {
            errs.push(InputError::new(
                &file,
                Some(rows.line(b)),
                Some(from),
                format!(
                    "overlaps the interval of line {} for the same {} ({}) (expected one record in force at a time)",
                    rows.line(a),
                    rel.schema.disjoint.join(" and "),
                    group(b).iter().map(|v| v.text(syms)).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{field, relation};
    use proptest::prelude::*;

    static SCHEMA: Relation = relation(
        "t",
        &[
            field("id", Ty::Str),
            field("n", Ty::Dec),
            field("ok", Ty::Bool),
            field("at", Ty::Time),
        ],
    );

    proptest! {
        /// The one-id-column path finds the same repeats, paired with the same first rows, as the hashed path.
        #[test]
        fn repeated_ids_agree_with_repeated_keys(keys in proptest::collection::vec(proptest::option::of(0u32..6), 0..40)) {
            let mut rows = Table::new(&SCHEMA);
            for (i, k) in keys.iter().enumerate() {
                let id = k.map_or(Val::Null, |k| Val::Str(Sym(k)));
                rows.push(&[id, Val::Dec(crate::num::Dec(i as i64 % 2)), Val::Bool(true), Val::Null], 1 + i as u32);
            }
            prop_assert_eq!(repeated_ids(&rows, 0, 6), repeated_keys(&rows, &[0]));
        }

        /// Chained by their leading id, keys of several fields find the same repeats and first rows as hashed.
        #[test]
        fn repeated_keys_by_id_agree_with_repeated_keys(keys in proptest::collection::vec(
            (proptest::option::of(0u32..4), proptest::option::of(0i64..3), any::<bool>()), 0..60)) {
            let mut rows = Table::new(&SCHEMA);
            for (i, (k, n, ok)) in keys.iter().enumerate() {
                let id = k.map_or(Val::Null, |k| Val::Str(Sym(k)));
                let n = n.map_or(Val::Null, |n| Val::Dec(crate::num::Dec(n)));
                rows.push(&[id, n, Val::Bool(*ok), Val::Null], 1 + i as u32);
            }
            for idx in [&[0, 1][..], &[0, 1, 2, 3], &[0, 2]] {
                prop_assert_eq!(repeated_keys_by_id(&rows, idx, 4), Some(repeated_keys(&rows, idx)));
            }
        }
    }

    #[test]
    fn an_id_with_very_many_keys_is_left_to_hashing() {
        let mut rows = Table::new(&SCHEMA);
        for i in 0..100 {
            rows.push(
                &[Val::Str(Sym(1)), Val::Dec(crate::num::Dec(i)), Val::Bool(true), Val::Null],
                1 + i as u32,
            );
        }
        assert_eq!(repeated_keys_by_id(&rows, &[0, 1], 4), None);
        assert_eq!(repeated_keys(&rows, &[0, 1]), Vec::new());
    }

    /// What serde_json makes of a line, as `flat_record` would give it: the fields' texts, or None when the line
    /// is not a flat object of known, distinct fields.
    fn by_serde(text: &str) -> Option<Vec<Option<String>>> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(text);
        let rec = RecordSeed(&SCHEMA).deserialize(&mut de).and_then(|r| de.end().map(|_| r)).ok()??;
        (rec.unknown.is_empty() && rec.duplicate.is_none()).then(|| fields(&rec))
    }

    fn fields(rec: &RawRecord) -> Vec<Option<String>> {
        rec.fields[..SCHEMA.fields.len()].iter().map(|f| f.map(str::to_string)).collect()
    }

    /// The fast path accepts only what serde_json accepts, and splits it the same way.
    fn agrees(text: &str) -> Result<(), TestCaseError> {
        if let Some(rec) = flat_record(text, &SCHEMA) {
            prop_assert_eq!(Some(fields(&rec)), by_serde(text), "{}", text);
        }
        Ok(())
    }

    #[test]
    fn flat_records_split_like_serde() {
        for line in [
            r#"{"id":"a","n":4.5,"ok":true,"at":"2023-01-01T00:00:00"}"#,
            r#" { "id" : "a" , "n" : -0.03e+2 } "#,
            r#"{}"#,
            r#"{"n":null}"#,
            r#"{"id":"a\"b"}"#,
            r#"{"id":"a","id":"b"}"#,
            r#"{"x":1}"#,
            r#"{"n":01}"#,
            r#"{"n":1.}"#,
            r#"{"n":1e}"#,
            r#"{"n":-}"#,
            r#"{"n":1,}"#,
            r#"{"n":1} x"#,
            r#"{"ok":tru}"#,
            r#"{"ok":nullx}"#,
            r#"{"id":{"a":1}}"#,
            r#"{"id":[1]}"#,
            r#"[1]"#,
            "{\"id\":\"a\u{1}\"}",
            r#"{"id":"漢字"}"#,
        ] {
            agrees(line).unwrap();
        }
        // the common lines take the fast path
        assert!(flat_record(r#"{"id":"a","n":4.5,"ok":false,"at":null}"#, &SCHEMA).is_some());
        assert!(flat_record(r#" { "n" : -0.03e+2 } "#, &SCHEMA).is_some());
        assert!(flat_record(r#"{"id":"a\"b"}"#, &SCHEMA).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        /// Lines made of JSON-ish pieces: the fast path never accepts what serde_json rejects, nor splits differently.
        #[test]
        fn flat_records_agree_with_serde(pieces in proptest::collection::vec(prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", " ", "\"id\"", "\"n\"", "\"ok\"", "\"at\"", "\"x\"", "\"a\"", "\"\\u0041\"",
            "1", "0", "-", ".", "5", "e", "+", "true", "false", "null", "tru", "\"", "\\", "\t",
        ]), 0..14)) {
            agrees(&pieces.concat())?;
        }

        /// Well-formed records always take the fast path and agree.
        #[test]
        fn well_formed_records_take_the_fast_path(id in "[a-z0-9]{0,6}", n in -1000i64..1000, frac in 0u32..100,
                                                   ok: bool, space in prop::sample::select(vec!["", " ", "  "])) {
            let line = format!(r#"{{{space}"id"{space}:{space}"{id}",{space}"n":{n}.{frac:02},"ok":{ok}{space}}}{space}"#);
            prop_assert!(flat_record(&line, &SCHEMA).is_some(), "{}", line);
            agrees(&line)?;
        }
    }
}
