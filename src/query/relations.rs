//! The base relations of the Datalog core, computed by the engine on demand.
//!
//! | relation | columns | meaning |
//! | --- | --- | --- |
//! | `principal(P, Kind)` | principal ARN, `user`/`role`/`root` | the principals of the environment |
//! | `account(P, A)` | principal, account id | the account of a principal |
//! | `env_account(A)` | account id | the accounts of the environment |
//! | `in_org(A)` | account id | accounts that belong to the organization |
//! | `resource(R, Type)` | ARN, type | resources of the environment; each bucket also gives its objects `arn:aws:s3:::B/*` (type `s3-objects`) |
//! | `resource_account(R, B)` | ARN, account id | the owner of a resource (an object set's is its bucket's) |
//! | `policy_names(R, X, Kind)` | ARN, principal, `account`/`arn`/`service`/`any`/`federated` | principals named by the resource's policy |
//! | `allowed(P, A, R)` | principal, action, resource | P may perform A on R directly (decision allow, request context from `with`) |
//! | `conditional(P, A, R)` | principal, action, resource | the direct decision is conditional |
//! | `reaches(P, R)` | principal, resource | P can perform some action on R, directly or through a role chain (`who can reach`) |
//! | `can_assume(P, Role)` | principal, role ARN | P may assume Role for sure (trust + identity, E7) |
//! | `may_assume(P, Role)` | principal, role ARN | P may assume Role, possibly under conditions |
//! | `can_pass(P, Role, S)` | principal, role ARN, service | P can pass Role to service S (P9, decision allow) |
//!
//! Binding rules: `allowed`/`conditional` need the action or the resource bound. With the
//! resource unbound, R ranges over `resource(R, _)` rows the action applies to (bucket actions
//! on buckets, object actions on `arn:aws:s3:::B/*`) or `*` for actions without resource
//! types; with the action unbound, A ranges over the catalog's actions on R. A principal may be
//! given in any form `can` accepts (`user/alice`); results carry full ARNs.

use super::datalog::{BaseRelations, FetchError, Tuple};
use crate::engine::answer::Decision;
use crate::engine::request::*;
use crate::engine::whocan::Node;
use crate::engine::Engine;
use crate::iam::{PrincipalRef, ResourceKind};
use rustc_hash::FxHashMap;

const RELATIONS: &[(&str, &[&str], &str)] = &[
    (
        "principal",
        &["P", "Kind"],
        "the principals of the environment (Kind: user, role, root)",
    ),
    ("account", &["P", "A"], "the account A of principal P"),
    ("env_account", &["A"], "the accounts of the environment"),
    ("in_org", &["A"], "accounts that belong to the organization"),
    (
        "resource",
        &["R", "Type"],
        "resources; each bucket also gives its objects arn:aws:s3:::B/* (type s3-objects)",
    ),
    (
        "resource_account",
        &["R", "B"],
        "the account B that owns resource R",
    ),
    (
        "policy_names",
        &["R", "X", "Kind"],
        "principal X named by R's resource policy (Kind: account, arn, service, any, federated)",
    ),
    (
        "allowed",
        &["P", "A", "R"],
        "P may perform action A on resource R directly (decision allow)",
    ),
    (
        "conditional",
        &["P", "A", "R"],
        "the direct decision for P, A, R is conditional",
    ),
    (
        "reaches",
        &["P", "R"],
        "P can perform some action on R, directly or through a role chain",
    ),
    (
        "can_assume",
        &["P", "Role"],
        "P can assume Role (trust and identity allow, E7)",
    ),
    (
        "may_assume",
        &["P", "Role"],
        "P can assume Role, possibly only under conditions",
    ),
    (
        "can_pass",
        &["P", "Role", "S"],
        "P can pass Role to service S (iam:PassRole and trust, P9)",
    ),
];

/// The engine-backed relations for one request context, with caches.
pub struct EngineRelations<'a> {
    engine: &'a Engine,
    ctx: UserContext,
    who: FxHashMap<(String, String), Vec<(String, Decision)>>,
    assume: Option<Vec<(String, String, bool)>>,
    reach: FxHashMap<String, Vec<String>>,
}

