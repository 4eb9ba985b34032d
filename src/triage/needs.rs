//! What an operation needs (issue 4, "What an operation needs"): every requirement that must
//! hold for PRINCIPAL to perform ACTION on RESOURCE, each checked against the environment and
//! marked met or missing with its fix.
//!
//! Requirements come from the call itself (split into the identity side and the resource side
//! when the call crosses accounts, E5) and from the well-known multi-party patterns: passing a
//! role to a service (P9, S7: PassRole on the caller, the service in the role's trust, the role's
//! own permissions on the data), a service invoking a Lambda function (S5, S6: the function
//! policy, scoped by `aws:SourceArn`), and KMS-encrypted objects (S4, E8: the key policy and the
//! caller's `kms:` permission). The vendored catalog carries no dependent actions (the source
//! data has none; see `data/README.md`), so they are not listed.

use super::fix::Fix;
use super::{after_fix, blame_entries, evaluate, BlameEntry, Check, SideEffects};
use crate::engine::answer::Decision;
use crate::engine::request::{Caller, UserContext};
use crate::engine::Engine;
use serde::Serialize;

/// Actions that take a role to pass to a service (P9, S7, S9): the service principal, the
/// request parameter that names the role, and what the role itself must be able to do with
/// the data given by `--data` (`None`: nothing iamdl can name).
pub const PASS_ROLE_ACTIONS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "transcribe:StartCallAnalyticsJob",
        "transcribe.amazonaws.com",
        "DataAccessRoleArn",
        Some("s3:GetObject"),
    ),
    (
        "transcribe:StartTranscriptionJob",
        "transcribe.amazonaws.com",
        "JobExecutionSettings.DataAccessRoleArn",
        Some("s3:GetObject"),
    ),
    (
        "transcribe:CreateLanguageModel",
        "transcribe.amazonaws.com",
        "InputDataConfig.DataAccessRoleArn",
        Some("s3:GetObject"),
    ),
    (
        "lambda:CreateFunction",
        "lambda.amazonaws.com",
        "Role",
        None,
    ),
    (
        "lambda:UpdateFunctionConfiguration",
        "lambda.amazonaws.com",
        "Role",
        None,
    ),
    (
        "ec2:RunInstances",
        "ec2.amazonaws.com",
        "IamInstanceProfile",
        None,
    ),
    (
        "states:CreateStateMachine",
        "states.amazonaws.com",
        "roleArn",
        None,
    ),
    (
        "ecs:RegisterTaskDefinition",
        "ecs-tasks.amazonaws.com",
        "taskRoleArn",
        None,
    ),
    ("glue:CreateJob", "glue.amazonaws.com", "Role", None),
    (
        "cloudformation:CreateStack",
        "cloudformation.amazonaws.com",
        "RoleARN",
        None,
    ),
];

/// What the user tells `needs` beyond principal, action and resource.
#[derive(Debug, Clone, Default)]
pub struct NeedsOptions {
    /// The role passed to the service (`DataAccessRoleArn`, the execution role …).
    pub pass_role: Option<String>,
    /// Objects the passed role must read (the media of a Transcribe job).
    pub data: Vec<String>,
    /// `aws:SourceArn` of a service principal's call (the Lex bot alias ARN).
    pub source_arn: Option<String>,
    /// The KMS key the object is encrypted with.
    pub kms_key: Option<String>,
    /// Request context.
    pub context: UserContext,
}

/// One requirement.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    /// What must be true.
    pub what: String,
    /// The rule of iam-semantics.md it comes from.
    pub rule: String,
    /// The request checked.
    pub principal: String,
    /// The action checked.
    pub action: String,
    /// The resource checked.
    pub resource: String,
    /// `met`, `missing`, `conditional` or `unknown`.
    pub status: String,
    /// The failing layers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blame: Vec<BlameEntry>,
    /// The fixes for a missing requirement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix>,
    /// The requirement's status with every fix applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_fix: Option<String>,
}

