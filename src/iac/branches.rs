//! Template conditions that cannot be decided before deployment (a `Conditions` entry testing a
//! parameter without a value, or an unresolvable value): both outcomes are kept where they
//! change access, so that no answer says "no access" when one outcome gives it.
//!
//! While resource properties are resolved, an undecidable `Fn::If` becomes an [`EITHER`] marker
//! holding both branches ([`super::intrinsics::Resolver::either`]); a function over one
//! (`!Sub [..., {N: !If [C, a, b]}]`, `!Join` over a list holding an `!If`) is computed once per
//! outcome and gives a marker of the results. [`settle`] then removes the markers:
//! - inside a policy document, every statement that depends on a marker is kept once per
//!   outcome, each copy guarded by the pseudo-condition
//!   `StringEquals iamdl:TemplateCondition/NAME "true"|"false"`
//!   ([`crate::iam::condition::TEMPLATE_CONDITION_KEY`]), which no request carries: an `Allow`
//!   copy makes the answer conditional, and a `Deny` copy makes it conditional too ("denied
//!   if template condition NAME"), never a certain deny;
//! - a marker whose branches hold policy documents or statements (`Policies: !If [C, [...],
//!   !Ref AWS::NoValue]`, a statement list entry) keeps both branches, their statements guarded;
//! - in `ManagedPolicyArns`, the ARNs of both branches are kept, each marked with its guard
//!   ([`GUARD_SEP`]): the policy is attached as a guarded copy ([`super::Layer::managed_policy`]);
//! - a `PermissionsBoundary` under undecidable conditions (`!If [C, X, !Ref AWS::NoValue]`,
//!   `!If [C, X, Y]`, nested `Fn::If`) becomes a list of the alternatives, each with the path of
//!   outcomes that leads to it; the role or user gets one boundary whose statements are those of
//!   each alternative guarded by its path, an `Allow *` guarded by each combination that leads
//!   to no boundary, and, unguarded, the `Allow`s every alternative has
//!   ([`super::cfn::boundary_of`]): each cap holds only under its outcome;
//! - in the `Roles` / `Users` / `Groups` of a policy resource, each entry keeps its guard and
//!   the policy is attached to it as a guarded copy ([`settle_policy_props`]);
//! - in a user's `Groups` and a `UserToGroupAddition`'s `Users` / `GroupName`, each entry keeps
//!   its guard and the user gets guarded copies of the group's policies
//!   ([`settle_list_props`]); an instance profile's `Roles` keep every role it may hold;
//! - in the `Policies` of a SAM function, each entry (name, document, policy template) keeps its
//!   guard and is attached as a guarded copy ([`settle_sam_props`]);
//! - the `Queues` / `Topics` of a queue or topic policy keep their guards (the policy applies
//!   to each as a guarded copy), and an `AWS::Lambda::Permission` that depends on markers is
//!   added once per outcome ([`variants`]), each statement guarded;
//! - anywhere else (names, ARNs and other scalar properties outside policy documents: a role's
//!   name, a function's `Role`, a bucket policy's `Bucket`) the true branch is taken, as
//!   before, and the condition is reported in a warning.
//!
//! A resource whose own `Condition` cannot be decided may or may not exist: every statement of
//! every policy it adds is guarded by the condition ([`guard_document`], applied by
//! [`super::Layer::add_policy`]).

use crate::iam::condition::TEMPLATE_CONDITION_KEY;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Marker key of an undecidable `Fn::If`: `{"iamdl::Either": [NAME, TRUE, FALSE]}`.
pub const EITHER: &str = "iamdl::Either";
/// Marker of `AWS::NoValue` inside an [`EITHER`] branch.
pub const NO_VALUE: &str = "iamdl::NoValue";

/// Separator of the guards appended to a managed policy ARN that is attached under an
/// undecidable condition (`ARN#iamdl-if:C=true#iamdl-if:D=false`); see [`split_guarded`].
pub const GUARD_SEP: &str = "#iamdl-if:";

/// Splits `ARN#iamdl-if:C=true…` into the ARN and its outcome (empty when unguarded).
pub fn split_guarded(s: &str) -> (&str, Outcome) {
    let mut parts = s.split(GUARD_SEP);
    let arn = parts.next().unwrap_or(s);
    let outcome = parts
        .filter_map(|g| {
            let (name, b) = g.rsplit_once('=')?;
            Some((name.to_string(), b == "true"))
        })
        .collect();
    (arn, outcome)
}

