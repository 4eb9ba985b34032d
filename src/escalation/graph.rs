//! The escalation graph of one environment, computed once: the technique edges found by
//! asking the engine (full evaluation: conditions, denies, boundaries, SCPs), then the rules
//! of `rules.rs` combining them.
//!
//! Candidates are never all pairs: for each account and technique, the engine first decides
//! the technique's key action for every principal of the account on the *set* of relevant
//! resources (`arn:aws:iam::A:role/*`, …; an Allow counts when it can match some member).
//! Only those candidates are then decided on each concrete target, in one batch per
//! technique (requests with identical facts are decided once).

use super::rules;
use super::techniques::{Kind, On, Technique, TECHNIQUES};
use crate::engine::answer::Decision;
use crate::engine::matching::ActionCache;
use crate::engine::request::{Caller, Pid, PrincipalKind, Request, Target, UserContext};
use crate::engine::whocan::Node;
use crate::engine::Engine;
use crate::iam::{PolicyKind, PrincipalRef};
use crate::rules::decide::decide;
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::Arc;

/// One permission a technique edge relies on: `action` on `resource` (passing to `service`
/// for `iam:PassRole`), as decided by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The action.
    pub action: &'static str,
    /// The resource ARN or pattern (shared by the edges that rely on it).
    pub resource: Arc<str>,
    /// For `iam:PassRole`: the service the role is passed to.
    pub service: Option<&'static str>,
    /// The engine's decision.
    pub decision: Decision,
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// `from` can act with the permissions of `to`.
    Become,
    /// `from` can give `to` any identity permission.
    Empower,
    /// `from` can remove the permissions boundary of `to`.
    Unbound,
}

/// One technique edge between two principals.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The principal performing the technique.
    pub from: Pid,
    /// The principal whose permissions are gained (or changed).
    pub to: Pid,
    /// What it means.
    pub kind: EdgeKind,
    /// The technique id (catalogue id or `iamdl-NNN`).
    pub technique: &'static str,
    /// Allow when every grant is allowed and nothing else is assumed; conditional otherwise.
    pub decision: Decision,
    /// The permissions it relies on (shared by the edges of one candidate and resource).
    pub grants: Arc<[Grant]>,
    /// What else must hold (e.g. "an existing EC2 instance runs with the role").
    pub note: Option<Arc<str>>,
}

/// A node of the escalation graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GNode {
    /// A principal.
    P(Pid),
    /// The administrator of an account (index into `env.accounts`).
    Admin(u32),
    /// A principal after it has been given arbitrary identity permissions.
    Empowered(Pid),
}

/// The escalation graph of an environment.
pub struct Graph {
    /// Technique edges found by the engine.
    pub edges: Vec<Edge>,
    /// Principals that already are administrators: (principal, account index, decision).
    pub direct_admins: Vec<(Pid, u32, Decision)>,
    /// Per principal: `Some(true)` when, given any identity permission, it is an administrator
    /// of its account; `Some(false)` when only its boundary stops that; `None` otherwise or
    /// not checked.
    pub free: FxHashMap<Pid, bool>,
    /// Principals whose own identity policies make them administrators, held back only by
    /// their boundary.
    pub id_admin: FxHashSet<Pid>,
    /// What the rules derived.
    pub derived: rules::Derived,
    /// Account index of each principal.
    account_of: Vec<u32>,
    /// Principals of each account.
    members: Vec<Vec<Pid>>,
    direct_admin_of: FxHashMap<Pid, (u32, Decision)>,
    /// Outgoing become edges by principal (indexes into `edges`).
    out_become: FxHashMap<Pid, Vec<usize>>,
    n: u32,
    /// Time taken to build, in milliseconds.
    pub build_ms: u128,
}

/// The probes that make a principal administrator-equivalent: allowed to change any role's
/// permissions and any user's credentials of its account (with those it can grant itself
/// anything the guardrails allow).
fn probes(account: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "iam:PutRolePolicy",
            format!("arn:aws:iam::{account}:role/iamdl-escalation-probe"),
        ),
        (
            "iam:CreateAccessKey",
            format!("arn:aws:iam::{account}:user/iamdl-escalation-probe"),
        ),
    ]
}

/// A technique's concrete target: the principals it reaches, the resource ARN, a note.
type SharedTarget = (Vec<Pid>, Arc<str>, Option<Arc<str>>);

/// Decisions of one account's requests already made by an earlier technique, by (caller,
/// action and service passed to, exact resource), both interned: techniques that share an
/// action (`iam:PassRole` to one service, `lambda:UpdateFunctionCode`, `iam:CreateAccessKey`,
/// …) decide it once.
#[derive(Default)]
struct DecMemo {
    targets: FxHashMap<Arc<str>, u32>,
    actions: FxHashMap<(&'static str, Option<&'static str>), u32>,
    known: FxHashMap<(u32, u32, u32), Decision>,
}

impl DecMemo {
    fn target(&mut self, t: &Arc<str>) -> u32 {
        let n = self.targets.len() as u32;
        *self.targets.entry(t.clone()).or_insert(n)
    }

    fn action(&mut self, a: &'static str, svc: Option<&'static str>) -> u32 {
        let n = self.actions.len() as u32;
        *self.actions.entry((a, svc)).or_insert(n)
    }
}

/// Counters of the batches (requests, facts computed, distinct facts), for `IAMDL_TIMING`.
static BATCH_STATS: [std::sync::atomic::AtomicUsize; 3] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];

/// A batch of requests decided together. Requests name their target by index into the
/// batch's target list, so a request costs a few words, not a cloned ARN.
struct Batch<'e> {
    engine: &'e Engine,
    ctx: UserContext,
    targets: Vec<Arc<str>>,
    reqs: Vec<(Pid, &'static str, u32, Option<&'static str>)>,
}

impl<'e> Batch<'e> {
    fn new(engine: &'e Engine, ctx: &UserContext, targets: Vec<Arc<str>>) -> Self {
        Batch {
            engine,
            ctx: ctx.clone(),
            targets,
            reqs: Vec::new(),
        }
    }

    fn push(
        &mut self,
        who: Pid,
        action: &'static str,
        t: usize,
        svc: Option<&'static str>,
    ) -> usize {
        self.reqs.push((who, action, t as u32, svc));
        self.reqs.len() - 1
    }

