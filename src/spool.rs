//! The records of a batch run, from the shards that derive them to the output, in (kind, id) order.
//!
//! Shards finish on several threads in any order. A record travels packed (a few bytes beside its key, not its
//! ~250-byte line: the lines of a million shops are ~9 GB) and is rendered to its line only as it is written, on
//! every core. Before the shards start, a program may declare each shard's floor: the least key it can produce.
//! Once every shard whose floor is below a key has finished, no record below that key can still come, so the records
//! below the least floor of the unfinished shards (the watermark) are written while later shards are still being
//! derived: the device writes the output while the processors derive it. Records that must wait are held, and past
//! a budget the records held are merged into a run file on disk; the end merges the runs and what is still held.

use crate::engine::Counts;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver};
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

    /// The records' indices in key order.
    fn order(&self) -> Vec<u32> {
        // Sorted by (kind, the id's first 16 bytes), and by the whole id only where those tie: kinds are few, and
        // most ids fit in 16 bytes, so most comparisons are of integers rather than of bytes behind two indirections
        // (a third of the CPU of spilling a run, measured on 1M shops).
        let mut kinds: Vec<&[u8]> = Vec::new();
        let mut items: Vec<(u32, u128, u32)> = Vec::with_capacity(self.recs.len());
        for i in 0..self.recs.len() {
            let (kind, id) = split_key(self.key(i));
            let k = crate::intern::index_of(&mut kinds, kind);
            items.push((k as u32, id_prefix(id), i as u32));
        }
        let mut rank = vec![0u32; kinds.len()];
        let mut by_name: Vec<usize> = (0..kinds.len()).collect();
        by_name.sort_by_key(|&k| kinds[k]);
        for (r, &k) in by_name.iter().enumerate() {
            rank[k] = r as u32;
        }
        for item in &mut items {
            item.0 = rank[item.0 as usize];
        }
        items.sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| split_key(self.key(a.2 as usize)).1.cmp(split_key(self.key(b.2 as usize)).1))
        });
        items.into_iter().map(|(_, _, i)| i).collect()
    }
}

/// A shard's records in key order, and which shard they come from (none: a program that does not shard).
pub struct Part {
    records: Records,
    order: Vec<u32>,
    shard: Option<usize>,
}

impl Part {
    /// Sorts the records (on the thread that derived them).
    pub fn new(records: Records, shard: Option<usize>) -> Part {
        let order = records.order();
        Part { records, order, shard }
    }

    fn key(&self, at: usize) -> &[u8] {
        self.records.key(self.order[at] as usize)
    }

    fn record(&self, at: usize) -> &[u8] {
        self.records.record(self.order[at] as usize)
    }
}

/// What the evaluation tells the writer.
pub enum Message {
    /// Before any part: each shard's floor as a key (kind, NUL, id), none for a shard that derives no subject.
    Plan(Vec<Option<Vec<u8>>>),
    Part(Part),
    /// Every part has been sent: the evaluation ended well (without it, the output is not finished).
    End,
}

