//! Shared helpers for tests that build small environment snapshots on disk.
//!
//! [`Snap`] writes a snapshot folder in the layout of `snapshot-layout.md` (unmodified AWS CLI
//! output shapes: `get-account-authorization-details`, `get-bucket-policy`, `list-keys`, …,
//! and the `organization/` files) into a temporary directory, loads it through
//! [`iamdl::input::load`] and hands back the [`Environment`] or a ready [`Engine`].
//!
//! The fixtures are those of section 0.4 of `iam-semantics.md`: accounts A and B are members of
//! organization `o-exampleorg1` (under one OU, next to the management account), account X is
//! outside the organization. Unless a test changes it, every SCP level carries `FullAWSAccess`
//! and every RCP level `RCPFullAWSAccess`.

#![allow(dead_code)]

use iamdl::engine::answer::{Answer, Decision};
use iamdl::engine::conditions::KeyValue;
use iamdl::engine::request::{Request, Target, UserContext};
use iamdl::engine::Engine;
use iamdl::iam::{Environment, PolicyId, PolicyKind};
use iamdl::input::policy_doc::{parse_policy, DocSource};
use iamdl::input::{load, LoadOptions};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// Account A (member of the organization).
pub const A: &str = "111111111111";
/// Account B (member of the organization).
pub const B: &str = "222222222222";
/// Account X (outside the organization).
pub const X: &str = "999999999999";
/// The organization's management account.
pub const MGMT: &str = "000000000000";
/// The organization.
pub const ORG: &str = "o-exampleorg1";
/// The organization root.
pub const ROOT: &str = "r-ex01";
/// The OU holding accounts A and B.
pub const OU: &str = "ou-ex01-members1";

/// alice (account A, member of group devs).
pub const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
/// bob (account A, no groups).
pub const BOB: &str = "arn:aws:iam::111111111111:user/bob";
/// carol (account X).
pub const CAROL: &str = "arn:aws:iam::999999999999:user/carol";
/// Role App (account A).
pub const APP: &str = "arn:aws:iam::111111111111:role/App";
/// Session s1 of role App.
pub const APP_S1: &str = "arn:aws:sts::111111111111:assumed-role/App/s1";
/// Role Ops (account B).
pub const OPS: &str = "arn:aws:iam::222222222222:role/Ops";
/// Session s1 of role Ops.
pub const OPS_S1: &str = "arn:aws:sts::222222222222:assumed-role/Ops/s1";
/// Bucket b1 (owned by A).
pub const B1: &str = "arn:aws:s3:::b1";
/// Object x of bucket b1.
pub const B1_X: &str = "arn:aws:s3:::b1/x";
/// Every object of b1.
pub const B1_ALL: &str = "arn:aws:s3:::b1/*";
/// Key k1 (account A).
pub const K1: &str = "arn:aws:kms:us-east-1:111111111111:key/k1";
/// Function F (account A).
pub const F: &str = "arn:aws:lambda:us-east-1:111111111111:function:F";

/// Blame kind of an explicit deny.
pub const EXPLICIT: &str = "explicit-deny";
/// Blame kind of an implicit deny ("no … allows").
pub const IMPLICIT: &str = "no-allow";

const DATE: &str = "2024-01-01T00:00:00+00:00";

// ------------------------------------------------------------------------------------------------
// Policy documents.

/// `{"Effect": effect, "Action": action, "Resource": resource}`.
pub fn stmt(effect: &str, action: impl Into<Value>, resource: impl Into<Value>) -> Value {
    json!({"Effect": effect, "Action": action.into(), "Resource": resource.into()})
}

/// `Allow action on resource`.
pub fn allow(action: impl Into<Value>, resource: impl Into<Value>) -> Value {
    stmt("Allow", action, resource)
}

/// `Deny action on resource`.
pub fn deny(action: impl Into<Value>, resource: impl Into<Value>) -> Value {
    stmt("Deny", action, resource)
}

