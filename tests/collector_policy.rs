//! `scripts/collector-policy.json`, the least-privilege policy for running the collector, is
//! checked by iamdl itself, in both directions:
//!
//! 1. The calls are read from `scripts/collect-snapshot.sh` (every `fetch`, `lines` and `awscli`
//!    invocation; a call whose service or command is not a literal word fails the test, and the
//!    AWS CLI is invoked in exactly one place). Each call is mapped to its IAM action (the
//!    CamelCase of the CLI command, except the few listed in `RENAMED`), which must exist in the
//!    vendored action catalog with access level Read or List (only `sts:AssumeRole`, which
//!    enters member accounts, is not).
//! 2. Sufficient: `iamdl needs` for a role holding only the policy, each action and a resource of
//!    the catalog's resource type for it, reports every requirement met.
//! 3. Minimal: every one of the catalog's actions is asked of the engine (on any resource); the
//!    actions the policy allows or may allow are exactly the actions of step 1, and
//!    `sts:AssumeRole` is allowed only on the role the script assumes (`--role-name` default).

use iamdl::catalog::{AccessLevel, Catalog};
use iamdl::engine::answer::Decision;
use iamdl::engine::request::{Request, Target, UserContext};
use iamdl::engine::Engine;
use iamdl::input::{load, LoadOptions};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const A: &str = "111111111111";
const MEMBER: &str = "333333333333";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// CLI service names whose IAM prefix differs.
const PREFIX: &[(&str, &str)] = &[("s3api", "s3"), ("s3control", "s3")];

/// CLI commands whose IAM action is not the CamelCase of the command (AWS's Service
/// Authorization Reference, "Actions defined by Amazon S3").
const RENAMED: &[(&str, &str)] = &[
    ("s3api list-buckets", "s3:ListAllMyBuckets"),
    (
        "s3api get-public-access-block",
        "s3:GetBucketPublicAccessBlock",
    ),
    (
        "s3control get-public-access-block",
        "s3:GetAccountPublicAccessBlock",
    ),
];

/// Calls that need no permission (AWS: "No permissions are required to perform this operation").
const FREE: &[&str] = &["sts get-caller-identity"];

/// The one action that is not Read or List: entering member accounts with `--organization`.
const ENTER: &str = "sts:AssumeRole";

fn script() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("scripts/collect-snapshot.sh")).unwrap()
}

/// Every AWS CLI call of the script as `service command`, with the line it is on.
fn script_calls(script: &str) -> BTreeMap<String, usize> {
    let is_word = |s: &str, extra: char| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == extra)
    };
    let mut calls = BTreeMap::new();
    let mut invocations = 0;
    let mut raw_aws = 0;
    let mut forwards = 0;
    // Logical lines: a trailing backslash continues the line.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut heredoc: Option<String> = None;
    for (i, line) in script.lines().enumerate() {
        // Here-documents (the usage text) are data, not commands.
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        if let Some(p) = line.find("<<").filter(|&p| !line[p..].starts_with("<<<")) {
            let d = line[p + 2..].trim_start_matches('-').trim();
            let d = d.split_whitespace().next().unwrap_or("");
            heredoc = Some(d.trim_matches(['\'', '"']).to_string());
        }
        let (start, mut text) = pending.take().unwrap_or((i + 1, String::new()));
        text.push_str(line.trim_end_matches('\\'));
        text.push(' ');
        if line.ends_with('\\') {
            pending = Some((start, text));
        } else {
            logical.push((start, text));
        }
    }
    for (n, text) in logical {
        if text.trim_start().starts_with('#') {
            continue;
        }
        let toks: Vec<&str> = text.split_whitespace().collect();
        for (i, t) in toks.iter().enumerate() {
            // `x="$(awscli ...`, `< <(lines ...`: the command after a substitution's `(`.
            let t = t
                .rsplit_once("$(")
                .or_else(|| t.rsplit_once("<("))
                .map_or(*t, |(_, r)| r);
            if t == "aws" && (i == 0 || ["(", "$(", "|", ";", "&&", "||"].contains(&toks[i - 1])) {
                raw_aws += 1;
            }
            if !["fetch", "lines", "awscli"].contains(&t) {
                continue;
            }
            invocations += 1;
            let at = if t == "awscli" {
                i + 1
            } else {
                toks[i..]
                    .iter()
                    .position(|w| *w == "--")
                    .map(|p| i + p + 1)
                    .unwrap_or_else(|| panic!("line {n}: `{t}` without `--`: {text}"))
            };
            let (svc, cmd) = (toks.get(at).copied(), toks.get(at + 1).copied());
            let (Some(svc), Some(cmd)) = (svc, cmd) else {
                panic!("line {n}: no service and command after `{t}`: {text}")
            };
            if t == "awscli" && svc == "\"$@\"" {
                // fetch() and lines() pass their own arguments on: counted at their callers.
                forwards += 1;
                continue;
            }
            assert!(
                is_word(svc, '\0') && is_word(cmd, '-'),
                "line {n}: the AWS call `{svc} {cmd}` is not written literally, so its \
                 permission cannot be checked: {text}"
            );
            calls.entry(format!("{svc} {cmd}")).or_insert(n);
        }
    }
    assert_eq!(
        raw_aws, 1,
        "the AWS CLI is invoked only inside awscli(), so every call is seen here"
    );
    assert_eq!(
        forwards, 2,
        "only fetch() and lines() forward their arguments to awscli"
    );
    assert!(invocations >= 30, "only {invocations} calls found");
    calls
}

