//! The engine: the principal table and indexes built once per environment, the facts of each
//! request (`matching`), the rule programs (`crate::rules`) and the answers with their proofs.

pub mod answer;
pub mod conditions;
pub mod context;
pub mod explain;
pub mod matching;
pub mod request;
pub mod whocan;

use crate::catalog::Catalog;
use crate::iam::*;
use answer::*;
use request::*;
use rustc_hash::FxHashMap;

/// One principal of the table: a user, the sessions of a role, or an account root user.
#[derive(Debug, Clone)]
pub struct PrincipalRow {
    /// What it is.
    pub kind: PrincipalKind,
    /// Its ARN.
    pub arn: String,
    /// Its account.
    pub account: String,
}

/// An environment ready for questions.
pub struct Engine {
    /// The loaded environment.
    pub env: Environment,
    /// The IAM action catalog.
    pub catalog: &'static Catalog,
    principals: Vec<PrincipalRow>,
    by_arn: FxHashMap<String, Pid>,
    resources_by_arn: FxHashMap<String, usize>,
    buckets: FxHashMap<String, usize>,
    roles_by_arn: FxHashMap<String, usize>,
    identity: Vec<Vec<PolicyId>>,
    boundaries: Vec<Option<PolicyId>>,
    scp_paths: FxHashMap<String, Vec<Vec<PolicyId>>>,
    rcp_paths: FxHashMap<String, Vec<Vec<PolicyId>>>,
    action_index: Vec<matching::ActionIndex>,
    /// Some statement names an action by a value unknown before deployment (IaC `{{...}}`):
    /// its match depends on the action in a way grouped decisions do not track.
    pub(crate) symbolic_actions: bool,
    account_members: Vec<Pid>,
    by_account: FxHashMap<String, std::ops::Range<usize>>,
}

