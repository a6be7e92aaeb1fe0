//! The programs zhunru knows. Adding a campaign: one file in `programs/`, one `#[path]` module and one line in
//! `PROGRAMS` here.

use crate::program::Program;

// ascent expands `_` patterns into `__`-style bindings that clippy flags in every rule.
#[allow(clippy::just_underscores_and_digits)]
#[path = "../programs/douyin_nianhuo_2023.rs"]
pub mod douyin_nianhuo_2023;

#[allow(clippy::just_underscores_and_digits)]
#[path = "../programs/jd_beijixing_2023_12.rs"]
pub mod jd_beijixing_2023_12;

#[allow(clippy::just_underscores_and_digits)]
#[path = "../programs/taobao_sp_2021q4.rs"]
pub mod taobao_sp_2021q4;

#[allow(clippy::just_underscores_and_digits)]
#[path = "../programs/taobao_daren_2023_12.rs"]
pub mod taobao_daren_2023_12;

#[allow(clippy::just_underscores_and_digits)]
#[path = "../programs/anchor_levels_1688.rs"]
pub mod anchor_levels_1688;

pub static PROGRAMS: &[&Program] = &[
    &douyin_nianhuo_2023::PROGRAM,
    &jd_beijixing_2023_12::PROGRAM,
    &taobao_sp_2021q4::PROGRAM,
    &taobao_daren_2023_12::PROGRAM,
    &anchor_levels_1688::PROGRAM,
];

pub fn find(id: &str) -> Option<&'static Program> {
    PROGRAMS.iter().copied().find(|p| p.id == id)
}
