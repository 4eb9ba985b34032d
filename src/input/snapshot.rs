//! Reading an environment snapshot (the folder layout of `snapshot-layout.md`) or a single
//! `get-account-authorization-details` file into an [`Environment`].
//!
//! Files are read and parsed in parallel; policy documents of AWS-managed policies, repeated in
//! every account's authorization details, are parsed once. Every problem is collected; the
//! environment is returned only when there were none, or with `allow_partial`.

use super::policy_doc::{describe_serde_error, parse_policy, DocSource};
use super::shapes::*;
use crate::iam::*;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Options for loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Answer from a partially loaded environment, listing what was skipped (E12).
    pub allow_partial: bool,
    /// Account id for a bare authorization-details file whose content does not say.
    pub account: Option<String>,
}

/// Loading failed: every error found, plus the warnings.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    /// Problems that prevent a complete environment.
    pub errors: Vec<Diagnostic>,
    /// Problems that do not.
    pub warnings: Vec<Diagnostic>,
}

/// What a file of the layout is, from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileKind {
    Gaad,
    ListBuckets,
    BucketPolicy(String),
    BucketPab(String),
    AccountPab,
    ListFunctions,
    FunctionPolicy(Option<String>, String),
    ListKeys,
    ListAliases,
    KeyPolicy(Option<String>, String),
    KeyGrants(Option<String>, String),
    ListQueues,
    QueueAttributes(Option<String>, String),
    ListTopics,
    TopicAttributes(Option<String>, String),
    ListSecrets,
    SecretPolicy(Option<String>, String),
    OrgDescribe,
    OrgRoots,
    OrgAccounts,
    OrgOusForParent(String),
    OrgAccountsForParent(String),
    OrgListPolicies,
    OrgDescribePolicy(String),
    OrgTargets(String),
    Ignored,
}

/// A file to read: its path, its path relative to the root, its account and kind.
#[derive(Debug, Clone)]
struct FileEntry {
    path: PathBuf,
    rel: String,
    account: Option<String>,
    kind: FileKind,
}

/// The resource name of a per-resource file: the file name without `.json`, percent-decoded
/// (the collector encodes bytes that are unsafe in file names, such as the `/` of a secret name,
/// as `%XX`).
fn stem(name: &str) -> Option<String> {
    name.strip_suffix(".json").map(|s| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    })
}

/// `list-functions.json` or `list-functions.<region>.json`.
fn is_inventory(name: &str, base: &str) -> bool {
    name == format!("{base}.json")
        || (name.starts_with(&format!("{base}.")) && name.ends_with(".json"))
}

fn classify(parts: &[&str]) -> Option<(Option<String>, FileKind)> {
    use FileKind::*;
    match parts {
        ["manifest.json"] | ["README.md"] | ["errors.log"] => Some((None, Ignored)),
        ["organization", rest @ ..] => {
            let k = match rest {
                ["describe-organization.json"] => OrgDescribe,
                ["list-roots.json"] => OrgRoots,
                ["list-accounts.json"] => OrgAccounts,
                [n] if is_inventory(n, "list-policies") => OrgListPolicies,
                ["list-organizational-units-for-parent", f] => OrgOusForParent(stem(f)?),
                ["list-accounts-for-parent", f] => OrgAccountsForParent(stem(f)?),
                ["describe-policy", f] => OrgDescribePolicy(stem(f)?),
                ["list-targets-for-policy", f] => OrgTargets(stem(f)?),
                _ => return None,
            };
            Some((None, k))
        }
        ["accounts", acct, rest @ ..] if arn::is_account_id(acct) => {
            let regional = |r: &[&str]| -> Option<(Option<String>, String)> {
                match r {
                    [f] => Some((None, stem(f)?)),
                    [region, f] => Some((Some(region.to_string()), stem(f)?)),
                    _ => None,
                }
            };
            let k = match rest {
                ["iam", "get-account-authorization-details.json"] => Gaad,
                ["s3", n] if is_inventory(n, "list-buckets") => ListBuckets,
                ["s3", "get-bucket-policy", f] => BucketPolicy(stem(f)?),
                ["s3", "get-public-access-block", f] => BucketPab(stem(f)?),
                ["s3control", "get-public-access-block.json"] => AccountPab,
                ["lambda", n] if is_inventory(n, "list-functions") => ListFunctions,
                ["lambda", "get-policy", r @ ..] => {
                    let (reg, n) = regional(r)?;
                    FunctionPolicy(reg, n)
                }
                ["kms", n] if is_inventory(n, "list-keys") => ListKeys,
                ["kms", n] if is_inventory(n, "list-aliases") => ListAliases,
                ["kms", "get-key-policy", r @ ..] => {
                    let (reg, n) = regional(r)?;
                    KeyPolicy(reg, n)
                }
                ["kms", "list-grants", r @ ..] => {
                    let (reg, n) = regional(r)?;
                    KeyGrants(reg, n)
                }
                ["sqs", n] if is_inventory(n, "list-queues") => ListQueues,
                ["sqs", "get-queue-attributes", r @ ..] => {
                    let (reg, n) = regional(r)?;
                    QueueAttributes(reg, n)
                }
                ["sns", n] if is_inventory(n, "list-topics") => ListTopics,
                ["sns", "get-topic-attributes", r @ ..] => {
                    let (reg, n) = regional(r)?;
                    TopicAttributes(reg, n)
                }
                ["secretsmanager", n] if is_inventory(n, "list-secrets") => ListSecrets,
                ["secretsmanager", "get-resource-policy", r @ ..] => {
                    let (reg, n) = regional(r)?;
                    SecretPolicy(reg, n)
                }
                _ => return None,
            };
            Some((Some(acct.to_string()), k))
        }
        _ => None,
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    errors: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth > 16 {
        errors.push(Diagnostic {
            file: dir.display().to_string(),
            location: String::new(),
            message: "folder nesting deeper than the snapshot layout allows".into(),
        });
        return;
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(Diagnostic {
                file: rel_of(root, dir),
                location: String::new(),
                message: format!("cannot read folder: {e}"),
            });
            return;
        }
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        // Never follow symlinks out of the snapshot (paths in inputs never escape it).
        let ft = match e.file_type() {
            Ok(ft) => ft,
            Err(_) => continue,
        };
        if ft.is_symlink() {
            errors.push(Diagnostic {
                file: rel_of(root, &p),
                location: String::new(),
                message: "symbolic links are not followed in a snapshot".into(),
            });
        } else if ft.is_dir() {
            walk(root, &p, out, errors, depth + 1);
        } else if ft.is_file() {
            out.push(p);
        }
    }
}

