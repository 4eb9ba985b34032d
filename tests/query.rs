//! Query language end to end: golden files (tests/golden/*.q → .out/.err) run through the
//! real binary in batch (`iamdl run`) and through the REPL's standard input, and the
//! agreement of readable forms with their Datalog equivalents.
//!
//! A golden file starts with header comments: `# env: PATH`, `# format: table|json|csv|markdown`,
//! optionally `# exit: N` (default 0) and `# files: F...` (run those files instead of the golden
//! file itself). `UPDATE_GOLDEN=1 cargo test --release --test query` rewrites the outputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Golden {
    path: PathBuf,
    env: String,
    format: String,
    exit: i32,
    files: Vec<PathBuf>,
}

fn header(path: &Path) -> Golden {
    let text = std::fs::read_to_string(path).unwrap();
    let mut g = Golden {
        path: path.to_path_buf(),
        env: String::new(),
        format: "table".into(),
        exit: 0,
        files: vec![],
    };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# ") else {
            continue;
        };
        if let Some(v) = rest.strip_prefix("env: ") {
            g.env = v.trim().into();
        } else if let Some(v) = rest.strip_prefix("format: ") {
            g.format = v.trim().into();
        } else if let Some(v) = rest.strip_prefix("exit: ") {
            g.exit = v.trim().parse().unwrap();
        } else if let Some(v) = rest.strip_prefix("files: ") {
            g.files = v.split_whitespace().map(PathBuf::from).collect();
        }
    }
    assert!(!g.env.is_empty(), "{}: no `# env:` line", path.display());
    if g.files.is_empty() {
        g.files
            .push(path.strip_prefix(root()).unwrap().to_path_buf());
    }
    g
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_iamdl"));
    c.current_dir(root());
    c
}

