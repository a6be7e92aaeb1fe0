//! The rendered lines of a batch run, put in (kind, id) order by an external sort: shards finish in any order and the
//! lines of a million shops (~9 GB) do not fit in memory, so past a budget the lines held are sorted and written to a
//! run file, and the runs are merged when the output is written.

use crate::engine::Counts;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// Rendered records: each is a sort key (kind, NUL, id: byte order of the key is the (kind, id) order of the
/// contract) followed by its line, in one buffer.
#[derive(Default)]
pub struct Rendered {
    buf: Vec<u8>,
    /// (start in `buf`, key length, line length)
    recs: Vec<(usize, u32, u32)>,
    pub counts: Counts,
}

impl Rendered {
    /// Adds a record: `line` writes the line (with its newline) after the key.
    pub fn push(&mut self, kind: &str, id: &str, line: impl FnOnce(&mut Vec<u8>)) {
        let start = self.buf.len();
        self.buf.extend_from_slice(kind.as_bytes());
        self.buf.push(0);
        self.buf.extend_from_slice(id.as_bytes());
        let key = self.buf.len() - start;
        line(&mut self.buf);
        let len = self.buf.len() - start - key;
        self.recs.push((start, key as u32, len as u32));
    }

    fn key(&self, i: usize) -> &[u8] {
        let (s, k, _) = self.recs[i];
        &self.buf[s..s + k as usize]
    }

    fn line(&self, i: usize) -> &[u8] {
        let (s, k, l) = self.recs[i];
        &self.buf[s + k as usize..s + k as usize + l as usize]
    }

    fn bytes(&self) -> usize {
        self.buf.len() + self.recs.len() * std::mem::size_of::<(usize, u32, u32)>()
    }
}

/// The records of several `Rendered`, in key order.
fn sorted(parts: &[Rendered]) -> Vec<(u32, u32)> {
    let mut order: Vec<(u32, u32)> = (parts.iter().enumerate())
        .flat_map(|(p, r)| (0..r.recs.len() as u32).map(move |i| (p as u32, i)))
        .collect();
    order.sort_unstable_by(|a, b| parts[a.0 as usize].key(a.1 as usize).cmp(parts[b.0 as usize].key(b.1 as usize)));
    order
}

/// Collects rendered shards from every thread; spills sorted runs to disk past `budget` bytes.
pub struct Spool {
    state: Mutex<State>,
    budget: usize,
}

#[derive(Default)]
struct State {
    held: Vec<Rendered>,
    held_bytes: usize,
    runs: Vec<PathBuf>,
    dir: Option<TempDir>,
    counts: Counts,
    error: Option<String>,
}

/// A directory removed with everything in it when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Spool {
    /// `ZHUNRU_SORT_MB` sets the budget of lines held before a run is written (default 128 MB: at 100k shops,
    /// 7 runs and 0.8 GB peak; 512 MB gave 1.4 GB peak and no gain in time).
    pub fn new() -> Spool {
        let mb = std::env::var("ZHUNRU_SORT_MB")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(128usize);
        Spool {
            state: Mutex::default(),
            budget: mb.max(1) << 20,
        }
    }

    pub fn add(&self, part: Rendered) {
        let mut st = self.state.lock().expect("spool");
        st.counts.add(&part.counts);
        st.held_bytes += part.bytes();
        st.held.push(part);
        if st.held_bytes < self.budget || st.error.is_some() {
            return;
        }
        let held = std::mem::take(&mut st.held);
        st.held_bytes = 0;
        let path = match st.run_path() {
            Ok(p) => p,
            Err(e) => {
                st.error = Some(e);
                return;
            }
        };
        // written without the lock: the other threads go on rendering meanwhile
        drop(st);
        if let Err(e) = write_run(&held, &path) {
            self.state.lock().expect("spool").error = Some(format!("cannot write {}: {e}", path.display()));
        }
    }

    /// Everything added, ready to write in order.
    pub fn finish(self) -> Result<Sorted, String> {
        let st = self.state.into_inner().expect("spool");
        if let Some(e) = st.error {
            return Err(e);
        }
        let order = sorted(&st.held);
        Ok(Sorted {
            held: st.held,
            order,
            runs: st.runs,
            _dir: st.dir,
            counts: st.counts,
        })
    }
}

