#![allow(clippy::type_complexity)]
//! Property tests of the decision engine over random small environments.
//!
//! Each case builds a snapshot folder (the layout of `snapshot-layout.md`: authorization
//! details, bucket lists and policies, KMS keys, an optional organization with SCPs and RCPs)
//! in a temporary directory, loads it with `iamdl::input::load`, and asks every request of a
//! fixed pool (each principal, role session, account root, anonymous and a service principal ×
//! every action/resource pair). Properties:
//!
//! * the engine agrees with the reference evaluator `iamdl::reference` (E3 reference form);
//! * adding an `Allow` statement never lowers an answer (Allow > Conditional > Deny);
//! * adding a `Deny` statement never raises one;
//! * shuffling statements, policies and entities in the files never changes an answer.
//!
//! A few fixed environments check both evaluators against the spec's expected answers.

use std::collections::BTreeMap;
use std::path::Path;

use iamdl::engine::answer::Decision;
use iamdl::engine::request::{Request, Target, UserContext};
use iamdl::engine::Engine;
use iamdl::iam::PolicyKind;
use iamdl::input::policy_doc::{parse_policy, DocSource};
use iamdl::input::{load, LoadOptions};
use iamdl::reference;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

const A: &str = "111111111111";
const B: &str = "222222222222";
const MGMT: &str = "999999999999";
const ORG: &str = "o-test123456";
const ROOT_ID: &str = "r-ab12";
const OU: &str = "ou-ab12-11111111";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111111111111:key/k1";

// ------------------------------------------------------------------------------------------------
// The model of an environment.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Role,
}

/// The possible entities: name, kind, account.
const SLOTS: [(&str, Kind, &str); 5] = [
    ("u0", Kind::User, A),
    ("r0", Kind::Role, A),
    ("u1", Kind::User, B),
    ("r1", Kind::Role, B),
    ("u2", Kind::User, A),
];

fn slot_arn(slot: usize) -> String {
    let (name, kind, acct) = SLOTS[slot];
    match kind {
        Kind::User => format!("arn:aws:iam::{acct}:user/{name}"),
        Kind::Role => format!("arn:aws:iam::{acct}:role/{name}"),
    }
}

#[derive(Debug, Clone)]
struct IdPolicy {
    managed: bool,
    stmts: Vec<Value>,
}

#[derive(Debug, Clone)]
struct Ent {
    slot: usize,
    policies: Vec<IdPolicy>,
    boundary: Option<Vec<Value>>,
    team: Option<&'static str>,
    in_group: bool,
    trust: Vec<Value>,
}

#[derive(Debug, Clone)]
struct Bucket {
    name: &'static str,
    account: &'static str,
    policy: Option<Vec<Value>>,
}

#[derive(Debug, Clone)]
struct Key {
    policy: Vec<Value>,
    /// 0: no list-grants file (grants unknown); 1: no grants; 2: a Decrypt grant to u0;
    /// 3: a Decrypt grant to role r0.
    grants: u8,
}

#[derive(Debug, Clone)]
struct Org {
    mgmt_is_a: bool,
    b_in_ou: bool,
    /// Level (0 root, 1 OU, 2 account A) whose FullAWSAccess is replaced by an allow-list.
    allow_list_at: Option<u8>,
    /// Deny SCPs: (target level: 0 root, 1 OU, 2 account A, 3 account B; statement).
    scp_denies: Vec<(u8, Value)>,
    /// RCPs: RCPFullAWSAccess everywhere (else only at the root), and deny RCPs.
    rcp: Option<(bool, Vec<(u8, Value)>)>,
}

#[derive(Debug, Clone)]
struct Model {
    two_accounts: bool,
    ents: Vec<Ent>,
    group: Vec<Value>,
    buckets: Vec<Bucket>,
    key: Option<Key>,
    org: Option<Org>,
    /// Index into [`contexts`].
    context: usize,
}

impl Model {
    fn empty(two_accounts: bool) -> Model {
        Model {
            two_accounts,
            ents: vec![],
            group: vec![],
            buckets: vec![],
            key: None,
            org: None,
            context: 0,
        }
    }
    fn ent(&mut self, slot: usize) -> &mut Ent {
        if !self.ents.iter().any(|e| e.slot == slot) {
            self.ents.push(Ent {
                slot,
                policies: vec![],
                boundary: None,
                team: None,
                in_group: false,
                trust: vec![],
            });
        }
        self.ents.iter_mut().find(|e| e.slot == slot).unwrap()
    }
}

fn contexts() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![],
        vec![("aws:SecureTransport", "true")],
        vec![("aws:SourceIp", "203.0.113.7")],
        vec![
            ("aws:SourceIp", "198.51.100.1"),
            ("aws:SecureTransport", "false"),
        ],
    ]
}

// ------------------------------------------------------------------------------------------------
// Statement pools.

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn cond_pool() -> Vec<Value> {
    vec![
        json!({"StringEquals": {"aws:PrincipalAccount": A}}),
        json!({"StringEquals": {"aws:PrincipalTag/team": "red"}}),
        json!({"StringNotEquals": {"aws:PrincipalTag/team": "red"}}),
        json!({"StringEqualsIfExists": {"aws:PrincipalTag/team": "blue"}}),
        json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        json!({"Bool": {"aws:SecureTransport": "false"}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"StringEquals": {"aws:PrincipalOrgID": ORG}}),
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}),
        json!({"StringNotEquals": {"aws:PrincipalAccount": [A, B]}}),
    ]
}

fn cond() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![3 => Just(None), 2 => select(cond_pool()).prop_map(Some)]
}

fn id_actions() -> Vec<(&'static str, Value)> {
    vec![
        ("Action", s("s3:GetObject")),
        ("Action", s("s3:PutObject")),
        ("Action", s("s3:*")),
        ("Action", s("*")),
        ("NotAction", s("iam:*")),
        ("Action", s("sts:AssumeRole")),
        ("Action", s("kms:Decrypt")),
        ("Action", json!(["s3:GetObject", "kms:*"])),
        ("Action", s("s3:List*")),
    ]
}

fn id_resources() -> Vec<(&'static str, Value)> {
    vec![
        ("Resource", s("*")),
        ("Resource", s("arn:aws:s3:::b1")),
        ("Resource", s("arn:aws:s3:::b1/*")),
        ("Resource", s("arn:aws:s3:::b2/*")),
        ("NotResource", s("arn:aws:s3:::b1/*")),
        (
            "NotResource",
            json!(["arn:aws:s3:::b2", "arn:aws:s3:::b2/*"]),
        ),
        (
            "Resource",
            json!(["arn:aws:iam::111111111111:role/r0", KEY_ARN]),
        ),
        ("Resource", s("arn:aws:iam::*:role/*")),
        ("Resource", s("arn:aws:s3:::b1/${aws:username}/*")),
        ("Resource", s("arn:aws:s3:::b*")),
    ]
}

