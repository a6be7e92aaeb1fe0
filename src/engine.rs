//! The path every command takes: load facts and parameters, fix the as-of time, run the program's rules.

use crate::error::{Failure, InputError};
use crate::facts::FactSet;
use crate::params::Params;
use crate::program::{Input, Program, SubjectId};
use crate::time::Time;
use crate::verdict::Evaluation;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub facts: PathBuf,
    pub params: Option<PathBuf>,
    pub as_of: Option<String>,
    pub allow_unknown: bool,
}

pub struct Loaded {
    pub facts: FactSet,
    pub params: Params,
}

/// Loads facts and parameters; errors of both are reported together.
pub fn load(program: &'static Program, opts: &Options) -> Result<Loaded, Failure> {
    let t = std::time::Instant::now();
    let facts = FactSet::load(&opts.facts, program.relations, opts.allow_unknown);
    timing("load", t);
    let mut errs: Vec<InputError> = Vec::new();
    let cli_params = match &opts.params {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => Some((p.clone(), t)),
            Err(e) => {
                errs.push(InputError::new(
                    p.display().to_string(),
                    None,
                    None,
                    format!("cannot read the parameter file: {e}"),
                ));
                None
            }
        },
        None => None,
    };
    let fact_params = match &facts {
        Ok(f) => f.params_file.clone(),
        // A fact set that failed to load may still have a params.json worth checking.
        Err(_) => {
            let p = opts.facts.join(crate::facts::PARAMS_FILE);
            std::fs::read_to_string(&p).ok().map(|t| (p, t))
        }
    };
    let files: Vec<(&Path, &str)> = fact_params
        .iter()
        .chain(cli_params.iter())
        .map(|(p, t)| (p.as_path(), t.as_str()))
        .collect();
    let params = Params::resolve(program.params, &files, opts.as_of.as_deref()).and_then(|p| {
        let errs: Vec<InputError> = (program.validate)(&p)
            .into_iter()
            .map(|(name, msg)| {
                let file = match p.source(name) {
                    Some(crate::params::Source::File(f)) => f.clone(),
                    Some(crate::params::Source::Flag) => "--params".to_string(),
                    _ => "(default parameters)".to_string(),
                };
                InputError::new(file, None, Some(name), msg)
            })
            .collect();
        if errs.is_empty() {
            Ok(p)
        } else {
            Err(errs)
        }
    });
    if let (Ok(f), Ok(p)) = (&facts, &params) {
        errs.extend((program.validate_facts)(f, p));
    }
    match (facts, params) {
        (Ok(facts), Ok(params)) if errs.is_empty() => Ok(Loaded { facts, params }),
        (f, p) => {
            errs.extend(f.err().unwrap_or_default());
            errs.extend(p.err().unwrap_or_default());
            Err(Failure::Input(errs))
        }
    }
}

impl Loaded {
    pub fn as_of(&self) -> Result<Time, Failure> {
        self.params.as_of.as_ref().map(|a| a.0).ok_or_else(|| {
            Failure::input(
                "--as-of",
                "no as-of time: give --as-of TIME or \"as_of\" in the fact set's params.json (rules about \"now\" need it)",
            )
        })
    }

    pub fn evaluate(&self, program: &'static Program, explain: &[SubjectId]) -> Result<Evaluation, Failure> {
        self.evaluate_part(program, explain, None)
    }

    /// `evaluate` for part k (0-based) of n of the subjects (`run --shard K/N`); `None` = all of them.
    pub fn evaluate_part(
        &self,
        program: &'static Program,
        explain: &[SubjectId],
        part: Option<(usize, usize)>,
    ) -> Result<Evaluation, Failure> {
        self.evaluate_with(program, explain, shard_size_from_env(), part)
    }

    /// `evaluate` with an explicit shard size (0 = the program's default).
    pub fn evaluate_with(
        &self,
        program: &'static Program,
        explain: &[SubjectId],
        shard_size: usize,
        part: Option<(usize, usize)>,
    ) -> Result<Evaluation, Failure> {
        let as_of = self.as_of()?;
        let t = std::time::Instant::now();
        let der = (program.evaluate)(&Input {
            facts: &self.facts,
            params: &self.params,
            as_of,
            explain,
            shard_size,
            part,
            evidence: true,
            sink: None,
            progress: None,
        });
        timing("rules", t);
        let t = std::time::Instant::now();
        let mut eval = Evaluation::new(program, der, &self.facts.syms).map_err(Failure::Internal)?;
        if let (Some((k, n)), false) = (part, program.partitions_itself) {
            let subjects = &eval.der.subjects;
            eval.order.retain(|&s| part_of(&subjects[s as usize], n) == k);
        }
        timing("verdicts", t);
        Ok(eval)
    }
}

/// What a batch run wrote: subjects by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub admitted: usize,
    pub rejected: usize,
    pub undetermined: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.admitted + self.rejected + self.undetermined
    }

    pub fn add(&mut self, other: &Counts) {
        self.admitted += other.admitted;
        self.rejected += other.rejected;
        self.undetermined += other.undetermined;
    }
}

