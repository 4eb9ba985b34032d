//! `needs` lists the dependent actions the IAM action catalog gives for an action. The vendored
//! catalog lists none (its source carries none), so this test loads a small catalog that does:
//! the code path is the one a future catalog with dependent actions takes.

mod common;

use common::*;
use iamdl::catalog::Catalog;
use iamdl::triage::needs::{needs, NeedsOptions};

const MINI: &str = r#"{"format": "iamdl-iam-catalog-min/1", "services": {
  "s3": {"rcp_supported": true,
         "actions": {"GetObject": ["R", ["object*"], [], ["kms:Decrypt"]],
                     "PutObject": ["W", ["object*"], []]},
         "resource_types": {"object": "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
                            "bucket": "arn:${Partition}:s3:::${BucketName}"},
         "condition_keys": {}},
  "kms": {"rcp_supported": true,
          "actions": {"Decrypt": ["W", [], []]},
          "resource_types": {}, "condition_keys": {}}}}"#;

#[test]
fn dependent_actions_from_the_catalog_are_requirements() {
    let catalog: &'static Catalog =
        Box::leak(Box::new(Catalog::from_json(MINI).expect("mini catalog")));
    let s3_only = doc(vec![allow("s3:GetObject", "*")]);
    let mut e = Snap::new()
        .alice(vec![s3_only])
        .bucket(A, "b1", None)
        .engine();
    e.catalog = catalog;
    let ans = needs(&e, ALICE, "s3:GetObject", B1_X, &NeedsOptions::default()).expect("needs");
    let dep = ans
        .requirements
        .iter()
        .find(|r| r.action == "kms:Decrypt")
        .expect("a requirement for the dependent action");
    assert_eq!(dep.status, "missing", "{dep:?}");
    assert!(
        dep.what.contains("dependent action of s3:GetObject"),
        "{}",
        dep.what
    );
    assert!(
        !dep.fixes.is_empty(),
        "a missing dependent action comes with its fix"
    );
    // No dependent actions: none listed, and the note says so.
    let put = needs(&e, ALICE, "s3:PutObject", B1_X, &NeedsOptions::default()).expect("needs");
    assert!(put.requirements.iter().all(|r| r.action != "kms:Decrypt"));
    assert!(put
        .notes
        .iter()
        .any(|n| n.contains("no dependent actions for s3:PutObject")));
}