fn principals() -> Vec<Value> {
    vec![
        s("*"),
        json!({"AWS": "*"}),
        json!({"AWS": A}),
        json!({"AWS": format!("arn:aws:iam::{B}:root")}),
        json!({"AWS": "arn:aws:iam::111111111111:role/r0"}),
        json!({"AWS": "arn:aws:iam::222222222222:role/r1"}),
        json!({"AWS": "arn:aws:iam::111111111111:user/u0"}),
        json!({"AWS": "arn:aws:iam::222222222222:user/u1"}),
        json!({"AWS": "arn:aws:sts::111111111111:assumed-role/r0/s1"}),
        json!({"AWS": "arn:aws:sts::111111111111:federated-user/fed"}),
        json!({"Service": "lambda.amazonaws.com"}),
        // One statement naming both role r0 (entity strength, certain) and the session r0/s1
        // (session strength, uncertain without a session name): C14, see
        // `role_and_session_in_one_statement`.
        json!({"AWS": ["arn:aws:iam::111111111111:role/r0", "arn:aws:sts::111111111111:assumed-role/r0/s1"]}),
        json!({"AWS": ["arn:aws:iam::111111111111:user/u0", "arn:aws:sts::111111111111:assumed-role/r0/s1"]}),
        json!({"AWS": [A, "arn:aws:iam::111111111111:user/u2"]}),
    ]
}

fn stmt(
    allow: bool,
    principal: Option<(&str, Value)>,
    action: (&str, Value),
    resource: Option<(&str, Value)>,
    cond: Option<Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("Effect".into(), s(if allow { "Allow" } else { "Deny" }));
    if let Some((k, v)) = principal {
        m.insert(k.into(), v);
    }
    m.insert(action.0.into(), action.1);
    if let Some((k, v)) = resource {
        m.insert(k.into(), v);
    }
    if let Some(c) = cond {
        m.insert("Condition".into(), c);
    }
    Value::Object(m)
}

fn effect() -> impl Strategy<Value = bool> {
    prop::bool::weighted(0.75)
}

/// A statement of an identity policy, group policy or boundary.
fn id_stmt_of(allow: impl Strategy<Value = bool>) -> impl Strategy<Value = Value> {
    (allow, select(id_actions()), select(id_resources()), cond())
        .prop_map(|(a, act, res, c)| stmt(a, None, act, Some(res), c))
}

fn id_stmt() -> impl Strategy<Value = Value> {
    id_stmt_of(effect())
}

/// Principal or NotPrincipal (only with Deny and an object principal).
fn principal_el(allow: bool, not: bool, p: Value) -> (&'static str, Value) {
    if !allow && not && p.is_object() {
        ("NotPrincipal", p)
    } else {
        ("Principal", p)
    }
}

fn bucket_stmt_of(
    bucket: &'static str,
    allow: impl Strategy<Value = bool>,
) -> impl Strategy<Value = Value> {
    let actions = vec![
        ("Action", s("s3:GetObject")),
        ("Action", s("s3:PutObject")),
        ("Action", s("s3:*")),
        ("Action", s("s3:ListBucket")),
        ("Action", s("*")),
    ];
    let resources = vec![
        ("Resource", s(&format!("arn:aws:s3:::{bucket}/*"))),
        ("Resource", s(&format!("arn:aws:s3:::{bucket}"))),
        (
            "Resource",
            json!([
                format!("arn:aws:s3:::{bucket}"),
                format!("arn:aws:s3:::{bucket}/*")
            ]),
        ),
        ("NotResource", s(&format!("arn:aws:s3:::{bucket}/u0/*"))),
    ];
    (
        allow,
        prop::bool::weighted(0.3),
        select(principals()),
        select(actions),
        select(resources),
        cond(),
    )
        .prop_map(|(a, not, p, act, res, c)| {
            stmt(a, Some(principal_el(a, not, p)), act, Some(res), c)
        })
}

fn trust_stmt_of(allow: impl Strategy<Value = bool>) -> impl Strategy<Value = Value> {
    let actions = vec![("Action", s("sts:AssumeRole")), ("Action", s("sts:*"))];
    (allow, select(principals()), select(actions), cond())
        .prop_map(|(a, p, act, c)| stmt(a, Some(("Principal", p)), act, None, c))
}

fn key_stmt_of(allow: impl Strategy<Value = bool>) -> impl Strategy<Value = Value> {
    let actions = vec![
        ("Action", s("kms:*")),
        ("Action", s("kms:Decrypt")),
        ("Action", s("kms:Encrypt")),
    ];
    (allow, select(principals()), select(actions), cond()).prop_map(|(a, p, act, c)| {
        stmt(
            a,
            Some(("Principal", p)),
            act,
            Some(("Resource", s("*"))),
            c,
        )
    })
}

fn scp_deny() -> impl Strategy<Value = Value> {
    let actions = vec![
        ("Action", s("s3:PutObject")),
        ("Action", s("*")),
        ("Action", s("sts:AssumeRole")),
        ("Action", s("kms:*")),
        ("NotAction", s("s3:*")),
    ];
    (select(actions), cond())
        .prop_map(|(act, c)| stmt(false, None, act, Some(("Resource", s("*"))), c))
}

fn rcp_deny() -> impl Strategy<Value = Value> {
    // E7: the RCPs of the role's account apply to sts:AssumeRole* (STS is an RCP service).
    let actions = vec![
        ("Action", json!(["s3:*", "sts:AssumeRole", "kms:*"])),
        ("Action", s("s3:PutObject")),
        ("Action", s("sts:AssumeRole")),
        ("Action", s("kms:Decrypt")),
    ];
    let conds = vec![
        None,
        Some(json!({"StringNotEqualsIfExists": {"aws:PrincipalAccount": A}})),
        Some(json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}})),
        Some(json!({"Bool": {"aws:SecureTransport": "false"}})),
    ];
    (select(actions), select(conds)).prop_map(|(act, c)| {
        stmt(
            false,
            Some(("Principal", s("*"))),
            act,
            Some(("Resource", s("*"))),
            c,
        )
    })
}

// ------------------------------------------------------------------------------------------------
// Model strategies.

fn ent_gen() -> impl Strategy<
    Value = (
        Vec<IdPolicy>,
        Option<Vec<Value>>,
        Option<&'static str>,
        bool,
        Vec<Value>,
    ),
> {
    let policy = (any::<bool>(), prop::collection::vec(id_stmt(), 1..=3))
        .prop_map(|(managed, stmts)| IdPolicy { managed, stmts });
    (
        prop::collection::vec(policy, 0..=2),
        prop::option::weighted(
            0.3,
            prop::collection::vec(id_stmt_of(prop::bool::weighted(0.85)), 1..=2),
        ),
        select(vec![None, Some("red"), Some("blue")]),
        prop::bool::weighted(0.3),
        prop::collection::vec(trust_stmt_of(prop::bool::weighted(0.85)), 0..=2),
    )
}

