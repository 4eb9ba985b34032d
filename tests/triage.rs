//! Acceptance of issue 4 (AccessDenied triage, least-privilege fixes, `needs`) through the real
//! binary on the example environments of `facts/examples/`.
//!
//! Each case runs twice: `--format json`, whose fields are asserted one by one (the decision
//! reproduced, whether it agrees with the error, the layer blamed, the fix statement's scope,
//! the decision after the fix and the absence of side effects), and the table format, compared
//! byte for byte with `tests/golden-triage/<case>.txt`. Set `IAMDL_BLESS=1` to rewrite the
//! golden files after an intended change (and review the diff).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_of(example: &str) -> String {
    format!("facts/examples/{example}/env")
}

/// Runs the binary in the repository root; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run iamdl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a case in JSON (returned parsed) and in table format (checked against its golden file).
fn case(name: &str, args: &[&str]) -> Value {
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{name}: exit {code}, stderr: {err}");
    let v: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {out}"));
    let (code, table, err) = run(args);
    assert_eq!(code, 0, "{name}: exit {code}, stderr: {err}");
    golden(name, &table);
    v
}

fn golden(name: &str, actual: &str) {
    let path: PathBuf = root()
        .join("tests/golden-triage")
        .join(format!("{name}.txt"));
    if std::env::var_os("IAMDL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with IAMDL_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name}: table output differs from {} at line {}:\n  expected: {:?}\n  actual:   {:?}\n(IAMDL_BLESS=1 rewrites the golden files)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {path} in {v:#}"))
}