/// The answer of `needs`.
#[derive(Debug, Clone, Serialize)]
pub struct NeedsAnswer {
    /// The principal.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// True when every requirement is met.
    pub all_met: bool,
    /// The requirements.
    pub requirements: Vec<Requirement>,
    /// True when every requirement is met with the fixes applied (absent without fixes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_met_after_fix: Option<bool>,
    /// Evidence that the fixes grant nothing else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_effects: Option<SideEffects>,
    /// When the call itself is not allowed directly: the role chains through which the
    /// principal can reach it (who-can), each hop with its own proof.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through_role_chains: Vec<crate::engine::answer::ProofNode>,
    /// Remarks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Which side of a cross-account call a requirement row covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Whole,
    Identity,
    Resource,
}

impl Side {
    fn covers(self, layer: &str) -> bool {
        match self {
            Side::Whole => true,
            Side::Identity => matches!(layer, "identity" | "boundary" | "session" | "scp"),
            Side::Resource => !matches!(layer, "identity" | "boundary" | "session" | "scp"),
        }
    }
}

struct Row {
    what: String,
    rule: String,
    check: usize,
    side: Side,
}

fn status(d: Decision, missing: bool) -> String {
    match (d, missing) {
        (Decision::Allow, _) => "met".into(),
        (_, true) => "missing".into(),
        (Decision::Conditional, false) => "conditional".into(),
        (Decision::Deny, false) => "met".into(),
    }
}