/// `NAME` with the guards of `outcome` appended (`NAME#iamdl-if:C=true…`, the inverse of
/// [`split_guarded`]); `NAME` itself when the outcome is empty.
pub fn join_guarded(name: &str, outcome: &[(String, bool)]) -> String {
    let mut s = name.to_string();
    for (n, holds) in outcome {
        s.push_str(&format!("{GUARD_SEP}{n}={holds}"));
    }
    s
}

/// An outcome for people: `C, not D`.
pub fn show_outcome(outcome: &[(String, bool)]) -> String {
    outcome
        .iter()
        .map(|(n, holds)| {
            if *holds {
                n.clone()
            } else {
                format!("not {n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A list of managed policy ARNs in which markers keep both branches, each ARN of a branch
/// carrying the branch's guard ([`GUARD_SEP`]): the policy is attached conditionally.
fn settle_arn_list(v: &Value, out: &mut Settled) -> Vec<Value> {
    if is_no_value(v) {
        return Vec::new();
    }
    if let Some((name, t, f)) = as_either(v) {
        out.both.insert(name.to_string());
        let mut res = Vec::new();
        for (branch, holds) in [(t, true), (f, false)] {
            for x in settle_arn_list(branch, out) {
                res.push(match x {
                    Value::String(s) => Value::String(format!("{s}{GUARD_SEP}{name}={holds}")),
                    other => other,
                });
            }
        }
        return res;
    }
    match v {
        Value::Array(a) => a.iter().flat_map(|x| settle_arn_list(x, out)).collect(),
        other => settle(other.clone(), out).into_iter().collect(),
    }
}

/// At most this many distinct undecidable conditions are expanded in one statement (2^N
/// copies); beyond, the true branches are taken and reported.
const MAX_CONDITIONS: usize = 6;

/// One outcome: condition name → whether it holds.
pub type Outcome = Vec<(String, bool)>;

/// The marker for an undecidable `Fn::If` (`None` branches are `AWS::NoValue`).
pub fn either(name: &str, t: Option<Value>, f: Option<Value>) -> Value {
    let nv = || json!({ NO_VALUE: true });
    json!({ EITHER: [name, t.unwrap_or_else(nv), f.unwrap_or_else(nv)] })
}

/// (condition, true branch, false branch) of a marker.
fn as_either(v: &Value) -> Option<(&str, &Value, &Value)> {
    let m = v.as_object().filter(|m| m.len() == 1)?;
    let a = m.get(EITHER)?.as_array().filter(|a| a.len() == 3)?;
    Some((a[0].as_str()?, &a[1], &a[2]))
}

fn is_no_value(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key(NO_VALUE))
}

/// What [`settle`] did, for warnings.
#[derive(Debug, Default)]
pub struct Settled {
    /// Conditions whose true branch was taken (outside policy documents).
    pub true_branch: BTreeSet<String>,
    /// Conditions kept with both outcomes in policy statements.
    pub both: BTreeSet<String>,
}

/// As [`settle`] for the properties of a policy resource (`AWS::IAM::Policy`,
/// `AWS::IAM::ManagedPolicy`): an entry of its `Roles` / `Users` / `Groups` list that depends on
/// an undecidable condition is kept with its guard ([`GUARD_SEP`]), so the policy is attached
/// to it as a guarded copy instead of taking the true branch.
pub fn settle_policy_props(v: Value, out: &mut Settled) -> Option<Value> {
    settle_list_props(v, &["Roles", "Users", "Groups"], out)
}

/// The properties whose names [`settle_list_props`] keeps with their guards, by resource type:
/// the members of a policy resource, a user's `Groups`, a `UserToGroupAddition`'s `Users` and
/// `GroupName`, an instance profile's `Roles`, the `Queues` / `Topics` of a queue or topic
/// policy.
pub fn guarded_list_keys(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => &["Roles", "Users", "Groups"],
        "AWS::IAM::User" => &["Groups"],
        "AWS::IAM::UserToGroupAddition" => &["Users", "GroupName"],
        "AWS::IAM::InstanceProfile" => &["Roles"],
        "AWS::SQS::QueuePolicy" => &["Queues"],
        "AWS::SNS::TopicPolicy" => &["Topics"],
        _ => &[],
    }
}

/// As [`settle`], except that each property named in `keys` becomes a list of names in which
/// every entry that depends on an undecidable condition is kept once per outcome with its guard
/// ([`GUARD_SEP`], [`split_guarded`]); a scalar property becomes a one-entry list.
pub fn settle_list_props(v: Value, keys: &[&str], out: &mut Settled) -> Option<Value> {
    let Value::Object(mut m) = v else {
        return settle(v, out);
    };
    let mut lists = Map::new();
    for &key in keys {
        if let Some(x) = m.remove(key) {
            lists.insert(key.to_string(), Value::Array(settle_arn_list(&x, out)));
        }
    }
    let mut rest = settle(Value::Object(m), out)?;
    if let Value::Object(r) = &mut rest {
        r.extend(lists);
    }
    Some(rest)
}

/// Wrapper of one SAM `Policies` entry kept only under an outcome:
/// `{"iamdl::Guarded": [[NAME, HOLDS], ...], "entry": ENTRY}` (see [`settle_sam_props`]).
pub const GUARDED: &str = "iamdl::Guarded";

/// As [`settle`] for the properties of an `AWS::Serverless::Function`: every entry of its
/// `Policies` list (a managed policy name, a document, a SAM policy template) that depends on
/// an undecidable condition is kept once per outcome, wrapped with its guard ([`GUARDED`]),
/// so that the function's role gets it as a guarded copy instead of the true branch.
pub fn settle_sam_props(v: Value, out: &mut Settled) -> Option<Value> {
    let Value::Object(mut m) = v else {
        return settle(v, out);
    };
    let pols = m.remove("Policies");
    let mut rest = settle(Value::Object(m), out)?;
    if let (Some(p), Value::Object(r)) = (pols, &mut rest) {
        let mut res = Vec::new();
        sam_entries(p, &mut Vec::new(), out, &mut res);
        r.insert("Policies".into(), Value::Array(res));
    }
    Some(rest)
}

fn sam_entries(e: Value, guard: &mut Outcome, out: &mut Settled, res: &mut Vec<Value>) {
    if is_no_value(&e) {
        return;
    }
    if let Some((name, t, f)) = as_either(&e) {
        let name = name.to_string();
        out.both.insert(name.clone());
        for (branch, holds) in [(t.clone(), true), (f.clone(), false)] {
            guard.push((name.clone(), holds));
            sam_entries(branch, guard, out, res);
            guard.pop();
        }
        return;
    }
    if let Value::Array(a) = e {
        for x in a {
            sam_entries(x, guard, out, res);
        }
        return;
    }
    let Some(entry) = settle(e, out) else {
        return;
    };
    if guard.is_empty() {
        res.push(entry);
    } else {
        let g: Vec<Value> = guard.iter().map(|(n, h)| json!([n, h])).collect();
        res.push(json!({ GUARDED: g, "entry": entry }));
    }
}

/// The entry and guard of a [`GUARDED`] wrapper (the value itself and no guard otherwise).
pub fn unwrap_guarded(v: &Value) -> (Value, Outcome) {
    let Some(m) = v.as_object().filter(|m| m.contains_key(GUARDED)) else {
        return (v.clone(), Vec::new());
    };
    let guard = m[GUARDED]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p.get(0)?.as_str()?.to_string(), p.get(1)?.as_bool()?)))
                .collect()
        })
        .unwrap_or_default();
    (m.get("entry").cloned().unwrap_or(Value::Null), guard)
}

