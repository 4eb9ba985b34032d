//! A question about a resource the environment does not inventory says so (with the closest
//! known ARN), instead of quietly answering from the identity side only.

use std::process::Command;

fn reach_json(resource: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "reach",
            "--env",
            "facts/examples/query-demo/env",
            "--format",
            "json",
            resource,
        ])
        .output()
        .expect("iamdl runs");
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn misspelt_bucket_is_named_with_a_suggestion() {
    let a = reach_json("arn:aws:s3:::reprts");
    let notes = a["notes"].to_string();
    assert!(
        notes.contains("arn:aws:s3:::reprts is not in the environment's inventory"),
        "{notes}"
    );
    assert!(
        notes.contains("did you mean `arn:aws:s3:::reports`?"),
        "{notes}"
    );
    // A known bucket carries no such note.
    let b = reach_json("arn:aws:s3:::reports");
    assert!(
        !b["notes"].to_string().contains("not in the environment"),
        "{}",
        b["notes"]
    );
}
