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
        let cache = super::matching::ActionCache::default().for_target(target);
        let pairs: Vec<(&Node, &Target)> = callers.iter().map(|n| (n, target)).collect();
        self.decide_pairs(&pairs, action, ctx, passed_to_service, &cache)
    }

    /// Decides `action` for each (caller, target) pair with one shared cache of action
    /// matches and one run of the decision program over the deduplicated fact sets.
    fn decide_pairs(
        &self,
        pairs: &[(&Node, &Target)],
        action: &str,
        ctx: &UserContext,
        passed_to_service: Option<&str>,
        cache: &super::matching::ActionCache,
    ) -> Vec<Direct> {
        let mut uniq: FxHashMap<RequestFacts, u32> = FxHashMap::default();
        let mut batch: Vec<RequestFacts> = Vec::new();
        let mut per: Vec<(u32, Vec<super::matching::StmtHit>)> = Vec::with_capacity(pairs.len());
        let mut req = Request {
            caller: Caller::Anonymous,
            action: action.to_string(),
            target: Target::Exact(String::new()),
            context: ctx.clone(),
            session_policies: None,
        };
        for (n, t) in pairs {
            req.caller = self.node_caller(n);
            if req.target != **t {
                req.target = (*t).clone();
            }
            let (facts, hits, _) = self.request_facts_with(&req, passed_to_service, cache);
            // Residuals are rendered only for callers whose answer turns out conditional.
            let residual: Vec<super::matching::StmtHit> =
                hits.into_iter().filter(|h| !h.firm).collect();
            let id = intern(&mut uniq, &mut batch, facts);
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
                        self.residual_lines(residual.iter())
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }

    /// Decides `action` for callers grouped by target (`groups[k]` = one target and its
    /// callers), in order, with one decision run over the deduplicated fact sets. Within a
    /// target, callers with the same [`SideKey`] share one computation of their caller side
    /// (the role-chain search asks `sts:AssumeRole` of every candidate of every role).
    fn decide_by_target(
        &self,
        groups: &[(&Target, &[Node])],
        action: &str,
        ctx: &UserContext,
    ) -> Vec<Direct> {
        use super::matching::{hit_keys, ActionCache, StmtHit};
        let cache = ActionCache::default();
        let action_lc = action.to_ascii_lowercase();
        let mut sides = SharedSides::new(self, None);
        let mut uniq: FxHashMap<RequestFacts, u32> = FxHashMap::default();
        let mut batch: Vec<RequestFacts> = Vec::new();
        let mut per: Vec<(u32, Vec<StmtHit>)> = Vec::new();
        for (target, callers) in groups {
            let mut req = Request {
                caller: Caller::Anonymous,
                action: action.to_string(),
                target: (*target).clone(),
                context: ctx.clone(),
                session_policies: None,
            };
            let info = self.resource_info(&req);
            sides.retarget(target);
            for n in callers.iter() {
                req.caller = self.node_caller(n);
                let (mut facts, hits) = sides.request_facts(n, &req, &info, &action_lc, &cache);
                facts.hits = hit_keys(&hits);
                let id = intern(&mut uniq, &mut batch, facts);
                // Residuals are rendered only for callers whose answer turns out conditional.
                per.push((id, hits.into_iter().filter(|h| !h.firm).collect()));
            }
        }
        let concl = decide(&batch);
        per.into_iter()
            .map(|(id, residual)| {
                let decision = Decision::from_conclusion(&concl[id as usize]);
                Direct {
                    decision,
                    conditions: if decision == Decision::Conditional {
                        self.residual_lines(residual.iter())
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }

    /// Decides several actions (one representative per action class, one service) for every
    /// caller: `out[class][caller]`. One matching pass collects, per caller, the statements
    /// that name any of the actions; callers whose matches and flags are identical share
    /// every decision, so the facts of each (group, class) pair are built by filtering the
    /// group's matches with a per-statement bitset of the classes it names, and the whole
    /// batch is decided by one run of the rules. Exact: the facts equal those of
    /// [`Engine::decide_many`] for each class (statement matching does not depend on the action
    /// beyond the action element; action-dependent flags and KMS grants take the per-action
    /// path).
    pub fn decide_classes(
        &self,
        callers: &[Node],
        reps: &[String],
        target: &Target,
        ctx: &UserContext,
    ) -> Vec<Vec<Direct>> {
        use super::matching::{is_owner_only, is_special_action};
        let mut out: Vec<Option<Vec<Direct>>> = vec![None; reps.len()];
        let probe = Request {
            caller: Caller::Anonymous,
            action: reps.first().cloned().unwrap_or_default(),
            target: target.clone(),
            context: ctx.clone(),
            session_policies: None,
        };
        let kms_grants = self
            .resource_info(&probe)
            .resource
            .is_some_and(|i| matches!(self.env.resources[i].grants, crate::iam::Grants::Loaded(_)));
        let mut normal: Vec<usize> = Vec::new();
        for (k, a) in reps.iter().enumerate() {
            let a_lc = a.to_ascii_lowercase();
            // Owner-only actions (S1) differ from the others only by a flag set per class.
            if kms_grants
                || self.symbolic_actions
                || is_special_action(&a_lc) && !is_owner_only(&a_lc)
            {
                out[k] = Some(self.decide_many(callers, a, target, ctx, None));
            } else {
                normal.push(k);
            }
        }
        // One grouped pass per service (statements are indexed by service prefix, M1).
        let mut by_service: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        for k in normal {
            let svc = reps[k].split(':').next().unwrap_or("").to_ascii_lowercase();
            by_service.entry(svc).or_default().push(k);
        }
        for ks in by_service.into_values() {
            let names: Vec<String> = ks.iter().map(|&k| reps[k].clone()).collect();
            let per_class = self.decide_union(callers, &names, target, ctx);
            for (j, ds) in per_class.into_iter().enumerate() {
                out[ks[j]] = Some(ds);
            }
        }
        out.into_iter().map(|d| d.unwrap_or_default()).collect()
    }

    /// The grouped pass of [`Engine::decide_classes`] for non-special actions.
    fn decide_union(
        &self,
        callers: &[Node],
        names: &[String],
        target: &Target,
        ctx: &UserContext,
    ) -> Vec<Vec<Direct>> {
        use super::matching::{action_in, is_owner_only, ActionCache, StmtHit};
        use crate::rules::decide::flag;
        let t0 = std::time::Instant::now();
        type Key = (u32, u32, u8, u8, u8, u8, bool);
        #[derive(Hash, PartialEq, Eq)]
        struct Sig {
            flags: u16,
            scp: u8,
            rcp: u8,
            hits: Vec<Key>,
        }
        let cache = ActionCache::any_of(names).for_target(target);
        let lowered: Vec<String> = names.iter().map(|a| a.to_ascii_lowercase()).collect();
        // The request's action only sets action-dependent flags; owner-only flags are set per
        // class below (S1), so the caller side is computed with a non-owner-only action.
        let action = lowered
            .iter()
            .find(|a| !is_owner_only(a))
            .unwrap_or(&lowered[0])
            .clone();
        let mut req = Request {
            caller: Caller::Anonymous,
            action: action.clone(),
            target: target.clone(),
            context: ctx.clone(),
            session_policies: None,
        };
        let info = self.resource_info(&req);
        // Caller sides that no relevant statement makes caller-specific are computed once per
        // (account, kind, boundary, relevant identity policies): policies with no statement
        // for these actions and this target contribute nothing and are left out of the key.
        let mut sides = SharedSides::new(self, None);
        let mut groups: FxHashMap<Sig, u32> = FxHashMap::default();
        let mut group_sigs: Vec<(u16, u8, u8, Vec<Key>)> = Vec::new();
        let mut per: Vec<(u32, Vec<StmtHit>)> = Vec::with_capacity(callers.len());
        for n in callers {
            req.caller = self.node_caller(n);
            let (facts, hits) = sides.request_facts(n, &req, &info, &action, &cache);
            let mut keys: Vec<Key> = hits
                .iter()
                .map(|h| {
                    (
                        h.policy.0, h.stmt, h.layer, h.level, h.effect, h.strength, h.firm,
                    )
                })
                .collect();
            keys.sort_unstable();
            keys.dedup();
            let sig = Sig {
                flags: facts.flags,
                scp: facts.scp_levels,
                rcp: facts.rcp_levels,
                hits: keys,
            };
            let next = group_sigs.len() as u32;
            let g = match groups.get(&sig) {
                Some(&g) => g,
                None => {
                    group_sigs.push((sig.flags, sig.scp, sig.rcp, sig.hits.clone()));
                    groups.insert(sig, next);
                    next
                }
            };
            let residual: Vec<StmtHit> = hits.into_iter().filter(|h| !h.firm).collect();
            per.push((g, residual));
        }
        // Which classes each matched statement names.
        let words = names.len().div_ceil(64);
        let mut member: FxHashMap<(u32, u32), Vec<u64>> = FxHashMap::default();
        for (_, _, _, keys) in &group_sigs {
            for k in keys {
                member.entry((k.0, k.1)).or_insert_with(|| {
                    let st = &self.env.policy(crate::iam::PolicyId(k.0)).statements[k.1 as usize];
                    let mut bits = vec![0u64; words];
                    for (j, a) in lowered.iter().enumerate() {
                        if action_in(st, a) {
                            bits[j / 64] |= 1 << (j % 64);
                        }
                    }
                    bits
                });
            }
        }
        let names_class = |p: u32, s: u32, j: usize| member[&(p, s)][j / 64] & (1 << (j % 64)) != 0;
        // Facts per (group, class), deduplicated into one batch.
        let mut uniq: FxHashMap<RequestFacts, u32> = FxHashMap::default();
        let mut batch: Vec<RequestFacts> = Vec::new();
        let mut table: Vec<Vec<u32>> = Vec::with_capacity(group_sigs.len());
        for (flags, scp, rcp, keys) in &group_sigs {
            // Classes that keep the same subset of the group's hits share one fact set.
            let mut by_subset: FxHashMap<Vec<bool>, u32> = FxHashMap::default();
            let mut row = Vec::with_capacity(names.len());
            for (j, action_j) in lowered.iter().enumerate() {
                let subset: Vec<bool> = keys.iter().map(|k| names_class(k.0, k.1, j)).collect();
                // S1: a cross-account request for an owner-only action.
                let cross = flags & (1 << flag::AWS_PRINCIPAL) != 0
                    && flags & (1 << flag::SAME_ACCOUNT) == 0;
                let owner_only = cross && is_owner_only(action_j);
                if !owner_only {
                    if let Some(&id) = by_subset.get(&subset) {
                        row.push(id);
                        continue;
                    }
                }
                let mut hits: Vec<(u8, u8, u8, u8, bool)> = keys
                    .iter()
                    .zip(&subset)
                    .filter(|(_, &member)| member)
                    .map(|(k, _)| (k.2, k.3, k.4, k.5, k.6))
                    .collect();
                hits.sort_unstable();
                hits.dedup();
                let facts = RequestFacts {
                    flags: *flags | if owner_only { 1 << flag::OWNER_ONLY } else { 0 },
                    scp_levels: *scp,
                    rcp_levels: *rcp,
                    hits,
                };
                let id = intern(&mut uniq, &mut batch, facts);
                if !owner_only {
                    by_subset.insert(subset, id);
                }
                row.push(id);
            }
            table.push(row);
        }
        timing(
            &format!(
                "decide_union: {} callers ({} caller sides shared, {} individual) in {} groups, {} classes, {} distinct fact sets",
                callers.len(),
                sides.memo.len(),
                callers.len() - sides.shared_users,
                group_sigs.len(),
                names.len(),
                batch.len()
            ),
            t0,
        );
        let concl = decide(&batch);
        timing("decide_union: rules", t0);
        let res = (0..names.len())
            .map(|j| {
                per.iter()
                    .map(|(g, residual)| {
                        let decision =
                            Decision::from_conclusion(&concl[table[*g as usize][j] as usize]);
                        Direct {
                            decision,
                            conditions: if decision == Decision::Conditional {
                                self.residual_lines(
                                    residual
                                        .iter()
                                        .filter(|h| names_class(h.policy.0, h.stmt, j)),
                                )
                            } else {
                                Vec::new()
                            },
                        }
                    })
                    .collect()
            })
            .collect();
        timing("decide_union: answers", t0);
        res
    }

    /// The residual conditions of a conditional answer, in a canonical order (by layer, level,
    /// policy and statement), so that every path to the same answer lists them alike.
    fn residual_lines<'h>(
        &self,
        hits: impl Iterator<Item = &'h super::matching::StmtHit>,
    ) -> Vec<String> {
        let mut hs: Vec<&super::matching::StmtHit> = hits.collect();
        hs.sort_by_key(|h| (h.layer, h.level, h.policy, h.stmt, h.effect, h.strength));
        let mut out: Vec<String> = Vec::new();
        for h in hs {
            let line = self.residual_line(h);
            if !out.contains(&line) {
                out.push(line);
            }
        }
        out
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
        if action.contains(['*', '?']) {
            if let Some(a) = self.who_can_pattern(action, target, ctx) {
                return a;
            }
        }
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
        let (principals, _) = self.with_chains(access, ctx, None);
        timing("who-can chains", t1);
        let mut notes = self.global_notes();
        notes.extend(self.unknown_resource_note(target.text()));
        WhoCanAnswer {
            action: action.to_string(),
            resource: target.text().to_string(),
            principals,
            notes,
        }
    }

    /// A note when `resource` (a concrete ARN) is not in the environment's inventory: the
    /// answer then rests on the identity side only, and a typo would answer "nobody" quietly.
    pub fn unknown_resource_note(&self, resource: &str) -> Option<String> {
        let probe = Request {
            caller: Caller::Anonymous,
            action: String::new(),
            target: Target::Exact(resource.to_string()),
            context: UserContext::default(),
            session_policies: None,
        };
        if resource == "*" || resource.contains(['*', '?']) {
            return None;
        }
        if self.resource_info(&probe).resource.is_some() {
            return None;
        }
        let arn = crate::iam::Arn::parse(resource)?;
        // Services whose resources the snapshot layout inventories.
        const INVENTORIED: &[&str] =
            &["s3", "lambda", "kms", "sqs", "sns", "secretsmanager", "iam"];
        if !INVENTORIED.contains(&arn.service.as_str()) {
            return None;
        }
        let best = self
            .env
            .resources
            .iter()
            .filter(|r| r.arn.contains(&format!(":{}:", arn.service)))
            .map(|r| (super::edit_distance(resource, &r.arn), &r.arn))
            .min_by_key(|(d, _)| *d);
        let hint = match best {
            Some((d, a)) if d <= 3.max(resource.len() / 6) => format!(" (did you mean `{a}`?)"),
            _ => String::new(),
        };
        Some(format!(
            "{resource} is not in the environment's inventory{hint}: its resource-based policy is unknown, so only identity-side access is shown"
        ))
    }

    /// Notes that apply to every answer on this environment (skipped documents).
    pub fn global_notes(&self) -> Vec<String> {
        let mut n = Vec::new();
        if !self.env.skipped.is_empty() {
            n.push(format!("{} document(s) were skipped (--allow-partial); answers that may depend on them are conditional", self.env.skipped.len()));
        }
        n
    }

    /// Adds principals that reach a role with access through role chains, then renders.
    ///
    /// With `acts` (each direct node's action indices, for reach), also returns for each node
    /// that gains access through a chain the union of the actions of every node with access it
    /// can reach (the `offers` rule), not only those of its witness chain's last role.
    #[allow(clippy::type_complexity)]
    fn with_chains(
        &self,
        mut access: FxHashMap<Node, (Decision, Vec<String>, Vec<String>)>,
        ctx: &UserContext,
        acts: Option<&FxHashMap<Node, Vec<u32>>>,
    ) -> (Vec<PrincipalEntry>, FxHashMap<Node, Vec<u32>>) {
        let mut chained_acts: FxHashMap<Node, Vec<u32>> = FxHashMap::default();
        // Backward search over the assume-role graph from roles with access.
        let mut edges: Vec<(Node, Node, bool)> = Vec::new();
        let mut queue: Vec<usize> = Vec::new();
        let mut seen: FxHashSet<usize> = FxHashSet::default();
        for n in access.keys() {
            if let Node::P(p) = n {
                if let PrincipalKind::Role(r) = self.principal(*p).kind {
                    if seen.insert(r as usize) {
                        queue.push(r as usize);
                    }
                }
            }
        }
        let capable = if queue.is_empty() {
            Vec::new()
        } else {
            self.may_assume_by_identity()
        };
        let tq = std::time::Instant::now();
        let mut visited = 0usize;
        // Level by level: the assumers of a whole frontier are decided in one batch.
        let mut frontier: Vec<usize> = queue;
        while !frontier.is_empty() {
            visited += frontier.len();
            let role_targets: Vec<(Node, Target)> = frontier
                .iter()
                .map(|&r| {
                    (
                        Node::P(self.role_pid(r)),
                        Target::Exact(self.env.roles[r].arn.clone()),
                    )
                })
                .collect();
            let mut owners: Vec<usize> = Vec::new();
            let mut cands: Vec<Node> = Vec::new();
            for (k, &r) in frontier.iter().enumerate() {
                for c in self.assumer_candidates(r, &capable) {
                    owners.push(k);
                    cands.push(c);
                }
            }
            // Candidates are contiguous per role: one group per role of the frontier.
            let mut groups: Vec<(&Target, &[Node])> = Vec::with_capacity(frontier.len());
            let mut start = 0;
            for (k, (_, t)) in role_targets.iter().enumerate() {
                let end = start + owners[start..].iter().take_while(|&&o| o == k).count();
                groups.push((t, &cands[start..end]));
                start = end;
            }
            // Large levels are split in two halves (by candidates) decided in parallel; the
            // answers are concatenated in order.
            let ds = if cands.len() >= 4096 {
                let mut half = 0;
                let mut count = 0;
                while half < groups.len() && count < cands.len() / 2 {
                    count += groups[half].1.len();
                    half += 1;
                }
                let (a, b) = groups.split_at(half);
                let (mut da, db) = rayon::join(
                    || self.decide_by_target(a, "sts:AssumeRole", ctx),
                    || self.decide_by_target(b, "sts:AssumeRole", ctx),
                );
                da.extend(db);
                da
            } else {
                self.decide_by_target(&groups, "sts:AssumeRole", ctx)
            };
            let mut next: Vec<usize> = Vec::new();
            for ((caller, &k), d) in cands.into_iter().zip(&owners).zip(ds) {
                if d.decision == Decision::Deny {
                    continue;
                }
                if let Node::P(p) = &caller {
                    if let PrincipalKind::Role(cr) = self.principal(*p).kind {
                        if seen.insert(cr as usize) {
                            next.push(cr as usize);
                        }
                    }
                }
                edges.push((
                    caller,
                    role_targets[k].0.clone(),
                    d.decision == Decision::Allow,
                ));
            }
            frontier = next;
        }
        timing(
            &format!("chains: {visited} roles searched, {} edges", edges.len()),
            tq,
        );
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
            let n_nodes = nodes.len();
            let mut direct: Vec<Option<(Decision, Vec<String>)>> = vec![None; n_nodes];
            for (n, (d, c, _)) in &access {
                if let Some(&i) = ids.get(n) {
                    direct[i as usize] = Some((*d, c.clone()));
                }
            }
            let targets: Vec<(u32, bool)> = direct
                .iter()
                .enumerate()
                .filter_map(|(i, d)| d.as_ref().map(|(d, _)| (i as u32, *d == Decision::Allow)))
                .collect();
            let (sure, may) = crate::rules::chain::reach_sets(n_nodes, &num, &targets);
            // Witness chains: shortest, by backward search from the targets.
            let mut radj: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n_nodes];
            for &(a, b, f) in &num {
                radj[b as usize].push((a, f));
            }
            let allowed: Vec<u32> = targets.iter().filter(|t| t.1).map(|t| t.0).collect();
            let all: Vec<u32> = targets.iter().map(|t| t.0).collect();
            let next_firm = next_hops(&radj, &allowed, true);
            let next_any = next_hops(&radj, &all, false);
            // The distinct action sets held by nodes with access, and which each node reaches.
            let mut offered: Vec<Vec<u32>> = vec![Vec::new(); n_nodes];
            let mut sets: Vec<Vec<u32>> = Vec::new();
            if let Some(acts) = acts {
                let mut set_ids: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
                let mut holds: Vec<(u32, u32)> = Vec::new();
                for &(i, _) in &targets {
                    if let Some(a) = acts.get(&nodes[i as usize]) {
                        let mut v = a.clone();
                        v.sort_unstable();
                        v.dedup();
                        let next = sets.len() as u32;
                        let id = *set_ids.entry(v.clone()).or_insert_with(|| {
                            sets.push(v);
                            next
                        });
                        holds.push((i, id));
                    }
                }
                let to = std::time::Instant::now();
                let pairs = crate::rules::chain::offers::offers(&num, &holds);
                timing(
                    &format!(
                        "chains: offers ({} action sets held by {} nodes, {} pairs)",
                        sets.len(),
                        holds.len(),
                        pairs.len()
                    ),
                    to,
                );
                for (n, set) in pairs {
                    offered[n as usize].push(set);
                }
            }
            let mut gained: Vec<(Node, Decision, Vec<String>, Vec<String>)> = Vec::new();
            for (i, n) in nodes.iter().enumerate() {
                let (dec, next) = if sure[i] {
                    (Decision::Allow, &next_firm)
                } else if may[i] {
                    (Decision::Conditional, &next_any)
                } else {
                    continue;
                };
                if let Some((cur, _, _)) = access.get(n) {
                    if *cur <= dec {
                        continue;
                    }
                }
                let mut path: Vec<u32> = Vec::new();
                let mut cur = i as u32;
                while let Some(nx) = next[cur as usize] {
                    if nx == cur || path.len() > n_nodes {
                        break;
                    }
                    path.push(nx);
                    cur = nx;
                }
                let mut conds = direct[cur as usize]
                    .as_ref()
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default();
                if dec == Decision::Conditional && conds.is_empty() {
                    conds.push(
                        "allowed if every conditional hop of the role chain is allowed".into(),
                    );
                }
                let via: Vec<String> = path
                    .iter()
                    .map(|&k| self.node_name(&nodes[k as usize]))
                    .collect();
                if acts.is_some() {
                    let mut union: Vec<u32> = offered[i]
                        .iter()
                        .flat_map(|&set| sets[set as usize].iter().copied())
                        .collect();
                    union.sort_unstable();
                    union.dedup();
                    chained_acts.insert(n.clone(), union);
                }
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
        (out, chained_acts)
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
    /// The callers a role's trust policy may let in (before deciding): the principals and
    /// services it names, every principal of a named account that may call sts:AssumeRole by
    /// its identity policies (`capable`), and for `*` every such principal plus the role's own
    /// account.
    pub fn assumer_candidates(&self, r: usize, capable: &[bool]) -> Vec<Node> {
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
        cands
    }

    /// The callers that may assume role `r` (decided), with whether surely.
    pub fn assumers_among(
        &self,
        r: usize,
        ctx: &UserContext,
        capable: &[bool],
    ) -> Vec<(Node, bool)> {
        let cands = self.assumer_candidates(r, capable);
        let target = Target::Exact(self.env.roles[r].arn.clone());
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
        // The targets are decided in parallel (two cores halve the time), then accumulated in
        // order, so the answer does not depend on scheduling.
        use rayon::prelude::*;
        let decided: Vec<(Vec<(String, String)>, Decided)> = targets
            .par_iter()
            .map(|t| {
                let actions = self.catalog.actions_on(&probe_of(t));
                let names: Vec<(String, String)> = actions
                    .iter()
                    .map(|a| (a.full_name(), a.access.as_str().to_string()))
                    .collect();
                let d = self.decide_access(t, &names, ctx);
                (names, d)
            })
            .collect();
        let t0 = std::time::Instant::now();
        let mut acc = ActionAccess::default();
        for (names, d) in decided {
            acc.add(names, d);
        }
        timing("reach: accumulate", t0);
        let mut answer = self.finish_access(acc, "*", resource, ctx);
        timing("reach: finish", t0);
        answer.notes.extend(self.unknown_resource_note(resource));
        answer
    }

    /// Who can perform any action matching an action pattern (`s3:*`, `iam:Put*`) on the
    /// target: every catalog action the pattern names (and that applies to the target) is
    /// decided, and each principal is listed with its best decision and the actions it may
    /// perform. A pattern naming no catalog action is decided literally.
    fn who_can_pattern(
        &self,
        pattern: &str,
        target: &Target,
        ctx: &UserContext,
    ) -> Option<WhoCanAnswer> {
        let names: Vec<(String, String)> = self
            .actions_named(pattern, target.text())
            .iter()
            .map(|a| (a.full_name(), a.access.as_str().to_string()))
            .collect();
        if names.is_empty() {
            return None;
        }
        let mut acc = ActionAccess::default();
        self.collect_access(target, names, ctx, &mut acc);
        Some(self.finish_access(acc, pattern, target.text(), ctx))
    }

    /// Decides the named actions (with their access levels) on one target for every caller,
    /// accumulating each caller's best decision and the actions it may perform.
    fn collect_access(
        &self,
        t: &Target,
        names_levels: Vec<(String, String)>,
        ctx: &UserContext,
        acc: &mut ActionAccess,
    ) {
        let d = self.decide_access(t, &names_levels, ctx);
        acc.add(names_levels, d);
    }

    /// Decides the named actions on one target for every caller, one decision per class of
    /// actions that every relevant statement treats alike.
    fn decide_access(
        &self,
        t: &Target,
        names_levels: &[(String, String)],
        ctx: &UserContext,
    ) -> Decided {
        let callers = self.callers_for(t);
        let names: Vec<String> = names_levels.iter().map(|(n, _)| n.clone()).collect();
        // Equivalence classes of actions: two actions that every relevant statement treats
        // alike get one decision (design notes: "atomic predicates").
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
        let reps: Vec<String> = classes.iter().map(|c| names[c[0]].clone()).collect();
        let decisions = self.decide_classes(&callers, &reps, t, ctx);
        Decided {
            callers,
            classes,
            decisions,
        }
    }

    /// Adds role chains to accumulated access and lists each principal's actions and levels
    /// (for a chained principal: those of every role with access it can reach by a chain).
    fn finish_access(
        &self,
        acc: ActionAccess,
        action: &str,
        resource: &str,
        ctx: &UserContext,
    ) -> WhoCanAnswer {
        let ActionAccess { access, acts, all } = acc;
        let tc = std::time::Instant::now();
        let (mut out, chained) = self.with_chains(access, ctx, Some(&acts));
        timing("reach: chains", tc);
        let by_name: FxHashMap<String, Vec<u32>> = acts
            .into_iter()
            .map(|(n, v)| (self.node_name(&n), v))
            .collect();
        let chained_by_name: FxHashMap<String, Vec<u32>> = chained
            .into_iter()
            .map(|(n, v)| (self.node_name(&n), v))
            .collect();
        for e in &mut out {
            let src = if e.via.is_empty() {
                by_name.get(&e.principal)
            } else {
                chained_by_name.get(&e.principal)
            };
            if let Some(v) = src {
                let mut a: Vec<String> = v.iter().map(|&k| all[k as usize].0.clone()).collect();
                a.sort();
                a.dedup();
                let mut l: Vec<String> = v.iter().map(|&k| all[k as usize].1.clone()).collect();
                l.sort();
                l.dedup();
                e.actions = a;
                e.access = l;
            }
        }
        WhoCanAnswer {
            action: action.to_string(),
            resource: resource.to_string(),
            principals: out,
            notes: self.global_notes(),
        }
    }
}

impl Engine {
    /// Groups `actions` into classes (within a service) that every statement able to touch
    /// `target` matches alike. Statements whose resource cannot match the target are ignored;
    /// owner-only and permission-free actions keep their own class.
    pub fn action_classes(&self, actions: &[String], target: &Target) -> Vec<Vec<usize>> {
        let mut by_service: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
        for (k, a) in actions.iter().enumerate() {
            let svc = a.split(':').next().unwrap_or("").to_ascii_lowercase();
            by_service.entry(svc).or_default().push(k);
        }
        let mut out = Vec::new();
        for (svc, ks) in by_service {
            let names: Vec<String> = ks.iter().map(|&k| actions[k].clone()).collect();
            for class in self.service_action_classes(&svc, &names, target) {
                out.push(class.into_iter().map(|j| ks[j]).collect());
            }
        }
        out
    }

    /// [`Engine::action_classes`] for the actions of one service.
    fn service_action_classes(
        &self,
        svc: &str,
        actions: &[String],
        target: &Target,
    ) -> Vec<Vec<usize>> {
        // Relevant statements: action index candidates for the service whose resource may
        // match the target (conservatively: any variable makes it relevant). Only their
        // action elements matter here, and many statements share one (managed policies,
        // copies of the same grant), so each distinct action element is tested once.
        let mut elements: FxHashMap<(&[String], bool), u32> = FxHashMap::default();
        let mut distinct: Vec<&crate::iam::Statement> = Vec::new();
        for (pi, p) in self.env.policies.iter().enumerate() {
            let pid = crate::iam::PolicyId(pi as u32);
            for &i in self.action_index(pid).candidates(svc) {
                let st = &p.statements[i as usize];
                if super::matching::resource_may_match(st, target) {
                    let key = (st.action.items.as_slice(), st.action.negated);
                    if let std::collections::hash_map::Entry::Vacant(e) = elements.entry(key) {
                        e.insert(distinct.len() as u32);
                        distinct.push(st);
                    }
                }
            }
        }
        let lowered: Vec<String> = actions.iter().map(|a| a.to_ascii_lowercase()).collect();
        let mut by_sig: FxHashMap<Vec<u32>, Vec<usize>> = FxHashMap::default();
        let mut order: Vec<Vec<u32>> = Vec::new();
        for (k, a) in lowered.iter().enumerate() {
            // A statement that names the action only through a value unknown before
            // deployment matches it uncertainly: that must split classes too.
            let mut sig: Vec<u32> = distinct
                .iter()
                .enumerate()
                .filter(|(_, st)| super::matching::action_in(st, a))
                .map(|(j, st)| {
                    let symbolic =
                        self.symbolic_actions && super::matching::symbolic_action_only(st, a);
                    (j as u32) | if symbolic { 1 << 31 } else { 0 }
                })
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
/// Multi-source backward breadth-first search: for each node, the next hop on a shortest
/// chain to one of `sources` (a source points to itself), over firm edges only if asked.
fn next_hops(radj: &[Vec<(u32, bool)>], sources: &[u32], firm_only: bool) -> Vec<Option<u32>> {
    let mut next: Vec<Option<u32>> = vec![None; radj.len()];
    let mut q: VecDeque<u32> = VecDeque::new();
    for &s in sources {
        if next[s as usize].is_none() {
            next[s as usize] = Some(s);
            q.push_back(s);
        }
    }
    while let Some(y) = q.pop_front() {
        for &(x, f) in &radj[y as usize] {
            if (f || !firm_only) && next[x as usize].is_none() {
                next[x as usize] = Some(y);
                q.push_back(x);
            }
        }
    }
    next
}

/// Access accumulated over several actions: best decision per caller, the actions each may
/// perform (indices into `all`), and the (action, access level) names.
#[derive(Default)]
struct ActionAccess {
    access: FxHashMap<Node, (Decision, Vec<String>, Vec<String>)>,
    acts: FxHashMap<Node, Vec<u32>>,
    all: Vec<(String, String)>,
}

/// The decisions of one target: `decisions[class][caller]`, classes as indices into the
/// target's action names.
struct Decided {
    callers: Vec<Node>,
    classes: Vec<Vec<usize>>,
    decisions: Vec<Vec<Direct>>,
}

impl ActionAccess {
    /// Accumulates the decisions of one target whose actions (with access levels) are `names`.
    fn add(&mut self, names: Vec<(String, String)>, d: Decided) {
        let base = self.all.len() as u32;
        self.all.extend(names);
        for (class, ds) in d.classes.into_iter().zip(d.decisions) {
            for (n, d) in d.callers.iter().zip(ds) {
                if d.decision == Decision::Deny {
                    continue;
                }
                let list = self.acts.entry(n.clone()).or_default();
                list.extend(class.iter().map(|&k| base + k as u32));
                match self.access.get_mut(n) {
                    Some(e) if d.decision < e.0 => *e = (d.decision, d.conditions, Vec::new()),
                    Some(_) => {}
                    None => {
                        self.access
                            .insert(n.clone(), (d.decision, d.conditions, Vec::new()));
                    }
                }
            }
        }
    }
}

/// A concrete ARN standing for a target (a pattern's `*` replaced), to look up resource types.
fn probe_of(t: &Target) -> String {
    if let Target::Set(s) = t {
        s.replace('*', "x")
    } else {
        t.text().to_string()
    }
}

/// Numbers a fact set within a batch, adding it when it is new (identical requests are
/// decided once).
fn intern(
    uniq: &mut FxHashMap<RequestFacts, u32>,
    batch: &mut Vec<RequestFacts>,
    facts: RequestFacts,
) -> u32 {
    if let Some(&id) = uniq.get(&facts) {
        return id;
    }
    let id = batch.len() as u32;
    batch.push(facts.clone());
    uniq.insert(facts, id);
    id
}

/// The key under which callers share one computation of the caller-independent part of their
/// caller side (identity, boundary, SCPs, flags): account, kind, boundary and the identity
/// policies that have a caller-independent statement for the question.
#[derive(Hash, PartialEq, Eq)]
struct SideKey {
    account: u32,
    kind: u8,
    boundary: Option<Option<u32>>,
    policies: Vec<u32>,
}

/// Per-question state for [`SideKey`]s: which policies have caller-independent statements for
/// the question ([`super::matching::depends_on_caller`]).
struct CallerSides<'a> {
    engine: &'a Engine,
    /// Per policy: its caller-independent statements naming the action, once computed (the
    /// action is the same for every question).
    independent: Vec<Option<std::rc::Rc<[u32]>>>,
    /// Per policy with such statements: (question number, 1 none of them may match the
    /// question's target / 2 some); an entry of an earlier question is not known for this one.
    state: Vec<(u32, u8)>,
    /// The question number (starts at 1; [`CallerSides::retarget`] moves to the next).
    question: u32,
    /// When set, only statements whose resource element may match this target count (for a
    /// cache that does not filter by target itself).
    target: Option<Target>,
    accounts: FxHashMap<&'a str, u32>,
}

impl<'a> CallerSides<'a> {
    fn new(engine: &'a Engine, target: Option<&Target>) -> CallerSides<'a> {
        CallerSides {
            engine,
            independent: vec![None; engine.env.policies.len()],
            state: vec![(0, 0); engine.env.policies.len()],
            question: 1,
            target: target.cloned(),
            accounts: FxHashMap::default(),
        }
    }

    /// Starts the next question, on `target`.
    fn retarget(&mut self, target: &Target) {
        self.question += 1;
        self.target = Some(target.clone());
    }

    fn shares(
        &mut self,
        pol: crate::iam::PolicyId,
        action: &str,
        cache: &super::matching::ActionCache,
    ) -> bool {
        let e = self.engine;
        let independent = self.independent[pol.0 as usize].get_or_insert_with(|| {
            let ix = e.action_index(pol);
            let stmts = cache.statements_for(e, pol, action);
            stmts
                .iter()
                .copied()
                .filter(|&i| !ix.is_dependent(i))
                .collect()
        });
        if independent.is_empty() {
            return false;
        }
        let Some(t) = &self.target else {
            return true;
        };
        let slot = &mut self.state[pol.0 as usize];
        if slot.0 != self.question {
            let policy = e.env.policy(pol);
            let relevant = independent
                .iter()
                .any(|&i| super::matching::resource_may_match(&policy.statements[i as usize], t));
            *slot = (self.question, if relevant { 2 } else { 1 });
        }
        slot.1 == 2
    }

    /// The sharing key of principal `pid` (a principal's own statements, those depending on
    /// who the caller is, are matched per caller, outside the shared part).
    fn key(
        &mut self,
        pid: Pid,
        action: &str,
        cache: &super::matching::ActionCache,
    ) -> Option<SideKey> {
        let e = self.engine;
        let p = e.principal(pid);
        let kind = match p.kind {
            PrincipalKind::User(_) => 0,
            PrincipalKind::Role(r) if e.env.roles[r as usize].is_service_linked() => 2,
            PrincipalKind::Role(_) => 1,
            PrincipalKind::Root => 3,
        };
        let next = self.accounts.len() as u32;
        let account = *self.accounts.entry(p.account.as_str()).or_insert(next);
        let policies = e
            .identity_policies(pid)
            .iter()
            .filter(|&&pol| self.shares(pol, action, cache))
            .map(|pol| pol.0)
            .collect();
        let boundary = e
            .boundary(pid)
            .map(|b| self.shares(b, action, cache).then_some(b.0));
        Some(SideKey {
            account,
            kind,
            boundary,
            policies,
        })
    }
}

/// A caller side computed once: flags, SCP levels, the caller-independent hits and whether the
/// caller is a service-linked role.
type Side = (u16, u8, Vec<super::matching::StmtHit>, bool);

/// Caller sides shared, within one question (one action set on one target), by the callers
/// with the same [`SideKey`]; statements whose match depends on the caller are matched per
/// caller (exact: the facts equal those of a caller side computed alone).
struct SharedSides<'a> {
    keys: CallerSides<'a>,
    memo: FxHashMap<SideKey, Side>,
    /// Callers whose side came from (or went into) the memo.
    shared_users: usize,
}

impl<'a> SharedSides<'a> {
    /// Sides for questions on `target` (None: the cache filters statements by target).
    fn new(engine: &'a Engine, target: Option<&Target>) -> SharedSides<'a> {
        SharedSides {
            keys: CallerSides::new(engine, target),
            memo: FxHashMap::default(),
            shared_users: 0,
        }
    }

    /// Starts the next question, on `target` (the sides of the previous one are dropped).
    fn retarget(&mut self, target: &Target) {
        self.keys.retarget(target);
        self.memo.clear();
    }

    /// The facts of `req` (whose caller is `n`) and the statements behind them: the target's
    /// flags, the caller side (shared) and the resource side (E2).
    fn request_facts(
        &mut self,
        n: &Node,
        req: &Request,
        info: &super::matching::ResourceInfo,
        action_lc: &str,
        cache: &super::matching::ActionCache,
    ) -> (RequestFacts, Vec<super::matching::StmtHit>) {
        let e = self.keys.engine;
        let rc = super::context::RequestContext {
            engine: e,
            req,
            resource_account: info.account.as_deref(),
            passed_to_service: None,
        };
        let mut facts = RequestFacts::default();
        let mut hits = Vec::new();
        e.target_flags(req, info, action_lc, &mut facts);
        let slr = self.caller_side(n, &rc, info, action_lc, cache, &mut facts, &mut hits);
        e.resource_side(req, info, action_lc, &rc, cache, slr, &mut facts, &mut hits);
        (facts, hits)
    }

    /// The caller side of `n` for the request of `rc` (E2), added to `facts` and `hits`;
    /// returns whether the caller is a service-linked role.
    #[allow(clippy::too_many_arguments)]
    fn caller_side(
        &mut self,
        n: &Node,
        rc: &super::context::RequestContext,
        info: &super::matching::ResourceInfo,
        action_lc: &str,
        cache: &super::matching::ActionCache,
        facts: &mut RequestFacts,
        hits: &mut Vec<super::matching::StmtHit>,
    ) -> bool {
        use super::matching::Part;
        let e = self.keys.engine;
        let req = rc.req;
        let key = match n {
            Node::P(pid) => self.keys.key(*pid, action_lc, cache),
            _ => None,
        };
        let Some(key) = key else {
            return e.caller_side(req, info, action_lc, rc, cache, Part::All, facts, hits);
        };
        self.shared_users += 1;
        let side = self.memo.entry(key).or_insert_with(|| {
            let mut f = RequestFacts::default();
            let mut h = Vec::new();
            let slr = e.caller_side(
                req,
                info,
                action_lc,
                rc,
                cache,
                Part::Independent,
                &mut f,
                &mut h,
            );
            (f.flags, f.scp_levels, h, slr)
        });
        facts.flags |= side.0;
        facts.scp_levels = side.1;
        hits.extend(side.2.iter().cloned());
        // The statements whose match is this caller's own (C13 principal keys).
        let mut scratch = RequestFacts::default();
        e.caller_side(
            req,
            info,
            action_lc,
            rc,
            cache,
            Part::Dependent,
            &mut scratch,
            hits,
        );
        side.3
    }
}