fn check(expected_path: &Path, actual: &str, what: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(expected_path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_else(|_| {
        panic!(
            "missing {} (UPDATE_GOLDEN=1 writes it)",
            expected_path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{what}: output differs from {}",
        expected_path.display()
    );
}

fn goldens() -> Vec<Golden> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/golden"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "q"))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "golden files missing");
    v.iter().map(|p| header(p)).collect()
}

#[test]
fn golden_batch() {
    for g in goldens() {
        let out = bin()
            .args(["run", "--env", &g.env, "--format", &g.format])
            .args(&g.files)
            .output()
            .unwrap();
        let name = g.path.display().to_string();
        assert_eq!(
            out.status.code(),
            Some(g.exit),
            "{name}: exit status; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        check(
            &g.path.with_extension("out"),
            &String::from_utf8(out.stdout).unwrap(),
            &name,
        );
        if g.exit == 2 {
            check(
                &g.path.with_extension("err"),
                &String::from_utf8(out.stderr).unwrap(),
                &name,
            );
        }
    }
}

#[test]
fn golden_repl_stdin() {
    for g in goldens() {
        let mut input = String::new();
        for f in &g.files {
            input.push_str(&std::fs::read_to_string(root().join(f)).unwrap());
            input.push('\n');
        }
        let mut child = bin()
            .args(["repl", "--env", &g.env, "--format", &g.format])
            .env(
                "IAMDL_HISTORY",
                std::env::temp_dir().join("iamdl-test-unused-history"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let name = format!("{} (repl)", g.path.display());
        assert_eq!(
            out.status.code(),
            Some(g.exit),
            "{name}: piped, the REPL exits as `iamdl run` does"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        if g.exit == 2 {
            assert!(stderr.contains("error:"), "{name}: {stderr}");
            let want = std::fs::read_to_string(g.path.with_extension("err")).unwrap();
            let msg = want
                .lines()
                .next()
                .unwrap()
                .split("error: ")
                .nth(1)
                .unwrap();
            assert!(stderr.contains(msg), "{name}: expected `{msg}` in {stderr}");
        } else {
            let want = std::fs::read_to_string(g.path.with_extension("out")).unwrap();
            assert_eq!(stdout, want, "{name}: REPL output differs from batch");
            assert!(
                stderr.contains(" ms)"),
                "{name}: timing of each answer: {stderr}"
            );
        }
    }
}

#[test]
fn query_command_splits_on_semicolons_and_gates() {
    let out = bin()
        .args([
            "query",
            "--env",
            "facts/examples/query-demo/env",
            "--format",
            "json",
            "can user/alice do s3:GetObject on arn:aws:s3:::reports/q1.csv; ?- account(\"user/alice\", A).",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    // Two JSON documents: the `can` answer, then the Datalog table.
    let mut docs = serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>();
    let can = docs.next().unwrap().unwrap();
    assert_eq!(can["decision"], "allow");
    let rows = docs.next().unwrap().unwrap();
    assert_eq!(rows["columns"], serde_json::json!(["A"]));
    assert_eq!(rows["rows"], serde_json::json!([["111111111111"]]));
    // The readable form's JSON is the `can` subcommand's.
    let sub = bin()
        .args([
            "can",
            "--env",
            "facts/examples/query-demo/env",
            "--format",
            "json",
            "user/alice",
            "s3:GetObject",
            "arn:aws:s3:::reports/q1.csv",
        ])
        .output()
        .unwrap();
    let sub: serde_json::Value = serde_json::from_slice(&sub.stdout).unwrap();
    assert_eq!(can, sub);
    // A failing assertion exits 1, usage errors 2.
    let gate = bin()
        .args([
            "query",
            "--env",
            "facts/examples/query-demo/env",
            "assert none: can role/partner-writer do s3:PutObject on arn:aws:s3:::reports/incoming/a.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(gate.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gate.stdout).starts_with("FAIL assert none:"));
    let bad = bin().args(["query", "who can"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

mod agreement {
    use iamdl::engine::answer::Decision;
    use iamdl::engine::Engine;
    use iamdl::input::{load, LoadOptions};
    use iamdl::query::eval::{Output, Session};
    use iamdl::query::parse::parse;
    use std::collections::BTreeSet;

    fn session(env: &str) -> Session {
        let path = super::root().join(env);
        Session::new(Engine::new(load(&path, &LoadOptions::default()).unwrap()))
    }

    fn run(s: &mut Session, text: &str) -> Output {
        let stmts = parse(text).unwrap();
        let mut last = None;
        for st in &stmts {
            last = Some(s.eval(st, text).unwrap_or_else(|e| panic!("{text}: {e:?}")));
        }
        last.unwrap()
    }

    fn rows(o: Output) -> BTreeSet<Vec<String>> {
        match o {
            Output::Rows(t) => t.rows.into_iter().collect(),
            other => panic!("not rows: {other:?}"),
        }
    }

    /// `who can A on R` (direct rows) = `?- allowed(P, A, R)` ∪ conditional ones.
    #[test]
    fn who_can_matches_allowed_and_conditional() {
        let cases = [
            (
                "facts/examples/query-demo/env",
                "s3:PutObject",
                "arn:aws:s3:::reports/*",
            ),
            (
                "facts/examples/query-demo/env",
                "kms:Decrypt",
                "arn:aws:kms:eu-west-1:111111111111:key/abcd",
            ),
            (
                "facts/examples/demo/env",
                "s3:GetObject",
                "arn:aws:s3:::acme-data-lake-222222222222/x",
            ),
            (
                "facts/examples/03-cross-account-chain/env",
                "s3:PutObject",
                "arn:aws:s3:::b-data-222222222222/x",
            ),
        ];
        for (env, action, resource) in cases {
            let mut s = session(env);
            let Output::Who(w) = run(&mut s, &format!("who can {action} on {resource}")) else {
                panic!()
            };
            for (rel, want) in [
                ("allowed", Decision::Allow),
                ("conditional", Decision::Conditional),
            ] {
                let readable: BTreeSet<Vec<String>> = w
                    .principals
                    .iter()
                    .filter(|p| p.via.is_empty() && p.decision == want)
                    .map(|p| vec![p.principal.clone()])
                    .collect();
                let datalog = rows(run(
                    &mut s,
                    &format!("?- {rel}(P, \"{action}\", \"{resource}\")."),
                ));
                assert_eq!(
                    readable, datalog,
                    "{env}: who can {action} on {resource} vs {rel}"
                );
            }
            assert!(!w.principals.is_empty(), "{env}: a real answer");
        }
    }

    /// `can P do A on R` = `allowed("P", A, R)` / `conditional(...)`, for every principal.
    #[test]
    fn can_matches_allowed() {
        let mut s = session("facts/examples/query-demo/env");
        let principals = rows(run(&mut s, "?- principal(P, _)."));
        let mut allowed = 0;
        for p in principals {
            let p = &p[0];
            for (a, r) in [
                ("s3:GetObject", "arn:aws:s3:::reports/q1.csv"),
                (
                    "sts:AssumeRole",
                    "arn:aws:iam::111111111111:role/OrganizationAdmin",
                ),
            ] {
                let Output::Can(ans) = run(&mut s, &format!("can {p} do {a} on {r}")) else {
                    panic!()
                };
                let d = rows(run(
                    &mut s,
                    &format!("?- allowed(\"{p}\", \"{a}\", \"{r}\")."),
                ));
                assert_eq!(
                    ans.decision == Decision::Allow,
                    !d.is_empty(),
                    "{p} {a} {r}"
                );
                allowed += usize::from(!d.is_empty());
            }
        }
        assert!(allowed >= 3);
    }

    /// `what can P do on R` = `?- allowed("P", A, "R")` ∪ conditional.
    #[test]
    fn what_can_matches_allowed_with_unbound_action() {
        let mut s = session("facts/examples/query-demo/env");
        let Output::What(w) = run(&mut s, "what can user/alice do on arn:aws:s3:::reports") else {
            panic!()
        };
        let readable: BTreeSet<Vec<String>> = w
            .actions
            .iter()
            .filter(|e| e.decision == Decision::Allow)
            .map(|e| vec![e.action.clone()])
            .collect();
        let datalog = rows(run(
            &mut s,
            "?- allowed(\"user/alice\", A, \"arn:aws:s3:::reports\").",
        ));
        assert_eq!(readable, datalog);
        assert!(readable.contains(&vec!["s3:ListBucket".to_string()]));
    }

    /// `can P pass ROLE to S` = `can_pass(P, ROLE, S)`; `path from` = a chain of `may_assume`.
    #[test]
    fn pass_and_path_match_relations() {
        let mut s = session("facts/examples/query-demo/env");
        let Output::Pass(p) = run(
            &mut s,
            "can user/bob pass role/ci-admin to codebuild.amazonaws.com",
        ) else {
            panic!()
        };
        let d = rows(run(
            &mut s,
            "?- can_pass(\"user/bob\", \"role/ci-admin\", \"codebuild.amazonaws.com\").",
        ));
        assert_eq!(p.decision == Decision::Allow, !d.is_empty());
        assert_eq!(p.decision, Decision::Allow);
        let Output::Path(path) = run(&mut s, "path from user/alice to role/OrganizationAdmin")
        else {
            panic!()
        };
        assert_eq!(path.path.len(), 2);
        for e in &path.path {
            let d = rows(run(
                &mut s,
                &format!("?- may_assume(\"{}\", \"{}\").", e.from, e.to),
            ));
            assert_eq!(d.len(), 1, "{e:?}");
        }
        let two = rows(run(
            &mut s,
            "?- may_assume(\"user/alice\", X), may_assume(X, \"role/OrganizationAdmin\").",
        ));
        assert_eq!(two, BTreeSet::from([vec![path.path[0].to.clone()]]));
    }
}

/// Every error message of evaluation, with the offending text located.
mod errors {
    use iamdl::engine::Engine;
    use iamdl::input::{load, LoadOptions};
    use iamdl::query::eval::Session;
    use iamdl::query::parse::parse;

    fn session() -> Session {
        let path = super::root().join("facts/examples/query-demo/env");
        Session::new(Engine::new(load(&path, &LoadOptions::default()).unwrap()))
    }

    /// Runs `text`; returns the rendered error of the first failing statement.
    fn fails(s: &mut Session, text: &str) -> String {
        for st in parse(text).unwrap() {
            if let Err(e) = s.eval(&st, text) {
                return e.render("q", text);
            }
        }
        panic!("no error: {text}")
    }

    #[test]
    fn messages() {
        let mut s = session();
        let cases: &[(&str, &str)] = &[
            ("?- alowed(P, \"s3:GetObject\", R).", "q:1:4: error: unknown relation `alowed` (did you mean `allowed`?)"),
            ("?- account(P).", "q:1:4: error: `account` takes 2 argument(s), not 1: account(P, A)"),
            ("allowed(X) :- principal(X, _).", "q:1:1: error: `allowed` is a built-in relation"),
            ("p(X) :- principal(X, _).\np(X, Y) :- account(X, Y).", "q:2:1: error: `p` was defined with 1 argument(s), here it has 2"),
            ("a(X) :- principal(X, _), not b(X).\nb(X) :- principal(X, _), not a(X).\n?- a(X).", "depends on its own negation"),
            ("?- allowed(P, A, R).", "q:1:15: error: allowed(P, A, R) with both the action A and the resource R unbound"),
            ("?- conditional(P, A, _).", "conditional(P, A, R) with both the action A and the resource R unbound"),
            ("?- allowed(P, \"s3:GetObjct\", R).", "q:1:15: error: `s3:GetObjct` is not in the IAM action catalog (did you mean `s3:GetObject`?)"),
            ("?- allowed(\"user/alise\", \"s3:GetObject\", \"*\").", "q:1:12: error: no user named `alise` in the environment (did you mean `arn:aws:iam::111111111111:user/alice`?)"),
            ("who can s3:GetObjct on *", "q:1:9: error: `s3:GetObjct` is not in the IAM action catalog (did you mean `s3:GetObject`?)"),
            ("who can GetObject on *", "q:1:9: error: `GetObject` is not an action: expected SERVICE:Action"),
            ("can user/alise do s3:GetObject on *", "q:1:5: error: no user named `alise` in the environment (did you mean `arn:aws:iam::111111111111:user/alice`?)"),
            ("can role/OrganisationAdmin do s3:GetObject on *", "(did you mean `arn:aws:iam::111111111111:role/OrganizationAdmin`?)"),
            ("who can s3:GetObject on reports", "q:1:25: error: `reports` is not a resource: expected an ARN"),
            ("can user/alice pass user/bob to lambda.amazonaws.com", "q:1:21: error: `user/bob` is not a role"),
            ("can user/alice pass role/ops to lambda", "q:1:33: error: `lambda` is not a service principal"),
            ("assert none: who can reach arn:aws:s3:::reports where acount = x", "q:1:55: error: no column `acount` in this answer; its columns are principal, account, kind, decision, access, via, conditions"),
        ];
        for (text, want) in cases {
            let got = fails(&mut s, text);
            assert!(got.contains(want), "{text}:\n{got}\nwanted: {want}");
            assert!(
                got.contains(" | ") && got.contains('^'),
                "caret line: {got}"
            );
            s = session();
        }
    }
}

/// The REPL under a pseudo-terminal: tab completion and history across sessions.
#[cfg(unix)]
#[test]
fn repl_under_a_pty_completes_and_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history");
    let spawn = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamdl"));
        cmd.current_dir(root())
            .args(["repl", "--env", "facts/examples/query-demo/env"])
            .env("IAMDL_HISTORY", &hist)
            .env("TERM", "xterm");
        rexpect::session::spawn_command(cmd, Some(10_000)).unwrap()
    };
    let mut p = spawn();
    p.exp_string("iamdl> ").unwrap();
    // `role/OrganizationA<TAB>` completes to the only principal with that prefix.
    p.send("can role/OrganizationA\t").unwrap();
    p.flush().unwrap();
    p.exp_string("role/OrganizationAdmin").unwrap();
    p.send_line(" do sts:AssumeRole on role/ops").unwrap();
    p.exp_string("ALLOW").unwrap();
    p.exp_string(" ms)").unwrap();
    // A rule over two lines: the shell waits for the `.`.
    p.send_line("admins(P) :- allowed(P, \"iam:AttachRolePolicy\",")
        .unwrap();
    p.send_line("  \"role/ci-admin\").").unwrap();
    p.exp_string(" ms)").unwrap();
    p.exp_string("iamdl> ").unwrap();
    p.send_line("?- admins(P).").unwrap();
    p.exp_string("role/OrganizationAdmin").unwrap();
    p.exp_string(" ms)").unwrap();
    p.exp_string("iamdl> ").unwrap();
    // On a terminal a failed assertion and a syntax error do not end the session, and the
    // exit status stays 0.
    p.send_line("assert none: can role/partner-writer do s3:PutObject on arn:aws:s3:::reports/incoming/a.csv")
        .unwrap();
    p.exp_string("FAIL").unwrap();
    p.exp_string("iamdl> ").unwrap();
    p.send_line("nedds user/alice for s3:GetObject on *")
        .unwrap();
    p.exp_string("(did you mean `needs`?)").unwrap();
    p.exp_string("iamdl> ").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    assert!(matches!(
        p.process.wait(),
        Ok(rexpect::process::wait::WaitStatus::Exited(_, 0))
    ));
    let saved = std::fs::read_to_string(&hist).unwrap();
    assert!(
        saved.contains("can role/OrganizationAdmin do sts:AssumeRole on role/ops"),
        "{saved}"
    );
    // A new session: Up arrow brings back the previous session's lines.
    let mut p = spawn();
    p.exp_string("iamdl> ").unwrap();
    p.send("\x1b[A").unwrap(); // :quit
    p.send("\x1b[A").unwrap(); // nedds ...
    p.send("\x1b[A").unwrap(); // assert none: ...
    p.send("\x1b[A").unwrap(); // ?- admins(P).
    p.flush().unwrap();
    p.exp_string("?- admins(P).").unwrap();
    p.send_control('u').unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn repl_commands_over_stdin() {
    let input = ":relations\n:format csv\n:env facts/examples/01-transcribe-passrole/env\n\
can role/lambda-exec pass role/transcribe-data to transcribe.amazonaws.com\n\
:env facts/examples/02-serverless-default-role/env\n:format table\n:load tests/golden/examples-02.q\n\
:nope\n:help\n:quit\nwho can s3:GetObject on *\n";
    let mut child = bin()
        .args(["repl", "--env", "facts/examples/query-demo/env"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("reaches(P, R)  P can perform some action on R"),
        "{stdout}"
    );
    assert!(stdout.contains("environment facts/examples/01-transcribe-passrole/env loaded"));
    assert!(stdout.contains("principal,role,service,decision\narn:aws:iam::111111111111:role/lambda-exec,arn:aws:iam::111111111111:role/transcribe-data,transcribe.amazonaws.com,allow\n"), "{stdout}");
    let golden = std::fs::read_to_string(root().join("tests/golden/examples-02.out")).unwrap();
    assert!(stdout.contains(&golden), "{stdout}");
    assert!(stderr.contains("unknown command `:nope`"), "{stderr}");
    // Piped, a bad command is an error for the exit status (2), as in `iamdl run`.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.contains("who can ACTION on RESOURCE"), "help text");
    // Nothing after :quit runs; no colours when piped.
    assert!(!stdout.contains("principal(s) can s3:GetObject"));
    assert!(!stdout.contains('\x1b'));
}

/// Runs the REPL with `input` piped to its standard input: (exit status, stdout, stderr).
fn repl_piped(env: &str, format: &str, input: &str) -> (Option<i32>, String, String) {
    let mut child = bin()
        .args(["repl", "--env", env, "--format", format])
        .env(
            "IAMDL_HISTORY",
            std::env::temp_dir().join("iamdl-test-unused-history"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The `error: ` lines of a stderr, without the origin.
fn error_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains(": error: "))
        .map(|l| l.to_string())
        .collect()
}

/// Issue 3, "report every problem in one run": a file with three bad statements reports all
/// three at their positions, with the caret and what was expected; the good statements run.
#[test]
fn run_reports_every_bad_statement() {
    let out = bin()
        .args([
            "run",
            "--env",
            "facts/examples/query-demo/env",
            "tests/golden/error-many.q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        error_lines(&stderr),
        [
            "tests/golden/error-many.q:8:22: error: unexpected `arn:aws:s3:::reports/*`: expected `on`",
            "tests/golden/error-many.q:11:1: error: unexpected `can`: expected one of `,`, `.` or `with` (a Datalog query or rule ends with `.`) (in the statement that starts on line 10)",
            "tests/golden/error-many.q:14:24: error: unexpected character `|`: words are names, ARNs, actions or numbers; quote other text with \"...\"",
        ]
    );
    assert!(
        stderr.contains(" 8 | who can s3:GetObject arn:aws:s3:::reports/*\n   |                      ^^^^^^^^^^^^^^^^^^^^^^\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(" 14 | what can user/alice do | on arn:aws:s3:::reports; ?- account(\"user/alice\", A).\n    |                        ^\n"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("3 error(s); the other 5 statement(s) were run\n"),
        "{stderr}"
    );
    // The five good statements ran, the bad ones did not.
    assert!(stdout.starts_with("8 principal(s) can s3:GetObject on arn:aws:s3:::reports/q1.csv\n"));
    assert!(stdout.contains(
        "ALLOW: arn:aws:iam::111111111111:user/alice s3:GetObject on arn:aws:s3:::reports/q1.csv"
    ));
    assert!(stdout.contains("ALLOW: path from arn:aws:iam::111111111111:user/alice"));
    assert!(stdout.contains("PASS assert some:"));
    assert!(
        stdout.ends_with("A\n------------\n111111111111\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("action(s) of"),
        "the bad `what can` did not run"
    );

    // Two files: every syntax error of both is listed before anything runs; a failed
    // assertion in the good part is reported too, and the status stays 2.
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.q");
    let b = dir.path().join("b.q");
    std::fs::write(&a, "who can reach arn:aws:s3:::reports\nwhat can do\n").unwrap();
    std::fs::write(
        &b,
        "assert none: who can reach arn:aws:s3:::reports\npath from user/alice role/ops\n",
    )
    .unwrap();
    let out = bin()
        .args(["run", "--env", "facts/examples/query-demo/env"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let errs = error_lines(&stderr);
    assert_eq!(errs.len(), 2, "{stderr}");
    assert!(errs[0].ends_with("a.q:2:10: error: unexpected `do`: expected a word (name, ARN, action, number or variable)"), "{stderr}");
    assert!(
        errs[1].ends_with("b.q:2:22: error: unexpected `role/ops`: expected `to`"),
        "{stderr}"
    );
    assert!(stderr.contains("1 assertion(s) failed"), "{stderr}");
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("FAIL assert none:"));
}

/// `iamdl query 'a; b; c'`: each bad statement between `;` is its own error.
#[test]
fn query_reports_every_bad_statement() {
    let out = bin()
        .args([
            "query",
            "--env",
            "facts/examples/query-demo/env",
            "who can s3:GetObject arn:aws:s3:::x; ?- account(\"user/alice\", A).; can user/alice pass role/ops; ?- principal(P, \"a;b.c\").",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        error_lines(&stderr),
        [
            "query:1:22: error: unexpected `arn:aws:s3:::x`: expected `on`",
            "query:1:96: error: unexpected `;`: expected `to`",
        ]
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("111111111111"), "{stdout}");
    assert!(
        stdout.contains("0 row(s)"),
        "the `;` inside the string is not a separator: {stdout}"
    );
}

/// Piped or redirected, the REPL gates CI: 1 after a failed assertion, 2 after a syntax error,
/// 0 otherwise; it keeps reading after either.
#[test]
fn repl_exit_status_when_not_a_terminal() {
    let env = "facts/examples/query-demo/env";
    let (code, out, err) = repl_piped(env, "table", "who can reach arn:aws:s3:::reports\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("arn:aws:iam::111111111111:user/alice"));
    let (code, out, err) = repl_piped(
        env,
        "table",
        "assert none: can role/partner-writer do s3:PutObject on arn:aws:s3:::reports/incoming/a.csv\nassert some: ?- principal(P, \"user\").\n",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.contains("FAIL assert none:") && out.contains("PASS assert some:"),
        "{out}"
    );
    assert!(err.contains("1 assertion(s) failed"), "{err}");
    let (code, out, err) = repl_piped(
        env,
        "table",
        "who can s3:GetObject arn:aws:s3:::x\nassert none: can role/partner-writer do s3:PutObject on arn:aws:s3:::reports/incoming/a.csv\n?- account(\"user/alice\", A).\n",
    );
    assert_eq!(
        code,
        Some(2),
        "a syntax error wins over a failed assertion: {err}"
    );
    assert!(
        err.contains("repl:1:22: error: unexpected `arn:aws:s3:::x`: expected `on`"),
        "{err}"
    );
    assert!(
        out.contains("FAIL assert none:") && out.contains("111111111111"),
        "{out}"
    );
    // `iamdl repl < file.q`: standard input redirected from a file.
    let file = std::fs::File::open(root().join("queries/gates.q")).unwrap();
    let out = bin()
        .args(["repl", "--env", env])
        .env(
            "IAMDL_HISTORY",
            std::env::temp_dir().join("iamdl-test-unused-history"),
        )
        .stdin(Stdio::from(file))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let golden = std::fs::read_to_string(root().join("tests/golden/gates.out")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), golden);
}

/// Issue 4's forms in the language print what the subcommands print (JSON objects equal), in
/// batch and through the REPL's standard input.
#[test]
fn explain_error_and_needs_match_the_subcommands() {
    let env6 = "facts/examples/06-transcribe-stage1-passrole/env";
    let msg = "An error occurred (AccessDeniedException) when calling the StartCallAnalyticsJob operation: User: arn:aws:sts::111111111111:assumed-role/lambda-exec/start-transcription is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/transcribe-data because no identity-based policy allows the iam:PassRole action";
    let json = |args: &[&str]| -> serde_json::Value {
        let out = bin().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let stmt = format!("explain error \"{msg}\"");
    let q = json(&["query", "--env", env6, "--format", "json", &stmt]);
    let sub = json(&["explain-error", "--env", env6, "--format", "json", msg]);
    assert_eq!(q, sub);
    assert_eq!(q["blame"][0]["layer"], "identity");
    assert_eq!(q["after_fix_decision"], "allow");
    let (code, out, err) = repl_piped(env6, "json", &format!("{stmt}\n"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        sub
    );

    let env8 = "facts/examples/08-lexv2-lambda/env";
    let f = "arn:aws:lambda:us-east-1:111111111111:function:OrderFlowersFulfillment";
    let alias = "arn:aws:lex:us-east-1:111111111111:bot-alias/ORDERBOT01/TSTALIASID";
    let stmt = format!("needs lexv2.amazonaws.com for lambda:InvokeFunction on {f} from {alias}");
    let q = json(&["query", "--env", env8, "--format", "json", &stmt]);
    let sub = json(&[
        "needs",
        "--env",
        env8,
        "--format",
        "json",
        "lexv2.amazonaws.com",
        "lambda:InvokeFunction",
        f,
        "--source-arn",
        alias,
    ]);
    assert_eq!(q, sub);
    assert_eq!(q["all_met"], false);
    let req = &q["requirements"][0];
    assert_eq!(req["status"], "missing");
    let cond = req["fixes"][0]["statement"]["Condition"].to_string();
    assert!(cond.contains(alias), "{cond}");
    let (code, out, err) = repl_piped(env8, "json", &format!("{stmt}\n"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        sub
    );

    // needs with every option, against `iamdl needs` with the matching flags (table text).
    let role_session = "arn:aws:sts::111111111111:assumed-role/lambda-exec/start-transcription";
    let media = "arn:aws:s3:::media-111111111111/calls/2026-03-01/call-0042.wav";
    let stmt = format!("needs {role_session} for transcribe:StartCallAnalyticsJob on * passing role/transcribe-data reading {media} with aws:SourceAccount = \"111111111111\"");
    let q = bin()
        .args(["query", "--env", env6, &stmt])
        .output()
        .unwrap();
    let sub = bin()
        .args([
            "needs",
            "--env",
            env6,
            role_session,
            "transcribe:StartCallAnalyticsJob",
            "*",
            "--pass-role",
            "role/transcribe-data",
            "--data",
            media,
            "--context",
            "aws:SourceAccount=111111111111",
        ])
        .output()
        .unwrap();
    assert_eq!(q.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(q.stdout).unwrap(),
        String::from_utf8(sub.stdout).unwrap()
    );

    // Errors: located in the statement, exit 2.
    let bad = |env: &str, text: &str| -> String {
        let out = bin().args(["query", "--env", env, text]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        String::from_utf8(out.stderr).unwrap()
    };
    let e = bad(env6, "explain error \"it broke\"");
    assert!(e.starts_with("query:1:15: error: cannot read the error text: no known AccessDenied shape matched. Shapes understood:"), "{e}");
    assert!(
        e.contains("give `for PRINCIPAL` and `on RESOURCE`"),
        "the clauses, not the flags: {e}"
    );
    let e = bad(env6, "explain error \"Access Denied\"");
    assert!(
        e.contains("the message does not say the principal: give it with `for PRINCIPAL`"),
        "{e}"
    );
    let e = bad(env6, "needs role/lambda-exec for transcribe:StartCallAnalyticsJob on * passing role/transcribe-dat");
    assert!(e.contains("query:1:74: error: no role named `transcribe-dat` in the environment (did you mean `arn:aws:iam::111111111111:role/transcribe-data`?)"), "{e}");
    let e = bad(
        env6,
        "needs role/lambda-exec for transcribe:StartCallAnalytcsJob on *",
    );
    assert!(e.contains("query:1:28: error: `transcribe:StartCallAnalytcsJob` is not in the IAM action catalog (did you mean `transcribe:StartCallAnalyticsJob`?)"), "{e}");
}
