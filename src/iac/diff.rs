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
//! (action, resource pattern) a statement (`Allow`, or `Deny`: a removed deny regains access) of a
//! user, role or group names in either environment is asked of every user and role of both with
//! `engine.can` (an action pattern that expands to more than 64 catalog actions is asked as
//! written, a whole service `svc:*` literally: which statements cover all of it; a `NotAction`
//! statement is asked for every service it leaves, as `svc:*` or action by action, see
//! [`not_action_probes`]); callers that
//! may assume a role holding such access hold it through the role (`via`). The actions named by
//! permissions boundaries, SCPs and RCPs are asked too: a cap that changes alone (a boundary
//! dropping `s3:GetObject` under an identity `s3:*`) changes the answer for what it names.

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
        // Direct access only: a chained principal's actions are those of every role it can
        // reach, under one witness chain, so chains are followed per action below instead.
        for p in ans.principals {
            if p.decision == Decision::Deny || !p.via.is_empty() {
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
    follow_role_chains(engine, &mut out, ctx);
    out
}

/// (action, resource) pairs named by the statements (`Allow` and `Deny`) of identity policies of
/// users, roles and groups, and by the statements (`Action`, not `NotAction`) of their
/// permissions boundaries and of SCPs and RCPs.
pub fn identity_probes(engine: &Engine) -> Vec<(String, String)> {
    use crate::iam::PolicyKind;
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
    // Caps: permissions boundaries, SCPs and RCPs. Access changed only by a cap (a boundary
    // that no longer allows an action an identity `s3:*` grants) is found by asking the
    // actions the cap names.
    let mut caps: Vec<crate::iam::PolicyId> = env
        .roles
        .iter()
        .filter_map(|r| r.boundary)
        .chain(env.users.iter().filter_map(|u| u.boundary))
        .chain(
            env.policies
                .iter()
                .filter(|p| matches!(p.kind, PolicyKind::Scp | PolicyKind::Rcp))
                .map(|p| p.id),
        )
        .filter(|p| pids.binary_search(p).is_err())
        .collect();
    caps.sort();
    caps.dedup();
    let mut out = Vec::new();
    for (pid, cap) in pids
        .into_iter()
        .map(|p| (p, false))
        .chain(caps.into_iter().map(|p| (p, true)))
    {
        let pol = env.policy(pid);
        if !cap
            && matches!(
                pol.kind,
                PolicyKind::Resource(_) | PolicyKind::Scp | PolicyKind::Rcp
            )
        {
            continue;
        }
        for st in &pol.statements {
            // A cap's `NotAction` (a deny of all but some actions, an allow-list written
            // negatively) is not expanded: what it lets through is asked by the identity
            // grants' own probes.
            if cap && st.action.negated {
                continue;
            }
            // Deny statements too: access regained when a deny is removed or narrowed is
            // found by asking what the deny named.
            let resources: Vec<String> = match &st.resource {
                Some(r) if !r.negated => r.items.clone(),
                _ => vec!["*".to_string()],
            };
            if st.action.negated {
                // NotAction: every catalog action it does not list, by service: `svc:*` when
                // it lists none of the service's actions, else each remaining action.
                for a in not_action_probes(engine, &st.action.items) {
                    for r in &resources {
                        out.push((a.clone(), r.clone()));
                    }
                }
                continue;
            }
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

/// The probes for an `Allow` statement with `NotAction: excluded`: for each service of the
/// catalog, `svc:*` when no excluded pattern names one of its actions, else each action of the
/// service that no excluded pattern names (none when all are named).
pub fn not_action_probes(engine: &Engine, excluded: &[String]) -> Vec<String> {
    use crate::iam::pattern::action_matches;
    let mut by_service: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for a in engine.catalog.all_actions() {
        let name = a.full_name();
        let lc = name.to_ascii_lowercase();
        let svc = lc.split(':').next().unwrap_or("").to_string();
        let e = by_service.entry(svc).or_default();
        e.0 += 1;
        if !excluded.iter().any(|p| action_matches(p, &lc)) {
            e.1.push(name);
        }
    }
    let mut out = Vec::new();
    for (svc, (total, kept)) in by_service {
        if kept.is_empty() {
            continue;
        }
        if kept.len() == total {
            out.push(format!("{svc}:*"));
        } else {
            out.extend(kept);
        }
    }
    out
}

/// The name a diff gives a caller node: the principal's ARN, the service, or `anonymous`.
fn node_name(engine: &Engine, n: &crate::engine::whocan::Node) -> String {
    use crate::engine::whocan::Node;
    match n {
        Node::P(p) => engine.principal(*p).arn.clone(),
        Node::Service(s) => s.clone(),
        Node::Anonymous => "anonymous".to_string(),
    }
}

/// Decides each probe for every user and role of the environment, then follows role chains:
/// a caller that may assume a role holding the access holds it too, through that role (the
/// weaker of the two decisions; `via` lists the roles assumed).
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
        // A whole service (`svc:*`, `*`) is asked literally: which statements cover all of it
        // (NotAction statements that leave it, `svc:*` grants). Statements naming single actions
        // are asked by their own probes; expanding would decide every action of the service.
        let whole_service = action == "*" || action.ends_with(":*");
        for pid in &pids {
            let req = Request {
                caller: Caller::Entity {
                    pid: *pid,
                    session: None,
                },
                action: action.clone(),
                target: Target::parse(resource),
                context: ctx.clone(),
                session_policies: None,
            };
            let ans = if whole_service {
                engine.can_with(&req, None)
            } else {
                engine.can(&req)
            };
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
    follow_role_chains(engine, &mut out, ctx);
    out
}

/// Extends (principal, action, resource) → (decision, via) with every caller that may assume a
/// role listed there, transitively (E7): the chain's decision is the weakest link.
fn follow_role_chains(
    engine: &Engine,
    out: &mut BTreeMap<Key, (Decision, Vec<String>)>,
    ctx: &UserContext,
) {
    let roles: BTreeMap<String, usize> = engine
        .env
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.arn.clone(), i))
        .collect();
    if roles.is_empty() || out.is_empty() {
        return;
    }
    let capable = engine.may_assume_by_identity();
    // Who may assume each role (decided once, only for roles that hold some access).
    let mut assumers: BTreeMap<usize, Vec<(String, Decision)>> = BTreeMap::new();
    let mut queue: Vec<Key> = out.keys().cloned().collect();
    while let Some(k) = queue.pop() {
        let Some(&ri) = roles.get(&k.0) else {
            continue;
        };
        let (d, via) = out[&k].clone();
        let callers = assumers.entry(ri).or_insert_with(|| {
            engine
                .assumers_among(ri, ctx, &capable)
                .into_iter()
                .map(|(n, sure)| {
                    let d = if sure {
                        Decision::Allow
                    } else {
                        Decision::Conditional
                    };
                    (node_name(engine, &n), d)
                })
                .collect()
        });
        for (q, edge) in callers.iter() {
            if *q == k.0 || via.contains(q) {
                continue;
            }
            let chained = (*edge).max(d);
            let key = (q.clone(), k.1.clone(), k.2.clone());
            if out.get(&key).is_none_or(|(old, _)| chained < *old) {
                let mut v = vec![k.0.clone()];
                v.extend(via.iter().cloned());
                out.insert(key.clone(), (chained, v));
                queue.push(key);
            }
        }
    }
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
    let whole_service = k.1 == "*" || k.1.ends_with(":*");
    for t in targets {
        let req = Request {
            caller: caller.clone(),
            action: k.1.clone(),
            target: t,
            context: ctx.clone(),
            session_policies: None,
        };
        let ans = if whole_service {
            engine.can_with(&req, None)
        } else {
            engine.can(&req)
        };
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
