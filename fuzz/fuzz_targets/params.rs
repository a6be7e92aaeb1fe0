//! Any bytes as a program's `params.json`: resolving and validating must answer with parameters or input errors,
//! never a panic; parameters that pass are then used to evaluate the program's sample facts, which must not panic
//! either (a cap of 0, a quota of 1, an empty table, a period that ends before it starts...). Byte 0 picks the program.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use zhunru::engine::Loaded;
use zhunru::facts::FactSet;
use zhunru::params::Params;
use zhunru::registry;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let i = pick as usize % registry::PROGRAMS.len();
    let program = registry::PROGRAMS[i];
    let Ok(params) = Params::resolve(program.params, &[(Path::new("params.json"), text)], None) else { return };
    if !(program.validate)(&params).is_empty() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../facts").join(program.id);
    let facts = FactSet::load(&dir, program.relations, false).expect("the sample loads");
    if !(program.validate_facts)(&facts, &params).is_empty() {
        return;
    }
    let _ = Loaded { facts, params }.evaluate(program, &[]);
});
