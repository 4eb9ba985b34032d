//! Privilege-escalation rules (issue #6): for every technique, and so for every path of the
//! vendored pathfinding.cloud catalogue (`data/pathfinding-paths.json`), a positive
//! environment (one attacker principal with exactly the technique's permissions) must show the
//! path, and negative twins (the same environment minus one needed permission, or plus an
//! explicit deny in another policy) must not. The environments are generated here from the
//! catalogue's required permissions and the technique table, written in the snapshot layout
//! and loaded through the real loader. Then the classic false-positive traps, the CLI JSON
//! contract of `path`, and who-can marking.

use iamdl::engine::request::{Caller, Pid, UserContext};
use iamdl::engine::Engine;
use iamdl::escalation::graph::GNode;
use iamdl::escalation::techniques::{self, Kind, On, Technique, TECHNIQUES};
use iamdl::escalation::Escalation;
use iamdl::input::{load, LoadOptions};
use serde_json::{json, Value};
use std::path::Path;

const A: &str = "111111111111";
const DATE: &str = "2024-01-01T00:00:00+00:00";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{A}:{kind}/{name}")
}

fn allow(actions: &[&str], resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resource})
}

fn deny(actions: &[&str], resource: Value) -> Value {
    json!({"Effect": "Deny", "Action": actions, "Resource": resource})
}

fn doc(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn admin_doc() -> Value {
    doc(vec![allow(&["*"], json!("*"))])
}

fn trust(principal: Value) -> Value {
    doc(vec![
        json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}),
    ])
}