/// The IAM action of a CLI call.
fn action_of(call: &str) -> String {
    if let Some((_, a)) = RENAMED.iter().find(|(c, _)| *c == call) {
        return a.to_string();
    }
    let (svc, cmd) = call.split_once(' ').unwrap();
    let prefix = PREFIX
        .iter()
        .find(|(s, _)| *s == svc)
        .map_or(svc, |(_, p)| p);
    let camel: String = cmd
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("{prefix}:{camel}")
}

/// `--role-name`'s default in the script.
fn default_role_name(script: &str) -> String {
    let line = script
        .lines()
        .find(|l| l.starts_with("ROLE_NAME=\""))
        .expect("ROLE_NAME=\"...\" in the script");
    line.trim_start_matches("ROLE_NAME=\"")
        .trim_end_matches('"')
        .to_string()
}

/// A resource of the action's (first required, else first) resource type, in account A, or
/// `*` for an action without resource types.
fn resource_of(catalog: &Catalog, action: &str, role_name: &str) -> String {
    if action == ENTER {
        return format!("arn:aws:iam::{MEMBER}:role/{role_name}");
    }
    let info = catalog.action(action).unwrap();
    let Some((rtype, _)) = info
        .resource_types
        .iter()
        .find(|(_, req)| *req)
        .or(info.resource_types.first())
    else {
        return "*".into();
    };
    let mut arn = catalog
        .resource_type_arn(&info.service, rtype)
        .unwrap()
        .replace("${Partition}", "aws")
        .replace("${Region}", "us-east-1")
        .replace("${Account}", A);
    while let Some(s) = arn.find("${") {
        let e = s + arn[s..].find('}').unwrap();
        arn.replace_range(s..=e, "x");
    }
    arn
}

/// A snapshot with the role `collector` holding only the policy, a bucket `x` and a key `x`
/// with the default key policy (which lets the account's IAM policies decide, K1).
fn environment(dir: &Path) {
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("scripts/collector-policy.json")).unwrap(),
    )
    .unwrap();
    let put = |rel: &str, v: Value| {
        let p = dir.join(format!("accounts/{A}/{rel}"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, v.to_string()).unwrap();
    };
    put(
        "iam/get-account-authorization-details.json",
        json!({"RoleDetailList": [{
            "RoleName": "collector", "RoleId": "AROACOLLECTOR", "Path": "/",
            "Arn": format!("arn:aws:iam::{A}:role/collector"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "collector", "PolicyDocument": policy}]
        }]}),
    );
    put("s3/list-buckets.json", json!({"Buckets": [{"Name": "x"}]}));
    put(
        "kms/list-keys.json",
        json!({"Keys": [{"KeyId": "x", "KeyArn": format!("arn:aws:kms:us-east-1:{A}:key/x")}]}),
    );
    put(
        "kms/get-key-policy/x.json",
        json!({"Policy": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "kms:*", "Resource": "*"}]}).to_string()}),
    );
    put("kms/list-grants/x.json", json!({"Grants": []}));
}

