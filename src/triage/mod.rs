//! Triage: from a pasted AccessDenied message (or an operation the user wants to run) to the
//! exact cause and the smallest correct fix (X5, X6).
//!
//! The unit of work is a [`Check`]: one request the engine decides (the call itself, an
//! `iam:PassRole`, a service assuming a role, a service invoking a function). `explain-error`
//! reproduces the checks a message implies; `needs` lists the checks an operation implies. For
//! each failing check, [`fix::propose`] gives one fix per failing layer; [`after_fix`] applies
//! them to a clone of the environment, rebuilds the engine, re-runs every check and compares the
//! caller's and the resource's access before and after over every action the fixes could touch,
//! so the report can show the fix allows the request and grants nothing else.

pub mod error_text;
pub mod fix;
pub mod needs;

use crate::engine::answer::{Answer, Decision, ProofNode};
use crate::engine::request::{Caller, Request, Target, UserContext};
use crate::engine::Engine;
use error_text::{ParsedError, Shape};
use fix::Fix;
use serde::Serialize;

/// One request to decide, with what its fixes need to know.
#[derive(Debug, Clone)]
pub struct Check {
    /// What this check is, in words (`the caller's iam:PassRole on the data-access role`).
    pub label: String,
    /// The request.
    pub req: Request,
    /// `iam:PassedToService` for a PassRole check (P9).
    pub passed_to_service: Option<String>,
    /// `aws:SourceArn` of a service principal's request (the bot alias, the bucket …).
    pub source_arn: Option<String>,
    /// `aws:SourceAccount` of a service principal's request.
    pub source_account: Option<String>,
}

impl Check {
    /// A plain check of `caller` doing `action` on `resource`.
    pub fn new(label: impl Into<String>, caller: Caller, action: &str, resource: &str) -> Check {
        Check {
            label: label.into(),
            req: Request {
                caller,
                action: action.to_string(),
                target: Target::parse(resource),
                context: UserContext::default(),
                session_policies: None,
            },
            passed_to_service: None,
            source_arn: None,
            source_account: None,
        }
    }

    /// The request with the service-principal source keys filled in when known.
    fn request(&self) -> Request {
        let mut r = self.req.clone();
        if matches!(r.caller, Caller::Service(_)) {
            if let Some(a) = &self.source_arn {
                if !r.context.values.contains_key("aws:sourcearn") {
                    r.context.add("aws:SourceArn", a);
                }
            }
            if let Some(a) = &self.source_account {
                if !r.context.values.contains_key("aws:sourceaccount") {
                    r.context.add("aws:SourceAccount", a);
                }
            }
        }
        r
    }
}

/// Decides a check. A service assuming a role reports its missing grant as the trust policy's (P9).
pub fn evaluate(engine: &Engine, check: &Check) -> Answer {
    let req = check.request();
    let mut a = engine.can_with(&req, check.passed_to_service.as_deref());
    let is_trust = req.action.eq_ignore_ascii_case("sts:AssumeRole")
        && engine.role_by_arn(req.target.text()).is_some();
    if is_trust {
        for b in &mut a.blame {
            if b.layer == "resource" && b.kind == "no-allow" {
                b.layer = "trust".into();
                b.message = format!(
                    "the trust policy of {} does not allow {} to assume it",
                    req.target.text(),
                    a.principal
                );
            }
        }
    }
    a
}

/// One failing layer, in the JSON shape of issue 4.
#[derive(Debug, Clone, Serialize)]
pub struct BlameEntry {
    /// `identity`, `resource`, `trust`, `scp`, `rcp`, `boundary`, `session`, `bpa`, `owner-only`.
    pub layer: String,
    /// `explicit-deny` or `no-allow`.
    pub kind: String,
    /// The denying policy (explicit deny), or the policy that lacks the allow, when known.
    pub policy: Option<String>,
    /// The denying statements (`Sid` or `#index`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<String>,
    /// True when the deny applies only under residual conditions.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
    /// AWS's wording.
    pub message: String,
    /// The check it belongs to.
    pub check: String,
}

