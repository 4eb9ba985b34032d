//! Gaps a snapshot shows in itself: documents that should be there and are not.
//!
//! The layout reads a missing resource-policy file as "no policy" (snapshot-layout.md), which is
//! right when the collector asked and AWS said so, and wrong when the call failed or was never
//! made. `scripts/collect-snapshot.sh` therefore records what it asked in `manifest.json` at the
//! snapshot root: the accounts and regions it collected and every document AWS answered "none"
//! for (`absent`). With a manifest, any resource in an inventory without a policy file *and*
//! without an `absent` entry is a gap. Without one (a hand-made snapshot) only what is always a
//! gap is reported: a KMS key with no key policy (every key has one), a region that has some
//! inventories of an account but not others, and failures listed in `errors.log`.
//!
//! Gaps are warnings: answers stay as the layout defines them, the user is told what is unknown.

use crate::iam::{Diagnostic, Environment, ResourceKind};
use rustc_hash::FxHashSet;
use std::path::Path;

/// The regional inventories the collector writes per account and region (service folder, base).
const REGIONAL_INVENTORIES: &[(&str, &str)] = &[
    ("lambda", "list-functions"),
    ("kms", "list-keys"),
    ("kms", "list-aliases"),
    ("sqs", "list-queues"),
    ("sns", "list-topics"),
    ("secretsmanager", "list-secrets"),
];

/// A file name for a resource name as the collector writes it: bytes other than
/// `A-Z a-z 0-9 . _ + = @ -` become `%XX`, and a leading `.` becomes `%2E`.
pub fn safe_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, b) in name.bytes().enumerate() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'+' | b'=' | b'@' | b'-' => {
                out.push(b as char)
            }
            b'.' if i > 0 => out.push('.'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    out
}

/// What `manifest.json` says (only the parts gap detection uses).
#[derive(Debug, Default)]
struct Manifest {
    accounts: Vec<String>,
    regions: Vec<String>,
    skipped: Vec<String>,
    absent: FxHashSet<String>,
}

fn read_manifest(root: &Path, warnings: &mut Vec<Diagnostic>) -> Option<Manifest> {
    let p = root.join("manifest.json");
    // Like the walk, never follow a symbolic link out of the snapshot.
    let meta = std::fs::symlink_metadata(&p).ok()?;
    if !meta.is_file() {
        return None;
    }
    let warn = |location: String, message: String| Diagnostic {
        file: "manifest.json".into(),
        location,
        message,
    };
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) => {
            warnings.push(warn(
                String::new(),
                format!("cannot read file: {e}; gaps not checked"),
            ));
            return None;
        }
    };
    let v: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            warnings.push(warn(
                format!("line {} column {}", e.line(), e.column()),
                format!("{e}; gaps not checked"),
            ));
            return None;
        }
    };
    // Only the collector's manifest describes what was asked; another tool's (gen_org.py
    // writes its own `manifest.json`) says nothing about gaps.
    let ours = v
        .get("generator")
        .and_then(|g| g.as_str())
        .is_some_and(|g| g.contains("collect-snapshot"));
    if !ours {
        return None;
    }
    let mut m = Manifest::default();
    let mut strings = |key: &str, out: &mut dyn FnMut(String)| match v.get(key) {
        None => {}
        Some(serde_json::Value::Array(items)) => {
            for (i, it) in items.iter().enumerate() {
                match it.as_str() {
                    Some(s) => out(s.to_string()),
                    None => {
                        warnings.push(warn(format!("$.{key}[{i}]"), "expected a string".into()))
                    }
                }
            }
        }
        Some(_) => warnings.push(warn(
            format!("$.{key}"),
            "expected an array of strings".into(),
        )),
    };
    strings("accounts", &mut |s| m.accounts.push(s));
    strings("regions", &mut |s| m.regions.push(s));
    strings("skipped_accounts", &mut |s| m.skipped.push(s));
    strings("absent", &mut |s| {
        m.absent.insert(s);
    });
    Some(m)
}

/// The per-resource file of a resource (without and with the region folder), if it has one.
fn policy_files(kind: ResourceKind, arn: &str, account: &str, region: &str) -> Option<[String; 2]> {
    let last = |sep: char| arn.rsplit(sep).next().unwrap_or("").to_string();
    let (dir, name) = match kind {
        ResourceKind::S3Bucket => {
            let name = arn
                .strip_prefix("arn:aws:s3:::")
                .or_else(|| arn.split(":::").nth(1))?;
            if name.contains('/') {
                return None;
            }
            let f = format!(
                "accounts/{account}/s3/get-bucket-policy/{}.json",
                safe_name(name)
            );
            return Some([f.clone(), f]);
        }
        ResourceKind::LambdaFunction => ("lambda/get-policy", last(':')),
        ResourceKind::KmsKey => ("kms/get-key-policy", last('/')),
        ResourceKind::SqsQueue => ("sqs/get-queue-attributes", last(':')),
        ResourceKind::SnsTopic => ("sns/get-topic-attributes", last(':')),
        ResourceKind::Secret => {
            // arn:...:secret:NAME-XXXXXX (six random characters after the last '-').
            let full = arn.split_once(":secret:").map(|(_, n)| n).unwrap_or("");
            let name = match full.rsplit_once('-') {
                Some((n, suffix)) if suffix.len() == 6 => n,
                _ => full,
            };
            ("secretsmanager/get-resource-policy", name.to_string())
        }
        _ => return None,
    };
    let enc = safe_name(&name);
    Some([
        format!("accounts/{account}/{dir}/{enc}.json"),
        format!("accounts/{account}/{dir}/{region}/{enc}.json"),
    ])
}