impl Default for Spool {
    fn default() -> Self {
        Spool::new()
    }
}

impl State {
    fn run_path(&mut self) -> Result<PathBuf, String> {
        if self.dir.is_none() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let dir = std::env::temp_dir().join(format!("zhunru-sort-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            self.dir = Some(TempDir(dir));
        }
        let dir = &self.dir.as_ref().expect("spool directory").0;
        let path = dir.join(format!("run-{}", self.runs.len()));
        self.runs.push(path.clone());
        Ok(path)
    }
}

/// A run file: records in key order, each as key length and line length (u32, little-endian), key, line.
fn write_run(parts: &[Rendered], path: &PathBuf) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for (p, i) in sorted(parts) {
        let (part, i) = (&parts[p as usize], i as usize);
        let (key, line) = (part.key(i), part.line(i));
        w.write_all(&(key.len() as u32).to_le_bytes())?;
        w.write_all(&(line.len() as u32).to_le_bytes())?;
        w.write_all(key)?;
        w.write_all(line)?;
    }
    w.flush()
}

/// The rendered records of a batch run, in output order: the lines held in memory and the runs on disk.
pub struct Sorted {
    held: Vec<Rendered>,
    order: Vec<(u32, u32)>,
    runs: Vec<PathBuf>,
    _dir: Option<TempDir>,
    pub counts: Counts,
}

/// One ordered source of the merge: the next record of a run file, or of the lines held.
enum Source<'a> {
    Run(BufReader<std::fs::File>),
    Held(std::slice::Iter<'a, (u32, u32)>),
}

impl Sorted {
    /// Runs written to disk (0 when everything fit in the budget).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Writes the JSON lines, in (kind, id) order.
    pub fn write(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, w);
        if self.runs.is_empty() {
            for &(p, i) in &self.order {
                out.write_all(self.held[p as usize].line(i as usize))?;
            }
            return out.flush();
        }
        let mut sources: Vec<Source> = Vec::new();
        for path in &self.runs {
            sources.push(Source::Run(BufReader::with_capacity(1 << 20, std::fs::File::open(path)?)));
        }
        sources.push(Source::Held(self.order.iter()));
        // the heap holds each source's next (key, line); keys are unique, so the order is total
        let mut heap = BinaryHeap::new();
        for (s, source) in sources.iter_mut().enumerate() {
            let (mut key, mut line) = (Vec::new(), Vec::new());
            if self.next(source, &mut key, &mut line)? {
                heap.push(std::cmp::Reverse((key, s, line)));
            }
        }
        while let Some(std::cmp::Reverse((mut key, s, mut line))) = heap.pop() {
            out.write_all(&line)?;
            if self.next(&mut sources[s], &mut key, &mut line)? {
                heap.push(std::cmp::Reverse((key, s, line)));
            }
        }
        out.flush()
    }

    /// Reads a source's next record into `key` and `line`; false at its end.
    fn next(&self, source: &mut Source, key: &mut Vec<u8>, line: &mut Vec<u8>) -> std::io::Result<bool> {
        key.clear();
        line.clear();
        match source {
            Source::Held(it) => Ok(match it.next() {
                Some(&(p, i)) => {
                    let part = &self.held[p as usize];
                    key.extend_from_slice(part.key(i as usize));
                    line.extend_from_slice(part.line(i as usize));
                    true
                }
                None => false,
            }),
            Source::Run(r) => {
                let mut lens = [0u8; 8];
                match r.read_exact(&mut lens) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
                    Err(e) => return Err(e),
                }
                let k = u32::from_le_bytes(lens[..4].try_into().expect("4 bytes")) as usize;
                let l = u32::from_le_bytes(lens[4..].try_into().expect("4 bytes")) as usize;
                key.resize(k, 0);
                r.read_exact(key)?;
                line.resize(l, 0);
                r.read_exact(line)?;
                Ok(true)
            }
        }
    }
}