/// The blame of one check's answer, in the shape.
pub fn blame_entries(engine: &Engine, check: &Check, a: &Answer) -> Vec<BlameEntry> {
    a.blame
        .iter()
        .map(|b| {
            let explicit = b.kind.starts_with("explicit-deny");
            let policy = if explicit {
                b.policies.first().map(|r| r.policy.clone())
            } else {
                lacking_policy(engine, check, &b.layer)
            };
            BlameEntry {
                layer: b.layer.clone(),
                kind: if explicit {
                    "explicit-deny".into()
                } else {
                    "no-allow".into()
                },
                policy,
                statements: b.policies.iter().map(|r| r.statement.clone()).collect(),
                conditional: b.kind == "explicit-deny-if",
                message: b.message.clone(),
                check: check.label.clone(),
            }
        })
        .collect()
}

/// The policy that lacks an allow for a no-allow layer, named for humans.
fn lacking_policy(engine: &Engine, check: &Check, layer: &str) -> Option<String> {
    let info = engine.resource_info(&check.req);
    match (layer, &check.req.caller) {
        ("identity", Caller::Entity { pid, .. }) => Some(format!(
            "identity-based policies of {}",
            engine.principal(*pid).arn
        )),
        ("boundary", Caller::Entity { pid, .. }) => engine.boundary(*pid).map(|b| {
            let p = engine.env.policy(b);
            p.arn.clone().unwrap_or_else(|| p.name.clone())
        }),
        ("resource" | "trust", _) => info.resource.map(|i| {
            let r = &engine.env.resources[i];
            match r.policy {
                Some(_) if layer == "trust" => format!("trust policy of {}", r.arn),
                Some(p) => engine.env.policy(p).name.clone(),
                None => format!("no resource-based policy on {}", r.arn),
            }
        }),
        ("scp", Caller::Entity { pid, .. }) => Some(format!(
            "service control policies governing account {}",
            engine.principal(*pid).account
        )),
        _ => None,
    }
}

/// A check's decision before and after the fixes.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// What was checked.
    pub check: String,
    /// Principal, action, resource.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The decision on the loaded environment.
    pub decision: Decision,
    /// The decision with the fixes applied (absent when nothing was applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_fix_decision: Option<Decision>,
    /// The proof tree of the decision on the loaded environment.
    pub proof: ProofNode,
    /// The full answer.
    #[serde(skip)]
    pub answer: Answer,
}

/// A decision that changed with the fixes but was not asked for.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    /// The principal.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Before.
    pub before: Decision,
    /// After.
    pub after: Decision,
}

/// The "nothing else changed" evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SideEffects {
    /// How many (principal, action, resource) decisions were compared.
    pub compared: usize,
    /// Decisions that changed other than the checks themselves.
    pub changed: Vec<Change>,
    /// What was compared, in words.
    pub scope: String,
}

/// The environment with the fixes applied, as a new engine (`None` when none applies).
fn fixed_engine(engine: &Engine, fixes: &mut [Fix]) -> Option<Engine> {
    let mut env = engine.env.clone();
    if fix::apply(&mut env, fixes) == 0 {
        return None;
    }
    Some(Engine::new(env))
}

/// A check with the request context the applied fixes' conditions expect (service principals).
fn with_fix_context(c: &Check, fixes: &[Fix]) -> Check {
    let mut c2 = c.clone();
    for f in fixes.iter().filter(|f| f.applied) {
        for (k, v) in &f.request_context {
            if matches!(c2.req.caller, Caller::Service(_))
                && !c2.req.context.values.contains_key(&k.to_ascii_lowercase())
            {
                c2.req.context.add(k, v);
            }
        }
    }
    c2
}

