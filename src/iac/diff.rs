//! Access gained and lost between two environments (before and after a change).
//!
//! Enumeration: for every resource of either environment (or the ones named), `engine.reach`
//! lists each principal — the principal table, service principals and anonymous callers named by
//! the resource policy, and role chains — with the actions it is allowed (or conditionally
//! allowed). The two listings are compared per (principal, action, resource); an entry whose
//! decision became more permissive (none → conditional → allow) is gained, less permissive is
//! lost. The statements responsible are taken from `engine.can` on the side that grants.
//!
//! Access that names no resource of the environment (`cloudwatch:GetMetricStatistics` on `*`,
//! `s3:GetObject` on another account's bucket) is found from the identity policies instead: every
//! (action, resource pattern) an `Allow` statement of a user or role names in either environment
//! is asked of every user and role of both with `engine.can` (an action pattern that expands to
//! more than 64 catalog actions is asked as written). `NotAction` statements are not expanded.

use crate::engine::answer::Decision;
use crate::engine::request::{Request, Target, UserContext};
use crate::engine::Engine;
use serde::Serialize;
use std::collections::BTreeMap;

/// One access that changed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    /// The principal (ARN, service principal or `anonymous`).
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource (a bucket stands for itself and its objects).
    pub resource: String,
    /// The decision on the side that grants more (after for gained, before for lost).
    pub decision: Decision,
    /// The decision on the other side (`deny` when the access was absent).
    pub other: Decision,
    /// Role chain from the principal to the role that acts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// The statements responsible, `layer: policy statement (file)`.
    pub reasons: Vec<String>,
}

/// Gained and lost access.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DiffReport {
    /// Access the after environment grants that the before one did not (or only conditionally).
    pub gained: Vec<Change>,
    /// Access the before environment granted that the after one does not.
    pub lost: Vec<Change>,
}

type Key = (String, String, String);

/// Every (principal, action, resource) allowed or conditionally allowed on `resources`.
pub fn access(
    engine: &Engine,
    resources: &[String],
    ctx: &UserContext,
) -> BTreeMap<Key, (Decision, Vec<String>)> {
    let mut out = BTreeMap::new();
    for r in resources {
        let ans = engine.reach(r, ctx);
        for p in ans.principals {
            if p.decision == Decision::Deny {
                continue;
            }
            for a in &p.actions {
                out.insert(
                    (p.principal.clone(), a.clone(), r.clone()),
                    (p.decision, p.via.clone()),
                );
            }
        }
    }
    out
}