fn uid(prefix: &str, name: &str) -> String {
    let mut s: String = name
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

/// One standalone account in the snapshot layout.
#[derive(Default, Clone)]
struct Env {
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    managed: Vec<Value>,
    functions: Vec<(String, String)>,
    buckets: Vec<String>,
}

fn inline(name: &str, docs: Vec<Value>) -> Vec<Value> {
    docs.into_iter()
        .enumerate()
        .map(|(i, d)| json!({"PolicyName": format!("{name}-inline-{i}"), "PolicyDocument": d}))
        .collect()
}

fn attached(arns: &[String]) -> Vec<Value> {
    arns.iter()
        .map(|a| json!({"PolicyName": a.rsplit('/').next().unwrap(), "PolicyArn": a}))
        .collect()
}

impl Env {
    fn user(&mut self, name: &str, groups: &[&str], docs: Vec<Value>, managed: &[String]) {
        self.users.push(json!({
            "Path": "/", "UserName": name, "UserId": uid("AIDA", name), "Arn": arn("user", name),
            "CreateDate": DATE, "UserPolicyList": inline(name, docs), "GroupList": groups,
            "AttachedManagedPolicies": attached(managed), "Tags": []
        }));
    }

    fn group(&mut self, name: &str, docs: Vec<Value>, managed: &[String]) {
        self.groups.push(json!({
            "Path": "/", "GroupName": name, "GroupId": uid("AGPA", name), "Arn": arn("group", name),
            "CreateDate": DATE, "GroupPolicyList": inline(name, docs),
            "AttachedManagedPolicies": attached(managed)
        }));
    }

    fn role(&mut self, name: &str, trust_doc: Value, docs: Vec<Value>, managed: &[String]) {
        self.roles.push(json!({
            "Path": "/", "RoleName": name, "RoleId": uid("AROA", name), "Arn": arn("role", name),
            "CreateDate": DATE, "AssumeRolePolicyDocument": trust_doc, "InstanceProfileList": [],
            "RolePolicyList": inline(name, docs), "AttachedManagedPolicies": attached(managed),
            "Tags": [], "RoleLastUsed": {}
        }));
    }

    /// A customer-managed policy; returns its ARN.
    fn managed(&mut self, name: &str, d: Value) -> String {
        let a = arn("policy", name);
        self.managed.push(json!({
            "PolicyName": name, "PolicyId": uid("ANPA", name), "Arn": a, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true, "CreateDate": DATE, "UpdateDate": DATE,
            "PolicyVersionList": [{"Document": d, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": DATE}]
        }));
        a
    }

    fn write(&self, root: &Path) {
        let put = |rel: &str, v: &Value| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        };
        let base = format!("accounts/{A}");
        put(
            &format!("{base}/iam/get-account-authorization-details.json"),
            &json!({"UserDetailList": self.users, "GroupDetailList": self.groups,
                    "RoleDetailList": self.roles, "Policies": self.managed}),
        );
        if !self.functions.is_empty() {
            let list: Vec<Value> = self.functions.iter().map(|(n, r)| json!({
                "FunctionName": n, "FunctionArn": format!("arn:aws:lambda:us-east-1:{A}:function:{n}"),
                "Runtime": "python3.12", "Role": r, "Handler": "h", "Version": "$LATEST", "PackageType": "Zip"
            })).collect();
            put(
                &format!("{base}/lambda/list-functions.json"),
                &json!({"Functions": list}),
            );
        }
        if !self.buckets.is_empty() {
            let list: Vec<Value> = self
                .buckets
                .iter()
                .map(|b| json!({"Name": b, "CreationDate": DATE}))
                .collect();
            put(
                &format!("{base}/s3/list-buckets.json"),
                &json!({"Buckets": list, "Owner": {"DisplayName": "a", "ID": format!("{:0>64}", A)}}),
            );
        }
    }

    fn engine(&self) -> Engine {
        let dir = tempfile::tempdir().unwrap();
        self.write(dir.path());
        let env = load(dir.path(), &LoadOptions::default())
            .unwrap_or_else(|f| panic!("fixture does not load: {:?}", f.errors));
        Engine::new(env)
    }
}

fn pid(engine: &Engine, text: &str) -> Pid {
    match engine.resolve_caller(text).unwrap() {
        Caller::Entity { pid, .. } => pid,
        c => panic!("{text} is not an entity: {c:?}"),
    }
}

/// How a positive environment is made for a technique: the attacker and its target.
struct Case {
    env: Env,
    /// The attacker (user or role ARN).
    attacker: String,
}

fn lambda_fn() -> String {
    format!("arn:aws:lambda:us-east-1:{A}:function:victim-fn")
}

/// The environment in which `attacker` can use technique `t` (and nothing else), given the
/// actions it is allowed (`actions`) and the extra policy documents (`extra`, e.g. a deny).
fn case(t: &Technique, actions: &[&str], extra: Vec<Value>) -> Case {
    let mut e = Env::default();
    let me = arn("user", "attacker");
    let victim_role = arn("role", "victim-role");
    let victim_user = arn("user", "victim");
    let mut attacker = me.clone();
    // Resource of each action, by technique kind.
    let res_for = |a: &str| -> Value {
        match t.kind {
            Kind::Empower(On::User) => json!(me),
            Kind::Empower(On::Group) => json!(arn("group", "attackers")),
            Kind::Empower(On::AttachedPolicy) => json!(arn("policy", "attacker-policy")),
            Kind::Empower(On::Role) => json!(arn("role", "attacker-role")),
            Kind::JoinGroup => json!(arn("group", "admins")),
            Kind::UserCredentials => json!(victim_user),
            Kind::RewriteTrust | Kind::AssumeRole => json!(victim_role),
            Kind::Combo { .. } => match a {
                "iam:CreatePolicyVersion" => json!(arn("policy", "victim-policy")),
                "iam:AttachUserPolicy" | "iam:PutUserPolicy" | "iam:CreateAccessKey" => {
                    json!(victim_user)
                }
                _ => json!(victim_role),
            },
            Kind::PassRoleNew { .. } if a == "iam:PassRole" => json!(victim_role),
            Kind::Existing { lambda: true, .. } => json!(lambda_fn()),
            _ => json!("*"),
        }
    };
    let mut grants: Vec<Value> = actions.iter().map(|a| allow(&[a], res_for(a))).collect();
    grants.extend(extra);
    let attacker_doc = doc(grants);
    match t.kind {
        Kind::Empower(On::Role) => {
            attacker = arn("role", "attacker-role");
            e.role(
                "attacker-role",
                trust(json!({"Service": "ec2.amazonaws.com"})),
                vec![attacker_doc],
                &[],
            );
        }
        Kind::Empower(On::Group) => {
            e.group("attackers", vec![attacker_doc], &[]);
            e.user("attacker", &["attackers"], vec![], &[]);
        }
        Kind::Empower(On::AttachedPolicy) => {
            let p = e.managed("attacker-policy", attacker_doc);
            e.user("attacker", &[], vec![], &[p]);
        }
        _ => e.user("attacker", &[], vec![attacker_doc], &[]),
    }
    match t.kind {
        Kind::JoinGroup => e.group("admins", vec![admin_doc()], &[]),
        Kind::UserCredentials => e.user("victim", &[], vec![admin_doc()], &[]),
        Kind::RewriteTrust => e.role(
            "victim-role",
            trust(json!({"Service": "ec2.amazonaws.com"})),
            vec![admin_doc()],
            &[],
        ),
        // The account (not the attacker's ARN) is trusted, so the identity side must allow
        // sts:AssumeRole (E7).
        Kind::AssumeRole => e.role(
            "victim-role",
            trust(json!({"AWS": format!("arn:aws:iam::{A}:root")})),
            vec![admin_doc()],
            &[],
        ),
        Kind::Combo { act_as, .. } => {
            let role_trust = if act_as == "sts-001" {
                trust(json!({"AWS": format!("arn:aws:iam::{A}:root")}))
            } else {
                trust(json!({"Service": "ec2.amazonaws.com"}))
            };
            let p = e.managed(
                "victim-policy",
                doc(vec![allow(&["s3:ListAllMyBuckets"], json!("*"))]),
            );
            e.role("victim-role", role_trust, vec![], &[p]);
            e.user("victim", &[], vec![], &[]);
        }
        Kind::PassRoleNew { service } | Kind::Existing { service, .. } => {
            e.role(
                "victim-role",
                trust(json!({"Service": service})),
                vec![admin_doc()],
                &[],
            );
            if matches!(t.kind, Kind::Existing { lambda: true, .. }) {
                e.functions.push(("victim-fn".into(), victim_role.clone()));
            }
        }
        _ => {}
    }
    Case { env: e, attacker }
}

/// The techniques found in every path from the attacker.
fn found(engine: &Engine, attacker: &str) -> Vec<String> {
    let esc = Escalation::new(engine);
    let p = pid(engine, attacker);
    let mut out: Vec<String> = esc
        .escalations(p)
        .into_iter()
        .flat_map(|(_, path)| path.into_iter().map(|s| s.technique))
        .collect();
    // Edges of the attacker that a shortest path did not need (a more general technique on
    // the same pair, e.g. iam-002 next to iam-003).
    out.extend(
        esc.graph
            .edges()
            .filter(|e| e.from == p)
            .map(|e| e.technique.to_string()),
    );
    out.sort();
    out.dedup();
    out
}

/// Techniques of the table other than `t` whose actions are all in `have` (so they may
/// legitimately still apply in a negative twin).
fn others_covered(t: &Technique, have: &[&str]) -> Vec<&'static str> {
    TECHNIQUES
        .iter()
        .filter(|o| o.id != t.id && o.actions.iter().all(|a| have.contains(a)))
        .map(|o| o.id)
        .collect()
}

fn check_technique(t: &Technique) -> Vec<String> {
    let mut problems = Vec::new();
    // Positive.
    let c = case(t, t.actions, vec![]);
    let engine = c.env.engine();
    let got = found(&engine, &c.attacker);
    if !got.iter().any(|x| x == t.id) {
        problems.push(format!(
            "{}: positive environment shows no path with it (found {got:?})",
            t.id
        ));
    }
    // Negative twins: minus each needed action.
    for drop in t.actions {
        let have: Vec<&str> = t.actions.iter().copied().filter(|a| a != drop).collect();
        let c = case(t, &have, vec![]);
        let engine = c.env.engine();
        let got = found(&engine, &c.attacker);
        if got.iter().any(|x| x == t.id) {
            problems.push(format!("{}: still found without {drop}", t.id));
        }
        if others_covered(t, &have).is_empty() && !got.is_empty() {
            problems.push(format!(
                "{}: without {drop} some path remains: {got:?}",
                t.id
            ));
        }
    }
    // Negative twin: an explicit deny of the key action in another policy.
    let key = t.key_action();
    let c = case(t, t.actions, vec![]);
    // Put the deny in a second inline policy of the attacker (or of its group / role).
    let deny_doc = doc(vec![deny(&[key], json!("*"))]);
    let attach_deny = |e: &mut Env| {
        if let Some(u) = e.users.iter_mut().find(|u| u["UserName"] == "attacker") {
            u["UserPolicyList"]
                .as_array_mut()
                .unwrap()
                .push(json!({"PolicyName": "deny", "PolicyDocument": deny_doc.clone()}));
        } else if let Some(r) = e
            .roles
            .iter_mut()
            .find(|r| r["RoleName"] == "attacker-role")
        {
            r["RolePolicyList"]
                .as_array_mut()
                .unwrap()
                .push(json!({"PolicyName": "deny", "PolicyDocument": deny_doc.clone()}));
        }
    };
    let mut d = case(t, t.actions, vec![]).env;
    attach_deny(&mut d);
    let engine = d.engine();
    let got = found(&engine, &c.attacker);
    let have: Vec<&str> = t.actions.iter().copied().filter(|a| *a != key).collect();
    if got.iter().any(|x| x == t.id) {
        problems.push(format!(
            "{}: still found with an explicit deny of {key}",
            t.id
        ));
    }
    if others_covered(t, &have).is_empty() && !got.is_empty() {
        problems.push(format!(
            "{}: with a deny of {key} some path remains: {got:?}",
            t.id
        ));
    }
    problems
}

#[test]
fn every_catalogue_path_has_a_rule_with_its_actions() {
    let cat = techniques::catalogue();
    assert_eq!(cat.len(), 65, "the vendored catalogue has 65 paths");
    let mut problems = Vec::new();
    for p in &cat {
        let Some(t) = techniques::by_id(&p.id) else {
            problems.push(format!("{}: no rule", p.id));
            continue;
        };
        if t.category != p.category {
            problems.push(format!(
                "{}: category {} vs catalogue {}",
                p.id, t.category, p.category
            ));
        }
        for r in &p.required {
            let excused = techniques::NOT_REQUIRED
                .iter()
                .any(|(id, a, _)| *id == p.id && *a == r.permission);
            if !t.actions.contains(&r.permission.as_str()) && !excused {
                problems.push(format!("{}: rule does not require {}", p.id, r.permission));
            }
        }
        for a in t.actions {
            if !p.required.iter().any(|r| r.permission == *a) {
                problems.push(format!(
                    "{}: rule requires {a}, the catalogue does not",
                    p.id
                ));
            }
        }
    }
    // Every rule id is a catalogue id or an iamdl one.
    for t in TECHNIQUES {
        if !t.id.starts_with("iamdl-") && !cat.iter().any(|p| p.id == t.id) {
            problems.push(format!("{}: not in the catalogue", t.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_catalogue_path_is_found_and_its_negative_twins_are_not() {
    let cat = techniques::catalogue();
    let mut problems = Vec::new();
    for p in &cat {
        let t = techniques::by_id(&p.id).expect("rule exists");
        problems.extend(check_technique(t));
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_iamdl_techniques_of_the_issue_are_found() {
    // SetDefaultPolicyVersion (conditional), lambda layers.
    let mut problems = Vec::new();
    for id in ["iamdl-001", "iamdl-006"] {
        problems.extend(check_technique(techniques::by_id(id).unwrap()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A user with a boundary that blocks it from IAM, and the permission to delete its own
/// boundary, plus an admin identity policy: becomes administrator only with the deletion.
#[test]
fn deleting_ones_own_boundary_is_a_path_only_when_allowed() {
    for (with, expect) in [(true, true), (false, false)] {
        let mut e = Env::default();
        let mut docs = vec![admin_doc()];
        if !with {
            docs = vec![doc(vec![allow(
                &["iam:PutRolePolicy", "iam:CreateAccessKey"],
                json!("*"),
            )])];
        }
        e.user("bounded", &[], docs, &[]);
        let b = e.managed(
            "boundary",
            doc(vec![allow(
                &["s3:*", "iam:DeleteUserPermissionsBoundary"],
                json!("*"),
            )]),
        );
        e.users[0]["PermissionsBoundary"] =
            json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b});
        if !with {
            // Same boundary without the deletion permission.
            e.managed.clear();
            let b = e.managed("boundary", doc(vec![allow(&["s3:*"], json!("*"))]));
            e.users[0]["PermissionsBoundary"]["PermissionsBoundaryArn"] = json!(b);
        }
        let engine = e.engine();
        let esc = Escalation::new(&engine);
        let admins = esc.admins();
        let hit = admins
            .iter()
            .find(|a| a.principal == arn("user", "bounded"));
        assert_eq!(hit.is_some(), expect, "with={with}: {admins:?}");
        if let Some(h) = hit {
            assert!(
                h.path.iter().any(|s| s.technique == "iamdl-002"),
                "{:?}",
                h.path
            );
        }
    }
}

// ---- the classic false-positive traps ----

fn non_root_admins(engine: &Engine) -> Vec<iamdl::escalation::AdminEntry> {
    Escalation::new(engine)
        .admins()
        .into_iter()
        .filter(|a| a.kind != "root")
        .collect()
}

#[test]
fn trap_permission_split_across_several_policies_is_still_a_path() {
    let mut e = Env::default();
    let p = e.managed(
        "create-fn",
        doc(vec![allow(&["lambda:CreateFunction"], json!("*"))]),
    );
    e.group(
        "invokers",
        vec![doc(vec![allow(&["lambda:InvokeFunction"], json!("*"))])],
        &[],
    );
    e.user(
        "attacker",
        &["invokers"],
        vec![doc(vec![allow(
            &["iam:PassRole"],
            json!(arn("role", "victim-role")),
        )])],
        &[p],
    );
    e.role(
        "victim-role",
        trust(json!({"Service": "lambda.amazonaws.com"})),
        vec![admin_doc()],
        &[],
    );
    let engine = e.engine();
    let got = found(&engine, &arn("user", "attacker"));
    assert!(got.contains(&"lambda-001".to_string()), "{got:?}");
    let esc = Escalation::new(&engine);
    let paths = esc.paths(
        pid(&engine, &arn("user", "attacker")),
        pid(&engine, &arn("role", "victim-role")),
        false,
        1,
    );
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0][0].technique, "lambda-001");
    assert!(
        paths[0][0].proof.contains("create-fn"),
        "proof names the managed policy: {}",
        paths[0][0].proof
    );
}

#[test]
fn trap_allow_and_deny_in_different_policies_is_no_path() {
    let mut e = Env::default();
    let p = e.managed(
        "deny-attach",
        doc(vec![deny(&["iam:AttachUserPolicy"], json!("*"))]),
    );
    e.user(
        "attacker",
        &[],
        vec![doc(vec![allow(
            &["iam:AttachUserPolicy"],
            json!(arn("user", "attacker")),
        )])],
        &[p],
    );
    let engine = e.engine();
    assert!(found(&engine, &arn("user", "attacker")).is_empty());
    assert!(non_root_admins(&engine).is_empty());
}

#[test]
fn trap_create_policy_version_on_an_aws_managed_policy_is_no_path() {
    let mut e = Env::default();
    let ro = "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string();
    e.managed.push(json!({
        "PolicyName": "ReadOnlyAccess", "PolicyId": "ANPAILL3HVNFSB6DCOWYQ", "Arn": ro, "Path": "/",
        "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true, "CreateDate": DATE, "UpdateDate": DATE,
        "PolicyVersionList": [{"Document": doc(vec![allow(&["s3:Get*", "s3:List*"], json!("*"))]),
                               "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": DATE}]
    }));
    e.user(
        "attacker",
        &[],
        vec![doc(vec![allow(
            &["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"],
            json!(ro),
        )])],
        std::slice::from_ref(&ro),
    );
    let engine = e.engine();
    assert!(found(&engine, &arn("user", "attacker")).is_empty());
    // The same permission on a customer-managed policy attached to the user is a path.
    let mut e = Env::default();
    let cm = e.managed(
        "mine",
        doc(vec![allow(
            &["iam:CreatePolicyVersion"],
            json!(arn("policy", "mine")),
        )]),
    );
    e.user("attacker", &[], vec![], &[cm]);
    let engine = e.engine();
    assert!(found(&engine, &arn("user", "attacker")).contains(&"iam-001".to_string()));
}

#[test]
fn trap_a_condition_that_can_never_hold_is_no_path() {
    let mut e = Env::default();
    let mut st = allow(&["iam:AttachUserPolicy"], json!(arn("user", "attacker")));
    st["Condition"] = json!({"StringEquals": {"aws:PrincipalAccount": "999999999999"}});
    e.user("attacker", &[], vec![doc(vec![st])], &[]);
    let engine = e.engine();
    assert!(found(&engine, &arn("user", "attacker")).is_empty());
    // A condition that may hold gives a conditional path, never a dropped one.
    let mut e = Env::default();
    let mut st = allow(&["iam:AttachUserPolicy"], json!(arn("user", "attacker")));
    st["Condition"] = json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}});
    e.user("attacker", &[], vec![doc(vec![st])], &[]);
    let engine = e.engine();
    let admins = non_root_admins(&engine);
    assert_eq!(admins.len(), 1, "{admins:?}");
    assert_eq!(
        admins[0].decision,
        iamdl::engine::answer::Decision::Conditional
    );
}

#[test]
fn trap_not_action_leaving_the_action_in_is_a_path() {
    let mut e = Env::default();
    e.user(
        "attacker",
        &[],
        vec![doc(vec![json!({"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"], "Resource": arn("user", "attacker")})])],
        &[],
    );
    let engine = e.engine();
    let got = found(&engine, &arn("user", "attacker"));
    assert!(
        got.iter().any(|t| t == "iam-007" || t == "iam-008"),
        "{got:?}"
    );
}

#[test]
fn role_assumption_hops_are_edges_of_a_path() {
    // user -> (sts-001) hop -> role that can attach a policy to itself.
    let mut e = Env::default();
    e.user(
        "dev",
        &[],
        vec![doc(vec![allow(
            &["sts:AssumeRole"],
            json!(arn("role", "deployer")),
        )])],
        &[],
    );
    e.role(
        "deployer",
        trust(json!({"AWS": arn("user", "dev")})),
        vec![doc(vec![allow(
            &["iam:AttachRolePolicy"],
            json!(arn("role", "deployer")),
        )])],
        &[],
    );
    e.role(
        "target",
        trust(json!({"Service": "ec2.amazonaws.com"})),
        vec![],
        &[],
    );
    let engine = e.engine();
    let esc = Escalation::new(&engine);
    let dev = pid(&engine, &arn("user", "dev"));
    let paths = esc.paths(dev, pid(&engine, &arn("role", "target")), false, 1);
    assert_eq!(paths.len(), 1, "{paths:?}");
    let techs: Vec<&str> = paths[0].iter().map(|s| s.technique.as_str()).collect();
    assert_eq!(techs[0], "sts-001");
    assert!(techs.contains(&"iam-009"), "{techs:?}");
    assert_eq!(paths[0].last().unwrap().to, arn("role", "target"));
    // --all gives at least the shortest one, never more than asked.
    let all = esc.paths(dev, pid(&engine, &arn("role", "target")), true, 3);
    assert!(!all.is_empty() && all.len() <= 3);
    let admins = esc.admins();
    assert!(admins
        .iter()
        .any(|a| a.principal == arn("user", "dev") && a.escalation));
    // escalations from dev reach the admin node of the account.
    assert!(esc
        .escalations(dev)
        .iter()
        .any(|(n, _)| matches!(n, GNode::Admin(_))));
}

/// The acceptance case: a user who can only reach the bucket by attaching a policy to itself.
fn climber_env() -> Env {
    let mut e = Env::default();
    e.buckets.push("secret-data".into());
    e.user(
        "reader",
        &[],
        vec![doc(vec![allow(
            &["s3:GetObject"],
            json!("arn:aws:s3:::secret-data/*"),
        )])],
        &[],
    );
    e.user(
        "climber",
        &[],
        vec![doc(vec![allow(
            &["iam:AttachUserPolicy"],
            json!(arn("user", "climber")),
        )])],
        &[],
    );
    e.user(
        "bystander",
        &[],
        vec![doc(vec![allow(&["sqs:ListQueues"], json!("*"))])],
        &[],
    );
    e
}

#[test]
fn who_can_reach_marks_a_user_who_must_escalate() {
    let e = climber_env();
    let engine = e.engine();
    let ctx = UserContext::default();
    let direct = engine.reach("arn:aws:s3:::secret-data", &ctx);
    assert!(direct
        .principals
        .iter()
        .any(|p| p.principal == arn("user", "reader")));
    assert!(!direct
        .principals
        .iter()
        .any(|p| p.principal == arn("user", "climber")));
    let esc = Escalation::new(&engine);
    let marked = iamdl::cli::escalation::mark(&esc, &direct, "arn:aws:s3:::secret-data", &ctx);
    let c = marked
        .iter()
        .find(|m| m.principal == arn("user", "climber"))
        .unwrap_or_else(|| panic!("climber not marked: {marked:?}"));
    assert!(
        c.path.iter().any(|s| s.technique == "iam-008"),
        "{:?}",
        c.path
    );
    assert!(!marked
        .iter()
        .any(|m| m.principal == arn("user", "bystander")));
}

#[test]
fn cli_path_and_reach_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    climber_env().write(dir.path());
    let bin = env!("CARGO_BIN_EXE_iamdl");
    let run = |args: &[&str]| -> Value {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let env = dir.path().to_str().unwrap();
    // reach --via-escalation: the engine's entries plus the marked one.
    let v = run(&[
        "reach",
        "--env",
        env,
        "arn:aws:s3:::secret-data",
        "--via-escalation",
        "--format",
        "json",
    ]);
    let ps = v["principals"].as_array().unwrap();
    let reader = ps
        .iter()
        .find(|p| p["principal"] == arn("user", "reader"))
        .unwrap();
    assert!(
        reader.get("escalation").is_none(),
        "direct entries keep their shape"
    );
    let climber = ps
        .iter()
        .find(|p| p["principal"] == arn("user", "climber"))
        .expect("climber listed");
    assert_eq!(climber["escalation"], json!(true));
    let path = climber["path"].as_array().unwrap();
    assert!(path.iter().all(|s| s["from"].is_string()
        && s["to"].is_string()
        && s["technique"].is_string()
        && s["proof"].is_string()));
    // who-can too.
    let v = run(&[
        "who-can",
        "--env",
        env,
        "s3:GetObject",
        "arn:aws:s3:::secret-data/x",
        "--via-escalation",
        "--format",
        "json",
    ]);
    assert!(v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["principal"] == arn("user", "climber") && p["escalation"] == json!(true)));
    // path: none between two users that cannot escalate.
    let v = run(&[
        "path",
        "--env",
        env,
        "user/bystander",
        "user/reader",
        "--format",
        "json",
    ]);
    assert_eq!(v["paths"], json!([]));
    // path: climber can become reader (admin of the account).
    let v = run(&[
        "path",
        "--env",
        env,
        "user/climber",
        "user/reader",
        "--format",
        "json",
    ]);
    let p = &v["paths"][0];
    assert_eq!(p[0]["technique"], json!("iam-008"));
    assert_eq!(
        p.as_array().unwrap().last().unwrap()["to"],
        json!(arn("user", "reader"))
    );
    // escalation-techniques lists every catalogue id.
    let v = run(&["escalation-techniques", "--format", "json"]);
    assert_eq!(v["catalogue"]["covered"], json!(65));
    // admins
    let v = run(&["admins", "--env", env, "--format", "json"]);
    assert!(v["admins"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["principal"] == arn("user", "climber")));
}

#[test]
fn report_formats_are_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    climber_env().write(dir.path());
    let bin = env!("CARGO_BIN_EXE_iamdl");
    let env = dir.path().to_str().unwrap();
    let run = |args: &[&str]| -> String {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let sarif: Value =
        serde_json::from_str(&run(&["report", "--env", env, "--format", "sarif"])).unwrap();
    assert_eq!(sarif["version"], json!("2.1.0"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "iamdl/escalation-reach" && r["level"] == "error"));
    let html = run(&["report", "--env", env, "--format", "html"]);
    assert!(
        html.contains("<svg")
            && html.contains("href=\"#proof-f-1\"")
            && html.contains("id=\"proof-f-1\"")
    );
    assert!(
        !html.contains("<script") && !html.contains("http://")
            || html.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );
    let md = run(&["report", "--env", env, "--format", "markdown"]);
    assert!(md.contains("## Findings") && md.contains("iam-008"));
    let dot = run(&[
        "graph",
        "--env",
        env,
        "path",
        "user/climber",
        "user/reader",
        "--format",
        "dot",
    ]);
    assert!(dot.starts_with("digraph") && dot.contains("iam-008"));
    let svg = run(&[
        "graph",
        "--env",
        env,
        "reach",
        "arn:aws:s3:::secret-data",
        "--format",
        "svg",
    ]);
    assert!(svg.starts_with("<svg") && svg.contains("climber"));
    let mm = run(&[
        "graph",
        "--env",
        env,
        "reach",
        "arn:aws:s3:::secret-data",
        "--format",
        "mermaid",
    ]);
    assert!(mm.starts_with("flowchart LR"));
}

/// Targets are decided once per class of indistinguishable targets (`graph.rs`,
/// `target_classes`); classes must split wherever a decision can differ. Each edge of the
/// graph for the techniques below must be exactly the pairs the engine allows one by one:
/// a `Resource` pattern that matches some roles only, a condition on the target role's tags,
/// a policy variable that makes the match depend on the caller, and roles whose trust
/// policies are identical but that the callers' identity policies tell apart.
#[test]
fn target_classes_split_wherever_a_decision_differs() {
    let mut e = Env::default();
    // Pattern: only app-* roles.
    e.user(
        "patterns",
        &[],
        vec![doc(vec![allow(
            &["iam:PutRolePolicy"],
            json!(arn("role", "app-*")),
        )])],
        &[],
    );
    // Tags: only roles tagged team=red.
    e.user(
        "tagger",
        &[],
        vec![doc(vec![
            json!({"Effect": "Allow", "Action": "iam:AttachRolePolicy",
            "Resource": "*", "Condition": {"StringEquals": {"iam:ResourceTag/team": "red"}}}),
        ])],
        &[],
    );
    // Variables: each user may change only its own inline policies.
    let own = e.managed(
        "own-user",
        doc(vec![allow(
            &["iam:PutUserPolicy"],
            json!(format!("arn:aws:iam::{A}:user/${{aws:username}}")),
        )]),
    );
    e.user("self-a", &[], vec![], std::slice::from_ref(&own));
    e.user("self-b", &[], vec![], std::slice::from_ref(&own));
    // Identical trust policies, told apart by the caller's identity policy.
    e.user(
        "assumer",
        &[],
        vec![doc(vec![allow(
            &["sts:AssumeRole"],
            json!([arn("role", "app-1"), arn("role", "db-1")]),
        )])],
        &[],
    );
    let same_trust = trust(json!({"AWS": format!("arn:aws:iam::{A}:root")}));
    for (name, team) in [
        ("app-1", "red"),
        ("app-2", "blue"),
        ("db-1", "red"),
        ("db-2", "blue"),
    ] {
        e.role(name, same_trust.clone(), vec![], &[]);
        e.roles.last_mut().unwrap()["Tags"] = json!([{"Key": "team", "Value": team}]);
    }
    let engine = e.engine();
    let esc = Escalation::new(&engine);
    let edges = |tech: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = esc
            .graph
            .edges()
            .filter(|x| x.technique == tech && !engine.principal(x.from).arn.ends_with(":root"))
            .map(|x| {
                (
                    engine.principal(x.from).arn.clone(),
                    engine.principal(x.to).arn.clone(),
                )
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    // The same pairs, decided one request at a time.
    let one_by_one = |action: &str, kind: &str| -> Vec<(String, String)> {
        let mut v = Vec::new();
        for p in engine.principal_ids() {
            for t in engine.principal_ids() {
                let (pa, ta) = (&engine.principal(p).arn, &engine.principal(t).arn);
                // The root user is an administrator: the admin node stands for it.
                if !ta.contains(&format!(":{kind}/"))
                    || pa.ends_with(":root")
                    || (action == "sts:AssumeRole" && p == t)
                {
                    continue;
                }
                let ans = engine.can(&iamdl::engine::request::Request {
                    caller: Caller::Entity {
                        pid: p,
                        session: None,
                    },
                    action: action.into(),
                    target: iamdl::engine::request::Target::Exact(ta.clone()),
                    context: UserContext::default(),
                    session_policies: None,
                });
                if ans.decision != iamdl::engine::answer::Decision::Deny {
                    v.push((pa.clone(), ta.clone()));
                }
            }
        }
        v.sort();
        v
    };
    let r = |n: &str| arn("role", n);
    let u = |n: &str| arn("user", n);
    let put_role = edges("iam-005");
    assert_eq!(put_role, one_by_one("iam:PutRolePolicy", "role"));
    assert_eq!(
        put_role,
        vec![(u("patterns"), r("app-1")), (u("patterns"), r("app-2"))]
    );
    let attach = edges("iam-009");
    assert_eq!(attach, one_by_one("iam:AttachRolePolicy", "role"));
    assert_eq!(
        attach,
        vec![(u("tagger"), r("app-1")), (u("tagger"), r("db-1"))]
    );
    let put_user = edges("iam-007");
    assert_eq!(put_user, one_by_one("iam:PutUserPolicy", "user"));
    assert_eq!(
        put_user,
        vec![(u("self-a"), u("self-a")), (u("self-b"), u("self-b"))]
    );
    let assume = edges("sts-001");
    assert_eq!(assume, one_by_one("sts:AssumeRole", "role"));
    assert!(assume.contains(&(u("assumer"), r("app-1"))), "{assume:?}");
    assert!(assume.contains(&(u("assumer"), r("db-1"))), "{assume:?}");
    assert!(!assume.contains(&(u("assumer"), r("app-2"))), "{assume:?}");
}

/// Permissions held by two different principals the attacker can act as are not combined
/// into one `iam:PassRole` technique, because AWS does not combine them: `iam:PassRole` is
/// not an API call but a permission AWS checks on the caller of the request that passes the
/// role (here `lambda:CreateFunction` with `Role`), so the principal that creates the function
/// must itself be allowed to pass the role (a session has one principal's permissions, plus
/// session policies that can only narrow them). Positive twin: the same attacker, with
/// `iam:PassRole` and `lambda:CreateFunction` on the same role, has the path.
#[test]
fn pass_role_and_the_passing_call_are_never_split_across_principals() {
    let build = |split: bool| {
        let mut e = Env::default();
        e.user(
            "dev",
            &[],
            vec![doc(vec![allow(
                &["sts:AssumeRole"],
                json!([arn("role", "passer"), arn("role", "creator")]),
            )])],
            &[],
        );
        let me = trust(json!({"AWS": arn("user", "dev")}));
        let pass = allow(&["iam:PassRole"], json!(arn("role", "target")));
        let create = allow(
            &["lambda:CreateFunction", "lambda:InvokeFunction"],
            json!("*"),
        );
        if split {
            e.role("passer", me.clone(), vec![doc(vec![pass])], &[]);
            e.role("creator", me, vec![doc(vec![create])], &[]);
        } else {
            e.role("passer", me.clone(), vec![doc(vec![pass, create])], &[]);
            e.role("creator", me, vec![], &[]);
        }
        e.role(
            "target",
            trust(json!({"Service": "lambda.amazonaws.com"})),
            vec![],
            &[],
        );
        e.engine()
    };
    for split in [false, true] {
        let engine = build(split);
        let esc = Escalation::new(&engine);
        let dev = pid(&engine, &arn("user", "dev"));
        let paths = esc.paths(dev, pid(&engine, &arn("role", "target")), false, 1);
        if split {
            assert!(paths.is_empty(), "split permissions combined: {paths:?}");
        } else {
            assert_eq!(paths.len(), 1, "{paths:?}");
            let techs: Vec<&str> = paths[0].iter().map(|s| s.technique.as_str()).collect();
            assert_eq!(techs, vec!["sts-001", "lambda-001"], "{:?}", paths[0]);
            assert_eq!(paths[0][1].from, arn("role", "passer"));
        }
    }
}