/// Drops every fix the others make unnecessary (greedy, in order): for example the identity
/// statement when a key policy statement naming the role directly suffices (E8, M12). The
/// decisions of all checks with the kept fixes equal those with all of them.
pub fn minimize(engine: &Engine, checks: &[Check], fixes: Vec<Fix>) -> Vec<Fix> {
    let decisions = |fs: &[Fix]| -> Option<Vec<Decision>> {
        let mut fs = fs.to_vec();
        let e = fixed_engine(engine, &mut fs)?;
        Some(
            checks
                .iter()
                .map(|c| evaluate(&e, &with_fix_context(c, &fs)).decision)
                .collect(),
        )
    };
    let Some(full) = decisions(&fixes) else {
        return fixes;
    };
    let mut keep = fixes;
    let mut i = 0;
    while i < keep.len() {
        if keep[i].apply == fix::Apply::None || keep[i].statement.is_none() {
            i += 1;
            continue;
        }
        let mut trial = keep.clone();
        trial.remove(i);
        if decisions(&trial).as_ref() == Some(&full) {
            keep = trial;
        } else {
            i += 1;
        }
    }
    keep
}

/// Applies the fixes to a clone of the environment, re-runs the checks and compares access.
/// Returns the new engine's answers (one per check) and the side-effect comparison.
pub fn after_fix(
    engine: &Engine,
    checks: &[Check],
    fixes: &mut [Fix],
) -> Option<(Vec<Answer>, SideEffects)> {
    let fixed = fixed_engine(engine, fixes)?;
    let answers = checks
        .iter()
        .map(|c| evaluate(&fixed, &with_fix_context(c, fixes)))
        .collect();
    Some((answers, side_effects(engine, &fixed, checks, fixes)))
}

/// Compares decisions before and after over every action of the services the fixes name, for
/// each check's caller and resource, and who-can for each check's action and resource.
fn side_effects(before: &Engine, after: &Engine, checks: &[Check], fixes: &[Fix]) -> SideEffects {
    let mut compared = 0;
    let mut changed = Vec::new();
    let asked: Vec<(String, String, String)> = checks
        .iter()
        .map(|c| {
            (
                before.caller_name(&c.req.caller),
                c.req.action.to_ascii_lowercase(),
                c.req.target.text().to_string(),
            )
        })
        .collect();
    let is_asked = |p: &str, a: &str, r: &str| {
        asked
            .iter()
            .any(|(p2, a2, r2)| p2 == p && *a2 == a.to_ascii_lowercase() && r2 == r)
    };
    let mut services: Vec<String> = fixes
        .iter()
        .filter(|f| f.applied)
        .filter_map(|f| f.statement.as_ref())
        .map(|s| s.action.clone())
        .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_ascii_lowercase()))
        .collect();
    services.sort();
    services.dedup();
    for c in checks {
        let target = c.req.target.text().to_string();
        // AWS evaluates an action against a resource ARN only when the action acts on that
        // resource type: other pairs are never asked, so a change there is no side effect.
        // An ARN the catalog does not know keeps every action (nothing is skipped unseen).
        let on_target: Option<Vec<String>> = (target != "*"
            && !before.catalog.matching_resource_types(&target).is_empty())
        .then(|| {
            let on = before.catalog.actions_on(&target);
            on.iter()
                .map(|a| a.full_name().to_ascii_lowercase())
                .collect()
        });
        let mut resources = vec![target.clone()];
        if target != "*" {
            resources.push("*".to_string());
        }
        for svc in &services {
            for ai in before.catalog.service_actions(svc) {
                let action = ai.full_name();
                let lower = action.to_ascii_lowercase();
                for res in &resources {
                    if *res == target && on_target.as_ref().is_some_and(|on| !on.contains(&lower)) {
                        continue;
                    }
                    let mut c2 = c.clone();
                    c2.req.action = action.clone();
                    c2.req.target = Target::parse(res);
                    let b = evaluate(before, &c2).decision;
                    let a = evaluate(after, &c2).decision;
                    compared += 1;
                    let p = before.caller_name(&c.req.caller);
                    if a != b && !is_asked(&p, &action, res) {
                        changed.push(Change {
                            principal: p,
                            action: action.clone(),
                            resource: res.clone(),
                            before: b,
                            after: a,
                        });
                    }
                }
            }
        }
        // Other principals on the same action and resource.
        let ctx = c.request().context;
        let wb = before.who_can(&c.req.action, &c.req.target, &ctx);
        let wa = after.who_can(&c.req.action, &c.req.target, &ctx);
        let caller = before.caller_name(&c.req.caller);
        let caller_role = match &c.req.caller {
            Caller::Entity { pid, .. } => before.principal(*pid).arn.clone(),
            _ => caller.clone(),
        };
        for e in &wa.principals {
            compared += 1;
            let prev = wb
                .principals
                .iter()
                .find(|x| x.principal == e.principal)
                .map(|x| x.decision)
                .unwrap_or(Decision::Deny);
            let through_caller =
                e.principal == caller || e.principal == caller_role || e.via.contains(&caller_role);
            if prev != e.decision && !through_caller {
                changed.push(Change {
                    principal: e.principal.clone(),
                    action: c.req.action.clone(),
                    resource: c.req.target.text().to_string(),
                    before: prev,
                    after: e.decision,
                });
            }
        }
    }
    changed.sort_by(|a, b| (&a.principal, &a.action).cmp(&(&b.principal, &b.action)));
    changed.dedup();
    SideEffects {
        compared,
        changed,
        scope: format!(
            "every {} action that acts on the checked resource(s) (as the action catalog lists it) and every one on * for each checked caller, and who-can on each checked action and resource (principals acting through the fixed caller excluded)",
            services.join("/")
        ),
    }
}

