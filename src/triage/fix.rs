//! Least-privilege fixes (X5 step 3, X6): for each failing layer of a denied check, the smallest
//! statement that makes it allow, scoped to the exact action and resource, with
//! `aws:SourceArn` / `aws:SourceAccount` conditions for service principals (P7, S5, S6) — and
//! the means to apply the fixes to a clone of the environment so the decision can be re-run.
//!
//! Explicit denies are never "fixed" with an Allow (an Allow cannot override them, E3): the fix
//! names the deny statement to narrow and is not applied.

use super::Check;
use crate::engine::answer::Answer;
use crate::engine::request::{Caller, PrincipalKind};
use crate::engine::Engine;
use crate::iam::{Environment, PolicyId, PolicyKind, ResourceKind};
use crate::input::policy_doc::{parse_policy, DocSource};
use crate::rules::decide::{effect, layer};
use serde::Serialize;
use serde_json::{json, Value};

/// How a fix changes the environment (applied in memory for the re-run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apply {
    /// A new inline policy of a user (index into `env.users`).
    UserInline(usize),
    /// A new inline policy of a role (index into `env.roles`).
    RoleInline(usize),
    /// A statement appended to the resource's policy (a new policy when it has none).
    ResourcePolicy(usize),
    /// A statement appended to a role's trust policy.
    Trust(usize),
    /// A statement appended to a policy (a permissions boundary).
    AppendTo(PolicyId),
    /// A new SCP attached at these organization targets.
    Scp(Vec<String>),
    /// Advice only: nothing iamdl can apply (explicit denies, session policies, BPA).
    None,
}

/// A policy statement to paste, with the elements in the order AWS documents them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatementJson {
    /// `Sid`.
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Effect` (always `Allow` for a fix).
    #[serde(rename = "Effect")]
    pub effect: String,
    /// `Principal`, for resource and trust policies.
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<Value>,
    /// `Action`: exactly the denied action.
    #[serde(rename = "Action")]
    pub action: String,
    /// `Resource`: exactly the denied resource (absent in trust policies).
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `Condition`.
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Value>,
}

impl StatementJson {
    /// An Allow of `action` on `resource` with a Sid made from the action.
    pub fn allow(action: &str, resource: Option<&str>) -> StatementJson {
        StatementJson {
            sid: Some(sid_for(action)),
            effect: "Allow".into(),
            principal: None,
            action: action.to_string(),
            resource: resource.map(str::to_string),
            condition: None,
        }
    }
}

/// One proposed fix.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fix {
    /// The layer it repairs: `identity`, `resource`, `trust`, `boundary`, `scp`, `session`, …
    pub layer: String,
    /// What to change: a principal or policy ARN, or the resource policy's file.
    pub target: String,
    /// What to do, in words.
    pub how: String,
    /// The statement to add (ready to paste), when an added statement fixes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementJson>,
    /// The equivalent CLI command (`aws lambda add-permission …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
    /// The equivalent CloudFormation resource (`AWS::Lambda::Permission`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudformation: Option<Value>,
    /// Request context the fixed statement's conditions expect (used for the re-run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_context: Vec<(String, String)>,
    /// True when the fix was applied for the re-run.
    pub applied: bool,
    /// How to apply it.
    #[serde(skip)]
    pub apply: Apply,
}

/// A Sid made of the action's letters: `cloudwatch:GetMetricStatistics` → `AllowCloudwatchGetMetricStatistics`.
pub fn sid_for(action: &str) -> String {
    let mut s = String::from("Allow");
    for part in action.split(':') {
        let mut cs = part.chars().filter(|c| c.is_ascii_alphanumeric());
        if let Some(f) = cs.next() {
            s.push(f.to_ascii_uppercase());
            s.extend(cs);
        }
    }
    s
}

/// The ARN to name in a Principal element for a caller (sessions are named by their role, G7).
fn principal_element(engine: &Engine, c: &Caller) -> Option<Value> {
    match c {
        Caller::Entity { pid, .. } => Some(json!({"AWS": engine.principal(*pid).arn})),
        Caller::Service(s) => Some(json!({"Service": s})),
        Caller::Anonymous => None,
    }
}