fn org_gen() -> impl Strategy<Value = Org> {
    (
        prop::bool::weighted(0.2),
        any::<bool>(),
        prop::option::weighted(0.3, 0u8..3),
        prop::collection::vec((0u8..4, scp_deny()), 0..=2),
        prop::option::weighted(
            0.4,
            (
                prop::bool::weighted(0.7),
                prop::collection::vec((0u8..4, rcp_deny()), 0..=2),
            ),
        ),
    )
        .prop_map(|(mgmt_is_a, b_in_ou, allow_list_at, scp_denies, rcp)| Org {
            mgmt_is_a,
            b_in_ou,
            allow_list_at,
            scp_denies,
            rcp,
        })
}

fn model() -> impl Strategy<Value = Model> {
    (
        any::<bool>(),
        prop::collection::vec(ent_gen(), 5),
        prop::collection::vec(any::<bool>(), 5),
        prop::collection::vec(id_stmt(), 0..=2),
        prop::option::weighted(
            0.75,
            prop::collection::vec(bucket_stmt_of("b1", effect()), 1..=3),
        ),
        prop::option::weighted(
            0.6,
            prop::option::weighted(
                0.6,
                prop::collection::vec(bucket_stmt_of("b2", effect()), 1..=3),
            ),
        ),
        prop::option::weighted(
            0.5,
            (
                prop::collection::vec(key_stmt_of(prop::bool::weighted(0.85)), 1..=3),
                0u8..4,
            ),
        ),
        prop::option::weighted(0.5, org_gen()),
        0..contexts().len(),
    )
        .prop_map(
            |(two_accounts, gens, present, group, b1, b2, key, org, context)| {
                let mut ents = Vec::new();
                for (slot, (g, p)) in gens.into_iter().zip(present).enumerate() {
                    if !p || (!two_accounts && SLOTS[slot].2 == B) || ents.len() == 3 {
                        continue;
                    }
                    let (policies, boundary, team, in_group, trust) = g;
                    let is_user = SLOTS[slot].1 == Kind::User;
                    ents.push(Ent {
                        slot,
                        policies,
                        boundary,
                        team: if is_user { team } else { None },
                        in_group: is_user && in_group,
                        trust: if is_user { vec![] } else { trust },
                    });
                }
                if ents.is_empty() {
                    ents.push(Ent {
                        slot: 0,
                        policies: vec![],
                        boundary: None,
                        team: None,
                        in_group: false,
                        trust: vec![],
                    });
                }
                let mut buckets = vec![Bucket {
                    name: "b1",
                    account: A,
                    policy: b1,
                }];
                if let Some(policy) = b2 {
                    buckets.push(Bucket {
                        name: "b2",
                        account: if two_accounts { B } else { A },
                        policy,
                    });
                }
                let key = key.map(|(policy, grants)| Key { policy, grants });
                Model {
                    two_accounts,
                    ents,
                    group,
                    buckets,
                    key,
                    org,
                    context,
                }
            },
        )
}

// ------------------------------------------------------------------------------------------------
// Writing the snapshot.

/// A deterministic shuffler; seed 0 leaves every order alone.
struct Shuf(u64);

impl Shuf {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        if self.0 == 0 {
            return;
        }
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
    fn doc(&mut self, stmts: &[Value]) -> Value {
        let mut st = stmts.to_vec();
        self.shuffle(&mut st);
        json!({"Version": "2012-10-17", "Statement": st})
    }
}

fn managed_entry(arn: &str, name: &str, doc: Value) -> Value {
    json!({"PolicyName": name, "PolicyId": format!("ANPA{}", name.to_uppercase()), "Arn": arn, "Path": "/", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}]})
}

/// The files of the snapshot, relative path → JSON.
fn files(m: &Model, seed: u64) -> BTreeMap<String, Value> {
    let mut sh = Shuf(seed);
    let mut out = BTreeMap::new();
    let accounts: Vec<&str> = if m.two_accounts { vec![A, B] } else { vec![A] };
    for acct in &accounts {
        let mut users = Vec::new();
        let mut roles = Vec::new();
        let mut managed = Vec::new();
        for e in m.ents.iter().filter(|e| SLOTS[e.slot].2 == *acct) {
            let (name, kind, _) = SLOTS[e.slot];
            let mut inline = Vec::new();
            let mut attached = Vec::new();
            for (i, p) in e.policies.iter().enumerate() {
                let pname = format!("{name}-p{i}");
                if p.managed {
                    let arn = format!("arn:aws:iam::{acct}:policy/{pname}");
                    managed.push(managed_entry(&arn, &pname, sh.doc(&p.stmts)));
                    attached.push(json!({"PolicyName": pname, "PolicyArn": arn}));
                } else {
                    inline.push(json!({"PolicyName": pname, "PolicyDocument": sh.doc(&p.stmts)}));
                }
            }
            sh.shuffle(&mut inline);
            sh.shuffle(&mut attached);
            let mut entry = Map::new();
            entry.insert("Path".into(), s("/"));
            entry.insert("Arn".into(), s(&slot_arn(e.slot)));
            if let Some(b) = &e.boundary {
                let arn = format!("arn:aws:iam::{acct}:policy/{name}-boundary");
                managed.push(managed_entry(&arn, &format!("{name}-boundary"), sh.doc(b)));
                entry.insert(
                    "PermissionsBoundary".into(),
                    json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}),
                );
            }
            entry.insert("AttachedManagedPolicies".into(), Value::Array(attached));
            match kind {
                Kind::User => {
                    entry.insert("UserName".into(), s(name));
                    entry.insert(
                        "UserId".into(),
                        s(&format!("AIDA{}EXAMPLE", name.to_uppercase())),
                    );
                    entry.insert("UserPolicyList".into(), Value::Array(inline));
                    entry.insert(
                        "GroupList".into(),
                        if e.in_group {
                            json!(["devs"])
                        } else {
                            json!([])
                        },
                    );
                    entry.insert(
                        "Tags".into(),
                        match e.team {
                            Some(t) => json!([{"Key": "team", "Value": t}]),
                            None => json!([]),
                        },
                    );
                    users.push(Value::Object(entry));
                }
                Kind::Role => {
                    entry.insert("RoleName".into(), s(name));
                    entry.insert(
                        "RoleId".into(),
                        s(&format!("AROA{}EXAMPLE", name.to_uppercase())),
                    );
                    entry.insert("AssumeRolePolicyDocument".into(), sh.doc(&e.trust));
                    entry.insert("RolePolicyList".into(), Value::Array(inline));
                    entry.insert("InstanceProfileList".into(), json!([]));
                    roles.push(Value::Object(entry));
                }
            }
        }
        let group = json!({"Path": "/", "GroupName": "devs", "GroupId": "AGPADEVSEXAMPLE", "Arn": format!("arn:aws:iam::{acct}:group/devs"),
            "GroupPolicyList": if m.group.is_empty() { json!([]) } else { json!([{"PolicyName": "devs-p", "PolicyDocument": sh.doc(&m.group)}]) },
            "AttachedManagedPolicies": []});
        sh.shuffle(&mut users);
        sh.shuffle(&mut roles);
        sh.shuffle(&mut managed);
        out.insert(
            format!("accounts/{acct}/iam/get-account-authorization-details.json"),
            json!({"UserDetailList": users, "GroupDetailList": [group], "RoleDetailList": roles, "Policies": managed}),
        );
        let mut names = Vec::new();
        for b in m.buckets.iter().filter(|b| b.account == *acct) {
            names.push(json!({"Name": b.name, "CreationDate": "2025-01-01T00:00:00+00:00"}));
            if let Some(p) = &b.policy {
                out.insert(
                    format!("accounts/{acct}/s3/get-bucket-policy/{}.json", b.name),
                    json!({"Policy": sh.doc(p).to_string()}),
                );
            }
        }
        sh.shuffle(&mut names);
        out.insert(
            format!("accounts/{acct}/s3/list-buckets.json"),
            json!({"Buckets": names, "Owner": {"ID": "abc"}}),
        );
    }
    if let Some(k) = &m.key {
        out.insert(
            format!("accounts/{A}/kms/list-keys.json"),
            json!({"Keys": [{"KeyId": "k1", "KeyArn": KEY_ARN}]}),
        );
        out.insert(
            format!("accounts/{A}/kms/get-key-policy/k1.json"),
            json!({"Policy": sh.doc(&k.policy).to_string(), "PolicyName": "default"}),
        );
        let grants = match k.grants {
            0 => None,
            1 => Some(json!([])),
            2 => Some(
                json!([{"KeyId": KEY_ARN, "GrantId": "g1", "GranteePrincipal": "arn:aws:iam::111111111111:user/u0", "Operations": ["Decrypt"]}]),
            ),
            _ => Some(
                json!([{"KeyId": KEY_ARN, "GrantId": "g1", "GranteePrincipal": "arn:aws:iam::111111111111:role/r0", "Operations": ["Decrypt", "Encrypt"]}]),
            ),
        };
        if let Some(g) = grants {
            out.insert(
                format!("accounts/{A}/kms/list-grants/k1.json"),
                json!({"Grants": g, "Truncated": false}),
            );
        }
    }
    if let Some(o) = &m.org {
        org_files(m, o, &mut sh, &mut out);
    }
    out
}

