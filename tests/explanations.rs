//! Explanation soundness over every program's whole sample: every record an explanation cites is at the cited
//! file:line, every failed or missing clause of a verdict has its ✗ / ? node and vice versa, and asking for
//! evidence never changes a verdict.

mod common;
use common::explanation_problems;

use std::path::Path;
use zhunru::registry;

#[test]
fn every_explanation_of_every_sample_is_sound() {
    for program in registry::PROGRAMS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("facts").join(program.id);
        let (cited, problems) = explanation_problems(program, &dir);
        assert!(cited > 500, "{}: only {cited} citations checked", program.id);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