/// What the message said, as the JSON shape.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedOut {
    /// The caller as printed.
    pub principal: Option<String>,
    /// The action.
    pub action: Option<String>,
    /// The resource.
    pub resource: Option<String>,
    /// Everything else the parser read.
    #[serde(flatten)]
    pub detail: ParsedError,
}

/// The result of `explain-error`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorTriage {
    /// What the message said.
    pub parsed: ParsedOut,
    /// The reproduced decision (the worst of the checks).
    pub decision: Decision,
    /// True when iamdl's decision agrees with the message.
    pub agrees_with_error: bool,
    /// What differs, when it does not agree (or what to keep in mind when it does).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
    /// The cause: every failing layer, explicit before implicit (X7).
    pub blame: Vec<BlameEntry>,
    /// The least-privilege fixes.
    pub fixes: Vec<Fix>,
    /// The decision with the fixes applied in memory (absent when none could be applied).
    pub after_fix_decision: Option<Decision>,
    /// Every check reproduced, before and after.
    pub checks: Vec<CheckResult>,
    /// Evidence that the fixes grant nothing else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_effects: Option<SideEffects>,
}

/// Values the user supplies for what the message does not say.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The caller.
    pub principal: Option<String>,
    /// The action.
    pub action: Option<String>,
    /// The resource.
    pub resource: Option<String>,
    /// Request context.
    pub context: UserContext,
}

/// The service whose API has an operation of this name, when exactly one has it.
pub fn service_of_operation(engine: &Engine, op: &str) -> Option<String> {
    let mut found: Vec<&str> = engine
        .catalog
        .services()
        .filter(|s| {
            engine
                .catalog
                .service_actions(s)
                .iter()
                .any(|a| a.name == op)
        })
        .collect();
    found.dedup();
    if found.len() == 1 {
        Some(found[0].to_string())
    } else {
        None
    }
}

