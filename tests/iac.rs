//! Infrastructure as code (issue 5): the acceptance stories through the real `iamdl` binary,
//! a Terraform plan that must answer exactly like the equivalent snapshot, malformed templates,
//! layering a template over a snapshot, and a vendored corpus of real templates
//! (`tests/iac-corpus`) that must load — or fail with the expected error — without panicking.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "iamdl {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

const LEX_BEFORE: &str = "facts/examples/10-iac-lex/env/template.yaml";
const LEX_AFTER: &str = "facts/examples/11-iac-lex-permission/env/template.yaml";
const HOOK: &str = "arn:aws:lambda:us-east-1:123456789012:function:order-bot-hook-dev";
const ALIAS: &str = "arn:aws:lex:us-east-1:123456789012:bot-alias/OrderBot/OrderBotAlias";

fn lex_can(env: &str) -> Value {
    json(&[
        "can",
        "--env",
        env,
        "lexv2.amazonaws.com",
        "lambda:InvokeFunction",
        HOOK,
        "--context",
        &format!("aws:SourceArn={ALIAS}"),
        "--context",
        "aws:SourceAccount=123456789012",
    ])
}

#[test]
fn lex_hook_without_permission_is_denied_by_missing_resource_policy() {
    let a = lex_can(LEX_BEFORE);
    assert_eq!(a["decision"], "deny", "{a}");
    let blame = a["blame"].as_array().expect("blame");
    assert!(
        blame.iter().any(|b| b["layer"] == "resource"
            && b["message"]
                .as_str()
                .unwrap_or("")
                .contains("no resource-based policy allows the lambda:InvokeFunction action")),
        "{a}"
    );
    // The loader says which caller is missing its grant.
    let (_, _, err) = run(&[
        "can",
        "--env",
        LEX_BEFORE,
        "lexv2.amazonaws.com",
        "lambda:InvokeFunction",
        HOOK,
    ]);
    assert!(
        err.contains("Lex V2 bot alias `OrderBotAlias`")
            && err.contains("no AWS::Lambda::Permission"),
        "{err}"
    );
}

#[test]
fn lex_hook_with_permission_is_allowed_by_its_statement() {
    let a = lex_can(LEX_AFTER);
    assert_eq!(a["decision"], "allow", "{a}");
    let r = &a["reasons"][0];
    assert_eq!(r["statement"], "LexInvokesHook", "{a}");
    assert!(r["file"].as_str().unwrap_or("").contains("line 78"), "{a}");
}

#[test]
fn lex_diff_reports_exactly_the_one_gained_grant() {
    let d = json(&["diff", "--before", LEX_BEFORE, "--after", LEX_AFTER]);
    let gained = d["gained"].as_array().expect("gained");
    assert_eq!(gained.len(), 1, "{d}");
    assert_eq!(gained[0]["principal"], "lexv2.amazonaws.com");
    assert_eq!(gained[0]["action"], "lambda:InvokeFunction");
    assert_eq!(gained[0]["resource"], HOOK);
    assert!(
        gained[0]["reasons"][0]
            .as_str()
            .unwrap_or("")
            .contains("LexInvokesHook"),
        "{d}"
    );
    assert_eq!(d["lost"].as_array().map(Vec::len), Some(0), "{d}");
    // With the context, the grant is a firm allow.
    let d = json(&[
        "diff",
        "--before",
        LEX_BEFORE,
        "--after",
        LEX_AFTER,
        "--context",
        &format!("aws:SourceArn={ALIAS}"),
        "--context",
        "aws:SourceAccount=123456789012",
    ]);
    assert_eq!(d["gained"][0]["decision"], "allow", "{d}");
    // The CI gate.
    let (code, _, _) = run(&[
        "diff",
        "--before",
        LEX_BEFORE,
        "--after",
        LEX_AFTER,
        "--fail-on-new-access",
    ]);
    assert_eq!(code, 1);
    let (code, _, _) = run(&[
        "diff",
        "--before",
        LEX_AFTER,
        "--after",
        LEX_BEFORE,
        "--fail-on-new-access",
    ]);
    assert_eq!(code, 0, "removing the permission gains nothing");
    let d = json(&["diff", "--before", LEX_AFTER, "--after", LEX_BEFORE]);
    assert_eq!(d["lost"].as_array().map(Vec::len), Some(1), "{d}");
}

const SLS_BEFORE: &str = "facts/examples/12-iac-serverless-default/env/serverless.yml";
const SLS_AFTER: &str = "facts/examples/13-iac-serverless-statements/env/serverless.yml";
const SLS_ROLE: &str = "role/metrics-dev-us-east-1-lambdaRole";

#[test]
fn serverless_default_role_lacks_cloudwatch_read_until_statements_add_it() {
    let a = json(&[
        "can",
        "--env",
        SLS_BEFORE,
        SLS_ROLE,
        "cloudwatch:GetMetricStatistics",
        "*",
    ]);
    assert_eq!(a["decision"], "deny", "{a}");
    assert_eq!(a["blame"][0]["layer"], "identity", "{a}");
    let a = json(&[
        "can",
        "--env",
        SLS_AFTER,
        SLS_ROLE,
        "cloudwatch:GetMetricStatistics",
        "*",
    ]);
    assert_eq!(a["decision"], "allow", "{a}");
    // --param stage=prod renames the role and its log groups.
    let a = json(&[
        "can", "--env", SLS_BEFORE, "--param", "stage=prod", "role/metrics-prod-us-east-1-lambdaRole", "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/metrics-prod-report:log-stream:x",
    ]);
    assert_eq!(a["decision"], "allow", "{a}");
    let d = json(&["diff", "--before", SLS_BEFORE, "--after", SLS_AFTER]);
    let gained = d["gained"].as_array().expect("gained");
    let mut actions: Vec<&str> = gained
        .iter()
        .filter(|g| g["principal"] != "lambda.amazonaws.com")
        .map(|g| g["action"].as_str().unwrap_or(""))
        .collect();
    actions.sort();
    // Lambda, which assumes the role, gains the same three through it (role chain).
    let via_role: Vec<&Value> = gained
        .iter()
        .filter(|g| g["principal"] == "lambda.amazonaws.com")
        .collect();
    assert_eq!(via_role.len(), 3, "{d}");
    assert!(
        via_role.iter().all(|g| g["via"][0]
            .as_str()
            .is_some_and(|v| v.ends_with("role/metrics-dev-us-east-1-lambdaRole"))),
        "{d}"
    );
    assert_eq!(
        actions,
        [
            "cloudwatch:GetMetricData",
            "cloudwatch:GetMetricStatistics",
            "cloudwatch:ListMetrics"
        ],
        "{d}"
    );
    // The same question for one action (the `who-can` form).
    let d = json(&[
        "diff",
        "--before",
        SLS_BEFORE,
        "--after",
        SLS_AFTER,
        "--action",
        "cloudwatch:GetMetricStatistics",
        "--reach",
        "*",
    ]);
    // The role, and Lambda through it (who-can follows role chains).
    let role = "arn:aws:iam::123456789012:role/metrics-dev-us-east-1-lambdaRole";
    let g = d["gained"].as_array().expect("gained");
    assert_eq!(g.len(), 2, "{d}");
    assert!(g.iter().any(|x| x["principal"] == role), "{d}");
    assert!(
        g.iter()
            .any(|x| x["principal"] == "lambda.amazonaws.com" && x["via"][0] == role),
        "{d}"
    );
}