fn org_files(m: &Model, o: &Org, sh: &mut Shuf, out: &mut BTreeMap<String, Value>) {
    let mgmt = if o.mgmt_is_a { A } else { MGMT };
    let acct = |id: &str| json!({"Id": id, "Arn": format!("arn:aws:organizations::{mgmt}:account/{ORG}/{id}"), "Name": id, "Status": "ACTIVE"});
    out.insert(
        "organization/describe-organization.json".into(),
        json!({"Organization": {"Id": ORG, "MasterAccountId": mgmt, "FeatureSet": "ALL"}}),
    );
    out.insert(
        "organization/list-roots.json".into(),
        json!({"Roots": [{"Id": ROOT_ID, "Name": "Root"}]}),
    );
    let mut all = vec![acct(A)];
    let mut under_root = Vec::new();
    let mut under_ou = vec![acct(A)];
    if mgmt == MGMT {
        all.push(acct(MGMT));
        under_root.push(acct(MGMT));
    }
    if m.two_accounts {
        all.push(acct(B));
        if o.b_in_ou {
            under_ou.push(acct(B));
        } else {
            under_root.push(acct(B));
        }
    }
    out.insert(
        "organization/list-accounts.json".into(),
        json!({"Accounts": all}),
    );
    out.insert(
        format!("organization/list-organizational-units-for-parent/{ROOT_ID}.json"),
        json!({"OrganizationalUnits": [{"Id": OU, "Name": "Work"}]}),
    );
    out.insert(
        format!("organization/list-organizational-units-for-parent/{OU}.json"),
        json!({"OrganizationalUnits": []}),
    );
    out.insert(
        format!("organization/list-accounts-for-parent/{ROOT_ID}.json"),
        json!({"Accounts": under_root}),
    );
    out.insert(
        format!("organization/list-accounts-for-parent/{OU}.json"),
        json!({"Accounts": under_ou}),
    );
    let level_target = |l: u8| -> Option<&'static str> {
        match l {
            0 => Some(ROOT_ID),
            1 => Some(OU),
            2 => Some(A),
            _ if m.two_accounts => Some(B),
            _ => None,
        }
    };
    // (id, type, name, statements, targets)
    let mut policies: Vec<(String, &str, String, Vec<Value>, Vec<&str>)> = Vec::new();
    let everywhere: Vec<&str> = [ROOT_ID, OU, A, B, MGMT]
        .into_iter()
        .filter(|t| (*t != B || m.two_accounts) && (*t != MGMT || mgmt == MGMT))
        .collect();
    let full_targets: Vec<&str> = everywhere
        .iter()
        .copied()
        .filter(|t| o.allow_list_at.and_then(level_target) != Some(t))
        .collect();
    let full = stmt(
        true,
        None,
        ("Action", s("*")),
        Some(("Resource", s("*"))),
        None,
    );
    policies.push((
        "p-FullAWSAccess".into(),
        "SERVICE_CONTROL_POLICY",
        "FullAWSAccess".into(),
        vec![full],
        full_targets,
    ));
    if let Some(t) = o.allow_list_at.and_then(level_target) {
        let allow = stmt(
            true,
            None,
            ("Action", json!(["s3:*", "kms:*"])),
            Some(("Resource", s("*"))),
            None,
        );
        policies.push((
            "p-allowlist".into(),
            "SERVICE_CONTROL_POLICY",
            "AllowList".into(),
            vec![allow],
            vec![t],
        ));
    }
    for (i, (l, st)) in o.scp_denies.iter().enumerate() {
        if let Some(t) = level_target(*l) {
            policies.push((
                format!("p-scpdeny{i}"),
                "SERVICE_CONTROL_POLICY",
                format!("ScpDeny{i}"),
                vec![st.clone()],
                vec![t],
            ));
        }
    }
    if let Some((full_everywhere, denies)) = &o.rcp {
        let full = stmt(
            true,
            Some(("Principal", s("*"))),
            ("Action", s("*")),
            Some(("Resource", s("*"))),
            None,
        );
        let targets = if *full_everywhere {
            everywhere.clone()
        } else {
            vec![ROOT_ID]
        };
        policies.push((
            "p-RCPFullAWSAccess".into(),
            "RESOURCE_CONTROL_POLICY",
            "RCPFullAWSAccess".into(),
            vec![full],
            targets,
        ));
        for (i, (l, st)) in denies.iter().enumerate() {
            if let Some(t) = level_target(*l) {
                policies.push((
                    format!("p-rcpdeny{i}"),
                    "RESOURCE_CONTROL_POLICY",
                    format!("RcpDeny{i}"),
                    vec![st.clone()],
                    vec![t],
                ));
            }
        }
    }
    sh.shuffle(&mut policies);
    let mut list = Vec::new();
    for (id, ty, name, stmts, targets) in policies {
        let arn = format!(
            "arn:aws:organizations::{mgmt}:policy/{ORG}/{}/{id}",
            ty.to_lowercase()
        );
        let summary = json!({"Id": id, "Arn": arn, "Name": name, "Type": ty, "AwsManaged": false});
        list.push(summary.clone());
        out.insert(
            format!("organization/describe-policy/{id}.json"),
            json!({"Policy": {"PolicySummary": summary, "Content": sh.doc(&stmts).to_string()}}),
        );
        let ts: Vec<Value> = targets
            .iter()
            .map(|t| json!({"TargetId": t, "Arn": "", "Name": t, "Type": "X"}))
            .collect();
        out.insert(
            format!("organization/list-targets-for-policy/{id}.json"),
            json!({"Targets": ts}),
        );
    }
    out.insert(
        "organization/list-policies.json".into(),
        json!({"Policies": list}),
    );
}