/// The kind name of a resource.
pub fn kind_name(k: ResourceKind) -> &'static str {
    match k {
        ResourceKind::S3Bucket => "s3-bucket",
        ResourceKind::LambdaFunction => "lambda-function",
        ResourceKind::KmsKey => "kms-key",
        ResourceKind::SqsQueue => "sqs-queue",
        ResourceKind::SnsTopic => "sns-topic",
        ResourceKind::Secret => "secret",
        ResourceKind::IamRole => "iam-role",
    }
}

/// The name of a node of the assume-role graph.
pub fn node_name(engine: &Engine, n: &Node) -> String {
    match n {
        Node::P(p) => engine.principal(*p).arn.clone(),
        Node::Service(s) => s.clone(),
        Node::Anonymous => "anonymous".into(),
    }
}

/// A concrete probe ARN for catalog look-ups of a pattern (`b/*` → `b/x`).
pub fn probe(resource: &str) -> String {
    resource.replace(['*', '?'], "x")
}

impl<'a> EngineRelations<'a> {
    /// Relations over `engine` with request context `ctx`.
    pub fn new(engine: &'a Engine, ctx: UserContext) -> EngineRelations<'a> {
        EngineRelations {
            engine,
            ctx,
            who: FxHashMap::default(),
            assume: None,
            reach: FxHashMap::default(),
        }
    }

    /// Resources with types (including each bucket's object set).
    pub fn resources(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        for r in &self.engine.env.resources {
            v.push((r.arn.clone(), kind_name(r.kind).to_string()));
            if r.kind == ResourceKind::S3Bucket {
                v.push((format!("{}/*", r.arn), "s3-objects".into()));
            }
        }
        v
    }

    fn resource_account(&self, arn: &str) -> Option<String> {
        if let Some(i) = self.engine.resource_index(arn) {
            return Some(self.engine.env.resources[i].account.clone());
        }
        if let Some(rest) = arn.strip_prefix("arn:aws:s3:::") {
            let b = rest.split('/').next().unwrap_or(rest);
            return self
                .engine
                .bucket_index(b)
                .map(|i| self.engine.env.resources[i].account.clone());
        }
        crate::iam::Arn::parse(arn)
            .map(|a| a.account.clone())
            .filter(|a| !a.is_empty())
    }

    /// A resource as the engine wants it: `role/NAME` and `user/NAME` become ARNs.
    fn resource_arn(&self, r: &str) -> String {
        if r.starts_with("role/") || r.starts_with("user/") {
            if let Ok(Some((arn, _))) = self.principal_arn(r) {
                return arn;
            }
        }
        r.to_string()
    }

    fn principal_arn(&self, text: &str) -> Result<Option<(String, Caller)>, FetchError> {
        match self.engine.resolve_caller(text) {
            Ok(c) => Ok(Some((self.engine.caller_name(&c), c))),
            Err(m) => {
                if m.contains("did you mean") {
                    Err(FetchError {
                        arg: Some(0),
                        message: m,
                    })
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Decisions of every caller for `action` on `resource` (direct, as who-can finds them).
    fn who(&mut self, action: &str, resource: &str) -> &Vec<(String, Decision)> {
        let key = (action.to_string(), resource.to_string());
        if !self.who.contains_key(&key) {
            let a = self
                .engine
                .who_can(action, &Target::parse(resource), &self.ctx);
            let v = a
                .principals
                .into_iter()
                .filter(|p| p.via.is_empty())
                .map(|p| (p.principal, p.decision))
                .collect();
            self.who.insert(key.clone(), v);
        }
        &self.who[&key]
    }

    fn check_action(&self, action: &str) -> Result<(), FetchError> {
        if self.engine.catalog.action(action).is_none() && !action.contains(['*', '?']) {
            let hint = self
                .engine
                .catalog
                .suggest(action)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(FetchError {
                arg: Some(1),
                message: format!("`{action}` is not in the IAM action catalog{hint}"),
            });
        }
        Ok(())
    }

    /// Resources an action applies to.
    fn resources_for(&self, action: &str) -> Vec<String> {
        let Some(info) = self.engine.catalog.action(action) else {
            return Vec::new();
        };
        if info.resource_types.is_empty() {
            return vec!["*".into()];
        }
        self.resources()
            .into_iter()
            .filter(|(r, _)| {
                self.engine
                    .catalog
                    .actions_on(&probe(r))
                    .iter()
                    .any(|a| a.full_name().eq_ignore_ascii_case(action))
            })
            .map(|(r, _)| r)
            .collect()
    }

    fn decided(
        &mut self,
        want: Decision,
        args: &[Option<String>],
    ) -> Result<Vec<Tuple>, FetchError> {
        let resources: Vec<String> = match &args[2] {
            Some(r) => vec![r.clone()],
            None => {
                let a = args[1].clone().unwrap_or_default();
                self.check_action(&a)?;
                self.resources_for(&a)
            }
        };
        let caller = match &args[0] {
            Some(p) => match self.principal_arn(p)? {
                Some(c) => Some(c),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let mut out = Vec::new();
        for r in resources {
            let actions: Vec<String> = match &args[1] {
                Some(a) => {
                    self.check_action(a)?;
                    vec![a.clone()]
                }
                None => self
                    .engine
                    .catalog
                    .actions_on(&probe(&self.resource_arn(&r)))
                    .iter()
                    .map(|a| a.full_name())
                    .collect(),
            };
            let target = Target::parse(&self.resource_arn(&r));
            if let Some((_, c)) = &caller {
                let classes = if actions.len() > 1 {
                    self.engine.action_classes(&actions, &target)
                } else {
                    vec![(0..actions.len()).collect()]
                };
                for class in classes {
                    let req = Request {
                        caller: c.clone(),
                        action: actions[class[0]].clone(),
                        target: target.clone(),
                        context: self.ctx.clone(),
                        session_policies: None,
                    };
                    if self.engine.can(&req).decision == want {
                        for k in class {
                            out.push(vec![
                                args[0].clone().unwrap_or_default(),
                                actions[k].clone(),
                                r.clone(),
                            ]);
                        }
                    }
                }
            } else {
                for a in actions {
                    let rows: Vec<String> = self
                        .who(&a, &self.resource_arn(&r))
                        .iter()
                        .filter(|(_, d)| *d == want)
                        .map(|(p, _)| p.clone())
                        .collect();
                    for p in rows {
                        out.push(vec![p, a.clone(), r.clone()]);
                    }
                }
            }
        }
        Ok(out)
    }

    fn assume_edges(&mut self) -> &Vec<(String, String, bool)> {
        if self.assume.is_none() {
            let mut v = Vec::new();
            for (r, role) in self.engine.env.roles.iter().enumerate() {
                for (n, firm) in self.engine.assumers(r, &self.ctx) {
                    v.push((node_name(self.engine, &n), role.arn.clone(), firm));
                }
            }
            self.assume = Some(v);
        }
        self.assume.as_ref().unwrap_or_else(|| unreachable!())
    }

    /// Every assume-role edge `(caller, role, certain)` under this context.
    pub fn edges(&mut self) -> Vec<(String, String, bool)> {
        self.assume_edges().clone()
    }
}

fn agrees(args: &[Option<String>], t: &[String]) -> bool {
    args.iter()
        .zip(t)
        .all(|(a, v)| a.as_ref().is_none_or(|a| a == v))
}

impl BaseRelations for EngineRelations<'_> {
    fn describe(&self) -> Vec<(&'static str, &'static [&'static str], &'static str)> {
        RELATIONS.to_vec()
    }

    fn check_binding(&self, name: &str, bound: &[bool]) -> Result<(), FetchError> {
        match name {
            "allowed" | "conditional" if !bound[1] && !bound[2] => Err(FetchError {
                arg: Some(1),
                message: format!(
                    "{name}(P, A, R) with both the action A and the resource R unbound would enumerate every action on every resource: give the action as a string (\"s3:GetObject\") or bind R first, e.g. with resource(R, \"s3-objects\")"
                ),
            }),
            _ => Ok(()),
        }
    }

    fn fetch(&mut self, name: &str, args: &[Option<String>]) -> Result<Vec<Tuple>, FetchError> {
        let e = self.engine;
        let mut out: Vec<Tuple> = match name {
            "principal" | "account" => {
                if let Some(p) = &args[0] {
                    return Ok(match self.principal_arn(p)? {
                        Some((_, Caller::Entity { pid, .. })) => {
                            let row = e.principal(pid);
                            let second = if name == "account" {
                                row.account.clone()
                            } else {
                                kind_of(row.kind).into()
                            };
                            let t = vec![p.clone(), second];
                            if agrees(args, &t) {
                                vec![t]
                            } else {
                                vec![]
                            }
                        }
                        _ => vec![],
                    });
                }
                e.principal_ids()
                    .map(|pid| {
                        let row = e.principal(pid);
                        vec![
                            row.arn.clone(),
                            if name == "account" {
                                row.account.clone()
                            } else {
                                kind_of(row.kind).into()
                            },
                        ]
                    })
                    .collect()
            }
            "env_account" => e.env.accounts.iter().map(|a| vec![a.id.clone()]).collect(),
            "in_org" => match &e.env.org {
                Some(o) => e
                    .env
                    .accounts
                    .iter()
                    .filter(|a| a.id == o.management_account || !o.path_of(&a.id).is_empty())
                    .map(|a| vec![a.id.clone()])
                    .collect(),
                None => vec![],
            },
            "resource" => self
                .resources()
                .into_iter()
                .map(|(a, b)| vec![a, b])
                .collect(),
            "resource_account" => match &args[0] {
                Some(r) => self
                    .resource_account(r)
                    .map(|b| vec![vec![r.clone(), b]])
                    .unwrap_or_default(),
                None => self
                    .resources()
                    .into_iter()
                    .filter_map(|(r, _)| self.resource_account(&r).map(|b| vec![r, b]))
                    .collect(),
            },
            "policy_names" => {
                let rs: Vec<String> = match &args[0] {
                    Some(r) => vec![r.clone()],
                    None => self.resources().into_iter().map(|(r, _)| r).collect(),
                };
                let mut v = Vec::new();
                for r in rs {
                    let idx = e.resource_index(&r).or_else(|| {
                        r.strip_prefix("arn:aws:s3:::")
                            .and_then(|x| e.bucket_index(x.split('/').next().unwrap_or(x)))
                    });
                    let Some(pol) = idx.and_then(|i| e.env.resources[i].policy) else {
                        continue;
                    };
                    for st in &e.env.policy(pol).statements {
                        let Some(pr) = &st.principal else { continue };
                        for item in &pr.items {
                            let (x, k) = match item {
                                PrincipalRef::Any => ("*".to_string(), "any"),
                                PrincipalRef::Account(a) => (a.clone(), "account"),
                                PrincipalRef::Arn(a) => (a.clone(), "arn"),
                                PrincipalRef::Service(s) => (s.clone(), "service"),
                                PrincipalRef::Federated(f) => (f.clone(), "federated"),
                                _ => continue,
                            };
                            v.push(vec![r.clone(), x, k.to_string()]);
                        }
                    }
                }
                v
            }
            "allowed" => self.decided(Decision::Allow, args)?,
            "conditional" => self.decided(Decision::Conditional, args)?,
            "reaches" => {
                let rs: Vec<String> = match &args[1] {
                    Some(r) => vec![r.clone()],
                    None => self.resources().into_iter().map(|(r, _)| r).collect(),
                };
                let want = match &args[0] {
                    Some(p) => match self.principal_arn(p)? {
                        Some((arn, _)) => Some(arn),
                        None => return Ok(vec![]),
                    },
                    None => None,
                };
                let mut v = Vec::new();
                for r in rs {
                    if !self.reach.contains_key(&r) {
                        let a = e.reach(&r, &self.ctx);
                        self.reach.insert(
                            r.clone(),
                            a.principals.into_iter().map(|p| p.principal).collect(),
                        );
                    }
                    for p in &self.reach[&r] {
                        match (&want, &args[0]) {
                            (Some(w), Some(given)) if w == p => {
                                v.push(vec![given.clone(), r.clone()])
                            }
                            (None, _) => v.push(vec![p.clone(), r.clone()]),
                            _ => {}
                        }
                    }
                }
                v
            }
            "can_assume" | "may_assume" => {
                let firm_only = name == "can_assume";
                let p_arn = match &args[0] {
                    Some(p) => match self.principal_arn(p)? {
                        Some((arn, _)) => Some(arn),
                        None => Some(p.clone()),
                    },
                    None => None,
                };
                let role_arn = match &args[1] {
                    Some(r) => match self.principal_arn(r)? {
                        Some((arn, _)) => Some(arn),
                        None => return Ok(vec![]),
                    },
                    None => None,
                };
                self.assume_edges()
                    .iter()
                    .filter(|(c, r, firm)| {
                        (*firm || !firm_only)
                            && p_arn.as_ref().is_none_or(|x| x == c)
                            && role_arn.as_ref().is_none_or(|x| x == r)
                    })
                    .map(|(c, r, _)| {
                        vec![
                            args[0].clone().unwrap_or_else(|| c.clone()),
                            args[1].clone().unwrap_or_else(|| r.clone()),
                        ]
                    })
                    .collect()
            }
            "can_pass" => {
                let roles: Vec<(String, usize)> = match &args[1] {
                    Some(r) => match self.principal_arn(r)? {
                        Some((arn, _)) => e
                            .role_by_arn(&arn)
                            .map(|i| vec![(r.clone(), i)])
                            .unwrap_or_default(),
                        None => vec![],
                    },
                    None => e
                        .env
                        .roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (r.arn.clone(), i))
                        .collect(),
                };
                let callers: Vec<(String, Caller)> = match &args[0] {
                    Some(p) => match self.principal_arn(p)? {
                        Some((_, c)) => vec![(p.clone(), c)],
                        None => vec![],
                    },
                    None => e
                        .principal_ids()
                        .map(|pid| {
                            (
                                e.principal(pid).arn.clone(),
                                Caller::Entity { pid, session: None },
                            )
                        })
                        .collect(),
                };
                let mut v = Vec::new();
                for (rname, ri) in roles {
                    let role = &e.env.roles[ri];
                    let services: Vec<String> = match &args[2] {
                        Some(s) => vec![s.clone()],
                        None => {
                            let mut s: Vec<String> = e
                                .env
                                .policy(role.trust)
                                .statements
                                .iter()
                                .filter_map(|st| st.principal.as_ref())
                                .flat_map(|p| p.items.iter())
                                .filter_map(|i| match i {
                                    PrincipalRef::Service(s) => Some(s.clone()),
                                    _ => None,
                                })
                                .collect();
                            s.sort();
                            s.dedup();
                            s
                        }
                    };
                    for s in services {
                        for (pname, c) in &callers {
                            let a = e.can_pass(c, &role.arn, &s, &self.ctx);
                            if a.decision == Decision::Allow {
                                v.push(vec![pname.clone(), rname.clone(), s.clone()]);
                            }
                        }
                    }
                }
                v
            }
            _ => {
                return Err(FetchError {
                    arg: None,
                    message: format!("unknown relation `{name}`"),
                })
            }
        };
        out.retain(|t| agrees(args, t));
        Ok(out)
    }
}

fn kind_of(k: PrincipalKind) -> &'static str {
    match k {
        PrincipalKind::User(_) => "user",
        PrincipalKind::Role(_) => "role",
        PrincipalKind::Root => "root",
    }
}