/// Reproduces, explains and fixes a parsed error. `Err` for input that cannot be reproduced
/// (a missing principal, action or resource, or a principal not in the environment).
pub fn explain_error(
    engine: &Engine,
    parsed: ParsedError,
    ov: &Overrides,
) -> Result<ErrorTriage, String> {
    let principal = ov.principal.clone().or(parsed.principal.clone());
    let action = ov.action.clone().or(parsed.action.clone());
    let resource = ov.resource.clone().or(parsed.resource.clone()).or_else(|| {
        // Actions without resource types are requested on `*` (M6).
        action
            .as_deref()
            .and_then(|a| engine.catalog.action(a))
            .filter(|ai| ai.resource_types.is_empty())
            .map(|_| "*".to_string())
    });
    let need = |what: &str, flag: &str| {
        format!(
            "the message does not say the {what}: give it with {flag} (shape {:?})",
            parsed.shape
        )
    };
    let Some(principal) = principal else {
        return Err(need("principal", "--principal"));
    };
    let Some(action) = action else {
        return Err(need("action", "--action"));
    };
    let Some(resource) = resource else {
        return Err(need("resource", "--resource ARN (or `*`)"));
    };
    let caller = engine.resolve_caller(&principal).map_err(|e| {
        format!("{e}; the error names a principal the environment does not have (is the snapshot from the same account and up to date?)")
    })?;
    let mut checks = Vec::new();
    let mut differences = Vec::new();
    if parsed.shape == Shape::TranscribeS3Uri {
        // S7: Transcribe assumes the data-access role, then reads the media with it.
        let role = match &caller {
            Caller::Entity { pid, .. } => engine.principal(*pid).arn.clone(),
            _ => return Err("--principal must be the DataAccessRoleArn role".into()),
        };
        let account = principal_account(engine, &caller);
        let mut t = Check::new(
            "transcribe.amazonaws.com assumes the data-access role",
            Caller::Service("transcribe.amazonaws.com".into()),
            "sts:AssumeRole",
            &role,
        );
        t.source_account = account;
        checks.push(t);
        checks.push(Check::new(
            "the data-access role reads the media",
            caller.clone(),
            &action,
            &resource,
        ));
    } else if parsed.shape == Shape::LambdaVpcEni && ov.action.is_none() {
        // S9: Lambda checks the execution role for the three network-interface actions.
        for a in [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
        ] {
            let mut c = Check::new(
                format!("the execution role may {a} (S9)"),
                caller.clone(),
                a,
                "*",
            );
            c.req.context = ov.context.clone();
            checks.push(c);
        }
    } else {
        let mut c = Check::new(
            "the call in the message",
            caller.clone(),
            &action,
            &resource,
        );
        c.req.context = ov.context.clone();
        if action.eq_ignore_ascii_case("iam:PassRole") {
            c.passed_to_service = parsed
                .operation
                .as_deref()
                .and_then(|op| service_of_operation(engine, op))
                .map(|s| format!("{s}.amazonaws.com"));
            if c.passed_to_service.is_none() {
                differences.push("the service the role is passed to is unknown (no CLI operation in the message), so iam:PassedToService is left unknown (C13)".into());
            }
        }
        checks.push(c);
    }
    let answers: Vec<Answer> = checks.iter().map(|c| evaluate(engine, c)).collect();
    let decision = answers
        .iter()
        .map(|a| a.decision)
        .max()
        .unwrap_or(Decision::Deny);
    let mut blame = Vec::new();
    let mut fixes = Vec::new();
    for (c, a) in checks.iter().zip(&answers) {
        blame.extend(blame_entries(engine, c, a));
        if a.decision != Decision::Allow {
            fixes.extend(fix::propose(engine, c, a));
        }
    }
    let mut fixes = minimize(engine, &checks, fixes);
    let agrees = agreement(&parsed, decision, &blame, &answers, &mut differences);
    let (after, side) = match after_fix(engine, &checks, &mut fixes) {
        Some((a, s)) => (Some(a), Some(s)),
        None => (None, None),
    };
    let after_fix_decision = after
        .as_ref()
        .map(|v| v.iter().map(|a| a.decision).max().unwrap_or(Decision::Deny));
    let results = checks
        .iter()
        .zip(answers)
        .enumerate()
        .map(|(i, (c, a))| CheckResult {
            check: c.label.clone(),
            principal: a.principal.clone(),
            action: a.action.clone(),
            resource: a.resource.clone(),
            decision: a.decision,
            after_fix_decision: after.as_ref().map(|v| v[i].decision),
            proof: a.proof.clone(),
            answer: a,
        })
        .collect();
    Ok(ErrorTriage {
        parsed: ParsedOut {
            principal: Some(principal),
            action: Some(action),
            resource: Some(resource),
            detail: parsed,
        },
        decision,
        agrees_with_error: agrees,
        differences,
        blame,
        fixes,
        after_fix_decision,
        checks: results,
        side_effects: side,
    })
}

