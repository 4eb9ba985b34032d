//! Requests: who asks (a principal of the environment, a service principal or an anonymous
//! caller), for which action, on which resource (one ARN or a set given by a pattern), with
//! which request context.

use crate::engine::conditions::KeyValue;
use crate::iam::PolicyId;
use rustc_hash::FxHashMap;

/// Index into the engine's principal table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid(pub u32);

/// What kind of principal a table entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// IAM user (index into `env.users`).
    User(u32),
    /// Sessions of an IAM role (index into `env.roles`).
    Role(u32),
    /// The account root user.
    Root,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A principal of the environment; for a role, one of its sessions; for an IAM user or
    /// the root user with a `session`, a federated-user session it created with
    /// `GetFederationToken` (E10).
    Entity {
        /// The principal (for a federated-user session: the federating user or root).
        pid: Pid,
        /// Session name: for a role, the role session's name when the question names one
        /// (`assumed-role/R/NAME`); for a user or root, the federated user's name
        /// (`federated-user/NAME`).
        session: Option<String>,
    },
    /// A service principal such as `lambda.amazonaws.com` acting as itself (P7).
    Service(String),
    /// An unauthenticated caller (E11).
    Anonymous,
}

/// The resource of a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One resource ARN, or `*` for actions without resource types (M6).
    Exact(String),
    /// Every resource matching a pattern (`arn:aws:s3:::b/*`): an Allow counts when it can match
    /// some member, a Deny only when it matches all.
    Set(String),
}

impl Target {
    /// Builds a target from text: a string with `*` or `?` (other than the bare `*`) is a set.
    pub fn parse(text: &str) -> Target {
        if text != "*" && crate::iam::pattern::has_wildcard(text) {
            Target::Set(text.to_string())
        } else {
            Target::Exact(text.to_string())
        }
    }

    /// The ARN or pattern text.
    pub fn text(&self) -> &str {
        match self {
            Target::Exact(s) | Target::Set(s) => s,
        }
    }
}

/// Request context supplied by the user (`--context KEY=VALUE`, repeated for several values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserContext {
    /// Lower-cased key → values (or `Absent`).
    pub values: FxHashMap<String, KeyValue>,
}

impl UserContext {
    /// Adds one value for `key` (several calls make a multivalued key).
    pub fn add(&mut self, key: &str, value: &str) {
        let e = self
            .values
            .entry(key.to_ascii_lowercase())
            .or_insert(KeyValue::Values(Vec::new()));
        match e {
            KeyValue::Values(v) => v.push(value.to_string()),
            other => *other = KeyValue::Values(vec![value.to_string()]),
        }
    }

    /// Declares `key` absent from the request.
    pub fn absent(&mut self, key: &str) {
        self.values
            .insert(key.to_ascii_lowercase(), KeyValue::Absent);
    }

    /// Parses `KEY=VALUE`.
    pub fn add_pair(&mut self, pair: &str) -> Result<(), String> {
        match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                self.add(k.trim(), v);
                Ok(())
            }
            _ => Err(format!(
                "`{pair}` is not KEY=VALUE (for example aws:SourceAccount=111111111111)"
            )),
        }
    }

    /// A stable hash-friendly rendering, for caches.
    pub fn fingerprint(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), format!("{v:?}")))
            .collect();
        v.sort();
        v
    }
}

/// One question: can `caller` perform `action` on `target` with this context?
#[derive(Debug, Clone)]
pub struct Request {
    /// The caller.
    pub caller: Caller,
    /// The action as written (`s3:GetObject`).
    pub action: String,
    /// The resource.
    pub target: Target,
    /// User-supplied request context.
    pub context: UserContext,
    /// Session policies passed when the caller's session was created (E3 step 7), if any.
    pub session_policies: Option<Vec<PolicyId>>,
}
