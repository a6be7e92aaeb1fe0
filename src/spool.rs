//! The records of a batch run, put in (kind, id) order by an external sort and rendered to lines as they are
//! written. Shards finish in any order; a record is held packed (a few bytes beside its key, not its ~250-byte line:
//! the lines of a million shops are ~9 GB), and past a budget the records held are sorted and written to a run file.
//! Writing merges the runs and the records held, and renders the lines in order on every core.

use crate::engine::Counts;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// Records of a shard: each is a sort key (kind, NUL, id: byte order of the key is the (kind, id) order of the
/// contract) followed by the record's bytes, in one buffer.
#[derive(Default)]
pub struct Records {
    buf: Vec<u8>,
    /// (start in `buf`, key length, record length)
    recs: Vec<(u32, u32, u32)>,
    pub counts: Counts,
}

/// Renders a record to its output line: (kind, id, the record's bytes, the output).
pub type Render = Box<dyn Fn(&str, &str, &[u8], &mut Vec<u8>) + Send + Sync>;

impl Records {
    /// Room for `records` records of about `bytes` bytes in all.
    pub fn with_capacity(records: usize, bytes: usize) -> Records {
        Records {
            buf: Vec::with_capacity(bytes),
            recs: Vec::with_capacity(records),
            counts: Counts::default(),
        }
    }

    /// Adds a record: `record` writes its bytes after the key.
    pub fn push(&mut self, kind: &str, id: &str, record: impl FnOnce(&mut Vec<u8>)) {
        let start = self.buf.len();
        self.buf.extend_from_slice(kind.as_bytes());
        self.buf.push(0);
        self.buf.extend_from_slice(id.as_bytes());
        let key = self.buf.len() - start;
        record(&mut self.buf);
        let len = self.buf.len() - start - key;
        let start = u32::try_from(start).expect("a shard's records under 4 GB");
        self.recs.push((start, key as u32, len as u32));
    }

    fn key(&self, i: usize) -> &[u8] {
        let (s, k, _) = self.recs[i];
        &self.buf[s as usize..s as usize + k as usize]
    }

    fn record(&self, i: usize) -> &[u8] {
        let (s, k, l) = (self.recs[i].0 as usize, self.recs[i].1 as usize, self.recs[i].2 as usize);
        &self.buf[s + k..s + k + l]
    }

    fn bytes(&self) -> usize {
        self.buf.len() + self.recs.len() * std::mem::size_of::<(u32, u32, u32)>()
    }
}

/// The records of several `Records`, in key order.
fn sorted(parts: &[Records]) -> Vec<(u32, u32)> {
    // Sorted by (kind, the id's first 16 bytes), and by the whole id only where those tie: kinds are few, and most
    // ids fit in 16 bytes, so most comparisons are of integers rather than of bytes behind two indirections (a third
    // of the CPU of spilling a run, measured on 1M shops).
    let mut kinds: Vec<&[u8]> = Vec::new();
    let mut items: Vec<(u128, u32, u32, u32)> = Vec::with_capacity(parts.iter().map(|r| r.recs.len()).sum());
    for (p, r) in parts.iter().enumerate() {
        for i in 0..r.recs.len() {
            let (kind, id) = split_key(r.key(i));
            let k = crate::intern::index_of(&mut kinds, kind);
            items.push((id_prefix(id), k as u32, p as u32, i as u32));
        }
    }
    let mut rank = vec![0u32; kinds.len()];
    let mut by_name: Vec<usize> = (0..kinds.len()).collect();
    by_name.sort_by_key(|&k| kinds[k]);
    for (r, &k) in by_name.iter().enumerate() {
        rank[k] = r as u32;
    }
    for item in &mut items {
        item.1 = rank[item.1 as usize];
    }
    items.sort_unstable_by(|a, b| {
        (a.1, a.0).cmp(&(b.1, b.0)).then_with(|| {
            let id = |x: &(u128, u32, u32, u32)| split_key(parts[x.2 as usize].key(x.3 as usize)).1;
            id(a).cmp(id(b))
        })
    });
    items.into_iter().map(|(_, _, p, i)| (p, i)).collect()
}

/// A key's kind and id.
fn split_key(key: &[u8]) -> (&[u8], &[u8]) {
    let at = key.iter().position(|&b| b == 0).expect("a key is kind, NUL, id");
    (&key[..at], &key[at + 1..])
}

