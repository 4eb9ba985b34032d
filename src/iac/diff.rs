//! Access gained and lost between two environments (before and after a change).
//!
//! Enumeration: for every resource of either environment (or the ones named), `engine.reach`
//! lists each principal — the principal table, service principals and anonymous callers named by
//! the resource policy, and role chains — with the actions it is allowed (or conditionally
//! allowed). The two listings are compared per (principal, action, resource); an entry whose
//! decision became more permissive (none → conditional → allow) is gained, less permissive is
//! lost. The statements responsible are taken from `engine.can` on the side that grants.

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
pub fn access(engine: &Engine, resources: &[String], ctx: &UserContext) -> BTreeMap<Key, (Decision, Vec<String>)> {
    let mut out = BTreeMap::new();
    for r in resources {
        let ans = engine.reach(r, ctx);
        for p in ans.principals {
            if p.decision == Decision::Deny {
                continue;
            }
            for a in &p.actions {
                out.insert((p.principal.clone(), a.clone(), r.clone()), (p.decision, p.via.clone()));
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
                .map(|r| format!("{}: {} statement {} ({})", r.layer, r.policy, r.statement, r.file))
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
pub fn diff(before: &Engine, after: &Engine, resources: &[String], ctx: &UserContext) -> DiffReport {
    let res: Vec<String> = if resources.is_empty() {
        let mut v = resources_of(before);
        v.extend(resources_of(after));
        v.sort();
        v.dedup();
        v
    } else {
        resources.to_vec()
    };
    let b = access(before, &res, ctx);
    let a = access(after, &res, ctx);
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
