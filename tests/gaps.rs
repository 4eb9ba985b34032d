//! Gap warnings (src/input/gaps.rs): what a snapshot shows is missing, told as warnings.

use std::path::Path;
use std::process::Command;

const A: &str = "111111111111";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn stderr_of(env: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(["can", "--env"])
        .arg(env)
        .args(["user/u", "s3:GetObject", "arn:aws:s3:::b1/k"])
        .output()
        .expect("run iamdl");
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn base(root: &Path) {
    write(
        root,
        &format!("accounts/{A}/iam/get-account-authorization-details.json"),
        &format!(
            r#"{{"UserDetailList": [{{"UserName": "u", "Arn": "arn:aws:iam::{A}:user/u"}}]}}"#
        ),
    );
    write(
        root,
        &format!("accounts/{A}/s3/list-buckets.json"),
        r#"{"Buckets": [{"Name": "b1"}, {"Name": "b2"}]}"#,
    );
    write(
        root,
        &format!("accounts/{A}/lambda/list-functions.us-east-1.json"),
        &format!(
            r#"{{"Functions": [{{"FunctionName": "f1", "FunctionArn": "arn:aws:lambda:us-east-1:{A}:function:f1"}}, {{"FunctionName": "f2", "FunctionArn": "arn:aws:lambda:us-east-1:{A}:function:f2"}}]}}"#
        ),
    );
    write(
        root,
        &format!("accounts/{A}/kms/list-keys.us-east-1.json"),
        &format!(
            r#"{{"Keys": [{{"KeyId": "k1", "KeyArn": "arn:aws:kms:us-east-1:{A}:key/k1"}}]}}"#
        ),
    );
}

#[test]
fn with_a_manifest_unrecorded_answers_are_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    base(root);
    // The collector asked for f1's and b1's policies and AWS said none; f2 and b2 were never
    // recorded. eu-west-1 was to be collected but has no inventory at all.
    write(
        root,
        "manifest.json",
        &format!(
            r#"{{"generator": "iamdl scripts/collect-snapshot.sh", "accounts": ["{A}"], "regions": ["us-east-1", "eu-west-1"], "skipped_accounts": ["222222222222"],
                "absent": ["accounts/{A}/lambda/get-policy/us-east-1/f1.json", "accounts/{A}/s3/get-bucket-policy/b1.json"]}}"#
        ),
    );
    write(
        root,
        "errors.log",
        "t\taccount=1\tregion=us-east-1\taws lambda get-policy\tAccessDenied\n",
    );
    let err = stderr_of(root);
    let f2 = format!("`arn:aws:lambda:us-east-1:{A}:function:f2` is in an inventory but no get-policy answer was recorded");
    assert!(err.contains(&f2), "{err}");
    assert!(!err.contains("function:f1`"), "f1 was answered: {err}");
    assert!(
        err.contains(
            "`arn:aws:s3:::b2` is in an inventory but no get-bucket-policy answer was recorded"
        ),
        "{err}"
    );
    assert!(!err.contains("`arn:aws:s3:::b1`"), "{err}");
    assert!(err.contains(&format!("accounts/{A}/kms/get-key-policy/us-east-1/k1.json: `arn:aws:kms:us-east-1:{A}:key/k1` is in an inventory but no key policy (every key has one) was recorded")), "{err}");
    assert!(err.contains(&format!("accounts/{A}/lambda/list-functions.eu-west-1.json: region eu-west-1 has no lambda inventory")), "{err}");
    assert!(
        err.contains("account 222222222222 could not be entered by the collector"),
        "{err}"
    );
    assert!(
        err.contains("errors.log: the collector logged 1 failed call(s)"),
        "{err}"
    );
}

#[test]
fn without_a_manifest_only_certain_gaps_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    base(root);
    // A hand-made snapshot: a missing function policy means "no policy" (the layout's rule) ...
    let err = stderr_of(root);
    assert!(!err.contains("no get-policy answer"), "{err}");
    assert!(!err.contains("no get-bucket-policy answer"), "{err}");
    // ... but a key without a key policy is always a gap, and so is a region with some of an
    // account's split inventories but not others.
    assert!(
        err.contains("no key policy (every key has one) was recorded"),
        "{err}"
    );
    write(
        root,
        &format!("accounts/{A}/lambda/list-functions.eu-west-1.json"),
        r#"{"Functions": []}"#,
    );
    let err = stderr_of(root);
    assert!(err.contains(&format!("accounts/{A}/kms/list-keys.eu-west-1.json: region eu-west-1 has other inventories of this account but not this one")), "{err}");
    // A malformed manifest is a warning naming it, never a failure.
    write(root, "manifest.json", "{\"accounts\": 5");
    // (a manifest that does not parse is reported whoever wrote it)
    let err = stderr_of(root);
    assert!(err.contains("manifest.json: at line 1 column"), "{err}");
    assert!(err.contains("gaps not checked"), "{err}");
}

#[test]
fn a_key_policy_in_a_region_folder_without_inventory_is_loaded_there() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &format!("accounts/{A}/iam/get-account-authorization-details.json"),
        &format!(
            r#"{{"UserDetailList": [{{"UserName": "u", "Arn": "arn:aws:iam::{A}:user/u"}}]}}"#
        ),
    );
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:user/u"}},"Action":"kms:Decrypt","Resource":"*"}}]}}"#
    );
    write(
        root,
        &format!("accounts/{A}/kms/get-key-policy/eu-west-1/k9.json"),
        &serde_json::json!({ "Policy": policy }).to_string(),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(["can", "--env"])
        .arg(root)
        .args([
            "user/u",
            "kms:Decrypt",
            &format!("arn:aws:kms:eu-west-1:{A}:key/k9"),
            "--format",
            "json",
        ])
        .output()
        .expect("run iamdl");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("key `k9` has a key policy but is not in kms/list-keys: loaded as arn:aws:kms:eu-west-1:{A}:key/k9")), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The key policy names the user (E8); grants are unknown, so it is allow (or conditional at worst).
    assert_ne!(v["decision"], "deny", "{v}");
    assert_eq!(v["reasons"][0]["layer"], "resource-based policy", "{v}");
}

/// Another tool's `manifest.json` (gen_org.py writes one with account objects) is not the
/// collector's and is ignored, without warnings.
#[test]
fn a_manifest_of_another_tool_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    base(root);
    write(
        root,
        "manifest.json",
        r#"{"generator": "gen_org.py", "accounts": [{"id": "111111111111", "name": "x"}]}"#,
    );
    let err = stderr_of(root);
    assert!(!err.contains("manifest.json"), "{err}");
}