/// Writes the snapshot and loads it.
fn engine_for(m: &Model, seed: u64) -> (Engine, BTreeMap<String, Value>) {
    let fs = files(m, seed);
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, v) in &fs {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    }
    let env = match load(Path::new(dir.path()), &LoadOptions::default()) {
        Ok(env) => env,
        Err(f) => panic!(
            "the generated snapshot does not load: {:?}\n{}",
            f.errors,
            dump(&fs)
        ),
    };
    let mut engine = Engine::new(env);
    // The session policy that `+sp` callers pass (E3 step 7, E10).
    let src = DocSource {
        file: "session".into(),
        json_path: "$".into(),
        name: "session policy".into(),
        arn: None,
        kind: PolicyKind::Session,
    };
    let sp = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "sts:AssumeRole", "kms:Decrypt"], "Resource": "*"}
    ]});
    engine.add_session_policy(parse_policy(&sp.to_string(), &src).expect("session policy"));
    (engine, fs)
}

fn dump(fs: &BTreeMap<String, Value>) -> String {
    serde_json::to_string_pretty(fs).unwrap()
}

// ------------------------------------------------------------------------------------------------
// Requests.

/// (principal text, action, resource) of every request asked of an environment.
fn requests(m: &Model) -> Vec<(String, &'static str, String)> {
    let mut who = Vec::new();
    for e in &m.ents {
        who.push(slot_arn(e.slot));
        let (name, kind, acct) = SLOTS[e.slot];
        if kind == Kind::Role {
            who.push(format!("arn:aws:sts::{acct}:assumed-role/{name}/s1"));
            who.push(format!("arn:aws:sts::{acct}:assumed-role/{name}/s2"));
            who.push(format!("arn:aws:sts::{acct}:assumed-role/{name}/s1+sp"));
        } else {
            // E10: a federated-user session `fed` of the user, without and with a session policy.
            who.push(format!("fed-by:{}", slot_arn(e.slot)));
            who.push(format!("fed-by:{}+sp", slot_arn(e.slot)));
        }
    }
    who.push(A.to_string());
    who.push(format!("fed-by:{A}"));
    who.push(format!("fed-by:{A}+sp"));
    if m.two_accounts {
        who.push(B.to_string());
    }
    who.push("anonymous".into());
    who.push("lambda.amazonaws.com".into());
    let mut what: Vec<(&'static str, String)> = vec![
        ("s3:GetObject", "arn:aws:s3:::b1/x".into()),
        ("s3:GetObject", "arn:aws:s3:::b1/u0/x".into()),
        ("s3:GetObject", "arn:aws:s3:::b2/x".into()),
        ("s3:PutObject", "arn:aws:s3:::b1/x".into()),
        ("s3:PutObject", "arn:aws:s3:::b2/x".into()),
        ("s3:ListBucket", "arn:aws:s3:::b1".into()),
        ("s3:ListBucket", "arn:aws:s3:::b2".into()),
        ("s3:GetObject", "arn:aws:s3:::b3/x".into()),
        ("s3:ListAllMyBuckets", "*".into()),
    ];
    for e in m.ents.iter().filter(|e| SLOTS[e.slot].1 == Kind::Role) {
        what.push(("sts:AssumeRole", slot_arn(e.slot)));
    }
    if m.key.is_some() {
        what.push(("kms:Decrypt", KEY_ARN.into()));
        what.push(("kms:Encrypt", KEY_ARN.into()));
    }
    let mut out = Vec::new();
    for w in &who {
        for (a, r) in &what {
            out.push((w.clone(), *a, r.clone()));
        }
    }
    out
}

fn request(
    engine: &Engine,
    m: &Model,
    (who, action, res): &(String, &'static str, String),
) -> Request {
    // `WHO+sp`: the caller's session was created with the session policy of `engine_for`.
    let (who, sp) = match who.strip_suffix("+sp") {
        Some(w) => (w, true),
        None => (who.as_str(), false),
    };
    let caller = match who.strip_prefix("fed-by:") {
        Some(user) => engine.federated_session("fed", user),
        None => engine.resolve_caller(who),
    }
    .unwrap_or_else(|e| panic!("cannot resolve {who}: {e}"));
    let session_policies = sp.then(|| {
        let last = engine.env.policies.len() - 1;
        vec![engine.env.policies[last].id]
    });
    let mut context = UserContext::default();
    for (k, v) in &contexts()[m.context] {
        context.add(k, v);
    }
    Request {
        caller,
        action: action.to_string(),
        target: Target::parse(res),
        context,
        session_policies,
    }
}

/// The engine's answers to every request, keyed by request.
fn answers(engine: &Engine, m: &Model) -> BTreeMap<(String, &'static str, String), Decision> {
    requests(m)
        .into_iter()
        .map(|q| (q.clone(), engine.can(&request(engine, m, &q)).decision))
        .collect()
}

fn rank(d: Decision) -> u8 {
    match d {
        Decision::Allow => 2,
        Decision::Conditional => 1,
        Decision::Deny => 0,
    }
}

/// `cases` cases, or `PROPTEST_CASES` when set (for longer runs).
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    }
}

// ------------------------------------------------------------------------------------------------
// Adding statements.

#[derive(Debug, Clone)]
enum Place {
    Identity(usize),
    Group,
    Boundary(usize),
    Bucket(usize),
    Trust(usize),
    Key,
    Scp,
}

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        3 => (0usize..3).prop_map(Place::Identity),
        1 => Just(Place::Group),
        1 => (0usize..3).prop_map(Place::Boundary),
        3 => (0usize..2).prop_map(Place::Bucket),
        2 => (0usize..3).prop_map(Place::Trust),
        1 => Just(Place::Key),
        1 => Just(Place::Scp),
    ]
}

/// A statement of each kind with the given effect: (identity/boundary/group, bucket b1,
/// bucket b2, trust, key).
fn extra(allow: bool) -> impl Strategy<Value = (Value, Value, Value, Value, Value)> {
    (
        id_stmt_of(Just(allow)),
        bucket_stmt_of("b1", Just(allow)),
        bucket_stmt_of("b2", Just(allow)),
        trust_stmt_of(Just(allow)),
        key_stmt_of(Just(allow)),
    )
}