/// Service-principal conditions (confused-deputy protection, P7): the source ARN when known and
/// the source account. Returns the Condition block and the context to re-run with.
fn service_conditions(
    check: &Check,
    owner: Option<&str>,
    key_case: &str,
) -> (Option<Value>, Vec<(String, String)>) {
    let mut cond = serde_json::Map::new();
    let mut ctx = Vec::new();
    let arn_key = format!("{key_case}:SourceArn");
    let acct_key = format!("{key_case}:SourceAccount");
    let source_account = check
        .source_arn
        .as_deref()
        .and_then(crate::iam::Arn::parse)
        .map(|a| a.account)
        .filter(|a| !a.is_empty())
        .or_else(|| check.source_account.clone())
        .or_else(|| owner.map(str::to_string));
    if let Some(a) = &check.source_arn {
        cond.insert("ArnLike".into(), json!({ arn_key: a }));
        ctx.push(("aws:SourceArn".to_string(), a.clone()));
    }
    if let Some(acct) = source_account {
        cond.insert("StringEquals".into(), json!({ acct_key: acct }));
        ctx.push(("aws:SourceAccount".to_string(), acct));
    }
    if cond.is_empty() {
        (None, ctx)
    } else {
        (Some(Value::Object(cond)), ctx)
    }
}

/// The policy name for explanations: ARN or name.
fn policy_label(engine: &Engine, id: PolicyId) -> String {
    let p = engine.env.policy(id);
    p.arn.clone().unwrap_or_else(|| p.name.clone())
}

