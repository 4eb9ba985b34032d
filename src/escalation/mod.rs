//! Privilege escalation: which principal can gain the permissions of which other, and who can
//! make itself an administrator.
//!
//! `techniques.rs` lists the modelled techniques (every path of the pathfinding.cloud
//! catalogue, plus the ones of issue #6 it lacks); `graph.rs` asks the engine, once per
//! environment, which principals can perform them on which targets; `rules.rs` (crepe)
//! combines the edges (empower + become, boundaries, administrators); this module answers
//! the queries (`path`, `escalations`, `admins`, who-can marking) with a proof for every hop.

pub mod graph;
pub mod report;
pub mod rules;
pub mod techniques;

use crate::engine::answer::{Decision, WhoCanAnswer};
use crate::engine::request::{Caller, Pid, PrincipalKind, Request, Target, UserContext};
use crate::engine::Engine;
use graph::{ERef, EdgeKind, GNode, Graph};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::VecDeque;

/// One hop of an escalation path, with its proof.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Step {
    /// The principal performing the step (or `admin@ACCOUNT`).
    pub from: String,
    /// The principal whose permissions are gained or changed (or `admin@ACCOUNT`).
    pub to: String,
    /// Technique id: catalogue path id, `iamdl-NNN`, `admin-equivalent` or `account-admin`.
    pub technique: String,
    /// Why: the permissions used, each with the statements that allow it.
    pub proof: String,
    /// Allow, or conditional when a permission is conditional or a premise is assumed.
    pub decision: Decision,
}

/// A path: steps in order.
pub type Path = Vec<Step>;

/// The decision of a path: the weakest of its steps.
pub fn path_decision(p: &[Step]) -> Decision {
    p.iter()
        .map(|s| s.decision)
        .max()
        .unwrap_or(Decision::Allow)
}

/// A hop of the search graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Hop {
    /// A technique edge.
    Edge(ERef),
    /// An administrator already.
    DirectAdmin,
    /// From an account's administrator to one of its principals.
    Member,
    /// `Gains(p, t, x)`: to `Empowered(t)` through empowerer `x`.
    Gains(Pid),
    /// `AdminOf(p, a)`.
    AdminOf,
    /// `p` empowers `t` (edge) and is `t` or acts as `t` by one edge: to `Empowered(t)`.
    Empowers(ERef, Option<ERef>),
    /// As `Empowers`, where `t` with any permission is an administrator: to `Admin(a)`.
    EmpowersAdmin(ERef, Option<ERef>),
}

/// Key of a rendered permission proof: principal, action, target, service.
type ProofKey = (Pid, String, Target, Option<String>);

/// Answers escalation questions over one graph.
pub struct Escalation<'e> {
    /// The engine.
    pub engine: &'e Engine,
    /// The graph.
    pub graph: Graph,
    gains_by: FxHashMap<u32, Vec<(u32, u32)>>,
    frees_by: FxHashMap<u32, Vec<(u32, u32)>>,
    admin_of_by: FxHashMap<u32, Vec<u32>>,
    /// Per principal: (target, empower edge, become edge when the target is another).
    plain: FxHashMap<Pid, Vec<(Pid, ERef, Option<ERef>)>>,
    /// The hops into administrator and empowered nodes, reversed, built on first use (the
    /// hops into principals are read from the bundles).
    rev: std::cell::OnceCell<FxHashMap<GNode, Vec<(GNode, Hop)>>>,
    /// Derived hops being explained: not used again inside their own explanation.
    explaining: std::cell::RefCell<Vec<(GNode, GNode)>>,
    /// Permission proofs rendered so far (paths share their first steps).
    proofs: std::cell::RefCell<FxHashMap<ProofKey, String>>,
}

impl<'e> Escalation<'e> {
    /// Builds the escalation graph of the engine's environment.
    pub fn new(engine: &'e Engine) -> Self {
        Self::from_graph(engine, Graph::build(engine))
    }