/// Removes every marker of a resolved value (see the module documentation). `None` when the
/// whole value is `AWS::NoValue`.
pub fn settle(v: Value, out: &mut Settled) -> Option<Value> {
    if is_no_value(&v) {
        return None;
    }
    if let Some((name, t, f)) = as_either(&v) {
        let name = name.to_string();
        let (t, f) = (t.clone(), f.clone());
        if holds_policy(&t) || holds_policy(&f) {
            let t2 = settle(t.clone(), out).map(|x| guard_all(x, &[(name.clone(), true)]));
            let f2 = settle(f.clone(), out).map(|x| guard_all(x, &[(name.clone(), false)]));
            let merged = match (t2, f2) {
                (None, None) => Some(None),
                (Some(x), None) | (None, Some(x)) => Some(Some(x)),
                (Some(Value::Array(mut a)), Some(Value::Array(b))) => {
                    a.extend(b);
                    Some(Some(Value::Array(a)))
                }
                (Some(a), Some(b)) if is_document(&a) && is_document(&b) => {
                    let mut stmts = statements_of(&a);
                    stmts.extend(statements_of(&b));
                    let mut doc = a.as_object().cloned().unwrap_or_default();
                    doc.insert("Statement".into(), Value::Array(stmts));
                    Some(Some(Value::Object(doc)))
                }
                _ => None,
            };
            if let Some(m) = merged {
                out.both.insert(name);
                return m;
            }
        }
        out.true_branch.insert(name);
        return settle(t, out);
    }
    match v {
        Value::Array(items) => {
            let mut res = Vec::with_capacity(items.len());
            for x in items {
                // A list entry that is a marker over statements or policies: both entries.
                if let Some((name, t, f)) = as_either(&x) {
                    if holds_policy(t) || holds_policy(f) {
                        let name = name.to_string();
                        for (branch, b) in [(t.clone(), true), (f.clone(), false)] {
                            if let Some(y) = settle(branch, out) {
                                res.push(guard_all(y, &[(name.clone(), b)]));
                            }
                        }
                        out.both.insert(name);
                        continue;
                    }
                }
                if let Some(y) = settle(x, out) {
                    res.push(y);
                }
            }
            Some(Value::Array(res))
        }
        Value::Object(m) if m.contains_key("Statement") => {
            let mut doc = Map::new();
            for (k, x) in m {
                if k == "Statement" {
                    doc.insert(k, Value::Array(expand_statements(&x, out)));
                } else if let Some(y) = settle(x, out) {
                    doc.insert(k, y);
                }
            }
            Some(Value::Object(doc))
        }
        Value::Object(m) => {
            let mut res = Map::new();
            for (k, x) in m {
                if k == "ManagedPolicyArns" {
                    res.insert(k, Value::Array(settle_arn_list(&x, out)));
                    continue;
                }
                // A boundary that depends on an undecidable condition: both alternatives as a
                // list of guarded ARNs (an `AWS::NoValue` branch gives none: no boundary).
                if k == "PermissionsBoundary" && as_either(&x).is_some() {
                    res.insert(k, Value::Array(settle_arn_list(&x, out)));
                    continue;
                }
                if let Some(y) = settle(x, out) {
                    res.insert(k, y);
                }
            }
            Some(Value::Object(res))
        }
        other => Some(other),
    }
}

