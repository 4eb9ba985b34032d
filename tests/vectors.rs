//! The test vectors of section 9 of `iam-semantics.md` (V01–V70), run through the library API
//! on real snapshot folders.
//!
//! Each test writes a small snapshot (layout of `snapshot-layout.md`, fixtures of section 0.4:
//! accounts A and B in organization `o-exampleorg1` with `FullAWSAccess` / `RCPFullAWSAccess`
//! at every level unless the vector says otherwise, account X outside it), loads it with
//! [`iamdl::input::load`], and asks [`iamdl::engine::Engine::can`] (or `can_pass`).
//!
//! Layer names of the spec map to blame layers as follows: identity-based policy → `identity`,
//! resource-based policy → `resource`, role trust policy → `trust`, service control policy →
//! `scp`, resource control policy → `rcp`, permissions boundary → `boundary`, session policy →
//! `session`, S3 Block Public Access → `bpa`. `ExplicitDeny(layer)` is blame kind
//! `explicit-deny`, `ImplicitDeny(layer)` is `no-allow`; the first blame entry is checked.

mod common;

use common::*;
use iamdl::engine::answer::Answer;
use iamdl::engine::answer::Decision;
use iamdl::engine::request::{Request, Target};
use iamdl::engine::Engine;
use iamdl::iam::PolicyId;
use serde_json::json;

/// `ID(alice): Allow s3:GetObject on arn:aws:s3:::b1/*`, b1 in A.
fn v01_env() -> Engine {
    Snap::new()
        .alice(vec![doc(vec![allow("s3:GetObject", B1_ALL)])])
        .bucket(A, "b1", None)
        .engine()
}

/// V01 | ID(alice): Allow s3:GetObject on arn:aws:s3:::b1/* | alice s3:GetObject b1/x | Allow | E3, M4
#[test]
fn v01_identity_allow_object_wildcard() {
    let e = v01_env();
    expect_allow(&ask(&e, ALICE, "s3:GetObject", B1_X, ctx()));
}

/// V02 | as V01 | alice s3:PutObject b1/x | ImplicitDeny(identity-based policy) | E3
#[test]
fn v02_other_action_implicit_deny() {
    let e = v01_env();
    expect_deny(
        &ask(&e, ALICE, "s3:PutObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V03 | ID(alice): Allow s3:* on *; Deny s3:DeleteObject on * | alice s3:DeleteObject b1/x | ExplicitDeny(identity-based policy) | E3
#[test]
fn v03_explicit_deny_wins() {
    let e = Snap::new()
        .alice(vec![doc(vec![
            allow("s3:*", "*"),
            deny("s3:DeleteObject", "*"),
        ])])
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(&e, ALICE, "s3:DeleteObject", B1_X, ctx()),
        "identity",
        EXPLICIT,
    );
}

/// V04 | ID(alice): Allow S3:getobject on arn:aws:s3:::b1/* | alice s3:GetObject b1/x | Allow | G9, M1
#[test]
fn v04_action_case_insensitive() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("S3:getobject", B1_ALL)])])
        .bucket(A, "b1", None)
        .engine();
    expect_allow(&ask(&e, ALICE, "s3:GetObject", B1_X, ctx()));
}