/// A resource-policy statement: `effect principal action [resource]`.
pub fn grant(
    effect: &str,
    principal: Value,
    action: impl Into<Value>,
    resource: Option<&str>,
) -> Value {
    let mut s = json!({"Effect": effect, "Principal": principal, "Action": action.into()});
    if let Some(r) = resource {
        s["Resource"] = json!(r);
    }
    s
}

/// Adds a `Condition` block to a statement.
pub fn when(mut s: Value, condition: Value) -> Value {
    s["Condition"] = condition;
    s
}

/// A policy document with `Version: 2012-10-17`.
pub fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A policy document without `Version` (G3: no variable substitution).
pub fn doc_no_version(statements: Vec<Value>) -> Value {
    json!({"Statement": statements})
}

/// `{"AWS": arn-or-id}`.
pub fn aws(p: &str) -> Value {
    json!({"AWS": p})
}

/// `{"Service": svc}`.
pub fn service(svc: &str) -> Value {
    json!({"Service": svc})
}

/// A role trust policy: `Allow principal sts:AssumeRole`.
pub fn trust(principal: Value) -> Value {
    doc(vec![grant("Allow", principal, "sts:AssumeRole", None)])
}

// ------------------------------------------------------------------------------------------------
// The snapshot builder.

/// One account's content.
#[derive(Default)]
struct Acct {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    managed: Vec<Value>,
    /// (bucket, policy, public access block configuration)
    buckets: Vec<(String, Option<Value>, Option<Value>)>,
    /// (key id, key policy, grants: None = list-grants not loaded)
    keys: Vec<(String, Value, Option<Vec<Value>>)>,
    /// (function name, execution role, function policy)
    functions: Vec<(String, Option<String>, Option<Value>)>,
}

/// An organization policy (SCP or RCP).
struct OrgPolicy {
    id: String,
    name: String,
    rcp: bool,
    aws_managed: bool,
    content: Value,
    targets: Vec<String>,
}

/// Builder of a snapshot folder.
pub struct Snap {
    org: bool,
    accounts: BTreeMap<String, Acct>,
    org_policies: Vec<OrgPolicy>,
    next_id: usize,
}

fn unique_id(prefix: &str, name: &str, acct: &str) -> String {
    let mut s: String = format!("{name}{acct}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    while s.len() < 17 {
        s.push('0');
    }
    s.truncate(17);
    format!("{prefix}{s}")
}