/// Decision and (layer, effect, statement) of each reason: what must agree between two inputs.
fn essence(a: &Value) -> (String, Vec<(String, String, String)>, Vec<String>) {
    let mut r: Vec<(String, String, String)> = a["reasons"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| {
                    (
                        x["layer"].to_string(),
                        x["effect"].to_string(),
                        x["statement"].to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    r.sort();
    let mut b: Vec<String> = a["blame"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|x| format!("{} {}", x["layer"], x["kind"]))
                .collect()
        })
        .unwrap_or_default();
    b.sort();
    (a["decision"].to_string(), r, b)
}

#[test]
fn terraform_plan_answers_like_the_equivalent_snapshot() {
    let plan = "tests/iac/terraform/plan.json";
    let snap = "tests/iac/terraform/snapshot";
    let bucket = "arn:aws:s3:::reports-111111111111";
    let role = "role/reports-reader";
    let questions: Vec<Vec<String>> = vec![
        vec![
            role.into(),
            "s3:GetObject".into(),
            format!("{bucket}/a.csv"),
        ],
        vec![
            role.into(),
            "s3:GetObject".into(),
            format!("{bucket}/a.csv"),
            "--context".into(),
            "aws:SecureTransport=true".into(),
        ],
        vec![
            role.into(),
            "s3:GetObject".into(),
            format!("{bucket}/a.csv"),
            "--context".into(),
            "aws:SecureTransport=false".into(),
        ],
        vec![
            role.into(),
            "s3:ListBucket".into(),
            bucket.into(),
            "--context".into(),
            "aws:SecureTransport=true".into(),
        ],
        vec![
            role.into(),
            "s3:DeleteObject".into(),
            format!("{bucket}/a.csv"),
        ],
        vec![
            role.into(),
            "s3:PutObject".into(),
            format!("{bucket}/a.csv"),
        ],
        vec![
            "anonymous".into(),
            "s3:GetObject".into(),
            format!("{bucket}/shared/x"),
        ],
        vec![
            "lambda.amazonaws.com".into(),
            "sts:AssumeRole".into(),
            "arn:aws:iam::111111111111:role/reports-reader".into(),
        ],
        vec![
            "111111111111".into(),
            "s3:GetObject".into(),
            format!("{bucket}/a.csv"),
        ],
    ];
    for q in &questions {
        let ask = |env: &str| {
            let mut args = vec!["can", "--env", env, "--account", "111111111111"];
            args.extend(q.iter().map(String::as_str));
            json(&args)
        };
        let (a, b) = (ask(plan), ask(snap));
        assert_eq!(essence(&a), essence(&b), "{q:?}\nplan: {a}\nsnapshot: {b}");
    }
    // The who-can and reach listings agree too.
    for args in [
        vec![
            "who-can",
            "s3:GetObject",
            "arn:aws:s3:::reports-111111111111/a.csv",
        ],
        vec!["reach", bucket],
    ] {
        let names = |env: &str| {
            let mut a = vec![args[0], "--env", env, "--account", "111111111111"];
            a.extend(&args[1..]);
            let v = json(&a);
            let mut p: Vec<String> = v["principals"]
                .as_array()
                .expect("principals")
                .iter()
                .map(|e| format!("{} {} {}", e["principal"], e["decision"], e["actions"]))
                .collect();
            p.sort();
            p
        };
        assert_eq!(names(plan), names(snap), "{args:?}");
    }
}

#[test]
fn template_layered_over_a_snapshot_joins_its_account() {
    let snap = "tests/iac/terraform/snapshot";
    let tpl = "tests/iac/layer/template.yaml";
    // The template's role joins account 111111111111 (taken from the snapshot) and its bucket
    // policy replaces the existing bucket's.
    let a = json(&[
        "can",
        "--env",
        snap,
        "--env",
        tpl,
        "role/ingest",
        "s3:PutObject",
        "arn:aws:s3:::reports-111111111111/in/x",
        "--context",
        "aws:SecureTransport=true",
    ]);
    assert_eq!(a["decision"], "allow", "{a}");
    assert_eq!(
        a["principal"], "arn:aws:iam::111111111111:role/ingest",
        "{a}"
    );
    // The snapshot's own role keeps working; the layered bucket policy now denies its deletes.
    let a = json(&[
        "can",
        "--env",
        snap,
        "--env",
        tpl,
        "role/reports-reader",
        "s3:GetObject",
        "arn:aws:s3:::reports-111111111111/a",
        "--context",
        "aws:SecureTransport=true",
    ]);
    assert_eq!(a["decision"], "allow", "{a}");
    let a = json(&[
        "can",
        "--env",
        snap,
        "--env",
        tpl,
        "anonymous",
        "s3:GetObject",
        "arn:aws:s3:::reports-111111111111/shared/x",
    ]);
    assert_eq!(
        a["decision"], "deny",
        "the template's bucket policy replaced the partner grant: {a}"
    );
    // The single --env keeps its meaning.
    let a = json(&[
        "can",
        "--env",
        snap,
        "role/reports-reader",
        "s3:PutObject",
        "arn:aws:s3:::reports-111111111111/in/x",
    ]);
    assert_eq!(a["decision"], "deny", "{a}");
    let (code, _, err) = run(&[
        "can",
        "--env",
        snap,
        "role/ingest",
        "s3:PutObject",
        "arn:aws:s3:::reports-111111111111/in/x",
    ]);
    assert_eq!(
        code, 2,
        "the template's role is not in the snapshot alone: {err}"
    );
    // Diff of the snapshot alone against snapshot + template.
    let d = json(&[
        "diff",
        "--before",
        snap,
        "--after",
        snap,
        tpl,
        "--reach",
        "arn:aws:s3:::reports-111111111111",
    ]);
    let gained = d["gained"].as_array().expect("gained");
    assert!(
        gained.iter().any(
            |g| g["principal"] == "arn:aws:iam::111111111111:role/ingest"
                && g["action"] == "s3:PutObject"
        ),
        "{d}"
    );
    // The Lambda service can assume the new role (its trust policy), so it gains the same
    // access through it (chains are followed per action: `via` names the role that holds it).
    assert!(
        gained
            .iter()
            .any(|g| g["principal"] == "lambda.amazonaws.com"
                && g["action"] == "s3:PutObject"
                && g["via"] == serde_json::json!(["arn:aws:iam::111111111111:role/ingest"])),
        "{d}"
    );
    // Principals outside the environment (the partner account 222222222222 the old bucket
    // policy named) are not enumerated by reach, so their lost access is not listed.
    assert_eq!(gained.len(), 2, "{d}");
}

/// Runs the binary on a malformed input: exit 2 and an error naming each expected piece.
fn rejects(file: &str, expected: &[&str]) {
    let (code, _, err) = run(&[
        "can",
        "--env",
        file,
        "123456789012",
        "s3:ListAllMyBuckets",
        "*",
    ]);
    assert_eq!(code, 2, "{file}: {err}");
    assert!(!err.contains("panicked"), "{file}: {err}");
    for e in expected {
        assert!(err.contains(e), "{file}: expected `{e}` in:\n{err}");
    }
}

#[test]
fn malformed_templates_name_file_line_and_logical_id() {
    rejects(
        "tests/iac/malformed/bad-yaml.yaml",
        &[
            "tests/iac/malformed/bad-yaml.yaml",
            "line 9",
            "`Broken`",
            "not valid YAML",
        ],
    );
    rejects(
        "tests/iac/malformed/unknown-tag.yaml",
        &[
            "unknown-tag.yaml",
            "line 8",
            "logical id `Fn`",
            "unknown intrinsic function `!Frobnicate`",
        ],
    );
    rejects(
        "tests/iac/malformed/unknown-fn.json",
        &[
            "unknown-fn.json",
            "line 5",
            "Resources.Bucket.Properties.BucketName.Fn::Frobnicate",
            "unknown intrinsic function `Fn::Frobnicate`",
        ],
    );
    rejects(
        "tests/iac/malformed/circular.yaml",
        &[
            "circular.yaml",
            "line ",
            "circular dependency between resources",
            "logical id `",
        ],
    );
    rejects(
        "tests/iac/malformed/bad-ref.yaml",
        &[
            "bad-ref.yaml",
            "line 4",
            "Resources.Role.Properties.RoleName.Ref",
            "`Nope`",
        ],
    );
    rejects(
        "tests/iac/malformed/bad-policy.yaml",
        &[
            "bad-policy.yaml",
            "line 4",
            "Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0]",
            "Effect",
        ],
    );
}

/// Every vendored corpus file loads (warnings allowed), or fails with its expected error; none
/// panics. Loaded in-process for speed.
#[test]
fn corpus_loads_or_fails_as_expected() {
    let dir = root().join("tests/iac-corpus");
    let expected: Vec<(String, String)> = std::fs::read_to_string(dir.join("expected-errors.txt"))
        .expect("expected-errors.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(" :: ")
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect();
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    assert!(files.len() >= 45, "only {} corpus files", files.len());
    let mut problems = Vec::new();
    let (mut loaded, mut failed) = (0, 0);
    for f in &files {
        let rel = f
            .strip_prefix(&dir)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let opts = iamdl::iac::IacOptions::default();
        let paths = vec![f.clone()];
        let r = std::panic::catch_unwind(|| iamdl::iac::load_layers(&paths, &opts));
        let want = expected
            .iter()
            .find(|(n, _)| *n == rel)
            .map(|(_, m)| m.clone());
        match (r, want) {
            (Err(_), _) => problems.push(format!("{rel}: panicked")),
            (Ok(Ok(env)), None) => {
                loaded += 1;
                if env.roles.is_empty() && env.resources.is_empty() && env.users.is_empty() {
                    problems.push(format!("{rel}: loaded nothing"));
                }
            }
            (Ok(Ok(_)), Some(m)) => problems.push(format!("{rel}: loaded, expected error `{m}`")),
            (Ok(Err(e)), Some(m)) => {
                failed += 1;
                let all: Vec<String> = e.errors.iter().map(|d| d.to_string()).collect();
                if !all.iter().any(|d| d.contains(&m)) {
                    problems.push(format!("{rel}: expected `{m}`, got {all:?}"));
                }
            }
            (Ok(Err(e)), None) => problems.push(format!(
                "{rel}: {}",
                e.errors
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(failed, expected.len());
    assert!(loaded >= 40, "{loaded} loaded");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read corpus dir").flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        if p.is_dir() {
            if name != "licenses" {
                collect(&p, out);
            }
        } else if !(name.contains("license")
            || name.contains("notice")
            || name == "sources.json"
            || name == "readme.md"
            || name == "expected-errors.txt")
        {
            out.push(p);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Soundness: what a template cannot tell before deployment never becomes "no access".

const SYM: &str = "tests/iac/symbolic/template.yaml";
const SYM_FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:symfn";
const SYM_OBJ: &str = "arn:aws:s3:::sym-data/a.csv";
const SYM_PARAMS: [&str; 8] = [
    "--param",
    "TrustedRoleArn=arn:aws:iam::123456789012:role/writer",
    "--param",
    "VpceId=vpce-1",
    "--param",
    "BlockedAction=s3:GetObjectAcl",
    "--param",
    "SourceBucketArn=arn:aws:s3:::uploads",
];

fn can_sym(params: &[&str], rest: &[&str]) -> Value {
    let mut a = vec!["can", "--env", SYM];
    a.extend_from_slice(params);
    a.extend_from_slice(rest);
    json(&a)
}

fn conditions_text(a: &Value) -> String {
    a["conditions"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

#[test]
fn symbolic_principal_may_name_the_caller() {
    // `Principal: {AWS: !ImportValue other-stack-role}`: may be the outsider role.
    let a = can_sym(&[], &["role/outsider", "s3:GetObject", SYM_OBJ]);
    assert_eq!(a["decision"], "conditional", "{a}");
    let c = conditions_text(&a);
    assert!(
        c.contains("Principal = {{ImportValue:other-stack-role}}"),
        "the residual names the symbolic value: {c}"
    );
    // ImportValue cannot be given: still conditional with every parameter set.
    let a = can_sym(&SYM_PARAMS, &["role/outsider", "s3:GetObject", SYM_OBJ]);
    assert_eq!(a["decision"], "conditional", "{a}");
    // A value that is all symbol may even be "*": a service caller is conditional too.
    let a = can_sym(&[], &["s3.amazonaws.com", "s3:GetObject", SYM_OBJ]);
    assert_eq!(a["decision"], "conditional", "{a}");
    // The fixed parts of a partly symbolic value still exclude callers: a role of another
    // account (`arn:aws:iam::111122223333:role/${PartnerRole}`) is not the outsider.
    let a = can_sym(&[], &["role/outsider", "s3:GetObjectVersion", SYM_OBJ]);
    assert_eq!(a["decision"], "deny", "{a}");
}

#[test]
fn symbolic_not_principal_deny_is_conditional_until_the_parameter_is_given() {
    let a = can_sym(&[], &["role/writer", "s3:DeleteObject", SYM_OBJ]);
    assert_eq!(a["decision"], "conditional", "{a}");
    assert!(
        conditions_text(&a).contains("NotPrincipal = {{param:TrustedRoleArn}}"),
        "{a}"
    );
    // Given: NotPrincipal lists the role ARN, not its session, so the deny applies (M11).
    let a = can_sym(&SYM_PARAMS, &["role/writer", "s3:DeleteObject", SYM_OBJ]);
    assert_eq!(a["decision"], "deny", "{a}");
}

#[test]
fn symbolic_condition_value_is_undecided_not_false() {
    // Deny unless aws:SourceVpce = !Ref VpceId: with the parameter unknown the deny may apply
    // or not (StringNotEquals must not turn the unknown value into a certain deny).
    let put = [
        "role/writer",
        "s3:PutObject",
        SYM_OBJ,
        "--context",
        "aws:SourceVpce=vpce-1",
    ];
    let a = can_sym(&[], &put);
    assert_eq!(a["decision"], "conditional", "{a}");
    assert!(conditions_text(&a).contains("{{param:VpceId}}"), "{a}");
    assert_eq!(can_sym(&SYM_PARAMS, &put)["decision"], "allow");
    // Lambda permission with `SourceArn: !Ref SourceBucketArn`.
    let invoke = |params: &[&str], src: &str| {
        can_sym(
            params,
            &[
                "s3.amazonaws.com",
                "lambda:InvokeFunction",
                SYM_FN,
                "--context",
                &format!("aws:SourceArn={src}"),
            ],
        )["decision"]
            .clone()
    };
    assert_eq!(invoke(&[], "arn:aws:s3:::uploads"), "conditional");
    assert_eq!(invoke(&SYM_PARAMS, "arn:aws:s3:::uploads"), "allow");
    assert_eq!(invoke(&SYM_PARAMS, "arn:aws:s3:::elsewhere"), "deny");
}

#[test]
fn symbolic_action_in_a_deny_makes_the_allow_conditional() {
    let a = can_sym(&[], &["role/writer", "s3:GetObject", SYM_OBJ]);
    assert_eq!(a["decision"], "conditional", "{a}");
    assert!(
        conditions_text(&a).contains("Action {{param:BlockedAction}}"),
        "{a}"
    );
    let a = can_sym(&SYM_PARAMS, &["role/writer", "s3:GetObject", SYM_OBJ]);
    assert_eq!(a["decision"], "allow", "{a}");
    let a = can_sym(&SYM_PARAMS, &["role/writer", "s3:GetObjectAcl", SYM_OBJ]);
    assert_eq!(a["decision"], "deny", "{a}");
}

const COND: &str = "facts/examples/15-iac-conditions/env/template.yaml";
const REPORT: &str = "arn:aws:s3:::reports-15/a.csv";

fn can_cond(params: &[&str], who: &str, action: &str, resource: &str) -> Value {
    let mut a = vec!["can", "--env", COND];
    a.extend_from_slice(params);
    a.extend_from_slice(&[who, action, resource]);
    json(&a)
}

#[test]
fn undecidable_condition_allow_is_conditional_and_names_the_condition() {
    // The auditor role exists only when IsProd holds.
    let a = can_cond(&[], "role/auditor", "s3:GetObject", REPORT);
    assert_eq!(a["decision"], "conditional", "{a}");
    assert!(
        conditions_text(&a).contains("template condition IsProd"),
        "{a}"
    );
    // `Resource: !If [IsProd, prod-queue, dev-queue]`: either queue, conditionally.
    for q in ["prod-queue", "dev-queue"] {
        let r = format!("arn:aws:sqs:us-east-1:123456789012:{q}");
        let a = can_cond(&[], "role/worker", "sqs:SendMessage", &r);
        assert_eq!(a["decision"], "conditional", "{q}: {a}");
    }
    let other = "arn:aws:sqs:us-east-1:123456789012:other-queue";
    assert_eq!(
        can_cond(&[], "role/worker", "sqs:SendMessage", other)["decision"],
        "deny"
    );
}

#[test]
fn undecidable_condition_deny_makes_the_allow_conditional_not_denied() {
    // A statement entry `!If [IsProd, {Deny s3:DeleteObject}, !Ref AWS::NoValue]`.
    let a = can_cond(&[], "role/worker", "s3:DeleteObject", REPORT);
    assert_eq!(a["decision"], "conditional", "{a}");
    assert!(
        conditions_text(&a).contains("denied if template condition IsProd"),
        "{a}"
    );
    // A whole policy resource with `Condition: IsProd` that denies uploads.
    let a = can_cond(&[], "role/worker", "s3:PutObject", REPORT);
    assert_eq!(a["decision"], "conditional", "{a}");
    // Nothing depends on IsProd: exact.
    assert_eq!(
        can_cond(&[], "role/worker", "s3:GetObject", REPORT)["decision"],
        "allow"
    );
}

#[test]
fn decidable_conditions_give_exact_answers() {
    let prod = ["--param", "Stage=prod"];
    let dev = ["--param", "Stage=dev"];
    let q = |n: &str| format!("arn:aws:sqs:us-east-1:123456789012:{n}");
    let cases: [(&[&str], &str, &str, String, &str); 9] = [
        (
            &prod,
            "role/worker",
            "s3:DeleteObject",
            REPORT.into(),
            "deny",
        ),
        (&prod, "role/worker", "s3:PutObject", REPORT.into(), "deny"),
        (
            &prod,
            "role/worker",
            "sqs:SendMessage",
            q("prod-queue"),
            "allow",
        ),
        (
            &prod,
            "role/worker",
            "sqs:SendMessage",
            q("dev-queue"),
            "deny",
        ),
        (
            &prod,
            "role/auditor",
            "s3:GetObject",
            REPORT.into(),
            "allow",
        ),
        (
            &dev,
            "role/worker",
            "s3:DeleteObject",
            REPORT.into(),
            "allow",
        ),
        (&dev, "role/worker", "s3:PutObject", REPORT.into(), "allow"),
        (
            &dev,
            "role/worker",
            "sqs:SendMessage",
            q("dev-queue"),
            "allow",
        ),
        (
            &dev,
            "role/worker",
            "sqs:SendMessage",
            q("prod-queue"),
            "deny",
        ),
    ];
    for (params, who, action, res, want) in cases {
        let a = can_cond(params, who, action, &res);
        assert_eq!(a["decision"], want, "{params:?} {who} {action} {res}: {a}");
        assert!(
            !conditions_text(&a).contains("template condition"),
            "decided: {a}"
        );
    }
    // With Stage=dev the auditor role is not created at all.
    let (code, _, err) = run(&[
        "can",
        "--env",
        COND,
        "--param",
        "Stage=dev",
        "role/auditor",
        "s3:GetObject",
        REPORT,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("auditor"), "{err}");
}

const CHAIN_BEFORE: &str = "tests/iac/diff-chain/before.yaml";
const CHAIN_AFTER: &str = "tests/iac/diff-chain/after.yaml";

#[test]
fn diff_follows_role_chains_to_identity_grants() {
    let d = json(&["diff", "--before", CHAIN_BEFORE, "--after", CHAIN_AFTER]);
    let gained = d["gained"].as_array().expect("gained");
    let dev: Vec<&Value> = gained
        .iter()
        .filter(|c| c["principal"] == "arn:aws:iam::123456789012:user/dev")
        .collect();
    assert_eq!(dev.len(), 1, "{dev:?}");
    assert_eq!(dev[0]["action"], "cloudwatch:GetMetricStatistics");
    assert_eq!(dev[0]["resource"], "*");
    assert_eq!(dev[0]["decision"], "allow");
    assert_eq!(dev[0]["via"][0], "arn:aws:iam::123456789012:role/app");
    assert!(d["lost"].as_array().expect("lost").is_empty(), "{d}");
}

#[test]
fn diff_expands_not_action_grants() {
    let d = json(&["diff", "--before", CHAIN_BEFORE, "--after", CHAIN_AFTER]);
    let ops: Vec<&Value> = d["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .filter(|c| c["principal"] == "arn:aws:iam::123456789012:role/ops")
        .collect();
    let actions: Vec<&str> = ops.iter().filter_map(|c| c["action"].as_str()).collect();
    // `Allow NotAction: iam:*`: every other service, none of IAM.
    for svc in ["ec2:*", "s3:*", "sts:*", "lambda:*"] {
        assert!(actions.contains(&svc), "{svc} missing from {actions:?}");
    }
    assert!(
        !actions.iter().any(|a| a.starts_with("iam:")),
        "{actions:?}"
    );
    let ec2 = ops.iter().find(|c| c["action"] == "ec2:*").expect("ec2");
    assert_eq!(ec2["decision"], "allow");
    assert!(
        ec2["reasons"][0]
            .as_str()
            .is_some_and(|r| r.contains("all-but-iam")),
        "{ec2}"
    );
    // The service that assumes the role gains it too, through the role.
    assert!(d["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .any(|c| c["principal"] == "ec2.amazonaws.com"
            && c["action"] == "ec2:*"
            && c["via"][0] == "arn:aws:iam::123456789012:role/ops"));
}

#[test]
fn diff_reports_access_regained_by_removing_a_deny() {
    let d = json(&["diff", "--before", CHAIN_BEFORE, "--after", CHAIN_AFTER]);
    let cleaner: Vec<&Value> = d["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .filter(|c| c["principal"] == "arn:aws:iam::123456789012:user/cleaner")
        .collect();
    assert_eq!(cleaner.len(), 1, "{cleaner:?}");
    assert_eq!(cleaner[0]["action"], "s3:DeleteObject");
    assert_eq!(cleaner[0]["other"], "deny");
}

const BOUNDARY: &str = "tests/iac/boundary/template.yaml";

/// A permissions boundary under an undecidable template condition caps only under that
/// outcome: an action outside the boundary is conditional (allowed without the boundary),
/// never a certain deny; `--param` decides it exactly.
#[test]
fn boundary_under_an_undecidable_condition_is_conditional() {
    let obj = "arn:aws:s3:::data/a";
    let ask = |params: &[&str], action: &str| {
        let mut a = vec!["can", "--env", BOUNDARY];
        a.extend_from_slice(params);
        a.extend_from_slice(&["role/worker", action, obj]);
        json(&a)
    };
    let put = ask(&[], "s3:PutObject");
    assert_eq!(put["decision"], "conditional", "{put}");
    assert!(conditions_text(&put).contains("Capped"), "{put}");
    // Inside the boundary: allowed under both outcomes, so allowed (the boundary's Allow is
    // common to every outcome and kept unguarded).
    assert_eq!(ask(&[], "s3:GetObject")["decision"], "allow");
    // Decided: with the boundary PutObject is denied by it, without it allowed.
    let capped = ask(&["--param", "UseBoundary=yes"], "s3:PutObject");
    assert_eq!(capped["decision"], "deny", "{capped}");
    assert_eq!(capped["blame"][0]["layer"], "boundary", "{capped}");
    assert_eq!(
        ask(&["--param", "UseBoundary=no"], "s3:PutObject")["decision"],
        "allow"
    );
    assert_eq!(
        ask(&["--param", "UseBoundary=yes"], "s3:GetObject")["decision"],
        "allow"
    );
}

const ATTACH: &str = "tests/iac/attach/template.yaml";

/// A policy whose `Roles` entry depends on an undecidable condition is attached as a guarded
/// copy: its Allow makes the answer conditional (the false branch used to be dropped: a silent
/// deny), its Deny too (the true branch used to make it a certain deny).
#[test]
fn policy_attached_under_an_undecidable_condition_is_conditional() {
    let obj = "arn:aws:s3:::attach-data/a";
    let ask = |params: &[&str], action: &str| {
        let mut a = vec!["can", "--env", ATTACH];
        a.extend_from_slice(params);
        a.extend_from_slice(&["role/app", action, obj]);
        json(&a)
    };
    let put = ask(&[], "s3:PutObject");
    assert_eq!(put["decision"], "conditional", "{put}");
    assert!(conditions_text(&put).contains("IsProd"), "{put}");
    let del = ask(&[], "s3:DeleteObject");
    assert_eq!(del["decision"], "conditional", "{del}");
    assert!(conditions_text(&del).contains("IsProd"), "{del}");
    // Decided by --param.
    assert_eq!(
        ask(&["--param", "Env=prod"], "s3:PutObject")["decision"],
        "deny"
    );
    assert_eq!(
        ask(&["--param", "Env=dev"], "s3:PutObject")["decision"],
        "allow"
    );
    assert_eq!(
        ask(&["--param", "Env=prod"], "s3:DeleteObject")["decision"],
        "deny"
    );
    assert_eq!(
        ask(&["--param", "Env=dev"], "s3:DeleteObject")["decision"],
        "allow"
    );
}

const SAM_IF: &str = "tests/iac/sam-if/template.yaml";

/// SAM `Policies` entries (a managed policy by name, a policy template) under an undecidable
/// condition are attached as guarded copies: conditional, not the true branch (which here was
/// "no policy": a silent deny).
#[test]
fn sam_policies_under_an_undecidable_condition_are_conditional() {
    let ask = |params: &[&str], action: &str, res: &str| {
        let mut a = vec!["can", "--env", SAM_IF];
        a.extend_from_slice(params);
        a.extend_from_slice(&["role/stack-FnRole", action, res]);
        json(&a)
    };
    let obj = "arn:aws:s3:::sam-if-data/a";
    let get = ask(&[], "s3:GetObject", obj);
    assert_eq!(get["decision"], "conditional", "{get}");
    assert!(conditions_text(&get).contains("IsProd"), "{get}");
    let put = ask(&[], "s3:PutObject", obj);
    assert_eq!(put["decision"], "conditional", "{put}");
    assert_eq!(
        ask(&["--param", "Stage=prod"], "s3:PutObject", obj)["decision"],
        "deny"
    );
    assert_eq!(
        ask(&["--param", "Stage=dev"], "s3:PutObject", obj)["decision"],
        "allow"
    );
    assert_eq!(
        ask(&["--param", "Stage=dev"], "s3:GetObject", obj)["decision"],
        "allow"
    );
}

const GROUPS: &str = "tests/iac/groups/template.yaml";

/// Group memberships under an undecidable condition (a `Groups` entry or the whole list under
/// `Fn::If`, a `UserToGroupAddition` with `Condition:` or whose `GroupName` / `Users` depend on
/// one): the user gets the group's policies as guarded copies. Its Allow is conditional (the
/// false branch used to be dropped: a silent deny), its Deny too (the true branch used to make
/// it a certain deny); `--param` decides them exactly.
#[test]
fn group_memberships_under_an_undecidable_condition_are_conditional() {
    let obj = "arn:aws:s3:::grp-data/a";
    let ask = |params: &[&str], who: &str, action: &str| {
        let mut a = vec!["can", "--env", GROUPS];
        a.extend_from_slice(params);
        a.extend_from_slice(&[who, action, obj]);
        json(&a)
    };
    // who, action, undecided, Env=prod, Env=dev
    let cases = [
        "user/alice s3:GetObject conditional allow deny",
        "user/alice s3:DeleteObject conditional deny allow",
        "user/bob s3:GetObject conditional deny allow",
        "user/carol s3:DeleteObject conditional deny allow",
        "user/dave s3:GetObject conditional allow deny",
        "user/dave s3:PutObject conditional deny allow",
        "user/erin s3:PutObject conditional allow deny",
        "user/frank s3:PutObject conditional deny allow",
    ];
    for case in cases {
        let f: Vec<&str> = case.split_whitespace().collect();
        let [who, action, undecided, prod, dev] = f[..] else {
            panic!("bad case {case}");
        };
        let a = ask(&[], who, action);
        assert_eq!(a["decision"], undecided, "{who} {action}: {a}");
        assert!(
            conditions_text(&a).contains("IsProd"),
            "{who} {action}: {a}"
        );
        let p = ask(&["--param", "Env=prod"], who, action);
        assert_eq!(p["decision"], prod, "{who} {action} (prod): {p}");
        let d = ask(&["--param", "Env=dev"], who, action);
        assert_eq!(d["decision"], dev, "{who} {action} (dev): {d}");
    }
}

/// An instance profile's roles under an undecidable condition: the profile is recorded on
/// every role it may hold (both alternatives of `Fn::If`, and a profile that may not exist).
#[test]
fn instance_profile_roles_under_an_undecidable_condition_keep_both_outcomes() {
    let load = |params: &[(&str, &str)]| {
        let opts = iamdl::iac::IacOptions {
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let env =
            iamdl::iac::load_layers(&[root().join("tests/iac/profiles/template.yaml")], &opts)
                .unwrap_or_else(|e| panic!("{:?}", e.errors));
        let profiles = |name: &str| -> Vec<String> {
            let r = env.roles.iter().find(|r| r.name == name).expect(name);
            let mut v: Vec<String> = r
                .instance_profiles
                .iter()
                .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
                .collect();
            v.sort();
            v
        };
        (profiles("prod-role"), profiles("dev-role"))
    };
    let (prod, dev) = load(&[]);
    assert_eq!(prod, ["chosen"]);
    assert_eq!(dev, ["chosen", "prod-only"]);
    let (prod, dev) = load(&[("Env", "prod")]);
    assert_eq!(prod, ["chosen"]);
    assert_eq!(dev, ["prod-only"]);
    let (prod, dev) = load(&[("Env", "dev")]);
    assert!(prod.is_empty(), "{prod:?}");
    assert_eq!(dev, ["chosen"]);
}

const BOUNDARY_NESTED: &str = "tests/iac/boundary-nested/template.yaml";

/// A permissions boundary chosen by several undecidable conditions (`!If [C, A, B]`, nested
/// `!If` with a branch without boundary): each alternative caps only under its path of
/// outcomes; an action no alternative allows stays a certain deny only when every outcome has a
/// boundary; an action every outcome allows is allowed.
#[test]
fn boundary_under_several_undecidable_conditions_is_conditional() {
    let obj = "arn:aws:s3:::nested-data/a";
    let ask = |params: &[&str], who: &str, action: &str| {
        let mut a = vec!["can", "--env", BOUNDARY_NESTED];
        a.extend_from_slice(params);
        a.extend_from_slice(&[who, action, obj]);
        json(&a)
    };
    // who, action, undecided, prod, staging, dev
    let cases = [
        "role/either s3:GetObject conditional allow deny deny",
        "role/either s3:PutObject conditional deny allow allow",
        "role/either s3:DeleteObject deny deny deny deny",
        "role/either s3:ListBucket allow allow allow allow",
        "role/nested s3:GetObject conditional allow deny allow",
        "role/nested s3:PutObject conditional deny allow allow",
        "role/nested s3:DeleteObject conditional deny deny allow",
        "role/nested s3:ListBucket allow allow allow allow",
        // `!Sub` over an `!If`: computed once per outcome (was: the true branch).
        "role/subbed s3:GetObject conditional allow deny deny",
        "role/subbed s3:PutObject conditional deny allow allow",
        "role/subbed s3:ListBucket allow allow allow allow",
    ];
    for case in cases {
        let f: Vec<&str> = case.split_whitespace().collect();
        let [who, action, undecided, prod, staging, dev] = f[..] else {
            panic!("bad case {case}");
        };
        let a = ask(&[], who, action);
        assert_eq!(a["decision"], undecided, "{who} {action}: {a}");
        for (tier, want) in [("prod", prod), ("staging", staging), ("dev", dev)] {
            let p = ask(&["--param", &format!("Tier={tier}")], who, action);
            assert_eq!(p["decision"], want, "{who} {action} ({tier}): {p}");
        }
    }
}

const DIFF_BOUNDARY_BEFORE: &str = "tests/iac/diff-boundary/before.yaml";
const DIFF_BOUNDARY_AFTER: &str = "tests/iac/diff-boundary/after.yaml";

/// Access changed only by a permissions boundary is found by `diff` in both directions: the
/// boundary's statements are probes too (the identity policy grants `s3:*`, which names no
/// single action).
#[test]
fn diff_reports_access_changed_only_by_a_boundary() {
    let pick = |d: &Value, side: &str, role: &str| -> Vec<(String, String, String)> {
        d[side]
            .as_array()
            .expect(side)
            .iter()
            .filter(|c| c["principal"] == format!("arn:aws:iam::123456789012:role/{role}"))
            .map(|c| {
                (
                    c["action"].as_str().unwrap_or("").to_string(),
                    c["decision"].as_str().unwrap_or("").to_string(),
                    c["other"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let d = json(&[
        "diff",
        "--before",
        DIFF_BOUNDARY_BEFORE,
        "--after",
        DIFF_BOUNDARY_AFTER,
    ]);
    let lost = pick(&d, "lost", "capped");
    assert!(
        lost.contains(&("s3:GetObject".into(), "allow".into(), "deny".into())),
        "{d}"
    );
    assert!(!lost.iter().any(|l| l.0 == "s3:PutObject"), "{d}");
    let gained = pick(&d, "gained", "widened");
    assert!(
        gained.contains(&("s3:DeleteObject".into(), "allow".into(), "deny".into())),
        "{d}"
    );
    // Removing a boundary gains what the identity policy grants beyond it.
    assert!(
        pick(&d, "gained", "freed").contains(&("s3:*".into(), "allow".into(), "deny".into())),
        "{d}"
    );
    // The reverse diff swaps them.
    let r = json(&[
        "diff",
        "--before",
        DIFF_BOUNDARY_AFTER,
        "--after",
        DIFF_BOUNDARY_BEFORE,
    ]);
    assert!(pick(&r, "gained", "capped")
        .iter()
        .any(|g| g.0 == "s3:GetObject" && g.1 == "allow"));
    assert!(pick(&r, "lost", "widened")
        .iter()
        .any(|g| g.0 == "s3:DeleteObject" && g.1 == "allow"));
    assert!(pick(&r, "lost", "freed").iter().any(|g| g.0 == "s3:*"));
}

/// A membership under an undecidable condition still counts for escalation: mallory may be in
/// the group whose policies she may change (iam-011), so she may become an administrator;
/// when the condition is decided false she is no member.
#[test]
fn group_membership_under_an_undecidable_condition_counts_for_escalation() {
    let admins = |params: &[&str]| -> Vec<String> {
        let mut a = vec!["admins", "--env", GROUPS];
        a.extend_from_slice(params);
        json(&a)["admins"]
            .as_array()
            .expect("admins")
            .iter()
            .filter_map(|x| x["principal"].as_str().map(str::to_string))
            .collect()
    };
    let mallory = "arn:aws:iam::123456789012:user/mallory".to_string();
    assert!(admins(&[]).contains(&mallory));
    assert!(admins(&["--param", "Env=prod"]).contains(&mallory));
    assert!(!admins(&["--param", "Env=dev"]).contains(&mallory));
}

/// Access changed only by an SCP (copies of example 05-org-guardrails in which the sandbox OU's
/// allow-list swaps `logs:*` for `ec2:DescribeInstances`; the admin's identity policy allows
/// `*`) is found by `diff` both ways: the SCP's actions are probes too.
#[test]
fn diff_reports_access_changed_only_by_an_scp() {
    let d = json(&[
        "diff",
        "--before",
        "tests/iac/diff-scp/before",
        "--after",
        "tests/iac/diff-scp/after",
    ]);
    let admin = "arn:aws:iam::333333333333:user/admin";
    let has = |side: &str, action: &str| {
        d[side].as_array().expect(side).iter().any(|c| {
            c["principal"] == admin
                && c["action"] == action
                && c["resource"] == "*"
                && c["decision"] == "allow"
                && c["other"] == "deny"
        })
    };
    assert!(has("gained", "ec2:DescribeInstances"), "{d}");
    assert!(has("lost", "logs:*"), "{d}");
    // Nothing changes for the accounts outside the sandbox OU.
    for side in ["gained", "lost"] {
        assert!(
            d[side]
                .as_array()
                .expect(side)
                .iter()
                .all(|c| c["principal"]
                    .as_str()
                    .is_some_and(|p| p.contains("333333333333"))),
            "{d}"
        );
    }
}

/// The queues and topics of a queue or topic policy under an undecidable condition: the policy
/// applies to each as a guarded copy (the false branch used to get no policy: a silent deny).
#[test]
fn queue_and_topic_policy_targets_under_an_undecidable_condition_are_conditional() {
    let ask = |params: &[&str], who: &str, action: &str, res: &str| {
        let mut a = vec!["can", "--env", "tests/iac/queues/template.yaml"];
        a.extend_from_slice(params);
        a.extend_from_slice(&[who, action, res]);
        json(&a)["decision"].as_str().unwrap_or("").to_string()
    };
    let q = |n: &str| format!("arn:aws:sqs:us-east-1:123456789012:{n}");
    let topic = "arn:aws:sns:us-east-1:123456789012:events";
    // undecided, Env=prod, Env=dev
    let cases = [
        (
            "sns.amazonaws.com",
            "sqs:SendMessage",
            q("prod-q"),
            ["conditional", "allow", "deny"],
        ),
        (
            "sns.amazonaws.com",
            "sqs:SendMessage",
            q("dev-q"),
            ["conditional", "deny", "allow"],
        ),
        (
            "events.amazonaws.com",
            "sns:Publish",
            topic.to_string(),
            ["conditional", "allow", "deny"],
        ),
    ];
    for (who, action, res, want) in cases {
        for (params, w) in [
            (&[][..], want[0]),
            (&["--param", "Env=prod"][..], want[1]),
            (&["--param", "Env=dev"][..], want[2]),
        ] {
            assert_eq!(
                ask(params, who, action, &res),
                w,
                "{who} {action} {res} {params:?}"
            );
        }
    }
}

/// A Lambda permission whose `Principal` and `SourceArn` depend on undecidable conditions is
/// added once per outcome, each statement guarded: a caller one outcome lets in is conditional
/// (the true branch used to give a certain deny to the other principal, and to a source the
/// true branch did not name).
#[test]
fn lambda_permission_under_undecidable_conditions_is_conditional() {
    let f = "arn:aws:lambda:us-east-1:123456789012:function:perm-fn";
    let ask = |params: &[&str], who: &str| {
        let mut a = vec!["can", "--env", "tests/iac/permission/template.yaml"];
        a.extend_from_slice(params);
        a.extend_from_slice(&[
            who,
            "lambda:InvokeFunction",
            f,
            "--context",
            "aws:SourceArn=arn:aws:s3:::other",
            "--context",
            "aws:SourceAccount=123456789012",
        ]);
        json(&a)
    };
    for who in ["s3.amazonaws.com", "sns.amazonaws.com"] {
        let a = ask(&[], who);
        assert_eq!(a["decision"], "conditional", "{who}: {a}");
        let c = conditions_text(&a);
        assert!(
            c.contains("PinSource") && c.contains("FromSns"),
            "{who}: {a}"
        );
    }
    let s3 = ["--param", "Caller=s3"];
    let pinned = [&s3[..], &["--param", "Source=arn:aws:s3:::uploads"]].concat();
    assert_eq!(ask(&pinned, "s3.amazonaws.com")["decision"], "deny");
    let open = [&s3[..], &["--param", "Source="]].concat();
    assert_eq!(ask(&open, "s3.amazonaws.com")["decision"], "allow");
    assert_eq!(ask(&open, "sns.amazonaws.com")["decision"], "deny");
}
