//! `iamdl query`, `iamdl run` and `iamdl repl`: the query language from the command line.

use super::EnvArgs;
use crate::query::eval::{Format, Output, Session};
use crate::query::parse::parse;
use clap::Args;
use std::path::PathBuf;

/// Options of the query commands.
#[derive(Debug, Args, Clone)]
pub struct QueryArgs {
    /// Environment: a snapshot folder or a get-account-authorization-details JSON file (default: the bundled example); repeat to layer templates over it.
    #[arg(long, value_name = "PATH")]
    pub env: Vec<PathBuf>,
    /// Template parameter NAME=VALUE.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
    /// Answer even if some documents could not be loaded.
    #[arg(long)]
    pub allow_partial: bool,
    /// Account id for a bare get-account-authorization-details file.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

impl QueryArgs {
    /// The environment options, for [`super::load_env`].
    pub fn env_args(&self) -> EnvArgs {
        EnvArgs {
            env: self.env.clone(),
            param: self.param.clone(),
            allow_partial: self.allow_partial,
            account: self.account.clone(),
            format: super::render::Format::Table,
        }
    }
}

/// What running a text did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Statements answered.
    pub answered: usize,
    /// Assertions that failed.
    pub failed: usize,
    /// True when the text did not parse or a statement could not be answered.
    pub error: bool,
}

/// Parses and runs `src` (named `origin` in errors) in `session`, printing answers to stdout
/// and errors to stderr. Stops at the first error.
pub fn run_text(session: &mut Session, origin: &str, src: &str, format: Format) -> Outcome {
    run_text_with(session, origin, src, format, &mut true, &mut |s| {
        super::emit(s)
    })
}

/// As [`run_text`], with answers passed to `out`; `first` is true until something was
/// printed (table answers are separated by a blank line).
pub fn run_text_with(
    session: &mut Session,
    origin: &str,
    src: &str,
    format: Format,
    first: &mut bool,
    out: &mut dyn FnMut(String),
) -> Outcome {
    let mut o = Outcome::default();
    let stmts = match parse(src) {
        Ok(s) => s,
        Err(e) => {
            eprint!("{}", e.render(origin, src));
            o.error = true;
            return o;
        }
    };
    for st in &stmts {
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
                o.error = true;
                return o;
            }
        }
    }
    o
}

fn exit_code(o: Outcome) -> i32 {
    if o.error {
        2
    } else if o.failed > 0 {
        eprintln!("{} assertion(s) failed", o.failed);
        1
    } else {
        0
    }
}

/// `iamdl query --env ENV 'TEXT'`.
pub fn query(args: &QueryArgs, text: &str) -> i32 {
    if let Err(e) = parse(text) {
        eprint!("{}", e.render("query", text));
        return 2;
    }
    let engine = match super::load_env(&args.env_args()) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let mut s = Session::new(engine);
    exit_code(run_text(&mut s, "query", text, args.format))
}

/// `iamdl run --env ENV FILE.q...`: the files run in order in one session (rules carry over).
pub fn run_files(args: &QueryArgs, files: &[PathBuf]) -> i32 {
    let mut texts = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(t) => {
                if let Err(e) = parse(&t) {
                    eprint!("{}", e.render(&f.display().to_string(), &t));
                    return 2;
                }
                texts.push((f.display().to_string(), t));
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return 2;
            }
        }
    }
    let engine = match super::load_env(&args.env_args()) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let mut s = Session::new(engine);
    let mut total = Outcome::default();
    let mut first = true;
    for (name, t) in &texts {
        let o = run_text_with(&mut s, name, t, args.format, &mut first, &mut |x| {
            super::emit(x)
        });
        total.answered += o.answered;
        total.failed += o.failed;
        if o.error {
            total.error = true;
            break;
        }
    }
    exit_code(total)
}

/// `iamdl repl [--env ENV]`.
pub fn repl(args: &QueryArgs) -> i32 {
    crate::query::repl::run(args)
}
