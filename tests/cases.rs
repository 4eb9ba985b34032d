//! Acceptance cases run through the real `iamdl` binary.
//!
//! Every line of every `facts/examples/<name>/expect.jsonl` and `tests/cases/<name>/expect.jsonl`
//! is one expectation, run against `<name>/env` with `--format json`. This is a faithful port of
//! `shared/tools/check_cases.py` (same argv, same checks, same messages), so a case passes here
//! exactly when it passes there. Expectation lines:
//!
//! ```text
//! {"cmd":"can","principal":P,"action":A,"resource":R,"context":{K:V},"decision":"allow|deny|conditional"}
//! {"cmd":"can",...,"exit":2}                      -> only the exit status is checked
//! {"cmd":"can-pass","principal":P,"role":ROLE,"service":S,"decision":...}
//! {"cmd":"who-can","action":A,"resource":R,"context":{...},"must_include":[...],"must_exclude":[...]}
//! {"cmd":"reach","resource":R,"must_include":[...],"must_exclude":[...]}
//! ```
//!
//! `must_include` items are a principal string, or `{"principal":P, "decision":D?, "via_includes":[ARN,...]?}`.
//! A principal counts as listed when an entry of `"principals"` names it with a decision other than
//! `"deny"` (entries without a decision count as listed). `must_exclude` items are principal strings.
//! A `via_includes` item matches a `via` entry equal to it or containing it (as in the checker).
//!
//! All failures are collected and reported together at the end, one line each. A panic or a
//! signal in the binary is a failure even when the line only checks the exit status.
//!
//! Environment knobs (optional): `IAMDL_CASES_ONLY=NAME` runs only cases whose folder name equals
//! or contains NAME; `IAMDL_CASES_TIMEOUT=SECONDS` changes the per-invocation timeout (default 60).
//!
//! This test depends on nothing outside the repository (CI runs on a clean clone).

use serde_json::{Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const DECISIONS: [&str; 3] = ["allow", "deny", "conditional"];
const CASE_ROOTS: [&str; 2] = ["facts/examples", "tests/cases"];
const DEFAULT_TIMEOUT_SECS: f64 = 60.0;

/// One expectation line to run.
struct Job {
    /// `facts/examples/demo:3`
    label: String,
    env: PathBuf,
    exp: Value,
}

/// What came of one expectation (or of a case folder without `expect.jsonl`).
struct Outcome {
    label: String,
    description: String,
    problems: Vec<String>,
}

// ------------------------------------------------------------------------------------------------
// Formatting helpers that mirror the Python checker's.

/// Python's `"%s" % v` for a JSON value: strings bare, everything else as Python would print it.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        other => other.to_string(),
    }
}

/// `str(exp.get(key))` for describe(): a missing key prints as `None`.
fn field(exp: &Value, key: &str) -> String {
    exp.get(key)
        .map(py_str)
        .unwrap_or_else(|| "None".to_string())
}

/// The checker's `tail`: strip, join lines with ` | `, keep the last `n` characters.
fn tail(text: &str, n: usize) -> String {
    let t = text.trim().replace('\n', " | ");
    let count = t.chars().count();
    if count <= n {
        t
    } else {
        let skip = count - n;
        format!("...{}", t.chars().skip(skip).collect::<String>())
    }
}

fn describe(exp: &Value) -> String {
    let cmd = exp.get("cmd");
    let mut s = match cmd.and_then(Value::as_str) {
        Some("can") => format!(
            "can {} {} {}",
            field(exp, "principal"),
            field(exp, "action"),
            field(exp, "resource")
        ),
        Some("can-pass") => format!(
            "can-pass {} {} {}",
            field(exp, "principal"),
            field(exp, "role"),
            field(exp, "service")
        ),
        Some("who-can") => format!(
            "who-can {} {}",
            field(exp, "action"),
            field(exp, "resource")
        ),
        Some("reach") => format!("reach {}", field(exp, "resource")),
        _ => cmd.map(py_str).unwrap_or_else(|| "None".to_string()),
    };
    if let Some(Value::Object(ctx)) = exp.get("context") {
        if !ctx.is_empty() {
            let parts: Vec<String> = ctx
                .iter()
                .map(|(k, v)| format!("--context {}={}", k, py_str(v)))
                .collect();
            s.push(' ');
            s.push_str(&parts.join(" "));
        }
    }
    s
}

// ------------------------------------------------------------------------------------------------
// argv