fn needs(env: &Path, action: &str, resource: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_iamdl"))
        .args(["needs", "--env"])
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
fn script_calls_are_parsed_and_mapped_to_catalog_actions() {
    let calls = script_calls(&script());
    for c in [
        "iam get-account-authorization-details",
        "s3control get-public-access-block",
        "secretsmanager get-resource-policy",
        "organizations list-targets-for-policy",
        "sts assume-role",
        "sts get-caller-identity",
        "ec2 describe-regions",
    ] {
        assert!(calls.contains_key(c), "{c} not found in {calls:?}");
    }
    assert_eq!(action_of("kms list-grants"), "kms:ListGrants");
    assert_eq!(
        action_of("organizations list-organizational-units-for-parent"),
        "organizations:ListOrganizationalUnitsForParent"
    );
    assert_eq!(action_of("s3api get-bucket-policy"), "s3:GetBucketPolicy");
    // A call written through a variable cannot be checked, so it is refused.
    let hidden = "#!/bin/bash\nawscli() { aws \"$@\"; }\nfetch a b c d -- \"$svc\" list-x\n";
    let r = std::panic::catch_unwind(|| script_calls(hidden));
    assert!(r.is_err());
}

#[test]
fn collector_policy_suffices_and_grants_nothing_else() {
    let script = script();
    let catalog = Catalog::builtin();
    let role_name = default_role_name(&script);
    let calls = script_calls(&script);

    // Step 1: the actions, all in the catalog, all read-only but ENTER.
    let mut actions: BTreeMap<String, String> = BTreeMap::new();
    for (call, line) in &calls {
        if FREE.contains(&call.as_str()) {
            continue;
        }
        let action = action_of(call);
        let info = catalog.action(&action).unwrap_or_else(|| {
            panic!("line {line}: `{call}` maps to {action}, which is not in the catalog (add it to RENAMED)")
        });
        assert!(
            matches!(info.access, AccessLevel::Read | AccessLevel::List) || action == ENTER,
            "line {line}: `{call}` ({action}) is {}, not read-only",
            info.access.as_str()
        );
        actions.insert(action, call.clone());
    }
    assert_eq!(actions.len(), 27, "{actions:?}");

    // Step 2: sufficient, by `iamdl needs`.
    let dir = tempfile::tempdir().unwrap();
    environment(dir.path());
    for (action, call) in &actions {
        let resource = resource_of(catalog, action, &role_name);
        let v = needs(dir.path(), action, &resource);
        assert_eq!(
            v["all_met"], true,
            "`{call}` ({action} on {resource}): {v:#}"
        );
        let reqs = v["requirements"].as_array().unwrap();
        assert!(!reqs.is_empty(), "{v}");
        for r in reqs {
            assert_eq!(
                r["status"], "met",
                "`{call}` ({action} on {resource}): {r:#}"
            );
        }
        // The role holds nothing but the policy, so the policy is what meets them.
        assert!(
            reqs.iter().any(|r| r["action"] == action.as_str()
                && r["principal"] == format!("arn:aws:iam::{A}:role/collector")),
            "{v:#}"
        );
    }

    // Step 3: minimal, over the whole catalog.
    let engine = Engine::new(load(dir.path(), &LoadOptions::default()).expect("load"));
    let caller = engine.resolve_caller("role/collector").unwrap();
    let ask = |action: &str, target: Target| {
        engine
            .can(&Request {
                caller: caller.clone(),
                action: action.to_string(),
                target,
                context: UserContext::default(),
                session_policies: None,
            })
            .decision
    };
    let mut granted = BTreeSet::new();
    let mut asked = 0;
    for info in catalog.all_actions() {
        asked += 1;
        let name = info.full_name();
        if ask(&name, Target::Set("*".into())) != Decision::Deny {
            granted.insert(name);
        }
    }
    assert!(asked > 10_000, "only {asked} catalog actions");
    // What the script calls, plus what needs no permission (the engine allows it to anyone).
    let wanted: BTreeSet<String> = actions
        .keys()
        .cloned()
        .chain(FREE.iter().map(|c| action_of(c)))
        .collect();
    assert_eq!(
        granted.difference(&wanted).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "the policy grants actions the collector never calls"
    );
    assert_eq!(
        wanted.difference(&granted).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "the policy misses actions the collector calls"
    );
    // sts:AssumeRole only on the role the script assumes, in any account.
    for (arn, want) in [
        (format!("arn:aws:iam::{MEMBER}:role/{role_name}"), true),
        (format!("arn:aws:iam::222222222222:role/{role_name}"), true),
        (format!("arn:aws:iam::{MEMBER}:role/Admin"), false),
        (format!("arn:aws:iam::{MEMBER}:user/{role_name}"), false),
    ] {
        let d = ask(ENTER, Target::Exact(arn.clone()));
        assert_eq!(d != Decision::Deny, want, "{ENTER} on {arn}: {d:?}");
    }
}
