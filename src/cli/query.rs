//! `iamdl query`, `iamdl run` and `iamdl repl`: the query language from the command line.

use super::EnvArgs;
use crate::query::ast::Stmt;
use crate::query::eval::{Format, Output, Session};
use crate::query::parse::parse_all;
use clap::Args;
use std::path::PathBuf;

/// Options of the query commands.
#[derive(Debug, Args, Clone)]
pub struct QueryArgs {
    /// Where the environment comes from.
    #[command(flatten)]
    pub source: super::SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

impl QueryArgs {
    /// The environment options, for [`super::load_env`].
    pub fn env_args(&self) -> EnvArgs {
        self.source.with_format(super::render::Format::Table)
    }
}

/// What running a text did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Statements answered.
    pub answered: usize,
    /// Assertions that failed.
    pub failed: usize,
    /// Statements that did not parse, failed a check or could not be answered (and input
    /// that could not be read).
    pub errors: usize,
}

impl Outcome {
    /// Adds `o` to the totals.
    pub fn add(&mut self, o: Outcome) {
        self.answered += o.answered;
        self.failed += o.failed;
        self.errors += o.errors;
    }

    /// The exit status: 2 when anything was in error, else 1 when an assertion failed, else 0.
    pub fn code(self) -> i32 {
        if self.errors > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }
}

/// Parses and runs `src` (named `origin` in errors) in `session`, printing answers to stdout
/// and errors to stderr.
pub fn run_text(session: &mut Session, origin: &str, src: &str, format: Format) -> Outcome {
    run_text_with(session, origin, src, format, &mut true, &mut |s| {
        super::emit(s)
    })
}

/// Parses `src` and prints every syntax error (each bad statement once) to stderr.
fn parse_reporting(origin: &str, src: &str) -> (Vec<Stmt>, usize) {
    let p = parse_all(src);
    for e in &p.errors {
        eprint!("{}", e.render(origin, src));
    }
    (p.stmts, p.errors.len())
}

/// As [`run_text`], with answers passed to `out`; `first` is true until something was
/// printed (table answers are separated by a blank line). Every syntax error is reported
/// first; then the statements that parsed run in order, each error reported as it comes.
pub fn run_text_with(
    session: &mut Session,
    origin: &str,
    src: &str,
    format: Format,
    first: &mut bool,
    out: &mut dyn FnMut(String),
) -> Outcome {
    let (stmts, errors) = parse_reporting(origin, src);
    let mut o = run_stmts(session, origin, src, &stmts, format, first, out);
    o.errors += errors;
    o
}

/// Runs parsed statements of `src`; an error is reported and the next statement runs.
fn run_stmts(
    session: &mut Session,
    origin: &str,
    src: &str,
    stmts: &[Stmt],
    format: Format,
    first: &mut bool,
    out: &mut dyn FnMut(String),
) -> Outcome {
    let mut o = Outcome::default();
    for st in stmts {
        match session.eval(st, src) {
            Ok(ans) => {
                if let Output::Assert(r) = &ans {
                    if !r.passed {
                        o.failed += 1;
                    }
                }
                let text = ans.render(format);
                if !text.is_empty() {
                    if !*first && format != Format::Json && format != Format::Csv {
                        out(String::new());
                    }
                    *first = false;
                    out(text);
                }
                o.answered += 1;
            }
            Err(e) => {
                eprint!("{}", e.render(origin, src));
                o.errors += 1;
            }
        }
    }
    o
}

/// The summary lines on stderr and the exit status ([`Outcome::code`]).
pub fn finish(o: Outcome) -> i32 {
    if o.errors > 0 && o.answered > 0 {
        eprintln!(
            "{} error(s); the other {} statement(s) were run",
            o.errors, o.answered
        );
    } else if o.errors > 0 {
        eprintln!("{} error(s)", o.errors);
    }
    if o.failed > 0 {
        eprintln!("{} assertion(s) failed", o.failed);
    }
    o.code()
}

/// `iamdl query --env ENV 'TEXT'`.
pub fn query(args: &QueryArgs, text: &str) -> i32 {
    let (stmts, errors) = parse_reporting("query", text);
    let engine = match super::load_env(&args.env_args()) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let mut s = Session::new(engine);
    let mut o = run_stmts(
        &mut s,
        "query",
        text,
        &stmts,
        args.format,
        &mut true,
        &mut |x| super::emit(x),
    );
    o.errors += errors;
    finish(o)
}

/// `iamdl run --env ENV FILE.q...`: every file is read and parsed first (every syntax error
/// of every file is reported), then the statements that parsed run in order in one session
/// (rules carry over from file to file).
pub fn run_files(args: &QueryArgs, files: &[PathBuf]) -> i32 {
    let mut total = Outcome::default();
    let mut texts = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(t) => {
                let name = f.display().to_string();
                let (stmts, errors) = parse_reporting(&name, &t);
                total.errors += errors;
                texts.push((name, t, stmts));
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                total.errors += 1;
            }
        }
    }
    let engine = match super::load_env(&args.env_args()) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let mut s = Session::new(engine);
    let mut first = true;
    for (name, t, stmts) in &texts {
        let o = run_stmts(&mut s, name, t, stmts, args.format, &mut first, &mut |x| {
            super::emit(x)
        });
        total.add(o);
    }
    finish(total)
}

/// `iamdl repl [--env ENV]`.
pub fn repl(args: &QueryArgs) -> i32 {
    crate::query::repl::run(args)
}
