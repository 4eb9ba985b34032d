//! The request context as conditions see it (C13): keys known statically from the environment
//! (principal, resource, organization), keys the user supplied, and everything else unknown.

use super::conditions::{ContextLookup, KeyValue};
use super::request::{Caller, PrincipalKind, Request};
use super::Engine;

/// The context of one request, resolving keys lazily.
pub struct RequestContext<'a> {
    /// The engine (for the environment).
    pub engine: &'a Engine,
    /// The request.
    pub req: &'a Request,
    /// The resource's owning account, when known.
    pub resource_account: Option<&'a str>,
    /// `iam:PassedToService`, when the question is a pass to a service.
    pub passed_to_service: Option<&'a str>,
}

fn one(s: impl Into<String>) -> KeyValue {
    KeyValue::Values(vec![s.into()])
}

fn tag(tags: &[(String, String)], key: &str) -> KeyValue {
    // G9: the tag-key part of a key is case-insensitive.
    match tags.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        Some((_, v)) => one(v.clone()),
        None => KeyValue::Absent,
    }
}

impl RequestContext<'_> {
    fn principal_key(&self, key: &str) -> Option<KeyValue> {
        let env = &self.engine.env;
        let (pid, session) = match &self.req.caller {
            Caller::Entity { pid, session } => (*pid, session),
            Caller::Service(svc) => {
                return Some(match key {
                    "aws:principalisawsservice" => one("true"),
                    "aws:principalservicename" => one(svc.clone()),
                    // Principal keys are absent for service principals.
                    k if k.starts_with("aws:principal")
                        || k == "aws:username"
                        || k == "aws:userid" =>
                    {
                        KeyValue::Absent
                    }
                    // Confused-deputy keys are set by the calling service: unknown unless given.
                    _ => return None,
                });
            }
            Caller::Anonymous => {
                return Some(match key {
                    "aws:principalisawsservice" => one("false"),
                    "aws:principaltype" | "aws:userid" => KeyValue::Unknown, // [U] M9
                    k if k.starts_with("aws:principal") || k == "aws:username" => KeyValue::Absent,
                    "aws:sourcearn" | "aws:sourceaccount" | "aws:sourceorgid" => KeyValue::Absent,
                    _ => return None,
                });
            }
        };
        let p = self.engine.principal(pid);
        // E10: a federated-user session of an IAM user or the root user; the other keys
        // (account, organization) are those of its creator.
        if session.is_some() && !matches!(p.kind, PrincipalKind::Role(_)) {
            let v = match key {
                "aws:principalarn" => Some(one(self.engine.caller_name(&self.req.caller))),
                "aws:principaltype" => Some(one("FederatedUser")),
                "aws:username" => Some(KeyValue::Absent),
                "aws:userid" => Some(one(format!(
                    "{}:{}",
                    p.account,
                    session.as_deref().unwrap_or_default()
                ))),
                "aws:tokenissuetime" => Some(KeyValue::Present),
                // Session tags passed to GetFederationToken are not in the snapshot (C13).
                k if k.starts_with("aws:principaltag/") => Some(KeyValue::Unknown),
                _ => None,
            };
            if v.is_some() {
                return v;
            }
        }
        let org = env
            .org
            .as_ref()
            .filter(|o| o.account_parent.contains_key(&p.account));
        let v = match key {
            "aws:principalarn" => one(p.arn.clone()),
            "aws:principalaccount" => one(p.account.clone()),
            "aws:principalorgid" => match org {
                Some(o) => one(o.id.clone()),
                None => KeyValue::Absent,
            },
            "aws:principalorgpaths" => match org {
                Some(o) => {
                    let path = o.path_of(&p.account);
                    let nodes: Vec<&str> = path
                        .iter()
                        .take(path.len().saturating_sub(1))
                        .map(String::as_str)
                        .collect();
                    KeyValue::Values(vec![format!("{}/{}/", o.id, nodes.join("/"))])
                }
                None => KeyValue::Absent,
            },
            "aws:principalisawsservice" => one("false"),
            "aws:principalservicename" => KeyValue::Absent,
            "aws:principaltype" => one(match p.kind {
                PrincipalKind::User(_) => "User",
                PrincipalKind::Role(_) => "AssumedRole",
                PrincipalKind::Root => "Account",
            }),
            "aws:username" => match p.kind {
                PrincipalKind::User(u) => one(env.users[u as usize].name.clone()),
                _ => KeyValue::Absent,
            },
            "aws:userid" => match p.kind {
                PrincipalKind::User(u) => one(env.users[u as usize].id.clone()),
                PrincipalKind::Role(r) => match session {
                    Some(s) => one(format!("{}:{}", env.roles[r as usize].id, s)),
                    None => KeyValue::Unknown,
                },
                PrincipalKind::Root => one(p.account.clone()),
            },
            // Role sessions always use temporary credentials (C11, V64).
            "aws:tokenissuetime" => match p.kind {
                PrincipalKind::Role(_) => KeyValue::Present,
                _ => KeyValue::Unknown,
            },
            "aws:sourceidentity" | "sts:rolesessionname" => match (p.kind, session) {
                (PrincipalKind::Role(_), Some(s)) if key == "sts:rolesessionname" => one(s.clone()),
                _ => KeyValue::Unknown,
            },
            // Direct calls by IAM principals carry no confused-deputy keys (C13).
            "aws:sourcearn" | "aws:sourceaccount" | "aws:sourceorgid" | "aws:sourceorgpaths"
            | "aws:sourceowner" => KeyValue::Absent,
            k if k.starts_with("aws:principaltag/") => {
                let t = &k["aws:principaltag/".len()..];
                match p.kind {
                    PrincipalKind::User(u) => tag(&env.users[u as usize].tags, t),
                    // Session tags can add or override role tags (C13).
                    PrincipalKind::Role(_) => KeyValue::Unknown,
                    PrincipalKind::Root => KeyValue::Absent,
                }
            }
            _ => return None,
        };
        Some(v)
    }

    fn resource_key(&self, key: &str) -> Option<KeyValue> {
        let env = &self.engine.env;
        Some(match key {
            "aws:resourceaccount" => match self.resource_account {
                Some(a) => one(a),
                None => KeyValue::Unknown,
            },
            "aws:resourceorgid" => match self.resource_account.and_then(|a| {
                env.org
                    .as_ref()
                    .filter(|o| o.account_parent.contains_key(a))
            }) {
                Some(o) => one(o.id.clone()),
                None if self.resource_account.is_some() && env.org.is_none() => KeyValue::Absent,
                None => KeyValue::Unknown,
            },
            "iam:passedtoservice" => match self.passed_to_service {
                Some(s) => one(s),
                None => KeyValue::Unknown,
            },
            "kms:calleraccount" => match &self.req.caller {
                Caller::Entity { pid, .. } => one(self.engine.principal(*pid).account.clone()),
                _ => KeyValue::Unknown,
            },
            k if k.starts_with("iam:resourcetag/") => {
                // Tags of a role that is the target (e.g. of sts:AssumeRole or iam:PassRole).
                let t = &k["iam:resourcetag/".len()..];
                match self.engine.role_by_arn(self.req.target.text()) {
                    Some(r) => tag(&env.roles[r].tags, t),
                    None => KeyValue::Unknown,
                }
            }
            _ => return None,
        })
    }
}

impl ContextLookup for RequestContext<'_> {
    fn lookup(&self, key_lc: &str) -> KeyValue {
        if let Some(v) = self.req.context.values.get(key_lc) {
            return v.clone();
        }
        if let Some(v) = self.principal_key(key_lc) {
            return v;
        }
        if let Some(v) = self.resource_key(key_lc) {
            return v;
        }
        KeyValue::Unknown
    }
}

/// True when the value of `key_lc` may depend on who the principal is (so a statement using
/// it cannot be evaluated once for all the principals that hold it). Every key that
/// [`RequestContext`] answers from the caller is listed here.
pub fn is_principal_key(key_lc: &str) -> bool {
    key_lc.starts_with("aws:principal")
        || key_lc.starts_with("aws:source")
        || key_lc == "aws:username"
        || key_lc == "aws:userid"
        || key_lc == "aws:tokenissuetime"
        || key_lc == "kms:calleraccount"
        || key_lc == "sts:rolesessionname"
        || key_lc.starts_with("iam:resourcetag/")
}
