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

/// One technique edge between two principals (a view of one pair of a [`Bundle`]).
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

/// Technique edges in compact form: every principal of a source group (attackers whose
/// decisions for the technique on the target are identical) to every principal of `to` (the
/// principals reached through one resource, or the roles one trust decision lets in). A
/// `Become` bundle has no edge from a principal to itself. Pairs are expanded only when a
/// path is printed.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The source group (index into the graph's groups).
    pub from: u32,
    /// The target principals.
    pub to: Box<[Pid]>,
    /// What its edges mean.
    pub kind: EdgeKind,
    /// The technique id (catalogue id or `iamdl-NNN`).
    pub technique: &'static str,
    /// Allow when every grant is allowed and nothing else is assumed; conditional otherwise.
    pub decision: Decision,
    /// The permissions its edges rely on.
    pub grants: Arc<[Grant]>,
    /// What else must hold.
    pub note: Option<Arc<str>>,
}

/// One edge of a bundle: the bundle and the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ERef {
    /// Index into [`Graph::bundles`].
    pub bundle: u32,
    /// The source principal (a member of the bundle's group).
    pub from: Pid,
    /// The target principal (one of the bundle's targets).
    pub to: Pid,
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
    /// Technique edges found by the engine, bundled (in the order they were found: account,
    /// technique, target; then the assume-role edges).
    pub bundles: Vec<Bundle>,
    /// Source groups: sorted principals.
    groups: Vec<Arc<[Pid]>>,
    /// Bundles of each group, in order.
    group_bundles: Vec<Vec<u32>>,
    /// Groups of each principal.
    groups_of: Vec<Vec<u32>>,
    /// Bundles into each principal, in order.
    bundles_into: Vec<Vec<u32>>,
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
    n: u32,
    /// Time taken to build, in milliseconds.
    pub build_ms: u128,
}

/// Collects bundles while the graph is built, interning their source groups.
#[derive(Default)]
struct Bundles {
    bundles: Vec<Bundle>,
    groups: Vec<Arc<[Pid]>>,
    index: FxHashMap<Arc<[Pid]>, u32>,
}

impl Bundles {
    /// Adds a bundle; `from` must be sorted.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        from: &[Pid],
        to: Box<[Pid]>,
        kind: EdgeKind,
        technique: &'static str,
        decision: Decision,
        grants: Arc<[Grant]>,
        note: Option<Arc<str>>,
    ) {
        if from.is_empty() || to.is_empty() {
            return;
        }
        let g = match self.index.get(from) {
            Some(&g) => g,
            None => {
                let g = self.groups.len() as u32;
                let a: Arc<[Pid]> = Arc::from(from);
                self.groups.push(a.clone());
                self.index.insert(a, g);
                g
            }
        };
        self.bundles.push(Bundle {
            from: g,
            to,
            kind,
            technique,
            decision,
            grants,
            note,
        });
    }

    /// Expanded pairs so far.
    fn pairs(&self) -> usize {
        self.bundles
            .iter()
            .map(|b| pair_count(b, &self.groups[b.from as usize]))
            .sum()
    }
}

/// Number of edges of a bundle.
fn pair_count(b: &Bundle, from: &[Pid]) -> usize {
    let mut k = from.len() * b.to.len();
    if b.kind == EdgeKind::Become {
        k -=
            b.to.iter()
                .filter(|t| from.binary_search(t).is_ok())
                .count();
    }
    k
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
    caches: &'e Caches,
    ctx: UserContext,
    targets: Vec<Arc<str>>,
    reqs: Vec<(Pid, &'static str, u32, Option<&'static str>)>,
}

