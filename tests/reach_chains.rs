//! `reach` lists, for a principal that reaches a resource only through role chains, the actions
//! of every role with access it can assume — not only those of the role on its shortest chain.

mod common;
use common::*;
use serde_json::json;

#[test]
fn chained_principal_lists_the_actions_of_every_role_it_reaches() {
    let reader = "arn:aws:iam::111111111111:role/Reader";
    let writer = "arn:aws:iam::111111111111:role/Writer";
    let e = Snap::new()
        .alice(vec![doc(vec![allow(
            "sts:AssumeRole",
            json!([reader, writer]),
        )])])
        .role(
            A,
            "Reader",
            trust(aws(ALICE)),
            vec![doc(vec![allow("s3:GetObject", B1_ALL)])],
        )
        .role(
            A,
            "Writer",
            trust(aws(ALICE)),
            vec![doc(vec![allow("s3:PutObject", B1_ALL)])],
        )
        .bucket(A, "b1", None)
        .engine();
    let ans = e.reach(B1, &ctx());
    let alice = ans
        .principals
        .iter()
        .find(|p| p.principal == ALICE)
        .unwrap_or_else(|| panic!("alice not listed: {:#?}", ans.principals));
    assert_eq!(alice.via.len(), 1, "{alice:#?}");
    assert!(
        alice.actions.contains(&"s3:GetObject".to_string())
            && alice.actions.contains(&"s3:PutObject".to_string()),
        "alice reaches both roles: {alice:#?}"
    );
    assert!(
        alice.access.contains(&"Read".to_string()) && alice.access.contains(&"Write".to_string())
    );
    // Each role keeps its own actions only.
    let w = ans
        .principals
        .iter()
        .find(|p| p.principal == writer)
        .expect("writer");
    assert_eq!(w.actions, vec!["s3:PutObject".to_string()]);
}