fn rel_of(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Parses `text` as `T`, naming the JSON path of the first problem.
fn parse_shape<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, Diagnostic> {
    // Every file of the layout is a JSON object; serde would also build a struct from an array
    // (`[]` as an empty account), so anything else is refused here.
    let body = text.trim_start_matches([' ', '\t', '\n', '\r', '\u{feff}']);
    if let Some(c) = body.chars().next().filter(|&c| c != '{') {
        let (line, col) = line_col(text, text.len() - body.len());
        return Err(Diagnostic {
            file: file.to_string(),
            location: "$".to_string(),
            message: format!(
                "expected a JSON object (AWS CLI output) at line {line} column {col}, found `{c}`"
            ),
        });
    }
    match serde_json::from_str::<T>(text) {
        Ok(v) => Ok(v),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let (path, msg) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), describe_serde_error(e.inner())),
                Ok(_) => (".".to_string(), describe_serde_error(&first)),
            };
            let location = if path == "." {
                "$".to_string()
            } else {
                format!("$.{path}")
            };
            Err(Diagnostic {
                file: file.to_string(),
                location,
                message: msg,
            })
        }
    }
}

/// Reference from an entity to a policy, resolved at assembly.
#[derive(Debug, Clone)]
enum PRef {
    /// Index into the file's own parsed policies.
    Local(usize),
    /// A managed policy by ARN (resolved per account).
    Managed(String),
}

#[derive(Debug)]
struct UserPart {
    j: UserJ,
    inline: Vec<PRef>,
}

#[derive(Debug)]
struct RolePart {
    j: RoleJ,
    trust: Option<usize>,
    inline: Vec<PRef>,
}

/// The parsed content of one file.
/// One file's parse of an AWS-managed policy version: (version key, the policy or its errors).
type AwsCopy = (String, Result<Policy, Vec<Diagnostic>>);

#[derive(Debug)]
enum Parsed {
    Iam {
        users: Vec<UserPart>,
        groups: Vec<(GroupJ, Vec<PRef>)>,
        roles: Vec<RolePart>,
        /// Managed policies this file lists: (ARN, version key, local index of a
        /// customer-managed one; AWS-managed ones are in `aws`).
        managed: Vec<(String, String, Option<usize>)>,
        policies: Vec<Policy>,
        /// The AWS-managed policies this file parsed (see [`Ctx::claimed`]).
        aws: Vec<AwsCopy>,
    },
    Policy(Option<Policy>, Option<String>),
    Buckets(Vec<String>),
    Pab(PublicAccessBlock),
    Functions(Vec<FunctionJ>),
    Keys(Vec<KeyJ>),
    Aliases(Vec<AliasJ>),
    Grants(Vec<(String, Vec<String>)>),
    Queues(Vec<String>),
    Topics(Vec<String>),
    Secrets(Vec<SecretJ>),
    OrgDescribe(OrganizationJ),
    OrgIds(Vec<NamedIdJ>),
    OrgPolicy(OrgPolicySummaryJ, Policy),
    OrgTargets(Vec<String>),
    Nothing,
}

/// State shared by the files parsed in parallel.
struct Ctx<'a> {
    /// AWS-managed policy version key → the lowest index of a file that lists it and has
    /// parsed it so far. The file with the lowest index always parses its copy (so which copy
    /// is kept, and which file an error names, does not depend on thread timing); others skip
    /// theirs unless they got there first (that copy is then dropped when assembling).
    claimed: &'a Mutex<FxHashMap<String, usize>>,
}

/// Loads an environment from a snapshot folder or a single authorization-details file.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Environment, LoadFailure> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let meta = std::fs::metadata(path).map_err(|e| LoadFailure {
        errors: vec![Diagnostic {
            file: path.display().to_string(),
            location: String::new(),
            message: format!("cannot open: {e}"),
        }],
        warnings: vec![],
    })?;
    let entries: Vec<FileEntry> = if meta.is_file() {
        vec![FileEntry {
            path: path.to_path_buf(),
            rel: path.display().to_string(),
            account: opts.account.clone(),
            kind: FileKind::Gaad,
        }]
    } else {
        let mut files = Vec::new();
        walk(path, path, &mut files, &mut errors, 0);
        let mut out = Vec::new();
        for p in files {
            let rel = rel_of(path, &p);
            let parts: Vec<&str> = rel.split('/').collect();
            match classify(&parts) {
                Some((_, FileKind::Ignored)) => {}
                Some((account, kind)) => out.push(FileEntry {
                    path: p.clone(),
                    rel,
                    account,
                    kind,
                }),
                None => warnings.push(Diagnostic {
                    file: rel,
                    location: String::new(),
                    message: "unknown file: not part of the snapshot layout, ignored".into(),
                }),
            }
        }
        if out.is_empty() {
            errors.push(Diagnostic {
                file: path.display().to_string(),
                location: String::new(),
                message: "no snapshot files found: expected accounts/<id>/iam/get-account-authorization-details.json and friends (see snapshot-layout.md)".into(),
            });
        }
        out
    };

    let claimed = Mutex::new(FxHashMap::default());
    let ctx = Ctx { claimed: &claimed };
    let results: Vec<(usize, Result<Parsed, Vec<Diagnostic>>)> = entries
        .par_iter()
        .enumerate()
        .map(|(i, e)| (i, read_one(e, i, &ctx)))
        .collect();

    let mut env = Environment {
        root: path.display().to_string(),
        ..Default::default()
    };
    let mut parsed: Vec<(usize, Parsed)> = Vec::with_capacity(results.len());
    for (i, r) in results {
        match r {
            Ok(p) => parsed.push((i, p)),
            Err(ds) => {
                if opts.allow_partial {
                    env.skipped.extend(ds.iter().cloned());
                }
                errors.extend(ds);
            }
        }
    }
    let claims = claimed.into_inner().unwrap_or_default();
    assemble(
        &mut env,
        &entries,
        parsed,
        &claims,
        &mut errors,
        &mut warnings,
    );
    if meta.is_dir() {
        let rels: Vec<String> = entries.iter().map(|e| e.rel.clone()).collect();
        warnings.extend(super::gaps::check(path, &rels, &env));
    }
    if !errors.is_empty() && !opts.allow_partial {
        return Err(LoadFailure { errors, warnings });
    }
    if opts.allow_partial {
        for e in errors {
            if !env.skipped.contains(&e) {
                env.skipped.push(e);
            }
        }
    }
    env.warnings = warnings;
    Ok(env)
}

