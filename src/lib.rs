//! zhunru (准入): campaign admission policies as ascent Datalog programs over facts, with verdicts that explain
//! themselves down to the input records.

pub mod alloc;
pub mod cli;
pub mod direct;
pub mod engine;
pub mod error;
pub mod explain;
pub mod facts;
pub mod generate;
pub mod index;
pub mod intern;
pub mod mapped;
pub mod num;
pub mod output;
pub mod params;
pub mod partition;
pub mod program;
pub mod registry;
pub mod schema;
pub mod sink;
pub mod sizes;
pub mod spool;
pub mod store;
pub mod time;
pub mod value;
pub mod verdict;