/// The statements of a `Statement` element, each statement that depends on undecidable
/// conditions copied once per outcome with its guard.
fn expand_statements(s: &Value, out: &mut Settled) -> Vec<Value> {
    let entries: Vec<&Value> = match s {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut res = Vec::new();
    for e in entries {
        let mut names = BTreeSet::new();
        marker_names(e, &mut names);
        if names.is_empty() {
            res.push(e.clone());
            continue;
        }
        if names.len() > MAX_CONDITIONS {
            if let Some(x) = settle(e.clone(), out) {
                push_flat(&mut res, x, &[]);
            }
            continue;
        }
        let names: Vec<String> = names.into_iter().collect();
        let mut variants: Vec<(Outcome, Option<Value>)> = Vec::new();
        for bits in 0..(1u32 << names.len()) {
            let outcome: Outcome = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), bits & (1 << i) == 0))
                .collect();
            variants.push((outcome.clone(), choose(e, &outcome)));
        }
        out.both.extend(names.iter().cloned());
        if variants.windows(2).all(|w| w[0].1 == w[1].1) {
            // Every outcome gives the same statements: no guard needed.
            if let Some(x) = variants.pop().and_then(|v| v.1) {
                push_flat(&mut res, x, &[]);
            }
            continue;
        }
        for (outcome, x) in variants {
            if let Some(x) = x {
                push_flat(&mut res, x, &outcome);
            }
        }
    }
    res
}

/// The value under every outcome of the undecidable conditions it holds markers of, each
/// with its outcome (an outcome where the whole value is `AWS::NoValue` is left out). `None`
/// when it holds no marker, or markers of more than [`MAX_CONDITIONS`] conditions.
pub fn variants(v: &Value) -> Option<Vec<(Outcome, Value)>> {
    let mut names = BTreeSet::new();
    marker_names(v, &mut names);
    if names.is_empty() || names.len() > MAX_CONDITIONS {
        return None;
    }
    let names: Vec<String> = names.into_iter().collect();
    let mut out = Vec::new();
    for bits in 0..(1u32 << names.len()) {
        let outcome: Outcome = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), bits & (1 << i) == 0))
            .collect();
        if let Some(x) = choose(v, &outcome) {
            out.push((outcome, x));
        }
    }
    Some(out)
}