fn str_field<'a>(exp: &'a Value, key: &str) -> Result<&'a str, String> {
    match exp.get(key) {
        None => Err(format!("missing \"{key}\"")),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("\"{key}\" is not a string: {other}")),
    }
}

/// The checker's `build_argv`, without the binary itself.
fn build_args(env: &Path, exp: &Value) -> Result<Vec<String>, String> {
    if !exp.is_object() {
        return Err("expectation is not a JSON object".to_string());
    }
    let cmd = str_field(exp, "cmd")?;
    let mut args = vec![
        cmd.to_string(),
        "--env".to_string(),
        env.to_string_lossy().into_owned(),
    ];
    let keys: &[&str] = match cmd {
        "can" => &["principal", "action", "resource"],
        "can-pass" => &["principal", "role", "service"],
        "who-can" => &["action", "resource"],
        "reach" => &["resource"],
        other => return Err(format!("unknown cmd {other:?}")),
    };
    for k in keys {
        args.push(str_field(exp, k)?.to_string());
    }
    match exp.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ctx)) => {
            for (k, v) in ctx {
                let values: Vec<&Value> = match v {
                    Value::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                for one in values {
                    args.push("--context".to_string());
                    args.push(format!("{}={}", k, py_str(one)));
                }
            }
        }
        Some(other) => return Err(format!("\"context\" is not an object: {other}")),
    }
    args.push("--format".to_string());
    args.push("json".to_string());
    Ok(args)
}

// ------------------------------------------------------------------------------------------------
// Running the binary with a timeout.

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

fn kill_and_reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs the binary; `Err` is the checker's "problem" (timeout, could not run).
fn run(bin: &str, args: &[String], timeout: Duration) -> Result<Run, String> {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run binary: {e}"))?;
    // Read both pipes while waiting, so a chatty binary cannot block on a full pipe.
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill_and_reap(&mut child);
                let _ = out.join();
                let _ = err.join();
                return Err(format!("timed out after {}s", timeout.as_secs_f64()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                kill_and_reap(&mut child);
                let _ = out.join();
                let _ = err.join();
                return Err(format!("could not run binary: {e}"));
            }
        }
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    Ok(Run {
        status,
        stdout,
        stderr,
    })
}

#[cfg(unix)]
fn signal_of(status: &ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_status: &ExitStatus) -> Option<i32> {
    None
}

/// The checker's `crash_problem`: a signal, exit 101 or a panic message is a crash.
fn crash_problem(run: &Run) -> Option<String> {
    if let Some(sig) = signal_of(&run.status) {
        return Some(format!(
            "killed by signal {sig}; stderr: {}",
            tail(&run.stderr, 300)
        ));
    }
    let code = run.status.code();
    if code == Some(101) || run.stderr.contains("panicked at") {
        let shown = code
            .map(|c| c.to_string())
            .unwrap_or_else(|| "None".to_string());
        return Some(format!(
            "panicked (exit {shown}); stderr: {}",
            tail(&run.stderr, 300)
        ));
    }
    None
}

fn code_str(status: &ExitStatus) -> String {
    status
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "None".to_string())
}

// ------------------------------------------------------------------------------------------------
// Checking answers.

/// `str(ent.get("decision", "")).lower()`.
fn decision_of(ent: &Map<String, Value>) -> String {
    ent.get("decision")
        .map(py_str)
        .unwrap_or_default()
        .to_lowercase()
}

/// Principal -> its entries in a who-can / reach answer, in answer order.
type Listing = Vec<(String, Vec<Map<String, Value>>)>;

/// The checker's `listed`: principal -> entries whose decision is not "deny", in answer order.
fn listed(out: &Value) -> Option<Listing> {
    let principals = out.as_object()?.get("principals")?.as_array()?;
    let mut m: Listing = Vec::new();
    for ent in principals {
        let ent: Map<String, Value> = match ent {
            Value::String(s) => {
                let mut one = Map::new();
                one.insert("principal".to_string(), Value::String(s.clone()));
                one
            }
            Value::Object(o) => o.clone(),
            _ => continue,
        };
        let Some(p) = ent
            .get("principal")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        if decision_of(&ent) == "deny" {
            continue;
        }
        match m.iter_mut().find(|(name, _)| *name == p) {
            Some((_, entries)) => entries.push(ent),
            None => m.push((p, vec![ent])),
        }
    }
    Some(m)
}

/// `via` entries as strings: strings as they are, anything else as JSON text.
/// (The checker iterates `ent.get("via") or []`; a non-list `via` is taken here as one entry.)
fn via_of(ent: &Map<String, Value>) -> Vec<String> {
    match ent.get("via") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) if s.is_empty() => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(other) => vec![other.to_string()],
    }
}