/// Why writing stopped.
#[derive(Debug)]
pub enum Error {
    /// Writing the output failed.
    Output(std::io::Error),
    /// A run file failed, or a shard broke the plan.
    Internal(String),
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

/// Bytes of records handed to a rendering thread at a time.
const BATCH: usize = 1 << 18;

/// Receives parts until every sender is gone and writes their lines to `w` in key order, each record rendered by
/// `render`; returns the counts of the records written. With `stream`, records are written as soon as the plan
/// lets them; without, only once everything has come (for an output where a failure half-way must not leave what
/// looks like a whole result: standard output).
///
/// One thread merges the parts into batches of records, every core renders batches, and this thread writes them
/// back in order.
pub fn write(messages: Receiver<Message>, stream: bool, render: &Render, w: &mut dyn Write) -> Result<Counts, Error> {
    // `ZHUNRU_SORT_MB` sets the budget of records held before a run is written (default 64 MB: runs of packed
    // records are cheap to write and merge, and memory held here was ~0.1 GB of the peak at 256 MB); 0 writes a
    // run after every part (tests)
    let mb = std::env::var("ZHUNRU_SORT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(64usize);
    write_with(messages, stream, mb << 20, render, w)
}

/// `write` with a budget of `budget` bytes of records held.
fn write_with(messages: Receiver<Message>, stream: bool, budget: usize, render: &Render, w: &mut dyn Write) -> Result<Counts, Error> {
    let workers = crate::facts::cores();
    std::thread::scope(|scope| {
        let (batch_tx, batch_rx) = sync_channel::<(usize, Vec<u8>)>(2 * workers);
        let (line_tx, line_rx) = sync_channel::<(usize, Vec<u8>)>(2 * workers);
        let producer = scope.spawn(move || {
            let mut merge = Merge::new(stream, budget);
            let mut seq = 0;
            let mut emit = |batch: Vec<u8>| {
                seq += 1;
                batch_tx.send((seq - 1, batch)).is_ok()
            };
            for message in messages.iter() {
                if !merge.take(message, &mut emit)? {
                    return Ok(merge.counts);
                }
            }
            merge.finish(&mut emit)?;
            if std::env::var_os("ZHUNRU_TIMINGS").is_some() {
                eprintln!("timing: {} sorted runs spilled to disk", merge.runs);
            }
            Ok(merge.counts)
        });
        // each renderer holds the receiver, so that when the writer stops early they all stop, and the merge with them
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
                    render(kind, id, rec, &mut lines);
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
        written.and_then(|()| out.flush()).map_err(Error::Output)?;
        merged
    })
}

/// The merging side of `write`: the parts and runs not yet written, and how far the plan lets the output go.
struct Merge {
    stream: bool,
    /// Each planned shard's floor, and whether it has finished; empty without a plan.
    planned: Vec<(Option<Vec<u8>>, bool)>,
    /// The planned shards that derive subjects, least floor first: `floors[..passed]` have finished.
    floors: Vec<usize>,
    passed: usize,
    /// Parts and runs with records left, each at its next record (exhausted ones are `None` until the next spill).
    sources: Vec<Option<Source>>,
    /// The next key of every source with records left, least first.
    heap: Heads,
    held_bytes: usize,
    budget: usize,
    runs: usize,
    dir: Option<TempDir>,
    batch: Vec<u8>,
    counts: Counts,
    /// `Message::End` has come.
    ended: bool,
}

type Heads = BinaryHeap<Reverse<(Vec<u8>, usize)>>;

/// One ordered source of the merge: a part held in memory, or a run on disk with its next record read.
enum Source {
    Held {
        part: Part,
        at: usize,
    },
    Run {
        file: BufReader<std::fs::File>,
        key: Vec<u8>,
        rec: Vec<u8>,
    },
}

impl Source {
    fn key(&self) -> &[u8] {
        match self {
            Source::Held { part, at } => part.key(*at),
            Source::Run { key, .. } => key,
        }
    }

    fn record(&self) -> &[u8] {
        match self {
            Source::Held { part, at } => part.record(*at),
            Source::Run { rec, .. } => rec,
        }
    }

    /// Moves to the next record; false at the end.
    fn advance(&mut self) -> Result<bool, Error> {
        match self {
            Source::Held { part, at } => {
                *at += 1;
                Ok(*at < part.order.len())
            }
            Source::Run { file, key, rec } => {
                read_framed(file, key, rec).map_err(|e| Error::Internal(format!("cannot read a sort run: {e}")))
            }
        }
    }

    fn held_bytes(&self) -> usize {
        match self {
            Source::Held { part, .. } => part.records.bytes(),
            Source::Run { .. } => 0,
        }
    }
}

/// The heap of the sources' next keys.
fn heads(sources: &[Option<Source>]) -> Heads {
    (sources.iter().enumerate())
        .filter_map(|(i, s)| s.as_ref().map(|s| Reverse((s.key().to_vec(), i))))
        .collect()
}

impl Merge {
    fn new(stream: bool, budget: usize) -> Merge {
        Merge {
            stream,
            planned: Vec::new(),
            floors: Vec::new(),
            passed: 0,
            sources: Vec::new(),
            heap: BinaryHeap::new(),
            held_bytes: 0,
            budget,
            runs: 0,
            dir: None,
            batch: Vec::with_capacity(BATCH + 4096),
            counts: Counts::default(),
            ended: false,
        }
    }

    /// Takes a message and writes what it lets through; false when the output wants no more.
    fn take(&mut self, message: Message, emit: &mut impl FnMut(Vec<u8>) -> bool) -> Result<bool, Error> {
        let part = match message {
            Message::Plan(floors) => {
                self.planned = floors.into_iter().map(|f| (f, false)).collect();
                self.floors = (0..self.planned.len()).filter(|&i| self.planned[i].0.is_some()).collect();
                self.floors.sort_by(|&a, &b| self.planned[a].0.cmp(&self.planned[b].0));
                return Ok(true);
            }
            Message::Part(part) => part,
            Message::End => {
                self.ended = true;
                return Ok(true);
            }
        };
        self.counts.add(&part.records.counts);
        let planned = !self.planned.is_empty();
        if planned {
            let Some(shard) = part.shard.filter(|&s| s < self.planned.len() && !self.planned[s].1) else {
                return Err(Error::Internal(format!(
                    "a part from shard {:?}, which the plan does not hold or has had",
                    part.shard
                )));
            };
            let floor = &self.planned[shard].0;
            if !part.order.is_empty() && floor.as_deref().is_none_or(|f| part.key(0) < f) {
                return Err(Error::Internal(format!(
                    "shard {shard} derived a subject below the floor it declared"
                )));
            }
            self.planned[shard].1 = true;
        }
        if !part.order.is_empty() {
            self.held_bytes += part.records.bytes();
            self.heap.push(Reverse((part.key(0).to_vec(), self.sources.len())));
            self.sources.push(Some(Source::Held { part, at: 0 }));
        }
        while self.passed < self.floors.len() && self.planned[self.floors[self.passed]].1 {
            self.passed += 1;
        }
        if self.stream && planned {
            // everything below the least floor of the shards still to come
            let below = (self.floors.get(self.passed)).map(|&s| self.planned[s].0.clone().expect("a floor"));
            if !self.drain(below.as_deref(), emit)? {
                return Ok(false);
            }
        }
        if self.held_bytes >= self.budget {
            self.spill()?;
        }
        Ok(true)
    }

    /// Every sender is gone: writes all that is left, if the evaluation said it had ended.
    fn finish(&mut self, emit: &mut impl FnMut(Vec<u8>) -> bool) -> Result<(), Error> {
        if !self.ended {
            return Err(Error::Internal("the evaluation stopped before its end".into()));
        }
        if self.drain(None, emit)? && !self.batch.is_empty() {
            emit(std::mem::take(&mut self.batch));
        }
        Ok(())
    }

    /// Writes the records below `below` (all: none) in key order, in batches to `emit`; false when it wants no more.
    fn drain(&mut self, below: Option<&[u8]>, emit: &mut impl FnMut(Vec<u8>) -> bool) -> Result<bool, Error> {
        let mut wanted = true;
        let batch = &mut self.batch;
        let mut put = |key: &[u8], rec: &[u8]| {
            // once the output wants no more, records are dropped rather than piled up
            if !wanted {
                return;
            }
            framed(batch, key, rec);
            if batch.len() >= BATCH {
                wanted = emit(std::mem::replace(batch, Vec::with_capacity(BATCH + 4096)));
            }
        };
        self.held_bytes -= merge(&mut self.sources, &mut self.heap, below, &mut put)?;
        Ok(wanted)
    }

    /// Merges the parts held into a run on disk.
    fn spill(&mut self) -> Result<(), Error> {
        let mut held: Vec<Option<Source>> = Vec::new();
        let mut runs: Vec<Option<Source>> = Vec::new();
        for source in self.sources.drain(..).flatten() {
            match source {
                Source::Held { .. } => held.push(Some(source)),
                Source::Run { .. } => runs.push(Some(source)),
            }
        }
        let (mut file, place) = self.run_file()?;
        let fail = |e: std::io::Error| Error::Internal(format!("cannot write a sort run in {}: {e}", place.display()));
        let (mut buf, mut written) = (Vec::new(), Ok(()));
        let mut heap = heads(&held);
        merge(&mut held, &mut heap, None, &mut |key, rec| {
            framed(&mut buf, key, rec);
            if buf.len() >= 1 << 16 && written.is_ok() {
                written = file.write_all(&buf);
                buf.clear();
            }
        })?;
        let file = written
            .and_then(|()| file.write_all(&buf))
            .and_then(|()| file.rewind())
            .map_err(fail)?;
        self.held_bytes = 0;
        let mut file = BufReader::with_capacity(1 << 20, file);
        let (mut key, mut rec) = (Vec::new(), Vec::new());
        if read_framed(&mut file, &mut key, &mut rec).map_err(fail)? {
            runs.push(Some(Source::Run { file, key, rec }));
        }
        self.heap = heads(&runs);
        self.sources = runs;
        Ok(())
    }

    /// A file for the next run, written around the page cache (a million shops' runs are ~1.6 GB, read back once)
    /// and where it is. Unnamed in the temporary directory where the system has such files, so that nothing is left
    /// behind however the process ends; else named in a directory of this run's own and, on Unix, unlinked at once
    /// (what is left is removed with the directory at the end).
    fn run_file(&mut self) -> Result<(crate::direct::DirectFile, PathBuf), Error> {
        let fail =
            |place: &std::path::Path, e: std::io::Error| Error::Internal(format!("cannot create a sort run in {}: {e}", place.display()));
        self.runs += 1;
        let tmp = std::env::temp_dir();
        if let Some(file) = crate::direct::DirectFile::unnamed(&tmp).map_err(|e| fail(&tmp, e))? {
            return Ok((file, tmp));
        }
        if self.dir.is_none() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let dir = tmp.join(format!("zhunru-sort-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| fail(&dir, e))?;
            self.dir = Some(TempDir(dir));
        }
        let path = self.dir.as_ref().expect("spool directory").0.join(format!("run-{}", self.runs - 1));
        let file = crate::direct::DirectFile::create(&path).map_err(|e| fail(&path, e))?;
        #[cfg(unix)]
        let _ = std::fs::remove_file(&path);
        Ok((file, path))
    }
}

/// Hands `put` the records of `sources` below `below` (all: none), in key order; `heap` holds the next key of each
/// source with records left. A source is read on for as long as it stays below the next key of every other, so
/// sources that do not interleave (shards of neighbouring ids) cost a heap operation per stretch of records, not
/// per record. Exhausted sources are dropped; returns the bytes of the parts held that were dropped.
fn merge(
    sources: &mut [Option<Source>],
    heap: &mut Heads,
    below: Option<&[u8]>,
    put: &mut impl FnMut(&[u8], &[u8]),
) -> Result<usize, Error> {
    let mut freed = 0;
    while let Some(Reverse((key, _))) = heap.peek() {
        if below.is_some_and(|b| key.as_slice() >= b) {
            break;
        }
        let Reverse((mut key, s)) = heap.pop().expect("a source");
        let source = sources[s].as_mut().expect("a source on the heap");
        let limit = match (heap.peek(), below) {
            (Some(Reverse((next, _))), Some(b)) => Some(next.as_slice().min(b)),
            (Some(Reverse((next, _))), None) => Some(next.as_slice()),
            (None, b) => b,
        };
        let mut more = true;
        while more && limit.is_none_or(|l| source.key() < l) {
            put(source.key(), source.record());
            more = source.advance()?;
        }
        if more {
            key.clear();
            key.extend_from_slice(source.key());
            heap.push(Reverse((key, s)));
        } else {
            freed += source.held_bytes();
            sources[s] = None;
        }
    }
    Ok(freed)
}

/// A directory removed with everything in it when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A record of a run file and of a batch: key length and record length (u32, little-endian), key, record.
fn framed(buf: &mut Vec<u8>, key: &[u8], rec: &[u8]) {
    buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
    buf.extend_from_slice(&(rec.len() as u32).to_le_bytes());
    buf.extend_from_slice(key);
    buf.extend_from_slice(rec);
}

/// Reads the next record of a run file into `key` and `rec`; false at its end.
fn read_framed(r: &mut impl Read, key: &mut Vec<u8>, rec: &mut Vec<u8>) -> std::io::Result<bool> {
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
    rec.resize(l, 0);
    r.read_exact(rec)?;
    Ok(true)
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
        let mut part = Records::default();
        let mut want = Vec::new();
        for (n, kind) in kinds.iter().enumerate() {
            // each kind gets the ids in a different order
            for id in ids.iter().cycle().skip(n * 3).take(ids.len()) {
                part.push(kind, id, |b| b.extend_from_slice(b"x"));
                want.push(format!("{kind}\0{id}").into_bytes());
            }
        }
        want.sort();
        let got: Vec<Vec<u8>> = part.order().into_iter().map(|i| part.key(i as usize).to_vec()).collect();
        assert_eq!(got, want);
    }

    /// A part of `shard` with a record for each id, of kind `order`, in reverse order.
    fn part(shard: usize, ids: &[&str]) -> Message {
        let mut records = Records::default();
        for id in ids.iter().rev() {
            records.push("order", id, |b| b.extend_from_slice(id.as_bytes()));
            records.counts.admitted += 1;
        }
        Message::Part(Part::new(records, Some(shard)))
    }

    fn floor(id: &str) -> Option<Vec<u8>> {
        Some(format!("order\0{id}").into_bytes())
    }

    /// The ids of the records that have gone out in batches (`emitted`) and that wait in the batch being filled.
    fn ids(emitted: &[Vec<u8>], merge: &Merge) -> Vec<String> {
        (emitted.iter().chain([&merge.batch]))
            .flat_map(|b| unframed(b).map(|(_, rec)| String::from_utf8(rec.to_vec()).expect("utf-8")))
            .collect()
    }

    #[test]
    fn records_go_out_once_no_unfinished_shard_can_come_below_them() {
        // batches go out at 256 KiB: these few records stay in the batch being filled
        let mut emit = |_: Vec<u8>| -> bool { unreachable!("a batch this small is not emitted") };
        let mut merge = Merge::new(true, 1 << 20);
        // shard 2 derives nothing; shard 1's floor is below shard 0's
        merge.take(Message::Plan(vec![floor("O3"), floor("O1"), None]), &mut emit).unwrap();
        merge.take(part(0, &["O3", "O4", "O9"]), &mut emit).unwrap();
        assert!(merge.batch.is_empty(), "shard 1 may still derive O2");
        merge.take(part(2, &[]), &mut emit).unwrap();
        merge.take(part(1, &["O1", "O2", "O5"]), &mut emit).unwrap();
        // every shard has finished: nothing can come below anything
        assert_eq!(ids(&[], &merge), ["O1", "O2", "O3", "O4", "O5", "O9"]);
        assert_eq!(merge.counts.admitted, 6);

        let mut merge = Merge::new(true, 1 << 20);
        merge.take(Message::Plan(vec![floor("O1"), floor("O3")]), &mut emit).unwrap();
        merge.take(part(0, &["O1", "O2", "O7"]), &mut emit).unwrap();
        // shard 1 can only derive O3 and above
        assert_eq!(ids(&[], &merge), ["O1", "O2"]);
        merge.take(part(1, &["O3", "O8"]), &mut emit).unwrap();
        assert_eq!(ids(&[], &merge), ["O1", "O2", "O3", "O7", "O8"]);

        // without streaming, nothing goes before the end
        let mut merge = Merge::new(false, 1 << 20);
        merge.take(Message::Plan(vec![floor("O1"), floor("O3")]), &mut emit).unwrap();
        merge.take(part(0, &["O1", "O2"]), &mut emit).unwrap();
        merge.take(part(1, &["O3"]), &mut emit).unwrap();
        assert!(merge.batch.is_empty());
        merge.take(Message::End, &mut emit).unwrap();
        merge
            .finish(&mut |b| {
                assert_eq!(ids(&[b], &Merge::new(false, 0)), ["O1", "O2", "O3"]);
                true
            })
            .unwrap();
    }

    #[test]
    fn a_shard_below_its_floor_or_outside_the_plan_is_an_error() {
        let mut emit = |_: Vec<u8>| true;
        let mut merge = Merge::new(true, 1 << 20);
        merge.take(Message::Plan(vec![floor("O3"), None]), &mut emit).unwrap();
        assert!(matches!(merge.take(part(0, &["O2"]), &mut emit), Err(Error::Internal(_))));
        assert!(matches!(merge.take(part(1, &["O5"]), &mut emit), Err(Error::Internal(_))));
        assert!(matches!(merge.take(part(7, &[]), &mut emit), Err(Error::Internal(_))));
    }

    #[test]
    fn parts_in_any_order_through_spilled_runs_come_out_in_key_order() {
        // 40 shards of interleaved ids, finishing in a scrambled order; a budget that spills every few parts
        let shards = 40;
        let ids: Vec<Vec<String>> = (0..shards)
            .map(|s| (0..25).map(|i| format!("O{:04}", i * shards + s)).collect())
            .collect();
        let mut want: Vec<String> = ids.iter().flatten().cloned().collect();
        want.sort();
        for stream in [true, false] {
            let (tx, rx) = std::sync::mpsc::channel();
            tx.send(Message::Plan(ids.iter().map(|l| floor(&l[0])).collect())).unwrap();
            for s in (0..shards).map(|s| (s * 17) % shards) {
                let l: Vec<&str> = ids[s].iter().map(String::as_str).collect();
                tx.send(part(s, &l)).unwrap();
            }
            tx.send(Message::End).unwrap();
            drop(tx);
            let render: Render = Box::new(|kind, id, rec, out| {
                assert_eq!((kind, id.as_bytes()), ("order", rec));
                out.extend_from_slice(id.as_bytes());
                out.push(b'\n');
            });
            let mut out = Vec::new();
            let counts = write_with(rx, stream, 2_000, &render, &mut out).unwrap();
            let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
            assert_eq!(lines, want, "stream: {stream}");
            assert_eq!(counts.admitted, want.len());
        }
        // an evaluation that stops without its end leaves the output unfinished
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(part(0, &["O1"])).unwrap();
        drop(tx);
        let render: Render = Box::new(|_, _, _, _| {});
        assert!(matches!(
            write_with(rx, true, 1 << 20, &render, &mut Vec::new()),
            Err(Error::Internal(_))
        ));
    }
}
