//! Any bytes as any relation file of any program: the loader must answer with verdicts or input errors, never a
//! panic, a hang or unbounded memory. Byte 0 picks the program, byte 1 the relation (its high bit: `.json` instead of
//! `.jsonl`); the rest is the file. The fact set's parameters are the program's sample `params.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use zhunru::engine::{self, Options};
use zhunru::registry;

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zhunru-fuzz-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let program = registry::PROGRAMS[data[0] as usize % registry::PROGRAMS.len()];
    let rel = &program.relations[(data[1] & 0x7f) as usize % program.relations.len()];
    let ext = if data[1] & 0x80 != 0 { "json" } else { "jsonl" };
    let dir = scratch();
    for e in std::fs::read_dir(&dir).expect("scratch") {
        let _ = std::fs::remove_file(e.expect("entry").path());
    }
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../facts").join(program.id).join("params.json");
    std::fs::copy(sample, dir.join("params.json")).expect("sample params");
    std::fs::write(dir.join(format!("{}.{ext}", rel.name)), &data[2..]).expect("relation file");
    let opts = Options {
        facts: dir,
        ..Options::default()
    };
    if let Ok(loaded) = engine::load(program, &opts) {
        let _ = loaded.evaluate(program, &[]);
    }
});