/// Lists and checks what `principal` needs to perform `action` on `resource`.
pub fn needs(
    engine: &Engine,
    principal: &str,
    action: &str,
    resource: &str,
    opts: &NeedsOptions,
) -> Result<NeedsAnswer, String> {
    let caller = engine.resolve_caller(principal)?;
    let mut checks: Vec<Check> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes = Vec::new();
    let mut unknown: Vec<Requirement> = Vec::new();
    let caller_name = engine.caller_name(&caller);
    let caller_account = super::principal_account(engine, &caller);

    // 1. The call itself.
    let mut main = Check::new("the call itself", caller.clone(), action, resource);
    main.req.context = opts.context.clone();
    let info = engine.resource_info(&main.req);
    if let Caller::Service(svc) = &caller {
        main.source_arn = opts.source_arn.clone();
        main.source_account = opts
            .source_arn
            .as_deref()
            .and_then(crate::iam::Arn::parse)
            .map(|a| a.account)
            .filter(|a| !a.is_empty())
            .or_else(|| info.account.clone());
        let scoped = match &opts.source_arn {
            Some(a) => format!(" scoped by aws:SourceArn = {a}"),
            None => {
                notes.push(format!("no --source-arn given: {svc}'s calls are checked without aws:SourceArn, so conditions on it stay unknown; give the calling resource's ARN (for Lex V2 the bot alias ARN arn:aws:lex:REGION:ACCOUNT:bot-alias/BOT_ID/ALIAS_ID, S6)"));
                String::new()
            }
        };
        let what = if action.eq_ignore_ascii_case("lambda:InvokeFunction") {
            format!("the function policy of {resource} allows {svc} to call {action}{scoped}")
        } else {
            format!("the resource-based policy of {resource} allows {svc} to call {action}{scoped}")
        };
        rows.push(Row {
            what,
            rule: "P7, S5, S6".into(),
            check: 0,
            side: Side::Whole,
        });
        if svc == "lex.amazonaws.com" {
            notes.push("lex.amazonaws.com is Lex V1: a Lex V2 bot calls as lexv2.amazonaws.com, and a grant to one does not match the other (S6)".into());
        }
    } else {
        let cross = match (&caller_account, &info.account) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        };
        if cross {
            rows.push(Row {
                what: format!("identity side: an identity-based policy of {caller_name} allows {action} on {resource} (cross-account needs both sides)"),
                rule: "E5".into(),
                check: 0,
                side: Side::Identity,
            });
            rows.push(Row {
                what: format!("resource side: the resource-based policy of {resource} (account {}) allows {caller_name}", info.account.clone().unwrap_or_default()),
                rule: "E5".into(),
                check: 0,
                side: Side::Resource,
            });
        } else {
            rows.push(Row {
                what: format!("{caller_name} is allowed {action} on {resource}"),
                rule: "E3, E4".into(),
                check: 0,
                side: Side::Whole,
            });
        }
    }
    checks.push(main);

    // 1b. Dependent actions the catalog lists for the action: the caller needs them too.
    let dependent: Vec<String> = engine
        .catalog
        .action(action)
        .map(|a| a.dependent_actions.clone())
        .unwrap_or_default();
    for dep in &dependent {
        let mut c = Check::new("dependent action", caller.clone(), dep, "*");
        c.req.context = opts.context.clone();
        rows.push(Row {
            what: format!("{caller_name} is allowed {dep}, which the IAM action catalog lists as a dependent action of {action}"),
            rule: "catalog".into(),
            check: checks.len(),
            side: Side::Whole,
        });
        checks.push(c);
    }

    // 2. Passing a role to a service.
    if let Some((_, svc, param, role_does)) = PASS_ROLE_ACTIONS
        .iter()
        .find(|(a, ..)| a.eq_ignore_ascii_case(action))
    {
        match &opts.pass_role {
            None => unknown.push(Requirement {
                what: format!("{action} passes a role ({param}) to {svc}: give it with --pass-role to check iam:PassRole, the role's trust and its permissions"),
                rule: "P9, S7".into(),
                principal: caller_name.clone(),
                action: "iam:PassRole".into(),
                resource: "?".into(),
                status: "unknown".into(),
                blame: vec![],
                fixes: vec![],
                after_fix: None,
            }),
            Some(role_text) => {
                let role = resolve_role(engine, role_text)?;
                let mut pass = Check::new("pass", caller.clone(), "iam:PassRole", &role);
                pass.passed_to_service = Some(svc.to_string());
                pass.req.context = opts.context.clone();
                rows.push(Row {
                    what: format!("{caller_name} may iam:PassRole {role} to {svc} (the {param} of {action})"),
                    rule: "P9, S7".into(),
                    check: checks.len(),
                    side: Side::Whole,
                });
                checks.push(pass);
                let mut trust = Check::new(
                    "trust",
                    Caller::Service(svc.to_string()),
                    "sts:AssumeRole",
                    &role,
                );
                trust.source_account = caller_account.clone();
                rows.push(Row {
                    what: format!("the trust policy of {role} lets {svc} assume it"),
                    rule: "P9, E7, S7".into(),
                    check: checks.len(),
                    side: Side::Whole,
                });
                checks.push(trust);
                let role_caller = engine.resolve_caller(&role)?;
                match role_does {
                    Some(ra) => {
                        if opts.data.is_empty() {
                            notes.push(format!("give the input objects with --data ARN to check that {role} can {ra} them (S7)"));
                        }
                        for d in &opts.data {
                            rows.push(Row {
                                what: format!("the passed role {role} may {ra} {d} (what {svc} does with it)"),
                                rule: "S7".into(),
                                check: checks.len(),
                                side: Side::Whole,
                            });
                            checks.push(Check::new("role data", role_caller.clone(), ra, d));
                        }
                    }
                    None => notes.push(format!(
                        "what {role} itself must be allowed depends on the workload; check it with `iamdl can {role} ACTION RESOURCE`"
                    )),
                }
            }
        }
    }

    // 3. KMS-encrypted objects.
    if let Some(key) = &opts.kms_key {
        let kms_action = if action.to_ascii_lowercase().contains("put")
            || action.to_ascii_lowercase().contains("create")
        {
            "kms:GenerateDataKey"
        } else {
            "kms:Decrypt"
        };
        let mut k = Check::new("kms", caller.clone(), kms_action, key);
        k.req.context = opts.context.clone();
        rows.push(Row {
            what: format!("{caller_name} may {kms_action} with {key} (the object is encrypted with it; the key policy must allow it, E8)"),
            rule: "S4, E8".into(),
            check: checks.len(),
            side: Side::Whole,
        });
        checks.push(k);
    }

    // Evaluate, propose, apply.
    let answers: Vec<_> = checks.iter().map(|c| evaluate(engine, c)).collect();
    let mut fixes_per_check: Vec<Vec<Fix>> = checks
        .iter()
        .zip(&answers)
        .map(|(c, a)| {
            if a.decision == Decision::Allow {
                vec![]
            } else {
                super::fix::propose(engine, c, a)
            }
        })
        .collect();
    let all_fixes: Vec<Fix> = fixes_per_check.iter().flatten().cloned().collect();
    let mut kept = super::minimize(engine, &checks, all_fixes);
    let after = after_fix(engine, &checks, &mut kept);
    // Keep the needed fixes only, with their applied flags.
    for fs in fixes_per_check.iter_mut() {
        fs.retain_mut(|f| {
            let mut probe = f.clone();
            probe.applied = true;
            let hit = kept.contains(&probe) || kept.contains(f);
            if hit {
                f.applied = kept.contains(&probe);
            }
            hit
        });
    }
    if dependent.is_empty() {
        notes.push(format!("the IAM action catalog lists no dependent actions for {action} (the vendored source data lists none for any action, see data/README.md)"));
    }
    let mut requirements = Vec::new();
    for row in &rows {
        let c = &checks[row.check];
        let a = &answers[row.check];
        let blame: Vec<BlameEntry> = blame_entries(engine, c, a)
            .into_iter()
            .filter(|b| row.side.covers(&b.layer))
            .collect();
        let st = if row.side == Side::Whole {
            status(a.decision, a.decision == Decision::Deny)
        } else if blame.is_empty() {
            "met".into()
        } else if a.decision == Decision::Conditional {
            "conditional".into()
        } else {
            "missing".into()
        };
        let fixes: Vec<Fix> = fixes_per_check[row.check]
            .iter()
            .filter(|f| row.side.covers(&f.layer))
            .cloned()
            .collect();
        let after_st = after.as_ref().map(|(ans, _)| {
            let a2 = &ans[row.check];
            if row.side == Side::Whole {
                status(a2.decision, a2.decision == Decision::Deny)
            } else if a2.blame.iter().any(|b| row.side.covers(&b.layer)) {
                "missing".into()
            } else {
                "met".into()
            }
        });
        requirements.push(Requirement {
            what: row.what.clone(),
            rule: row.rule.clone(),
            principal: a.principal.clone(),
            action: a.action.clone(),
            resource: a.resource.clone(),
            status: st,
            blame,
            fixes,
            after_fix: after_st,
        });
    }
    requirements.extend(unknown);
    let all_met = requirements.iter().all(|r| r.status == "met");
    let all_met_after_fix = after.as_ref().map(|_| {
        requirements
            .iter()
            .all(|r| r.after_fix.as_deref().unwrap_or(r.status.as_str()) == "met")
    });
    // Access the caller has anyway, through role chains (P4, E7).
    let mut chains = Vec::new();
    if answers[0].decision != Decision::Allow {
        if let Caller::Entity { pid, .. } = &caller {
            let me = engine.principal(*pid).arn.clone();
            let who = engine.who_can(action, &checks[0].req.target, &opts.context);
            for e in who
                .principals
                .iter()
                .filter(|e| e.principal == me && !e.via.is_empty())
            {
                if let Ok(p) =
                    super::chain_proof(engine, &caller, &e.via, action, resource, &opts.context)
                {
                    chains.push(p);
                }
            }
        }
    }
    Ok(NeedsAnswer {
        through_role_chains: chains,
        principal: caller_name,
        action: action.to_string(),
        resource: resource.to_string(),
        all_met,
        requirements,
        all_met_after_fix,
        side_effects: after.map(|(_, s)| s),
        notes,
    })
}

/// A role ARN from `role/NAME`, `NAME` or an ARN.
fn resolve_role(engine: &Engine, text: &str) -> Result<String, String> {
    let t = if text.starts_with("arn:") || text.contains('/') {
        text.to_string()
    } else {
        format!("role/{text}")
    };
    match engine.resolve_caller(&t)? {
        Caller::Entity { pid, .. } => Ok(engine.principal(pid).arn.clone()),
        _ => Err(format!("`{text}` is not a role of the environment")),
    }
}
