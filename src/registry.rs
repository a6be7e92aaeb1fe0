//! The programs zhunru knows. Adding a campaign: one file in `programs/`, one `#[path]` module and one line in
//! `PROGRAMS` here.

use crate::program::Program;

#[path = "../programs/douyin_nianhuo_2023.rs"]
pub mod douyin_nianhuo_2023;

pub static PROGRAMS: &[&Program] = &[&douyin_nianhuo_2023::PROGRAM];

pub fn find(id: &str) -> Option<&'static Program> {
    PROGRAMS.iter().copied().find(|p| p.id == id)
}