fn layers(v: &Value) -> Vec<(String, String)> {
    v["blame"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|b| {
                    (
                        b["layer"].as_str().unwrap_or("").to_string(),
                        b["kind"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn no_side_effects(v: &Value) {
    let se = &v["side_effects"];
    assert!(
        se["compared"].as_u64().unwrap_or(0) > 10,
        "too few comparisons: {se}"
    );
    assert_eq!(
        se["changed"].as_array().map(Vec::len),
        Some(0),
        "the fix changed other decisions: {se:#}"
    );
}

const TX_PASSROLE: &str = "An error occurred (AccessDeniedException) when calling the StartCallAnalyticsJob operation: User: arn:aws:sts::111111111111:assumed-role/lambda-exec/start-transcription is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/transcribe-data because no identity-based policy allows the iam:PassRole action";
const TX_MEDIA: &str = "An error occurred (BadRequestException) when calling the StartCallAnalyticsJob operation: The S3 URI that you provided can't be accessed. Make sure that you have read permission and try your request again.";
const MEDIA: &str = "arn:aws:s3:::media-111111111111/calls/2026-03-01/call-0042.wav";
const LAMBDA_SESSION: &str =
    "arn:aws:sts::111111111111:assumed-role/lambda-exec/start-transcription";

/// Transcribe, error 1: the Lambda's role may not pass the data-access role.
#[test]
fn transcribe_1_missing_passrole() {
    let env = env_of("06-transcribe-stage1-passrole");
    let v = case(
        "transcribe-1-passrole",
        &["explain-error", "--env", &env, TX_PASSROLE],
    );
    assert_eq!(s(&v, "/parsed/principal"), LAMBDA_SESSION);
    assert_eq!(s(&v, "/parsed/action"), "iam:PassRole");
    assert_eq!(s(&v, "/decision"), "deny");
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(layers(&v), vec![("identity".into(), "no-allow".into())]);
    assert_eq!(
        s(&v, "/fixes/0/target"),
        "arn:aws:iam::111111111111:role/lambda-exec"
    );
    assert_eq!(s(&v, "/fixes/0/statement/Action"), "iam:PassRole");
    assert_eq!(
        s(&v, "/fixes/0/statement/Resource"),
        "arn:aws:iam::111111111111:role/transcribe-data"
    );
    assert_eq!(
        s(
            &v,
            "/fixes/0/statement/Condition/StringEquals/iam:PassedToService"
        ),
        "transcribe.amazonaws.com"
    );
    assert_eq!(s(&v, "/after_fix_decision"), "allow");
    no_side_effects(&v);
}

/// Transcribe, error 2: the passed role trusts Lambda, so Transcribe cannot read the media.
#[test]
fn transcribe_2_trust_names_lambda() {
    let env = env_of("07-transcribe-stage2-trust");
    let v = case(
        "transcribe-2-trust",
        &[
            "explain-error",
            "--env",
            &env,
            "--principal",
            "role/transcribe-data",
            "--resource",
            MEDIA,
            TX_MEDIA,
        ],
    );
    assert_eq!(s(&v, "/parsed/shape"), "transcribe-s3-uri");
    assert_eq!(s(&v, "/decision"), "deny");
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(layers(&v), vec![("trust".into(), "no-allow".into())]);
    assert_eq!(
        s(&v, "/blame/0/check"),
        "transcribe.amazonaws.com assumes the data-access role"
    );
    assert_eq!(s(&v, "/fixes/0/layer"), "trust");
    assert_eq!(
        s(&v, "/fixes/0/statement/Principal/Service"),
        "transcribe.amazonaws.com"
    );
    assert_eq!(s(&v, "/fixes/0/statement/Action"), "sts:AssumeRole");
    assert_eq!(
        s(
            &v,
            "/fixes/0/statement/Condition/StringEquals/aws:SourceAccount"
        ),
        "111111111111"
    );
    // The media read itself was fine: only the trust needed fixing.
    assert_eq!(s(&v, "/checks/1/decision"), "allow");
    assert_eq!(s(&v, "/after_fix_decision"), "allow");
    no_side_effects(&v);
}

/// Transcribe, stage 3: with a role trusted by transcribe.amazonaws.com everything is met; the
/// earlier stages list exactly the one missing requirement each.
#[test]
fn transcribe_3_needs_all_met() {
    let args = |env: String| -> Vec<String> {
        [
            "needs",
            "--env",
            &env,
            LAMBDA_SESSION,
            "transcribe:StartCallAnalyticsJob",
            "*",
            "--pass-role",
            "role/transcribe-data",
            "--data",
            MEDIA,
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    };
    let status = |v: &Value| -> Vec<String> {
        v["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .map(|r| r["status"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let a = args(env_of("01-transcribe-passrole"));
    let v = case(
        "transcribe-3-needs",
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(v["all_met"], true);
    assert_eq!(status(&v), ["met", "met", "met", "met"]);
    let a = args(env_of("06-transcribe-stage1-passrole"));
    let v = case(
        "transcribe-1-needs",
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(status(&v), ["met", "missing", "met", "met"]);
    assert_eq!(s(&v, "/requirements/1/action"), "iam:PassRole");
    assert_eq!(v["all_met_after_fix"], true);
    let a = args(env_of("07-transcribe-stage2-trust"));
    let v = case(
        "transcribe-2-needs",
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(status(&v), ["met", "met", "missing", "met"]);
    assert_eq!(s(&v, "/requirements/2/fixes/0/layer"), "trust");
    assert_eq!(v["all_met_after_fix"], true);
}

/// The Serverless default role: fixed with cloudwatch:GetMetricStatistics only.
#[test]
fn serverless_default_role_metrics() {
    let env = env_of("02-serverless-default-role");
    let v = case(
        "serverless-cloudwatch",
        &[
            "explain-error",
            "--env",
            &env,
            "User: arn:aws:sts::111111111111:assumed-role/app-dev-lambdaRole/app-dev-metrics is not authorized to perform: cloudwatch:GetMetricStatistics because no identity-based policy allows the cloudwatch:GetMetricStatistics action",
        ],
    );
    assert_eq!(s(&v, "/decision"), "deny");
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(s(&v, "/parsed/resource"), "*");
    assert_eq!(layers(&v), vec![("identity".into(), "no-allow".into())]);
    assert_eq!(v["fixes"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        v["fixes"][0]["statement"]["Action"],
        "cloudwatch:GetMetricStatistics"
    );
    assert_eq!(v["fixes"][0]["statement"]["Resource"], "*");
    assert_eq!(s(&v, "/after_fix_decision"), "allow");
    // Every other CloudWatch action stays denied: not CloudWatchReadOnlyAccess-wide.
    no_side_effects(&v);
}

/// Lex V2 invoking a function without a function policy.
#[test]
fn lexv2_invokes_lambda_needs_function_policy() {
    let env = env_of("08-lexv2-lambda");
    let alias = "arn:aws:lex:us-east-1:111111111111:bot-alias/ORDERBOT01/TSTALIASID";
    let function = "arn:aws:lambda:us-east-1:111111111111:function:OrderFlowersFulfillment";
    let v = case(
        "lexv2-needs",
        &[
            "needs",
            "--env",
            &env,
            "lexv2.amazonaws.com",
            "lambda:InvokeFunction",
            function,
            "--source-arn",
            alias,
        ],
    );
    assert_eq!(v["all_met"], false);
    let r = &v["requirements"][0];
    assert_eq!(r["status"], "missing");
    assert_eq!(r["blame"][0]["layer"], "resource");
    let st = &r["fixes"][0]["statement"];
    assert_eq!(st["Principal"]["Service"], "lexv2.amazonaws.com");
    assert_eq!(st["Action"], "lambda:InvokeFunction");
    assert_eq!(st["Resource"], function);
    assert_eq!(st["Condition"]["ArnLike"]["AWS:SourceArn"], alias);
    assert_eq!(
        st["Condition"]["StringEquals"]["AWS:SourceAccount"],
        "111111111111"
    );
    let cli = r["fixes"][0]["cli"].as_str().unwrap_or("");
    assert!(cli.starts_with("aws lambda add-permission"), "{cli}");
    assert!(cli.contains(&format!("--source-arn {alias}")), "{cli}");
    assert_eq!(
        r["fixes"][0]["cloudformation"]["Type"],
        "AWS::Lambda::Permission"
    );
    assert_eq!(r["after_fix"], "met");
    assert_eq!(v["all_met_after_fix"], true);
    no_side_effects(&v);
}

/// Cross-account s3:GetObject: the bucket policy allows, the caller's identity does not.
#[test]
fn cross_account_identity_side() {
    let env = env_of("03-cross-account-chain");
    let obj = "arn:aws:s3:::a-source-111111111111/in/2026/03/orders.csv";
    let v = case(
        "cross-account-identity",
        &[
            "explain-error",
            "--env",
            &env,
            "User: arn:aws:sts::222222222222:assumed-role/writer-narrow/ingest is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::a-source-111111111111/in/2026/03/orders.csv\" because no identity-based policy allows the s3:GetObject action",
        ],
    );
    assert_eq!(s(&v, "/parsed/resource"), obj);
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(layers(&v), vec![("identity".into(), "no-allow".into())]);
    assert_eq!(
        s(&v, "/fixes/0/target"),
        "arn:aws:iam::222222222222:role/writer-narrow"
    );
    assert_eq!(s(&v, "/after_fix_decision"), "allow");
    no_side_effects(&v);
    // The same through S3's bare message, and through `needs` (both sides listed).
    let (code, out, err) = run(&[
        "explain-error",
        "--env",
        &env,
        "--principal",
        "role/writer-narrow",
        "--resource",
        obj,
        "--format",
        "json",
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
    ]);
    assert_eq!(code, 0, "{err}");
    let b: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(b["parsed"]["action"], "s3:GetObject");
    assert_eq!(b["agrees_with_error"], true);
    assert_eq!(b["blame"][0]["layer"], "identity");
    let n = case(
        "cross-account-needs",
        &[
            "needs",
            "--env",
            &env,
            "role/writer-narrow",
            "s3:GetObject",
            obj,
        ],
    );
    assert_eq!(n["requirements"][0]["status"], "missing");
    assert!(s(&n, "/requirements/0/what").starts_with("identity side"));
    assert_eq!(n["requirements"][1]["status"], "met");
    assert!(s(&n, "/requirements/1/what").starts_with("resource side"));
}

/// An SCP explicit deny and a missing SCP allow, each named as the SCP layer (X3).
#[test]
fn scp_denies_named() {
    let env = env_of("05-org-guardrails");
    let v = case(
        "scp-explicit-deny",
        &[
            "explain-error",
            "--env",
            &env,
            "User: arn:aws:iam::111111111111:user/admin is not authorized to perform: s3:DeleteBucket on resource: arn:aws:s3:::prod-app-assets-111111111111 with an explicit deny in a service control policy",
        ],
    );
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(layers(&v), vec![("scp".into(), "explicit-deny".into())]);
    assert!(s(&v, "/blame/0/policy").ends_with("p-3kd8w2qz"));
    // An explicit deny is not overridden by an Allow: the fix is advice, not applied.
    assert_eq!(v["fixes"][0]["applied"], false);
    assert!(v["after_fix_decision"].is_null());
    let v = case(
        "scp-no-allow",
        &[
            "explain-error",
            "--env",
            &env,
            "User: arn:aws:iam::333333333333:user/admin is not authorized to perform: ec2:DescribeInstances with an explicit deny in a service control policy",
        ],
    );
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(layers(&v), vec![("scp".into(), "no-allow".into())]);
    assert_eq!(s(&v, "/fixes/0/target"), "ou-7h2k-9fz0c6rw");
    assert_eq!(s(&v, "/after_fix_decision"), "allow");
    // An SCP allow reaches every principal of the OU: the comparison says so.
    let changed = v["side_effects"]["changed"].as_array().expect("changed");
    assert!(changed
        .iter()
        .all(|c| c["principal"] == "arn:aws:iam::333333333333:root"));
}

/// A permissions boundary: a missing allow and an explicit deny, each named as such.
#[test]
fn boundary_denies_named() {
    let env = env_of("09-permissions-boundary");
    let v = case(
        "boundary-no-allow",
        &[
            "explain-error",
            "--env",
            &env,
            "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: ec2:DescribeInstances because no permissions boundary allows the ec2:DescribeInstances action",
        ],
    );
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(layers(&v), vec![("boundary".into(), "no-allow".into())]);
    assert_eq!(
        s(&v, "/blame/0/policy"),
        "arn:aws:iam::111111111111:policy/DevBoundary"
    );
    assert_eq!(s(&v, "/after_fix_decision"), "allow");
    no_side_effects(&v);
    let v = case(
        "boundary-explicit-deny",
        &[
            "explain-error",
            "--env",
            &env,
            "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111111111111:user/new-hire with an explicit deny in a permissions boundary",
        ],
    );
    assert_eq!(v["agrees_with_error"], true);
    assert_eq!(
        layers(&v),
        vec![("boundary".into(), "explicit-deny".into())]
    );
    assert_eq!(v["blame"][0]["statements"][0], "DenyIamUserAdmin");
}

/// A message that blames another layer than iamdl finds does not agree, and says what differs.
#[test]
fn disagreement_is_reported() {
    let env = env_of("09-permissions-boundary");
    let (code, out, err) = run(&[
        "explain-error",
        "--env",
        &env,
        "--format",
        "json",
        "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["decision"], "allow");
    assert_eq!(v["agrees_with_error"], false);
    assert!(v["differences"][0]
        .as_str()
        .unwrap_or("")
        .contains("out of date"));
}

/// Unparseable text exits 2 and lists the shapes understood; so does a principal not in the env.
#[test]
fn unparseable_text_exits_2() {
    let env = env_of("02-serverless-default-role");
    let (code, out, err) = run(&["explain-error", "--env", &env, "the build failed"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(err.contains("Shapes understood"), "{err}");
    assert!(err.contains("is not authorized to perform"), "{err}");
    let (code, _, err) = run(&[
        "explain-error",
        "--env",
        &env,
        "User: arn:aws:iam::111111111111:user/ghost is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not in the environment"), "{err}");
    let (code, _, err) = run(&[
        "explain-error",
        "--env",
        &env,
        "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--principal"), "{err}");
}

/// `can --format json` keeps its fields and adds the proof tree.
#[test]
fn can_json_carries_proof_tree() {
    let env = env_of("01-transcribe-passrole");
    let (code, out, err) = run(&[
        "can",
        "--env",
        &env,
        "role/transcribe-data",
        "s3:GetObject",
        MEDIA,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    for k in [
        "principal",
        "action",
        "resource",
        "decision",
        "conditions",
        "reasons",
        "blame",
        "proof",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert!(s(&v, "/proof/claim").starts_with("ALLOW"));
    assert_eq!(s(&v, "/proof/children/0/claim"), "allowed by");
    assert_eq!(
        s(&v, "/proof/children/0/children/0/children/0/statement"),
        "ReadMediaObjects"
    );
    // Conditional answers list each residual with the statement it came from.
    let (_, out, _) = run(&[
        "can",
        "--env",
        &env,
        "role/lambda-exec",
        "iam:PassRole",
        "arn:aws:iam::111111111111:role/transcribe-data",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["decision"], "conditional");
    let cond = v["proof"]["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["claim"] == "depends on request context")
        .expect("residual node");
    let line = cond["children"][0]["claim"].as_str().unwrap_or("");
    assert!(
        line.contains("iam:PassedToService") && line.contains("PassDataAccessRoleToTranscribe"),
        "{line}"
    );
}

/// A KMS-encrypted object: the key policy must allow; naming the role there suffices (E8), so
/// the identity statement for kms:Decrypt is not proposed.
#[test]
fn kms_encrypted_object_needs_key_policy() {
    let key = "arn:aws:kms:us-east-1:111111111111:key/5c0f4a1e-7b9d-4e2a-9c83-2f6d1e0b7a45";
    let v = case(
        "kms-needs",
        &[
            "needs",
            "--env",
            &env_of("demo"),
            "role/orders-etl-role",
            "s3:GetObject",
            "arn:aws:s3:::acme-orders-data-111111111111/2026/01/orders.csv",
            "--kms-key",
            key,
        ],
    );
    let kms = &v["requirements"][1];
    assert_eq!(kms["action"], "kms:Decrypt");
    assert_eq!(kms["status"], "missing");
    let fixes = kms["fixes"].as_array().expect("fixes");
    assert_eq!(fixes.len(), 1, "{fixes:#?}");
    assert_eq!(fixes[0]["layer"], "resource");
    assert_eq!(
        fixes[0]["statement"]["Principal"]["AWS"],
        "arn:aws:iam::111111111111:role/orders-etl-role"
    );
    assert_eq!(fixes[0]["statement"]["Action"], "kms:Decrypt");
    assert_eq!(v["all_met_after_fix"], true);
    no_side_effects(&v);
}

/// Chained access carries each hop with its own proof.
#[test]
fn role_chain_hops_have_their_own_proofs() {
    let v = case(
        "chain-needs",
        &[
            "needs",
            "--env",
            &env_of("03-cross-account-chain"),
            "role/ingest-fn",
            "s3:PutObject",
            "arn:aws:s3:::b-data-222222222222/x",
        ],
    );
    let chains = v["through_role_chains"].as_array().expect("chains");
    assert!(!chains.is_empty());
    let c = &chains[0];
    assert!(s(c, "/claim").starts_with("ALLOW"), "{c:#}");
    let hop = &c["children"][0];
    assert!(s(hop, "/claim").starts_with("hop 1: ALLOW"), "{hop:#}");
    // The hop's proof names the trust policy statement and the identity statement.
    let text = hop.to_string();
    assert!(text.contains("AssumeWritersInB"), "{text}");
    assert!(
        text.contains("trust policy of arn:aws:iam::222222222222:role/writer"),
        "{text}"
    );
    let last = &c["children"][chains[0]["children"].as_array().map_or(1, Vec::len) - 1];
    assert!(s(last, "/claim").starts_with("then: ALLOW"), "{last:#}");
    assert!(last.to_string().contains("allowed by"), "{last:#}");
}

/// Lambda's VPC validation error (S9): the three network-interface actions are checked and
/// fixed on the execution role; EC2's encoded message takes its action from the operation.
#[test]
fn lambda_vpc_and_ec2_encoded_shapes() {
    let env = env_of("04-vpc-lambda-s3-invoke");
    let (code, out, err) = run(&[
        "explain-error",
        "--env",
        &env,
        "--principal",
        "role/vpc-fn-role",
        "--format",
        "json",
        "An error occurred (InvalidParameterValueException) when calling the CreateFunction operation: The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["parsed"]["shape"], "lambda-vpc-eni");
    assert_eq!(v["agrees_with_error"], true);
    let actions: Vec<&str> = v["fixes"]
        .as_array()
        .expect("fixes")
        .iter()
        .map(|f| f["statement"]["Action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface"
        ]
    );
    assert_eq!(v["after_fix_decision"], "allow");
    no_side_effects(&v);
    let (code, out, err) = run(&[
        "explain-error",
        "--env",
        &env,
        "--principal",
        "role/vpc-fn-role",
        "--resource",
        "*",
        "--format",
        "json",
        "An error occurred (UnauthorizedOperation) when calling the DescribeInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: QWxhZGRpbg",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["parsed"]["action"], "ec2:DescribeInstances");
    assert_eq!(v["blame"][0]["layer"], "identity");
    // Bad input is refused with exit 2, never answered.
    let (code, _, err) = run(&[
        "needs",
        "--env",
        &env,
        "role/vpc-fn-role",
        "s3GetObject",
        "x",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not an action"), "{err}");
}

/// An allow's proof names the SCP statements that allowed at each level of the organization.
#[test]
fn allow_proof_names_scp_levels() {
    let (code, out, err) = run(&[
        "can",
        "--env",
        &env_of("05-org-guardrails"),
        "arn:aws:iam::111111111111:user/admin",
        "ec2:DescribeInstances",
        "*",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["decision"], "allow");
    let scp = v["proof"]["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| {
            c["claim"]
                .as_str()
                .unwrap_or("")
                .starts_with("service control policies")
        })
        .expect("scp node");
    let levels: Vec<&str> = scp["children"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|l| l["claim"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(levels.len(), 3, "{levels:?}");
    assert_eq!(levels[0], "at r-7h2k");
    assert_eq!(levels[2], "at 111111111111");
}

/// The side-effect check after a fix compares only (action, resource) pairs AWS evaluates: a
/// Transcribe action with no resource type, fixed with `"Resource": "*"`, is not compared on
/// the passed role's ARN (where AWS never asks it), so no false "broader access" is reported.
#[test]
fn needs_fix_on_star_action_has_no_false_side_effect() {
    let v = case(
        "needs-transcribe-star-action",
        &[
            "needs",
            "--env",
            "facts/examples/query-demo/env",
            "role/lambda-exec",
            "transcribe:StartCallAnalyticsJob",
            "*",
            "--pass-role",
            "role/transcribe-data",
        ],
    );
    assert_eq!(v["all_met"], false);
    assert_eq!(v["all_met_after_fix"], true);
    assert_eq!(
        s(&v, "/requirements/0/fixes/0/statement/Action"),
        "transcribe:StartCallAnalyticsJob"
    );
    assert_eq!(s(&v, "/requirements/0/fixes/0/statement/Resource"), "*");
    no_side_effects(&v);
}
