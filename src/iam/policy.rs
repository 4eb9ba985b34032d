//! Policies and statements (G1–G10), normalised: one-or-many lists are lists, `Not*` elements
//! are a flag on the list, and every statement remembers where it came from for proofs.

use super::condition::Condition;

/// Index of a policy in [`crate::iam::Environment::policies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId(pub u32);

/// `Allow` or `Deny` (G4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies; a matching deny ends evaluation (E3).
    Deny,
}

/// The policy language version (G3); variables are substituted only under `2012-10-17`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2012-10-17`.
    V2012,
    /// `2008-10-17`.
    V2008,
    /// No `Version` element.
    Absent,
}

impl PolicyVersion {
    /// True when policy variables such as `${aws:username}` are substituted (M9).
    pub fn substitutes_variables(self) -> bool {
        self == PolicyVersion::V2012
    }
}

/// A list that may be negated: `Action` vs `NotAction`, `Resource` vs `NotResource`,
/// `Principal` vs `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negatable<T> {
    /// True for the `Not…` form.
    pub negated: bool,
    /// The listed items.
    pub items: T,
}

/// One entry of a `Principal` map (G7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalRef {
    /// `"*"` or `{"AWS": "*"}`: everyone, including anonymous callers.
    Any,
    /// A 12-digit account id or `arn:aws:iam::ID:root`: the whole account (M12), stored as the id.
    Account(String),
    /// An `AWS` ARN other than an account root: user, role, assumed-role or federated-user session.
    Arn(String),
    /// A raw unique id (`AIDA…`, `AROA…`) left by a deleted entity: matches nothing (G7, T27).
    UniqueId(String),
    /// An `AWS` value that is not valid (partial wildcard, garbage): matches nothing, reported.
    Invalid(String),
    /// `{"Service": "svc.amazonaws.com"}`.
    Service(String),
    /// `{"Federated": …}`: a web-identity provider or SAML/OIDC provider ARN.
    Federated(String),
    /// `{"CanonicalUser": …}`: an S3 canonical user id.
    CanonicalUser(String),
}

/// A parsed statement (G4).
#[derive(Debug, Clone)]
pub struct Statement {
    /// `Sid`, verbatim.
    pub sid: Option<String>,
    /// Position in the policy's statement list, from 0.
    pub index: usize,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `Action` / `NotAction` patterns, as written.
    pub action: Negatable<Vec<String>>,
    /// `Resource` / `NotResource` patterns; `None` when absent (trust policies, some resource policies).
    pub resource: Option<Negatable<Vec<String>>>,
    /// `Principal` / `NotPrincipal`; `None` in identity policies, boundaries and SCPs.
    pub principal: Option<Negatable<Vec<PrincipalRef>>>,
    /// Conditions, one entry per (operator, key); all must hold (C1).
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// A short label for explanations: the Sid, or `#index`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("#{}", self.index),
        }
    }
}

/// The kinds of resource that carry a resource-based policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// S3 bucket (its objects share the bucket policy).
    S3Bucket,
    /// Lambda function.
    LambdaFunction,
    /// KMS key.
    KmsKey,
    /// SQS queue.
    SqsQueue,
    /// SNS topic.
    SnsTopic,
    /// Secrets Manager secret.
    Secret,
    /// IAM role (its trust policy is its resource policy).
    IamRole,
}

/// What a policy is, which decides where it applies (E2) and how it is named in explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An inline policy of a user, group or role.
    Inline,
    /// A customer-managed policy.
    CustomerManaged,
    /// An AWS-managed policy.
    AwsManaged,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A resource-based policy on a resource of the given kind (trust policies use `IamRole`).
    Resource(ResourceKind),
    /// A session policy passed when a session was created.
    Session,
}

/// A parsed policy document and where it came from.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Its own index.
    pub id: PolicyId,
    /// What kind of policy it is.
    pub kind: PolicyKind,
    /// A name for humans: policy ARN, `inline NAME of role/R`, or the resource policy's file.
    pub name: String,
    /// The policy ARN for managed policies, SCPs and RCPs.
    pub arn: Option<String>,
    /// The file it was read from, relative to the environment root.
    pub file: String,
    /// The JSON path of the document inside that file.
    pub json_path: String,
    /// Language version.
    pub version: PolicyVersion,
    /// Statements in document order.
    pub statements: Vec<Statement>,
}