    /// Decides every request. `memo` (shared by the techniques of one account) answers the
    /// requests decided before and learns the new ones.
    fn run(self, memo: Option<&mut DecMemo>) -> Vec<Decision> {
        let mut local = DecMemo::default();
        let remember = memo.is_some();
        let memo = memo.unwrap_or(&mut local);
        // Targets no policy can tell apart share one representative: each caller's facts are
        // computed once per class of targets, not once per target.
        let rep = target_classes(self.engine, &self.reqs, &self.targets);
        let tid: Vec<u32> = if remember {
            self.targets.iter().map(|t| memo.target(t)).collect()
        } else {
            Vec::new()
        };
        let aid: Vec<u32> = self
            .reqs
            .iter()
            .map(|&(_, a, _, svc)| memo.action(a, svc))
            .collect();
        // Facts already computed, by (caller, action, representative target).
        let mut by_rep: FxHashMap<(u32, u32, u32), u32> = FxHashMap::default();
        // Sorted by action, then target: the request below changes as little as possible.
        let mut order: Vec<usize> = (0..self.reqs.len()).collect();
        order.sort_by_key(|&i| (aid[i], rep[self.reqs[i].2 as usize]));
        let mut uniq: FxHashMap<crate::rules::decide::RequestFacts, u32> = FxHashMap::default();
        let mut batch = Vec::new();
        // Per request: a decision known already, or the index of its facts in the batch.
        let mut ids: Vec<Result<u32, Decision>> = vec![Ok(0); self.reqs.len()];
        let cache = ActionCache::default();
        let mut req = Request {
            caller: Caller::Anonymous,
            action: String::new(),
            target: Target::Exact(String::new()),
            context: self.ctx,
            session_policies: None,
        };
        let mut cur: Option<(u32, u32)> = None;
        for i in order {
            let (who, action, ti, svc) = self.reqs[i];
            if remember {
                if let Some(d) = memo.known.get(&(who.0, aid[i], tid[ti as usize])) {
                    ids[i] = Err(*d);
                    continue;
                }
            }
            let ti = rep[ti as usize];
            if let Some(&id) = by_rep.get(&(who.0, aid[i], ti)) {
                ids[i] = Ok(id);
                continue;
            }
            if cur.map(|c| c.0) != Some(aid[i]) {
                req.action = action.to_string();
            }
            if cur.map(|c| c.1) != Some(ti) {
                req.target = Target::Exact(self.targets[ti as usize].to_string());
            }
            cur = Some((aid[i], ti));
            req.caller = Caller::Entity {
                pid: who,
                session: None,
            };
            let (facts, _, _) = self.engine.request_facts_with(&req, svc, &cache);
            let id = match uniq.get(&facts) {
                Some(&id) => id,
                None => {
                    batch.push(facts.clone());
                    let id = (batch.len() - 1) as u32;
                    uniq.insert(facts, id);
                    id
                }
            };
            by_rep.insert((who.0, aid[i], ti), id);
            ids[i] = Ok(id);
        }
        use std::sync::atomic::Ordering::Relaxed;
        BATCH_STATS[0].fetch_add(self.reqs.len(), Relaxed);
        BATCH_STATS[1].fetch_add(by_rep.len(), Relaxed);
        BATCH_STATS[2].fetch_add(batch.len(), Relaxed);
        let concl = decide(&batch);
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| match id {
                Err(d) => d,
                Ok(id) => {
                    let d = Decision::from_conclusion(&concl[id as usize]);
                    if remember {
                        let (who, _, ti, _) = self.reqs[i];
                        memo.known.insert((who.0, aid[i], tid[ti as usize]), d);
                    }
                    d
                }
            })
            .collect()
    }
}

/// The batch counters as text, and reset.
fn batch_stats() -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let v: Vec<usize> = BATCH_STATS.iter().map(|c| c.swap(0, Relaxed)).collect();
    format!(
        "{} requests, {} facts computed (one per class of targets), {} distinct",
        v[0], v[1], v[2]
    )
}

/// How a condition depends on the request's resource. The engine resolves condition keys
/// from the user's context (the same for every request of a batch), from the caller
/// (`engine/context.rs`, `principal_key`) and from the target only through
/// `aws:ResourceAccount` / `aws:ResourceOrgId` (the target's account, part of every class key)
/// and the target role's tags (`iam:ResourceTag/…`; `aws:ResourceTag/…` is counted too, in
/// case it is resolved one day). A policy variable in a value may name any key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CondDep {
    /// Same value for every target of one account.
    None,
    /// Reads the target role's tags.
    Tags,
    /// Unknown: every target it can apply to is a class of its own.
    Any,
}

/// How the value of a key depends on the target.
fn key_dep(key_lc: &str) -> CondDep {
    if key_lc.starts_with("iam:resourcetag/") || key_lc.starts_with("aws:resourcetag/") {
        CondDep::Tags
    } else if key_lc.starts_with("aws:resource") {
        // aws:ResourceAccount / OrgId / OrgPaths: the target's account.
        CondDep::None
    } else if key_lc.contains("resource") {
        // A service-specific resource key: not resolved today, but play safe.
        CondDep::Any
    } else {
        CondDep::None
    }
}

fn cond_dep(c: &crate::iam::Condition) -> CondDep {
    let mut dep = key_dep(&c.key_lc);
    // Policy variables in the values: `${aws:PrincipalTag/team}` depends on the caller (fixed
    // within a class lookup), `${aws:ResourceAccount}` on the target's account.
    for v in &c.values {
        let mut rest = v.as_str();
        while let Some(i) = rest.find("${") {
            let Some(e) = rest[i..].find('}') else {
                return CondDep::Any;
            };
            let var = rest[i + 2..i + e].to_ascii_lowercase();
            dep = dep.max(key_dep(&var));
            rest = &rest[i + e + 1..];
        }
    }
    dep
}

