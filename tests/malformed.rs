//! The malformed-input corpus (`tests/malformed/<case>/env`, written by
//! `tests/malformed/generate.py`): each case is a snapshot with one defect. The real binary must
//! refuse it with exit code 2, without panicking, and name the file, the JSON path or line and
//! what was expected: every line of `<case>/expect.txt` must appear in its error output.

use std::path::Path;
use std::process::Command;

#[test]
fn malformed_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/malformed")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("expect.txt").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expect = std::fs::read_to_string(case.join("expect.txt")).unwrap();
        let wanted: Vec<&str> = expect.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(
            wanted.len() >= 2,
            "{name}: expect.txt needs the file and the message"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
            .args(["can", "--env"])
            .arg(case.join("env"))
            .args(["user/u", "s3:GetObject", "arn:aws:s3:::b/k"])
            .output()
            .expect("run iamdl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{name}: exit code {:?}, expected 2\n{stderr}",
                out.status.code()
            ));
            continue;
        }
        if stderr.contains("panicked") {
            failures.push(format!("{name}: panicked\n{stderr}"));
            continue;
        }
        for w in &wanted {
            if !stderr.contains(w) {
                failures.push(format!("{name}: error output lacks `{w}`:\n{stderr}"));
            }
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{name}: answered from a malformed snapshot"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