/// Appends one statement (or a list of them) with the guard of `outcome`.
fn push_flat(res: &mut Vec<Value>, x: Value, outcome: &[(String, bool)]) {
    match x {
        Value::Array(a) => {
            for y in a {
                res.push(guard_statement(y, outcome));
            }
        }
        y => res.push(guard_statement(y, outcome)),
    }
}

/// The value under one outcome: every marker replaced by its branch (`None`: `AWS::NoValue`).
fn choose(v: &Value, outcome: &[(String, bool)]) -> Option<Value> {
    if is_no_value(v) {
        return None;
    }
    if let Some((name, t, f)) = as_either(v) {
        let holds = outcome
            .iter()
            .find(|(n, _)| n == name)
            .is_none_or(|(_, b)| *b);
        return choose(if holds { t } else { f }, outcome);
    }
    match v {
        Value::Array(a) => Some(Value::Array(
            a.iter().filter_map(|x| choose(x, outcome)).collect(),
        )),
        Value::Object(m) => Some(Value::Object(
            m.iter()
                .filter_map(|(k, x)| Some((k.clone(), choose(x, outcome)?)))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn marker_names(v: &Value, out: &mut BTreeSet<String>) {
    if let Some((name, t, f)) = as_either(v) {
        out.insert(name.to_string());
        marker_names(t, out);
        marker_names(f, out);
        return;
    }
    match v {
        Value::Array(a) => a.iter().for_each(|x| marker_names(x, out)),
        Value::Object(m) => m.values().for_each(|x| marker_names(x, out)),
        _ => {}
    }
}

/// True when `v` holds a policy document or a statement somewhere.
fn holds_policy(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.contains_key("Statement")
                || m.contains_key("Effect")
                || m.contains_key("PolicyDocument")
                || m.values().any(holds_policy)
        }
        Value::Array(a) => a.iter().any(holds_policy),
        _ => false,
    }
}

fn is_document(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("Statement"))
}

fn statements_of(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// Guards every statement inside `v` (documents, statement lists, `Policies` entries).
pub fn guard_all(v: Value, outcome: &[(String, bool)]) -> Value {
    match v {
        Value::Object(m) if m.contains_key("Statement") => {
            guard_document(Value::Object(m), outcome)
        }
        Value::Object(m) if m.contains_key("Effect") => guard_statement(Value::Object(m), outcome),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, guard_all(x, outcome)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| guard_all(x, outcome)).collect()),
        other => other,
    }
}

/// Guards every statement of a policy document (a JSON value, or a string holding JSON, which
/// is returned as a value).
pub fn guard_document(doc: Value, outcome: &[(String, bool)]) -> Value {
    if outcome.is_empty() {
        return doc;
    }
    let mut doc = match doc {
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(v) => v,
            Err(_) => return Value::String(s),
        },
        other => other,
    };
    if let Some(m) = doc.as_object_mut() {
        if let Some(s) = m.remove("Statement") {
            let guarded = match s {
                Value::Array(a) => {
                    Value::Array(a.into_iter().map(|x| guard_statement(x, outcome)).collect())
                }
                one => Value::Array(vec![guard_statement(one, outcome)]),
            };
            m.insert("Statement".into(), guarded);
        }
    }
    doc
}

