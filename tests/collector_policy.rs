//! `scripts/collector-policy.json`, the least-privilege policy for running the collector, is
//! checked by iamdl itself: a role holding only that policy can make every call the collector
//! makes (each AWS CLI command in scripts/collect-snapshot.sh, mapped to its IAM action), and
//! nothing that writes.

use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const A: &str = "111111111111";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (CLI command as written in the script, IAM action, a resource it is called on).
const CALLS: &[(&str, &str, &str)] = &[
    (
        "iam get-account-authorization-details",
        "iam:GetAccountAuthorizationDetails",
        "*",
    ),
    ("s3api list-buckets", "s3:ListAllMyBuckets", "*"),
    (
        "s3api get-bucket-policy",
        "s3:GetBucketPolicy",
        "arn:aws:s3:::any-bucket",
    ),
    (
        "s3api get-public-access-block",
        "s3:GetBucketPublicAccessBlock",
        "arn:aws:s3:::any-bucket",
    ),
    (
        "s3control get-public-access-block",
        "s3:GetAccountPublicAccessBlock",
        "*",
    ),
    ("lambda list-functions", "lambda:ListFunctions", "*"),
    (
        "lambda get-policy",
        "lambda:GetPolicy",
        "arn:aws:lambda:us-east-1:111111111111:function:f",
    ),
    ("kms list-keys", "kms:ListKeys", "*"),
    ("kms list-aliases", "kms:ListAliases", "*"),
    (
        "kms get-key-policy",
        "kms:GetKeyPolicy",
        "arn:aws:kms:us-east-1:111111111111:key/k",
    ),
    (
        "kms list-grants",
        "kms:ListGrants",
        "arn:aws:kms:us-east-1:111111111111:key/k",
    ),
    ("sqs list-queues", "sqs:ListQueues", "*"),
    (
        "sqs get-queue-attributes",
        "sqs:GetQueueAttributes",
        "arn:aws:sqs:us-east-1:111111111111:q",
    ),
    ("sns list-topics", "sns:ListTopics", "*"),
    (
        "sns get-topic-attributes",
        "sns:GetTopicAttributes",
        "arn:aws:sns:us-east-1:111111111111:t",
    ),
    (
        "secretsmanager list-secrets",
        "secretsmanager:ListSecrets",
        "*",
    ),
    (
        "secretsmanager get-resource-policy",
        "secretsmanager:GetResourcePolicy",
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:s-AbCdEf",
    ),
    ("ec2 describe-regions", "ec2:DescribeRegions", "*"),
    (
        "organizations describe-organization",
        "organizations:DescribeOrganization",
        "*",
    ),
    ("organizations list-roots", "organizations:ListRoots", "*"),
    (
        "organizations list-accounts",
        "organizations:ListAccounts",
        "*",
    ),
    (
        "organizations list-organizational-units-for-parent",
        "organizations:ListOrganizationalUnitsForParent",
        "*",
    ),
    (
        "organizations list-accounts-for-parent",
        "organizations:ListAccountsForParent",
        "*",
    ),
    (
        "organizations list-policies",
        "organizations:ListPolicies",
        "*",
    ),
    (
        "organizations describe-policy",
        "organizations:DescribePolicy",
        "*",
    ),
    (
        "organizations list-targets-for-policy",
        "organizations:ListTargetsForPolicy",
        "*",
    ),
    (
        "sts assume-role",
        "sts:AssumeRole",
        "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole",
    ),
];

fn can(env: &Path, action: &str, resource: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(["can", "--env"])
        .arg(env)
        .args(["role/collector", action, resource, "--format", "json"])
        .output()
        .expect("run iamdl");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn collector_policy_suffices_and_is_read_only() {
    let script =
        std::fs::read_to_string(Path::new(ROOT).join("scripts/collect-snapshot.sh")).unwrap();
    // Every AWS call in the script is in CALLS (sts get-caller-identity needs no permission).
    let services = [
        "iam",
        "s3api",
        "s3control",
        "lambda",
        "kms",
        "sqs",
        "sns",
        "secretsmanager",
        "ec2",
        "organizations",
        "sts",
    ];
    let words: Vec<&str> = script.split_whitespace().collect();
    let mut seen = std::collections::BTreeSet::new();
    for w in words.windows(2) {
        let svc = w[0].trim_start_matches(['(', '"']);
        if services.contains(&svc)
            && w[1].chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && w[1].contains('-')
        {
            let cmd = format!("{svc} {}", w[1]);
            if cmd == "sts get-caller-identity" {
                continue;
            }
            assert!(
                CALLS.iter().any(|(c, _, _)| *c == cmd),
                "the script calls `{cmd}`, not in CALLS"
            );
            seen.insert(cmd.clone());
            let verb = w[1].split('-').next().unwrap();
            assert!(
                ["get", "list", "describe", "assume"].contains(&verb),
                "`{cmd}` is not read-only"
            );
        }
    }
    assert_eq!(
        seen.len(),
        CALLS.len(),
        "every call of CALLS is in the script: {seen:?}"
    );
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("scripts/collector-policy.json")).unwrap(),
    )
    .unwrap();
    let gaad = json!({
        "RoleDetailList": [{
            "RoleName": "collector", "RoleId": "AROACOLLECTOR", "Path": "/",
            "Arn": format!("arn:aws:iam::{A}:role/collector"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "collector", "PolicyDocument": policy}]
        }]
    });
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(format!(
        "accounts/{A}/iam/get-account-authorization-details.json"
    ));
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, gaad.to_string()).unwrap();
    // The collector reads resources of the account it runs in: a bucket and a key with the
    // default key policy (which lets the account's IAM policies decide).
    let put = |rel: &str, v: Value| {
        let p = dir.path().join(format!("accounts/{A}/{rel}"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, v.to_string()).unwrap();
    };
    put(
        "s3/list-buckets.json",
        json!({"Buckets": [{"Name": "any-bucket"}]}),
    );
    put(
        "kms/list-keys.json",
        json!({"Keys": [{"KeyId": "k", "KeyArn": format!("arn:aws:kms:us-east-1:{A}:key/k")}]}),
    );
    put(
        "kms/get-key-policy/k.json",
        json!({"Policy": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "kms:*", "Resource": "*"}]}).to_string()}),
    );
    put("kms/list-grants/k.json", json!({"Grants": []}));
    for (cmd, action, resource) in CALLS {
        let v = can(dir.path(), action, resource);
        // Resources outside the snapshot may still have a policy of their own: the identity
        // side must allow (no blame on the identity layer), which is what the policy controls.
        let d = v["decision"].as_str().unwrap();
        assert!(
            d == "allow" || d == "conditional",
            "`{cmd}` ({action}) not allowed: {v}"
        );
        assert!(
            v["blame"].as_array().unwrap().is_empty(),
            "`{cmd}` ({action}): {v}"
        );
        assert_eq!(v["reasons"][0]["layer"], "identity-based policy", "{v}");
    }
    // And nothing that changes anything.
    for action in [
        "s3:PutBucketPolicy",
        "iam:CreateUser",
        "kms:Decrypt",
        "secretsmanager:GetSecretValue",
        "sts:AssumeRole",
    ] {
        let resource = if action == "sts:AssumeRole" {
            "arn:aws:iam::333333333333:role/Admin"
        } else {
            "*"
        };
        let v = can(dir.path(), action, resource);
        assert_eq!(v["decision"], "deny", "{action}: {v}");
    }
}
