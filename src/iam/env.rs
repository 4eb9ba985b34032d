//! The environment: accounts, the organization tree, IAM entities, policies and resources,
//! as loaded from a snapshot. Entities refer to policies by [`PolicyId`].

use super::policy::{Policy, PolicyId, ResourceKind};
use rustc_hash::FxHashMap;

/// Index of a user, group or role in its list.
pub type EntityIdx = u32;

/// An IAM user (P1).
#[derive(Debug, Clone)]
pub struct User {
    /// `arn:aws:iam::A:user/path/name`.
    pub arn: String,
    /// User name.
    pub name: String,
    /// Unique id (`AIDA…`).
    pub id: String,
    /// Owning account.
    pub account: String,
    /// Names of the groups the user belongs to.
    pub groups: Vec<String>,
    /// Inline and attached managed policies of the user itself.
    pub policies: Vec<PolicyId>,
    /// Permissions boundary, if any.
    pub boundary: Option<PolicyId>,
    /// IAM tags (key, value).
    pub tags: Vec<(String, String)>,
}

/// An IAM group (P2): a container of policies for its members.
#[derive(Debug, Clone)]
pub struct Group {
    /// Group ARN.
    pub arn: String,
    /// Group name.
    pub name: String,
    /// Owning account.
    pub account: String,
    /// Inline and attached managed policies.
    pub policies: Vec<PolicyId>,
}

/// An IAM role (P3) with its trust policy.
#[derive(Debug, Clone)]
pub struct Role {
    /// `arn:aws:iam::A:role/path/name`.
    pub arn: String,
    /// Role name (no path).
    pub name: String,
    /// Path, e.g. `/` or `/aws-service-role/x.amazonaws.com/`.
    pub path: String,
    /// Unique id (`AROA…`).
    pub id: String,
    /// Owning account.
    pub account: String,
    /// The trust policy (`AssumeRolePolicyDocument`).
    pub trust: PolicyId,
    /// Inline and attached managed policies.
    pub policies: Vec<PolicyId>,
    /// Permissions boundary, if any.
    pub boundary: Option<PolicyId>,
    /// IAM tags (key, value).
    pub tags: Vec<(String, String)>,
    /// Instance profile ARNs holding the role.
    pub instance_profiles: Vec<String>,
}

impl Role {
    /// True for a service-linked role (P8): path `/aws-service-role/…`.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

/// S3 Block Public Access settings (S2) at bucket or account level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`: the one that changes evaluation of a public policy.
    pub restrict_public_buckets: bool,
}

/// Whether the KMS grants of a key were loaded (E8): absent evidence is not evidence of absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grants {
    /// Not applicable (not a KMS key).
    NotApplicable,
    /// No `list-grants` file: grants unknown.
    Unknown,
    /// Loaded: (grantee principal, operations) pairs.
    Loaded(Vec<(String, Vec<String>)>),
}

/// A resource that can carry a resource-based policy.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its ARN.
    pub arn: String,
    /// What kind of resource.
    pub kind: ResourceKind,
    /// Owning account (from the folder, never from an S3 ARN: M3).
    pub account: String,
    /// Region, empty for S3.
    pub region: String,
    /// Resource-based policy, if any.
    pub policy: Option<PolicyId>,
    /// Bucket-level public access block (S3 only).
    pub public_access_block: Option<PublicAccessBlock>,
    /// KMS grants.
    pub grants: Grants,
    /// KMS: true for AWS-managed keys (`alias/aws/…`), which RCPs do not cover.
    pub aws_managed_key: bool,
    /// Lambda: the execution role ARN.
    pub execution_role: Option<String>,
    /// Tags, when the inventory had them.
    pub tags: Vec<(String, String)>,
}

/// A node of the organization tree: the root or an OU.
#[derive(Debug, Clone)]
pub struct OrgNode {
    /// `r-xxxx` or `ou-xxxx-xxxxxxxx`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Parent node id; `None` for the root.
    pub parent: Option<String>,
}

/// The AWS Organization, when the snapshot has one.
#[derive(Debug, Clone, Default)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    /// The management account id (exempt from SCPs and RCPs).
    pub management_account: String,
    /// Root and OUs by id.
    pub nodes: FxHashMap<String, OrgNode>,
    /// Parent node of each account.
    pub account_parent: FxHashMap<String, String>,
    /// SCPs attached to each target (node id or account id).
    pub scps: FxHashMap<String, Vec<PolicyId>>,
    /// RCPs attached to each target (node id or account id).
    pub rcps: FxHashMap<String, Vec<PolicyId>>,
    /// True when the snapshot listed resource control policies at all.
    pub rcps_loaded: bool,
}

impl Organization {
    /// The levels that govern `account`, from the root down to the account itself
    /// (each is a target id: root, OUs, account). Empty when the account is not in the org.
    pub fn path_of(&self, account: &str) -> Vec<String> {
        let mut path = vec![account.to_string()];
        let mut cur = match self.account_parent.get(account) {
            Some(p) => p.clone(),
            None => return Vec::new(),
        };
        let mut guard = 0;
        loop {
            path.push(cur.clone());
            guard += 1;
            match self.nodes.get(&cur).and_then(|n| n.parent.clone()) {
                Some(p) if guard < 64 => cur = p,
                _ => break,
            }
        }
        path.reverse();
        path
    }
}

/// One account of the environment.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// Twelve-digit id.
    pub id: String,
    /// Account-level S3 public access block.
    pub public_access_block: Option<PublicAccessBlock>,
}

/// A problem found while loading (error or warning), naming the file and JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File, relative to the environment root (or as given).
    pub file: String,
    /// JSON path (`$.RoleDetailList[3].AssumeRolePolicyDocument`) or `line:col`.
    pub location: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: at {}: {}", self.file, self.location, self.message)
        }
    }
}

/// Everything iamdl reasons about.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Where it was loaded from.
    pub root: String,
    /// Accounts by id.
    pub accounts: Vec<Account>,
    /// The organization, if any.
    pub org: Option<Organization>,
    /// All IAM users.
    pub users: Vec<User>,
    /// All IAM groups.
    pub groups: Vec<Group>,
    /// All IAM roles.
    pub roles: Vec<Role>,
    /// All policies (identity, trust, resource, SCP, RCP).
    pub policies: Vec<Policy>,
    /// Resources with (or able to carry) resource-based policies.
    pub resources: Vec<Resource>,
    /// Warnings found while loading (unknown files, inventory gaps, odd principals).
    pub warnings: Vec<Diagnostic>,
    /// Documents skipped under `--allow-partial` (each makes dependent answers conditional).
    pub skipped: Vec<Diagnostic>,
}

impl Environment {
    /// Adds a policy, assigning its id.
    pub fn add_policy(&mut self, mut p: Policy) -> PolicyId {
        let id = PolicyId(self.policies.len() as u32);
        p.id = id;
        self.policies.push(p);
        id
    }

    /// The policy with this id.
    pub fn policy(&self, id: PolicyId) -> &Policy {
        &self.policies[id.0 as usize]
    }

    /// The account record for `id`, if the environment has it.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}