/// The model with one more statement at `place`; `None` when the place does not exist or the
/// addition would create a layer that limits (a new boundary).
fn with_added(
    m: &Model,
    place: &Place,
    st: &(Value, Value, Value, Value, Value),
    allow: bool,
) -> Option<Model> {
    let mut m = m.clone();
    match place {
        Place::Identity(i) => {
            let e = m.ents.get_mut(*i)?;
            match e.policies.first_mut() {
                Some(p) => p.stmts.push(st.0.clone()),
                None => e.policies.push(IdPolicy {
                    managed: false,
                    stmts: vec![st.0.clone()],
                }),
            }
        }
        Place::Group => {
            if !m.ents.iter().any(|e| e.in_group) {
                return None;
            }
            m.group.push(st.0.clone())
        }
        // Adding to an existing boundary only: a new boundary is a new limit.
        Place::Boundary(i) => m.ents.get_mut(*i)?.boundary.as_mut()?.push(st.0.clone()),
        Place::Bucket(i) => {
            let b = m.buckets.get_mut(*i)?;
            let s = if b.name == "b1" {
                st.1.clone()
            } else {
                st.2.clone()
            };
            b.policy.get_or_insert_with(Vec::new).push(s);
        }
        Place::Trust(i) => {
            let e = m.ents.get_mut(*i)?;
            if SLOTS[e.slot].1 != Kind::Role {
                return None;
            }
            e.trust.push(st.3.clone());
        }
        Place::Key => m.key.as_mut()?.policy.push(st.4.clone()),
        Place::Scp => {
            // A Deny SCP at the root, or an Allow SCP next to FullAWSAccess (only adds).
            let o = m.org.as_mut()?;
            if allow {
                return None;
            }
            o.scp_denies.push((0, st.0.clone()));
        }
    }
    Some(m)
}

fn check_monotone(
    m: &Model,
    place: &Place,
    st: &(Value, Value, Value, Value, Value),
    allow: bool,
) -> Result<(), TestCaseError> {
    let Some(m2) = with_added(m, place, st, allow) else {
        return Ok(());
    };
    let (e1, f1) = engine_for(m, 0);
    let (e2, f2) = engine_for(&m2, 0);
    let a1 = answers(&e1, m);
    let a2 = answers(&e2, &m2);
    for (q, d1) in &a1 {
        let d2 = a2[q];
        let ok = if allow {
            rank(d2) >= rank(*d1)
        } else {
            rank(d2) <= rank(*d1)
        };
        prop_assert!(
            ok,
            "adding {} {} at {:?} changed {:?} from {:?} to {:?}\nbefore:\n{}\nafter:\n{}",
            if allow { "Allow" } else { "Deny" },
            st.0,
            place,
            q,
            d1,
            d2,
            dump(&f1),
            dump(&f2)
        );
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(config(128))]

    /// a. The engine's decision equals the reference evaluator's, for every request.
    #[test]
    fn engine_agrees_with_reference(m in model()) {
        let (engine, fs) = engine_for(&m, 0);
        let mut bad = Vec::new();
        for q in requests(&m) {
            let req = request(&engine, &m, &q);
            let got = engine.can(&req).decision;
            let want = reference::decide(&engine, &req);
            if got != want {
                bad.push(format!("{q:?}: engine {got:?}, reference {want:?}"));
            }
        }
        prop_assert!(bad.is_empty(), "{} disagreement(s):\n{}\ncontext: {:?}\nenvironment:\n{}", bad.len(), bad.join("\n"), contexts()[m.context], dump(&fs));
    }

    /// a'. The grouped decision of many actions at once (reach) equals deciding each action
    /// separately, for every caller, on the bucket, its objects and the key.
    #[test]
    fn grouped_actions_agree_with_single_actions(m in model()) {
        use iamdl::engine::whocan::Node;
        let (engine, fs) = engine_for(&m, 0);
        let mut callers: Vec<Node> = engine.principal_ids().map(Node::P).collect();
        callers.push(Node::Anonymous);
        callers.push(Node::Service("lambda.amazonaws.com".into()));
        let ctx = UserContext::default();
        let mut targets: Vec<Target> = engine
            .env
            .resources
            .iter()
            .filter(|r| r.arn.starts_with("arn:aws:s3:::") || r.arn.contains(":key/"))
            .map(|r| Target::Exact(r.arn.clone()))
            .collect();
        targets.push(Target::Exact("arn:aws:s3:::b1/x".into()));
        targets.push(Target::Set("arn:aws:s3:::b1/*".into()));
        let mut bad = Vec::new();
        for t in &targets {
            let probe = t.text().replace('*', "x");
            let names: Vec<String> = engine.catalog.actions_on(&probe).iter().map(|a| a.full_name()).collect();
            if names.is_empty() {
                continue;
            }
            let grouped = engine.decide_classes(&callers, &names, t, &ctx);
            for (k, a) in names.iter().enumerate() {
                let single = engine.decide_many(&callers, a, t, &ctx, None);
                for (j, d) in single.iter().enumerate() {
                    let g = &grouped[k][j];
                    if g.decision != d.decision || g.conditions != d.conditions {
                        bad.push(format!("{a} on {} for {:?}: grouped {:?} {:?}, single {:?} {:?}", t.text(), callers[j], g.decision, g.conditions, d.decision, d.conditions));
                    }
                }
            }
        }
        prop_assert!(bad.is_empty(), "{} disagreement(s):\n{}\nenvironment:\n{}", bad.len(), bad.iter().take(10).cloned().collect::<Vec<_>>().join("\n"), dump(&fs));
    }

    /// b. Adding an Allow statement never lowers an answer.
    #[test]
    fn adding_allow_is_monotone(m in model(), place in place(), st in extra(true)) {
        check_monotone(&m, &place, &st, true)?;
    }

    /// c. Adding a Deny statement never raises an answer.
    #[test]
    fn adding_deny_is_antitone(m in model(), place in place(), st in extra(false)) {
        check_monotone(&m, &place, &st, false)?;
    }

    /// d. The order of statements, policies and entities in the files does not matter.
    #[test]
    fn order_does_not_matter(m in model(), seed in 1u64..u64::MAX) {
        let (e1, f1) = engine_for(&m, 0);
        let (e2, f2) = engine_for(&m, seed);
        let a1 = answers(&e1, &m);
        let a2 = answers(&e2, &m);
        for (q, d1) in &a1 {
            prop_assert_eq!(*d1, a2[q], "{:?} changed when shuffled\noriginal:\n{}\nshuffled:\n{}", q, dump(&f1), dump(&f2));
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Fixed environments: the engine, the reference and the spec agree.

fn allow_stmt(action: &str, resource: &str) -> Value {
    stmt(
        true,
        None,
        ("Action", s(action)),
        Some(("Resource", s(resource))),
        None,
    )
}

fn grant(principal: Value, action: &str, resource: Option<&str>) -> Value {
    stmt(
        true,
        Some(("Principal", principal)),
        ("Action", s(action)),
        resource.map(|r| ("Resource", s(r))),
        None,
    )
}

/// Asks `who action resource` of both evaluators and checks the expected decision.
fn expect(m: &Model, who: &str, action: &'static str, resource: &str, want: Decision, rule: &str) {
    let (engine, fs) = engine_for(m, 0);
    let req = request(&engine, m, &(who.to_string(), action, resource.to_string()));
    let got = engine.can(&req).decision;
    let refd = reference::decide(&engine, &req);
    assert_eq!(
        (got, refd),
        (want, want),
        "{rule}: {who} {action} {resource}: engine {got:?}, reference {refd:?}, spec {want:?}\n{}",
        dump(&fs)
    );
}

fn bucket(name: &'static str, account: &'static str, policy: Vec<Value>) -> Bucket {
    Bucket {
        name,
        account,
        policy: if policy.is_empty() {
            None
        } else {
            Some(policy)
        },
    }
}

#[test]
fn same_account_role_grant_vs_account_grant() {
    // E9 / V20: a bucket policy naming the role grants its sessions without identity policy.
    let mut m = Model::empty(false);
    m.ent(1);
    m.buckets.push(bucket(
        "b1",
        A,
        vec![grant(
            json!({"AWS": "arn:aws:iam::111111111111:role/r0"}),
            "s3:GetObject",
            Some("arn:aws:s3:::b1/*"),
        )],
    ));
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E9 V20",
    );
    // V21: a boundary that allows nothing in S3 blocks a role-strength grant.
    m.ent(1).boundary = Some(vec![allow_stmt("ec2:*", "*")]);
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "E9 V21",
    );
    // V22: a grant to the session ARN is not limited by the boundary.
    m.buckets[0].policy = Some(vec![grant(
        json!({"AWS": "arn:aws:sts::111111111111:assumed-role/r0/s1"}),
        "s3:GetObject",
        Some("arn:aws:s3:::b1/*"),
    )]);
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E9 V22",
    );
    // Without a session name, the session grant may or may not be ours.
    expect(
        &m,
        "arn:aws:iam::111111111111:role/r0",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Conditional,
        "M10",
    );
    // T11 / V19: an account grant in the same account needs the identity side.
    m.ent(1).boundary = None;
    m.buckets[0].policy = Some(vec![grant(
        json!({"AWS": A}),
        "s3:GetObject",
        Some("arn:aws:s3:::b1/*"),
    )]);
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "M12 T11",
    );
    m.ent(1).policies.push(IdPolicy {
        managed: true,
        stmts: vec![allow_stmt("s3:GetObject", "arn:aws:s3:::b1/*")],
    });
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E4",
    );
    // V18: a user-strength grant needs no identity policy.
    m.ent(0);
    m.buckets[0].policy = Some(vec![grant(
        json!({"AWS": "arn:aws:iam::111111111111:user/u0"}),
        "s3:GetObject",
        Some("arn:aws:s3:::b1/*"),
    )]);
    expect(
        &m,
        "arn:aws:iam::111111111111:user/u0",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E4 V18",
    );
}