    /// Wraps a graph built earlier.
    pub fn from_graph(engine: &'e Engine, graph: Graph) -> Self {
        let mut gains_by: FxHashMap<u32, Vec<(u32, u32)>> = FxHashMap::default();
        for &(p, t, x) in &graph.derived.gains {
            gains_by.entry(p).or_default().push((t, x));
        }
        let mut frees_by: FxHashMap<u32, Vec<(u32, u32)>> = FxHashMap::default();
        for &(p, t, x) in &graph.derived.frees {
            frees_by.entry(p).or_default().push((t, x));
        }
        let mut admin_of_by: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        let n = engine.principal_ids().count() as u32;
        for &(p, a) in &graph.derived.admin_of {
            admin_of_by.entry(p).or_default().push(a - n);
        }
        // The empower pairs (few: changing permissions is rarely granted), each with its
        // edges.
        let mut pairs: Vec<(Pid, Pid)> = Vec::new();
        for b in &graph.bundles {
            if b.kind == EdgeKind::Empower {
                for &from in graph.group(b.from) {
                    pairs.extend(b.to.iter().map(|&to| (from, to)));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut plain: FxHashMap<Pid, Vec<(Pid, ERef, Option<ERef>)>> = FxHashMap::default();
        for (from, to) in pairs {
            let Some(i) = graph.best(from, to, EdgeKind::Empower) else {
                continue;
            };
            if from == to {
                plain.entry(from).or_default().push((to, i, None));
            } else if let Some(j) = graph.best(from, to, EdgeKind::Become) {
                plain.entry(from).or_default().push((to, i, Some(j)));
            }
        }
        Escalation {
            engine,
            plain,
            graph,
            gains_by,
            frees_by,
            admin_of_by,
            explaining: Default::default(),
            rev: Default::default(),
            proofs: Default::default(),
        }
    }

    /// Outgoing hops of a node. `deep` allows the derived hops (Gains, AdminOf).
    fn out(&self, n: GNode, deep: bool) -> Vec<(GNode, Hop)> {
        match n {
            GNode::P(p) => {
                let mut v: Vec<(GNode, Hop)> = self
                    .graph
                    .become_targets(p)
                    .into_iter()
                    .map(|(t, e)| (GNode::P(t), Hop::Edge(e)))
                    .collect();
                v.extend(self.out_special(p, deep));
                v
            }
            GNode::Admin(a) => self
                .graph
                .members(a)
                .iter()
                .map(|&q| (GNode::P(q), Hop::Member))
                .collect(),
            GNode::Empowered(_) => Vec::new(),
        }
    }

    /// The hops of principal `p` into administrator and empowered nodes, sorted by node, the
    /// first of each node only (in the order: already an administrator, empowering, derived).
    fn out_special(&self, p: Pid, deep: bool) -> Vec<(GNode, Hop)> {
        let n = GNode::P(p);
        let mut v = Vec::new();
        if let Some((a, _)) = self.graph.is_direct_admin(p) {
            v.push((GNode::Admin(a), Hop::DirectAdmin));
        }
        for &(t, i, j) in self.plain.get(&p).into_iter().flatten() {
            v.push((GNode::Empowered(t), Hop::Empowers(i, j)));
            if self.graph.free.get(&t) == Some(&true) {
                if let Some(a) = self.graph.account_index(t) {
                    v.push((GNode::Admin(a), Hop::EmpowersAdmin(i, j)));
                }
            }
        }
        if deep {
            let busy = self.explaining.borrow();
            for &a in self.admin_of_by.get(&p.0).into_iter().flatten() {
                if !busy.contains(&(n, GNode::Admin(a))) {
                    v.push((GNode::Admin(a), Hop::AdminOf));
                }
            }
            for &(t, x) in self.gains_by.get(&p.0).into_iter().flatten() {
                if !busy.contains(&(n, GNode::Empowered(Pid(t)))) {
                    v.push((GNode::Empowered(Pid(t)), Hop::Gains(Pid(x))));
                }
            }
        }
        v.sort_by_key(|(n, _)| *n);
        v.dedup_by_key(|(n, _)| *n);
        v
    }

    /// Display name of a node.
    pub fn name(&self, n: GNode) -> String {
        match n {
            GNode::P(p) | GNode::Empowered(p) => self.engine.principal(p).arn.clone(),
            GNode::Admin(a) => format!("admin@{}", self.engine.env.accounts[a as usize].id),
        }
    }

    /// Shortest hop sequence from `from` to a node satisfying `goal`.
    fn bfs(
        &self,
        from: GNode,
        deep: bool,
        goal: &dyn Fn(GNode) -> bool,
    ) -> Option<Vec<(GNode, Hop, GNode)>> {
        let mut prev: FxHashMap<GNode, (GNode, Hop)> = FxHashMap::default();
        let mut q = VecDeque::from([from]);
        let mut seen = FxHashSet::default();
        seen.insert(from);
        while let Some(n) = q.pop_front() {
            if n != from && goal(n) {
                let mut hops = Vec::new();
                let mut cur = n;
                while cur != from {
                    let (p, h) = prev[&cur];
                    hops.push((p, h, cur));
                    cur = p;
                }
                hops.reverse();
                return Some(hops);
            }
            for (m, h) in self.out(n, deep) {
                if seen.insert(m) {
                    prev.insert(m, (n, h));
                    q.push_back(m);
                }
            }
        }
        None
    }

    /// Shortest path preferring technique edges: the derived hops (`Gains`, `AdminOf`) are
    /// used only when no path without them exists.
    fn find(&self, from: GNode, goal: &dyn Fn(GNode) -> bool) -> Option<Vec<(GNode, Hop, GNode)>> {
        self.bfs(from, false, goal)
            .or_else(|| self.bfs(from, true, goal))
    }

    /// Renders a hop sequence as steps.
    fn render(&self, hops: &[(GNode, Hop, GNode)], depth: u32) -> Path {
        let mut out = Vec::new();
        for &(a, h, b) in hops {
            out.extend(self.render_hop(a, h, b, depth));
        }
        out
    }

    /// Steps from principal `p` to principal `t` (empty when equal).
    fn steps_between(&self, p: Pid, t: Pid, depth: u32) -> Path {
        if p == t {
            return Vec::new();
        }
        let found = if depth < 6 {
            self.find(GNode::P(p), &|n| n == GNode::P(t))
        } else {
            self.bfs(GNode::P(p), false, &|n| n == GNode::P(t))
        };
        match found {
            Some(h) => self.render(&h, depth + 1),
            None => vec![Step {
                from: self.name(GNode::P(p)),
                to: self.name(GNode::P(t)),
                technique: "unresolved".into(),
                proof: "the rules derived this hop but its path was not reconstructed".into(),
                decision: Decision::Conditional,
            }],
        }
    }

    fn gains_steps(&self, p: Pid, t: Pid, x: Pid, depth: u32) -> Path {
        let mut steps = self.steps_between(p, x, depth);
        let before = steps.len();
        if let Some(i) = self.graph.best(x, t, EdgeKind::Empower) {
            steps.push(self.edge_step(i));
        }
        let to_t = self.steps_between(p, t, depth);
        // Combination paths of the catalogue: empower + become of the same target.
        if p == x && to_t.len() == 1 && steps.len() == before + 1 {
            let emp = steps[before].technique.clone();
            let bec = to_t[0].technique.clone();
            if let Some(c) = techniques::TECHNIQUES.iter().find(|c| {
                matches!(c.kind, techniques::Kind::Combo { empower, act_as } if empower == emp && act_as == bec)
            }) {
                steps[before].technique = c.id.to_string();
                steps[before].proof = format!("{} (path {} = {} + {})", steps[before].proof, c.id, emp, bec);
            }
        }
        steps.extend(to_t);
        steps
    }

    fn frees_step(&self, p: Pid, t: Pid, depth: u32) -> Option<Path> {
        let (tt, x) = self
            .frees_by
            .get(&p.0)?
            .iter()
            .find(|(tt, _)| *tt == t.0)
            .copied()?;
        let mut steps = self.steps_between(p, Pid(x), depth);
        if let Some(i) = self.graph.best(Pid(x), Pid(tt), EdgeKind::Unbound) {
            steps.push(self.edge_step(i));
        }
        steps.extend(self.steps_between(p, t, depth));
        Some(steps)
    }

    fn render_hop(&self, a: GNode, h: Hop, b: GNode, depth: u32) -> Path {
        if matches!(h, Hop::Gains(_) | Hop::AdminOf) {
            self.explaining.borrow_mut().push((a, b));
            let r = self.render_derived(a, h, b, depth);
            self.explaining.borrow_mut().pop();
            return r;
        }
        self.render_derived(a, h, b, depth)
    }

    fn render_derived(&self, a: GNode, h: Hop, b: GNode, depth: u32) -> Path {
        match h {
            Hop::Edge(i) => vec![self.edge_step(i)],
            Hop::Empowers(i, j) | Hop::EmpowersAdmin(i, j) => {
                let mut steps = vec![self.edge_step(i)];
                if let Some(j) = j {
                    let bec = self.edge_step(j);
                    let emp = steps[0].technique.clone();
                    if let Some(c) = techniques::TECHNIQUES.iter().find(|c| {
                        matches!(c.kind, techniques::Kind::Combo { empower, act_as } if empower == emp && act_as == bec.technique)
                    }) {
                        steps[0].proof = format!("{} (path {} = {} + {})", steps[0].proof, c.id, emp, bec.technique);
                        steps[0].technique = c.id.to_string();
                    }
                    steps.push(bec);
                }
                if let Hop::EmpowersAdmin(..) = h {
                    let t = i.to;
                    steps.push(self.admin_after_step(t, b, false));
                }
                steps
            }
            Hop::DirectAdmin => {
                let GNode::P(p) = a else { return vec![] };
                let d = self.graph.is_direct_admin(p).map(|x| x.1).unwrap_or(Decision::Allow);
                vec![Step {
                    from: self.name(a),
                    to: self.name(b),
                    technique: "admin-equivalent".into(),
                    proof: self.admin_proof(p),
                    decision: d,
                }]
            }
            Hop::Member => vec![Step {
                from: self.name(a),
                to: self.name(b),
                technique: "account-admin".into(),
                proof: format!(
                    "an administrator of the account can rewrite the trust policy of a role or create credentials for a user of it, then act as {}",
                    self.name(b)
                ),
                decision: Decision::Allow,
            }],
            Hop::Gains(x) => {
                let (GNode::P(p), GNode::Empowered(t)) = (a, b) else {
                    return vec![];
                };
                self.gains_steps(p, t, x, depth)
            }
            Hop::AdminOf => {
                let (GNode::P(p), GNode::Admin(acct)) = (a, b) else {
                    return vec![];
                };
                let n = self.engine.principal_ids().count() as u32;
                let _ = n;
                let in_acct = |t: u32| self.graph.account_index(Pid(t)) == Some(acct);
                for &(t, x) in self.gains_by.get(&p.0).into_iter().flatten() {
                    if !in_acct(t) {
                        continue;
                    }
                    match self.graph.free.get(&Pid(t)) {
                        Some(true) => {
                            let mut s = self.gains_steps(p, Pid(t), Pid(x), depth);
                            s.push(self.admin_after_step(Pid(t), b, false));
                            return s;
                        }
                        Some(false) => {
                            if let Some(fs) = self.frees_step(p, Pid(t), depth) {
                                let mut s = self.gains_steps(p, Pid(t), Pid(x), depth);
                                s.extend(fs);
                                s.push(self.admin_after_step(Pid(t), b, true));
                                return s;
                            }
                        }
                        None => {}
                    }
                }
                for &(t, _) in self.frees_by.get(&p.0).into_iter().flatten() {
                    if in_acct(t) && self.graph.id_admin.contains(&Pid(t)) {
                        if let Some(mut s) = self.frees_step(p, Pid(t), depth) {
                            s.push(self.admin_after_step(Pid(t), b, true));
                            return s;
                        }
                    }
                }
                vec![]
            }
        }
    }

    fn admin_after_step(&self, t: Pid, admin: GNode, unbounded: bool) -> Step {
        Step {
            from: self.name(GNode::P(t)),
            to: self.name(admin),
            technique: "admin-equivalent".into(),
            proof: format!(
                "with any identity permission{}, {} is an administrator of its account: only the identity-based policy is missing for iam:PutRolePolicy and iam:CreateAccessKey (SCPs and {} allow them)",
                if unbounded { " and no boundary" } else { "" },
                self.name(GNode::P(t)),
                if unbounded { "the removed boundary" } else { "boundary" }
            ),
            decision: Decision::Allow,
        }
    }

    fn admin_proof(&self, p: Pid) -> String {
        let acct = self.engine.principal(p).account.clone();
        let mut parts = Vec::new();
        for (act, res) in [
            (
                "iam:PutRolePolicy",
                format!("arn:aws:iam::{acct}:role/iamdl-escalation-probe"),
            ),
            (
                "iam:CreateAccessKey",
                format!("arn:aws:iam::{acct}:user/iamdl-escalation-probe"),
            ),
        ] {
            parts.push(self.grant_proof(p, act, &Target::Exact(res), None));
        }
        format!("already an administrator: {}", parts.join("; "))
    }

    /// One permission, with the statements that allow it.
    fn grant_proof(&self, p: Pid, action: &str, target: &Target, service: Option<&str>) -> String {
        let key = (
            p,
            action.to_string(),
            target.clone(),
            service.map(str::to_string),
        );
        if let Some(s) = self.proofs.borrow().get(&key) {
            return s.clone();
        }
        let s = self.grant_proof_new(p, action, target, service);
        self.proofs.borrow_mut().insert(key, s.clone());
        s
    }

    fn grant_proof_new(
        &self,
        p: Pid,
        action: &str,
        target: &Target,
        service: Option<&str>,
    ) -> String {
        let ans = self.engine.can_with(
            &Request {
                caller: Caller::Entity {
                    pid: p,
                    session: None,
                },
                action: action.into(),
                target: target.clone(),
                context: UserContext::default(),
                session_policies: None,
            },
            service,
        );
        let by: Vec<String> = ans
            .reasons
            .iter()
            .filter(|r| r.effect == "Allow")
            .map(|r| format!("{} {} statement {}", r.layer, r.policy, r.statement))
            .collect();
        let mut s = format!(
            "{} {} on {}{}",
            ans.decision.as_str(),
            action,
            target.text(),
            service.map(|s| format!(" (to {s})")).unwrap_or_default()
        );
        if !by.is_empty() {
            s.push_str(&format!(" by {}", by.join(", ")));
        }
        if !ans.conditions.is_empty() {
            s.push_str(&format!(" [{}]", ans.conditions.join("; ")));
        }
        s
    }

    /// The step of a technique edge, with its proof.
    fn edge_step(&self, i: ERef) -> Step {
        let e = &self.graph.edge(i);
        let mut proofs: Vec<String> = e
            .grants
            .iter()
            .map(|g| self.grant_proof(e.from, g.action, &Target::parse(&g.resource), g.service))
            .collect();
        if e.technique != "sts-001" {
            if let Some(tech) = techniques::by_id(e.technique) {
                proofs.insert(0, tech.summary.to_string());
            }
        }
        if let Some(n) = &e.note {
            proofs.push(n.to_string());
        }
        Step {
            from: self.name(GNode::P(e.from)),
            to: self.name(GNode::P(e.to)),
            technique: e.technique.into(),
            proof: proofs.join("; "),
            decision: e.decision,
        }
    }

    /// The shortest path from `from` to `to`, or every simple path (up to `max`, fewest hops
    /// first) when `all`.
    pub fn paths(&self, from: Pid, to: Pid, all: bool, max: usize) -> Vec<Path> {
        if from == to {
            return Vec::new();
        }
        if !all {
            return self
                .find(GNode::P(from), &|n| n == GNode::P(to))
                .map(|h| vec![self.render(&h, 0)])
                .unwrap_or_default();
        }
        // Bounded enumeration of simple node paths, breadth-first by length.
        let mut found: Vec<Vec<(GNode, Hop, GNode)>> = Vec::new();
        let mut q: VecDeque<Vec<(GNode, Hop, GNode)>> = VecDeque::from([Vec::new()]);
        let limit_len = 8;
        let mut expanded = 0usize;
        while let Some(p) = q.pop_front() {
            if found.len() >= max || expanded > 200_000 {
                break;
            }
            expanded += 1;
            let last = p.last().map(|h| h.2).unwrap_or(GNode::P(from));
            if last == GNode::P(to) {
                found.push(p);
                continue;
            }
            if p.len() >= limit_len {
                continue;
            }
            for (m, h) in self.out(last, true) {
                if m == GNode::P(from) || p.iter().any(|x| x.2 == m) {
                    continue;
                }
                let mut np = p.clone();
                np.push((last, h, m));
                q.push_back(np);
            }
        }
        found.iter().map(|h| self.render(h, 0)).collect()
    }

    /// Every node `from` can reach, with a shortest path to each.
    pub fn escalations(&self, from: Pid) -> Vec<(GNode, Path)> {
        let mut prev: FxHashMap<GNode, (GNode, Hop)> = FxHashMap::default();
        let start = GNode::P(from);
        let mut q = VecDeque::from([start]);
        let mut order = Vec::new();
        let mut seen = FxHashSet::default();
        seen.insert(start);
        while let Some(n) = q.pop_front() {
            if n != start {
                order.push(n);
            }
            for (m, h) in self.out(n, true) {
                if seen.insert(m) {
                    prev.insert(m, (n, h));
                    q.push_back(m);
                }
            }
        }
        order
            .into_iter()
            .map(|n| {
                let mut hops = Vec::new();
                let mut cur = n;
                while cur != start {
                    let (p, h) = prev[&cur];
                    hops.push((p, h, cur));
                    cur = p;
                }
                hops.reverse();
                (n, self.render(&hops, 0))
            })
            .collect()
    }

    /// The hops into administrator and empowered nodes, reversed: from the few principals
    /// that have such hops.
    fn reversed(&self) -> &FxHashMap<GNode, Vec<(GNode, Hop)>> {
        self.rev.get_or_init(|| {
            let mut from: Vec<Pid> = self.graph.direct_admins.iter().map(|d| d.0).collect();
            from.extend(self.plain.keys());
            from.extend(self.admin_of_by.keys().map(|&p| Pid(p)));
            from.extend(self.gains_by.keys().map(|&p| Pid(p)));
            from.sort_unstable();
            from.dedup();
            let mut rev: FxHashMap<GNode, Vec<(GNode, Hop)>> = FxHashMap::default();
            for p in from {
                for (m, h) in self.out_special(p, true) {
                    rev.entry(m).or_default().push((GNode::P(p), h));
                }
            }
            rev
        })
    }

    /// One backward breadth-first search from `goals`: for every node that reaches one, its
    /// next hop on a shortest way there (the first found, predecessors taken in node order).
    /// The hops into a principal are read from the bundles that target it; a source group
    /// whose members are all reached already is skipped, so each group is scanned about once.
    fn backward(&self, goals: &[GNode]) -> FxHashMap<GNode, (Hop, GNode)> {
        let rev = self.reversed();
        let g = &self.graph;
        let mut next: FxHashMap<GNode, (Hop, GNode)> = FxHashMap::default();
        let mut seen: FxHashSet<GNode> = FxHashSet::default();
        // Members of each group reached so far.
        let mut reached = vec![0u32; g.group_count()];
        let mut q: VecDeque<GNode> = VecDeque::new();
        let visit = |m: GNode, seen: &mut FxHashSet<GNode>, reached: &mut Vec<u32>| {
            if !seen.insert(m) {
                return false;
            }
            if let GNode::P(p) = m {
                for &gi in g.groups_of(p) {
                    reached[gi as usize] += 1;
                }
            }
            true
        };
        for &n in goals {
            if visit(n, &mut seen, &mut reached) {
                q.push_back(n);
            }
        }
        let mut best: FxHashMap<Pid, (Decision, u32)> = FxHashMap::default();
        while let Some(n) = q.pop_front() {
            let mut preds: Vec<(GNode, Hop)> = Vec::new();
            match n {
                GNode::P(t) => {
                    best.clear();
                    for &b in g.bundles_into(t) {
                        let bd = &g.bundles[b as usize];
                        let members = g.group(bd.from);
                        if bd.kind != EdgeKind::Become
                            || reached[bd.from as usize] as usize == members.len()
                        {
                            continue;
                        }
                        for &m in members {
                            if m == t || seen.contains(&GNode::P(m)) {
                                continue;
                            }
                            let e = best.entry(m).or_insert((bd.decision, b));
                            if (bd.decision, b) < *e {
                                *e = (bd.decision, b);
                            }
                        }
                    }
                    preds.extend(best.iter().map(|(&m, &(_, bundle))| {
                        (
                            GNode::P(m),
                            Hop::Edge(ERef {
                                bundle,
                                from: m,
                                to: t,
                            }),
                        )
                    }));
                    if let Some(a) = g.account_index(t) {
                        preds.push((GNode::Admin(a), Hop::Member));
                    }
                }
                _ => preds.extend(rev.get(&n).into_iter().flatten().copied()),
            }
            preds.sort_by_key(|(m, _)| *m);
            for (m, h) in preds {
                if visit(m, &mut seen, &mut reached) {
                    next.insert(m, (h, n));
                    q.push_back(m);
                }
            }
        }
        next
    }

    /// Follows `next` from `start` to its goal: the hops and the goal reached.
    fn follow(
        &self,
        next: &FxHashMap<GNode, (Hop, GNode)>,
        start: GNode,
    ) -> (Vec<(GNode, Hop, GNode)>, GNode) {
        let mut hops = Vec::new();
        let mut cur = start;
        while let Some(&(h, m)) = next.get(&cur) {
            hops.push((cur, h, m));
            cur = m;
            if hops.len() > 64 {
                break;
            }
        }
        (hops, cur)
    }

    /// Principals that are or can become administrators, each with the account it reaches
    /// first and its path there (one backward search from every administrator node).
    pub fn admins(&self) -> Vec<AdminEntry> {
        let goals: Vec<GNode> = (0..self.engine.env.accounts.len() as u32)
            .map(GNode::Admin)
            .collect();
        let next = self.backward(&goals);
        let mut out = Vec::new();
        for p in self.engine.principal_ids() {
            let start = GNode::P(p);
            if !next.contains_key(&start) {
                continue;
            }
            let (hops, end) = self.follow(&next, start);
            let GNode::Admin(acct) = end else { continue };
            let path = self.render(&hops, 0);
            let direct = path.len() == 1 && path[0].technique == "admin-equivalent";
            out.push(AdminEntry {
                principal: self.name(start),
                kind: kind_name(self.engine, p).into(),
                account: self.engine.env.accounts[acct as usize].id.clone(),
                decision: path_decision(&path),
                escalation: !direct,
                path,
            });
        }
        out.sort_by(|a, b| {
            (a.escalation, a.decision, &a.principal).cmp(&(b.escalation, b.decision, &b.principal))
        });
        out
    }

    /// Principals that reach the resource only through escalation, for a who-can / reach
    /// answer: `direct` is that answer, `probe` one action and target the empowered
    /// principals are tested with.
    pub fn mark(
        &self,
        direct: &WhoCanAnswer,
        probe: (&str, &Target),
        ctx: &UserContext,
    ) -> Vec<Marked> {
        let engine = self.engine;
        let mut goal: FxHashMap<GNode, (Decision, String)> = FxHashMap::default();
        let mut listed: FxHashSet<Pid> = FxHashSet::default();
        for e in &direct.principals {
            if e.decision == Decision::Deny {
                continue;
            }
            if let Ok(Caller::Entity { pid, session: None }) = engine.resolve_caller(&e.principal) {
                listed.insert(pid);
                goal.insert(
                    GNode::P(pid),
                    (
                        e.decision,
                        format!("{} has access ({})", e.principal, e.decision.as_str()),
                    ),
                );
            }
        }
        // Would principal t have access given any identity permission?
        let would = |t: Pid| -> Option<Decision> {
            let ans = engine.can(&Request {
                caller: Caller::Entity {
                    pid: t,
                    session: None,
                },
                action: probe.0.into(),
                target: probe.1.clone(),
                context: ctx.clone(),
                session_policies: None,
            });
            if ans.decision != Decision::Deny {
                return Some(ans.decision);
            }
            (!ans.blame.is_empty()
                && ans
                    .blame
                    .iter()
                    .all(|b| b.layer == "identity" && b.kind == "no-allow"))
            .then_some(Decision::Allow)
        };
        let mut tested: FxHashMap<Pid, Option<Decision>> = FxHashMap::default();
        for &(_, t, _) in &self.graph.derived.gains {
            let d = *tested.entry(Pid(t)).or_insert_with(|| would(Pid(t)));
            if let Some(d) = d {
                goal.insert(
                    GNode::Empowered(Pid(t)),
                    (
                        d,
                        format!(
                            "with any identity permission {} can {} {}",
                            engine.principal(Pid(t)).arn,
                            probe.0,
                            probe.1.text()
                        ),
                    ),
                );
            }
        }
        for a in 0..engine.env.accounts.len() as u32 {
            let rep = self.graph.members(a).iter().copied().find(|p| {
                engine.principal(*p).kind != PrincipalKind::Root && engine.boundary(*p).is_none()
            });
            if let Some(r) = rep {
                if let Some(d) = would(r) {
                    goal.insert(
                        GNode::Admin(a),
                        (
                            d,
                            format!(
                                "an administrator of the account can grant itself {} on {}",
                                probe.0,
                                probe.1.text()
                            ),
                        ),
                    );
                }
            }
        }
        // Backward search from the goals over the reversed graph.
        let mut starts: Vec<GNode> = goal.keys().copied().collect();
        starts.sort();
        let next = self.backward(&starts);
        let mut out = Vec::new();
        for p in engine.principal_ids() {
            if listed.contains(&p) {
                continue;
            }
            if !next.contains_key(&GNode::P(p)) {
                continue;
            }
            let (hops, cur) = self.follow(&next, GNode::P(p));
            let (gd, why) = goal
                .get(&cur)
                .cloned()
                .unwrap_or((Decision::Conditional, String::new()));
            let mut path = self.render(&hops, 0);
            let decision = path_decision(&path).max(gd);
            path.push(Step {
                from: self.name(cur),
                to: direct.resource.clone(),
                technique: "access".into(),
                proof: why,
                decision: gd,
            });
            out.push(Marked {
                pid: p,
                principal: self.name(GNode::P(p)),
                kind: kind_name(engine, p).into(),
                decision,
                path,
            });
        }
        out.sort_by(|a, b| {
            (a.decision, a.path.len(), &a.principal).cmp(&(b.decision, b.path.len(), &b.principal))
        });
        out
    }
}

/// The principals that reach the resource of a who-can / reach answer only through
/// escalation, `resource` being its target text.
pub fn mark_answer(
    esc: &Escalation,
    direct: &WhoCanAnswer,
    resource: &str,
    ctx: &UserContext,
) -> Vec<crate::escalation::Marked> {
    let (action, target) = probe_for(esc.engine, &direct.action, resource);
    esc.mark(direct, (&action, &target), ctx)
}

/// The action and target an empowered principal is tested with: the who-can action, or for
/// `reach` a read of the resource (an object for a bucket).
fn probe_for(engine: &Engine, action: &str, resource: &str) -> (String, Target) {
    if action != "*" {
        return (action.to_string(), Target::parse(resource));
    }
    if let Some(b) = resource.strip_prefix("arn:aws:s3:::") {
        if !b.contains('/') {
            return ("s3:GetObject".into(), Target::Set(format!("{resource}/*")));
        }
    }
    let acts = engine.catalog.actions_on(resource);
    let a = acts
        .iter()
        .find(|a| a.access.as_str() == "Read")
        .or(acts.first())
        .map(|a| a.full_name())
        .unwrap_or_else(|| "*".into());
    (a, Target::parse(resource))
}

/// `user`, `role` or `root`.
pub fn kind_name(engine: &Engine, p: Pid) -> &'static str {
    match engine.principal(p).kind {
        PrincipalKind::User(_) => "user",
        PrincipalKind::Role(_) => "role",
        PrincipalKind::Root => "root",
    }
}

/// A principal that is or can become an administrator.
#[derive(Debug, Clone, Serialize)]
pub struct AdminEntry {
    /// Its ARN.
    pub principal: String,
    /// `user`, `role` or `root`.
    pub kind: String,
    /// The account it administers.
    pub account: String,
    /// Allow, or conditional when the path is.
    pub decision: Decision,
    /// True when it needs escalation (false: already an administrator).
    pub escalation: bool,
    /// The path to `admin@ACCOUNT`.
    pub path: Path,
}

/// A principal that reaches a resource only through escalation.
#[derive(Debug, Clone, Serialize)]
pub struct Marked {
    /// Table id.
    #[serde(skip)]
    pub pid: Pid,
    /// Its ARN.
    pub principal: String,
    /// `user`, `role` or `root`.
    pub kind: String,
    /// The weakest decision along the path.
    pub decision: Decision,
    /// The escalation path, ending with the access step.
    pub path: Path,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old form of the backward search: every hop of every principal and administrator
    /// node listed, reversed, then one breadth-first search.
    fn naive_backward(esc: &Escalation, goals: &[GNode]) -> FxHashMap<GNode, (Hop, GNode)> {
        let mut all: Vec<GNode> = esc.engine.principal_ids().map(GNode::P).collect();
        all.extend((0..esc.engine.env.accounts.len() as u32).map(GNode::Admin));
        let mut rev: FxHashMap<GNode, Vec<(GNode, Hop)>> = FxHashMap::default();
        for n in all {
            for (m, h) in esc.out(n, true) {
                rev.entry(m).or_default().push((n, h));
            }
        }
        let mut next = FxHashMap::default();
        let mut seen: FxHashSet<GNode> = goals.iter().copied().collect();
        let mut q: VecDeque<GNode> = goals.iter().copied().collect();
        while let Some(n) = q.pop_front() {
            for &(m, h) in rev.get(&n).into_iter().flatten() {
                if seen.insert(m) {
                    next.insert(m, (h, n));
                    q.push_back(m);
                }
            }
        }
        next
    }

    /// The backward search over the bundles finds the same next hop for every node as the
    /// search over the expanded edges, towards the administrators and towards principals.
    #[test]
    fn backward_search_over_bundles_matches_the_expanded_graph() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("facts/examples");
        let mut compared = 0;
        for ex in [
            "demo",
            "query-demo",
            "03-cross-account-chain",
            "05-org-guardrails",
        ] {
            let env = crate::input::load(&root.join(ex).join("env"), &Default::default())
                .unwrap_or_else(|f| panic!("{ex} does not load: {:?}", f.errors));
            let engine = Engine::new(env);
            let esc = Escalation::new(&engine);
            let mut goal_sets: Vec<Vec<GNode>> = vec![(0..engine.env.accounts.len() as u32)
                .map(GNode::Admin)
                .collect()];
            goal_sets.extend(engine.principal_ids().step_by(3).map(|p| vec![GNode::P(p)]));
            for goals in goal_sets {
                let a = esc.backward(&goals);
                let b = naive_backward(&esc, &goals);
                assert_eq!(a, b, "{ex}: goals {goals:?}");
                compared += a.len();
            }
            // Every principal's out-hops to principals are its expanded become edges.
            for p in engine.principal_ids() {
                let mut want: Vec<Pid> = esc
                    .graph
                    .edges()
                    .filter(|e| e.kind == EdgeKind::Become && e.from == p)
                    .map(|e| e.to)
                    .collect();
                want.sort_unstable();
                want.dedup();
                let got: Vec<Pid> = esc
                    .out(GNode::P(p), false)
                    .into_iter()
                    .filter_map(|(n, _)| match n {
                        GNode::P(q) => Some(q),
                        _ => None,
                    })
                    .collect();
                assert_eq!(
                    got,
                    want,
                    "{ex}: become targets of {}",
                    engine.principal(p).arn
                );
            }
        }
        assert!(compared > 0, "some node reaches a goal");
    }
}