impl Loaded {
    /// `run` in JSON lines to `w`, as `output::write` writes the evaluation's records, but shard by shard: each
    /// shard's derivation is turned into verdicts and packed (`output::pack`) on the thread that derived it and then
    /// dropped, so memory holds the facts, the shards in flight and ~30 bytes a verdict, not every shard's rows and
    /// evidence at once. The lines are rendered as they are written (`spool::write`): with `stream`, while later
    /// shards are still evaluated, as far as the program's plan of its shards allows. The inner error is the
    /// output's.
    pub fn evaluate_streamed(
        &self,
        program: &'static Program,
        part: Option<(usize, usize)>,
        progress: Option<&(dyn Fn(usize, usize) + Sync)>,
        stream: bool,
        w: &mut dyn std::io::Write,
    ) -> Result<std::io::Result<Counts>, Failure> {
        let as_of = self.as_of()?;
        let (tx, rx) = std::sync::mpsc::channel();
        let render: crate::spool::Render = Box::new(move |kind, id, packed, line| {
            crate::output::write_packed(line, program, kind, id, packed);
            line.push(b'\n');
        });
        let (written, evaluated) = std::thread::scope(|scope| {
            // the sink and its sender live in the evaluating thread: however it ends, the writer's input ends with it
            let evaluation = scope.spawn(move || {
                let sink = ShardsToSpool {
                    program,
                    part,
                    syms: &self.facts.syms,
                    tx,
                    error: std::sync::Mutex::new(None),
                    stopped: Default::default(),
                };
                let t = std::time::Instant::now();
                let rest = (program.evaluate)(&Input {
                    facts: &self.facts,
                    params: &self.params,
                    as_of,
                    explain: &[],
                    shard_size: shard_size_from_env(),
                    part,
                    evidence: false,
                    sink: Some(&sink),
                    progress,
                });
                // programs that do not shard return their whole derivation
                if !rest.subjects.is_empty() {
                    crate::program::Sink::shard(&sink, None, rest);
                }
                timing("rules and verdicts", t);
                sink.send(crate::spool::Message::End);
                sink.error.into_inner().expect("error")
            });
            let written = crate::spool::write(rx, stream, &render, w);
            (written, evaluation.join())
        });
        // a panic has said what it is on stderr; the output file is not kept
        let evaluated = evaluated.map_err(|_| Failure::Internal("the evaluation stopped half-way".into()))?;
        if let Some(e) = evaluated {
            return Err(Failure::Internal(e));
        }
        match written {
            Ok(counts) => Ok(Ok(counts)),
            Err(crate::spool::Error::Output(e)) => Ok(Err(e)),
            Err(crate::spool::Error::Internal(e)) => Err(Failure::Internal(e)),
        }
    }
}

/// The sink of a batch run: each shard's verdicts packed and sorted on the thread that derived them, then sent to
/// the writer.
struct ShardsToSpool<'a> {
    program: &'static Program,
    part: Option<(usize, usize)>,
    syms: &'a crate::intern::Interner,
    tx: std::sync::mpsc::Sender<crate::spool::Message>,
    error: std::sync::Mutex<Option<String>>,
    /// The writer has stopped (the output failed) or a shard's verdicts could not be made: no more shards.
    stopped: std::sync::atomic::AtomicBool,
}

impl ShardsToSpool<'_> {
    fn send(&self, message: crate::spool::Message) {
        // a writer that has stopped (the output failed) says why itself
        if self.tx.send(message).is_err() {
            self.stop();
        }
    }

    fn stop(&self) {
        self.stopped.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl crate::program::Sink for ShardsToSpool<'_> {
    fn plan(&self, floors: &[Option<(&'static str, crate::intern::Sym)>]) {
        let key = |&(kind, id): &(&str, crate::intern::Sym)| [kind.as_bytes(), b"\0", self.syms.resolve(id).as_bytes()].concat();
        self.send(crate::spool::Message::Plan(floors.iter().map(|f| f.as_ref().map(key)).collect()));
    }

    fn shard(&self, shard: Option<usize>, der: crate::program::Derivation) {
        let (program, part) = (self.program, self.part);
        let eval = match Evaluation::unordered(program, der, self.syms) {
            Ok(e) => e,
            Err(e) => {
                self.error.lock().expect("error").get_or_insert(e);
                self.stop();
                return;
            }
        };
        // ~30 bytes a record: a kind, an id, ~10 packed bytes
        let mut out = crate::spool::Records::with_capacity(eval.order.len(), eval.order.len() * 32);
        for &s in &eval.order {
            let subject = eval.subject(s);
            if let (Some((k, n)), false) = (part, program.partitions_itself) {
                if part_of(subject, n) != k {
                    continue;
                }
            }
            let v = &eval.verdicts[s as usize];
            out.push(&subject.kind, &subject.id, |buf| crate::output::pack(buf, v));
            match v.status {
                crate::verdict::Status::Admitted => out.counts.admitted += 1,
                crate::verdict::Status::Rejected => out.counts.rejected += 1,
                crate::verdict::Status::Undetermined => out.counts.undetermined += 1,
            }
        }
        self.send(crate::spool::Message::Part(crate::spool::Part::new(out, shard)));
    }

    fn stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// `ZHUNRU_SHARD_SHOPS` tunes sharded programs from the outside (benchmarks); 0, the default, is the program's own.
fn shard_size_from_env() -> usize {
    std::env::var("ZHUNRU_SHARD_SHOPS").ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// The part (of n) a subject falls in when the program does not partition itself: FNV-1a of `kind:id`, so the
/// same subject lands in the same part on every machine.
pub fn part_of(subject: &SubjectId, n: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in subject.kind.bytes().chain(std::iter::once(b':')).chain(subject.id.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    (h % n as u64) as usize
}

/// With `ZHUNRU_TIMINGS` set, each phase reports its wall time on stderr.
pub fn timing(phase: &str, since: std::time::Instant) {
    if std::env::var_os("ZHUNRU_TIMINGS").is_some() {
        eprintln!("timing: {phase} {:.2}s{}", since.elapsed().as_secs_f64(), resident());
    }
}

/// The resident and peak resident memory of this process, where the system says (Linux); empty elsewhere.
fn resident() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(" (resident {} MB, peak {} MB)", rss / 1024, peak / 1024),
        _ => String::new(),
    }
}