/// V05 | ID(alice): Allow s3:GetObject on arn:aws:s3:::B1/* | alice s3:GetObject b1/x | ImplicitDeny(identity-based policy) | G9
#[test]
fn v05_resource_case_sensitive() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:GetObject", "arn:aws:s3:::B1/*")])])
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V06 | ID(alice): Allow s3:ListBucket on arn:aws:s3:::b1/* | alice s3:ListBucket arn:aws:s3:::b1 | ImplicitDeny(identity-based policy) | M8
#[test]
fn v06_listbucket_object_arn_does_not_match_bucket() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:ListBucket", B1_ALL)])])
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(&e, ALICE, "s3:ListBucket", B1, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V07 | ID(alice): Allow s3:ListBucket on arn:aws:s3:::b1 | alice s3:ListBucket arn:aws:s3:::b1 | Allow | M8
#[test]
fn v07_listbucket_bucket_arn() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:ListBucket", B1)])])
        .bucket(A, "b1", None)
        .engine();
    expect_allow(&ask(&e, ALICE, "s3:ListBucket", B1, ctx()));
}

/// `ID(alice): Allow NotAction iam:* on *`.
fn v08_env() -> Engine {
    Snap::new()
        .alice(vec![doc(vec![
            json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        ])])
        .engine()
}

/// V08 | ID(alice): Allow NotAction iam:* on * | alice iam:CreateUser on user/x | ImplicitDeny(identity-based policy) | M2
#[test]
fn v08_notaction_excludes_listed_service() {
    let e = v08_env();
    expect_deny(
        &ask(
            &e,
            ALICE,
            "iam:CreateUser",
            "arn:aws:iam::111111111111:user/x",
            ctx(),
        ),
        "identity",
        IMPLICIT,
    );
}

/// V09 | as V08 | alice dynamodb:GetItem on any table | Allow | M2
#[test]
fn v09_notaction_allows_other_services() {
    let e = v08_env();
    expect_allow(&ask(
        &e,
        ALICE,
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-east-1:111111111111:table/t",
        ctx(),
    ));
}

/// `ID(alice): Allow s3:* on *; Deny s3:* NotResource [b1, b1/*]`; b1 and b3 in A.
fn v10_env() -> Engine {
    let fence = json!({"Effect": "Deny", "Action": "s3:*", "NotResource": [B1, B1_ALL]});
    Snap::new()
        .alice(vec![doc(vec![allow("s3:*", "*"), fence])])
        .bucket(A, "b1", None)
        .bucket(A, "b3", None)
        .engine()
}

/// V10 | ID(alice): Allow s3:* on *; Deny s3:* NotResource [arn:aws:s3:::b1, arn:aws:s3:::b1/*] | alice s3:GetObject arn:aws:s3:::b3/x | ExplicitDeny(identity-based policy) | M5
#[test]
fn v10_notresource_deny_outside_list() {
    let e = v10_env();
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", "arn:aws:s3:::b3/x", ctx()),
        "identity",
        EXPLICIT,
    );
}

/// V11 | as V10 | alice s3:GetObject b1/x | Allow | M5
#[test]
fn v11_notresource_deny_spares_listed() {
    let e = v10_env();
    expect_allow(&ask(&e, ALICE, "s3:GetObject", B1_X, ctx()));
}

/// `group devs: Allow s3:GetObject on b1/*; alice ∈ devs; bob ∉ devs`.
fn v12_env() -> Engine {
    Snap::new()
        .group(A, "devs", vec![doc(vec![allow("s3:GetObject", B1_ALL)])])
        .alice(vec![])
        .bob(vec![])
        .bucket(A, "b1", None)
        .engine()
}

/// V12 | group devs: Allow s3:GetObject on b1/*; alice ∈ devs | alice s3:GetObject b1/x | Allow | P1, P2
#[test]
fn v12_group_policy_applies_to_member() {
    let e = v12_env();
    expect_allow(&ask(&e, ALICE, "s3:GetObject", B1_X, ctx()));
}

/// V13 | as V12; bob ∉ devs | bob s3:GetObject b1/x | ImplicitDeny(identity-based policy) | P2
#[test]
fn v13_group_policy_not_for_non_member() {
    let e = v12_env();
    expect_deny(
        &ask(&e, BOB, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

const HOME: &str = "arn:aws:s3:::b1/home/${aws:username}/*";

/// V14 | ID(alice), Version 2012-10-17: Allow s3:GetObject on arn:aws:s3:::b1/home/${aws:username}/* | alice s3:GetObject b1/home/alice/f | Allow | M9
#[test]
fn v14_username_variable_substituted() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:GetObject", HOME)])])
        .bucket(A, "b1", None)
        .engine();
    expect_allow(&ask(
        &e,
        ALICE,
        "s3:GetObject",
        "arn:aws:s3:::b1/home/alice/f",
        ctx(),
    ));
}

/// V15 | as V14 | alice s3:GetObject b1/home/bob/f | ImplicitDeny(identity-based policy) | M9
#[test]
fn v15_username_variable_other_home() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:GetObject", HOME)])])
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(
            &e,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::b1/home/bob/f",
            ctx(),
        ),
        "identity",
        IMPLICIT,
    );
}

/// V16 | as V14 but no Version | alice s3:GetObject b1/home/alice/f | ImplicitDeny(identity-based policy) | G3
#[test]
fn v16_no_version_no_substitution() {
    let e = Snap::new()
        .alice(vec![doc_no_version(vec![allow("s3:GetObject", HOME)])])
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(
            &e,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::b1/home/alice/f",
            ctx(),
        ),
        "identity",
        IMPLICIT,
    );
}

/// V17 | ID(App) as V14 | App/s1 s3:GetObject b1/home/s1/f | ImplicitDeny(identity-based policy) | M9, T30
#[test]
fn v17_username_absent_for_role_session() {
    let e = Snap::new()
        .role(
            A,
            "App",
            trust(service("lambda.amazonaws.com")),
            vec![doc(vec![allow("s3:GetObject", HOME)])],
        )
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(
            &e,
            APP_S1,
            "s3:GetObject",
            "arn:aws:s3:::b1/home/s1/f",
            ctx(),
        ),
        "identity",
        IMPLICIT,
    );
}

/// V18 | BP: Allow Principal alice s3:GetObject b1/*; ID(alice) none | alice s3:GetObject b1/x | Allow | E4, M12
#[test]
fn v18_bucket_policy_naming_user() {
    let bp = doc(vec![grant(
        "Allow",
        aws(ALICE),
        "s3:GetObject",
        Some(B1_ALL),
    )]);
    let e = Snap::new().alice(vec![]).bucket(A, "b1", Some(bp)).engine();
    expect_allow(&ask(&e, ALICE, "s3:GetObject", B1_X, ctx()));
}

/// V19 | BP: Allow Principal 111111111111 s3:GetObject b1/*; ID(bob) none | bob s3:GetObject b1/x | ImplicitDeny(identity-based policy) | M12, T11
#[test]
fn v19_bucket_policy_naming_own_account() {
    let bp = doc(vec![grant("Allow", aws(A), "s3:GetObject", Some(B1_ALL))]);
    let e = Snap::new().bob(vec![]).bucket(A, "b1", Some(bp)).engine();
    expect_deny(
        &ask(&e, BOB, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// App trusted by Lambda, no identity policy; b1's policy grants s3:GetObject to `principal`.
fn app_with_bucket_grant(principal: &str) -> Snap {
    let bp = doc(vec![grant(
        "Allow",
        aws(principal),
        "s3:GetObject",
        Some(B1_ALL),
    )]);
    Snap::new()
        .role(A, "App", trust(service("lambda.amazonaws.com")), vec![])
        .bucket(A, "b1", Some(bp))
}

/// V20 | BP: Allow Principal role/App s3:GetObject b1/*; ID(App) none | App/s1 s3:GetObject b1/x | Allow | E9
#[test]
fn v20_bucket_policy_naming_role() {
    let e = app_with_bucket_grant(APP).engine();
    expect_allow(&ask(&e, APP_S1, "s3:GetObject", B1_X, ctx()));
}

/// V21 | as V20; BND(App): Allow ec2:* on * | App/s1 s3:GetObject b1/x | ImplicitDeny(permissions boundary) | E9
#[test]
fn v21_role_grant_limited_by_boundary() {
    let e = app_with_bucket_grant(APP)
        .boundary(A, "App", doc(vec![allow("ec2:*", "*")]))
        .engine();
    expect_deny(
        &ask(&e, APP_S1, "s3:GetObject", B1_X, ctx()),
        "boundary",
        IMPLICIT,
    );
}

/// V22 | BP: Allow Principal assumed-role/App/s1 s3:GetObject b1/*; BND(App) as V21 | App/s1 s3:GetObject b1/x | Allow | E9
#[test]
fn v22_session_grant_not_limited_by_boundary() {
    let e = app_with_bucket_grant(APP_S1)
        .boundary(A, "App", doc(vec![allow("ec2:*", "*")]))
        .engine();
    expect_allow(&ask(&e, APP_S1, "s3:GetObject", B1_X, ctx()));
}

/// V23 | ID(App): Allow s3:* on *; SP(App/s1): Allow s3:GetObject on * | App/s1 s3:PutObject b1/x | ImplicitDeny(session policy) | E3
#[test]
fn v23_session_policy_limits_role() {
    let mut env = Snap::new()
        .role(
            A,
            "App",
            trust(service("lambda.amazonaws.com")),
            vec![doc(vec![allow("s3:*", "*")])],
        )
        .bucket(A, "b1", None)
        .env();
    let sp = add_session_policy(&mut env, &doc(vec![allow("s3:GetObject", "*")]));
    let e = Engine::new(env);
    expect_deny(
        &ask_with_session(&e, APP_S1, "s3:PutObject", B1_X, ctx(), Some(vec![sp])),
        "session",
        IMPLICIT,
    );
    // The session policy's own action is still allowed.
    expect_allow(&ask_with_session(
        &e,
        APP_S1,
        "s3:GetObject",
        B1_X,
        ctx(),
        Some(vec![sp]),
    ));
}

fn carol_id() -> serde_json::Value {
    doc(vec![allow("s3:GetObject", B1_ALL)])
}

fn bp_for(principal: &str) -> serde_json::Value {
    doc(vec![grant(
        "Allow",
        aws(principal),
        "s3:GetObject",
        Some(B1_ALL),
    )])
}

/// V24 | ID(carol): Allow s3:GetObject on b1/*; BP: Allow Principal carol s3:GetObject b1/* | carol s3:GetObject b1/x | Allow | E5
#[test]
fn v24_cross_account_both_sides() {
    let e = Snap::new()
        .carol(vec![carol_id()])
        .bucket(A, "b1", Some(bp_for(CAROL)))
        .engine();
    expect_allow(&ask(&e, CAROL, "s3:GetObject", B1_X, ctx()));
}

/// V25 | BP as V24; ID(carol) none | carol s3:GetObject b1/x | ImplicitDeny(identity-based policy) | E5
#[test]
fn v25_cross_account_needs_identity() {
    let e = Snap::new()
        .carol(vec![])
        .bucket(A, "b1", Some(bp_for(CAROL)))
        .engine();
    expect_deny(
        &ask(&e, CAROL, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V26 | ID(carol) as V24; no BP | carol s3:GetObject b1/x | ImplicitDeny(resource-based policy) | E5
#[test]
fn v26_cross_account_needs_resource_policy() {
    let e = Snap::new()
        .carol(vec![carol_id()])
        .bucket(A, "b1", None)
        .engine();
    expect_deny(
        &ask(&e, CAROL, "s3:GetObject", B1_X, ctx()),
        "resource",
        IMPLICIT,
    );
}

/// V27 | ID(carol) as V24; BP: Allow Principal 999999999999 s3:GetObject b1/* | carol s3:GetObject b1/x | Allow | E5
#[test]
fn v27_cross_account_account_grant() {
    let e = Snap::new()
        .carol(vec![carol_id()])
        .bucket(A, "b1", Some(bp_for(X)))
        .engine();
    expect_allow(&ask(&e, CAROL, "s3:GetObject", B1_X, ctx()));
}

/// `BP: Allow Principal * s3:GetObject b1/* [if StringEquals aws:PrincipalOrgID o-exampleorg1]`.
fn org_bp() -> serde_json::Value {
    doc(vec![when(
        grant("Allow", json!("*"), "s3:GetObject", Some(B1_ALL)),
        json!({"StringEquals": {"aws:PrincipalOrgID": ORG}}),
    )])
}

fn ops(policies: Vec<serde_json::Value>) -> Snap {
    Snap::new().role(B, "Ops", trust(aws(B)), policies)
}

/// V28 | BP: Allow Principal * s3:GetObject b1/* [if StringEquals aws:PrincipalOrgID o-exampleorg1]; ID(Ops): Allow s3:GetObject on * | Ops/s1 s3:GetObject b1/x | Allow | T5
#[test]
fn v28_principal_org_id_admits_member() {
    let e = ops(vec![doc(vec![allow("s3:GetObject", "*")])])
        .bucket(A, "b1", Some(org_bp()))
        .engine();
    expect_allow(&ask(&e, OPS_S1, "s3:GetObject", B1_X, ctx()));
}

/// V29 | as V28; ID(carol): Allow s3:GetObject on * | carol s3:GetObject b1/x | ImplicitDeny(resource-based policy) | T5
#[test]
fn v29_principal_org_id_rejects_outsider() {
    let e = ops(vec![doc(vec![allow("s3:GetObject", "*")])])
        .carol(vec![doc(vec![allow("s3:GetObject", "*")])])
        .bucket(A, "b1", Some(org_bp()))
        .engine();
    expect_deny(
        &ask(&e, CAROL, "s3:GetObject", B1_X, ctx()),
        "resource",
        IMPLICIT,
    );
}

/// V30 | as V28; ID(Ops) none | Ops/s1 s3:GetObject b1/x | ImplicitDeny(identity-based policy) | E5
#[test]
fn v30_org_grant_still_needs_identity_cross_account() {
    let e = ops(vec![]).bucket(A, "b1", Some(org_bp())).engine();
    expect_deny(
        &ask(&e, OPS_S1, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

fn public_bp() -> serde_json::Value {
    doc(vec![grant(
        "Allow",
        json!("*"),
        "s3:GetObject",
        Some(B1_ALL),
    )])
}

/// V31 | BP: Allow Principal * s3:GetObject b1/*; BPA off | anonymous s3:GetObject b1/x | Allow | E11
#[test]
fn v31_anonymous_public_read() {
    let e = Snap::new()
        .bucket(A, "b1", Some(public_bp()))
        .bucket_pab(A, "b1", false, false)
        .engine();
    expect_allow(&ask(&e, "anonymous", "s3:GetObject", B1_X, ctx()));
}

/// V32 | as V31; bucket RestrictPublicBuckets=true | anonymous s3:GetObject b1/x | ImplicitDeny(S3 Block Public Access) | S2
#[test]
fn v32_restrict_public_buckets_blocks_anonymous() {
    let e = Snap::new()
        .bucket(A, "b1", Some(public_bp()))
        .bucket_pab(A, "b1", true, false)
        .engine();
    expect_deny(
        &ask(&e, "anonymous", "s3:GetObject", B1_X, ctx()),
        "bpa",
        IMPLICIT,
    );
}

/// V33 | SCP@ou: Allow s3:* on * (only SCP at ou); ID(alice): Allow * on * | alice ec2:DescribeInstances | ImplicitDeny(service control policy) | E3, T23
#[test]
fn v33_scp_allow_list_gap_at_ou() {
    let e = Snap::new()
        .without_full_aws_access_at(OU)
        .scp("OnlyS3", doc(vec![allow("s3:*", "*")]), &[OU])
        .alice(vec![doc(vec![allow("*", "*")])])
        .engine();
    expect_deny(
        &ask(&e, ALICE, "ec2:DescribeInstances", "*", ctx()),
        "scp",
        IMPLICIT,
    );
}

fn v34_env() -> Engine {
    Snap::new()
        .scp(
            "DenyBucketDeletion",
            doc(vec![deny("s3:DeleteBucket", "*")]),
            &[ROOT],
        )
        .alice(vec![doc(vec![allow("*", "*")])])
        .bucket(A, "b1", None)
        .engine()
}

/// V34 | SCP@root: Deny s3:DeleteBucket on *; ID(alice): Allow * on * | alice s3:DeleteBucket b1 | ExplicitDeny(service control policy) | E3
#[test]
fn v34_scp_deny() {
    let e = v34_env();
    expect_deny(
        &ask(&e, ALICE, "s3:DeleteBucket", B1, ctx()),
        "scp",
        EXPLICIT,
    );
}

/// V35 | as V34 | root user of A s3:DeleteBucket b1 | ExplicitDeny(service control policy) | P6, T25
#[test]
fn v35_scp_binds_member_root_user() {
    let e = v34_env();
    expect_deny(&ask(&e, A, "s3:DeleteBucket", B1, ctx()), "scp", EXPLICIT);
}

/// V36 | SCP@acct(A): Deny s3:GetObject on *; ID(carol) and BP as V24 | carol s3:GetObject b1/x | Allow | T24
#[test]
fn v36_scp_does_not_bind_outsiders() {
    let e = Snap::new()
        .scp("DenyGetObject", doc(vec![deny("s3:GetObject", "*")]), &[A])
        .carol(vec![carol_id()])
        .alice(vec![doc(vec![allow("s3:GetObject", B1_ALL)])])
        .bucket(A, "b1", Some(bp_for(CAROL)))
        .engine();
    expect_allow(&ask(&e, CAROL, "s3:GetObject", B1_X, ctx()));
    // T24: alice (A) would be denied: the SCP is in force for A's own principals.
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        "scp",
        EXPLICIT,
    );
}

/// V37 | RCP@root: Deny Principal * s3:* on * [if StringNotEqualsIfExists aws:PrincipalOrgID o-exampleorg1, Bool aws:PrincipalIsAWSService false]; ID(carol) and BP as V24 | carol s3:GetObject b1/x | ExplicitDeny(resource control policy) | T26
#[test]
fn v37_rcp_perimeter_denies_outsider() {
    let perimeter = doc(vec![when(
        grant("Deny", json!("*"), "s3:*", Some("*")),
        json!({"StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG}, "Bool": {"aws:PrincipalIsAWSService": "false"}}),
    )]);
    let e = Snap::new()
        .rcp("Perimeter", perimeter, &[ROOT])
        .carol(vec![carol_id()])
        .bucket(A, "b1", Some(bp_for(CAROL)))
        .engine();
    expect_deny(
        &ask(&e, CAROL, "s3:GetObject", B1_X, ctx()),
        "rcp",
        EXPLICIT,
    );
}

/// V38 | TP(App): Allow Principal alice sts:AssumeRole; ID(alice) none | alice sts:AssumeRole role/App | Allow | E7
#[test]
fn v38_trust_naming_user() {
    let e = Snap::new()
        .alice(vec![])
        .role(A, "App", trust(aws(ALICE)), vec![])
        .engine();
    expect_allow(&ask(&e, ALICE, "sts:AssumeRole", APP, ctx()));
}

/// V39 | TP(App): Allow Principal arn:aws:iam::111111111111:root sts:AssumeRole; ID(alice) none | alice sts:AssumeRole role/App | ImplicitDeny(identity-based policy) | E7, T12
#[test]
fn v39_trust_naming_account_needs_identity() {
    let e = Snap::new()
        .alice(vec![])
        .role(
            A,
            "App",
            trust(aws("arn:aws:iam::111111111111:root")),
            vec![],
        )
        .engine();
    expect_deny(
        &ask(&e, ALICE, "sts:AssumeRole", APP, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V40 | as V39; ID(alice): Allow sts:AssumeRole on role/App | alice sts:AssumeRole role/App | Allow | E7
#[test]
fn v40_trust_naming_account_with_identity() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("sts:AssumeRole", APP)])])
        .role(
            A,
            "App",
            trust(aws("arn:aws:iam::111111111111:root")),
            vec![],
        )
        .engine();
    expect_allow(&ask(&e, ALICE, "sts:AssumeRole", APP, ctx()));
}

/// V41 | TP(App): Allow Principal {Service: lambda.amazonaws.com} sts:AssumeRole; ID(alice): Allow * on * | alice sts:AssumeRole role/App | ImplicitDeny(role trust policy) | T13
#[test]
fn v41_admin_cannot_assume_service_role() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("*", "*")])])
        .role(A, "App", trust(service("lambda.amazonaws.com")), vec![])
        .engine();
    expect_deny(
        &ask(&e, ALICE, "sts:AssumeRole", APP, ctx()),
        "trust",
        IMPLICIT,
    );
}

/// V42 | TP(App): Allow Principal 999999999999 sts:AssumeRole; ID(carol): Allow sts:AssumeRole on role/App | carol sts:AssumeRole role/App | Allow | E7
#[test]
fn v42_cross_account_assume_with_account_trust() {
    let e = Snap::new()
        .carol(vec![doc(vec![allow("sts:AssumeRole", APP)])])
        .role(A, "App", trust(aws(X)), vec![])
        .engine();
    expect_allow(&ask(&e, CAROL, "sts:AssumeRole", APP, ctx()));
}

/// V43 | TP(App): Allow Principal carol sts:AssumeRole; ID(carol) none | carol sts:AssumeRole role/App | ImplicitDeny(identity-based policy) | E7
#[test]
fn v43_cross_account_assume_needs_identity() {
    let e = Snap::new()
        .carol(vec![])
        .role(A, "App", trust(aws(CAROL)), vec![])
        .engine();
    expect_deny(
        &ask(&e, CAROL, "sts:AssumeRole", APP, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V44 | as V38; BND(alice): Allow s3:* on * | alice sts:AssumeRole role/App | Allow, explained as "boundary not applied to a user-strength trust grant [U]" (E7) | T35
#[test]
fn v44_user_trust_grant_not_limited_by_boundary() {
    let e = Snap::new()
        .alice(vec![])
        .boundary(A, "alice", doc(vec![allow("s3:*", "*")]))
        .role(A, "App", trust(aws(ALICE)), vec![])
        .engine();
    let a = ask(&e, ALICE, "sts:AssumeRole", APP, ctx());
    expect_allow(&a);
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("boundary") && n.contains("[U]")),
        "the answer must say the boundary was not applied [U]:\n{a:#?}"
    );
}

fn kp_root() -> serde_json::Value {
    doc(vec![grant(
        "Allow",
        aws("arn:aws:iam::111111111111:root"),
        "kms:*",
        Some("*"),
    )])
}

fn kp_key_admin() -> serde_json::Value {
    doc(vec![grant(
        "Allow",
        aws("arn:aws:iam::111111111111:role/KeyAdmin"),
        "kms:*",
        Some("*"),
    )])
}

/// V45 | KP: Allow Principal arn:aws:iam::111111111111:root kms:* on *; ID(alice): Allow kms:Decrypt on key k1 | alice kms:Decrypt k1 | Allow | E8
#[test]
fn v45_key_policy_delegates_to_account() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("kms:Decrypt", K1)])])
        .key(A, "k1", kp_root(), Some(vec![]))
        .engine();
    expect_allow(&ask(&e, ALICE, "kms:Decrypt", K1, ctx()));
}

fn v46_snap() -> Snap {
    Snap::new()
        .alice(vec![doc(vec![allow("kms:*", "*")])])
        .role(A, "KeyAdmin", trust(aws(A)), vec![])
}

/// V46 | KP: Allow Principal role/KeyAdmin kms:* on *; ID(alice): Allow kms:* on * | alice kms:Decrypt k1 (grants loaded, none) | ImplicitDeny(resource-based policy) | E8, T16
#[test]
fn v46_key_without_delegation_grants_loaded() {
    let e = v46_snap()
        .key(A, "k1", kp_key_admin(), Some(vec![]))
        .engine();
    expect_deny(
        &ask(&e, ALICE, "kms:Decrypt", K1, ctx()),
        "resource",
        IMPLICIT,
    );
}

/// V47 | as V46, grants not loaded | alice kms:Decrypt k1 | Conditional(allow_if: a grant allows alice kms:Decrypt on k1) | E8, C14
#[test]
fn v47_key_without_delegation_grants_unknown() {
    let e = v46_snap().key(A, "k1", kp_key_admin(), None).engine();
    expect_conditional(
        &ask(&e, ALICE, "kms:Decrypt", K1, ctx()),
        &["grant", "kms:Decrypt"],
    );
}

/// V48 | KP: Allow Principal alice kms:Decrypt on *; ID(alice) none | alice kms:Decrypt k1 | Allow | T17
#[test]
fn v48_key_policy_naming_user() {
    let kp = doc(vec![grant("Allow", aws(ALICE), "kms:Decrypt", Some("*"))]);
    let e = Snap::new()
        .alice(vec![])
        .key(A, "k1", kp, Some(vec![]))
        .engine();
    expect_allow(&ask(&e, ALICE, "kms:Decrypt", K1, ctx()));
}

/// App trusts Lambda and EC2 (so only `iam:PassRole` decides), alice has `policies`.
fn passrole_engine(alice_policy: Vec<serde_json::Value>) -> Engine {
    let t = doc(vec![grant(
        "Allow",
        json!({"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}),
        "sts:AssumeRole",
        None,
    )]);
    Snap::new()
        .alice(vec![doc(alice_policy)])
        .role(A, "App", t, vec![])
        .engine()
}

const NEW_FN: &str = "arn:aws:lambda:us-east-1:111111111111:function:NewFn";

/// V49 | ID(alice): Allow lambda:CreateFunction on *; no iam:PassRole | alice lambda:CreateFunction passing role/App | ImplicitDeny(identity-based policy) on iam:PassRole | P9
#[test]
fn v49_passrole_missing() {
    let e = passrole_engine(vec![allow("lambda:CreateFunction", "*")]);
    expect_allow(&ask(&e, ALICE, "lambda:CreateFunction", NEW_FN, ctx()));
    let caller = e.resolve_caller(ALICE).unwrap();
    let p = e.can_pass(&caller, APP, "lambda.amazonaws.com", &ctx());
    assert_eq!(p.decision, Decision::Deny, "{p:#?}");
    assert_eq!(p.pass.action, "iam:PassRole");
    expect_deny(&p.pass, "identity", IMPLICIT);
    assert_eq!(
        p.trust.decision,
        Decision::Allow,
        "App's trust allows Lambda:\n{p:#?}"
    );
}

fn v50_policy() -> Vec<serde_json::Value> {
    vec![
        allow("lambda:CreateFunction", "*"),
        when(
            allow("iam:PassRole", APP),
            json!({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        ),
    ]
}

/// V50 | ID(alice): Allow lambda:CreateFunction on *; Allow iam:PassRole on role/App [if StringEquals iam:PassedToService lambda.amazonaws.com] | alice lambda:CreateFunction passing role/App | Allow | P9
#[test]
fn v50_passrole_to_lambda() {
    let e = passrole_engine(v50_policy());
    expect_allow(&ask(&e, ALICE, "lambda:CreateFunction", NEW_FN, ctx()));
    let caller = e.resolve_caller(ALICE).unwrap();
    let p = e.can_pass(&caller, APP, "lambda.amazonaws.com", &ctx());
    assert_eq!(p.decision, Decision::Allow, "{p:#?}");
    expect_allow(&p.pass);
}

/// V51 | as V50 | alice ec2:RunInstances with instance profile holding role/App (iam:PassRole, PassedToService=ec2.amazonaws.com) | ImplicitDeny(identity-based policy) on iam:PassRole | T39
#[test]
fn v51_passrole_to_wrong_service() {
    let e = passrole_engine(v50_policy());
    let caller = e.resolve_caller(ALICE).unwrap();
    let p = e.can_pass(&caller, APP, "ec2.amazonaws.com", &ctx());
    assert_eq!(p.decision, Decision::Deny, "{p:#?}");
    expect_deny(&p.pass, "identity", IMPLICIT);
    assert_eq!(
        p.trust.decision,
        Decision::Allow,
        "App's trust allows EC2:\n{p:#?}"
    );
}

const ALIAS1: &str = "arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS1";
const ALIAS2: &str = "arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS2";

fn lex_engine(svc: &str) -> Engine {
    let fp = doc(vec![when(
        json!({"Sid": "lex-BOT1", "Effect": "Allow", "Principal": {"Service": svc}, "Action": "lambda:InvokeFunction", "Resource": F}),
        json!({"ArnLike": {"AWS:SourceArn": ALIAS1}}),
    )]);
    Snap::new()
        .role(A, "FnRole", trust(service("lambda.amazonaws.com")), vec![])
        .function(
            A,
            "F",
            Some("arn:aws:iam::111111111111:role/FnRole"),
            Some(fp),
        )
        .engine()
}

/// V52 | FP: Allow Principal {Service: lexv2.amazonaws.com} lambda:InvokeFunction on F [if ArnLike AWS:SourceArn arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS1] | lexv2.amazonaws.com lambda:InvokeFunction F, ctx: aws:SourceArn=…/BOT1/ALIAS1 | Allow | S6, T28
#[test]
fn v52_lexv2_invokes_for_its_alias() {
    let e = lex_engine("lexv2.amazonaws.com");
    expect_allow(&ask(
        &e,
        "lexv2.amazonaws.com",
        "lambda:InvokeFunction",
        F,
        ctx_with(&[("aws:SourceArn", ALIAS1)]),
    ));
}

/// V53 | as V52 | same, ctx: aws:SourceArn=…/BOT1/ALIAS2 | ImplicitDeny(resource-based policy) | S6
#[test]
fn v53_lexv2_other_alias_denied() {
    let e = lex_engine("lexv2.amazonaws.com");
    expect_deny(
        &ask(
            &e,
            "lexv2.amazonaws.com",
            "lambda:InvokeFunction",
            F,
            ctx_with(&[("aws:SourceArn", ALIAS2)]),
        ),
        "resource",
        IMPLICIT,
    );
}

/// V54 | FP: Allow Principal {Service: lex.amazonaws.com} lambda:InvokeFunction on F | lexv2.amazonaws.com lambda:InvokeFunction F | ImplicitDeny(resource-based policy) | S6
#[test]
fn v54_lex_v1_principal_does_not_match_v2() {
    let fp = doc(vec![
        json!({"Sid": "lex-v1", "Effect": "Allow", "Principal": {"Service": "lex.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": F}),
    ]);
    let e = Snap::new().function(A, "F", None, Some(fp)).engine();
    expect_deny(
        &ask(&e, "lexv2.amazonaws.com", "lambda:InvokeFunction", F, ctx()),
        "resource",
        IMPLICIT,
    );
}

/// V55 | ID(alice): Allow s3:GetObject on b1/* [if StringEquals aws:PrincipalTag/team red]; alice untagged | alice s3:GetObject b1/x | ImplicitDeny(identity-based policy) | C2
#[test]
fn v55_positive_operator_on_missing_tag() {
    let p = doc(vec![when(
        allow("s3:GetObject", B1_ALL),
        json!({"StringEquals": {"aws:PrincipalTag/team": "red"}}),
    )]);
    let e = Snap::new().alice(vec![p]).bucket(A, "b1", None).engine();
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V56 | ID(alice): Allow * on *; Deny * on * [if StringNotEquals aws:PrincipalTag/team red]; alice untagged | alice s3:GetObject b1/x | ExplicitDeny(identity-based policy) | C2, T32
#[test]
fn v56_negated_operator_on_missing_tag_denies() {
    let p = doc(vec![
        allow("*", "*"),
        when(
            deny("*", "*"),
            json!({"StringNotEquals": {"aws:PrincipalTag/team": "red"}}),
        ),
    ]);
    let e = Snap::new().alice(vec![p]).bucket(A, "b1", None).engine();
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        "identity",
        EXPLICIT,
    );
}

const INSTANCE: &str = "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0";

fn tags_engine(op: &str) -> Engine {
    let p = doc(vec![when(
        allow("ec2:CreateTags", "*"),
        json!({op: {"aws:TagKeys": ["Env", "Owner"]}}),
    )]);
    Snap::new().alice(vec![p]).engine()
}

fn tag_keys(keys: &[&str]) -> iamdl::engine::request::UserContext {
    let mut c = ctx();
    set_values(&mut c, "aws:TagKeys", keys);
    c
}

/// V57 | ID(alice): Allow ec2:CreateTags on * [if ForAllValues:StringEquals aws:TagKeys [Env, Owner]] | alice ec2:CreateTags, ctx: aws:TagKeys = [] | Allow | C12
#[test]
fn v57_for_all_values_empty_set_is_true() {
    let e = tags_engine("ForAllValues:StringEquals");
    expect_allow(&ask(&e, ALICE, "ec2:CreateTags", INSTANCE, tag_keys(&[])));
}

/// V58 | as V57 but ForAnyValue:StringEquals | alice ec2:CreateTags, ctx: aws:TagKeys = [] | ImplicitDeny(identity-based policy) | C12
#[test]
fn v58_for_any_value_empty_set_is_false() {
    let e = tags_engine("ForAnyValue:StringEquals");
    expect_deny(
        &ask(&e, ALICE, "ec2:CreateTags", INSTANCE, tag_keys(&[])),
        "identity",
        IMPLICIT,
    );
}

/// V59 | as V57 | alice ec2:CreateTags, ctx: aws:TagKeys = [Env, Cost] | ImplicitDeny(identity-based policy) | C12
#[test]
fn v59_for_all_values_extra_key_fails() {
    let e = tags_engine("ForAllValues:StringEquals");
    expect_deny(
        &ask(
            &e,
            ALICE,
            "ec2:CreateTags",
            INSTANCE,
            tag_keys(&["Env", "Cost"]),
        ),
        "identity",
        IMPLICIT,
    );
}

/// V60 | ID(alice): Allow s3:GetObject on b1/* [if IpAddress aws:SourceIp 203.0.113.0/24] | alice s3:GetObject b1/x (no ctx) | Conditional(allow_if: aws:SourceIp ∈ 203.0.113.0/24) | C14
#[test]
fn v60_unknown_source_ip_is_conditional() {
    let p = doc(vec![when(
        allow("s3:GetObject", B1_ALL),
        json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    )]);
    let e = Snap::new().alice(vec![p]).bucket(A, "b1", None).engine();
    expect_conditional(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        &["allowed if", "aws:SourceIp", "203.0.113.0/24"],
    );
}

fn v61_engine() -> Engine {
    let p = doc(vec![
        allow("s3:*", "*"),
        when(
            deny("s3:*", "*"),
            json!({"Bool": {"aws:SecureTransport": "false"}}),
        ),
    ]);
    Snap::new().alice(vec![p]).bucket(A, "b1", None).engine()
}

/// V61 | ID(alice): Allow s3:* on *; Deny s3:* on * [if Bool aws:SecureTransport false] | alice s3:GetObject b1/x (no ctx) | Conditional(deny_if: aws:SecureTransport = false) | C14
#[test]
fn v61_unknown_secure_transport_is_conditional_deny() {
    let e = v61_engine();
    expect_conditional(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        &["denied if", "aws:SecureTransport", "false"],
    );
}

/// V62 | as V61 | alice s3:GetObject b1/x, ctx: aws:SecureTransport=true | Allow | C6
#[test]
fn v62_secure_transport_true_allows() {
    let e = v61_engine();
    expect_allow(&ask(
        &e,
        ALICE,
        "s3:GetObject",
        B1_X,
        ctx_with(&[("aws:SecureTransport", "true")]),
    ));
}

fn null_token_policy() -> serde_json::Value {
    doc(vec![when(
        allow("ec2:*", "*"),
        json!({"Null": {"aws:TokenIssueTime": "true"}}),
    )])
}

/// V63 | ID(alice): Allow ec2:* on * [if Null aws:TokenIssueTime true] | alice (access keys) ec2:DescribeInstances | Allow | C11
///
/// "access keys" is request information: long-term keys carry no `aws:TokenIssueTime`, so the
/// request context declares the key absent.
#[test]
fn v63_null_true_for_long_term_keys() {
    let e = Snap::new().alice(vec![null_token_policy()]).engine();
    let mut c = ctx();
    c.absent("aws:TokenIssueTime");
    expect_allow(&ask(&e, ALICE, "ec2:DescribeInstances", "*", c));
}

/// V64 | ID(App) as V63 | App/s1 ec2:DescribeInstances | ImplicitDeny(identity-based policy) | C11
///
/// A role session always uses temporary credentials, so `aws:TokenIssueTime` is present; the row
/// gives no context. See also `v64_with_token_issue_time_in_context`, the same request with the
/// key's value given.
#[test]
fn v64_null_true_fails_for_role_session() {
    let e = v64_engine();
    expect_deny(
        &ask(&e, APP_S1, "ec2:DescribeInstances", "*", ctx()),
        "identity",
        IMPLICIT,
    );
}

fn v64_engine() -> Engine {
    Snap::new()
        .role(
            A,
            "App",
            trust(service("lambda.amazonaws.com")),
            vec![null_token_policy()],
        )
        .engine()
}

/// V64 with the session's `aws:TokenIssueTime` supplied in the request context: the `Null`
/// test fails, so the only identity Allow does not apply.
#[test]
fn v64_with_token_issue_time_in_context() {
    let e = v64_engine();
    let c = ctx_with(&[("aws:TokenIssueTime", "2026-01-01T00:00:00Z")]);
    expect_deny(
        &ask(&e, APP_S1, "ec2:DescribeInstances", "*", c),
        "identity",
        IMPLICIT,
    );
}

/// V65 | ID(alice): Allow * on *; Deny NotAction iam:* on * [if BoolIfExists aws:MultiFactorAuthPresent false] | alice (access keys, key absent) s3:ListAllMyBuckets | ExplicitDeny(identity-based policy) | T4, C10
#[test]
fn v65_mfa_deny_applies_when_key_absent() {
    let p = doc(vec![
        allow("*", "*"),
        when(
            json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        ),
    ]);
    let e = Snap::new().alice(vec![p]).engine();
    let mut c = ctx();
    c.absent("aws:MultiFactorAuthPresent");
    expect_deny(
        &ask(&e, ALICE, "s3:ListAllMyBuckets", "*", c),
        "identity",
        EXPLICIT,
    );
}

const FRED: &str = "arn:aws:sts::111111111111:federated-user/fred";

/// The federated-user session `fred` created by alice with `GetFederationToken` (E10): the
/// session ARN does not name its creator, so the question names it.
fn fred(e: &Engine) -> iamdl::engine::request::Caller {
    e.federated_session(FRED, "user/alice")
        .expect("fred resolves")
}

/// Asks as fred, with the given session policies.
fn ask_fred(e: &Engine, action: &str, resource: &str, sp: Option<Vec<PolicyId>>) -> Answer {
    e.can(&Request {
        caller: fred(e),
        action: action.into(),
        target: Target::parse(resource),
        context: ctx(),
        session_policies: sp,
    })
}

/// V66 | federated session fred of alice; ID(alice): Allow s3:* on *; SP: Allow s3:GetObject on * | fred s3:GetObject b1/x | Allow | E10
#[test]
fn v66_federated_session_with_session_policy() {
    let mut env = Snap::new()
        .alice(vec![doc(vec![allow("s3:*", "*")])])
        .bucket(A, "b1", None)
        .env();
    let sp = add_session_policy(&mut env, &doc(vec![allow("s3:GetObject", "*")]));
    let e = Engine::new(env);
    // fred is a GetFederationToken session of alice: alice's identity ∩ the session policy.
    expect_allow(&ask_fred(&e, "s3:GetObject", B1_X, Some(vec![sp])));
    // The session policy does not allow PutObject: the intersection denies it.
    expect_deny(
        &ask_fred(&e, "s3:PutObject", B1_X, Some(vec![sp])),
        "session",
        IMPLICIT,
    );
}

/// V67 | as V66 but no session policy passed | fred s3:GetObject b1/x | ImplicitDeny(session policy) | E10
#[test]
fn v67_federated_session_without_session_policy() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:*", "*")])])
        .bucket(A, "b1", None)
        .engine();
    // Without a session policy a federated-user session has no identity-derived permissions.
    expect_deny(
        &ask_fred(&e, "s3:GetObject", B1_X, None),
        "session",
        IMPLICIT,
    );
    // The ARN alone does not say who created the session: resolving it is an error, not a guess.
    let err = e.resolve_caller(FRED).unwrap_err();
    assert!(err.contains("--federated-by"), "{err}");
    // A role cannot create a federated-user session.
    assert!(e.federated_session(FRED, APP).is_err());
}

/// E10 | bucket policy names fred's session ARN; ID(alice): nothing; no session policy | fred s3:GetObject b1/x | Allow
/// (a grant naming the session is limited by nothing but denies, M12 `session` strength)
#[test]
fn e10_grant_naming_the_federated_session() {
    let bp = doc(vec![grant(
        "Allow",
        aws(FRED),
        "s3:GetObject",
        Some("arn:aws:s3:::b1/*"),
    )]);
    let e = Snap::new().alice(vec![]).bucket(A, "b1", Some(bp)).engine();
    expect_allow(&ask_fred(&e, "s3:GetObject", B1_X, None));
    // alice herself is not named.
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// E10 | bucket policy names alice's user ARN | fred s3:GetObject b1/x: without a session policy
/// ImplicitDeny(session policy); with one allowing it, Allow (entity strength, E9/M12)
#[test]
fn e10_grant_naming_the_federating_user_is_limited_by_the_session_policy() {
    let bp = doc(vec![grant(
        "Allow",
        aws(ALICE),
        "s3:GetObject",
        Some("arn:aws:s3:::b1/*"),
    )]);
    let mut env = Snap::new().alice(vec![]).bucket(A, "b1", Some(bp)).env();
    let sp = add_session_policy(&mut env, &doc(vec![allow("s3:GetObject", "*")]));
    let e = Engine::new(env);
    expect_deny(
        &ask_fred(&e, "s3:GetObject", B1_X, None),
        "session",
        IMPLICIT,
    );
    expect_allow(&ask_fred(&e, "s3:GetObject", B1_X, Some(vec![sp])));
    // alice with her own credentials: the user-strength grant suffices.
    expect_allow(&ask(&e, ALICE, "s3:GetObject", B1_X, ctx()));
}

/// E10, M9 | condition on aws:PrincipalType / aws:PrincipalArn: fred is `FederatedUser` with
/// his session ARN
#[test]
fn e10_federated_session_context_keys() {
    let id = doc(vec![when(
        allow("s3:GetObject", "*"),
        json!({"StringEquals": {"aws:PrincipalType": "FederatedUser", "aws:PrincipalArn": FRED}}),
    )]);
    let mut env = Snap::new().alice(vec![id]).bucket(A, "b1", None).env();
    let sp = add_session_policy(&mut env, &doc(vec![allow("s3:*", "*")]));
    let e = Engine::new(env);
    expect_allow(&ask_fred(&e, "s3:GetObject", B1_X, Some(vec![sp])));
    expect_deny(
        &ask(&e, ALICE, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// V68 | ID(alice): Allow * on *; Deny sts:* on * | alice sts:GetCallerIdentity | Allow | S8
#[test]
fn v68_get_caller_identity_under_deny() {
    let e = Snap::new()
        .alice(vec![doc(vec![allow("*", "*"), deny("sts:*", "*")])])
        .engine();
    expect_allow(&ask(&e, ALICE, "sts:GetCallerIdentity", "*", ctx()));
}

/// V69 | TP(App): Allow Principal AROAEXAMPLEID123 sts:AssumeRole (the id of role Caller, since deleted); role Caller re-created with the same name | Caller/s1 sts:AssumeRole role/App | ImplicitDeny(role trust policy) | G7, T27
#[test]
fn v69_deleted_principal_id_matches_nothing() {
    let e = Snap::new()
        .role(A, "App", trust(aws("AROAEXAMPLEID123")), vec![])
        .role_with_id(
            A,
            "Caller",
            "AROANEWCALLERID00001",
            trust(service("ec2.amazonaws.com")),
            vec![],
        )
        .engine();
    expect_deny(
        &ask(
            &e,
            "arn:aws:sts::111111111111:assumed-role/Caller/s1",
            "sts:AssumeRole",
            APP,
            ctx(),
        ),
        "trust",
        IMPLICIT,
    );
}

/// V70 | BP: Allow Principal {Service: lambda.amazonaws.com} s3:GetObject b1/*; ID(App) none | App/s1 (Lambda execution role) s3:GetObject b1/x | ImplicitDeny(identity-based policy) | T40
#[test]
fn v70_service_grant_does_not_cover_execution_role() {
    let bp = doc(vec![grant(
        "Allow",
        service("lambda.amazonaws.com"),
        "s3:GetObject",
        Some(B1_ALL),
    )]);
    let e = Snap::new()
        .role(A, "App", trust(service("lambda.amazonaws.com")), vec![])
        .function(A, "F", Some(APP), None)
        .bucket(A, "b1", Some(bp))
        .engine();
    expect_deny(
        &ask(&e, APP_S1, "s3:GetObject", B1_X, ctx()),
        "identity",
        IMPLICIT,
    );
}

/// An action pattern in a question means "some action the pattern names": `who can s3:*`
/// lists a principal allowed only s3:PutObject (a compliance gate `assert none: who can s3:*`
/// must not pass because no statement names the literal `s3:*`), with the actions it may
/// perform; a pattern naming none of its actions does not list it.
#[test]
fn action_pattern_questions_cover_every_named_action() {
    use iamdl::engine::request::{Target, UserContext};
    let e = Snap::new()
        .alice(vec![doc(vec![allow("s3:PutObject", "arn:aws:s3:::b1/*")])])
        .bucket(A, "b1", None)
        .engine();
    let ctx = UserContext::default();
    let t = Target::Exact(B1_X.to_string());
    let any = e.who_can("s3:*", &t, &ctx);
    let alice = any
        .principals
        .iter()
        .find(|p| p.principal == ALICE)
        .expect("alice can do some s3 action on b1/x");
    assert_eq!(alice.decision, Decision::Allow);
    assert_eq!(alice.actions, vec!["s3:PutObject".to_string()]);
    let put = e.who_can("s3:Put*", &t, &ctx);
    assert!(put.principals.iter().any(|p| p.principal == ALICE));
    let get = e.who_can("s3:Get*", &t, &ctx);
    assert!(!get.principals.iter().any(|p| p.principal == ALICE));
    // `can` with a pattern: the most permissive of the named actions.
    let a = ask(&e, ALICE, "s3:*", B1_X, ctx.clone());
    assert_eq!(
        (a.decision, a.action.as_str()),
        (Decision::Allow, "s3:PutObject")
    );
    expect_deny(&ask(&e, ALICE, "s3:Get*", B1_X, ctx), "identity", IMPLICIT);
}

/// E10 | a federated-user session of the root user without a session policy | s3:GetObject b1/x | ImplicitDeny(session policy)
#[test]
fn e10_root_federated_session_needs_a_session_policy() {
    let e = Snap::new().alice(vec![]).bucket(A, "b1", None).engine();
    let caller = e.federated_session("fed", A).expect("root session");
    let a = e.can(&Request {
        caller,
        action: "s3:GetObject".into(),
        target: Target::parse(B1_X),
        context: ctx(),
        session_policies: None,
    });
    expect_deny(&a, "session", IMPLICIT);
}
