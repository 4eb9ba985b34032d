//! Loading is deterministic: an AWS-managed policy listed by several accounts' files is kept
//! from the file that comes first in the snapshot, whichever thread parsed it first — so the
//! file and JSON path a proof names, and the order of residual conditions (by policy), are the
//! same on every run.

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const MANAGED: &str = "arn:aws:iam::aws:policy/DemoReadOnly";
const ACCOUNTS: [&str; 6] = [
    "111111111111",
    "222222222222",
    "333333333333",
    "444444444444",
    "555555555555",
    "666666666666",
];

/// `get-account-authorization-details` of one account: user `u` with `DemoReadOnly` attached,
/// and the policy listed (as AWS lists the AWS-managed policies in use).
fn gaad(acct: &str) -> Value {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]});
    json!({
        "UserDetailList": [{
            "Path": "/", "UserName": "u", "UserId": format!("AIDA{acct}"),
            "Arn": format!("arn:aws:iam::{acct}:user/u"), "CreateDate": "2024-01-01T00:00:00Z",
            "UserPolicyList": [], "GroupList": [], "Tags": [],
            "AttachedManagedPolicies": [{"PolicyName": "DemoReadOnly", "PolicyArn": MANAGED}]
        }],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [{
            "PolicyName": "DemoReadOnly", "PolicyId": "ANPADEMO", "Arn": MANAGED, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": true,
            "CreateDate": "2024-01-01T00:00:00Z", "UpdateDate": "2024-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true,
                                   "CreateDate": "2024-01-01T00:00:00Z"}]
        }]
    })
}

/// Writes the snapshot. The first account's file is made large (4,000 more users), so that with
/// two or more threads another file reaches the shared policy first: the old first-come claim
/// then kept that file's copy.
fn write(root: &Path) {
    for a in ACCOUNTS {
        let dir = root.join("accounts").join(a).join("iam");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut g = gaad(a);
        if a == ACCOUNTS[0] {
            let users = g["UserDetailList"].as_array_mut().expect("users");
            for k in 0..4000 {
                let mut u = users[0].clone();
                u["UserName"] = json!(format!("bulk{k}"));
                u["UserId"] = json!(format!("AIDABULK{k}"));
                u["Arn"] = json!(format!("arn:aws:iam::{a}:user/bulk{k}"));
                users.push(u);
            }
        }
        let text = serde_json::to_string_pretty(&g).expect("json");
        std::fs::write(dir.join("get-account-authorization-details.json"), text).expect("write");
    }
}

#[test]
fn shared_aws_managed_policy_comes_from_the_first_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path());
    let env = dir.path().to_str().expect("utf-8 path");
    let last = ACCOUNTS[ACCOUNTS.len() - 1];
    let mut seen = Vec::new();
    for _ in 0..12 {
        let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
            .args([
                "can",
                "--env",
                env,
                &format!("arn:aws:iam::{last}:user/u"),
                "iam:GetUser",
                &format!("arn:aws:iam::{last}:user/u"),
                "--format",
                "json",
            ])
            .output()
            .expect("run iamdl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(v["decision"], "allow", "{text}");
        let reasons = v["reasons"].as_array().expect("reasons");
        let r = reasons
            .iter()
            .find(|r| r["policy"].as_str() == Some(MANAGED))
            .unwrap_or_else(|| panic!("no reason names {MANAGED}: {text}"));
        let file = r["file"].as_str().expect("file").to_string();
        assert!(
            file.starts_with(&format!("accounts/{}/iam/", ACCOUNTS[0])),
            "the proof names {file}, not the first account's file"
        );
        seen.push(file);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "different files named across runs: {seen:?}");
}