/// (action, resource) pairs named by `Allow` statements of identity policies of users and roles.
pub fn identity_probes(engine: &Engine) -> Vec<(String, String)> {
    use crate::iam::{Effect, PolicyKind};
    let env = &engine.env;
    let mut pids: Vec<crate::iam::PolicyId> = env
        .roles
        .iter()
        .flat_map(|r| r.policies.iter().copied())
        .chain(env.users.iter().flat_map(|u| u.policies.iter().copied()))
        .chain(env.groups.iter().flat_map(|g| g.policies.iter().copied()))
        .collect();
    pids.sort();
    pids.dedup();
    let mut out = Vec::new();
    for pid in pids {
        let pol = env.policy(pid);
        if matches!(
            pol.kind,
            PolicyKind::Resource(_) | PolicyKind::Scp | PolicyKind::Rcp
        ) {
            continue;
        }
        for st in &pol.statements {
            if st.effect != Effect::Allow || st.action.negated {
                continue;
            }
            let resources: Vec<String> = match &st.resource {
                Some(r) if !r.negated => r.items.clone(),
                _ => vec!["*".to_string()],
            };
            for pat in &st.action.items {
                let expanded: Vec<String> = engine
                    .catalog
                    .all_actions()
                    .map(|a| a.full_name())
                    .filter(|n| crate::iam::pattern::action_matches(pat, &n.to_ascii_lowercase()))
                    .collect();
                let actions = if expanded.is_empty() || expanded.len() > 64 {
                    vec![pat.clone()]
                } else {
                    expanded
                };
                for a in &actions {
                    for r in &resources {
                        out.push((a.clone(), r.clone()));
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Decides each probe for every user and role of the environment.
pub fn probe_access(
    engine: &Engine,
    probes: &[(String, String)],
    ctx: &UserContext,
) -> BTreeMap<Key, (Decision, Vec<String>)> {
    use crate::engine::request::{Caller, PrincipalKind};
    let mut out = BTreeMap::new();
    let pids: Vec<_> = engine
        .principal_ids()
        .filter(|p| !matches!(engine.principal(*p).kind, PrincipalKind::Root))
        .collect();
    for (action, resource) in probes {
        for pid in &pids {
            let ans = engine.can(&Request {
                caller: Caller::Entity {
                    pid: *pid,
                    session: None,
                },
                action: action.clone(),
                target: Target::parse(resource),
                context: ctx.clone(),
                session_policies: None,
            });
            if ans.decision != Decision::Deny {
                out.insert(
                    (
                        engine.principal(*pid).arn.clone(),
                        action.clone(),
                        resource.clone(),
                    ),
                    (ans.decision, Vec::new()),
                );
            }
        }
    }
    out
}

/// The resources of an environment, sorted.
pub fn resources_of(engine: &Engine) -> Vec<String> {
    let mut v: Vec<String> = engine.env.resources.iter().map(|r| r.arn.clone()).collect();
    v.sort();
    v.dedup();
    v
}

fn reasons(engine: &Engine, k: &Key, via: &[String], ctx: &UserContext) -> Vec<String> {
    let who = via.last().unwrap_or(&k.0);
    let Ok(caller) = engine.resolve_caller(who) else {
        return Vec::new();
    };
    let mut targets = vec![Target::Exact(k.2.clone())];
    if k.2.starts_with("arn:aws:s3:::") && !k.2.contains('/') {
        targets.push(Target::Set(format!("{}/*", k.2)));
    }
    for t in targets {
        let ans = engine.can(&Request {
            caller: caller.clone(),
            action: k.1.clone(),
            target: t,
            context: ctx.clone(),
            session_policies: None,
        });
        if ans.decision != Decision::Deny && !ans.reasons.is_empty() {
            let mut out: Vec<String> = ans
                .reasons
                .iter()
                .map(|r| {
                    format!(
                        "{}: {} statement {} ({})",
                        r.layer, r.policy, r.statement, r.file
                    )
                })
                .collect();
            out.extend(ans.conditions.iter().cloned());
            if !via.is_empty() {
                out.push(format!("via {}", via.join(" → ")));
            }
            return out;
        }
    }
    Vec::new()
}

/// Compares two environments on `resources` (all resources of both when empty).
pub fn diff(
    before: &Engine,
    after: &Engine,
    resources: &[String],
    ctx: &UserContext,
) -> DiffReport {
    let res: Vec<String> = if resources.is_empty() {
        let mut v = resources_of(before);
        v.extend(resources_of(after));
        v.sort();
        v.dedup();
        v
    } else {
        resources.to_vec()
    };
    let mut b = access(before, &res, ctx);
    let mut a = access(after, &res, ctx);
    if resources.is_empty() {
        let mut probes = identity_probes(before);
        probes.extend(identity_probes(after));
        probes.sort();
        probes.dedup();
        // Resources already enumerated by reach are not probed again.
        probes.retain(|(_, r)| !res.contains(r));
        for (k, v) in probe_access(before, &probes, ctx) {
            b.entry(k).or_insert(v);
        }
        for (k, v) in probe_access(after, &probes, ctx) {
            a.entry(k).or_insert(v);
        }
    }
    compare(before, after, b, a, ctx)
}

/// Compares who can perform `action` on each of `resources` (the `who-can` question) before and
/// after.
pub fn diff_action(
    before: &Engine,
    after: &Engine,
    action: &str,
    resources: &[String],
    ctx: &UserContext,
) -> DiffReport {
    let side = |e: &Engine| {
        let mut m: BTreeMap<Key, (Decision, Vec<String>)> = BTreeMap::new();
        for r in resources {
            for p in e.who_can(action, &Target::parse(r), ctx).principals {
                if p.decision != Decision::Deny {
                    m.insert(
                        (p.principal, action.to_string(), r.clone()),
                        (p.decision, p.via),
                    );
                }
            }
        }
        m
    };
    compare(before, after, side(before), side(after), ctx)
}

fn compare(
    before: &Engine,
    after: &Engine,
    b: BTreeMap<Key, (Decision, Vec<String>)>,
    a: BTreeMap<Key, (Decision, Vec<String>)>,
    ctx: &UserContext,
) -> DiffReport {
    let mut report = DiffReport::default();
    for (k, (d, via)) in &a {
        let old = b.get(k).map(|x| x.0).unwrap_or(Decision::Deny);
        if *d < old {
            report.gained.push(Change {
                principal: k.0.clone(),
                action: k.1.clone(),
                resource: k.2.clone(),
                decision: *d,
                other: old,
                via: via.clone(),
                reasons: reasons(after, k, via, ctx),
            });
        }
    }
    for (k, (d, via)) in &b {
        let new = a.get(k).map(|x| x.0).unwrap_or(Decision::Deny);
        if *d < new {
            report.lost.push(Change {
                principal: k.0.clone(),
                action: k.1.clone(),
                resource: k.2.clone(),
                decision: *d,
                other: new,
                via: via.clone(),
                reasons: reasons(before, k, via, ctx),
            });
        }
    }
    report
}

/// The report as a table.
pub fn render_table(r: &DiffReport) -> String {
    let mut s = String::new();
    for (title, sign, list) in [("gained", '+', &r.gained), ("lost", '-', &r.lost)] {
        s.push_str(&format!("{title} ({}):\n", list.len()));
        for c in list {
            s.push_str(&format!(
                "  {sign} {}  {}  {}  {} (was {})\n",
                c.principal,
                c.action,
                c.resource,
                c.decision.as_str(),
                c.other.as_str()
            ));
            for reason in &c.reasons {
                s.push_str(&format!("      {reason}\n"));
            }
        }
    }
    s
}

/// The report as JSON: `{"gained":[{principal, action, resource, decision, reasons}], "lost":[…]}`.
pub fn render_json(r: &DiffReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|_| "{}".into())
}