/// 1-based line and column (in characters) of byte offset `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..at.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, col)
}

/// Reads a file as UTF-8, naming the line and column of the first invalid byte.
fn read_text(e: &FileEntry) -> Result<String, Vec<Diagnostic>> {
    let bytes = std::fs::read(&e.path).map_err(|err| {
        vec![Diagnostic {
            file: e.rel.clone(),
            location: String::new(),
            message: format!("cannot read file: {err}"),
        }]
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let ok = err.utf8_error().valid_up_to();
        let bytes = err.into_bytes();
        // The valid prefix is UTF-8, so its line and column can be counted.
        let prefix = String::from_utf8_lossy(&bytes[..ok]);
        let (line, col) = line_col(&prefix, ok);
        vec![Diagnostic {
            file: e.rel.clone(),
            location: format!("line {line} column {col}"),
            message: format!(
                "invalid UTF-8 (byte 0x{:02x} at offset {ok}): AWS CLI output is UTF-8 JSON",
                bytes[ok]
            ),
        }]
    })
}

fn read_one(e: &FileEntry, index: usize, ctx: &Ctx) -> Result<Parsed, Vec<Diagnostic>> {
    let text = read_text(e)?;
    let one = |d: Diagnostic| vec![d];
    let file = e.rel.as_str();
    use FileKind::*;
    Ok(match &e.kind {
        Gaad => {
            let g: super::shapes::Gaad = parse_shape(&text, file).map_err(one)?;
            parse_gaad(g, file, index, ctx)?
        }
        ListBuckets => Parsed::Buckets(
            parse_shape::<super::shapes::ListBuckets>(&text, file)
                .map_err(one)?
                .Buckets
                .into_iter()
                .map(|b| b.Name)
                .collect(),
        ),
        BucketPolicy(b) => {
            let p: PolicyString = parse_shape(&text, file).map_err(one)?;
            let src = doc_src(
                file,
                "$.Policy",
                format!("bucket policy of {b}"),
                PolicyKind::Resource(ResourceKind::S3Bucket),
            );
            Parsed::Policy(Some(parse_policy(p.Policy.get(), &src)?), None)
        }
        BucketPab(_) | AccountPab => {
            let p: PublicAccessBlockOut = parse_shape(&text, file).map_err(one)?;
            let c = p.PublicAccessBlockConfiguration;
            Parsed::Pab(PublicAccessBlock {
                block_public_acls: c.BlockPublicAcls,
                ignore_public_acls: c.IgnorePublicAcls,
                block_public_policy: c.BlockPublicPolicy,
                restrict_public_buckets: c.RestrictPublicBuckets,
            })
        }
        ListFunctions => Parsed::Functions(
            parse_shape::<super::shapes::ListFunctions>(&text, file)
                .map_err(one)?
                .Functions,
        ),
        FunctionPolicy(_, f) => {
            let p: PolicyString = parse_shape(&text, file).map_err(one)?;
            let src = doc_src(
                file,
                "$.Policy",
                format!("function policy of {f}"),
                PolicyKind::Resource(ResourceKind::LambdaFunction),
            );
            Parsed::Policy(Some(parse_policy(p.Policy.get(), &src)?), None)
        }
        ListKeys => Parsed::Keys(
            parse_shape::<super::shapes::ListKeys>(&text, file)
                .map_err(one)?
                .Keys,
        ),
        ListAliases => Parsed::Aliases(
            parse_shape::<super::shapes::ListAliases>(&text, file)
                .map_err(one)?
                .Aliases,
        ),
        KeyPolicy(_, k) => {
            let p: PolicyString = parse_shape(&text, file).map_err(one)?;
            let src = doc_src(
                file,
                "$.Policy",
                format!("key policy of {k}"),
                PolicyKind::Resource(ResourceKind::KmsKey),
            );
            Parsed::Policy(Some(parse_policy(p.Policy.get(), &src)?), None)
        }
        KeyGrants(..) => Parsed::Grants(
            parse_shape::<super::shapes::ListGrants>(&text, file)
                .map_err(one)?
                .Grants
                .into_iter()
                .map(|g| (g.GranteePrincipal.unwrap_or_default(), g.Operations))
                .collect(),
        ),
        ListQueues => Parsed::Queues(
            parse_shape::<super::shapes::ListQueues>(&text, file)
                .map_err(one)?
                .QueueUrls,
        ),
        QueueAttributes(_, q) | TopicAttributes(_, q) => {
            let a: super::shapes::Attributes = parse_shape(&text, file).map_err(one)?;
            let kind = if matches!(e.kind, QueueAttributes(..)) {
                ResourceKind::SqsQueue
            } else {
                ResourceKind::SnsTopic
            };
            let what = if kind == ResourceKind::SqsQueue {
                "queue"
            } else {
                "topic"
            };
            let arn = a.Attributes.TopicArn.or(a.Attributes.QueueArn);
            match a.Attributes.Policy {
                Some(raw) => {
                    let src = doc_src(
                        file,
                        "$.Attributes.Policy",
                        format!("{what} policy of {q}"),
                        PolicyKind::Resource(kind),
                    );
                    Parsed::Policy(Some(parse_policy(raw.get(), &src)?), arn)
                }
                None => Parsed::Policy(None, arn),
            }
        }
        ListTopics => Parsed::Topics(
            parse_shape::<super::shapes::ListTopics>(&text, file)
                .map_err(one)?
                .Topics
                .into_iter()
                .map(|t| t.TopicArn)
                .collect(),
        ),
        ListSecrets => Parsed::Secrets(
            parse_shape::<super::shapes::ListSecrets>(&text, file)
                .map_err(one)?
                .SecretList,
        ),
        SecretPolicy(_, s) => {
            let p: super::shapes::SecretPolicy = parse_shape(&text, file).map_err(one)?;
            let _ = &p.Name;
            match p.ResourcePolicy {
                Some(raw) => {
                    let src = doc_src(
                        file,
                        "$.ResourcePolicy",
                        format!("secret policy of {s}"),
                        PolicyKind::Resource(ResourceKind::Secret),
                    );
                    Parsed::Policy(Some(parse_policy(raw.get(), &src)?), p.ARN)
                }
                None => Parsed::Policy(None, p.ARN),
            }
        }
        OrgDescribe => Parsed::OrgDescribe(
            parse_shape::<DescribeOrganization>(&text, file)
                .map_err(one)?
                .Organization,
        ),
        OrgRoots => Parsed::OrgIds(
            parse_shape::<super::shapes::ListRoots>(&text, file)
                .map_err(one)?
                .Roots,
        ),
        OrgAccounts | OrgAccountsForParent(_) => Parsed::OrgIds(
            parse_shape::<super::shapes::ListAccounts>(&text, file)
                .map_err(one)?
                .Accounts,
        ),
        OrgOusForParent(_) => Parsed::OrgIds(
            parse_shape::<ListOus>(&text, file)
                .map_err(one)?
                .OrganizationalUnits,
        ),
        OrgListPolicies => {
            let _: serde_json::Value = parse_shape(&text, file).map_err(one)?;
            Parsed::Nothing
        }
        OrgDescribePolicy(_) => {
            let d: super::shapes::DescribePolicy = parse_shape(&text, file).map_err(one)?;
            let sum = d.Policy.PolicySummary;
            let kind = match sum.Type.as_str() {
                "SERVICE_CONTROL_POLICY" => PolicyKind::Scp,
                "RESOURCE_CONTROL_POLICY" => PolicyKind::Rcp,
                other => {
                    // Tag, backup and AI opt-out policies do not take part in authorization.
                    let _ = other;
                    return Ok(Parsed::Nothing);
                }
            };
            let src = DocSource {
                file: file.to_string(),
                json_path: "$.Policy.Content".into(),
                name: if sum.Name.is_empty() {
                    sum.Id.clone()
                } else {
                    sum.Name.clone()
                },
                arn: if sum.Arn.is_empty() {
                    None
                } else {
                    Some(sum.Arn.clone())
                },
                kind,
            };
            let p = parse_policy(d.Policy.Content.get(), &src)?;
            Parsed::OrgPolicy(sum, p)
        }
        OrgTargets(_) => Parsed::OrgTargets(
            parse_shape::<ListTargets>(&text, file)
                .map_err(one)?
                .Targets
                .into_iter()
                .map(|t| t.TargetId)
                .collect(),
        ),
        Ignored => Parsed::Nothing,
    })
}