fn check_listing(exp: &Value, out: &Value) -> Vec<String> {
    let Some(m) = listed(out) else {
        return vec![format!(
            "answer has no \"principals\" list: {}",
            tail(&out.to_string(), 200)
        )];
    };
    let lookup = |p: &str| m.iter().find(|(name, _)| name == p).map(|(_, e)| e);
    let mut problems = Vec::new();
    let empty = Vec::new();
    let includes = match exp.get("must_include") {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(items)) => items,
        Some(other) => {
            return vec![format!(
                "bad expectation line: \"must_include\" is not a list: {other}"
            )]
        }
    };
    for item in includes {
        let (p, want_dec, want_via): (String, Option<String>, Vec<String>) = match item {
            Value::String(s) => (s.clone(), None, Vec::new()),
            Value::Object(o) => {
                let Some(p) = o.get("principal").and_then(Value::as_str) else {
                    problems.push(format!("bad expectation line: must_include item without a \"principal\" string: {item}"));
                    continue;
                };
                let want_dec = match o.get("decision") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) if s.is_empty() => None,
                    Some(v) => Some(py_str(v)),
                };
                let want_via = match o.get("via_includes") {
                    Some(Value::Array(items)) => items.iter().map(py_str).collect(),
                    _ => Vec::new(),
                };
                (p.to_string(), want_dec, want_via)
            }
            other => {
                problems.push(format!("bad expectation line: must_include item is neither a string nor an object: {other}"));
                continue;
            }
        };
        let Some(entries) = lookup(&p) else {
            problems.push(format!("missing principal {p}"));
            continue;
        };
        let ok = |ent: &Map<String, Value>| {
            if let Some(d) = &want_dec {
                if decision_of(ent) != *d {
                    return false;
                }
            }
            let via = via_of(ent);
            want_via
                .iter()
                .all(|w| via.iter().any(|v| v == w || v.contains(w.as_str())))
        };
        if !entries.iter().any(ok) {
            let got: Vec<Value> = entries
                .iter()
                .map(|e| {
                    let mut g = Map::new();
                    g.insert(
                        "decision".to_string(),
                        e.get("decision").cloned().unwrap_or(Value::Null),
                    );
                    g.insert(
                        "via".to_string(),
                        e.get("via").cloned().unwrap_or(Value::Null),
                    );
                    Value::Object(g)
                })
                .collect();
            let mut wants = Vec::new();
            if let Some(d) = &want_dec {
                wants.push(format!("decision {d}"));
            }
            if !want_via.is_empty() {
                wants.push(format!("via including {want_via:?}"));
            }
            problems.push(format!(
                "principal {p} listed but without {} (got {})",
                wants.join(" and "),
                Value::Array(got)
            ));
        }
    }
    let excludes = match exp.get("must_exclude") {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(items)) => items,
        Some(other) => {
            problems.push(format!(
                "bad expectation line: \"must_exclude\" is not a list: {other}"
            ));
            &empty
        }
    };
    for p in excludes {
        let p = py_str(p);
        if let Some(entries) = lookup(&p) {
            let dec = entries[0]
                .get("decision")
                .map(py_str)
                .unwrap_or_else(|| "None".to_string());
            problems.push(format!(
                "principal {p} must not be listed (got decision {dec})"
            ));
        }
    }
    problems
}