/// The first 16 bytes of an id as a big-endian number, padded with zeros: where two differ, they order as the ids.
fn id_prefix(id: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = id.len().min(16);
    b[..n].copy_from_slice(&id[..n]);
    u128::from_be_bytes(b)
}

/// Collects rendered shards from every thread; spills sorted runs to disk past `budget` bytes.
pub struct Spool {
    state: Mutex<State>,
    budget: usize,
}

#[derive(Default)]
struct State {
    held: Vec<Records>,
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
    /// `ZHUNRU_SORT_MB` sets the budget of records held before a run is written (default 64 MB: the ~3.7M
    /// records of 100k shops, ~150 MB, make 2 runs; runs of packed records are cheap to write and merge, and memory
    /// held by the spool was ~0.1 GB of the peak at 256 MB).
    pub fn new() -> Spool {
        let mb = std::env::var("ZHUNRU_SORT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(64usize);
        Spool {
            state: Mutex::default(),
            budget: mb.max(1) << 20,
        }
    }

    pub fn add(&self, part: Records) {
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

    /// Everything added, ready to write in order, each record rendered by `render`.
    pub fn finish(self, render: Render) -> Result<Sorted, String> {
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
            render,
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

/// A run file, and a batch of the writer: records in key order, each as key length and record length (u32,
/// little-endian), key, record.
fn write_run(parts: &[Records], path: &std::path::Path) -> std::io::Result<()> {
    // around the page cache, like the output: a run is read back once, and a million shops' runs are ~1.6 GB
    let mut w = crate::direct::DirectFile::create(path)?;
    let mut buf = Vec::new();
    for (p, i) in sorted(parts) {
        let (part, i) = (&parts[p as usize], i as usize);
        framed(&mut buf, part.key(i), part.record(i));
        w.write_all(&buf)?;
        buf.clear();
    }
    w.finish().map(drop)
}

fn framed(buf: &mut Vec<u8>, key: &[u8], rec: &[u8]) {
    buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
    buf.extend_from_slice(&(rec.len() as u32).to_le_bytes());
    buf.extend_from_slice(key);
    buf.extend_from_slice(rec);
}

/// The (key, record) pairs of a batch written by `framed`.
fn unframed(mut batch: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    std::iter::from_fn(move || {
        if batch.is_empty() {
            return None;
        }
        let k = u32::from_le_bytes(batch[..4].try_into().expect("4 bytes")) as usize;
        let l = u32::from_le_bytes(batch[4..8].try_into().expect("4 bytes")) as usize;
        let (key, rec) = (&batch[8..8 + k], &batch[8 + k..8 + k + l]);
        batch = &batch[8 + k + l..];
        Some((key, rec))
    })
}

/// Bytes of records handed to a rendering thread at a time.
const BATCH: usize = 1 << 18;

/// The rendered records of a batch run, in output order: the lines held in memory and the runs on disk.
pub struct Sorted {
    held: Vec<Records>,
    order: Vec<(u32, u32)>,
    runs: Vec<PathBuf>,
    _dir: Option<TempDir>,
    pub counts: Counts,
    render: Render,
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

    /// Writes the lines, in (kind, id) order. One thread merges the runs and the records held into batches, every
    /// core renders batches, and this thread writes them back in order.
    pub fn write(&self, w: &mut dyn Write) -> std::io::Result<()> {
        use std::sync::mpsc::sync_channel;
        let workers = crate::facts::cores();
        std::thread::scope(|scope| {
            let (batch_tx, batch_rx) = sync_channel::<(usize, Vec<u8>)>(2 * workers);
            let (line_tx, line_rx) = sync_channel::<(usize, Vec<u8>)>(2 * workers);
            let producer = scope.spawn(move || self.batches(|seq, batch| batch_tx.send((seq, batch)).is_ok()));
            // each renderer holds the receiver, so that when the writer stops early they all stop, and the merge
            // with them
            let batch_rx = std::sync::Arc::new(Mutex::new(batch_rx));
            for _ in 0..workers {
                let (batch_rx, line_tx) = (batch_rx.clone(), line_tx.clone());
                scope.spawn(move || loop {
                    let Ok((seq, batch)) = batch_rx.lock().expect("batches").recv() else {
                        break;
                    };
                    let mut lines = Vec::with_capacity(batch.len() * 8);
                    for (key, rec) in unframed(&batch) {
                        let (kind, id) = split_key(key);
                        // SAFETY: keys are made of a kind and an id, both `&str`, around a NUL
                        let (kind, id) = unsafe { (std::str::from_utf8_unchecked(kind), std::str::from_utf8_unchecked(id)) };
                        (self.render)(kind, id, rec, &mut lines);
                    }
                    if line_tx.send((seq, lines)).is_err() {
                        break;
                    }
                });
            }
            drop((batch_rx, line_tx));
            let mut out = BufWriter::with_capacity(1 << 20, w);
            let (mut pending, mut next) = (std::collections::BTreeMap::new(), 0);
            let mut written = Ok(());
            for (seq, lines) in line_rx.iter() {
                pending.insert(seq, lines);
                while let Some(lines) = pending.remove(&next) {
                    written = out.write_all(&lines);
                    next += 1;
                    if written.is_err() {
                        break;
                    }
                }
                if written.is_err() {
                    break;
                }
            }
            drop(line_rx);
            let merged = producer.join().expect("the merging thread");
            written.and(merged).and_then(|()| out.flush())
        })
    }

    /// Hands the records, in key order, to `emit` in batches of about `BATCH` bytes, numbered from 0; stops when
    /// `emit` says no.
    fn batches(&self, mut emit: impl FnMut(usize, Vec<u8>) -> bool) -> std::io::Result<()> {
        let (mut batch, mut seq) = (Vec::with_capacity(BATCH + 4096), 0);
        // adds a record (none: the end); false when `emit` wants no more
        let mut put = |record: Option<(&[u8], &[u8])>| {
            if let Some((key, rec)) = record {
                framed(&mut batch, key, rec);
            }
            if batch.len() >= BATCH || (record.is_none() && !batch.is_empty()) {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH + 4096));
                seq += 1;
                return emit(seq - 1, full);
            }
            true
        };
        if self.runs.is_empty() {
            for &(p, i) in &self.order {
                let part = &self.held[p as usize];
                if !put(Some((part.key(i as usize), part.record(i as usize)))) {
                    return Ok(());
                }
            }
            put(None);
            return Ok(());
        }
        let mut sources: Vec<Source> = Vec::new();
        for path in &self.runs {
            sources.push(Source::Run(BufReader::with_capacity(1 << 20, std::fs::File::open(path)?)));
        }
        sources.push(Source::Held(self.order.iter()));
        // the heap holds each source's next (key, record); keys are unique, so the order is total
        let mut heap = BinaryHeap::new();
        for (s, source) in sources.iter_mut().enumerate() {
            let (mut key, mut line) = (Vec::new(), Vec::new());
            if self.next(source, &mut key, &mut line)? {
                heap.push(std::cmp::Reverse((key, s, line)));
            }
        }
        while let Some(std::cmp::Reverse((mut key, s, mut line))) = heap.pop() {
            if !put(Some((&key, &line))) {
                return Ok(());
            }
            if self.next(&mut sources[s], &mut key, &mut line)? {
                heap.push(std::cmp::Reverse((key, s, line)));
            }
        }
        put(None);
        Ok(())
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
                    line.extend_from_slice(part.record(i as usize));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_sort_in_byte_order_of_kind_nul_id() {
        // kinds that prefix each other, ids that tie on their first 16 bytes, ids that prefix each other
        let kinds = ["shop", "shopx", "order", "a"];
        let ids = [
            "S1",
            "S10",
            "S2",
            "",
            "P0000000000000000-1",
            "P0000000000000000-0",
            "P0000000000000000",
            "P000000000000000",
        ];
        let mut parts = Vec::new();
        let mut want = Vec::new();
        for (n, kind) in kinds.iter().enumerate() {
            let mut part = Records::default();
            // each part gets the ids in a different order
            for id in ids.iter().cycle().skip(n * 3).take(ids.len()) {
                part.push(kind, id, |b| b.extend_from_slice(b"x"));
                want.push(format!("{kind}\0{id}").into_bytes());
            }
            parts.push(part);
        }
        want.sort();
        let got: Vec<Vec<u8>> = sorted(&parts)
            .into_iter()
            .map(|(p, i)| parts[p as usize].key(i as usize).to_vec())
            .collect();
        assert_eq!(got, want);
    }
}
