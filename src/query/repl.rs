//! The interactive shell.
use crate::cli::query::QueryArgs;

/// Runs the REPL.
pub fn run(_args: &QueryArgs) -> i32 {
    0
}
