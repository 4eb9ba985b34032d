//! "Who can do A on R?" and "who can reach R?": every principal of the environment decided at
//! once, then role chains (P4) found backwards from the roles that have access, through the
//! trust policies that name their callers, and closed with the `chain` rules.

use super::answer::*;
use super::request::*;
use super::Engine;
use crate::iam::{PrincipalRef, ResourceKind};
use crate::rules::decide::{decide, RequestFacts};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;

/// A node of the assume-role graph: a principal of the table or a service principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// A principal of the table.
    P(Pid),
    /// A service principal.
    Service(String),
    /// An anonymous caller.
    Anonymous,
}

/// The direct decision for one caller.
#[derive(Debug, Clone)]
pub struct Direct {
    /// Decision without chains.
    pub decision: Decision,
    /// Residual conditions.
    pub conditions: Vec<String>,
}

impl Engine {
    fn node_caller(&self, n: &Node) -> Caller {
        match n {
            Node::P(p) => Caller::Entity {
                pid: *p,
                session: None,
            },
            Node::Service(s) => Caller::Service(s.clone()),
            Node::Anonymous => Caller::Anonymous,
        }
    }

    fn node_name(&self, n: &Node) -> String {
        self.caller_name(&self.node_caller(n))
    }

    fn node_kind(&self, n: &Node) -> &'static str {
        match n {
            Node::P(p) => match self.principal(*p).kind {
                PrincipalKind::User(_) => "user",
                PrincipalKind::Role(_) => "role",
                PrincipalKind::Root => "root",
            },
            Node::Service(_) => "service",
            Node::Anonymous => "anonymous",
        }
    }

    /// Service principals and `*` named by a policy's statements: callers beyond the table.
    fn extra_callers(&self, pol: Option<crate::iam::PolicyId>, out: &mut Vec<Node>) {
        let Some(pol) = pol else { return };
        for st in &self.env.policy(pol).statements {
            if let Some(pr) = &st.principal {
                for r in &pr.items {
                    match r {
                        PrincipalRef::Service(s) => out.push(Node::Service(s.clone())),
                        PrincipalRef::Any => out.push(Node::Anonymous),
                        _ => {}
                    }
                }
                if pr.negated {
                    out.push(Node::Anonymous);
                }
            }
        }
    }

    /// Decides `action` on `target` for each caller, deduplicating identical fact sets before
    /// running the decision program once over the batch.
    pub fn decide_many(
        &self,
        callers: &[Node],
        action: &str,
        target: &Target,
        ctx: &UserContext,
        passed_to_service: Option<&str>,
    ) -> Vec<Direct> {
        let mut uniq: FxHashMap<RequestFacts, u32> = FxHashMap::default();
        let mut batch: Vec<RequestFacts> = Vec::new();
        let mut per: Vec<(u32, Vec<super::matching::StmtHit>)> = Vec::with_capacity(callers.len());
        let cache = super::matching::ActionCache::default();
        let mut req = Request {
            caller: Caller::Anonymous,
            action: action.to_string(),
            target: target.clone(),
            context: ctx.clone(),
            session_policies: None,
        };
        for n in callers {
            req.caller = self.node_caller(n);
            let (facts, hits, _) = self.request_facts_with(&req, passed_to_service, &cache);
            // Residuals are rendered only for callers whose answer turns out conditional.
            let residual: Vec<super::matching::StmtHit> =
                hits.into_iter().filter(|h| !h.firm).collect();
            let id = *uniq.entry(facts.clone()).or_insert_with(|| {
                batch.push(facts);
                (batch.len() - 1) as u32
            });
            per.push((id, residual));
        }
        let concl = decide(&batch);
        per.into_iter()
            .map(|(id, residual)| {
                let c = &concl[id as usize];
                let decision = Decision::from_conclusion(c);
                Direct {
                    decision,
                    conditions: if decision == Decision::Conditional {
                        residual.iter().map(|h| self.residual_line(h)).collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }

    /// Every caller the environment knows for a target: the principal table plus service
    /// principals and anonymous callers named by the resource's policy.
    fn callers_for(&self, target: &Target) -> Vec<Node> {
        let mut callers: Vec<Node> = self.principal_ids().map(Node::P).collect();
        let req = Request {
            caller: Caller::Anonymous,
            action: String::new(),
            target: target.clone(),
            context: UserContext::default(),
            session_policies: None,
        };
        let info = self.resource_info(&req);
        if let Some(i) = info.resource {
            let r = &self.env.resources[i];
            if r.kind != ResourceKind::IamRole {
                self.extra_callers(r.policy, &mut callers);
            }
        }
        callers.sort();
        callers.dedup();
        callers
    }

    /// Who can perform `action` on `target`, directly or through role chains.
    pub fn who_can(&self, action: &str, target: &Target, ctx: &UserContext) -> WhoCanAnswer {
        let t0 = std::time::Instant::now();
        let callers = self.callers_for(target);
        let direct = self.decide_many(&callers, action, target, ctx, None);
        timing("who-can direct", t0);
        let mut access: FxHashMap<Node, (Decision, Vec<String>, Vec<String>)> =
            FxHashMap::default();
        for (n, d) in callers.iter().zip(direct) {
            if d.decision != Decision::Deny {
                access.insert(n.clone(), (d.decision, d.conditions, Vec::new()));
            }
        }
        let t1 = std::time::Instant::now();
        let principals = self.with_chains(access, ctx);
        timing("who-can chains", t1);
        WhoCanAnswer {
            action: action.to_string(),
            resource: target.text().to_string(),
            principals,
            notes: self.global_notes(),
        }
    }

    /// Notes that apply to every answer of this environment.
    pub fn global_notes(&self) -> Vec<String> {
        let mut n = Vec::new();
        if !self.env.skipped.is_empty() {
            n.push(format!("{} document(s) were skipped (--allow-partial); answers that may depend on them are conditional", self.env.skipped.len()));
        }
        n
    }

    /// Adds principals that reach a role with access through role chains, then renders.
    fn with_chains(
        &self,
        mut access: FxHashMap<Node, (Decision, Vec<String>, Vec<String>)>,
        ctx: &UserContext,
    ) -> Vec<PrincipalEntry> {
        // Backward search over the assume-role graph from roles with access.
        let mut edges: Vec<(Node, Node, bool)> = Vec::new();
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut seen: FxHashSet<usize> = FxHashSet::default();
        for n in access.keys() {
            if let Node::P(p) = n {
                if let PrincipalKind::Role(r) = self.principal(*p).kind {
                    if seen.insert(r as usize) {
                        queue.push_back(r as usize);
                    }
                }
            }
        }
        let capable = if queue.is_empty() {
            Vec::new()
        } else {
            self.may_assume_by_identity()
        };
        while let Some(r) = queue.pop_front() {
            for (caller, firm) in self.assumers_among(r, ctx, &capable) {
                if let Node::P(p) = &caller {
                    if let PrincipalKind::Role(cr) = self.principal(*p).kind {
                        if seen.insert(cr as usize) {
                            queue.push_back(cr as usize);
                        }
                    }
                }
                edges.push((caller, Node::P(self.role_pid(r)), firm));
            }
        }
        if !edges.is_empty() {
            // Number the nodes and close the graph with the chain rules.
            let mut ids: FxHashMap<Node, u32> = FxHashMap::default();
            let mut nodes: Vec<Node> = Vec::new();
            let mut id_of = |n: &Node| -> u32 {
                *ids.entry(n.clone()).or_insert_with(|| {
                    nodes.push(n.clone());
                    (nodes.len() - 1) as u32
                })
            };
            let num: Vec<(u32, u32, bool)> = edges
                .iter()
                .map(|(a, b, f)| (id_of(a), id_of(b), *f))
                .collect();
            let closure = crate::rules::chain::close(&num);
            let mut adj: FxHashMap<u32, Vec<(u32, bool)>> = FxHashMap::default();
            for &(a, b, f) in &num {
                adj.entry(a).or_default().push((b, f));
            }
            let targets: Vec<(u32, Decision, Vec<String>)> = access
                .iter()
                .filter_map(|(n, (d, c, _))| ids.get(n).map(|i| (*i, *d, c.clone())))
                .collect();
            let mut gained: Vec<(Node, Decision, Vec<String>, Vec<String>)> = Vec::new();
            for (i, n) in nodes.iter().enumerate() {
                let i = i as u32;
                let mut best: Option<(Decision, u32, Vec<String>)> = None;
                for (t, d, c) in &targets {
                    if *t == i {
                        continue;
                    }
                    if let Some(&firm) = closure.get(&(i, *t)) {
                        let dec = if firm && *d == Decision::Allow {
                            Decision::Allow
                        } else {
                            Decision::Conditional
                        };
                        if best.as_ref().is_none_or(|(bd, _, _)| dec < *bd) {
                            best = Some((dec, *t, c.clone()));
                        }
                    }
                }
                let Some((dec, t, mut conds)) = best else {
                    continue;
                };
                if let Some((cur, _, _)) = access.get(n) {
                    if *cur <= dec {
                        continue;
                    }
                }
                let path = shortest_path(&adj, i, t);
                if dec == Decision::Conditional && conds.is_empty() {
                    conds.push(
                        "allowed if every conditional hop of the role chain is allowed".into(),
                    );
                }
                let via: Vec<String> = path
                    .iter()
                    .map(|&k| self.node_name(&nodes[k as usize]))
                    .collect();
                gained.push((n.clone(), dec, conds, via));
            }
            for (n, d, c, via) in gained {
                access.insert(n, (d, c, via));
            }
        }
        let mut out: Vec<PrincipalEntry> = access
            .into_iter()
            .map(|(n, (decision, conditions, via))| PrincipalEntry {
                principal: self.node_name(&n),
                kind: self.node_kind(&n).into(),
                decision,
                conditions,
                via,
                actions: vec![],
                access: vec![],
            })
            .collect();
        out.sort_by(|a, b| {
            (a.decision, a.via.len(), &a.principal).cmp(&(b.decision, b.via.len(), &b.principal))
        });
        out
    }

    /// For each principal: whether some identity `Allow` statement names `sts:AssumeRole` at
    /// all (or it is a root user). Only those can use a trust policy that names their account
    /// (E7: account strength needs the identity side), so the others are not evaluated.
    pub fn may_assume_by_identity(&self) -> Vec<bool> {
        let cache = super::matching::ActionCache::default();
        self.principal_ids()
            .map(|p| {
                self.principal(p).kind == PrincipalKind::Root
                    || self.identity_policies(p).iter().any(|&pol| {
                        let stmts = cache.statements_for(self, pol, "sts:assumerole");
                        let policy = self.env.policy(pol);
                        stmts.iter().any(|&i| {
                            policy.statements[i as usize].effect == crate::iam::Effect::Allow
                        })
                    })
            })
            .collect()
    }

    /// Callers that may assume role `r` (E7), with whether that is certain.
    pub fn assumers(&self, r: usize, ctx: &UserContext) -> Vec<(Node, bool)> {
        let capable = self.may_assume_by_identity();
        self.assumers_among(r, ctx, &capable)
    }

    /// As [`Engine::assumers`], with the account-wide candidates filtered by `capable`.
    pub fn assumers_among(
        &self,
        r: usize,
        ctx: &UserContext,
        capable: &[bool],
    ) -> Vec<(Node, bool)> {
        let role = &self.env.roles[r];
        let trust = self.env.policy(role.trust);
        let mut cands: Vec<Node> = Vec::new();
        let mut everyone = false;
        for st in &trust.statements {
            if st.effect != crate::iam::Effect::Allow {
                continue;
            }
            let Some(pr) = &st.principal else { continue };
            if pr.negated {
                everyone = true;
                continue;
            }
            for item in &pr.items {
                match item {
                    PrincipalRef::Any => everyone = true,
                    PrincipalRef::Account(a) => cands.extend(
                        self.principals_of(a)
                            .filter(|p| capable[p.0 as usize])
                            .map(Node::P),
                    ),
                    PrincipalRef::Arn(x) => {
                        let base = if let Some(rest) = x.strip_prefix("arn:aws:sts::") {
                            // assumed-role/NAME/SESSION → the role
                            let mut parts = rest.splitn(2, ':');
                            let acct = parts.next().unwrap_or("");
                            let res = parts.next().unwrap_or("");
                            res.strip_prefix("assumed-role/")
                                .and_then(|r| r.split('/').next())
                                .and_then(|name| {
                                    self.env
                                        .roles
                                        .iter()
                                        .position(|rr| rr.account == acct && rr.name == name)
                                })
                                .map(|ri| self.role_pid(ri))
                        } else {
                            self.by_arn.get(x).copied()
                        };
                        if let Some(p) = base {
                            cands.push(Node::P(p));
                        }
                    }
                    PrincipalRef::Service(s) => cands.push(Node::Service(s.clone())),
                    _ => {}
                }
            }
        }
        if everyone {
            // `*` grants at public strength: same-account callers need no identity allow.
            cands = self
                .principal_ids()
                .filter(|p| capable[p.0 as usize] || self.principal(*p).account == role.account)
                .map(Node::P)
                .collect();
        }
        cands.sort();
        cands.dedup();
        let target = Target::Exact(role.arn.clone());
        let ds = self.decide_many(&cands, "sts:AssumeRole", &target, ctx, None);
        cands
            .into_iter()
            .zip(ds)
            .filter(|(_, d)| d.decision != Decision::Deny)
            .map(|(n, d)| (n, d.decision == Decision::Allow))
            .collect()
    }

    /// Every principal that can perform any action on the resource (for a bucket, on the bucket
    /// and its objects), with the actions grouped by access level.
    pub fn reach(&self, resource: &str, ctx: &UserContext) -> WhoCanAnswer {
        let mut targets: Vec<Target> = vec![Target::parse(resource)];
        if let Some(name) = resource.strip_prefix("arn:aws:s3:::") {
            if !name.contains('/') {
                targets.push(Target::Set(format!("{resource}/*")));
            }
        }
        let mut access: FxHashMap<Node, (Decision, Vec<String>, Vec<String>)> =
            FxHashMap::default();
        let mut acts: FxHashMap<Node, Vec<(String, String)>> = FxHashMap::default();
        for t in &targets {
            let probe = if let Target::Set(s) = t {
                s.replace('*', "x")
            } else {
                t.text().to_string()
            };
            let callers = self.callers_for(t);
            // Equivalence classes of actions: two actions that every relevant statement treats
            // alike get one decision (design notes: "atomic predicates").
            let actions = self.catalog.actions_on(&probe);
            let names: Vec<String> = actions.iter().map(|a| a.full_name()).collect();
            let tc = std::time::Instant::now();
            let classes = self.action_classes(&names, t);
            timing(
                &format!(
                    "reach: {} actions in {} classes on {}",
                    names.len(),
                    classes.len(),
                    t.text()
                ),
                tc,
            );
            for class in classes {
                let rep = &names[class[0]];
                let ds = self.decide_many(&callers, rep, t, ctx, None);
                for (n, d) in callers.iter().zip(ds) {
                    if d.decision == Decision::Deny {
                        continue;
                    }
                    let list = acts.entry(n.clone()).or_default();
                    for &k in &class {
                        list.push((names[k].clone(), actions[k].access.as_str().to_string()));
                    }
                    let e = access.entry(n.clone()).or_insert((
                        d.decision,
                        d.conditions.clone(),
                        Vec::new(),
                    ));
                    if d.decision < e.0 {
                        *e = (d.decision, d.conditions, Vec::new());
                    }
                }
            }
        }
        let mut out = self.with_chains(access, ctx);
        let by_name: FxHashMap<String, Vec<(String, String)>> = acts
            .into_iter()
            .map(|(n, v)| (self.node_name(&n), v))
            .collect();
        for e in &mut out {
            let src = if e.via.is_empty() {
                Some(e.principal.clone())
            } else {
                e.via.last().cloned()
            };
            if let Some(v) = src.and_then(|s| by_name.get(&s)) {
                let mut a: Vec<String> = v.iter().map(|(n, _)| n.clone()).collect();
                a.sort();
                a.dedup();
                let mut l: Vec<String> = v.iter().map(|(_, l)| l.clone()).collect();
                l.sort();
                l.dedup();
                e.actions = a;
                e.access = l;
            }
        }
        WhoCanAnswer {
            action: "*".into(),
            resource: resource.to_string(),
            principals: out,
            notes: self.global_notes(),
        }
    }
}

impl Engine {
    /// Groups `actions` (same service) into classes that every statement able to touch
    /// `target` matches alike. Statements whose resource cannot match the target are ignored;
    /// owner-only and permission-free actions keep their own class.
    pub fn action_classes(&self, actions: &[String], target: &Target) -> Vec<Vec<usize>> {
        let svc = actions
            .first()
            .and_then(|a| a.split(':').next())
            .unwrap_or("")
            .to_ascii_lowercase();
        // Relevant statements: action index candidates for the service whose resource may
        // match the target (conservatively: any variable makes it relevant).
        let mut relevant: Vec<(crate::iam::PolicyId, u32)> = Vec::new();
        for (pi, p) in self.env.policies.iter().enumerate() {
            let pid = crate::iam::PolicyId(pi as u32);
            for i in self.action_index(pid).candidates_pub(&svc) {
                let st = &p.statements[i as usize];
                if super::matching::resource_may_match(st, target) {
                    relevant.push((pid, i));
                }
            }
        }
        let lowered: Vec<String> = actions.iter().map(|a| a.to_ascii_lowercase()).collect();
        let mut by_sig: FxHashMap<Vec<u32>, Vec<usize>> = FxHashMap::default();
        let mut order: Vec<Vec<u32>> = Vec::new();
        for (k, a) in lowered.iter().enumerate() {
            let mut sig: Vec<u32> = relevant
                .iter()
                .enumerate()
                .filter(|(_, (pid, i))| {
                    super::matching::action_in(&self.env.policy(*pid).statements[*i as usize], a)
                })
                .map(|(j, _)| j as u32)
                .collect();
            if super::matching::is_special_action(a) {
                sig.push(u32::MAX - k as u32);
            }
            let e = by_sig.entry(sig.clone()).or_default();
            if e.is_empty() {
                order.push(sig);
            }
            e.push(k);
        }
        order
            .into_iter()
            .filter_map(|s| by_sig.remove(&s))
            .collect()
    }
}

/// Prints a phase timing to stderr when `IAMDL_TIMING` is set.
pub fn timing(what: &str, since: std::time::Instant) {
    if std::env::var_os("IAMDL_TIMING").is_some() {
        eprintln!(
            "timing: {what}: {:.1} ms",
            since.elapsed().as_secs_f64() * 1000.0
        );
    }
}

/// Shortest path (by hops) from `a` to `b`, as the list of nodes after `a`, ending with `b`.
fn shortest_path(adj: &FxHashMap<u32, Vec<(u32, bool)>>, a: u32, b: u32) -> Vec<u32> {
    let mut prev: FxHashMap<u32, u32> = FxHashMap::default();
    let mut q = VecDeque::from([a]);
    let mut seen = FxHashSet::from_iter([a]);
    while let Some(x) = q.pop_front() {
        if x == b {
            break;
        }
        for &(y, _) in adj.get(&x).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(y) {
                prev.insert(y, x);
                q.push_back(y);
            }
        }
    }
    let mut path = Vec::new();
    let mut cur = b;
    while cur != a {
        path.push(cur);
        match prev.get(&cur) {
            Some(p) => cur = *p,
            None => return vec![b],
        }
    }
    path.reverse();
    path
}