fn all_targets() -> Vec<String> {
    [ROOT, OU, MGMT, A, B]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

impl Default for Snap {
    fn default() -> Self {
        Self::new()
    }
}

impl Snap {
    /// Accounts A and B in organization `o-exampleorg1`, `FullAWSAccess` and
    /// `RCPFullAWSAccess` at every level, no entities.
    pub fn new() -> Snap {
        let mut accounts = BTreeMap::new();
        accounts.insert(A.to_string(), Acct::default());
        accounts.insert(B.to_string(), Acct::default());
        Snap {
            org: true,
            accounts,
            org_policies: vec![
                OrgPolicy {
                    id: "p-FullAWSAccess".into(),
                    name: "FullAWSAccess".into(),
                    rcp: false,
                    aws_managed: true,
                    content: doc(vec![allow("*", "*")]),
                    targets: all_targets(),
                },
                OrgPolicy {
                    id: "p-RCPFullAWSAccess".into(),
                    name: "RCPFullAWSAccess".into(),
                    rcp: true,
                    aws_managed: true,
                    content: doc(vec![grant("Allow", json!("*"), "*", Some("*"))]),
                    targets: all_targets(),
                },
            ],
            next_id: 0,
        }
    }

    /// No `organization/` folder: standalone accounts, no SCPs, no RCPs.
    pub fn no_org(mut self) -> Snap {
        self.org = false;
        self
    }

    fn acct(&mut self, acct: &str) -> &mut Acct {
        self.accounts.entry(acct.to_string()).or_default()
    }

    /// An IAM user with inline policies (one inline policy per document).
    pub fn user(mut self, acct: &str, name: &str, groups: &[&str], policies: Vec<Value>) -> Snap {
        let arn = format!("arn:aws:iam::{acct}:user/{name}");
        let list: Vec<Value> = policies
            .into_iter()
            .enumerate()
            .map(|(i, d)| json!({"PolicyName": format!("{name}-inline-{i}"), "PolicyDocument": d}))
            .collect();
        let u = json!({
            "Path": "/",
            "UserName": name,
            "UserId": unique_id("AIDA", name, acct),
            "Arn": arn,
            "CreateDate": DATE,
            "UserPolicyList": list,
            "GroupList": groups,
            "AttachedManagedPolicies": [],
            "Tags": []
        });
        self.acct(acct).users.push(u);
        self
    }

    /// alice of account A, member of group `devs` (fixture), with inline policies.
    pub fn alice(self, policies: Vec<Value>) -> Snap {
        self.user(A, "alice", &["devs"], policies)
    }

    /// bob of account A, no groups.
    pub fn bob(self, policies: Vec<Value>) -> Snap {
        self.user(A, "bob", &[], policies)
    }

    /// carol of account X.
    pub fn carol(self, policies: Vec<Value>) -> Snap {
        self.user(X, "carol", &[], policies)
    }

    /// An IAM group with inline policies.
    pub fn group(mut self, acct: &str, name: &str, policies: Vec<Value>) -> Snap {
        let list: Vec<Value> = policies
            .into_iter()
            .enumerate()
            .map(|(i, d)| json!({"PolicyName": format!("{name}-inline-{i}"), "PolicyDocument": d}))
            .collect();
        let g = json!({
            "Path": "/",
            "GroupName": name,
            "GroupId": unique_id("AGPA", name, acct),
            "Arn": format!("arn:aws:iam::{acct}:group/{name}"),
            "CreateDate": DATE,
            "GroupPolicyList": list,
            "AttachedManagedPolicies": []
        });
        self.acct(acct).groups.push(g);
        self
    }

    /// An IAM role with its trust policy and inline policies.
    pub fn role(self, acct: &str, name: &str, trust_policy: Value, policies: Vec<Value>) -> Snap {
        let id = unique_id("AROA", name, acct);
        self.role_with_id(acct, name, &id, trust_policy, policies)
    }

    /// An IAM role with a given unique id.
    pub fn role_with_id(
        mut self,
        acct: &str,
        name: &str,
        id: &str,
        trust_policy: Value,
        policies: Vec<Value>,
    ) -> Snap {
        let list: Vec<Value> = policies
            .into_iter()
            .enumerate()
            .map(|(i, d)| json!({"PolicyName": format!("{name}-inline-{i}"), "PolicyDocument": d}))
            .collect();
        let r = json!({
            "Path": "/",
            "RoleName": name,
            "RoleId": id,
            "Arn": format!("arn:aws:iam::{acct}:role/{name}"),
            "CreateDate": DATE,
            "AssumeRolePolicyDocument": trust_policy,
            "InstanceProfileList": [],
            "RolePolicyList": list,
            "AttachedManagedPolicies": [],
            "Tags": [],
            "RoleLastUsed": {}
        });
        self.acct(acct).roles.push(r);
        self
    }

    /// Sets a permissions boundary (a customer-managed policy `Boundary-<name>`) on the user or
    /// role `name` of `acct`.
    pub fn boundary(mut self, acct: &str, name: &str, boundary: Value) -> Snap {
        let parn = format!("arn:aws:iam::{acct}:policy/Boundary-{name}");
        let a = self.acct(acct);
        let pb = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": parn});
        let mut found = false;
        for e in a.users.iter_mut().chain(a.roles.iter_mut()) {
            if e.get("UserName")
                .or_else(|| e.get("RoleName"))
                .and_then(Value::as_str)
                == Some(name)
            {
                e["PermissionsBoundary"] = pb.clone();
                found = true;
            }
        }
        assert!(found, "boundary: no user or role `{name}` in {acct}");
        a.managed.push(json!({
            "PolicyName": format!("Boundary-{name}"),
            "PolicyId": unique_id("ANPA", name, acct),
            "Arn": parn,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 1,
            "IsAttachable": true,
            "CreateDate": DATE,
            "UpdateDate": DATE,
            "PolicyVersionList": [{"Document": boundary, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": DATE}]
        }));
        self
    }

    /// A bucket of `acct`, with or without a bucket policy.
    pub fn bucket(mut self, acct: &str, name: &str, policy: Option<Value>) -> Snap {
        self.acct(acct)
            .buckets
            .push((name.to_string(), policy, None));
        self
    }

    /// The bucket-level public access block of bucket `name` (which must exist).
    pub fn bucket_pab(
        mut self,
        acct: &str,
        name: &str,
        restrict_public_buckets: bool,
        others: bool,
    ) -> Snap {
        let cfg = json!({
            "BlockPublicAcls": others,
            "IgnorePublicAcls": others,
            "BlockPublicPolicy": others,
            "RestrictPublicBuckets": restrict_public_buckets
        });
        let b = self
            .acct(acct)
            .buckets
            .iter_mut()
            .find(|b| b.0 == name)
            .expect("bucket_pab: no such bucket");
        b.2 = Some(cfg);
        self
    }

    /// A KMS key in us-east-1 with its key policy; `grants: None` leaves `list-grants` out.
    pub fn key(
        mut self,
        acct: &str,
        key_id: &str,
        policy: Value,
        grants: Option<Vec<Value>>,
    ) -> Snap {
        self.acct(acct)
            .keys
            .push((key_id.to_string(), policy, grants));
        self
    }

    /// A Lambda function in us-east-1 with its execution role and function policy.
    pub fn function(
        mut self,
        acct: &str,
        name: &str,
        role: Option<&str>,
        policy: Option<Value>,
    ) -> Snap {
        self.acct(acct)
            .functions
            .push((name.to_string(), role.map(str::to_string), policy));
        self
    }

    fn org_policy(mut self, rcp: bool, name: &str, content: Value, targets: &[&str]) -> Snap {
        self.next_id += 1;
        self.org_policies.push(OrgPolicy {
            id: format!("p-vec{:05}", self.next_id),
            name: name.to_string(),
            rcp,
            aws_managed: false,
            content,
            targets: targets.iter().map(|s| s.to_string()).collect(),
        });
        self
    }

    /// A service control policy attached to `targets` (root, OU or account ids).
    pub fn scp(self, name: &str, content: Value, targets: &[&str]) -> Snap {
        self.org_policy(false, name, content, targets)
    }

    /// A resource control policy attached to `targets`.
    pub fn rcp(self, name: &str, content: Value, targets: &[&str]) -> Snap {
        self.org_policy(true, name, content, targets)
    }

    /// Detaches `FullAWSAccess` from `target`.
    pub fn without_full_aws_access_at(mut self, target: &str) -> Snap {
        let p = self
            .org_policies
            .iter_mut()
            .find(|p| p.id == "p-FullAWSAccess")
            .unwrap();
        p.targets.retain(|t| t != target);
        self
    }

    /// Writes the snapshot into `root`.
    pub fn write_to(&self, root: &Path) {
        let put = |rel: &str, v: &Value| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        };
        for (id, a) in &self.accounts {
            let base = format!("accounts/{id}");
            // Groups named by users but not defined are created empty (alice ∈ devs).
            let mut groups = a.groups.clone();
            for u in &a.users {
                for g in u["GroupList"].as_array().unwrap() {
                    let g = g.as_str().unwrap();
                    if !groups.iter().any(|x| x["GroupName"] == g) {
                        groups.push(json!({
                            "Path": "/",
                            "GroupName": g,
                            "GroupId": unique_id("AGPA", g, id),
                            "Arn": format!("arn:aws:iam::{id}:group/{g}"),
                            "CreateDate": DATE,
                            "GroupPolicyList": [],
                            "AttachedManagedPolicies": []
                        }));
                    }
                }
            }
            put(
                &format!("{base}/iam/get-account-authorization-details.json"),
                &json!({
                    "UserDetailList": a.users,
                    "GroupDetailList": groups,
                    "RoleDetailList": a.roles,
                    "Policies": a.managed
                }),
            );
            if !a.buckets.is_empty() {
                let list: Vec<Value> = a
                    .buckets
                    .iter()
                    .map(|b| json!({"Name": b.0, "CreationDate": DATE}))
                    .collect();
                put(
                    &format!("{base}/s3/list-buckets.json"),
                    &json!({"Buckets": list, "Owner": {"DisplayName": format!("acct-{id}"), "ID": format!("{:0>64}", id)}}),
                );
                for (name, policy, pab) in &a.buckets {
                    if let Some(p) = policy {
                        put(
                            &format!("{base}/s3/get-bucket-policy/{name}.json"),
                            &json!({"Policy": p.to_string()}),
                        );
                    }
                    if let Some(c) = pab {
                        put(
                            &format!("{base}/s3/get-public-access-block/{name}.json"),
                            &json!({"PublicAccessBlockConfiguration": c}),
                        );
                    }
                }
            }
            if !a.keys.is_empty() {
                let list: Vec<Value> = a.keys.iter().map(|k| json!({"KeyId": k.0, "KeyArn": format!("arn:aws:kms:us-east-1:{id}:key/{}", k.0)})).collect();
                put(
                    &format!("{base}/kms/list-keys.json"),
                    &json!({"Keys": list}),
                );
                for (kid, policy, grants) in &a.keys {
                    put(
                        &format!("{base}/kms/get-key-policy/{kid}.json"),
                        &json!({"Policy": policy.to_string(), "PolicyName": "default"}),
                    );
                    if let Some(g) = grants {
                        put(
                            &format!("{base}/kms/list-grants/{kid}.json"),
                            &json!({"Grants": g, "Truncated": false}),
                        );
                    }
                }
            }
            if !a.functions.is_empty() {
                let list: Vec<Value> = a
                    .functions
                    .iter()
                    .map(|(n, role, _)| {
                        json!({
                            "FunctionName": n,
                            "FunctionArn": format!("arn:aws:lambda:us-east-1:{id}:function:{n}"),
                            "Runtime": "python3.12",
                            "Role": role,
                            "Handler": "lambda_function.lambda_handler",
                            "Version": "$LATEST",
                            "PackageType": "Zip"
                        })
                    })
                    .collect();
                put(
                    &format!("{base}/lambda/list-functions.json"),
                    &json!({"Functions": list}),
                );
                for (n, _, policy) in &a.functions {
                    if let Some(p) = policy {
                        put(
                            &format!("{base}/lambda/get-policy/{n}.json"),
                            &json!({"Policy": p.to_string(), "RevisionId": "00000000-0000-0000-0000-000000000000"}),
                        );
                    }
                }
            }
        }
        if self.org {
            self.write_org(root, &put);
        }
    }

    fn write_org(&self, _root: &Path, put: &dyn Fn(&str, &Value)) {
        let org_arn =
            |kind: &str, id: &str| format!("arn:aws:organizations::{MGMT}:{kind}/{ORG}/{id}");
        let account = |id: &str| {
            json!({
                "Id": id,
                "Arn": org_arn("account", id),
                "Email": format!("aws-{id}@example.com"),
                "Name": format!("acct-{id}"),
                "Status": "ACTIVE",
                "JoinedMethod": "CREATED",
                "JoinedTimestamp": DATE
            })
        };
        let types = json!([{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}, {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}]);
        put(
            "organization/describe-organization.json",
            &json!({"Organization": {
                "Id": ORG,
                "Arn": format!("arn:aws:organizations::{MGMT}:organization/{ORG}"),
                "FeatureSet": "ALL",
                "MasterAccountArn": org_arn("account", MGMT),
                "MasterAccountId": MGMT,
                "MasterAccountEmail": "aws-management@example.com",
                "AvailablePolicyTypes": types
            }}),
        );
        put(
            "organization/list-roots.json",
            &json!({"Roots": [{"Id": ROOT, "Arn": org_arn("root", ROOT), "Name": "Root", "PolicyTypes": types}]}),
        );
        put(
            "organization/list-accounts.json",
            &json!({"Accounts": [account(MGMT), account(A), account(B)]}),
        );
        put(
            &format!("organization/list-organizational-units-for-parent/{ROOT}.json"),
            &json!({"OrganizationalUnits": [{"Id": OU, "Arn": org_arn("ou", OU), "Name": "Members"}]}),
        );
        put(
            &format!("organization/list-organizational-units-for-parent/{OU}.json"),
            &json!({"OrganizationalUnits": []}),
        );
        put(
            &format!("organization/list-accounts-for-parent/{ROOT}.json"),
            &json!({"Accounts": [account(MGMT)]}),
        );
        put(
            &format!("organization/list-accounts-for-parent/{OU}.json"),
            &json!({"Accounts": [account(A), account(B)]}),
        );
        let summary = |p: &OrgPolicy| {
            let (ty, kind) = if p.rcp {
                ("RESOURCE_CONTROL_POLICY", "resource_control_policy")
            } else {
                ("SERVICE_CONTROL_POLICY", "service_control_policy")
            };
            let arn = if p.aws_managed {
                format!("arn:aws:organizations::aws:policy/{kind}/{}", p.id)
            } else {
                format!("arn:aws:organizations::{MGMT}:policy/{ORG}/{kind}/{}", p.id)
            };
            json!({"Id": p.id, "Arn": arn, "Name": p.name, "Description": p.name, "Type": ty, "AwsManaged": p.aws_managed})
        };
        let scps: Vec<Value> = self
            .org_policies
            .iter()
            .filter(|p| !p.rcp)
            .map(summary)
            .collect();
        let rcps: Vec<Value> = self
            .org_policies
            .iter()
            .filter(|p| p.rcp)
            .map(summary)
            .collect();
        put(
            "organization/list-policies.json",
            &json!({"Policies": scps}),
        );
        put(
            "organization/list-policies.RESOURCE_CONTROL_POLICY.json",
            &json!({"Policies": rcps}),
        );
        for p in &self.org_policies {
            put(
                &format!("organization/describe-policy/{}.json", p.id),
                &json!({"Policy": {"PolicySummary": summary(p), "Content": p.content.to_string()}}),
            );
            let targets: Vec<Value> = p
                .targets
                .iter()
                .map(|t| {
                    let (kind, ty, name) = if t == ROOT {
                        ("root", "ROOT", "Root".to_string())
                    } else if t.starts_with("ou-") {
                        ("ou", "ORGANIZATIONAL_UNIT", "Members".to_string())
                    } else {
                        ("account", "ACCOUNT", format!("acct-{t}"))
                    };
                    json!({"TargetId": t, "Arn": org_arn(kind, t), "Name": name, "Type": ty})
                })
                .collect();
            put(
                &format!("organization/list-targets-for-policy/{}.json", p.id),
                &json!({"Targets": targets}),
            );
        }
    }

    /// Writes the snapshot into a temporary folder and loads it.
    ///
    /// Account X is, by the fixtures, outside the organization: its folder is not listed in
    /// `list-accounts.json`, so the loader treats it as an outside account (with a warning):
    /// no SCPs, `aws:PrincipalOrgID` absent.
    pub fn env(self) -> Environment {
        let dir = tempfile::TempDir::new().unwrap();
        self.write_to(dir.path());
        let outsider = self.org && self.accounts.keys().any(|a| a != A && a != B && a != MGMT);
        if !outsider {
            return match load(dir.path(), &LoadOptions::default()) {
                Ok(env) => {
                    assert!(env.skipped.is_empty());
                    assert!(
                        env.warnings.is_empty(),
                        "load warnings: {:#?}",
                        env.warnings
                    );
                    env
                }
                Err(f) => panic!(
                    "snapshot does not load:\n{}",
                    f.errors
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            };
        }
        // An account folder not listed in the organization is loaded as an outside account,
        // with one warning saying so.
        let env = load(dir.path(), &LoadOptions::default()).expect("strict load");
        assert!(env.skipped.is_empty());
        assert!(
            env.warnings
                .iter()
                .all(|d| d.message.contains("outside the organization")
                    && d.file == format!("accounts/{X}")),
            "load warnings: {:#?}",
            env.warnings
        );
        assert!(
            env.org.as_ref().unwrap().path_of(X).is_empty(),
            "X must be outside the organization"
        );
        env
    }

    /// Writes, loads and builds the engine.
    pub fn engine(self) -> Engine {
        Engine::new(self.env())
    }
}

/// Adds a session policy document to a loaded environment.
pub fn add_session_policy(env: &mut Environment, policy: &Value) -> PolicyId {
    let src = DocSource {
        file: "session".into(),
        json_path: "$".into(),
        name: "session policy".into(),
        arn: None,
        kind: PolicyKind::Session,
    };
    let p = parse_policy(&policy.to_string(), &src).expect("session policy parses");
    env.add_policy(p)
}

// ------------------------------------------------------------------------------------------------
// Requests and expectations.

/// An empty request context.
pub fn ctx() -> UserContext {
    UserContext::default()
}

/// A request context with the given single values.
pub fn ctx_with(pairs: &[(&str, &str)]) -> UserContext {
    let mut c = UserContext::default();
    for (k, v) in pairs {
        c.add(k, v);
    }
    c
}

/// A multivalued key with exactly these values (possibly none: an empty set).
pub fn set_values(c: &mut UserContext, key: &str, values: &[&str]) {
    c.values.insert(
        key.to_ascii_lowercase(),
        KeyValue::Values(values.iter().map(|s| s.to_string()).collect()),
    );
}

/// Asks `who` for `action` on `resource`.
pub fn ask(e: &Engine, who: &str, action: &str, resource: &str, context: UserContext) -> Answer {
    ask_with_session(e, who, action, resource, context, None)
}

/// As [`ask`], with session policies.
pub fn ask_with_session(
    e: &Engine,
    who: &str,
    action: &str,
    resource: &str,
    context: UserContext,
    session_policies: Option<Vec<PolicyId>>,
) -> Answer {
    let caller = e
        .resolve_caller(who)
        .unwrap_or_else(|m| panic!("caller {who}: {m}"));
    let req = Request {
        caller,
        action: action.into(),
        target: Target::parse(resource),
        context,
        session_policies,
    };
    let a = e.can(&req);
    if std::env::var_os("IAMDL_VECTORS_DUMP").is_some() {
        eprintln!("{who} {action} {resource}:\n{a:#?}");
    }
    a
}

/// The decision must be `Allow`.
#[track_caller]
pub fn expect_allow(a: &Answer) {
    assert_eq!(a.decision, Decision::Allow, "expected Allow, got:\n{a:#?}");
}

/// The decision must be a deny whose first blamed layer is `layer` with kind `kind`.
#[track_caller]
pub fn expect_deny(a: &Answer, layer: &str, kind: &str) {
    assert_eq!(
        a.decision,
        Decision::Deny,
        "expected Deny({layer}, {kind}), got:\n{a:#?}"
    );
    let first = a
        .blame
        .first()
        .unwrap_or_else(|| panic!("a deny without blame:\n{a:#?}"));
    assert_eq!(
        (first.layer.as_str(), first.kind.as_str()),
        (layer, kind),
        "first blame; whole answer:\n{a:#?}"
    );
}

/// The decision must be `Conditional` and some residual must mention every `needle`
/// (case-insensitively).
#[track_caller]
pub fn expect_conditional(a: &Answer, needles: &[&str]) {
    assert_eq!(
        a.decision,
        Decision::Conditional,
        "expected Conditional, got:\n{a:#?}"
    );
    let hit = a.conditions.iter().any(|c| {
        let c = c.to_ascii_lowercase();
        needles.iter().all(|n| c.contains(&n.to_ascii_lowercase()))
    });
    assert!(hit, "no residual condition mentions {needles:?}:\n{a:#?}");
}