impl Engine {
    /// Builds the principal table and indexes.
    pub fn new(env: Environment) -> Engine {
        let mut principals = Vec::new();
        let mut identity = Vec::new();
        let mut boundaries = Vec::new();
        let groups: FxHashMap<(&str, &str), &Group> = env
            .groups
            .iter()
            .map(|g| ((g.account.as_str(), g.name.as_str()), g))
            .collect();
        for (i, u) in env.users.iter().enumerate() {
            principals.push(PrincipalRow {
                kind: PrincipalKind::User(i as u32),
                arn: u.arn.clone(),
                account: u.account.clone(),
            });
            let mut pols = u.policies.clone();
            for g in &u.groups {
                if let Some(gr) = groups.get(&(u.account.as_str(), g.as_str())) {
                    pols.extend(gr.policies.iter().copied());
                }
            }
            pols.sort();
            pols.dedup();
            identity.push(pols);
            boundaries.push(u.boundary);
        }
        for (i, r) in env.roles.iter().enumerate() {
            principals.push(PrincipalRow {
                kind: PrincipalKind::Role(i as u32),
                arn: r.arn.clone(),
                account: r.account.clone(),
            });
            identity.push(r.policies.clone());
            boundaries.push(r.boundary);
        }
        for a in &env.accounts {
            principals.push(PrincipalRow {
                kind: PrincipalKind::Root,
                arn: format!("arn:aws:iam::{}:root", a.id),
                account: a.id.clone(),
            });
            identity.push(Vec::new());
            boundaries.push(None);
        }
        let by_arn = principals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.clone(), Pid(i as u32)))
            .collect();
        let resources_by_arn = env
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (r.arn.clone(), i))
            .collect();
        let buckets = env
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == ResourceKind::S3Bucket)
            .map(|(i, r)| (r.arn.trim_start_matches("arn:aws:s3:::").to_string(), i))
            .collect();
        let roles_by_arn = env
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.arn.clone(), i))
            .collect();
        let mut scp_paths = FxHashMap::default();
        let mut rcp_paths = FxHashMap::default();
        if let Some(org) = &env.org {
            for a in &env.accounts {
                if a.id == org.management_account {
                    continue; // E2: the management account is exempt.
                }
                let path = org.path_of(&a.id);
                if path.is_empty() {
                    continue;
                }
                let scps: Vec<Vec<PolicyId>> = path
                    .iter()
                    .map(|t| org.scps.get(t).cloned().unwrap_or_default())
                    .collect();
                scp_paths.insert(a.id.clone(), scps);
                if org.rcps_loaded {
                    let rcps: Vec<Vec<PolicyId>> = path
                        .iter()
                        .map(|t| org.rcps.get(t).cloned().unwrap_or_default())
                        .collect();
                    rcp_paths.insert(a.id.clone(), rcps);
                }
            }
        }
        use rayon::prelude::*;
        let action_index: Vec<matching::ActionIndex> = env
            .policies
            .par_iter()
            .map(matching::ActionIndex::build)
            .collect();
        let symbolic_actions = env.policies.iter().any(|p| {
            p.statements.iter().any(|st| {
                st.action
                    .items
                    .iter()
                    .any(|a| matching::is_template_symbol(a))
            })
        });
        let mut account_members: Vec<Pid> = (0..principals.len() as u32).map(Pid).collect();
        account_members.sort_by(|a, b| {
            principals[a.0 as usize]
                .account
                .cmp(&principals[b.0 as usize].account)
        });
        let mut by_account: FxHashMap<String, std::ops::Range<usize>> = FxHashMap::default();
        let mut start = 0;
        for i in 1..=account_members.len() {
            if i == account_members.len()
                || principals[account_members[i].0 as usize].account
                    != principals[account_members[start].0 as usize].account
            {
                by_account.insert(
                    principals[account_members[start].0 as usize]
                        .account
                        .clone(),
                    start..i,
                );
                start = i;
            }
        }
        Engine {
            account_members,
            by_account,
            action_index,
            symbolic_actions,
            env,
            catalog: Catalog::builtin(),
            principals,
            by_arn,
            resources_by_arn,
            buckets,
            roles_by_arn,
            identity,
            boundaries,
            scp_paths,
            rcp_paths,
        }
    }

    /// The action index of a policy.
    pub fn action_index(&self, p: PolicyId) -> &matching::ActionIndex {
        &self.action_index[p.0 as usize]
    }

    /// The principal table row.
    pub fn principal(&self, pid: Pid) -> &PrincipalRow {
        &self.principals[pid.0 as usize]
    }

    /// All principals of the table.
    pub fn principal_ids(&self) -> impl Iterator<Item = Pid> {
        (0..self.principals.len() as u32).map(Pid)
    }

    /// Principals of one account.
    pub fn principals_of<'a>(&'a self, account: &'a str) -> impl Iterator<Item = Pid> + 'a {
        let r = self.by_account.get(account).cloned().unwrap_or(0..0);
        r.map(|i| self.account_members[i])
    }

    /// Identity policies of a principal (user: own and groups'; role: its own).
    pub fn identity_policies(&self, pid: Pid) -> &[PolicyId] {
        &self.identity[pid.0 as usize]
    }

    /// Permissions boundary of a principal.
    pub fn boundary(&self, pid: Pid) -> Option<PolicyId> {
        self.boundaries[pid.0 as usize]
    }

    /// SCP levels (root … account) that govern principals of `account`; `None` when exempt.
    pub fn scp_levels(&self, account: &str) -> Option<&Vec<Vec<PolicyId>>> {
        self.scp_paths.get(account)
    }

    /// RCP levels that govern resources of `account`.
    pub fn rcp_levels(&self, account: &str) -> Option<&Vec<Vec<PolicyId>>> {
        self.rcp_paths.get(account)
    }

    /// The resource with this ARN.
    pub fn resource_index(&self, arn: &str) -> Option<usize> {
        self.resources_by_arn.get(arn).copied()
    }

    /// The bucket with this name.
    pub fn bucket_index(&self, name: &str) -> Option<usize> {
        self.buckets.get(name).copied()
    }

    /// Adds a session policy (E3 step 7: passed when a session was created, so it is not in
    /// the snapshot) and indexes it; requests name it in `Request::session_policies`.
    pub fn add_session_policy(&mut self, p: Policy) -> PolicyId {
        let ix = matching::ActionIndex::build(&p);
        let id = self.env.add_policy(p);
        self.action_index.push(ix);
        id
    }

    /// The role with this ARN (index into `env.roles`).
    pub fn role_by_arn(&self, arn: &str) -> Option<usize> {
        self.roles_by_arn.get(arn).copied()
    }

    /// The table entry of a role.
    pub fn role_pid(&self, role: usize) -> Pid {
        Pid((self.env.users.len() + role) as u32)
    }

    /// Resolves what a user typed as a principal: a full ARN (user, role, root, or assumed-role
    /// session), `role/NAME`, `user/NAME`, an account id, a service principal, or `anonymous`/`*`.
    pub fn resolve_caller(&self, text: &str) -> Result<Caller, String> {
        let t = text.trim();
        if t == "*" || t.eq_ignore_ascii_case("anonymous") {
            return Ok(Caller::Anonymous);
        }
        if let Some(p) = self.by_arn.get(t) {
            return Ok(Caller::Entity {
                pid: *p,
                session: None,
            });
        }
        if arn::is_account_id(t) {
            if let Some(p) = self.by_arn.get(&format!("arn:aws:iam::{t}:root")) {
                return Ok(Caller::Entity {
                    pid: *p,
                    session: None,
                });
            }
        }
        if let Some(a) = Arn::parse(t) {
            if a.service == "sts" {
                if let Some(rest) = a.resource.strip_prefix("assumed-role/") {
                    if let Some((role, session)) = rest.split_once('/') {
                        let hit = self
                            .env
                            .roles
                            .iter()
                            .position(|r| r.account == a.account && r.name == role);
                        if let Some(ri) = hit {
                            return Ok(Caller::Entity {
                                pid: self.role_pid(ri),
                                session: Some(session.to_string()),
                            });
                        }
                    }
                }
                if a.resource.starts_with("federated-user/") {
                    return Err(format!(
                        "`{t}` is a federated-user session (E10): its ARN does not say which IAM user called GetFederationToken; name it with --federated-by user/NAME (or the account's root)"
                    ));
                }
            }
            return Err(format!(
                "principal `{t}` is not in the environment{}",
                self.suggest_principal(t)
            ));
        }
        if t.ends_with(".amazonaws.com") || t.ends_with(".amazonaws.com.cn") {
            return Ok(Caller::Service(t.to_string()));
        }
        if let Some((kind, name)) = t.split_once('/') {
            let found: Vec<Pid> = self
                .principal_ids()
                .filter(|p| {
                    let row = self.principal(*p);
                    match (kind, row.kind) {
                        ("role", PrincipalKind::Role(r)) => self.env.roles[r as usize].name == name,
                        ("user", PrincipalKind::User(u)) => self.env.users[u as usize].name == name,
                        _ => false,
                    }
                })
                .collect();
            return match found.len() {
                1 => Ok(Caller::Entity {
                    pid: found[0],
                    session: None,
                }),
                0 => Err(format!(
                    "no {kind} named `{name}` in the environment{}",
                    self.suggest_principal(t)
                )),
                _ => Err(format!(
                    "`{t}` is ambiguous: {}; give the full ARN",
                    found
                        .iter()
                        .map(|p| self.principal(*p).arn.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
        }
        Err(format!(
            "cannot read `{t}` as a principal: give an ARN, role/NAME, user/NAME, an account id, a service principal (lambda.amazonaws.com) or `anonymous`"
        ))
    }

    /// A federated-user session (`GetFederationToken`, E10): `session` is the session's ARN
    /// (`arn:aws:sts::A:federated-user/NAME`) or bare name, `by` the IAM user (or account root)
    /// that created it, as [`Engine::resolve_caller`] reads it.
    pub fn federated_session(&self, session: &str, by: &str) -> Result<Caller, String> {
        let creator = match self.resolve_caller(by)? {
            Caller::Entity { pid, session: None }
                if !matches!(self.principal(pid).kind, PrincipalKind::Role(_)) =>
            {
                pid
            }
            _ => {
                return Err(format!(
                    "`{by}` cannot create a federated-user session: only an IAM user or the account root calls GetFederationToken"
                ))
            }
        };
        let account = &self.principal(creator).account;
        let name = match Arn::parse(session.trim()) {
            Some(a) => {
                let name = a
                    .resource
                    .strip_prefix("federated-user/")
                    .filter(|_| a.service == "sts");
                match name {
                    Some(n) if a.account == *account => n.to_string(),
                    Some(_) => {
                        return Err(format!(
                            "`{session}` is in account {}, but `{by}` is in account {account}",
                            a.account
                        ))
                    }
                    None => {
                        return Err(format!(
                            "`{session}` is not a federated-user session ARN (arn:aws:sts::ACCOUNT:federated-user/NAME)"
                        ))
                    }
                }
            }
            None => session.trim().to_string(),
        };
        if name.is_empty() || name.contains('/') {
            return Err(format!("`{session}` is not a federated-user name"));
        }
        Ok(Caller::Entity {
            pid: creator,
            session: Some(name),
        })
    }

    fn suggest_principal(&self, t: &str) -> String {
        let tail = t.rsplit(['/', ':']).next().unwrap_or(t);
        let best = self
            .principals
            .iter()
            .map(|p| {
                (
                    edit_distance(tail, p.arn.rsplit(['/', ':']).next().unwrap_or("")),
                    &p.arn,
                )
            })
            .min_by_key(|(d, _)| *d);
        match best {
            Some((d, arn)) if d <= 2.max(tail.len() / 3) => format!(" (did you mean `{arn}`?)"),
            _ => String::new(),
        }
    }

    /// A display name for a caller.
    pub fn caller_name(&self, c: &Caller) -> String {
        match c {
            Caller::Entity {
                pid,
                session: Some(s),
            } => {
                let p = self.principal(*pid);
                match p.kind {
                    PrincipalKind::Role(r) => format!(
                        "arn:aws:sts::{}:assumed-role/{}/{}",
                        p.account, self.env.roles[r as usize].name, s
                    ),
                    PrincipalKind::User(_) | PrincipalKind::Root => {
                        format!("arn:aws:sts::{}:federated-user/{}", p.account, s)
                    }
                }
            }
            Caller::Entity { pid, .. } => self.principal(*pid).arn.clone(),
            Caller::Service(s) => s.clone(),
            Caller::Anonymous => "anonymous".into(),
        }
    }

    /// Decides one request and explains it.
    ///
    /// An action pattern (`s3:*`, `iam:Put*`) asks about every catalog action it names that
    /// applies to the resource: the answer is the most permissive of theirs (its `action`
    /// names the concrete action), with a note listing the others that are allowed too.
    pub fn can(&self, req: &Request) -> Answer {
        if req.action.contains(['*', '?']) {
            if let Some(a) = self.can_pattern(req) {
                return a;
            }
        }
        self.can_with(req, None)
    }

    /// The catalog actions an action pattern (`s3:*`, `iam:Put*`) names that apply to a
    /// resource (`*`: every action the pattern names).
    pub fn actions_named(&self, pattern: &str, resource: &str) -> Vec<&crate::catalog::ActionInfo> {
        let pat = pattern.to_ascii_lowercase();
        let applicable: Option<rustc_hash::FxHashSet<String>> = (resource != "*").then(|| {
            self.catalog
                .actions_on(&resource.replace('*', "x"))
                .iter()
                .map(|a| a.full_name())
                .collect()
        });
        self.catalog
            .all_actions()
            .filter(|a| {
                let n = a.full_name();
                crate::iam::pattern::action_matches(&pat, &n.to_ascii_lowercase())
                    && applicable.as_ref().is_none_or(|s| s.contains(&n))
            })
            .collect()
    }

    fn can_pattern(&self, req: &Request) -> Option<Answer> {
        let names: Vec<String> = self
            .actions_named(&req.action, req.target.text())
            .iter()
            .map(|a| a.full_name())
            .collect();
        let mut best: Option<Answer> = None;
        let mut others: Vec<String> = Vec::new();
        for n in names {
            let mut r = req.clone();
            r.action = n.clone();
            let a = self.can_with(&r, None);
            if a.decision != answer::Decision::Deny {
                others.push(n);
            }
            if best.as_ref().is_none_or(|b| a.decision < b.decision) {
                best = Some(a);
            }
        }
        let mut best = best?;
        others.retain(|n| *n != best.action);
        if !others.is_empty() {
            best.notes.push(format!(
                "{} names {} more action(s) that are allowed or conditional: {}",
                req.action,
                others.len(),
                others.join(", ")
            ));
        }
        Some(best)
    }

    /// Decides one request with `iam:PassedToService` known (for `can-pass`).
    pub fn can_with(&self, req: &Request, passed_to_service: Option<&str>) -> Answer {
        let (facts, hits, info) = self.request_facts(req, passed_to_service);
        let concl = crate::rules::decide::decide(std::slice::from_ref(&facts))
            .pop()
            .unwrap_or_default();
        self.explain(req, &facts, &hits, &info, &concl)
    }

    /// P9: can `caller` pass `role` to `service`? Needs `iam:PassRole` on the role (with
    /// `iam:PassedToService` = service) and the role's trust policy allowing the service.
    pub fn can_pass(
        &self,
        caller: &Caller,
        role_arn: &str,
        service: &str,
        context: &UserContext,
    ) -> PassAnswer {
        let pass_req = Request {
            caller: caller.clone(),
            action: "iam:PassRole".into(),
            target: Target::Exact(role_arn.into()),
            context: context.clone(),
            session_policies: None,
        };
        let pass = self.can_with(&pass_req, Some(service));
        let trust_req = Request {
            caller: Caller::Service(service.to_string()),
            action: "sts:AssumeRole".into(),
            target: Target::Exact(role_arn.into()),
            context: context.clone(),
            session_policies: None,
        };
        let mut trust = self.can(&trust_req);
        // The service's missing grant is the trust policy's, in the words of P9.
        for b in &mut trust.blame {
            if b.layer == "resource" && b.kind == "no-allow" {
                b.layer = "trust".into();
                b.message =
                    format!("the trust policy of {role_arn} does not allow {service} to assume it");
            }
        }
        let decision = pass.decision.max(trust.decision);
        let mut conditions = pass.conditions.clone();
        conditions.extend(trust.conditions.iter().cloned());
        let mut reasons = pass.reasons.clone();
        reasons.extend(trust.reasons.iter().cloned());
        let mut blame = pass.blame.clone();
        blame.extend(trust.blame.iter().cloned());
        if self.role_by_arn(role_arn).is_none() {
            blame.push(Blame {
                layer: "trust".into(),
                kind: "no-allow".into(),
                message: format!("role {role_arn} is not in the environment"),
                policies: vec![],
            });
        }
        PassAnswer {
            principal: self.caller_name(caller),
            role: role_arn.into(),
            service: service.into(),
            decision,
            conditions,
            reasons,
            blame,
            pass,
            trust,
        }
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
