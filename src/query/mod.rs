//! The query language (issue 3): readable forms for the everyday questions, a Datalog core
//! over engine-backed relations, and assertions for CI gates. The grammar
//! (`grammar/query.lalrpop`, built by lalrpop) is the only parser.

pub mod ast;
pub mod datalog;
pub mod eval;
pub mod parse;
pub mod relations;

pub use datalog::{check_body, check_rule};
pub mod repl;