/// The checker's `check_one`: the list of problems (empty when the expectation holds).
fn check_one(bin: &str, env: &Path, exp: &Value, timeout: Duration) -> Vec<String> {
    let args = match build_args(env, exp) {
        Ok(a) => a,
        Err(e) => return vec![format!("bad expectation line: {e}")],
    };
    let run = match run(bin, &args, timeout) {
        Ok(r) => r,
        Err(problem) => return vec![problem],
    };
    let crashed = crash_problem(&run);
    if let Some(want_exit) = exp.get("exit") {
        if let Some(c) = crashed {
            return vec![c];
        }
        let matches = match (run.status.code(), want_exit.as_i64()) {
            (Some(got), Some(want)) => i64::from(got) == want,
            _ => false,
        };
        if !matches {
            return vec![format!(
                "expected exit {}, got exit {}; stdout: {}; stderr: {}",
                py_str(want_exit),
                code_str(&run.status),
                tail(&run.stdout, 150),
                tail(&run.stderr, 150)
            )];
        }
        return Vec::new();
    }
    if let Some(c) = crashed {
        return vec![c];
    }
    if run.status.code() != Some(0) {
        return vec![format!(
            "expected exit 0, got {}; stderr: {}",
            code_str(&run.status),
            tail(&run.stderr, 300)
        )];
    }
    let data: Value = match serde_json::from_str(&run.stdout) {
        Ok(v) => v,
        Err(e) => {
            return vec![format!(
                "output is not JSON ({e}): {}",
                tail(&run.stdout, 200)
            )]
        }
    };
    let cmd = exp.get("cmd").and_then(Value::as_str).unwrap_or_default();
    if cmd == "can" || cmd == "can-pass" {
        let Some(decision) = data.as_object().and_then(|o| o.get("decision")) else {
            return vec![format!(
                "answer has no \"decision\": {}",
                tail(&run.stdout, 200)
            )];
        };
        let got = py_str(decision).to_lowercase();
        if !DECISIONS.contains(&got.as_str()) {
            return vec![format!(
                "decision {decision} is not one of {}",
                DECISIONS.join("/")
            )];
        }
        let Some(want) = exp.get("decision") else {
            return vec!["bad expectation line: missing \"decision\"".to_string()];
        };
        if got != py_str(want) {
            return vec![format!("expected {}, got {got}", py_str(want))];
        }
        return Vec::new();
    }
    check_listing(exp, &data)
}

// ------------------------------------------------------------------------------------------------
// Discovery and the test.

fn case_dirs(root: &Path, only: Option<&str>) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for rel in CASE_ROOTS {
        let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        if let Some(only) = only {
            let exact: Vec<String> = names.iter().filter(|n| *n == only).cloned().collect();
            names = if exact.is_empty() {
                names.into_iter().filter(|n| n.contains(only)).collect()
            } else {
                exact
            };
        }
        for n in names {
            out.push((format!("{rel}/{n}"), root.join(rel).join(&n)));
        }
    }
    out
}

#[test]
fn acceptance_cases() {
    let bin = env!("CARGO_BIN_EXE_iamdl");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let only = std::env::var("IAMDL_CASES_ONLY")
        .ok()
        .filter(|s| !s.is_empty());
    let timeout_secs = std::env::var("IAMDL_CASES_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    let timeout = Duration::from_secs_f64(timeout_secs);

    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    let dirs = case_dirs(root, only.as_deref());
    for (name, dir) in &dirs {
        let path = dir.join("expect.jsonl");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                outcomes.push(Outcome {
                    label: name.clone(),
                    description: "expect.jsonl".to_string(),
                    problems: vec![format!("no expect.jsonl ({e})")],
                });
                continue;
            }
        };
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let label = format!("{name}:{}", i + 1);
            match serde_json::from_str::<Value>(line) {
                Ok(exp) => jobs.push(Job {
                    label,
                    env: dir.join("env"),
                    exp,
                }),
                Err(e) => outcomes.push(Outcome {
                    label,
                    description: "(unparsed line)".to_string(),
                    problems: vec![format!("expectation is not JSON: {e}")],
                }),
            }
        }
    }

    // Run the expectations on a small pool of threads; results keep their input order.
    let workers = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..workers.min(jobs.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                let problems = check_one(bin, &job.env, &job.exp, timeout);
                let outcome = Outcome {
                    label: job.label.clone(),
                    description: describe(&job.exp),
                    problems,
                };
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    outcomes.extend(results.into_iter().flatten());
    outcomes.sort_by_key(|o| natural_key(&o.label));

    let total = outcomes.len();
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| {
            format!(
                "FAIL {}: {} -> {}",
                o.label,
                o.description,
                o.problems.join("; ")
            )
        })
        .collect();
    let passed = total - failures.len();
    eprintln!(
        "acceptance cases: {} folders, {passed} passed, {} failed",
        dirs.len(),
        failures.len()
    );
    if total == 0 {
        panic!(
            "no acceptance expectations found under {} (filter: {:?})",
            CASE_ROOTS
                .map(|r| root.join(r).display().to_string())
                .join(", "),
            only
        );
    }
    if !failures.is_empty() {
        panic!(
            "{} of {total} acceptance expectations failed:\n{}\n{passed} passed, {} failed",
            failures.len(),
            failures.join("\n"),
            failures.len()
        );
    }
}

/// Sorts `dir/name:10` after `dir/name:9`.
fn natural_key(label: &str) -> (String, usize) {
    match label.rsplit_once(':') {
        Some((name, n)) => (name.to_string(), n.parse().unwrap_or(0)),
        None => (label.to_string(), 0),
    }
}
