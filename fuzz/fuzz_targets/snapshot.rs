//! The snapshot loader (and the engine on what it loads): the input is split at NUL bytes into
//! the files of a small snapshot, written to a temporary folder and loaded; a load that succeeds
//! is indexed and asked one question. Errors are fine, panics are not.
#![no_main]

use iamdl::engine::request::{Request, Target, UserContext};
use iamdl::engine::Engine;
use iamdl::input::{load, LoadOptions};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 8] = [
    "accounts/111111111111/iam/get-account-authorization-details.json",
    "accounts/111111111111/s3/list-buckets.json",
    "accounts/111111111111/s3/get-bucket-policy/b.json",
    "accounts/111111111111/lambda/list-functions.json",
    "accounts/111111111111/lambda/get-policy/f.json",
    "accounts/111111111111/kms/list-keys.json",
    "organization/describe-policy/p-1.json",
    "organization/list-accounts-for-parent/r-ab12.json",
];

fuzz_target!(|data: &[u8]| {
    // A memory file system when there is one: on disk, creating and removing the folder costs
    // far more than loading it.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("tempdir");
    for (part, rel) in data.split(|&b| b == 0).zip(FILES) {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, part).unwrap();
    }
    match load(dir.path(), &LoadOptions::default()) {
        Ok(env) => {
            let engine = Engine::new(env);
            if let Ok(caller) = engine.resolve_caller("111111111111") {
                let req = Request {
                    caller,
                    action: "s3:GetObject".into(),
                    target: Target::parse("arn:aws:s3:::b/k"),
                    context: UserContext::default(),
                    session_policies: None,
                };
                let _ = engine.can(&req);
            }
        }
        Err(f) => assert!(!f.errors.is_empty()),
    }
});
