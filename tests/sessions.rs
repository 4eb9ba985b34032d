//! Session policies and federated-user sessions (E3 step 7, E10) through the real binary:
//! `iamdl can --session-policy FILE --federated-by USER`.

use serde_json::Value;
use std::process::Command;

const ENV: &str = "facts/examples/query-demo/env";
const SP: &str = "facts/examples/query-demo/session-policies/s3-read.json";
const FRED: &str = "arn:aws:sts::111111111111:federated-user/fred";
const OBJ: &str = "arn:aws:s3:::reports/q1.csv";

fn iamdl(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("iamdl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn decision(args: &[&str]) -> Value {
    let mut all = vec!["can", "--env", ENV, "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = iamdl(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("json answer")
}

#[test]
fn federated_session_needs_a_session_policy() {
    let no_sp = decision(&["--federated-by", "user/alice", FRED, "s3:GetObject", OBJ]);
    assert_eq!(no_sp["decision"], "deny");
    assert_eq!(no_sp["principal"], FRED);
    assert_eq!(no_sp["blame"][0]["layer"], "session");
    assert_eq!(
        no_sp["blame"][0]["message"],
        "because no session policy allows the s3:GetObject action"
    );

    let with_sp = decision(&[
        "--federated-by",
        "user/alice",
        "--session-policy",
        SP,
        FRED,
        "s3:GetObject",
        OBJ,
    ]);
    assert_eq!(with_sp["decision"], "allow");
    // The session policy does not widen alice's permissions: PutObject stays denied.
    let put = decision(&[
        "--federated-by",
        "user/alice",
        "--session-policy",
        SP,
        FRED,
        "s3:PutObject",
        OBJ,
    ]);
    assert_eq!(put["decision"], "deny");
}

#[test]
fn session_policy_limits_a_role_session() {
    // OrganizationAdmin may read the object; a session of it created with a policy that allows
    // only s3:GetObject may not delete it.
    let role = "arn:aws:iam::111111111111:role/OrganizationAdmin";
    assert_eq!(
        decision(&[role, "s3:DeleteObject", OBJ])["decision"],
        "allow"
    );
    let cut = decision(&["--session-policy", SP, role, "s3:DeleteObject", OBJ]);
    assert_eq!(cut["decision"], "deny");
    assert_eq!(cut["blame"][0]["layer"], "session", "{cut}");
}

#[test]
fn bad_session_inputs_are_named() {
    // The session ARN alone does not name its creator: a usage error that says what to add.
    let (code, _, err) = iamdl(&["can", "--env", ENV, FRED, "s3:GetObject", OBJ]);
    assert_eq!(code, 2);
    assert!(err.contains("--federated-by"), "{err}");
    // A role cannot call GetFederationToken.
    let (code, _, err) = iamdl(&[
        "can",
        "--env",
        ENV,
        "--federated-by",
        "role/ops",
        FRED,
        "s3:GetObject",
        OBJ,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("only an IAM user or the account root"),
        "{err}"
    );
    // A missing session-policy file is named.
    let (code, _, err) = iamdl(&[
        "can",
        "--env",
        ENV,
        "--session-policy",
        "no/such/file.json",
        "user/alice",
        "s3:GetObject",
        OBJ,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.json"), "{err}");
}