/// The gaps of the snapshot at `root` whose classified files are `files` (paths relative to
/// the root, `/`-separated), as warnings.
pub fn check(root: &Path, files: &[String], env: &Environment) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let manifest = read_manifest(root, &mut warnings);
    let present: FxHashSet<&str> = files.iter().map(String::as_str).collect();

    // Failures the collector logged.
    if let Ok(meta) = std::fs::symlink_metadata(root.join("errors.log")) {
        if meta.is_file() {
            let n = std::fs::read_to_string(root.join("errors.log"))
                .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
                .unwrap_or(0);
            if n > 0 {
                warnings.push(Diagnostic {
                    file: "errors.log".into(),
                    location: String::new(),
                    message: format!("the collector logged {n} failed call(s): what they would have returned is unknown"),
                });
            }
        }
    }

    if let Some(m) = &manifest {
        for a in &m.skipped {
            warnings.push(Diagnostic {
                file: "manifest.json".into(),
                location: "$.skipped_accounts".into(),
                message: format!("account {a} could not be entered by the collector: its principals, resources and policies are unknown"),
            });
        }
        for a in &m.accounts {
            for f in [
                "iam/get-account-authorization-details.json",
                "s3/list-buckets.json",
            ] {
                let rel = format!("accounts/{a}/{f}");
                if !present.contains(rel.as_str()) {
                    warnings.push(Diagnostic {
                        file: rel,
                        location: String::new(),
                        message: "missing: the collector visited this account but recorded no answer (see errors.log)".into(),
                    });
                }
            }
            for r in &m.regions {
                for (svc, base) in REGIONAL_INVENTORIES {
                    let rel = format!("accounts/{a}/{svc}/{base}.{r}.json");
                    if !present.contains(rel.as_str()) {
                        warnings.push(Diagnostic {
                            file: rel,
                            location: String::new(),
                            message: format!("region {r} has no {svc} inventory: its resources there are unknown"),
                        });
                    }
                }
            }
        }
    } else {
        // Without a manifest: a region that has some of an account's split inventories but not
        // another service's, when that service is split by region at all.
        let mut by_acct: std::collections::BTreeMap<&str, FxHashSet<(String, String)>> =
            Default::default();
        for f in files {
            let parts: Vec<&str> = f.split('/').collect();
            if let ["accounts", a, svc, name] = parts.as_slice() {
                for (s, base) in REGIONAL_INVENTORIES {
                    if svc == s {
                        if let Some(r) = name
                            .strip_prefix(base)
                            .and_then(|x| x.strip_prefix('.'))
                            .and_then(|x| x.strip_suffix(".json"))
                        {
                            by_acct
                                .entry(a)
                                .or_default()
                                .insert((format!("{s}/{base}"), r.to_string()));
                        }
                    }
                }
            }
        }
        for (a, set) in by_acct {
            let regions: std::collections::BTreeSet<&str> =
                set.iter().map(|(_, r)| r.as_str()).collect();
            let invs: std::collections::BTreeSet<&str> =
                set.iter().map(|(i, _)| i.as_str()).collect();
            for inv in &invs {
                for r in &regions {
                    if !set.contains(&(inv.to_string(), r.to_string())) {
                        warnings.push(Diagnostic {
                            file: format!("accounts/{a}/{inv}.{r}.json"),
                            location: String::new(),
                            message: format!("region {r} has other inventories of this account but not this one: its resources there are unknown"),
                        });
                    }
                }
            }
        }
    }

    // Resources listed in an inventory with no recorded policy answer.
    let checked: Option<FxHashSet<&str>> = manifest
        .as_ref()
        .map(|m| m.accounts.iter().map(String::as_str).collect());
    for r in &env.resources {
        if r.policy.is_some() {
            continue;
        }
        let Some(cands) = policy_files(r.kind, &r.arn, &r.account, &r.region) else {
            continue;
        };
        if cands.iter().any(|c| present.contains(c.as_str())) {
            continue;
        }
        let answered_absent = manifest
            .as_ref()
            .is_some_and(|m| cands.iter().any(|c| m.absent.contains(c)));
        let in_scope = checked
            .as_ref()
            .is_some_and(|s| s.contains(r.account.as_str()));
        let always = r.kind == ResourceKind::KmsKey;
        if answered_absent || !(in_scope || always) {
            continue;
        }
        let what = match r.kind {
            ResourceKind::KmsKey => "key policy (every key has one)",
            ResourceKind::LambdaFunction => "get-policy answer",
            ResourceKind::S3Bucket => "get-bucket-policy answer",
            ResourceKind::SqsQueue | ResourceKind::SnsTopic => "attributes (policy) answer",
            _ => "resource-policy answer",
        };
        warnings.push(Diagnostic {
            file: cands[1].clone(),
            location: String::new(),
            message: format!("`{}` is in an inventory but no {what} was recorded: its resource policy is unknown and treated as none", r.arn),
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_match_the_collector() {
        assert_eq!(safe_name("prod/db-password"), "prod%2Fdb-password");
        assert_eq!(safe_name("a.b_c+d=e@f-g"), "a.b_c+d=e@f-g");
        assert_eq!(safe_name(".."), "%2E.");
        assert_eq!(safe_name("50%"), "50%25");
        assert_eq!(safe_name("é"), "%C3%A9");
        assert_eq!(safe_name(""), "%00");
    }
}
