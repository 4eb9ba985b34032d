//! The interactive shell: rustyline with history across sessions, tab completion (keywords,
//! relations, principals, catalog actions, resource ARNs) and multi-line input (a statement
//! continues until the grammar says it is complete). When standard input is not a terminal
//! it reads statements line by line instead, so it can be scripted.

use super::eval::{Format, Session};
use super::parse::is_incomplete;
use super::relations::EngineRelations;
use crate::cli::query::{run_text_with, Outcome, QueryArgs};
use crate::engine::Engine;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

const KEYWORDS: &[&str] = &[
    "who",
    "can",
    "on",
    "reach",
    "do",
    "pass",
    "to",
    "what",
    "path",
    "from",
    "why",
    "not",
    "with",
    "where",
    "and",
    "assert",
    "none",
    "some",
    "count",
    "explain",
    "error",
    "needs",
    "for",
    "passing",
    "reading",
    "encrypted",
];

const COMMANDS: &[&str] = &[":help", ":load", ":env", ":relations", ":format", ":quit"];

const HELP: &str = "Questions (add `with KEY = VALUE, ...` for request context):
  who can ACTION on RESOURCE          who can reach RESOURCE
  can P do ACTION on RESOURCE         can P pass ROLE to SERVICE
  what can P do on RESOURCE           path from P to ROLE
  why can P do A on R                 why not P do A on R
Triage (as `iamdl explain-error` and `iamdl needs`):
  explain error \"PASTED MESSAGE\" [for P] [do ACTION] [on RESOURCE]
  needs P for ACTION on RESOURCE [passing ROLE] [reading ARN, ...] [from SOURCE_ARN]
                                 [encrypted with KEY_ARN]
Datalog:
  ?- allowed(P, \"s3:PutObject\", R), account(P, A), resource_account(R, B), A != B.
  name(X, Y) :- body.                 (rules may span lines; end them with `.`)
Assertions:
  assert none: QUESTION [where COLUMN OP VALUE and ...]
  assert count(QUESTION) <= N         assert some: QUESTION
Commands:
  :help  :relations  :format table|json|csv|markdown  :load FILE  :env PATH  :quit
Tab completes keywords, relations, principals, actions and resource ARNs.";

/// Where the history is kept: `$IAMDL_HISTORY`, else `$XDG_STATE_HOME/iamdl/history`, else
/// `~/.local/state/iamdl/history`.
pub fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("IAMDL_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("iamdl").join("history"))
}

/// Completion words of an environment: keywords, relations, principals (short and ARN),
/// resource ARNs and the catalog's actions.
pub fn completion_words(engine: &Engine, user_relations: &[String]) -> Vec<String> {
    let mut w: Vec<String> = KEYWORDS.iter().map(|s| s.to_string()).collect();
    w.extend(COMMANDS.iter().map(|s| s.to_string()));
    let rel = EngineRelations::new(engine, Default::default());
    use super::datalog::BaseRelations;
    w.extend(rel.describe().iter().map(|(n, _, _)| n.to_string()));
    w.extend(user_relations.iter().cloned());
    for pid in engine.principal_ids() {
        let arn = &engine.principal(pid).arn;
        w.push(arn.clone());
        if let Some((_, tail)) = arn.split_once(":user/").or(arn.split_once(":role/")) {
            let kind = if arn.contains(":user/") {
                "user"
            } else {
                "role"
            };
            let name = tail.rsplit('/').next().unwrap_or(tail);
            w.push(format!("{kind}/{name}"));
        }
    }
    for (r, _) in rel.resources() {
        w.push(r);
    }
    w.extend(engine.catalog.all_actions().map(|a| a.full_name()));
    w.sort();
    w.dedup();
    w
}

/// The candidates for the word ending at `pos` of `line`: `(start, candidates)`.
pub fn complete(words: &[String], line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = &line[..pos.min(line.len())];
    let start = before
        .rfind(|c: char| c.is_whitespace() || "(),\"".contains(c))
        .map(|i| i + 1)
        .unwrap_or(0);
    let prefix = &before[start..];
    if prefix.is_empty() {
        return (start, Vec::new());
    }
    let lower = prefix.to_ascii_lowercase();
    let cands: Vec<String> = words
        .iter()
        .filter(|w| w.to_ascii_lowercase().starts_with(&lower))
        .take(200)
        .cloned()
        .collect();
    (start, cands)
}

struct Helper {
    words: Vec<String>,
}

impl rustyline::completion::Completer for Helper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete(&self.words, line, pos))
    }
}

