//! Inputs found by the fuzz targets in `fuzz/` that crashed or hung a loader, run through the
//! real binary: each must be refused with exit code 2 and a message naming the file, where in it
//! the problem is and what was expected, never a panic or a stack overflow.
//!
//! `tests/fuzz-regressions/<name>` holds the input as the fuzzer found it (the file name picks
//! the loader the way `--env` does); `CASES` gives the words the message must contain.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// (file, what the error message must contain).
const CASES: &[(&str, &[&str])] = &[
    // A condition `{"Fn:AAA…:Equals": […]}` (a map that is no function) resolved to itself and
    // was evaluated again forever: a stack overflow (SIGSEGV) in `Resolver::eval_cond`.
    (
        "cfn-unknown-condition-function.json",
        &[
            "Conditions.SomeCondition",
            "is not a condition function",
            "expected Fn::Equals",
        ],
    ),
];

#[test]
fn fuzzer_findings_are_refused_with_a_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut seen = 0;
    for (name, words) in CASES {
        let file = dir.join(name);
        assert!(file.is_file(), "missing {}", file.display());
        let t0 = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
            .args(["can", "--env"])
            .arg(&file)
            .args(["role/r", "s3:GetObject", "*"])
            .output()
            .expect("run iamdl");
        let el = t0.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
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
