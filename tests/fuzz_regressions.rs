//! Inputs found by the fuzz targets in `fuzz/` that crashed, hung or exhausted the memory of a
//! loader, run through the real binary with 1 GiB of address space: each must end within 10 s
//! with the expected exit code (2: refused) and a message naming the file and saying what was
//! wrong, never a panic, a stack overflow or an allocation failure.
//!
//! `tests/fuzz-regressions/<name>` holds the input as the fuzzer found it (the file name picks
//! the loader the way `--env` does); `CASES` gives the exit code and the words the message must
//! contain.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// (file, exit code, what the message must contain).
const CASES: &[(&str, i32, &[&str])] = &[
    // A condition `{"Fn:AAA…:Equals": […]}` (a map that is no function) resolved to itself and
    // was evaluated again forever: a stack overflow (SIGSEGV) in `Resolver::eval_cond`.
    (
        "cfn-unknown-condition-function.json",
        2,
        &[
            "Conditions.SomeCondition",
            "is not a condition function",
            "expected Fn::Equals",
        ],
    ),
    // `${self:custom.parameterName}` inside custom.parameterName itself, twice per level: the
    // nesting limit (20) still let it double 20 times, past 2 GB (libFuzzer's out-of-memory).
    // Resolution now stops after 64 MB of work; the variables stay symbolic, with a warning.
    (
        "serverless.self-reference-bomb.yml",
        0,
        &["at $", "resolution stopped", "more than 64 MB"],
    ),
];

#[test]
fn fuzzer_findings_are_refused_with_a_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for (name, code, words) in CASES {
        let file = dir.join(name);
        assert!(file.is_file(), "missing {}", file.display());
        let t0 = Instant::now();
        // bash's `ulimit -v` (KiB) bounds the memory: an allocation failure aborts.
        let out = Command::new("bash")
            .arg("-c")
            .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_iamdl"))
            .args(["can", "--env"])
            .arg(&file)
            .args(["*", "s3:GetObject", "*"])
            .output()
            .expect("run iamdl");
        let el = t0.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        assert_eq!(out.status.code(), Some(*code), "{name}: {err}");
        assert!(el < Duration::from_secs(10), "{name} took {el:?}");
        assert!(
            err.contains(name),
            "{name}: the message names the file: {err}"
        );
        for w in *words {
            assert!(err.contains(w), "{name}: expected `{w}` in: {err}");
        }
        seen += 1;
    }
    // Every saved input has a case (none is left untested).
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, seen, "every file in {} has a case", dir.display());
}