impl<'e> Batch<'e> {
    fn new(
        engine: &'e Engine,
        caches: &'e Caches,
        ctx: &UserContext,
        targets: Vec<Arc<str>>,
    ) -> Self {
        Batch {
            engine,
            caches,
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
        let rep = target_classes(self.engine, self.caches, &self.reqs, &self.targets);
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
        let mut cache = self.caches.get("");
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
                cache = self.caches.get(action);
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

/// The engine's statement selections ([`ActionCache`]), one per action (lower-case), shared
/// by every batch of a build: a policy's statements for an action are selected once.
#[derive(Default)]
struct Caches(std::cell::RefCell<FxHashMap<String, std::rc::Rc<ActionCache>>>);

impl Caches {
    fn get(&self, action: &str) -> std::rc::Rc<ActionCache> {
        let lc = action.to_ascii_lowercase();
        self.0
            .borrow_mut()
            .entry(lc)
            .or_insert_with(|| std::rc::Rc::new(ActionCache::default()))
            .clone()
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
    caches: &Caches,
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
    let action_caches: Vec<std::rc::Rc<ActionCache>> =
        actions.iter().map(|a| caches.get(a)).collect();
    let mut picked: Vec<u32> = Vec::new();
    for p in pols {
        // The statements naming one of the actions (the engine's selection, cached).
        picked.clear();
        for (a, c) in actions.iter().zip(&action_caches) {
            picked.extend(c.statements_for(engine, p, a).iter().copied());
        }
        picked.sort_unstable();
        picked.dedup();
        let doc = engine.env.policy(p);
        for &k in &picked {
            let st = &doc.statements[k as usize];
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
        let mut edges = Bundles::default();
        let caches = std::rc::Rc::new(Caches::default());
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
            let mut memo = Memo {
                caches: caches.clone(),
                ..Memo::default()
            };
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
            let mut b = Batch::new(engine, &caches, ctx, role_arns[start..end].to_vec());
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
            // One bundle per (role, decision): the callers it lets in.
            let mut by_role: std::collections::BTreeMap<(u32, Decision), Vec<Pid>> =
                Default::default();
            for ((p, r), d) in reqs.into_iter().zip(ds) {
                if d != Decision::Deny {
                    by_role.entry((r, d)).or_default().push(p);
                }
            }
            for ((r, d), mut from) in by_role {
                from.sort_unstable();
                from.dedup();
                let firm = d == Decision::Allow;
                let grants = lists
                    .entry((r, firm))
                    .or_insert_with(|| {
                        Arc::new([Grant {
                            action: "sts:AssumeRole",
                            resource: role_arns[r as usize].clone(),
                            service: None,
                            decision: d,
                        }])
                    })
                    .clone();
                edges.add(
                    &from,
                    Box::new([engine.role_pid(r as usize)]),
                    EdgeKind::Become,
                    "sts-001",
                    d,
                    grants,
                    None,
                );
            }
            start = end;
        }
        stage(
            &format!(
                "escalation assume-role edges ({}; {} edges in all, as {} bundles from {} groups)",
                batch_stats(),
                edges.pairs(),
                edges.bundles.len(),
                edges.groups.len()
            ),
            t0,
        );
        // Targets of empowerment: what they become with arbitrary identity permissions.
        let mut probe_targets: Vec<Pid> = edges
            .bundles
            .iter()
            .filter(|e| e.kind != EdgeKind::Become)
            .flat_map(|e| e.to.iter().copied())
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
        let mut g = Graph::assemble(edges, direct_admins, free, id_admin, account_of, members, n);
        stage("escalation probes", t0);
        let t1 = std::time::Instant::now();
        let facts = g.facts();
        stage("escalation facts", t1);
        g.derived = rules::run(&facts);
        // Group nodes are the rules' own: not reported.
        let top = g.n + g.members.len() as u32;
        g.derived.admin.retain(|&(p, _)| p < top);
        stage("escalation rules", t1);
        g.build_ms = t0.elapsed().as_millis();
        stage("escalation graph", t0);
        g
    }

    /// The graph of the bundles found, with its indexes.
    fn assemble(
        edges: Bundles,
        direct_admins: Vec<(Pid, u32, Decision)>,
        free: FxHashMap<Pid, bool>,
        id_admin: FxHashSet<Pid>,
        account_of: Vec<u32>,
        members: Vec<Vec<Pid>>,
        n: u32,
    ) -> Graph {
        let Bundles {
            bundles, groups, ..
        } = edges;
        let mut group_bundles: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
        let mut bundles_into: Vec<Vec<u32>> = vec![Vec::new(); n as usize];
        for (i, b) in bundles.iter().enumerate() {
            group_bundles[b.from as usize].push(i as u32);
            for t in b.to.iter() {
                let v = &mut bundles_into[t.0 as usize];
                if v.last() != Some(&(i as u32)) {
                    v.push(i as u32);
                }
            }
        }
        let mut groups_of: Vec<Vec<u32>> = vec![Vec::new(); n as usize];
        for (gi, g) in groups.iter().enumerate() {
            for p in g.iter() {
                groups_of[p.0 as usize].push(gi as u32);
            }
        }
        let mut g = Graph {
            bundles,
            groups,
            group_bundles,
            groups_of,
            bundles_into,
            direct_admins,
            free,
            id_admin,
            derived: rules::Derived::default(),
            account_of,
            members,
            direct_admin_of: FxHashMap::default(),
            n,
            build_ms: 0,
        };
        g.direct_admin_of = g
            .direct_admins
            .iter()
            .map(|&(p, a, d)| (p, (a, d)))
            .collect();
        g
    }

    fn admin_node(&self, a: u32) -> u32 {
        self.n + a
    }

    /// Node id of a source group in the rules' numbering (after the administrator nodes).
    fn group_node(&self, g: u32) -> u32 {
        self.n + self.members.len() as u32 + g
    }

    /// Whether a group is the source of some become bundle.
    fn group_becomes(&self, g: u32) -> bool {
        self.group_bundles[g as usize]
            .iter()
            .any(|&b| self.bundles[b as usize].kind == EdgeKind::Become)
    }

    fn facts(&self) -> rules::Facts {
        let mut f = rules::Facts::default();
        // Targets per empowering principal (the empower and unbound bundles, expanded), then
        // which of them each can act as: x gains t when x can change t's permissions and act
        // as t.
        let mut targets: FxHashMap<Pid, Vec<(Pid, EdgeKind)>> = FxHashMap::default();
        for b in &self.bundles {
            if b.kind == EdgeKind::Become {
                continue;
            }
            for &x in self.group(b.from) {
                let v = targets.entry(x).or_default();
                v.extend(b.to.iter().map(|&t| (t, b.kind)));
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
        // Acts, compact: each principal to the group nodes it belongs to, each group node to
        // the targets of its become bundles (a member that is also a target gets a self loop
        // through the group node, which changes no reachability).
        // The administrator of an account can act as each of its principals; only the
        // principals with edges leaving the account matter to the rules (inside the account
        // the administrator has every permission already), so only those are linked.
        let mut leaves: FxHashSet<Pid> = FxHashSet::default();
        for (gi, members) in self.groups.iter().enumerate() {
            let gi = gi as u32;
            if !self.group_becomes(gi) {
                continue;
            }
            let node = self.group_node(gi);
            let mut accts: Vec<u32> = Vec::new();
            for &b in &self.group_bundles[gi as usize] {
                let b = &self.bundles[b as usize];
                if b.kind != EdgeKind::Become {
                    continue;
                }
                for t in b.to.iter() {
                    f.act_as.push((node, t.0));
                    let a = self.account_of[t.0 as usize];
                    if !accts.contains(&a) {
                        accts.push(a);
                    }
                }
            }
            for p in members.iter() {
                f.act_as.push((p.0, node));
                let a = self.account_of[p.0 as usize];
                if accts.iter().any(|&x| x != a) {
                    leaves.insert(*p);
                }
            }
        }
        for &(p, a, _) in &self.direct_admins {
            f.act_as.push((p.0, self.admin_node(a)));
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

    /// The principals of a source group (sorted).
    pub fn group(&self, g: u32) -> &[Pid] {
        &self.groups[g as usize]
    }

    /// Number of source groups.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// The source groups a principal belongs to.
    pub fn groups_of(&self, p: Pid) -> &[u32] {
        &self.groups_of[p.0 as usize]
    }

    /// The bundles a principal is a target of, in order.
    pub fn bundles_into(&self, p: Pid) -> &[u32] {
        &self.bundles_into[p.0 as usize]
    }

    /// Whether a bundle has the edge `from` -> `to`.
    pub fn has(&self, b: u32, from: Pid, to: Pid) -> bool {
        let bd = &self.bundles[b as usize];
        (bd.kind != EdgeKind::Become || from != to)
            && bd.to.contains(&to)
            && self.group(bd.from).binary_search(&from).is_ok()
    }

    /// The edge `from` -> `to` of `kind` the paths use: the strongest decision, then the
    /// first found.
    pub fn best(&self, from: Pid, to: Pid, kind: EdgeKind) -> Option<ERef> {
        let mut best: Option<(Decision, u32)> = None;
        for &b in self.bundles_into(to) {
            let bd = &self.bundles[b as usize];
            if bd.kind != kind || best.is_some_and(|(d, _)| d <= bd.decision) {
                continue;
            }
            if self.has(b, from, to) {
                best = Some((bd.decision, b));
            }
        }
        best.map(|(_, bundle)| ERef { bundle, from, to })
    }

    /// The principals `p` can act as by one become edge, each with the edge the paths use,
    /// sorted by principal.
    pub fn become_targets(&self, p: Pid) -> Vec<(Pid, ERef)> {
        let mut best: FxHashMap<Pid, (Decision, u32)> = FxHashMap::default();
        for &g in self.groups_of(p) {
            for &b in &self.group_bundles[g as usize] {
                let bd = &self.bundles[b as usize];
                if bd.kind != EdgeKind::Become {
                    continue;
                }
                for &t in bd.to.iter() {
                    if t == p {
                        continue;
                    }
                    let e = best.entry(t).or_insert((bd.decision, b));
                    if (bd.decision, b) < *e {
                        *e = (bd.decision, b);
                    }
                }
            }
        }
        let mut v: Vec<(Pid, ERef)> = best
            .into_iter()
            .map(|(to, (_, bundle))| {
                (
                    to,
                    ERef {
                        bundle,
                        from: p,
                        to,
                    },
                )
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// The edge of a bundle between two of its principals.
    pub fn edge(&self, r: ERef) -> Edge {
        let b = &self.bundles[r.bundle as usize];
        Edge {
            from: r.from,
            to: r.to,
            kind: b.kind,
            technique: b.technique,
            decision: b.decision,
            grants: b.grants.clone(),
            note: b.note.clone(),
        }
    }

    /// Every edge, expanded (bundle by bundle): for tests and small environments.
    pub fn edges(&self) -> impl Iterator<Item = Edge> + '_ {
        self.bundles.iter().enumerate().flat_map(move |(i, b)| {
            self.group(b.from).iter().flat_map(move |&from| {
                b.to.iter()
                    .filter(move |&&to| b.kind != EdgeKind::Become || from != to)
                    .map(move |&to| {
                        self.edge(ERef {
                            bundle: i as u32,
                            from,
                            to,
                        })
                    })
            })
        })
    }

    /// The number of edges (principal pairs) the bundles stand for.
    pub fn edge_count(&self) -> usize {
        self.bundles
            .iter()
            .map(|b| pair_count(b, self.group(b.from)))
            .sum()
    }

    /// Principals that are (directly) administrators.
    pub fn is_direct_admin(&self, p: Pid) -> Option<(u32, Decision)> {
        self.direct_admin_of.get(&p).copied()
    }

    /// Node id of a principal or admin node in the rules' numbering, back to a node (`None`
    /// for a group node).
    pub fn node_of(&self, id: u32) -> Option<GNode> {
        if id < self.n {
            Some(GNode::P(Pid(id)))
        } else if id < self.n + self.members.len() as u32 {
            Some(GNode::Admin(id - self.n))
        } else {
            None
        }
    }
}

/// Which principals reach which targets over the become edges (a principal reaches itself):
/// the strongly connected components of the become graph in its compact form (principals and
/// source groups; Tarjan), then per component the set of targets it reaches, as a bitset,
/// computed once in reverse topological order. Linear in the bundles' sizes times the targets
/// / 64, instead of one search per empowering principal.
struct Reach {
    comp: Vec<u32>,
    index: FxHashMap<Pid, u32>,
    words: usize,
    bits: Vec<u64>,
}

impl Reach {
    fn new(g: &Graph, targets: impl Iterator<Item = Pid>) -> Reach {
        // Nodes: the principals, then one per source group of become bundles; a principal
        // points to its groups, a group to the targets of its become bundles.
        let np = g.n as usize;
        let n = np + g.groups.len();
        let becomes: Vec<bool> = (0..g.groups.len() as u32)
            .map(|gi| g.group_becomes(gi))
            .collect();
        let mut arcs: Vec<(u32, u32)> = Vec::new();
        for (gi, members) in g.groups.iter().enumerate() {
            if !becomes[gi] {
                continue;
            }
            let node = (np + gi) as u32;
            for p in members.iter() {
                arcs.push((p.0, node));
            }
            for &b in &g.group_bundles[gi] {
                let b = &g.bundles[b as usize];
                if b.kind == EdgeKind::Become {
                    arcs.extend(b.to.iter().map(|t| (node, t.0)));
                }
            }
        }
        // Adjacency (CSR).
        let mut start = vec![0u32; n + 1];
        for &(a, _) in &arcs {
            start[a as usize + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut adj = vec![0u32; start[n] as usize];
        for &(a, b) in &arcs {
            let k = &mut fill[a as usize];
            adj[*k as usize] = b;
            *k += 1;
        }
        drop(arcs);
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
    /// Statement selections per action, for the whole build.
    caches: std::rc::Rc<Caches>,
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
    edges: &mut Bundles,
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
    let mut b = Batch::new(engine, &memo.caches, ctx, resources);
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
    // Per (target, decisions of its grants): one bundle (target, candidates, decision,
    // grants, note).
    type Pending = (u32, Vec<Pid>, Decision, Arc<[Grant]>, Option<Arc<str>>);
    let mut pending: FxHashMap<(u32, Vec<Decision>), usize> = FxHashMap::default();
    let mut bundled: Vec<Pending> = Vec::new();
    for (c, ti, first) in plan {
        let (_, resource, note) = &targets[ti as usize];
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
        // Candidates with the same decisions on this target share one bundle.
        let key = (ti, grants.iter().map(|g| g.decision).collect::<Vec<_>>());
        match pending.get(&key) {
            Some(&k) => bundled[k].1.push(c),
            None => {
                pending.insert(key, bundled.len());
                bundled.push((
                    ti,
                    vec![c],
                    decision,
                    Arc::from(grants.as_slice()),
                    note.clone(),
                ));
            }
        }
    }
    // In target order, so that the first edge of a pair is the one found first (as when the
    // edges were listed candidate by candidate).
    bundled.sort_by_key(|b| b.0);
    for (ti, mut from, decision, grants, note) in bundled {
        let (tos, _, _) = &targets[ti as usize];
        let to: Box<[Pid]> = tos
            .iter()
            .copied()
            .filter(|&to| {
                tech.kind != Kind::JoinGroup
                    || matches!(engine.principal(to).kind, PrincipalKind::User(_))
            })
            .collect();
        from.sort_unstable();
        edges.add(&from, to, kind, tech.id, decision, grants, note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The component bitsets agree with one breadth-first search per principal over the
    /// become edges (cycles, self loops, chains; empower edges ignored), the edges given as
    /// bundles of random source groups and targets.
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
        let mut b = Bundles::default();
        for _ in 0..30 {
            let mut from: Vec<Pid> = (0..1 + next() % 3)
                .map(|_| Pid((next() % n as u64) as u32))
                .collect();
            from.sort_unstable();
            from.dedup();
            let to: Box<[Pid]> = (0..1 + next() % 3)
                .map(|_| Pid((next() % n as u64) as u32))
                .collect();
            let kind = if next() % 5 == 0 {
                EdgeKind::Empower
            } else {
                EdgeKind::Become
            };
            b.add(
                &from,
                to,
                kind,
                "sts-001",
                Decision::Allow,
                Arc::new([]),
                None,
            );
        }
        let g = Graph::assemble(
            b,
            Vec::new(),
            FxHashMap::default(),
            FxHashSet::default(),
            vec![u32::MAX; n as usize],
            Vec::new(),
            n,
        );
        let edges: Vec<Edge> = g.edges().collect();
        assert_eq!(edges.len(), g.edge_count());
        assert!(edges
            .iter()
            .all(|e| e.kind != EdgeKind::Become || e.from != e.to));
        // Every expanded edge is found again as the best edge of its pair.
        for e in &edges {
            let r = g.best(e.from, e.to, e.kind).expect("best edge");
            assert!(g.has(r.bundle, e.from, e.to));
        }
        // Every principal is a target.
        let reach = Reach::new(&g, (0..n).map(Pid));
        let mut found = 0;
        for x in 0..n {
            let mut seen = vec![false; n as usize];
            seen[x as usize] = true;
            let mut queue = vec![x];
            while let Some(v) = queue.pop() {
                for e in edges.iter().filter(|e| e.kind == EdgeKind::Become) {
                    if e.from.0 == v && !seen[e.to.0 as usize] {
                        seen[e.to.0 as usize] = true;
                        queue.push(e.to.0);
                    }
                }
            }
            let one_hop: Vec<Pid> = g
                .become_targets(Pid(x))
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            let mut direct: Vec<Pid> = edges
                .iter()
                .filter(|e| e.kind == EdgeKind::Become && e.from.0 == x)
                .map(|e| e.to)
                .collect();
            direct.sort_unstable();
            direct.dedup();
            assert_eq!(one_hop, direct, "become targets of {x}");
            for t in 0..n {
                assert_eq!(
                    reach.reaches(Pid(x), Pid(t)),
                    seen[t as usize],
                    "{x} -> {t}"
                );
                found += usize::from(seen[t as usize] && t != x);
            }
        }
        assert!(found > 0, "the random graph has paths");
    }
}
