//! Limits instead of hangs: hostile or absurd inputs end in bounded time with a clear message
//! (or a correct answer), through the real binary. Each test prints its elapsed time.
//!
//! Bounds are generous (the machine is shared); the figures measured are in the README.

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const A: &str = "111111111111";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn gaad_path() -> String {
    format!("accounts/{A}/iam/get-account-authorization-details.json")
}

fn user_with(doc: Value) -> Value {
    json!({
        "UserDetailList": [{
            "UserName": "u", "UserId": "AIDAU", "Arn": format!("arn:aws:iam::{A}:user/u"),
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": doc}]
        }],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": []
    })
}

/// Runs iamdl with `args`, asserting it ends within `limit` and never panics.
fn iamdl(args: &[&str], limit: Duration, what: &str) -> (Output, String) {
    let t0 = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(args)
        .output()
        .expect("run iamdl");
    let el = t0.elapsed();
    eprintln!("{what}: {el:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
    assert!(el < limit, "{what} took {el:?} (limit {limit:?})");
    (out, stderr)
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn deeply_nested_json_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    // Nesting in a field the loader skips: skipped without recursion, in bounded time.
    let text = format!(
        r#"{{"UserDetailList": [{{"UserName": "u", "Arn": "arn:aws:iam::{A}:user/u", "Extra": {}}}]}}"#,
        nested(100_000)
    );
    write(dir.path(), &gaad_path(), &text);
    let env = dir.path().to_str().unwrap();
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:GetObject",
            "*",
            "--format",
            "json",
        ],
        Duration::from_secs(10),
        "100k-deep unknown field",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "deny", "{v}");

    // Nesting inside a policy document: refused, naming the file and the JSON path.
    let text = format!(
        r#"{{"RoleDetailList": [{{"RoleName": "r", "Arn": "arn:aws:iam::{A}:role/r", "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {{"StringEquals": {{"a:b": {}}}}}}}]}}}}]}}"#,
        nested(100_000)
    );
    write(dir.path(), &gaad_path(), &text);
    let (out, err) = iamdl(
        &["can", "--env", env, "role/r", "s3:GetObject", "*"],
        Duration::from_secs(10),
        "100k-deep condition value",
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&gaad_path()), "{err}");
    assert!(err.contains("recursion limit exceeded"), "{err}");
    assert!(
        err.contains("$.RoleDetailList[0].AssumeRolePolicyDocument.Statement[0].Condition.StringEquals.a:b[0]"),
        "{err}"
    );

    // ... and inside a policy document held in a JSON string (decoded separately).
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{{"StringEquals":{{"aws:username":{}}}}}}}]}}"#,
        nested(50_000)
    );
    let dir2 = tempfile::tempdir().unwrap();
    write(dir2.path(), &gaad_path(), &user_with(json!({})).to_string());
    write(
        dir2.path(),
        &format!("accounts/{A}/s3/get-bucket-policy/b.json"),
        &json!({ "Policy": doc }).to_string(),
    );
    let env2 = dir2.path().to_str().unwrap();
    let (out, err) = iamdl(
        &["can", "--env", env2, "user/u", "s3:GetObject", "*"],
        Duration::from_secs(10),
        "50k-deep embedded policy",
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("s3/get-bucket-policy/b.json"), "{err}");
    assert!(err.contains("recursion limit exceeded"), "{err}");
}

