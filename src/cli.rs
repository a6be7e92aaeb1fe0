//! The command line, as the contract gives it: `programs`, `rules`, `check`, `run`, `explain`.
//! Exit codes: 0 success whatever the verdicts, 2 bad input, 1 internal error.

use crate::engine::{self, Loaded, Options};
use crate::error::Failure;
use crate::explain::{render_text, Explainer, Lang};
use crate::output::{self, Format};
use crate::params::ty_text;
use crate::program::{Program, SubjectId};
use crate::registry;
use crate::verdict::Status;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "zhunru",
    version,
    about = "准入 — campaign admission policies as Datalog, with explained verdicts"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List programs: id, title, clause count.
    Programs,
    /// The clause catalogue of a program, with parameters and defaults.
    Rules {
        #[command(flatten)]
        program: ProgramArg,
        #[arg(long, value_enum, default_value = "text")]
        format: DocFormat,
    },
    /// Validate a fact set (and its parameters) only; every error is reported.
    Check {
        #[command(flatten)]
        program: ProgramArg,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Derive the verdict of every subject.
    Run {
        #[command(flatten)]
        program: ProgramArg,
        #[command(flatten)]
        input: InputArgs,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Write here (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Evaluate and write part K of N only (1 ≤ K ≤ N): the N parts' records, merged in sort order, are the
        /// whole run's. Linked-store components stay whole (douyin-nianhuo-2023 evaluates only its part).
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// No progress line and no summary on standard error.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write a synthetic fact set (deterministic for a seed) for benchmarks and tests.
    Generate {
        #[command(flatten)]
        program: ProgramArg,
        /// Number of shops.
        #[arg(long)]
        shops: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The directory to write (created if absent).
        #[arg(long)]
        out: PathBuf,
    },
    /// Explain one subject's verdict as a tree down to the input records.
    Explain {
        #[command(flatten)]
        program: ProgramArg,
        #[command(flatten)]
        input: InputArgs,
        /// KIND:ID, e.g. shop:S102.
        #[arg(long)]
        subject: String,
        #[arg(long, value_enum, default_value = "text")]
        format: DocFormat,
        #[arg(long, value_enum, default_value = "en")]
        lang: LangArg,
    },
}

#[derive(Args, Debug)]
pub struct ProgramArg {
    /// Program id (see `zhunru programs`).
    #[arg(value_name = "PROGRAM")]
    pub positional: Option<String>,
    /// Program id, as an option.
    #[arg(long = "program", value_name = "PROGRAM")]
    pub named: Option<String>,
}

#[derive(Args, Debug)]
pub struct InputArgs {
    /// The fact-set directory.
    #[arg(long)]
    pub facts: PathBuf,
    /// The as-of time (`2023-01-05T12:00:00`, or a date meaning 23:59:59); overrides `as_of` in params.json.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// A parameter file overriding the fact set's params.json.
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Ignore files that name no relation of the program.
    #[arg(long)]
    pub allow_unknown: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DocFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LangArg {
    En,
    Zh,
}

impl InputArgs {
    fn options(&self) -> Options {
        Options {
            facts: self.facts.clone(),
            params: self.params.clone(),
            as_of: self.as_of.clone(),
            allow_unknown: self.allow_unknown,
        }
    }
}

impl ProgramArg {
    fn resolve(&self) -> Result<&'static Program, Failure> {
        let id = match (&self.positional, &self.named) {
            (Some(a), Some(b)) if a != b => return Err(Failure::input("PROGRAM", format!("two programs given: `{a}` and `{b}`"))),
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => return Err(Failure::input("PROGRAM", format!("no program given (one of: {})", ids()))),
        };
        registry::find(id).ok_or_else(|| Failure::input("PROGRAM", format!("unknown program `{id}` (expected one of: {})", ids())))
    }
}

fn ids() -> String {
    registry::PROGRAMS.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match run(cli) {
        Ok(()) => 0,
        Err(Failure::OutputClosed) => 0,
        Err(f) => {
            eprintln!("{f}");
            f.exit_code()
        }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    // stdout is line-buffered: one write per verdict line would cost a system call each
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::OutputClosed,
        _ => Failure::Internal(format!("cannot write the output: {e}")),
    };
    match cli.command {
        Command::Programs => {
            for p in registry::PROGRAMS {
                writeln!(out, "{}\t{}\t{} clauses", p.id, p.title_en, p.clauses.len()).map_err(io)?;
            }
        }
        Command::Rules { program, format } => {
            let p = program.resolve()?;
            let text = match format {
                DocFormat::Text => rules_text(p),
                DocFormat::Json => serde_json::to_string_pretty(&rules_json(p)).expect("json") + "\n",
            };
            out.write_all(text.as_bytes()).map_err(io)?;
        }
        Command::Check { program, input } => {
            let p = program.resolve()?;
            let loaded = engine::load(p, &input.options())?;
            let records: usize = loaded.facts.rels.iter().map(|r| r.rows.len()).sum();
            let files = loaded.facts.rels.iter().filter(|r| r.file.is_some()).count();
            writeln!(
                out,
                "ok: {} — {records} records in {files} relation files, parameters valid",
                input.facts.display()
            )
            .map_err(io)?;
        }
        Command::Run {
            program,
            input,
            format,
            out: out_path,
            shard,
            quiet,
        } => {
            let started = Instant::now();
            let p = program.resolve()?;
            let part = shard.as_deref().map(parse_shard).transpose()?;
            let progress = Progress::new(quiet);
            progress.phase(&format!("loading {}", input.facts.display()));
            let loaded = progress.while_loading(|| engine::load(p, &input.options()))?;
            let records: usize = loaded.facts.rels.iter().map(|r| r.rows.len()).sum();
            progress.phase(&format!("evaluating {records} records"));
            let counts = if format == output::Format::Jsonl {
                // batch runs stream: shards are rendered as they finish, and written as soon as their order allows
                let bar = |done: usize, total: usize| {
                    progress.bar("evaluating", done, total, "shards");
                    if done == total {
                        progress.phase("writing the last verdicts");
                    }
                };
                let counts = match &out_path {
                    Some(path) => {
                        let (mut counts, mut failed) = (None, None);
                        let written = output::write_atomically(path, |w| match loaded.evaluate_streamed(p, part, Some(&bar), true, w) {
                            Ok(written) => written.map(|c| counts = Some(c)),
                            Err(f) => {
                                failed = Some(f);
                                Err(std::io::Error::other("the evaluation failed"))
                            }
                        });
                        if let Some(f) = failed {
                            return Err(f);
                        }
                        written.map_err(|e| Failure::input(&path.display().to_string(), format!("cannot write the output file: {e}")))?;
                        counts.expect("counts of a written run")
                    }
                    // standard output gets nothing until everything is derived: a failure half-way leaves no lines
                    None => loaded.evaluate_streamed(p, part, Some(&bar), false, &mut out)?.map_err(io)?,
                };
                progress.done();
                counts
            } else {
                let eval = loaded.evaluate_part(p, &[], part)?;
                progress.phase(&format!("writing {} verdicts", eval.order.len()));
                progress.done();
                match &out_path {
                    Some(path) => output::write_atomically(path, |w| output::write(&eval, format, w))
                        .map_err(|e| Failure::input(&path.display().to_string(), format!("cannot write the output file: {e}")))?,
                    None => output::write(&eval, format, &mut out).map_err(io)?,
                }
                let count = |s: Status| eval.order.iter().filter(|&&i| eval.verdicts[i as usize].status == s).count();
                engine::Counts {
                    admitted: count(Status::Admitted),
                    rejected: count(Status::Rejected),
                    undetermined: count(Status::Undetermined),
                }
            };
            if quiet {
                return out.flush().map_err(io);
            }
            eprintln!(
                "{}: {} subjects{} — {} admitted, {} rejected, {} undetermined (as of {}; {:.2}s)",
                p.id,
                counts.total(),
                shard.map(|k| format!(" in shard {k}")).unwrap_or_default(),
                counts.admitted,
                counts.rejected,
                counts.undetermined,
                loaded.as_of()?,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Generate {
            program,
            shops,
            seed,
            out: dir,
        } => {
            let p = program.resolve()?;
            let Some(generate) = crate::generate::for_program(p.id) else {
                return Err(Failure::input(
                    "PROGRAM",
                    format!(
                        "no generator for {} yet (douyin-nianhuo-2023 and jd-beijixing-2023-12 have one)",
                        p.id
                    ),
                ));
            };
            generate(&dir, shops, seed).map_err(|e| Failure::Internal(format!("cannot write {}: {e}", dir.display())))?;
            eprintln!("{}: wrote {shops} shops to {}", p.id, dir.display());
        }
        Command::Explain {
            program,
            input,
            subject,
            format,
            lang,
        } => {
            let p = program.resolve()?;
            let wanted = SubjectId::parse(&subject)
                .ok_or_else(|| Failure::input("--subject", format!("expected KIND:ID (e.g. shop:S102), got `{subject}`")))?;
            let loaded = engine::load(p, &input.options())?;
            let text = explain(p, &loaded, &wanted, format, lang)?;
            out.write_all(text.as_bytes()).map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

/// `K/N` with 1 ≤ K ≤ N, as a 0-based part.
fn parse_shard(text: &str) -> Result<(usize, usize), Failure> {
    let bad = || Failure::input("--shard", format!("expected K/N with 1 ≤ K ≤ N (e.g. 2/8), got `{text}`"));
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k - 1, n))
}

/// The explanation of one subject, as text or JSON.
pub fn explain(p: &'static Program, loaded: &Loaded, wanted: &SubjectId, format: DocFormat, lang: LangArg) -> Result<String, Failure> {
    if !p.subject_kinds.iter().any(|(k, _)| *k == wanted.kind) {
        return Err(Failure::input(
            "--subject",
            format!(
                "`{}` is not a subject kind of {} (kinds: {})",
                wanted.kind,
                p.id,
                p.subject_kinds.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let eval = loaded.evaluate(p, std::slice::from_ref(wanted))?;
    let as_of = loaded.as_of()?;
    let Some(s) = eval.find(wanted) else {
        let from = p.subject_kinds.iter().find(|k| k.0 == wanted.kind).map(|k| k.1).unwrap_or("");
        return Err(Failure::input(
            "--subject",
            format!(
                "{wanted} is not a subject of {} as of {as_of}: {} subjects come from {from} (records dated after as-of create none)",
                p.id, wanted.kind
            ),
        ));
    };
    let lang = match lang {
        LangArg::En => Lang::En,
        LangArg::Zh => Lang::Zh,
    };
    let tree = Explainer {
        eval: &eval,
        facts: &loaded.facts,
        params: &loaded.params,
        as_of,
        lang,
    }
    .tree(s);
    Ok(match format {
        DocFormat::Text => render_text(&tree, lang),
        DocFormat::Json => serde_json::to_string_pretty(&tree).expect("json") + "\n",
    })
}

fn rules_text(p: &Program) -> String {
    let mut s = format!("{} — {} / {}\n\nparameters:\n", p.id, p.title_en, p.title_zh);
    for spec in p.params {
        let d = spec.default.unwrap_or("(required: no default)");
        s.push_str(&format!("  {:<32} {:<40} {}\n", spec.name, d, spec.doc));
    }
    s.push_str("  as_of                            (required)                               the evaluation time (--as-of)\n");
    for (kind, from) in p.subject_kinds {
        s.push_str(&format!("\nsubject {kind} (from {from}):\n"));
        for c in p.clauses.iter().filter(|c| c.subject == *kind) {
            let param = c.param.map(|x| format!(" [{x}]")).unwrap_or_default();
            s.push_str(&format!(
                "  {:<7} {}/{}{param}\n          {}\n          {}\n",
                c.role.name(),
                p.id,
                c.id,
                c.en,
                c.zh
            ));
        }
    }
    s.push_str("\ninput relations:\n");
    for r in p.relations {
        let fields: Vec<String> = r
            .fields
            .iter()
            .map(|f| format!("{}{}: {}", f.name, if f.optional { "?" } else { "" }, f.ty.name()))
            .collect();
        s.push_str(&format!("  {} {{{}}}\n", r.name, fields.join(", ")));
    }
    s
}

fn rules_json(p: &Program) -> serde_json::Value {
    use serde_json::json;
    json!({
        "program": p.id,
        "title": {"en": p.title_en, "zh": p.title_zh},
        "parameters": p.params.iter().map(|s| json!({
            "name": s.name,
            "type": ty_text(s.ty),
            "default": s.default.map(|d| serde_json::from_str::<serde_json::Value>(d).expect("default is JSON")),
            "required": s.default.is_none(),
            "doc": s.doc,
        })).collect::<Vec<_>>(),
        "subjects": p.subject_kinds.iter().map(|(k, from)| json!({"kind": k, "from": from})).collect::<Vec<_>>(),
        "clauses": p.clauses.iter().map(|c| json!({
            "id": format!("{}/{}", p.id, c.id),
            "subject": c.subject,
            "role": c.role.name(),
            "param": c.param,
            "text": {"en": c.en, "zh": c.zh},
        })).collect::<Vec<_>>(),
        "relations": p.relations.iter().map(|r| json!({
            "name": r.name,
            "fields": r.fields.iter().map(|f| json!({"name": f.name, "type": f.ty.name(), "optional": f.optional})).collect::<Vec<_>>(),
            "key": r.key,
            "doc": r.doc,
        })).collect::<Vec<_>>(),
    })
}

/// Phase lines on stderr while a long run works, only when stderr is a terminal (logs and pipes stay clean).
struct Progress {
    on: bool,
    started: Instant,
    /// When the bar was last drawn: shards finish on several threads, the bar is redrawn at most ten times a second.
    drawn: std::sync::Mutex<Option<Instant>>,
}

impl Progress {
    /// On a terminal only: never in pipes, files or CI logs, and not with `--quiet`.
    fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        Progress {
            on: !quiet && std::io::stderr().is_terminal(),
            started: Instant::now(),
            drawn: std::sync::Mutex::new(None),
        }
    }
    /// Runs the load with a bar of the megabytes parsed, redrawn by a ticker thread (the loader only counts).
    fn while_loading<T>(&self, load: impl FnOnce() -> T) -> T {
        if !self.on {
            return load();
        }
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    let (done, total) = &crate::facts::LOAD_PROGRESS;
                    let total = total.load(std::sync::atomic::Ordering::Relaxed) >> 20;
                    if total > 0 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let done = done.load(std::sync::atomic::Ordering::Relaxed) >> 20;
                        self.bar("loading", done as usize, total as usize, "MB parsed");
                    }
                }
            });
            let out = load();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            out
        })
    }
    /// A bar for a phase made of counted steps: `zhunru: evaluating [#######.............] 350/1000 shards (2.1s)`.
    fn bar(&self, what: &str, done: usize, total: usize, unit: &str) {
        if !self.on {
            return;
        }
        let mut drawn = self.drawn.lock().expect("progress");
        if done < total && drawn.is_some_and(|t| t.elapsed().as_millis() < 100) {
            return;
        }
        *drawn = Some(Instant::now());
        const WIDTH: usize = 30;
        let full = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
        eprint!(
            "\r\x1b[2Kzhunru: {what} [{}{}] {done}/{total} {unit} ({:.1}s)",
            "#".repeat(full),
            ".".repeat(WIDTH - full),
            self.started.elapsed().as_secs_f64()
        );
    }
    fn phase(&self, what: &str) {
        if self.on {
            eprint!("\r\x1b[2Kzhunru: {what} … ({:.1}s)", self.started.elapsed().as_secs_f64());
        }
    }
    fn done(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}