/// Equivalence classes of a batch's targets: for each target, the index of the first target
/// of its class. Two targets are in one class when, for every statement that can apply to
/// the batch's requests (the identity policies and boundaries of its callers, the SCPs of
/// their accounts and the RCPs of the targets' accounts, restricted to the batch's actions;
/// for `sts:AssumeRole`, also the target role's trust policy, compared by content),
/// the `Resource` element matches both or neither, both are in the same account, neither has
/// a resource-based policy that applies, and, when a matching statement's condition reads the
/// target role's tags ([`CondDep`]), both have the same tags: then every request of the batch
/// has the same facts for both (the engine's matching reads the target only through those).
/// Targets matched by a `Resource` with a policy variable, or by a condition whose value holds
/// one, are classes of their own.
fn target_classes(
    engine: &Engine,
    reqs: &[(Pid, &'static str, u32, Option<&'static str>)],
    targets: &[Arc<str>],
) -> Vec<u32> {
    let singletons = || (0..targets.len() as u32).collect::<Vec<u32>>();
    let mut actions: Vec<String> = reqs.iter().map(|r| r.1.to_ascii_lowercase()).collect();
    actions.sort_unstable();
    actions.dedup();
    if targets.len() < 2 || actions.is_empty() {
        return singletons();
    }
    // sts:AssumeRole: the role's trust policy is the resource policy; roles whose trust
    // policies are identical (and resource-independent) are told apart only by the callers'
    // identity statements, like other targets.
    let trust_mode = actions.iter().any(|a| a.starts_with("sts:"));
    if trust_mode && !actions.iter().all(|a| a == "sts:assumerole") {
        return singletons();
    }
    let mut trust_ids: FxHashMap<String, u32> = FxHashMap::default();
    // The statements that can apply.
    let mut pols: FxHashSet<crate::iam::PolicyId> = FxHashSet::default();
    let mut callers: FxHashSet<Pid> = FxHashSet::default();
    let mut accounts: FxHashSet<&str> = FxHashSet::default();
    for r in reqs {
        if callers.insert(r.0) {
            pols.extend(engine.identity_policies(r.0).iter().copied());
            pols.extend(engine.boundary(r.0));
            accounts.insert(engine.principal(r.0).account.as_str());
        }
    }
    let mut target_accounts: Vec<Option<String>> = Vec::with_capacity(targets.len());
    let mut rbp: Vec<bool> = Vec::with_capacity(targets.len());
    let mut found: Vec<bool> = Vec::with_capacity(targets.len());
    let mut trust: Vec<Option<u32>> = Vec::with_capacity(targets.len());
    let mut tagged: FxHashSet<usize> = FxHashSet::default();
    for (ti, t) in targets.iter().enumerate() {
        let req = Request {
            caller: Caller::Anonymous,
            action: actions[0].clone(),
            target: Target::Exact(t.to_string()),
            context: UserContext::default(),
            session_policies: None,
        };
        let info = engine.resource_info(&req);
        // A resource of the inventory other than a role (whose trust policy applies only to
        // sts:AssumeRole*) may bring its own policy, grants or flags: a class of its own.
        let role = info.resource.and_then(|i| {
            (engine.env.resources[i].kind == crate::iam::ResourceKind::IamRole)
                .then(|| engine.role_by_arn(t))
                .flatten()
        });
        rbp.push(info.resource.is_some() && role.is_none());
        trust.push(match (trust_mode, role) {
            (false, _) => Some(u32::MAX),
            (true, None) => None,
            (true, Some(r)) => {
                let doc = engine.env.policy(engine.env.roles[r].trust);
                let free = doc
                    .statements
                    .iter()
                    .all(|st| st.conditions.iter().all(|c| cond_dep(c) != CondDep::Any));
                if doc
                    .statements
                    .iter()
                    .any(|st| st.conditions.iter().any(|c| cond_dep(c) == CondDep::Tags))
                {
                    tagged.insert(ti);
                }
                free.then(|| {
                    let n = trust_ids.len() as u32;
                    *trust_ids
                        .entry(format!("{:?}", doc.statements))
                        .or_insert(n)
                })
            }
        });
        found.push(info.resource.is_some());
        target_accounts.push(info.account);
    }
    for a in accounts
        .iter()
        .copied()
        .chain(target_accounts.iter().flatten().map(|s| s.as_str()))
    {
        for lv in engine.scp_levels(a).into_iter().chain(engine.rcp_levels(a)) {
            for ps in lv {
                pols.extend(ps.iter().copied());
            }
        }
    }
    let mut pols: Vec<_> = pols.into_iter().collect();
    pols.sort();
    // (patterns, negated, how its conditions depend on the target); no `Resource` element
    // is stored as an empty `NotResource` (matches everything).
    let mut stmts: Vec<(&[String], bool, CondDep)> = Vec::new();
    for p in pols {
        for st in &engine.env.policy(p).statements {
            if !actions
                .iter()
                .any(|a| crate::engine::matching::action_in(st, a))
            {
                continue;
            }
            let dep = st
                .conditions
                .iter()
                .map(cond_dep)
                .max()
                .unwrap_or(CondDep::None);
            match &st.resource {
                None if dep == CondDep::Any => return singletons(),
                None => stmts.push((&[], true, dep)),
                Some(r) => stmts.push((&r.items, r.negated, dep)),
            }
        }
    }
    type Key<'a> = (
        Option<&'a str>,
        bool,
        u32,
        Option<&'a [(String, String)]>,
        Vec<u64>,
    );
    let mut first: FxHashMap<Key, u32> = FxHashMap::default();
    let words = stmts.len().div_ceil(64).max(1);
    let mut out = Vec::with_capacity(targets.len());
    'targets: for (ti, t) in targets.iter().enumerate() {
        let Some(trust_id) = trust[ti].filter(|_| !rbp[ti]) else {
            out.push(ti as u32);
            continue;
        };
        let mut bits = vec![0u64; words];
        let mut by_tags = tagged.contains(&ti);
        for (k, (items, negated, dep)) in stmts.iter().enumerate() {
            let mut m = false;
            for p in items.iter() {
                if p.contains("${") || p.contains("{{") {
                    // Caller-dependent (or unresolved) pattern: may match this target.
                    let wild = wildcard_vars(p);
                    if crate::iam::pattern::resource_matches(&wild, t) {
                        out.push(ti as u32);
                        continue 'targets;
                    }
                } else if crate::iam::pattern::resource_matches(p, t) {
                    m = true;
                    break;
                }
            }
            let m = m != *negated;
            if m {
                match dep {
                    CondDep::Any => {
                        out.push(ti as u32);
                        continue 'targets;
                    }
                    CondDep::Tags => by_tags = true,
                    CondDep::None => {}
                }
                bits[k / 64] |= 1 << (k % 64);
            }
        }
        // The target role's tags, when a condition that applies may read them.
        let tags: Option<&[(String, String)]> = by_tags.then(|| {
            engine
                .role_by_arn(t)
                .map(|r| engine.env.roles[r].tags.as_slice())
                .unwrap_or(&[])
        });
        let key = (
            target_accounts[ti].as_deref(),
            found[ti],
            trust_id,
            tags,
            bits,
        );
        let next = ti as u32;
        out.push(*first.entry(key).or_insert(next));
    }
    out
}