/// Proposes fixes for one check's answer: one per failing layer.
pub fn propose(engine: &Engine, check: &Check, answer: &Answer) -> Vec<Fix> {
    let mut out = Vec::new();
    let action = check.req.action.clone();
    let resource = check.req.target.text().to_string();
    let info = engine.resource_info(&check.req);
    let owner = info.account.clone();
    for b in &answer.blame {
        if b.kind.starts_with("explicit-deny") {
            for r in &b.policies {
                out.push(Fix {
                    layer: b.layer.clone(),
                    target: r.policy.clone(),
                    how: format!(
                        "statement {} of {} ({}) denies {action} explicitly: no Allow can override it (E3). Narrow that statement (a NotAction/NotResource or a condition excepting this principal) if the deny is not intended; this is a guardrail change for the policy's owner",
                        r.statement, r.policy, r.file
                    ),
                    statement: None,
                    cli: None,
                    cloudformation: None,
                    request_context: vec![],
                    applied: false,
                    apply: Apply::None,
                });
            }
            continue;
        }
        match b.layer.as_str() {
            "identity" => {
                let Caller::Entity { pid, .. } = &check.req.caller else {
                    continue;
                };
                let row = engine.principal(*pid);
                let (apply, what) = match row.kind {
                    PrincipalKind::Role(r) => (Apply::RoleInline(r as usize), "role"),
                    PrincipalKind::User(u) => (Apply::UserInline(u as usize), "user"),
                    PrincipalKind::Root => continue,
                };
                let mut st = StatementJson::allow(&action, Some(&resource));
                if action.eq_ignore_ascii_case("iam:PassRole") {
                    if let Some(svc) = &check.passed_to_service {
                        st.condition =
                            Some(json!({"StringEquals": {"iam:PassedToService": svc}}));
                    }
                }
                let mut how = format!(
                    "add this statement to an identity-based policy of {what} {} (a new inline policy, or a customer-managed policy attached only to it)",
                    row.arn
                );
                if let PrincipalKind::Role(r) = row.kind {
                    if engine.env.roles[r as usize].is_service_linked() {
                        how.push_str("; note: this is a service-linked role (P8), whose policies AWS manages and IAM does not let you edit: the fix cannot be applied in AWS as is");
                    }
                    if engine.env.roles[r as usize].name.ends_with("-lambdaRole") {
                        how.push_str("; for the Serverless Framework default role, add it under provider.iam.role.statements in serverless.yml (S10)");
                    }
                }
                out.push(Fix {
                    layer: "identity".into(),
                    target: row.arn.clone(),
                    how,
                    statement: Some(st),
                    cli: None,
                    cloudformation: None,
                    request_context: vec![],
                    applied: false,
                    apply,
                });
            }
            "resource" | "trust" => {
                let Some(ri) = info.resource else {
                    out.push(Fix {
                        layer: b.layer.clone(),
                        target: resource.clone(),
                        how: format!("the resource {resource} is not in the environment: its resource-based policy must allow {action} for the caller"),
                        statement: None,
                        cli: None,
                        cloudformation: None,
                        request_context: vec![],
                        applied: false,
                        apply: Apply::None,
                    });
                    continue;
                };
                let Some(principal) = principal_element(engine, &check.req.caller) else {
                    continue;
                };
                let res = &engine.env.resources[ri];
                let is_service = matches!(check.req.caller, Caller::Service(_));
                let key_case = if res.kind == ResourceKind::LambdaFunction {
                    "AWS"
                } else {
                    "aws"
                };
                let (cond, ctx) = if is_service {
                    service_conditions(check, owner.as_deref(), key_case)
                } else {
                    (None, vec![])
                };
                // Trust policies carry no Resource; in a key policy `*` means the key itself.
                let res_elem = match res.kind {
                    ResourceKind::IamRole => None,
                    ResourceKind::KmsKey => Some("*"),
                    _ => Some(resource.as_str()),
                };
                let mut st = StatementJson::allow(&action, res_elem);
                st.principal = Some(principal.clone());
                st.condition = cond.clone();
                let (target, apply, how) = if res.kind == ResourceKind::IamRole {
                    let role = engine.role_by_arn(&res.arn);
                    (
                        res.arn.clone(),
                        role.map(Apply::Trust).unwrap_or(Apply::None),
                        format!("add this statement to the trust policy (AssumeRolePolicyDocument) of {} (E7)", res.arn),
                    )
                } else {
                    let file = res
                        .policy
                        .map(|p| engine.env.policy(p).file.clone())
                        .unwrap_or_else(|| format!("(no resource-based policy yet on {})", res.arn));
                    (
                        file,
                        Apply::ResourcePolicy(ri),
                        format!("add this statement to the resource-based policy of {}", res.arn),
                    )
                };
                let (cli, cfn) = if res.kind == ResourceKind::LambdaFunction {
                    lambda_permission(&res.arn, &action, &principal, &ctx)
                } else {
                    (None, None)
                };
                out.push(Fix {
                    layer: b.layer.clone(),
                    target,
                    how,
                    statement: Some(st),
                    cli,
                    cloudformation: cfn,
                    request_context: ctx,
                    applied: false,
                    apply,
                });
            }
            "boundary" => {
                let Caller::Entity { pid, .. } = &check.req.caller else {
                    continue;
                };
                let Some(bnd) = engine.boundary(*pid) else {
                    continue;
                };
                out.push(Fix {
                    layer: "boundary".into(),
                    target: policy_label(engine, bnd),
                    how: format!("the permissions boundary {} of {} does not allow {action}: add this statement to it (a boundary only caps: it grants nothing by itself, and every principal using it gets the same ceiling)", policy_label(engine, bnd), engine.principal(*pid).arn),
                    statement: Some(StatementJson::allow(&action, Some(&resource))),
                    cli: None,
                    cloudformation: None,
                    request_context: vec![],
                    applied: false,
                    apply: Apply::AppendTo(bnd),
                });
            }
            "scp" => {
                let levels = scp_missing_levels(engine, check);
                if levels.is_empty() {
                    continue;
                }
                // Scoped to the resource and, by aws:PrincipalArn, to the caller, so that no
                // other account or principal below that level gains anything.
                let mut st = StatementJson::allow(&action, Some(&resource));
                if let Caller::Entity { pid, .. } = &check.req.caller {
                    st.condition = Some(serde_json::json!({
                        "ArnEquals": {"aws:PrincipalArn": engine.principal(*pid).arn}
                    }));
                }
                out.push(Fix {
                    layer: "scp".into(),
                    target: levels.join(", "),
                    how: format!("no SCP allows {action} at {}: add this statement to the allow-list SCP attached there (or attach a new SCP with it); it is scoped to this resource and caller (SCP Allow statements with Resource ARNs and conditions need the full SCP policy grammar AWS introduced in 2025; with the older grammar only `Resource: \"*\"` without conditions is possible, and every principal of every account below that level gains the action)", levels.join(", ")),
                    statement: Some(st),
                    cli: None,
                    cloudformation: None,
                    request_context: vec![],
                    applied: false,
                    apply: Apply::Scp(levels),
                });
            }
            "session" => out.push(Fix {
                layer: "session".into(),
                target: answer.principal.clone(),
                how: format!("the session policy passed to sts:AssumeRole when this session was created must also allow {action}; start a new session with it"),
                statement: Some(StatementJson::allow(&action, Some(&resource))),
                cli: None,
                cloudformation: None,
                request_context: vec![],
                applied: false,
                apply: Apply::None,
            }),
            other => out.push(Fix {
                layer: other.to_string(),
                target: resource.clone(),
                how: b.message.clone(),
                statement: None,
                cli: None,
                cloudformation: None,
                request_context: vec![],
                applied: false,
                apply: Apply::None,
            }),
        }
    }
    out
}

