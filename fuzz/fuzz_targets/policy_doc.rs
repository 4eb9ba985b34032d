//! The policy-document parser: any text, as any kind of policy, is parsed or refused with
//! diagnostics, never a panic. The first byte picks the kind (which elements are allowed).
#![no_main]

use iamdl::iam::{PolicyKind, ResourceKind};
use iamdl::input::policy_doc::{parse_policy, DocSource};
use libfuzzer_sys::fuzz_target;

const KINDS: [PolicyKind; 8] = [
    PolicyKind::Inline,
    PolicyKind::CustomerManaged,
    PolicyKind::Scp,
    PolicyKind::Rcp,
    PolicyKind::Session,
    PolicyKind::Resource(ResourceKind::S3Bucket),
    PolicyKind::Resource(ResourceKind::IamRole),
    PolicyKind::Resource(ResourceKind::KmsKey),
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let src = DocSource {
        file: "fuzz.json".into(),
        json_path: "$".into(),
        name: "fuzz".into(),
        arn: None,
        kind: KINDS[k as usize % KINDS.len()],
    };
    if let Err(ds) = parse_policy(text, &src) {
        assert!(!ds.is_empty(), "an error names at least one problem");
        for d in ds {
            assert_eq!(d.file, "fuzz.json");
        }
    }
});