/// Adds `StringEquals iamdl:TemplateCondition/NAME "true"|"false"` for each condition of the
/// outcome to one statement (left alone when its `Condition` is not a map: the policy parser
/// reports that).
pub fn guard_statement(st: Value, outcome: &[(String, bool)]) -> Value {
    let Value::Object(mut m) = st else {
        return st;
    };
    if outcome.is_empty() {
        return Value::Object(m);
    }
    let cond = m
        .entry("Condition")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(c) = cond.as_object_mut() {
        let eq = c
            .entry("StringEquals")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(eq) = eq.as_object_mut() {
            for (name, holds) in outcome {
                eq.insert(
                    format!("{TEMPLATE_CONDITION_KEY}{name}"),
                    Value::String(holds.to_string()),
                );
            }
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: &str) -> String {
        format!("{TEMPLATE_CONDITION_KEY}{n}")
    }

    #[test]
    fn a_statement_with_an_undecided_if_is_kept_once_per_outcome() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": either("IsProd", Some(json!("arn:aws:s3:::p/*")), Some(json!("arn:aws:s3:::d/*")))},
            {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}
        ]});
        let mut out = Settled::default();
        let v = settle(json!({"PolicyDocument": doc}), &mut out).unwrap();
        let st = v["PolicyDocument"]["Statement"].as_array().unwrap();
        assert_eq!(st.len(), 3, "{v}");
        assert_eq!(st[0]["Resource"], "arn:aws:s3:::p/*");
        assert_eq!(st[0]["Condition"]["StringEquals"][key("IsProd")], "true");
        assert_eq!(st[1]["Resource"], "arn:aws:s3:::d/*");
        assert_eq!(st[1]["Condition"]["StringEquals"][key("IsProd")], "false");
        assert!(st[2].get("Condition").is_none());
        assert!(out.both.contains("IsProd") && out.true_branch.is_empty());
    }

    #[test]
    fn a_statement_entry_that_may_not_exist_is_guarded() {
        let doc = json!({"Statement": [
            either("C", Some(json!({"Effect": "Deny", "Action": "*", "Resource": "*"})), None)
        ]});
        let mut out = Settled::default();
        let v = settle(doc, &mut out).unwrap();
        let st = v["Statement"].as_array().unwrap();
        assert_eq!(st.len(), 1);
        assert_eq!(st[0]["Effect"], "Deny");
        assert_eq!(st[0]["Condition"]["StringEquals"][key("C")], "true");
    }

    #[test]
    fn policies_lists_keep_both_branches_and_names_take_the_true_branch() {
        let pol = json!({"PolicyName": "p", "PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}});
        let props = json!({
            "RoleName": either("C", Some(json!("a")), Some(json!("b"))),
            "Policies": either("C", Some(json!([pol])), None),
        });
        let mut out = Settled::default();
        let v = settle(props, &mut out).unwrap();
        assert_eq!(v["RoleName"], "a");
        let st = &v["Policies"][0]["PolicyDocument"]["Statement"][0];
        assert_eq!(st["Condition"]["StringEquals"][key("C")], "true");
        assert!(out.both.contains("C") && out.true_branch.contains("C"));
    }

    #[test]
    fn managed_policy_lists_keep_both_branches_with_guards() {
        let props = json!({"ManagedPolicyArns": [
            "arn:aws:iam::aws:policy/A",
            either("C", Some(json!("arn:aws:iam::aws:policy/B")), None),
        ]});
        let mut out = Settled::default();
        let v = settle(props, &mut out).unwrap();
        let l: Vec<&str> = v["ManagedPolicyArns"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            l,
            [
                "arn:aws:iam::aws:policy/A",
                "arn:aws:iam::aws:policy/B#iamdl-if:C=true"
            ]
        );
        let (arn, g) = split_guarded(l[1]);
        assert_eq!(arn, "arn:aws:iam::aws:policy/B");
        assert_eq!(g, vec![("C".to_string(), true)]);
        assert!(out.both.contains("C"));
    }

    #[test]
    fn membership_lists_keep_each_entry_with_its_guard() {
        let props = json!({
            "Groups": either("C", None, Some(json!([
                "a", either("D", Some(json!("b")), None)
            ]))),
            "UserName": "u",
        });
        let mut out = Settled::default();
        let v = settle_list_props(props, guarded_list_keys("AWS::IAM::User"), &mut out).unwrap();
        let l: Vec<&str> = v["Groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            l,
            ["a#iamdl-if:C=false", "b#iamdl-if:D=true#iamdl-if:C=false"]
        );
        let (g, outcome) = split_guarded(l[1]);
        assert_eq!(g, "b");
        assert_eq!(join_guarded(g, &outcome), l[1]);
        assert_eq!(show_outcome(&outcome), "D, not C");
        assert_eq!(v["UserName"], "u");
        // A scalar becomes a one-entry list.
        let v = settle_list_props(
            json!({"GroupName": "g"}),
            guarded_list_keys("AWS::IAM::UserToGroupAddition"),
            &mut out,
        )
        .unwrap();
        assert_eq!(v["GroupName"], json!(["g"]));
    }

    #[test]
    fn identical_outcomes_need_no_guard() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Sid": either("C", None, None)}]});
        let v = settle(doc, &mut Settled::default()).unwrap();
        assert!(v["Statement"][0].get("Condition").is_none(), "{v}");
    }
}