#[test]
fn huge_policy_with_many_statements_loads_and_answers_in_bounded_time() {
    // 100,000 statements (AWS allows 10 KB of inline policy; this is about 9 MB).
    let mut stmts: Vec<Value> = (0..100_000)
        .map(|i| json!({"Effect": "Allow", "Action": format!("s3:Get{i}"), "Resource": format!("arn:aws:s3:::bucket-{i}/*")}))
        .collect();
    stmts.push(
        json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::target/*"}),
    );
    let doc = json!({"Version": "2012-10-17", "Statement": stmts});
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &gaad_path(), &user_with(doc).to_string());
    let env = dir.path().to_str().unwrap();
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:GetObject",
            "arn:aws:s3:::target/k",
            "--format",
            "json",
        ],
        Duration::from_secs(30),
        "100k statements",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "conditional", "{v}"); // the bucket's own policy is unknown
    assert_eq!(v["reasons"][0]["statement"], "#100000", "{v}");
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:PutObject",
            "arn:aws:s3:::target/k",
            "--format",
            "json",
        ],
        Duration::from_secs(30),
        "100k statements, no match",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(v["decision"], "allow", "{v}");
}

#[test]
fn pathological_wildcards_match_in_polynomial_time() {
    // `*a*a*a...*b` against a long run of `a`s is the classic exponential case for
    // backtracking matchers; glob_matches / resource_matches are O(pattern · text).
    let star_a = "*a".repeat(2_000);
    let q_star = "*?".repeat(2_000);
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{star_a}b")},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{q_star}:x")},
        {"Effect": "Allow", "Action": format!("s3:{}Z", "*?".repeat(2_000)), "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringLike": {"aws:PrincipalTag/t": format!("{star_a}b")}}}
    ]});
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &gaad_path(), &user_with(doc).to_string());
    let env = dir.path().to_str().unwrap();
    let long = format!("arn:aws:s3:::{}", "a".repeat(20_000));
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:GetObject",
            &long,
            "--format",
            "json",
        ],
        Duration::from_secs(20),
        "*a x2000 against 20k chars",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "deny", "no pattern matches: {v}");
    let tag = format!("aws:PrincipalTag/t={}", "a".repeat(20_000));
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:PutObject",
            &long,
            "--context",
            &tag,
            "--format",
            "json",
        ],
        Duration::from_secs(20),
        "StringLike *a x2000 against 20k chars",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "deny", "{v}");
    // And a matching text is still found.
    let tag = format!("aws:PrincipalTag/t={}b", "a".repeat(20_000));
    let (out, _) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:PutObject",
            &long,
            "--context",
            &tag,
            "--format",
            "json",
        ],
        Duration::from_secs(20),
        "StringLike *a x2000 matching",
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(v["decision"], "deny", "{v}");
}

#[test]
fn cyclic_role_trusts_terminate() {
    // 200 roles, each trusting the next, the last trusting the first; role 0 may read the bucket.
    let n = 200;
    let roles: Vec<Value> = (0..n)
        .map(|i| {
            let next = (i + 1) % n;
            let mut r = json!({
                "RoleName": format!("r{i}"), "RoleId": format!("AROA{i}"), "Path": "/",
                "Arn": format!("arn:aws:iam::{A}:role/r{i}"),
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:role/r{next}")}, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [{"PolicyName": "hop", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]
            });
            if i == 0 {
                r["RolePolicyList"][0]["PolicyDocument"]["Statement"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}));
            }
            r
        })
        .collect();
    let gaad = json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []});
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &gaad_path(), &gaad.to_string());
    write(
        dir.path(),
        &format!("accounts/{A}/s3/list-buckets.json"),
        r#"{"Buckets": [{"Name": "b"}]}"#,
    );
    let env = dir.path().to_str().unwrap();
    let (out, err) = iamdl(
        &[
            "who-can",
            "--env",
            env,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            "--format",
            "json",
        ],
        Duration::from_secs(30),
        "200-role trust cycle",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ps = v["principals"].as_array().unwrap();
    // Every role of the cycle reaches role r0 (r199 directly, r198 through r199, ...).
    for i in 0..n {
        let arn = format!("arn:aws:iam::{A}:role/r{i}");
        assert!(ps.iter().any(|p| p["principal"] == arn), "r{i} missing");
    }
}

#[cfg(unix)]
#[test]
fn paths_never_escape_the_snapshot() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.json");
    std::fs::write(
        &secret,
        r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &gaad_path(),
        &user_with(json!({"Version": "2012-10-17", "Statement": []})).to_string(),
    );
    let pol = dir
        .path()
        .join(format!("accounts/{A}/s3/get-bucket-policy"));
    std::fs::create_dir_all(&pol).unwrap();
    std::os::unix::fs::symlink(&secret, pol.join("b.json")).unwrap();
    std::os::unix::fs::symlink(
        outside.path(),
        dir.path().join(format!("accounts/{A}/lambda")),
    )
    .unwrap();
    // `..` and odd bytes in names are only names: they are never joined into a path.
    write(
        dir.path(),
        &format!("accounts/{A}/s3/get-bucket-policy/..%2F..%2Fetc.json"),
        r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"}"#,
    );
    let env = dir.path().to_str().unwrap();
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "user/u",
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        ],
        Duration::from_secs(10),
        "symlinks",
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "accounts/{A}/s3/get-bucket-policy/b.json: symbolic links are not followed"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "accounts/{A}/lambda: symbolic links are not followed"
        )),
        "{err}"
    );
    // With --allow-partial the rest loads; the encoded `../../etc` is just a bucket's name.
    let (out, err) = iamdl(
        &[
            "can",
            "--env",
            env,
            "--allow-partial",
            "user/u",
            "s3:GetObject",
            "arn:aws:s3:::../../etc/k",
            "--format",
            "json",
        ],
        Duration::from_secs(10),
        "symlinks, partial",
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("bucket `../../etc` has a policy but is not in s3/list-buckets.json"),
        "{err}"
    );

    // Folders nested deeper than the layout are refused, not walked forever.
    let deep = tempfile::tempdir().unwrap();
    write(
        deep.path(),
        &gaad_path(),
        &user_with(json!({"Version": "2012-10-17", "Statement": []})).to_string(),
    );
    let mut p = deep.path().join("accounts");
    for i in 0..40 {
        p = p.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&p).unwrap();
    let env = deep.path().to_str().unwrap();
    let (out, err) = iamdl(
        &["can", "--env", env, "user/u", "s3:GetObject", "*"],
        Duration::from_secs(10),
        "deep folders",
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("folder nesting deeper than the snapshot layout allows"),
        "{err}"
    );
}