impl rustyline::hint::Hinter for Helper {
    type Hint = String;
}

impl rustyline::highlight::Highlighter for Helper {}

impl rustyline::validate::Validator for Helper {
    fn validate(
        &self,
        ctx: &mut rustyline::validate::ValidationContext,
    ) -> rustyline::Result<rustyline::validate::ValidationResult> {
        let input = ctx.input();
        if !input.trim_start().starts_with(':') && is_incomplete(input) {
            Ok(rustyline::validate::ValidationResult::Incomplete)
        } else {
            Ok(rustyline::validate::ValidationResult::Valid(None))
        }
    }
}

impl rustyline::Helper for Helper {}

fn colour(s: String, on: bool) -> String {
    if !on {
        return s;
    }
    let mut out = String::new();
    for line in s.split_inclusive('\n') {
        let c = [
            ("ALLOW", "32"),
            ("PASS", "32"),
            ("CONDITIONAL", "33"),
            ("DENY", "31"),
            ("FAIL", "31"),
        ]
        .iter()
        .find(|(w, _)| line.starts_with(w));
        match c {
            Some((w, code)) => {
                out.push_str(&format!("\x1b[1;{code}m{w}\x1b[0m{}", &line[w.len()..]))
            }
            None => out.push_str(line),
        }
    }
    out
}

struct Shell {
    session: Session,
    format: Format,
    args: QueryArgs,
    tty: bool,
    first: bool,
    /// Everything run so far: the exit status when reading from a pipe or a file.
    outcome: Outcome,
}

impl Shell {
    /// Runs one complete input (statements or a `:command`); returns false to quit.
    fn input(&mut self, text: &str) -> bool {
        let t = text.trim();
        if t.is_empty() {
            return true;
        }
        if let Some(cmd) = t.strip_prefix(':') {
            return self.command(cmd);
        }
        let t0 = std::time::Instant::now();
        let tty = self.tty;
        let o = run_text_with(
            &mut self.session,
            "repl",
            text,
            self.format,
            &mut self.first,
            &mut |s| {
                let mut s = colour(s, tty);
                if !s.ends_with('\n') {
                    s.push('\n');
                }
                print!("{s}");
            },
        );
        self.outcome.add(o);
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        if o.answered > 0 {
            if self.tty {
                println!("({ms:.1} ms)");
            } else {
                eprintln!("({ms:.1} ms)");
            }
        }
        true
    }

    fn command(&mut self, cmd: &str) -> bool {
        let (name, arg) = cmd.split_once(char::is_whitespace).unwrap_or((cmd, ""));
        let arg = arg.trim();
        match name {
            "q" | "quit" | "exit" => return false,
            "help" | "h" => println!("{HELP}"),
            "relations" => {
                let rel = EngineRelations::new(&self.session.engine, Default::default());
                use super::datalog::BaseRelations;
                for (n, cols, doc) in rel.describe() {
                    println!("{n}({})  {doc}", cols.join(", "));
                }
                for (n, k) in self.session.program.user_relations() {
                    println!("{n}/{k}  (rule)");
                }
            }
            "format" => match arg {
                "table" => self.format = Format::Table,
                "json" => self.format = Format::Json,
                "csv" => self.format = Format::Csv,
                "markdown" => self.format = Format::Markdown,
                _ => self.usage("error: :format takes table, json, csv or markdown".into()),
            },
            "load" => match std::fs::read_to_string(arg) {
                Ok(text) => {
                    let tty = self.tty;
                    let o = run_text_with(
                        &mut self.session,
                        arg,
                        &text,
                        self.format,
                        &mut self.first,
                        &mut |s| {
                            let mut s = colour(s, tty);
                            if !s.ends_with('\n') {
                                s.push('\n');
                            }
                            print!("{s}");
                        },
                    );
                    self.outcome.add(o);
                }
                Err(e) => self.usage(format!("error: cannot read {arg}: {e}")),
            },
            "env" => {
                let mut a = self.args.env_args();
                a.source.env = vec![PathBuf::from(arg)];
                if let Ok(engine) = crate::cli::load_env(&a) {
                    let program = std::mem::take(&mut self.session.program);
                    self.session = Session::new(engine);
                    self.session.program = program;
                    println!("environment {arg} loaded");
                } else {
                    self.outcome.errors += 1;
                }
            }
            _ => self.usage(format!(
                "error: unknown command `:{name}`; :help lists the commands"
            )),
        }
        true
    }

    /// Reports a bad command (counted as an error for the exit status).
    fn usage(&mut self, m: String) {
        eprintln!("{m}");
        self.outcome.errors += 1;
    }
}