#[test]
fn cross_account_needs_both_sides() {
    // E5 / V27: u1 (B) reads b1 (A): the bucket policy names B and u1's identity policy allows.
    let mut m = Model::empty(true);
    m.ent(2).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("s3:GetObject", "arn:aws:s3:::b1/*")],
    });
    m.buckets.push(bucket(
        "b1",
        A,
        vec![grant(
            json!({"AWS": B}),
            "s3:GetObject",
            Some("arn:aws:s3:::b1/*"),
        )],
    ));
    let u1 = "arn:aws:iam::222222222222:user/u1";
    expect(
        &m,
        u1,
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E5 V27",
    );
    // V26: no matching bucket-policy statement.
    expect(
        &m,
        u1,
        "s3:PutObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "E5 V26",
    );
    // V25: no identity allow.
    m.ent(2).policies.clear();
    expect(
        &m,
        u1,
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "E5 V25",
    );
    // The root user of B has every identity permission of its account.
    expect(
        &m,
        B,
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E1 E5",
    );
    // T9: a role of B named by the bucket policy, with identity allow.
    m.ent(3).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("s3:*", "*")],
    });
    m.buckets[0].policy = Some(vec![grant(
        json!({"AWS": "arn:aws:iam::222222222222:role/r1"}),
        "s3:GetObject",
        Some("arn:aws:s3:::b1/*"),
    )]);
    expect(
        &m,
        "arn:aws:sts::222222222222:assumed-role/r1/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E5 T9",
    );
    expect(
        &m,
        B,
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "E5",
    );
    // A bucket outside the environment: its policy is unknown.
    expect(
        &m,
        "arn:aws:sts::222222222222:assumed-role/r1/s1",
        "s3:GetObject",
        "arn:aws:s3:::b3/x",
        Decision::Conditional,
        "E5 E6",
    );
}

#[test]
fn kms_without_root_delegation() {
    // T16 / V46: the key policy names only role r0; u0's kms:* identity allow does not count.
    let mut m = Model::empty(false);
    m.ent(0).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("kms:*", "*")],
    });
    m.ent(1);
    m.key = Some(Key {
        policy: vec![grant(
            json!({"AWS": "arn:aws:iam::111111111111:role/r0"}),
            "kms:*",
            Some("*"),
        )],
        grants: 1,
    });
    let u0 = "arn:aws:iam::111111111111:user/u0";
    expect(&m, u0, "kms:Decrypt", KEY_ARN, Decision::Deny, "E8 V46");
    // Not even the root user.
    expect(&m, A, "kms:Decrypt", KEY_ARN, Decision::Deny, "E8");
    // The named role needs no identity policy.
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "kms:Decrypt",
        KEY_ARN,
        Decision::Allow,
        "E8",
    );
    // V47: grants not loaded.
    m.key.as_mut().unwrap().grants = 0;
    expect(
        &m,
        u0,
        "kms:Decrypt",
        KEY_ARN,
        Decision::Conditional,
        "E8 V47",
    );
    // A loaded grant for u0 allows.
    m.key.as_mut().unwrap().grants = 2;
    expect(&m, u0, "kms:Decrypt", KEY_ARN, Decision::Allow, "E8 grants");
    expect(&m, u0, "kms:Encrypt", KEY_ARN, Decision::Deny, "E8 grants");
    // V45: root delegation makes the identity allow count.
    m.key = Some(Key {
        policy: vec![grant(
            json!({"AWS": "arn:aws:iam::111111111111:root"}),
            "kms:*",
            Some("*"),
        )],
        grants: 1,
    });
    expect(&m, u0, "kms:Decrypt", KEY_ARN, Decision::Allow, "E8 V45");
    expect(&m, A, "kms:Decrypt", KEY_ARN, Decision::Allow, "E8 E1");
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "kms:Decrypt",
        KEY_ARN,
        Decision::Deny,
        "E8",
    );
    // T17 / V48: the key policy names u0 directly.
    m.ent(0).policies.clear();
    m.key = Some(Key {
        policy: vec![grant(json!({"AWS": u0}), "kms:Decrypt", Some("*"))],
        grants: 1,
    });
    expect(&m, u0, "kms:Decrypt", KEY_ARN, Decision::Allow, "E8 V48");
}