/// A resource pattern with every `${…}` and `{{…}}` replaced by `*` (matches at least what
/// any substitution matches).
fn wildcard_vars(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    loop {
        let a = rest.find("${");
        let b = rest.find("{{");
        let (i, close) = match (a, b) {
            (Some(i), Some(j)) if j < i => (j, "}}"),
            (Some(i), _) => (i, "}"),
            (None, Some(j)) => (j, "}}"),
            (None, None) => break,
        };
        out.push_str(&rest[..i]);
        out.push('*');
        match rest[i..].find(close) {
            Some(e) => rest = &rest[i + e + close.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// [`crate::engine::whocan::timing`], with the process's resident and peak memory (Linux).
fn stage(what: &str, since: std::time::Instant) {
    if std::env::var_os("IAMDL_TIMING").is_none() {
        return;
    }
    let mem = std::fs::read_to_string("/proc/self/status")
        .map(|st| {
            st.lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    crate::engine::whocan::timing(&format!("{what} [{mem}]"), since);
}

fn worst(ds: impl IntoIterator<Item = Decision>) -> Decision {
    ds.into_iter().max().unwrap_or(Decision::Allow)
}

/// The set of resources a non-IAM action of a technique is looked up on in account `a`.
fn service_set(a: &str) -> Target {
    Target::Set(format!("arn:aws:*:*:{a}:*"))
}

impl Graph {
    /// Builds the escalation graph of the engine's environment.
    pub fn build(engine: &Engine) -> Graph {
        Graph::build_with(engine, &UserContext::default())
    }

    /// As [`Graph::build`], with request context supplied by the user.
    pub fn build_with(engine: &Engine, ctx: &UserContext) -> Graph {
        let t0 = std::time::Instant::now();
        let env = &engine.env;
        let n = engine.principal_ids().count() as u32;
        let acct_index: FxHashMap<&str, u32> = env
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), i as u32))
            .collect();
        let mut account_of = vec![u32::MAX; n as usize];
        let mut members: Vec<Vec<Pid>> = vec![Vec::new(); env.accounts.len()];
        for p in engine.principal_ids() {
            if let Some(&a) = acct_index.get(engine.principal(p).account.as_str()) {
                account_of[p.0 as usize] = a;
                members[a as usize].push(p);
            }
        }
        let mut edges: Vec<Edge> = Vec::new();
        let mut direct_admins = Vec::new();
        let mut per_tech = vec![std::time::Duration::ZERO; TECHNIQUES.len()];
        for (ai, acct) in env.accounts.iter().enumerate() {
            let a = acct.id.as_str();
            let nodes: Vec<Node> = members[ai].iter().map(|p| Node::P(*p)).collect();
            if nodes.is_empty() {
                continue;
            }
            // Administrators already.
            let mut admin_dec: Vec<Decision> = vec![Decision::Allow; nodes.len()];
            for (act, res) in probes(a) {
                let ds = engine.decide_many(&nodes, act, &Target::Exact(res), ctx, None);
                for (k, d) in ds.iter().enumerate() {
                    admin_dec[k] = admin_dec[k].max(d.decision);
                }
            }
            for (k, d) in admin_dec.iter().enumerate() {
                if *d != Decision::Deny {
                    direct_admins.push((members[ai][k], ai as u32, *d));
                }
            }
            // Principals that already are administrators (firmly) gain nothing from a
            // technique inside their account: the administrator node stands for them.
            let nodes: Vec<Node> = nodes
                .iter()
                .zip(&admin_dec)
                .filter(|(_, d)| **d != Decision::Allow)
                .map(|(n, _)| n.clone())
                .collect();
            let mut memo = Memo::default();
            if std::env::var_os("IAMDL_NO_PREFETCH").is_none() {
                prefetch_sets(engine, ctx, a, &nodes, &mut memo.sets);
            }
            for (k, tech) in TECHNIQUES.iter().enumerate() {
                let tt = std::time::Instant::now();
                technique_edges(engine, ctx, tech, a, &nodes, &mut edges, &mut memo);
                per_tech[k] += tt.elapsed();
            }
        }
        if std::env::var_os("IAMDL_TIMING").is_some() {
            let mut v: Vec<_> = TECHNIQUES.iter().zip(&per_tech).collect();
            v.sort_by_key(|(_, d)| std::cmp::Reverse(**d));
            for (t, d) in v.iter().take(8) {
                eprintln!("timing:   {}: {:.1} ms", t.id, d.as_secs_f64() * 1000.0);
            }
        }
        stage(
            &format!("escalation technique edges ({})", batch_stats()),
            t0,
        );
        // sts-001: the assume-role edges of the engine (E7), every role: the candidates of
        // each role's trust policy, decided in one batch per account (one cache of action
        // matches, one run of the rules, roles grouped by class) instead of one engine call
        // per role.
        let capable = engine.may_assume_by_identity();
        let role_arns: Vec<Arc<str>> = env
            .roles
            .iter()
            .map(|r| Arc::from(r.arn.as_str()))
            .collect();
        // One grant list per (role, decision), shared by the role's assumers.
        let mut lists: FxHashMap<(u32, bool), Arc<[Grant]>> = FxHashMap::default();
        // One batch per run of roles of one account (bounded memory; classes never span
        // accounts anyway).
        let mut start = 0;
        while start < env.roles.len() {
            let acct = &env.roles[start].account;
            let end = (start..env.roles.len())
                .find(|&r| env.roles[r].account != *acct)
                .unwrap_or(env.roles.len());
            let mut b = Batch::new(engine, ctx, role_arns[start..end].to_vec());
            for r in start..end {
                let to = engine.role_pid(r);
                for c in engine.assumer_candidates(r, &capable) {
                    if let Node::P(p) = c {
                        if p != to {
                            b.push(p, "sts:AssumeRole", r - start, None);
                        }
                    }
                }
            }
            let reqs: Vec<(Pid, u32)> = b.reqs.iter().map(|q| (q.0, start as u32 + q.2)).collect();
            let ds = b.run(None);
            for ((p, r), d) in reqs.into_iter().zip(ds) {
                if d == Decision::Deny {
                    continue;
                }
                let firm = d == Decision::Allow;
                edges.push(Edge {
                    from: p,
                    to: engine.role_pid(r as usize),
                    kind: EdgeKind::Become,
                    technique: "sts-001",
                    decision: d,
                    grants: lists
                        .entry((r, firm))
                        .or_insert_with(|| {
                            Arc::new([Grant {
                                action: "sts:AssumeRole",
                                resource: role_arns[r as usize].clone(),
                                service: None,
                                decision: d,
                            }])
                        })
                        .clone(),
                    note: None,
                });
            }
            start = end;
        }
        stage(
            &format!(
                "escalation assume-role edges ({}; {} edges in all)",
                batch_stats(),
                edges.len()
            ),
            t0,
        );
        // Targets of empowerment: what they become with arbitrary identity permissions.
        let mut probe_targets: Vec<Pid> = edges
            .iter()
            .filter(|e| e.kind != EdgeKind::Become)
            .map(|e| e.to)
            .collect();
        probe_targets.sort();
        probe_targets.dedup();
        let mut free = FxHashMap::default();
        let mut id_admin = FxHashSet::default();
        for t in probe_targets {
            let a = engine.principal(t).account.clone();
            let mut only_identity = true;
            let mut only_id_bnd = true;
            let mut only_bnd = true;
            for (act, res) in probes(&a) {
                let ans = engine.can(&Request {
                    caller: Caller::Entity {
                        pid: t,
                        session: None,
                    },
                    action: act.into(),
                    target: Target::Exact(res),
                    context: ctx.clone(),
                    session_policies: None,
                });
                if ans.decision == Decision::Allow {
                    continue;
                }
                for b in &ans.blame {
                    let id_gap = b.layer == "identity" && b.kind == "no-allow";
                    let bnd = b.layer == "boundary";
                    only_identity &= id_gap;
                    only_id_bnd &= id_gap || bnd;
                    only_bnd &= bnd;
                }
                if ans.blame.is_empty() && ans.decision == Decision::Deny {
                    only_identity = false;
                    only_id_bnd = false;
                    only_bnd = false;
                }
            }
            if only_identity {
                free.insert(t, true);
            } else if only_id_bnd {
                free.insert(t, false);
            }
            if only_bnd && engine.boundary(t).is_some() {
                id_admin.insert(t);
            }
        }
        let mut g = Graph {
            edges,
            direct_admins,
            free,
            id_admin,
            derived: rules::Derived::default(),
            account_of,
            members,
            out_become: FxHashMap::default(),
            direct_admin_of: FxHashMap::default(),
            n,
            build_ms: 0,
        };
        g.direct_admin_of = g
            .direct_admins
            .iter()
            .map(|&(p, a, d)| (p, (a, d)))
            .collect();
        for (i, e) in g.edges.iter().enumerate() {
            if e.kind == EdgeKind::Become {
                g.out_become.entry(e.from).or_default().push(i);
            }
        }
        stage("escalation probes", t0);
        let t1 = std::time::Instant::now();
        let facts = g.facts();
        stage("escalation facts", t1);
        g.derived = rules::run(&facts);
        stage("escalation rules", t1);
        g.build_ms = t0.elapsed().as_millis();
        stage("escalation graph", t0);
        g
    }

    fn admin_node(&self, a: u32) -> u32 {
        self.n + a
    }

    fn facts(&self) -> rules::Facts {
        let mut f = rules::Facts::default();
        // Targets per empowering principal, then one forward search from each over the
        // become edges: x gains t when x can change t's permissions and act as t.
        let mut targets: FxHashMap<Pid, Vec<(Pid, EdgeKind)>> = FxHashMap::default();
        for e in &self.edges {
            match e.kind {
                EdgeKind::Become => f.act_as.push((e.from.0, e.to.0)),
                k => targets.entry(e.from).or_default().push((e.to, k)),
            }
        }
        let mut xs: Vec<&Pid> = targets.keys().collect();
        xs.sort();
        let reach = Reach::new(self, targets.values().flatten().map(|(t, _)| *t));
        for x in xs {
            for &(t, k) in &targets[x] {
                if reach.reaches(*x, t) {
                    match k {
                        EdgeKind::Empower => f.gains.push((x.0, t.0)),
                        _ => f.frees.push((x.0, t.0)),
                    }
                }
            }
        }
        for &(p, a, _) in &self.direct_admins {
            f.act_as.push((p.0, self.admin_node(a)));
        }
        // The administrator of an account can act as each of its principals; only the
        // principals with edges leaving the account matter to the rules (inside the account
        // the administrator has every permission already), so only those are linked.
        let mut leaves: FxHashSet<Pid> = FxHashSet::default();
        for e in &self.edges {
            if e.kind == EdgeKind::Become
                && self.account_of[e.from.0 as usize] != self.account_of[e.to.0 as usize]
            {
                leaves.insert(e.from);
            }
        }
        for a in 0..self.members.len() {
            f.admin_nodes.push(self.admin_node(a as u32));
        }
        for p in leaves {
            let a = self.account_of[p.0 as usize];
            if a != u32::MAX {
                f.act_as.push((self.admin_node(a), p.0));
            }
        }
        for (t, &full) in &self.free {
            let a = self.account_of[t.0 as usize];
            if a == u32::MAX {
                continue;
            }
            if full {
                f.free.push((t.0, self.admin_node(a)));
            } else {
                f.bounded_only.push((t.0, self.admin_node(a)));
            }
        }
        for t in &self.id_admin {
            let a = self.account_of[t.0 as usize];
            if a != u32::MAX {
                f.id_admin.push((t.0, self.admin_node(a)));
            }
        }
        f.act_as.sort_unstable();
        f.act_as.dedup();
        f.gains.sort_unstable();
        f.gains.dedup();
        f.frees.sort_unstable();
        f.frees.dedup();
        f
    }

    /// Account index of a principal.
    pub fn account_index(&self, p: Pid) -> Option<u32> {
        let a = self.account_of[p.0 as usize];
        (a != u32::MAX).then_some(a)
    }

    /// Principals of an account.
    pub fn members(&self, a: u32) -> &[Pid] {
        &self.members[a as usize]
    }

    /// Outgoing become edges of a principal.
    pub fn become_from(&self, p: Pid) -> impl Iterator<Item = &Edge> {
        self.out_become
            .get(&p)
            .into_iter()
            .flatten()
            .map(|&i| &self.edges[i])
    }

    /// Principals that are (directly) administrators.
    pub fn is_direct_admin(&self, p: Pid) -> Option<(u32, Decision)> {
        self.direct_admin_of.get(&p).copied()
    }

    /// Node id of a principal or admin node in the rules' numbering, back to a node.
    pub fn node_of(&self, id: u32) -> GNode {
        if id < self.n {
            GNode::P(Pid(id))
        } else {
            GNode::Admin(id - self.n)
        }
    }
}

/// Which principals reach which targets over the become edges (a principal reaches itself):
/// the strongly connected components of the become graph (Tarjan), then per component the
/// set of targets it reaches, as a bitset, computed once in reverse topological order. Linear
/// in the edges times the targets / 64, instead of one search per empowering principal.
struct Reach {
    comp: Vec<u32>,
    index: FxHashMap<Pid, u32>,
    words: usize,
    bits: Vec<u64>,
}

impl Reach {
    fn new(g: &Graph, targets: impl Iterator<Item = Pid>) -> Reach {
        let n = g.n as usize;
        // Adjacency (CSR) of the become edges between principals.
        let mut start = vec![0u32; n + 1];
        for e in &g.edges {
            if e.kind == EdgeKind::Become {
                start[e.from.0 as usize + 1] += 1;
            }
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; start[n] as usize];
        for e in &g.edges {
            if e.kind == EdgeKind::Become {
                let k = &mut fill[e.from.0 as usize];
                adj[*k as usize] = e.to.0;
                *k += 1;
            }
        }
        let succ = |v: usize| &adj[start[v] as usize..start[v + 1] as usize];
        // Tarjan, iterative: components are numbered sinks first.
        const NONE: u32 = u32::MAX;
        let mut idx = vec![NONE; n];
        let mut low = vec![0u32; n];
        let mut on = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut comp = vec![NONE; n];
        let mut ncomp = 0u32;
        let mut next = 0u32;
        let mut call: Vec<(u32, usize)> = Vec::new();
        for s0 in 0..n {
            if idx[s0] != NONE {
                continue;
            }
            idx[s0] = next;
            low[s0] = next;
            next += 1;
            stack.push(s0 as u32);
            on[s0] = true;
            call.push((s0 as u32, 0));
            while let Some(top) = call.last_mut() {
                let v = top.0 as usize;
                if let Some(&w) = succ(v).get(top.1) {
                    top.1 += 1;
                    let w = w as usize;
                    if idx[w] == NONE {
                        idx[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w as u32);
                        on[w] = true;
                        call.push((w as u32, 0));
                    } else if on[w] {
                        low[v] = low[v].min(idx[w]);
                    }
                } else {
                    call.pop();
                    if let Some(&(u, _)) = call.last() {
                        let u = u as usize;
                        low[u] = low[u].min(low[v]);
                    }
                    if low[v] == idx[v] {
                        while let Some(w) = stack.pop() {
                            on[w as usize] = false;
                            comp[w as usize] = ncomp;
                            if w as usize == v {
                                break;
                            }
                        }
                        ncomp += 1;
                    }
                }
            }
        }
        let mut index: FxHashMap<Pid, u32> = FxHashMap::default();
        for t in targets {
            let k = index.len() as u32;
            index.entry(t).or_insert(k);
        }
        let words = index.len().div_ceil(64).max(1);
        let mut bits = vec![0u64; ncomp as usize * words];
        for (t, &k) in &index {
            let c = comp[t.0 as usize] as usize;
            bits[c * words + k as usize / 64] |= 1 << (k % 64);
        }
        // Members of each component, then successors' sets into each (successors come first).
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); ncomp as usize];
        for v in 0..n {
            members[comp[v] as usize].push(v as u32);
        }
        let mut seen = vec![NONE; ncomp as usize];
        for (c, ms) in members.iter().enumerate() {
            for &v in ms {
                for &w in succ(v as usize) {
                    let d = comp[w as usize] as usize;
                    if d == c || seen[d] == c as u32 {
                        continue;
                    }
                    seen[d] = c as u32;
                    let (lo, hi) = bits.split_at_mut(c * words);
                    for (a, b) in hi[..words]
                        .iter_mut()
                        .zip(&lo[d * words..d * words + words])
                    {
                        *a |= *b;
                    }
                }
            }
        }
        Reach {
            comp,
            index,
            words,
            bits,
        }
    }

    /// Whether `x` reaches target `t` (one of the targets given to [`Reach::new`]).
    fn reaches(&self, x: Pid, t: Pid) -> bool {
        let (Some(&c), Some(&k)) = (self.comp.get(x.0 as usize), self.index.get(&t)) else {
            return false;
        };
        self.bits[c as usize * self.words + k as usize / 64] & (1 << (k % 64)) != 0
    }
}

/// Roles of account `a` that `service` may assume (trust policy names the service or anyone,
/// and the engine does not deny), with the decision.
fn roles_trusting(
    engine: &Engine,
    ctx: &UserContext,
    a: &str,
    service: &str,
) -> Vec<(usize, Decision)> {
    let mut out = Vec::new();
    for (ri, r) in engine.env.roles.iter().enumerate() {
        if r.account != a || r.is_service_linked() {
            continue;
        }
        let names = engine.env.policy(r.trust).statements.iter().any(|st| {
            st.principal.as_ref().is_some_and(|pr| {
                pr.negated
                    || pr.items.iter().any(|i| match i {
                        PrincipalRef::Service(s) => s.eq_ignore_ascii_case(service),
                        PrincipalRef::Any => true,
                        _ => false,
                    })
            })
        });
        if !names {
            continue;
        }
        let ds = engine.decide_many(
            &[Node::Service(service.to_string())],
            "sts:AssumeRole",
            &Target::Exact(r.arn.clone()),
            ctx,
            None,
        );
        if let Some(d) = ds.first() {
            if d.decision != Decision::Deny {
                out.push((ri, d.decision));
            }
        }
    }
    out
}

/// Whether a group's policies statically grant administrator-like access (an unconditional
/// `Allow` of every probe action on `*`).
fn group_is_admin(engine: &Engine, policies: &[crate::iam::PolicyId], account: &str) -> bool {
    probes(account).iter().all(|(act, _)| {
        let lc = act.to_ascii_lowercase();
        policies.iter().any(|&p| {
            engine.env.policy(p).statements.iter().any(|st| {
                st.effect == crate::iam::Effect::Allow
                    && st.conditions.is_empty()
                    && crate::engine::matching::action_in(st, &lc)
                    && st
                        .resource
                        .as_ref()
                        .is_some_and(|r| !r.negated && r.items.iter().any(|i| i == "*"))
            })
        })
    })
}

/// Decisions of an account's principals for (action, resource set), shared by the
/// techniques of that account that ask the same question.
type SetMemo = FxHashMap<(&'static str, String), std::rc::Rc<Vec<Decision>>>;

/// What the techniques of one account share: decisions on resource sets, and the roles each
/// service may assume (several techniques pass roles to the same service).
#[derive(Default)]
struct Memo {
    sets: SetMemo,
    trusting: FxHashMap<&'static str, std::rc::Rc<Vec<(usize, Decision)>>>,
    decisions: DecMemo,
}

fn decide_set(
    engine: &Engine,
    ctx: &UserContext,
    nodes: &[Node],
    action: &'static str,
    set: &Target,
    memo: &mut SetMemo,
) -> std::rc::Rc<Vec<Decision>> {
    memo.entry((action, set.text().to_string()))
        .or_insert_with(|| {
            std::rc::Rc::new(
                engine
                    .decide_many(nodes, action, set, ctx, None)
                    .into_iter()
                    .map(|d| d.decision)
                    .collect(),
            )
        })
        .clone()
}

/// The set of resources a technique's key action is decided on in account `a` (`None`: the
/// technique has no edges of its own).
fn key_set(tech: &Technique, a: &str) -> Option<Target> {
    let iam_set = |kind: &str| Target::Set(format!("arn:aws:iam::{a}:{kind}/*"));
    Some(match tech.kind {
        Kind::Combo { .. } | Kind::AssumeRole => return None,
        Kind::Empower(On::User) | Kind::UserCredentials | Kind::RemoveBoundary(On::User) => {
            iam_set("user")
        }
        Kind::Empower(On::Role) | Kind::RewriteTrust | Kind::RemoveBoundary(On::Role) => {
            iam_set("role")
        }
        Kind::Empower(On::Group) | Kind::JoinGroup | Kind::RemoveBoundary(On::Group) => {
            iam_set("group")
        }
        Kind::Empower(On::AttachedPolicy) | Kind::RemoveBoundary(On::AttachedPolicy) => {
            iam_set("policy")
        }
        Kind::PassRoleNew { .. } | Kind::Existing { .. } => service_set(a),
    })
}

/// Whether a technique's actions all apply to its target (decided per target), rather than
/// to a resource of the account created or used on the way (decided on the account's set).
fn same_target_kind(tech: &Technique) -> bool {
    matches!(
        tech.kind,
        Kind::Empower(_) | Kind::UserCredentials | Kind::RewriteTrust | Kind::RemoveBoundary(_)
    )
}

/// Decides, for the account's principals `nodes`, every (action, resource set) question the
/// techniques will ask (their candidates), grouped: one grouped pass per set and service
/// ([`Engine::decide_classes`], exact) instead of one engine call per question.
fn prefetch_sets(engine: &Engine, ctx: &UserContext, a: &str, nodes: &[Node], memo: &mut SetMemo) {
    let mut by_set: Vec<(Target, Vec<&'static str>)> = Vec::new();
    let mut add =
        |set: Target, action: &'static str| match by_set.iter_mut().find(|(s, _)| *s == set) {
            Some((_, v)) => {
                if !v.contains(&action) {
                    v.push(action)
                }
            }
            None => by_set.push((set, vec![action])),
        };
    for tech in TECHNIQUES {
        let Some(set) = key_set(tech, a) else {
            continue;
        };
        let key = tech.key_action();
        add(set, key);
        if !same_target_kind(tech) {
            for x in tech.actions.iter().copied() {
                if x != key && x != "iam:PassRole" {
                    add(service_set(a), x);
                }
            }
        }
    }
    for (set, actions) in by_set {
        let names: Vec<String> = actions.iter().map(|x| x.to_string()).collect();
        let ds = engine.decide_classes(nodes, &names, &set, ctx);
        for (x, d) in actions.into_iter().zip(ds) {
            memo.insert(
                (x, set.text().to_string()),
                std::rc::Rc::new(d.into_iter().map(|d| d.decision).collect()),
            );
        }
    }
}

/// Finds the edges of one technique in account `a` (`nodes`: its principals).
fn technique_edges(
    engine: &Engine,
    ctx: &UserContext,
    tech: &'static Technique,
    a: &str,
    nodes: &[Node],
    edges: &mut Vec<Edge>,
    memo: &mut Memo,
) {
    let env = &engine.env;
    let Some(key_set) = key_set(tech, a) else {
        return;
    };
    // Candidates: the key action on the set, then every other action on the same set
    // (IAM actions) or on the account's resources (others).
    let key = tech.key_action();
    let ds = decide_set(engine, ctx, nodes, key, &key_set, &mut memo.sets);
    let mut cands: Vec<Pid> = Vec::new();
    let mut cand_dec: FxHashMap<Pid, Decision> = FxHashMap::default();
    let mut index_of: FxHashMap<Pid, usize> = FxHashMap::default();
    for (k, (n, d)) in nodes.iter().zip(ds.iter()).enumerate() {
        if *d != Decision::Deny {
            if let Node::P(p) = n {
                cands.push(*p);
                cand_dec.insert(*p, *d);
                index_of.insert(*p, k);
            }
        }
    }
    if cands.is_empty() {
        return;
    }
    let others: Vec<&'static str> = tech
        .actions
        .iter()
        .copied()
        .filter(|x| *x != key && *x != "iam:PassRole")
        .collect();
    if !others.is_empty() && !same_target_kind(tech) {
        let per: Vec<std::rc::Rc<Vec<Decision>>> = others
            .iter()
            .map(|x| decide_set(engine, ctx, nodes, x, &service_set(a), &mut memo.sets))
            .collect();
        cands.retain(|p| {
            let k = index_of[p];
            let d = worst(per.iter().map(|v| v[k]));
            if d == Decision::Deny {
                return false;
            }
            let e = cand_dec.entry(*p).or_insert(Decision::Allow);
            *e = (*e).max(d);
            true
        });
        if cands.is_empty() {
            return;
        }
    }
    // Concrete targets: (target principal(s), resource ARN, note).
    let mut targets: Vec<(Vec<Pid>, String, Option<String>)> = Vec::new();
    match tech.kind {
        Kind::Empower(On::User) | Kind::UserCredentials | Kind::RemoveBoundary(On::User) => {
            let need_boundary = matches!(tech.kind, Kind::RemoveBoundary(_));
            for (ui, u) in env.users.iter().enumerate() {
                if u.account == a && (!need_boundary || u.boundary.is_some()) {
                    targets.push((vec![Pid(ui as u32)], u.arn.clone(), None));
                }
            }
        }
        Kind::Empower(On::Role) | Kind::RewriteTrust | Kind::RemoveBoundary(On::Role) => {
            let need_boundary = matches!(tech.kind, Kind::RemoveBoundary(_));
            for (ri, r) in env.roles.iter().enumerate() {
                if r.account == a
                    && !r.is_service_linked()
                    && (!need_boundary || r.boundary.is_some())
                {
                    targets.push((vec![engine.role_pid(ri)], r.arn.clone(), None));
                }
            }
        }
        Kind::Empower(On::Group) => {
            for g in env.groups.iter().filter(|g| g.account == a) {
                let ms: Vec<Pid> = env
                    .users
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| {
                        // A membership under an undecidable template condition counts (IaC:
                        // `NAME#iamdl-if:C=true`).
                        u.account == a
                            && u.groups
                                .iter()
                                .any(|x| crate::iac::branches::split_guarded(x).0 == g.name)
                    })
                    .map(|(i, _)| Pid(i as u32))
                    .collect();
                if !ms.is_empty() {
                    targets.push((ms, g.arn.clone(), Some(format!("through group {}", g.arn))));
                }
            }
        }
        Kind::JoinGroup => {
            let users: Vec<Pid> = env
                .users
                .iter()
                .enumerate()
                .filter(|(_, u)| u.account == a)
                .map(|(i, _)| Pid(i as u32))
                .collect();
            for g in env.groups.iter().filter(|g| g.account == a) {
                if group_is_admin(engine, &g.policies, a) {
                    targets.push((
                        users.clone(),
                        g.arn.clone(),
                        Some(format!(
                            "by adding the user to group {}, whose policies allow every action",
                            g.arn
                        )),
                    ));
                }
            }
        }
        Kind::Empower(On::AttachedPolicy) | Kind::RemoveBoundary(On::AttachedPolicy) => {
            let mut attached: FxHashMap<crate::iam::PolicyId, Vec<Pid>> = FxHashMap::default();
            for p in engine.principal_ids() {
                if engine.principal(p).account != a {
                    continue;
                }
                for &pol in engine.identity_policies(p) {
                    let doc = env.policy(pol);
                    // AWS-managed policies cannot be versioned by customers.
                    if doc.kind == PolicyKind::CustomerManaged && doc.arn.is_some() {
                        attached.entry(pol).or_default().push(p);
                    }
                }
            }
            let mut v: Vec<_> = attached.into_iter().collect();
            v.sort();
            for (pol, ps) in v {
                let arn = env.policy(pol).arn.clone().unwrap_or_default();
                targets.push((
                    ps,
                    arn.clone(),
                    Some(format!("through customer-managed policy {arn}")),
                ));
            }
        }
        Kind::RemoveBoundary(On::Group) => {}
        Kind::PassRoleNew { service }
        | Kind::Existing {
            service,
            lambda: false,
        } => {
            let trusting = memo
                .trusting
                .entry(service)
                .or_insert_with(|| std::rc::Rc::new(roles_trusting(engine, ctx, a, service)))
                .clone();
            for &(ri, _) in trusting.iter() {
                let r = &env.roles[ri];
                let note = if matches!(tech.kind, Kind::Existing { .. }) {
                    Some(format!(
                        "if an existing {} resource runs with {} (not in the snapshot's inventory)",
                        service.trim_end_matches(".amazonaws.com"),
                        r.arn
                    ))
                } else {
                    None
                };
                targets.push((vec![engine.role_pid(ri)], r.arn.clone(), note));
            }
        }
        Kind::Existing { lambda: true, .. } => {
            for res in env
                .resources
                .iter()
                .filter(|r| r.account == a && r.kind == crate::iam::ResourceKind::LambdaFunction)
            {
                let Some(role) = res
                    .execution_role
                    .as_ref()
                    .and_then(|x| engine.role_by_arn(x))
                else {
                    continue;
                };
                targets.push((
                    vec![engine.role_pid(role)],
                    res.arn.clone(),
                    Some(format!("function {}", res.arn)),
                ));
            }
        }
        Kind::Combo { .. } | Kind::AssumeRole => {}
    }
    if targets.is_empty() {
        return;
    }
    let targets: Vec<SharedTarget> = targets
        .into_iter()
        .map(|(tos, res, note)| (tos, Arc::from(res), note.map(Arc::from)))
        .collect();
    // Decide every candidate on every target in one batch. A plan row is (candidate,
    // target index, index of its first request in the batch); its grants are built only for
    // the rows that yield an edge.
    let acct_set: Arc<str> = Arc::from(format!("arn:aws:*:*:{a}:*"));
    let resources: Vec<Arc<str>> = targets.iter().map(|(_, res, _)| res.clone()).collect();
    let mut b = Batch::new(engine, ctx, resources);
    let mut plan: Vec<(Pid, u32, usize)> = Vec::with_capacity(cands.len() * targets.len());
    for &c in &cands {
        for ti in 0..targets.len() {
            let first = match tech.kind {
                Kind::PassRoleNew { service } => b.push(c, "iam:PassRole", ti, Some(service)),
                Kind::Existing { lambda: false, .. } => usize::MAX,
                _ => {
                    let mut first = usize::MAX;
                    for x in tech.actions {
                        let i = b.push(c, x, ti, None);
                        first = first.min(i);
                    }
                    first
                }
            };
            plan.push((c, ti as u32, first));
        }
    }
    let res = b.run(Some(&mut memo.decisions));
    let kind = match tech.kind {
        Kind::Empower(_) | Kind::JoinGroup => EdgeKind::Empower,
        Kind::RemoveBoundary(_) => EdgeKind::Unbound,
        _ => EdgeKind::Become,
    };
    let mut grants: Vec<Grant> = Vec::with_capacity(tech.actions.len());
    // Grant lists are equal for every candidate with the same target and decisions: shared.
    let mut shared_grants: FxHashMap<(u32, Vec<Decision>), Arc<[Grant]>> = FxHashMap::default();
    for (c, ti, first) in plan {
        let (tos, resource, note) = &targets[ti as usize];
        let on_set = cand_dec.get(&c).copied().unwrap_or(Decision::Conditional);
        grants.clear();
        match tech.kind {
            Kind::PassRoleNew { service } => {
                grants.push(Grant {
                    action: "iam:PassRole",
                    resource: resource.clone(),
                    service: Some(service),
                    decision: res[first],
                });
                // The other actions were decided on the account's resources (candidates).
                for x in tech.actions.iter().filter(|x| **x != "iam:PassRole") {
                    grants.push(Grant {
                        action: x,
                        resource: acct_set.clone(),
                        service: None,
                        decision: on_set,
                    });
                }
            }
            Kind::Existing { lambda: false, .. } => {
                for x in tech.actions {
                    grants.push(Grant {
                        action: x,
                        resource: acct_set.clone(),
                        service: None,
                        decision: on_set,
                    });
                }
            }
            _ => {
                for (k, x) in tech.actions.iter().enumerate() {
                    grants.push(Grant {
                        action: x,
                        resource: resource.clone(),
                        service: None,
                        decision: res[first + k],
                    });
                }
            }
        }
        if grants.iter().any(|g| g.decision == Decision::Deny) {
            continue;
        }
        let assumed = note.is_some() && matches!(tech.kind, Kind::Existing { lambda: false, .. })
            || matches!(tech.id, "lambda-003" | "iamdl-006" | "iamdl-001");
        let decision = if assumed {
            Decision::Conditional
        } else {
            worst(grants.iter().map(|g| g.decision))
        };
        let mut shared: Option<Arc<[Grant]>> = None;
        let mut share = || {
            shared
                .get_or_insert_with(|| {
                    let key = (ti, grants.iter().map(|g| g.decision).collect());
                    shared_grants
                        .entry(key)
                        .or_insert_with(|| Arc::from(grants.as_slice()))
                        .clone()
                })
                .clone()
        };
        for &to in tos {
            if kind == EdgeKind::Become && to == c {
                continue;
            }
            if tech.kind == Kind::JoinGroup
                && !matches!(engine.principal(to).kind, PrincipalKind::User(_))
            {
                continue;
            }
            let g = share();
            edges.push(Edge {
                from: c,
                to,
                kind,
                technique: tech.id,
                decision,
                grants: g,
                note: note.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: u32, to: u32, kind: EdgeKind) -> Edge {
        Edge {
            from: Pid(from),
            to: Pid(to),
            kind,
            technique: "sts-001",
            decision: Decision::Allow,
            grants: Arc::new([]),
            note: None,
        }
    }

    /// The component bitsets agree with one breadth-first search per principal over the
    /// become edges (cycles, self loops, chains; empower edges ignored).
    #[test]
    fn reach_matches_breadth_first_search() {
        let n = 40u32;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut edges = Vec::new();
        for _ in 0..70 {
            let (a, b) = ((next() % n as u64) as u32, (next() % n as u64) as u32);
            let kind = if next() % 5 == 0 {
                EdgeKind::Empower
            } else {
                EdgeKind::Become
            };
            edges.push(edge(a, b, kind));
        }
        let g = Graph {
            edges,
            direct_admins: Vec::new(),
            free: FxHashMap::default(),
            id_admin: FxHashSet::default(),
            derived: rules::Derived::default(),
            account_of: vec![u32::MAX; n as usize],
            members: Vec::new(),
            direct_admin_of: FxHashMap::default(),
            out_become: FxHashMap::default(),
            n,
            build_ms: 0,
        };
        // Every other principal is a target.
        let reach = Reach::new(&g, (0..n).step_by(2).map(Pid));
        let mut found = 0;
        for x in 0..n {
            let mut seen = vec![false; n as usize];
            seen[x as usize] = true;
            let mut queue = vec![x];
            while let Some(v) = queue.pop() {
                for e in g.edges.iter().filter(|e| e.kind == EdgeKind::Become) {
                    if e.from.0 == v && !seen[e.to.0 as usize] {
                        seen[e.to.0 as usize] = true;
                        queue.push(e.to.0);
                    }
                }
            }
            for t in (0..n).step_by(2) {
                assert_eq!(
                    reach.reaches(Pid(x), Pid(t)),
                    seen[t as usize],
                    "{x} -> {t}"
                );
                found += usize::from(seen[t as usize] && t != x);
            }
            // Not a target: never reported.
            assert!(!reach.reaches(Pid(x), Pid(1)));
        }
        assert!(found > 0, "the random graph has paths");
    }
}