/// X5 step 2: does iamdl's decision agree with the message? Records what differs.
fn agreement(
    parsed: &ParsedError,
    decision: Decision,
    blame: &[BlameEntry],
    answers: &[Answer],
    differences: &mut Vec<String>,
) -> bool {
    if decision == Decision::Allow {
        differences.push("iamdl allows this request on the loaded environment: the snapshot may be out of date (a policy changed since), the request may have carried context that a condition denies on, or a layer iamdl did not load denied it (VPC endpoint policy, an SCP/RCP outside the snapshot)".into());
        return false;
    }
    if decision == Decision::Conditional {
        let conds: Vec<String> = answers
            .iter()
            .flat_map(|a| a.conditions.iter().cloned())
            .collect();
        differences.push(format!(
            "iamdl's answer depends on request context it does not know; the error means these were not met: {}",
            conds.join("; ")
        ));
    }
    let Some(layer) = parsed.layer.as_deref() else {
        // Older shapes without a reason: any deny agrees.
        return true;
    };
    if layer == "vpce" {
        differences.push("the message blames a VPC endpoint policy, which is not part of the snapshot: iamdl cannot check that layer".into());
        return false;
    }
    let named = blame.iter().any(|b| b.layer == layer);
    if !named {
        let ours: Vec<String> = blame
            .iter()
            .map(|b| format!("{} ({})", b.layer, b.kind))
            .collect();
        differences.push(format!(
            "the message blames the {layer} layer; iamdl finds {}. The snapshot may be out of date, or a layer may be missing from it",
            if ours.is_empty() { "no failing layer".to_string() } else { ours.join(", ") }
        ));
        return false;
    }
    if layer == "scp" {
        differences.push("AWS may word a missing SCP allow as an explicit deny and the other way round (X3): both are mapped to the SCP layer".into());
    } else if let Some(kind) = &parsed.kind {
        if !blame.iter().any(|b| b.layer == layer && &b.kind == kind) {
            differences.push(format!(
                "the message says {kind} in the {layer} layer; iamdl finds the other kind there"
            ));
        }
    }
    if blame.len() > 1 {
        differences
            .push("AWS names one failing layer; iamdl lists every failing layer (X7)".into());
    }
    true
}

/// The proof of access through a role chain: one sub-proof per hop (`sts:AssumeRole` by the
/// previous principal on the next role, E7) and one for the last role's request, each with its
/// own statements. `via` is the chain as who-can reports it (roles after `principal`, in order).
pub fn chain_proof(
    engine: &Engine,
    principal: &Caller,
    via: &[String],
    action: &str,
    resource: &str,
    context: &UserContext,
) -> Result<ProofNode, String> {
    let mut root = ProofNode::leaf(format!(
        "{} reaches {action} on {resource} through {}",
        engine.caller_name(principal),
        via.join(" -> ")
    ));
    let mut decision = Decision::Allow;
    let mut cur = principal.clone();
    for (i, role) in via.iter().enumerate() {
        let mut hop = Check::new(
            format!("hop {}", i + 1),
            cur.clone(),
            "sts:AssumeRole",
            role,
        );
        hop.req.context = context.clone();
        let a = evaluate(engine, &hop);
        decision = decision.max(a.decision);
        let mut n = ProofNode::leaf(format!("hop {}: {}", i + 1, a.proof.claim));
        n.children = a.proof.children;
        root.children.push(n);
        cur = match engine.resolve_caller(role)? {
            Caller::Entity { pid, .. } => Caller::Entity {
                pid,
                session: Some("iamdl-chain".into()),
            },
            other => other,
        };
    }
    let mut last = Check::new("last", cur, action, resource);
    last.req.context = context.clone();
    let a = evaluate(engine, &last);
    decision = decision.max(a.decision);
    let mut n = ProofNode::leaf(format!("then: {}", a.proof.claim));
    n.children = a.proof.children;
    root.children.push(n);
    root.claim = format!("{} {}", decision.as_str().to_uppercase(), root.claim);
    Ok(root)
}

/// The account of a caller (an entity's account), when it has one.
pub fn principal_account(engine: &Engine, c: &Caller) -> Option<String> {
    match c {
        Caller::Entity { pid, .. } => Some(engine.principal(*pid).account.clone()),
        _ => None,
    }
}