/// Organization levels (root, OUs, account) of the caller's account with no SCP allowing the action.
fn scp_missing_levels(engine: &Engine, check: &Check) -> Vec<String> {
    let Caller::Entity { pid, .. } = &check.req.caller else {
        return vec![];
    };
    let Some(org) = &engine.env.org else {
        return vec![];
    };
    let (_, hits, _) = engine.request_facts(&check.req, check.passed_to_service.as_deref());
    org.path_of(&engine.principal(*pid).account)
        .into_iter()
        .enumerate()
        .filter(|(lvl, _)| {
            !hits.iter().any(|h| {
                h.layer == layer::SCP && h.effect == effect::ALLOW && h.level as usize == *lvl
            })
        })
        .map(|(_, t)| t)
        .collect()
}

/// `aws lambda add-permission` and the `AWS::Lambda::Permission` resource for a function grant.
fn lambda_permission(
    function: &str,
    action: &str,
    principal: &Value,
    ctx: &[(String, String)],
) -> (Option<String>, Option<Value>) {
    let who = principal
        .get("Service")
        .or_else(|| principal.get("AWS"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut cli = format!(
        "aws lambda add-permission --function-name {function} --statement-id {} --action {action} --principal {who}",
        sid_for(action)
    );
    let mut props = serde_json::Map::new();
    props.insert("FunctionName".into(), json!(function));
    props.insert("Action".into(), json!(action));
    props.insert("Principal".into(), json!(who));
    for (k, v) in ctx {
        if k == "aws:SourceArn" {
            cli.push_str(&format!(" --source-arn {v}"));
            props.insert("SourceArn".into(), json!(v));
        } else if k == "aws:SourceAccount" {
            cli.push_str(&format!(" --source-account {v}"));
            props.insert("SourceAccount".into(), json!(v));
        }
    }
    (
        Some(cli),
        Some(json!({"Type": "AWS::Lambda::Permission", "Properties": Value::Object(props)})),
    )
}

/// Parses one statement as a policy of `kind`, for insertion into the environment.
fn parse_statement(st: &StatementJson, kind: PolicyKind, name: &str) -> Option<crate::iam::Policy> {
    let doc = json!({"Version": "2012-10-17", "Statement": [st]});
    let src = DocSource {
        file: "(iamdl fix)".into(),
        json_path: "$".into(),
        name: name.to_string(),
        arn: None,
        kind,
    };
    parse_policy(&doc.to_string(), &src).ok()
}

/// Appends the statement of `st` to policy `id`.
fn append(env: &mut Environment, id: PolicyId, st: &StatementJson) -> bool {
    let kind = env.policy(id).kind;
    let Some(parsed) = parse_statement(st, kind, "fix") else {
        return false;
    };
    let p = &mut env.policies[id.0 as usize];
    for mut s in parsed.statements {
        s.index = p.statements.len();
        p.statements.push(s);
    }
    true
}

/// Applies the applicable fixes to `env` (a clone of the engine's environment); marks each
/// applied fix. Returns the number applied.
pub fn apply(env: &mut Environment, fixes: &mut [Fix]) -> usize {
    let mut n = 0;
    for f in fixes.iter_mut() {
        let Some(st) = f.statement.clone() else {
            continue;
        };
        let ok = match &f.apply {
            Apply::None => false,
            Apply::UserInline(u) | Apply::RoleInline(u) => {
                let name = format!("iamdl-fix inline policy of {}", f.target);
                match parse_statement(&st, PolicyKind::Inline, &name) {
                    Some(p) => {
                        let id = env.add_policy(p);
                        if matches!(f.apply, Apply::UserInline(_)) {
                            env.users[*u].policies.push(id);
                        } else {
                            env.roles[*u].policies.push(id);
                        }
                        true
                    }
                    None => false,
                }
            }
            Apply::ResourcePolicy(ri) => match env.resources[*ri].policy {
                Some(id) => append(env, id, &st),
                None => {
                    let kind = PolicyKind::Resource(env.resources[*ri].kind);
                    let name = format!("iamdl-fix policy of {}", env.resources[*ri].arn);
                    match parse_statement(&st, kind, &name) {
                        Some(p) => {
                            let id = env.add_policy(p);
                            env.resources[*ri].policy = Some(id);
                            true
                        }
                        None => false,
                    }
                }
            },
            Apply::Trust(r) => {
                let id = env.roles[*r].trust;
                append(env, id, &st)
            }
            Apply::AppendTo(id) => append(env, *id, &st),
            Apply::Scp(levels) => match parse_statement(&st, PolicyKind::Scp, "iamdl-fix SCP") {
                Some(p) => {
                    let id = env.add_policy(p);
                    match env.org.as_mut() {
                        Some(org) => {
                            for l in levels {
                                org.scps.entry(l.clone()).or_default().push(id);
                            }
                            true
                        }
                        None => false,
                    }
                }
                None => false,
            },
        };
        if ok {
            f.applied = true;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_alphanumeric() {
        assert_eq!(
            sid_for("cloudwatch:GetMetricStatistics"),
            "AllowCloudwatchGetMetricStatistics"
        );
        assert_eq!(sid_for("s3-object-lambda:Get*"), "AllowS3objectlambdaGet");
    }

    /// A statement parsed for insertion keeps its elements, and appending renumbers it.
    #[test]
    fn statements_parse_and_append() {
        let mut st = StatementJson::allow("s3:GetObject", Some("arn:aws:s3:::b/k"));
        st.principal = Some(json!({"AWS": "arn:aws:iam::111111111111:role/r"}));
        st.condition = Some(json!({"StringEquals": {"aws:SourceAccount": "111111111111"}}));
        let p = parse_statement(&st, PolicyKind::Resource(ResourceKind::S3Bucket), "t")
            .expect("parses");
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].sid.as_deref(), Some("AllowS3GetObject"));
        assert_eq!(p.statements[0].conditions.len(), 1);
        let mut env = Environment::default();
        let id = env.add_policy(p);
        assert!(append(&mut env, id, &st));
        assert_eq!(env.policy(id).statements[1].index, 1);
        // An identity policy may not carry a Principal (G10): the fix is refused, not inserted.
        assert!(parse_statement(&st, PolicyKind::Inline, "t").is_none());
    }
}
