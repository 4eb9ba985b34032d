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

/// The README's main command once named the demo bucket without its `acme-` prefix: a name
/// missing a short prefix is suggested too (distance up to a sixth of the ARN).
#[test]
fn bucket_missing_its_prefix_is_suggested_on_the_demo() {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "reach",
            "--format",
            "json",
            "arn:aws:s3:::orders-data-111111111111",
        ])
        .output()
        .expect("iamdl runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["notes"]
            .to_string()
            .contains("did you mean `arn:aws:s3:::acme-orders-data-111111111111`?"),
        "{}",
        v["notes"]
    );
}

/// The README's main command (default environment) answers about an inventoried bucket.
#[test]
fn readme_main_command_names_an_inventoried_bucket() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- reach "))
        .expect("main command in the README");
    let arn = line.rsplit(' ').next().expect("ARN");
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["reach", "--format", "json", arn])
        .output()
        .expect("iamdl runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        !v["notes"].to_string().contains("not in the environment"),
        "{}",
        v["notes"]
    );
    assert!(v["principals"].as_array().is_some_and(|p| !p.is_empty()));
}