/// Runs the REPL. On a terminal the exit status is 0 (2 when the environment cannot be
/// loaded); reading from a pipe or a file it is that of `iamdl run`: 2 after any error
/// (syntax, evaluation, a bad `:command`), else 1 after a failed assertion, else 0.
pub fn run(args: &QueryArgs) -> i32 {
    let engine = match crate::cli::load_env(&args.env_args()) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut shell = Shell {
        session: Session::new(engine),
        format: args.format,
        args: args.clone(),
        tty,
        first: true,
        outcome: Outcome::default(),
    };
    if !tty {
        let stdin = std::io::stdin();
        let mut buf = String::new();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if buf.trim().is_empty() && line.trim_start().starts_with(':') {
                if !shell.input(&line) {
                    break;
                }
                continue;
            }
            buf.push_str(&line);
            buf.push('\n');
            if !is_incomplete(&buf) {
                let text = std::mem::take(&mut buf);
                shell.input(&text);
            }
        }
        if !buf.trim().is_empty() {
            shell.input(&buf);
        }
        // Piped or redirected: the exit status gates CI like `iamdl run`.
        return crate::cli::query::finish(shell.outcome);
    }
    interactive(shell)
}

fn interactive(mut shell: Shell) -> i32 {
    let config = rustyline::Config::builder()
        .auto_add_history(false)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut rl: rustyline::Editor<Helper, rustyline::history::DefaultHistory> =
        match rustyline::Editor::with_config(config) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot start the line editor: {e}");
                return 2;
            }
        };
    let words = completion_words(&shell.session.engine, &[]);
    rl.set_helper(Some(Helper { words }));
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    println!(
        "iamdl query shell on {} — :help for help, Ctrl-D to quit",
        shell.session.engine.env.root
    );
    loop {
        match rl.readline("iamdl> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                    if let Some(h) = &hist {
                        if let Some(d) = h.parent() {
                            let _ = std::fs::create_dir_all(d);
                        }
                        let _ = rl.save_history(h);
                    }
                }
                if !shell.input(&line) {
                    break;
                }
                let users: Vec<String> = shell
                    .session
                    .program
                    .user_relations()
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect();
                if let Some(h) = rl.helper_mut() {
                    if line.trim_start().starts_with(":env")
                        || !users.iter().all(|u| h.words.contains(u))
                    {
                        h.words = completion_words(&shell.session.engine, &users);
                    }
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(_) => break,
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_keywords_relations_principals_actions_and_arns() {
        let path = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/facts/examples/query-demo/env"
        ));
        let env = crate::input::load(&path, &Default::default()).unwrap();
        let engine = Engine::new(env);
        let words = completion_words(&engine, &["external_writers".to_string()]);
        let c = |line: &str| complete(&words, line, line.len());
        assert_eq!(
            c("wh"),
            (
                0,
                ["what", "where", "who", "why"].map(String::from).to_vec()
            )
        );
        assert_eq!(c("?- allo").1, ["allowed"]);
        assert_eq!(c("?- exte").1, ["external_writers"]);
        assert_eq!(c("can role/ops").1, ["role/ops"]);
        assert_eq!(c("can user/al").0, 4);
        assert!(c("who can s3:GetObjectA")
            .1
            .contains(&"s3:GetObjectAcl".to_string()));
        assert_eq!(
            c("who can reach arn:aws:s3:::rep").1,
            ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]
        );
        assert_eq!(c(":rel").1, [":relations"]);
        assert_eq!(c("expl").1, ["explain"]);
        assert_eq!(
            c("needs role/lambda-exec for transcribe:StartCallAnalyticsJ").1,
            ["transcribe:StartCallAnalyticsJob"]
        );
        assert_eq!(
            c("needs role/x for s3:GetObject on * pass").1,
            ["pass", "passing"]
        );
        assert_eq!(
            c("?- allowed(\"arn:aws:kms").1,
            ["arn:aws:kms:eu-west-1:111111111111:key/abcd"]
        );
        assert!(c("who can ").1.is_empty());
    }

    #[test]
    fn history_file_location() {
        // IAMDL_HISTORY is the override the tests use; without it XDG_STATE_HOME or ~/.local/state.
        if let Some(p) = std::env::var_os("IAMDL_HISTORY") {
            assert_eq!(history_path(), Some(PathBuf::from(p)));
        } else if let Some(p) = history_path() {
            assert!(p.ends_with("iamdl/history"), "{}", p.display());
        }
    }
}