#[test]
fn trust_naming_account_root() {
    // T12 / V39: the trust names the account; u0 without an identity allow cannot assume r0.
    let mut m = Model::empty(true);
    m.ent(0);
    m.ent(1).trust = vec![grant(
        json!({"AWS": "arn:aws:iam::111111111111:root"}),
        "sts:AssumeRole",
        None,
    )];
    let (u0, r0) = (
        "arn:aws:iam::111111111111:user/u0",
        "arn:aws:iam::111111111111:role/r0",
    );
    expect(&m, u0, "sts:AssumeRole", r0, Decision::Deny, "E7 V39");
    // V40: with the identity allow.
    m.ent(0).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("sts:AssumeRole", r0)],
    });
    expect(&m, u0, "sts:AssumeRole", r0, Decision::Allow, "E7 V40");
    // V41-like: an identity allow alone never lets anyone assume a role (T13).
    m.ent(1).trust = vec![grant(
        json!({"Service": "lambda.amazonaws.com"}),
        "sts:AssumeRole",
        None,
    )];
    expect(&m, u0, "sts:AssumeRole", r0, Decision::Deny, "E7 T13");
    expect(
        &m,
        "lambda.amazonaws.com",
        "sts:AssumeRole",
        r0,
        Decision::Allow,
        "P7",
    );
    // V38 / V44: the trust names u0 directly: no identity allow needed, boundary not applied.
    m.ent(0).policies.clear();
    m.ent(0).boundary = Some(vec![allow_stmt("s3:*", "*")]);
    m.ent(1).trust = vec![grant(json!({"AWS": u0}), "sts:AssumeRole", None)];
    expect(&m, u0, "sts:AssumeRole", r0, Decision::Allow, "E7 V44");
    // V42 / V43: cross-account trust naming B needs B's identity allow.
    m.ent(2);
    let u1 = "arn:aws:iam::222222222222:user/u1";
    m.ent(1).trust = vec![grant(json!({"AWS": B}), "sts:AssumeRole", None)];
    expect(&m, u1, "sts:AssumeRole", r0, Decision::Deny, "E7 V43");
    m.ent(2).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("sts:AssumeRole", "*")],
    });
    expect(&m, u1, "sts:AssumeRole", r0, Decision::Allow, "E7 V42");
    // T15: a role does not implicitly trust itself.
    m.ent(1).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("sts:AssumeRole", "*")],
    });
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "sts:AssumeRole",
        r0,
        Decision::Deny,
        "E7 T15",
    );
}

/// Regression (fixed engine bug, M11): `Deny NotPrincipal [session s1]` + `Allow Principal *` on b1. The
/// session's role and account candidates are not listed, so the deny still applies (M11:
/// "if only the session is listed, the role or account candidate still falls outside L and
/// the deny can still apply"). The engine used to answer Allow.
#[test]
fn not_principal_listing_only_the_session_still_denies() {
    let mut m = Model::empty(false);
    m.ent(1);
    m.ent(0);
    let deny = stmt(
        false,
        Some((
            "NotPrincipal",
            json!({"AWS": "arn:aws:sts::111111111111:assumed-role/r0/s1"}),
        )),
        ("Action", s("s3:*")),
        Some(("Resource", s("arn:aws:s3:::b1"))),
        None,
    );
    let deny_user = stmt(
        false,
        Some((
            "NotPrincipal",
            json!({"AWS": "arn:aws:iam::111111111111:user/u0"}),
        )),
        ("Action", s("s3:*")),
        Some(("Resource", s("arn:aws:s3:::b1/*"))),
        None,
    );
    let public = grant(s("*"), "s3:*", Some("arn:aws:s3:::b1*"));
    m.buckets
        .push(bucket("b1", A, vec![deny, deny_user, public]));
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:ListBucket",
        "arn:aws:s3:::b1",
        Decision::Deny,
        "M11 session only",
    );
    expect(
        &m,
        "arn:aws:iam::111111111111:user/u0",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "M11 user without account",
    );
}

/// Regression (fixed engine bug, E7): an RCP at the organization root denies sts:AssumeRole; the trust
/// policy of r0 allows everyone. E7: "RCPs of the role's account apply (STS is an RCP
/// service)", so the deny applies. The engine used to answer Allow (it asked whether
/// `iam`, the service of the role ARN, supports RCPs).
#[test]
fn rcp_deny_applies_to_assume_role() {
    let mut m = Model::empty(false);
    m.ent(0).policies.push(IdPolicy {
        managed: false,
        stmts: vec![allow_stmt("sts:AssumeRole", "*")],
    });
    m.ent(1).trust = vec![grant(json!({"AWS": A}), "sts:AssumeRole", None)];
    let deny = stmt(
        false,
        Some(("Principal", s("*"))),
        ("Action", s("sts:AssumeRole")),
        Some(("Resource", s("*"))),
        None,
    );
    m.org = Some(Org {
        mgmt_is_a: false,
        b_in_ou: false,
        allow_list_at: None,
        scp_denies: vec![],
        rcp: Some((true, vec![(0, deny)])),
    });
    expect(
        &m,
        "arn:aws:iam::111111111111:user/u0",
        "sts:AssumeRole",
        "arn:aws:iam::111111111111:role/r0",
        Decision::Deny,
        "E7 RCP",
    );
}

/// Regression (fixed engine bug, M10, M12, C14): the bucket policy names `[role/r0, assumed-role/r0/s1]`
/// in one statement; r0's boundary allows nothing in S3. Asked about r0 without a session name,
/// the grant may be the session-strength one (V22: not limited by the boundary) — the answer
/// must be Conditional, never a firm Deny (C14). The engine used to keep only the certain
/// role-strength match of the statement, which the boundary blocks, and answered Deny.
#[test]
fn role_and_session_in_one_statement() {
    let mut m = Model::empty(false);
    m.ent(1).boundary = Some(vec![allow_stmt("ec2:*", "*")]);
    let both = json!({"AWS": ["arn:aws:iam::111111111111:role/r0", "arn:aws:sts::111111111111:assumed-role/r0/s1"]});
    m.buckets.push(bucket(
        "b1",
        A,
        vec![grant(both, "s3:GetObject", Some("arn:aws:s3:::b1/*"))],
    ));
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s1",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Allow,
        "E9 V22",
    );
    expect(
        &m,
        "arn:aws:sts::111111111111:assumed-role/r0/s2",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Deny,
        "E9 V21",
    );
    expect(
        &m,
        "arn:aws:iam::111111111111:role/r0",
        "s3:GetObject",
        "arn:aws:s3:::b1/x",
        Decision::Conditional,
        "C14",
    );
}