fn doc_src(file: &str, path: &str, name: String, kind: PolicyKind) -> DocSource {
    DocSource {
        file: file.to_string(),
        json_path: path.to_string(),
        name,
        arn: None,
        kind,
    }
}

#[allow(clippy::type_complexity)]
fn parse_gaad(
    g: super::shapes::Gaad,
    file: &str,
    index: usize,
    ctx: &Ctx,
) -> Result<Parsed, Vec<Diagnostic>> {
    let mut aws: Vec<AwsCopy> = Vec::new();
    let mut errors = Vec::new();
    let mut policies: Vec<Policy> = Vec::new();
    let mut push = |raw: &str, src: DocSource, errors: &mut Vec<Diagnostic>| -> Option<usize> {
        match parse_policy(raw, &src) {
            Ok(p) => {
                policies.push(p);
                Some(policies.len() - 1)
            }
            Err(ds) => {
                errors.extend(ds);
                None
            }
        }
    };
    let mut managed = Vec::new();
    for (i, p) in g.Policies.iter().enumerate() {
        let aws_managed =
            p.Arn.starts_with("arn:aws:iam::aws:policy/") || p.Arn.contains(":iam::aws:policy/");
        let default = p.PolicyVersionList.iter().enumerate().find(|(_, v)| {
            v.IsDefaultVersion
                || (!p.DefaultVersionId.is_empty() && v.VersionId == p.DefaultVersionId)
        });
        let Some((vi, v)) = default else {
            errors.push(Diagnostic {
                file: file.to_string(),
                location: format!("$.Policies[{i}].PolicyVersionList"),
                message: format!(
                    "managed policy `{}` has no default version in PolicyVersionList",
                    p.Arn
                ),
            });
            continue;
        };
        let Some(doc) = &v.Document else {
            errors.push(Diagnostic {
                file: file.to_string(),
                location: format!("$.Policies[{i}].PolicyVersionList[{vi}]"),
                message: "the default policy version has no `Document`".into(),
            });
            continue;
        };
        let key = format!("{}#{}", p.Arn, v.VersionId);
        let src = DocSource {
            file: file.to_string(),
            json_path: format!("$.Policies[{i}].PolicyVersionList[{vi}].Document"),
            name: p.Arn.clone(),
            arn: Some(p.Arn.clone()),
            kind: if aws_managed {
                PolicyKind::AwsManaged
            } else {
                PolicyKind::CustomerManaged
            },
        };
        if aws_managed {
            let parse_mine = ctx.claimed.lock().is_ok_and(|mut c| match c.get(&key) {
                Some(&j) if j <= index => false,
                _ => {
                    c.insert(key.clone(), index);
                    true
                }
            });
            if parse_mine {
                aws.push((key.clone(), parse_policy(doc.get(), &src)));
            }
            managed.push((p.Arn.clone(), key, None));
            continue;
        }
        let _ = &p.PolicyName;
        let idx = push(doc.get(), src, &mut errors);
        if idx.is_some() {
            managed.push((p.Arn.clone(), key, idx));
        }
    }
    let inline =
        |list: &[InlinePolicyJ],
         owner: &str,
         base: String,
         errors: &mut Vec<Diagnostic>,
         push: &mut dyn FnMut(&str, DocSource, &mut Vec<Diagnostic>) -> Option<usize>| {
            let mut refs = Vec::new();
            for (j, ip) in list.iter().enumerate() {
                let src = DocSource {
                    file: file.to_string(),
                    json_path: format!("{base}[{j}].PolicyDocument"),
                    name: format!("inline policy {} of {}", ip.PolicyName, owner),
                    arn: None,
                    kind: PolicyKind::Inline,
                };
                if let Some(i) = push(ip.PolicyDocument.get(), src, errors) {
                    refs.push(PRef::Local(i));
                }
            }
            refs
        };
    let mut users = Vec::new();
    for (i, u) in g.UserDetailList.into_iter().enumerate() {
        let mut refs = inline(
            &u.UserPolicyList,
            &u.Arn,
            format!("$.UserDetailList[{i}].UserPolicyList"),
            &mut errors,
            &mut push,
        );
        refs.extend(
            u.AttachedManagedPolicies
                .iter()
                .map(|a| PRef::Managed(a.PolicyArn.clone())),
        );
        users.push(UserPart { j: u, inline: refs });
    }
    let mut groups = Vec::new();
    for (i, gr) in g.GroupDetailList.into_iter().enumerate() {
        let mut refs = inline(
            &gr.GroupPolicyList,
            &gr.Arn,
            format!("$.GroupDetailList[{i}].GroupPolicyList"),
            &mut errors,
            &mut push,
        );
        refs.extend(
            gr.AttachedManagedPolicies
                .iter()
                .map(|a| PRef::Managed(a.PolicyArn.clone())),
        );
        groups.push((gr, refs));
    }
    let mut roles = Vec::new();
    for (i, r) in g.RoleDetailList.into_iter().enumerate() {
        let src = DocSource {
            file: file.to_string(),
            json_path: format!("$.RoleDetailList[{i}].AssumeRolePolicyDocument"),
            name: format!("trust policy of {}", r.Arn),
            arn: None,
            kind: PolicyKind::Resource(ResourceKind::IamRole),
        };
        let trust = push(r.AssumeRolePolicyDocument.get(), src, &mut errors);
        let mut refs = inline(
            &r.RolePolicyList,
            &r.Arn,
            format!("$.RoleDetailList[{i}].RolePolicyList"),
            &mut errors,
            &mut push,
        );
        refs.extend(
            r.AttachedManagedPolicies
                .iter()
                .map(|a| PRef::Managed(a.PolicyArn.clone())),
        );
        roles.push(RolePart {
            j: r,
            trust,
            inline: refs,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Parsed::Iam {
        users,
        groups,
        roles,
        managed,
        policies,
        aws,
    })
}

/// The region of an SQS queue URL's host: `sqs.REGION.amazonaws.com[.cn]`, the legacy
/// `REGION.queue.amazonaws.com`, or `queue.amazonaws.com` (us-east-1); `None` for any other host
/// (an emulator such as `127.0.0.1:4566`).
fn queue_host_region(host: &str) -> Option<String> {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        ["sqs", r, "amazonaws", "com", ..] => Some(r.to_string()),
        ["queue", "amazonaws", "com"] => Some("us-east-1".to_string()),
        [r, "queue", "amazonaws", "com", ..] => Some(r.to_string()),
        _ => None,
    }
}

/// The region in an inventory file name split by region: `sqs/list-queues.us-east-1.json`.
fn inventory_region(rel: &str) -> Option<String> {
    let name = rel.rsplit('/').next()?.strip_suffix(".json")?;
    let (_, region) = name.split_once('.')?;
    (!region.is_empty()).then(|| region.to_string())
}

/// Region and name from an ARN such as `arn:aws:lambda:REGION:ACCT:function:NAME`.
fn arn_region(arn: &str) -> String {
    Arn::parse(arn).map(|a| a.region).unwrap_or_default()
}

#[allow(clippy::type_complexity)]
fn assemble(
    env: &mut Environment,
    entries: &[FileEntry],
    parsed: Vec<(usize, Parsed)>,
    claims: &FxHashMap<String, usize>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let mut accounts: Vec<String> = entries.iter().filter_map(|e| e.account.clone()).collect();
    accounts.sort();
    accounts.dedup();
    // Global registry of managed policies by version key, and each account's ARN → key.
    let mut by_key: FxHashMap<String, PolicyId> = FxHashMap::default();
    let mut pending_aws: Vec<(String, String, String)> = Vec::new(); // (account, arn, key) not parsed here
    let mut acct_arn_key: FxHashMap<(String, String), String> = FxHashMap::default();
    let mut org_policies: Vec<(OrgPolicySummaryJ, PolicyId)> = Vec::new();
    let mut org_targets: FxHashMap<String, Vec<String>> = FxHashMap::default();
    let mut org: Option<Organization> = None;
    let mut ou_parent: Vec<(String, String)> = Vec::new(); // child → parent
    let mut roots: Vec<String> = Vec::new();
    let mut org_accounts_listed: Vec<String> = Vec::new();
    let mut bucket_inv: Vec<(String, String)> = Vec::new();
    let mut bucket_pol: FxHashMap<(String, String), (PolicyId, String)> = FxHashMap::default();
    let mut bucket_pab: FxHashMap<(String, String), PublicAccessBlock> = FxHashMap::default();
    let mut functions: Vec<(String, FunctionJ)> = Vec::new();
    let mut fn_pol: Vec<(String, Option<String>, String, PolicyId, String)> = Vec::new();
    let mut keys: Vec<(String, KeyJ)> = Vec::new();
    let mut aliases: Vec<(String, AliasJ)> = Vec::new();
    let mut key_pol: Vec<(String, Option<String>, String, PolicyId, String)> = Vec::new();
    let mut key_grants: FxHashMap<(String, String), Vec<(String, Vec<String>)>> =
        FxHashMap::default();
    let mut queues: Vec<(String, String, Option<String>)> = Vec::new();
    let mut topics: Vec<(String, String)> = Vec::new();
    let mut secrets: Vec<(String, SecretJ)> = Vec::new();
    let mut attr_pol: Vec<(
        String,
        ResourceKind,
        Option<String>,
        String,
        Option<PolicyId>,
        Option<String>,
        String,
    )> = Vec::new();
    let mut iam_parts = Vec::new();
    let mut ou_names: FxHashMap<String, String> = FxHashMap::default();

    for (i, p) in parsed {
        let e = &entries[i];
        let acct = e.account.clone().unwrap_or_default();
        match p {
            Parsed::Iam {
                users,
                groups,
                roles,
                managed,
                policies,
                aws,
            } => {
                let base = env.policies.len() as u32;
                for pol in policies {
                    env.add_policy(pol);
                }
                // The copy of the lowest-index file that lists the version is kept.
                for (key, parsed) in aws {
                    if claims.get(&key) != Some(&i) {
                        continue;
                    }
                    match parsed {
                        Ok(pol) => {
                            let id = env.add_policy(pol);
                            by_key.entry(key).or_insert(id);
                        }
                        Err(ds) => errors.extend(ds),
                    }
                }
                for (arn, key, local) in &managed {
                    if let Some(l) = local {
                        by_key
                            .entry(key.clone())
                            .or_insert(PolicyId(base + *l as u32));
                    } else {
                        pending_aws.push((acct.clone(), arn.clone(), key.clone()));
                    }
                }
                iam_parts.push((i, acct, base, users, groups, roles, managed));
            }
            Parsed::Policy(pol, arn) => {
                let pid = pol.map(|p| env.add_policy(p));
                match &e.kind {
                    FileKind::BucketPolicy(b) => {
                        if let Some(pid) = pid {
                            bucket_pol.insert((acct.clone(), b.clone()), (pid, e.rel.clone()));
                        }
                    }
                    FileKind::FunctionPolicy(r, f) => {
                        if let Some(pid) = pid {
                            fn_pol.push((acct.clone(), r.clone(), f.clone(), pid, e.rel.clone()));
                        }
                    }
                    FileKind::KeyPolicy(r, k) => {
                        if let Some(pid) = pid {
                            key_pol.push((acct.clone(), r.clone(), k.clone(), pid, e.rel.clone()));
                        }
                    }
                    FileKind::QueueAttributes(r, n) => attr_pol.push((
                        acct.clone(),
                        ResourceKind::SqsQueue,
                        r.clone(),
                        n.clone(),
                        pid,
                        arn,
                        e.rel.clone(),
                    )),
                    FileKind::TopicAttributes(r, n) => attr_pol.push((
                        acct.clone(),
                        ResourceKind::SnsTopic,
                        r.clone(),
                        n.clone(),
                        pid,
                        arn,
                        e.rel.clone(),
                    )),
                    FileKind::SecretPolicy(r, n) => attr_pol.push((
                        acct.clone(),
                        ResourceKind::Secret,
                        r.clone(),
                        n.clone(),
                        pid,
                        arn,
                        e.rel.clone(),
                    )),
                    _ => {}
                }
            }
            Parsed::Buckets(bs) => bucket_inv.extend(bs.into_iter().map(|b| (acct.clone(), b))),
            Parsed::Pab(p) => match &e.kind {
                FileKind::BucketPab(b) => {
                    bucket_pab.insert((acct.clone(), b.clone()), p);
                }
                _ => {
                    if let Some(a) = env.accounts.iter_mut().find(|a| a.id == acct) {
                        a.public_access_block = Some(p);
                    } else {
                        env.accounts.push(Account {
                            id: acct.clone(),
                            public_access_block: Some(p),
                        });
                    }
                }
            },
            Parsed::Functions(fs) => functions.extend(fs.into_iter().map(|f| (acct.clone(), f))),
            Parsed::Keys(ks) => keys.extend(ks.into_iter().map(|k| (acct.clone(), k))),
            Parsed::Aliases(al) => aliases.extend(al.into_iter().map(|a| (acct.clone(), a))),
            Parsed::Grants(g) => {
                if let FileKind::KeyGrants(_, k) = &e.kind {
                    key_grants.insert((acct.clone(), k.clone()), g);
                }
            }
            Parsed::Queues(q) => {
                let file_region = inventory_region(&e.rel);
                queues.extend(
                    q.into_iter()
                        .map(|u| (acct.clone(), u, file_region.clone())),
                )
            }
            Parsed::Topics(t) => topics.extend(t.into_iter().map(|u| (acct.clone(), u))),
            Parsed::Secrets(s) => secrets.extend(s.into_iter().map(|u| (acct.clone(), u))),
            Parsed::OrgDescribe(o) => {
                org = Some(Organization {
                    id: o.Id,
                    management_account: o.MasterAccountId,
                    ..Default::default()
                });
            }
            Parsed::OrgIds(ids) => match &e.kind {
                FileKind::OrgRoots => roots.extend(ids.into_iter().map(|r| {
                    ou_parent.push((r.Id.clone(), String::new()));
                    r.Id
                })),
                FileKind::OrgOusForParent(parent) => {
                    for ou in ids {
                        ou_parent.push((ou.Id.clone(), parent.clone()));
                        ou_names.insert(ou.Id, ou.Name);
                    }
                }
                FileKind::OrgAccountsForParent(parent) => {
                    for a in ids {
                        ou_parent.push((a.Id, format!("acct:{parent}")));
                    }
                }
                FileKind::OrgAccounts => org_accounts_listed.extend(ids.into_iter().map(|a| a.Id)),
                _ => {}
            },
            Parsed::OrgPolicy(sum, pol) => {
                let pid = env.add_policy(pol);
                org_policies.push((sum, pid));
            }
            Parsed::OrgTargets(t) => {
                if let FileKind::OrgTargets(id) = &e.kind {
                    org_targets.insert(id.clone(), t);
                }
            }
            Parsed::Nothing => {}
        }
    }
    for (acct, arn, key) in pending_aws {
        acct_arn_key.insert((acct, arn), key);
    }
    for (_, acct, _, _, _, _, managed) in &iam_parts {
        for (arn, key, _) in managed {
            acct_arn_key.insert((acct.clone(), arn.clone()), key.clone());
        }
    }

    // IAM entities.
    for (i, acct, base, users, groups, roles, _) in iam_parts {
        let file = &entries[i].rel;
        let account_of = |arn: &str| -> String {
            if !acct.is_empty() {
                acct.clone()
            } else {
                Arn::parse(arn).map(|a| a.account).unwrap_or_default()
            }
        };
        let resolve = |refs: &[PRef],
                       owner: &str,
                       a: &str,
                       errors: &mut Vec<Diagnostic>|
         -> Vec<PolicyId> {
            let mut out = Vec::new();
            for r in refs {
                match r {
                    PRef::Local(l) => out.push(PolicyId(base + *l as u32)),
                    PRef::Managed(arn) => match acct_arn_key.get(&(a.to_string(), arn.clone())).or_else(|| acct_arn_key.get(&(acct.clone(), arn.clone()))).and_then(|k| by_key.get(k)) {
                        Some(pid) => out.push(*pid),
                        None => errors.push(Diagnostic {
                            file: file.clone(),
                            location: String::new(),
                            message: format!("{owner} has managed policy `{arn}` attached, but `Policies` does not contain it: its permissions are unknown"),
                        }),
                    },
                }
            }
            out
        };
        for u in users {
            let a = account_of(&u.j.Arn);
            let policies = resolve(&u.inline, &u.j.Arn, &a, errors);
            let boundary = u.j.PermissionsBoundary.as_ref().and_then(|b| {
                resolve(
                    &[PRef::Managed(b.PermissionsBoundaryArn.clone())],
                    &u.j.Arn,
                    &a,
                    errors,
                )
                .pop()
            });
            env.users.push(User {
                name: u.j.UserName.clone(),
                id: u.j.UserId.clone(),
                account: a,
                groups: u.j.GroupList.clone(),
                policies,
                boundary,
                tags: u
                    .j
                    .Tags
                    .iter()
                    .map(|t| (t.Key.clone(), t.Value.clone()))
                    .collect(),
                arn: u.j.Arn,
            });
        }
        for (g, refs) in groups {
            let a = account_of(&g.Arn);
            let policies = resolve(&refs, &g.Arn, &a, errors);
            env.groups.push(Group {
                arn: g.Arn,
                name: g.GroupName,
                account: a,
                policies,
            });
        }
        for r in roles {
            let a = account_of(&r.j.Arn);
            let policies = resolve(&r.inline, &r.j.Arn, &a, errors);
            let boundary = r.j.PermissionsBoundary.as_ref().and_then(|b| {
                resolve(
                    &[PRef::Managed(b.PermissionsBoundaryArn.clone())],
                    &r.j.Arn,
                    &a,
                    errors,
                )
                .pop()
            });
            let Some(trust) = r.trust else { continue };
            env.roles.push(Role {
                name: r.j.RoleName.clone(),
                path: r.j.Path.clone(),
                id: r.j.RoleId.clone(),
                account: a.clone(),
                trust: PolicyId(base + trust as u32),
                policies,
                boundary,
                tags: r
                    .j
                    .Tags
                    .iter()
                    .map(|t| (t.Key.clone(), t.Value.clone()))
                    .collect(),
                instance_profiles: r
                    .j
                    .InstanceProfileList
                    .iter()
                    .map(|p| p.Arn.clone())
                    .collect(),
                arn: r.j.Arn.clone(),
            });
            env.resources.push(Resource {
                arn: r.j.Arn,
                kind: ResourceKind::IamRole,
                account: a,
                region: String::new(),
                policy: Some(PolicyId(base + trust as u32)),
                public_access_block: None,
                grants: Grants::NotApplicable,
                aws_managed_key: false,
                execution_role: None,
                tags: Vec::new(),
            });
        }
    }
    // Group membership sanity: a user naming a group that does not exist loses nothing we know
    // of, but say so.
    let group_names: FxHashSet<(String, String)> = env
        .groups
        .iter()
        .map(|g| (g.account.clone(), g.name.clone()))
        .collect();
    for u in &env.users {
        for g in &u.groups {
            if !group_names.contains(&(u.account.clone(), g.clone())) {
                errors.push(Diagnostic {
                    file: format!("accounts/{}/iam/get-account-authorization-details.json", u.account),
                    location: String::new(),
                    message: format!("user `{}` is in group `{g}`, which is not in GroupDetailList: the group's policies are unknown", u.arn),
                });
            }
        }
    }

    let new_res = |arn: String, kind: ResourceKind, account: String, region: String| Resource {
        arn,
        kind,
        account,
        region,
        policy: None,
        public_access_block: None,
        grants: if kind == ResourceKind::KmsKey {
            Grants::Unknown
        } else {
            Grants::NotApplicable
        },
        aws_managed_key: false,
        execution_role: None,
        tags: Vec::new(),
    };

    // S3.
    for (acct, b) in &bucket_inv {
        let mut r = new_res(
            format!("arn:aws:s3:::{b}"),
            ResourceKind::S3Bucket,
            acct.clone(),
            String::new(),
        );
        r.policy = bucket_pol
            .remove(&(acct.clone(), b.clone()))
            .map(|(p, _)| p);
        r.public_access_block = bucket_pab.remove(&(acct.clone(), b.clone()));
        env.resources.push(r);
    }
    let mut orphans: Vec<_> = bucket_pol.into_iter().collect();
    orphans.sort_by(|a, b| a.0.cmp(&b.0));
    for ((acct, b), (pid, file)) in orphans {
        warnings.push(Diagnostic {
            file,
            location: String::new(),
            message: format!(
                "bucket `{b}` has a policy but is not in s3/list-buckets.json; loaded anyway"
            ),
        });
        let mut r = new_res(
            format!("arn:aws:s3:::{b}"),
            ResourceKind::S3Bucket,
            acct.clone(),
            String::new(),
        );
        r.policy = Some(pid);
        r.public_access_block = bucket_pab.remove(&(acct, b));
        env.resources.push(r);
    }

    // Lambda.
    let mut fn_pol_used = vec![false; fn_pol.len()];
    for (acct, f) in functions {
        let region = arn_region(&f.FunctionArn);
        let mut r = new_res(
            f.FunctionArn.clone(),
            ResourceKind::LambdaFunction,
            acct.clone(),
            region.clone(),
        );
        r.execution_role = f.Role.clone();
        if let Some(k) = fn_pol.iter().position(|(a, reg, n, _, _)| {
            *a == acct && *n == f.FunctionName && reg.as_ref().is_none_or(|x| *x == region)
        }) {
            fn_pol_used[k] = true;
            r.policy = Some(fn_pol[k].3);
        }
        env.resources.push(r);
    }
    for (k, (acct, _, name, pid, file)) in fn_pol.iter().enumerate() {
        if fn_pol_used[k] {
            continue;
        }
        // A policy whose function is in no inventory: its statements name the function ARN.
        let arn = env
            .policy(*pid)
            .statements
            .iter()
            .filter_map(|s| s.resource.as_ref())
            .flat_map(|r| r.items.iter())
            .find(|r| r.contains(":function:") && !r.contains('*'))
            .cloned();
        match arn {
            Some(a) => {
                let base = a.split(':').take(7).collect::<Vec<_>>().join(":");
                warnings.push(Diagnostic { file: file.clone(), location: String::new(), message: format!("function `{name}` has a policy but is not in lambda/list-functions.json; loaded as {base}") });
                let mut r = new_res(base.clone(), ResourceKind::LambdaFunction, acct.clone(), arn_region(&base));
                r.policy = Some(*pid);
                env.resources.push(r);
            }
            None => errors.push(Diagnostic { file: file.clone(), location: String::new(), message: format!("function `{name}` is in no inventory and its policy names no function ARN: cannot tell its region") }),
        }
    }

    // KMS.
    let aws_managed_keys: FxHashSet<(String, String)> = aliases
        .iter()
        .filter(|(_, a)| a.AliasName.starts_with("alias/aws/"))
        .filter_map(|(acct, a)| a.TargetKeyId.clone().map(|k| (acct.clone(), k)))
        .collect();
    let mut key_pol_used = vec![false; key_pol.len()];
    for (acct, k) in keys {
        let region = arn_region(&k.KeyArn);
        let mut r = new_res(
            k.KeyArn.clone(),
            ResourceKind::KmsKey,
            acct.clone(),
            region.clone(),
        );
        r.aws_managed_key = aws_managed_keys.contains(&(acct.clone(), k.KeyId.clone()));
        if let Some(i) = key_pol.iter().position(|(a, reg, id, _, _)| {
            *a == acct && *id == k.KeyId && reg.as_ref().is_none_or(|x| *x == region)
        }) {
            key_pol_used[i] = true;
            r.policy = Some(key_pol[i].3);
        }
        if let Some(g) = key_grants.remove(&(acct.clone(), k.KeyId.clone())) {
            r.grants = Grants::Loaded(g);
        }
        env.resources.push(r);
    }
    for (i, (acct, reg, id, pid, file)) in key_pol.iter().enumerate() {
        if key_pol_used[i] {
            continue;
        }
        // The region folder (`get-key-policy/<region>/<id>.json`) says where the key is.
        if let Some(region) = reg {
            let arn = format!("arn:aws:kms:{region}:{acct}:key/{id}");
            warnings.push(Diagnostic {
                file: file.clone(),
                location: String::new(),
                message: format!(
                    "key `{id}` has a key policy but is not in kms/list-keys: loaded as {arn}"
                ),
            });
            let mut r = new_res(arn, ResourceKind::KmsKey, acct.clone(), region.clone());
            r.policy = Some(*pid);
            env.resources.push(r);
        } else {
            errors.push(Diagnostic { file: file.clone(), location: String::new(), message: format!("key `{id}` has a key policy but is not in kms/list-keys.json: cannot tell its region") });
        }
    }

    // SQS, SNS, Secrets Manager.
    for (acct, url, file_region) in queues {
        // https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (or a legacy / emulator host)
        let parts: Vec<&str> = url.trim_end_matches('/').split('/').collect();
        let host = parts.get(2).copied().unwrap_or("");
        let region = queue_host_region(host).or(file_region).unwrap_or_default();
        let name = parts.last().copied().unwrap_or("").to_string();
        let qacct = parts.get(3).copied().unwrap_or(&acct).to_string();
        let arn = format!("arn:aws:sqs:{region}:{qacct}:{name}");
        env.resources
            .push(new_res(arn, ResourceKind::SqsQueue, acct.clone(), region));
    }
    for (acct, arn) in topics {
        let region = arn_region(&arn);
        env.resources
            .push(new_res(arn, ResourceKind::SnsTopic, acct, region));
    }
    for (acct, s) in secrets {
        let region = arn_region(&s.ARN);
        let _ = &s.Name;
        env.resources
            .push(new_res(s.ARN.clone(), ResourceKind::Secret, acct, region));
    }
    for (acct, kind, region, name, pid, arn, file) in attr_pol {
        let matches_name = |r: &Resource| {
            r.kind == kind
                && r.account == acct
                && region.as_ref().is_none_or(|x| *x == r.region)
                && match kind {
                    ResourceKind::Secret => {
                        r.arn
                            .rsplit(':')
                            .next()
                            .map(|last| {
                                last == name
                                    || last.rsplit_once('-').map(|(n, _)| n) == Some(name.as_str())
                            })
                            .unwrap_or(false)
                            || arn.as_deref() == Some(r.arn.as_str())
                    }
                    _ => r.arn.rsplit(':').next() == Some(name.as_str()),
                }
        };
        if let Some(r) = env.resources.iter_mut().find(|r| matches_name(r)) {
            r.policy = pid;
            continue;
        }
        match arn {
            Some(a) => {
                warnings.push(Diagnostic { file, location: String::new(), message: format!("`{name}` is in no inventory; loaded as {a}") });
                let reg = arn_region(&a);
                let mut r = new_res(a, kind, acct, reg);
                r.policy = pid;
                env.resources.push(r);
            }
            None => errors.push(Diagnostic { file, location: String::new(), message: format!("`{name}` is in no inventory and the file does not name its ARN: cannot tell its region") }),
        }
    }

    // Accounts.
    for a in &accounts {
        if env.account(a).is_none() {
            env.accounts.push(Account {
                id: a.clone(),
                public_access_block: None,
            });
        }
    }
    // A bare authorization-details file: accounts from the entities.
    for acct in env
        .users
        .iter()
        .map(|u| u.account.clone())
        .chain(env.roles.iter().map(|r| r.account.clone()))
        .collect::<Vec<_>>()
    {
        if !acct.is_empty() && env.account(&acct).is_none() {
            env.accounts.push(Account {
                id: acct,
                public_access_block: None,
            });
        }
    }
    env.accounts.sort_by(|a, b| a.id.cmp(&b.id));

    // Organization.
    if let Some(mut o) = org {
        for (child, parent) in &ou_parent {
            if let Some(p) = parent.strip_prefix("acct:") {
                o.account_parent.insert(child.clone(), p.to_string());
            } else {
                let name = ou_names.get(child).cloned().unwrap_or_else(|| {
                    if parent.is_empty() {
                        "Root".into()
                    } else {
                        String::new()
                    }
                });
                o.nodes.insert(
                    child.clone(),
                    OrgNode {
                        id: child.clone(),
                        name,
                        parent: if parent.is_empty() {
                            None
                        } else {
                            Some(parent.clone())
                        },
                    },
                );
            }
        }
        let _ = roots;
        for (sum, pid) in &org_policies {
            let targets = org_targets.get(&sum.Id).cloned().unwrap_or_default();
            if targets.is_empty() {
                warnings.push(Diagnostic {
                    file: format!("organization/describe-policy/{}.json", sum.Id),
                    location: String::new(),
                    message: "policy has no list-targets-for-policy file: it is attached nowhere"
                        .into(),
                });
            }
            let is_rcp = env.policy(*pid).kind == PolicyKind::Rcp;
            if is_rcp {
                o.rcps_loaded = true;
            }
            for t in targets {
                let m = if is_rcp { &mut o.rcps } else { &mut o.scps };
                m.entry(t).or_default().push(*pid);
            }
        }
        for a in &org_accounts_listed {
            if !o.account_parent.contains_key(a) {
                warnings.push(Diagnostic { file: "organization/list-accounts.json".into(), location: String::new(), message: format!("account {a} is in no list-accounts-for-parent file: its OU path is unknown") });
            }
        }
        for a in &accounts {
            if o.account_parent.contains_key(a) {
                continue;
            }
            if org_accounts_listed.contains(a) {
                errors.push(Diagnostic { file: format!("accounts/{a}"), location: String::new(), message: format!("account {a} is a member of the organization but is placed in no list-accounts-for-parent file: its SCPs are unknown") });
            } else {
                warnings.push(Diagnostic { file: format!("accounts/{a}"), location: String::new(), message: format!("account {a} is not in organization/list-accounts.json: treated as an account outside the organization (no SCPs, no aws:PrincipalOrgID)") });
            }
        }
        env.org = Some(o);
    }
}
