//! Infrastructure as code: CloudFormation (YAML and JSON, with SAM), Serverless Framework
//! `serverless.yml` and Terraform plans (`terraform show -json`) read into the same
//! [`Environment`] the snapshot loader builds, alone or layered over a snapshot of the account
//! the template deploys into.
//!
//! Every template is turned into plain JSON values (YAML short-form tags become their long
//! `Fn::` forms, [`yaml`]), intrinsic functions are resolved ([`intrinsics`]), and the resources
//! that carry IAM meaning are added through a [`Layer`], which parses every policy document with
//! [`crate::input::policy_doc`] so the same checks and error paths apply.
//!
//! Values that cannot be known before deployment (a parameter without a value, `Fn::ImportValue`,
//! an attribute iamdl does not model) stay symbolic: they are written `{{…}}` inside the value
//! (`arn:aws:s3:::{{param:BucketName}}/*`); the engine lets such a value match whatever its fixed
//! parts allow, as an unknown (conditional, with the residual listed), and every policy that
//! uses one is named in a warning with its logical id. Template conditions that cannot be
//! decided keep both outcomes in policy statements ([`branches`]). Physical names CloudFormation would
//! generate are taken as `STACK-LogicalId` (with `--param AWS::StackName=…`, default `stack`).

pub mod branches;
pub mod cfn;
pub mod diff;
pub mod intrinsics;
pub mod sam;
pub mod serverless;
pub mod terraform;
pub mod yaml;

use crate::iam::*;
use crate::input::policy_doc::{parse_policy, DocSource};
use crate::input::{LoadFailure, LoadOptions};
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The account id a template is analysed in when nothing else says (no `--account`, no snapshot).
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// The region a template is analysed in unless `--param AWS::Region=…` says otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// What an `--env` path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A snapshot folder (accounts/<id>/…).
    Snapshot,
    /// A bare `get-account-authorization-details` JSON file.
    AuthorizationDetails,
    /// A CloudFormation (or SAM) template, YAML or JSON.
    CloudFormation,
    /// A Serverless Framework `serverless.yml`.
    Serverless,
    /// A Terraform plan as printed by `terraform show -json`.
    TerraformPlan,
}

/// File names recognised inside a folder that is not a snapshot (a SAM or Serverless project).
const PROJECT_FILES: [&str; 7] = [
    "template.yaml",
    "template.yml",
    "template.json",
    "serverless.yml",
    "serverless.yaml",
    "plan.json",
    "tfplan.json",
];

/// Decides what `path` holds: a folder with `accounts/` or `organization/` is a snapshot, a folder
/// holding one of `template.yaml`, `serverless.yml`, `plan.json` … is that file; a file is
/// recognised by its content. Returns the file to read with its kind.
pub fn detect(path: &Path) -> Result<(PathBuf, InputKind), Diagnostic> {
    let err = |m: String| Diagnostic {
        file: path.display().to_string(),
        location: String::new(),
        message: m,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot open: {e}")))?;
    if meta.is_dir() {
        if path.join("accounts").is_dir() || path.join("organization").is_dir() {
            return Ok((path.to_path_buf(), InputKind::Snapshot));
        }
        for f in PROJECT_FILES {
            let p = path.join(f);
            if p.is_file() {
                return detect(&p);
            }
        }
        return Ok((path.to_path_buf(), InputKind::Snapshot));
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read file: {e}")))?;
    Ok((path.to_path_buf(), detect_text(path, &text)))
}

/// Recognises a file by its content (and, for `serverless.yml`, its name). Anything that is not
/// clearly a template is treated as an authorization-details file, as before templates existed.
pub fn detect_text(path: &Path, text: &str) -> InputKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let t = text.trim_start();
    if t.starts_with('{') {
        // Look only at top-level keys.
        if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(t) {
            if m.contains_key("planned_values")
                || (m.contains_key("format_version") && m.contains_key("terraform_version"))
            {
                return InputKind::TerraformPlan;
            }
            if m.contains_key("AWSTemplateFormatVersion") || m.contains_key("Resources") {
                return InputKind::CloudFormation;
            }
        }
        return InputKind::AuthorizationDetails;
    }
    if name.starts_with("serverless.") {
        return InputKind::Serverless;
    }
    let top: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']) && l.contains(':'))
        .filter_map(|l| l.split(':').next())
        .map(|k| k.trim().trim_matches(['"', '\'']))
        .collect();
    if top.contains(&"service") && top.contains(&"provider") {
        return InputKind::Serverless;
    }
    if top.contains(&"AWSTemplateFormatVersion")
        || top.contains(&"Resources")
        || top.contains(&"Transform")
    {
        return InputKind::CloudFormation;
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".template") {
        return InputKind::CloudFormation;
    }
    InputKind::AuthorizationDetails
}

/// Options for reading templates.
#[derive(Debug, Clone, Default)]
pub struct IacOptions {
    /// `--param NAME=VALUE`: template parameters and pseudo parameters (`AWS::Region`,
    /// `AWS::StackName`, …); for serverless.yml also `stage`, `region` and `--opt` names.
    pub params: Vec<(String, String)>,
    /// `--account`: the account the template deploys into.
    pub account: Option<String>,
    /// Load what can be loaded and list the rest.
    pub allow_partial: bool,
}

impl IacOptions {
    /// The value given for `name` with `--param`, if any.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Loads one or more `--env` paths: the first may be a snapshot (or authorization-details file),
/// every template after it is deployed into that environment, in order.
pub fn load_layers(paths: &[PathBuf], opts: &IacOptions) -> Result<Environment, LoadFailure> {
    let fail = |d: Diagnostic| LoadFailure {
        errors: vec![d],
        warnings: vec![],
    };
    let mut env = Environment::default();
    let mut roots = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let (file, kind) = detect(p).map_err(fail)?;
        roots.push(p.display().to_string());
        match kind {
            InputKind::Snapshot | InputKind::AuthorizationDetails => {
                if i > 0 {
                    return Err(fail(Diagnostic {
                        file: p.display().to_string(),
                        location: String::new(),
                        message:
                            "only the first --env may be a snapshot; templates are layered over it"
                                .into(),
                    }));
                }
                let lo = LoadOptions {
                    allow_partial: opts.allow_partial,
                    account: opts.account.clone(),
                };
                env = crate::input::load(&file, &lo)?;
                warnings.append(&mut env.warnings);
            }
            _ => {
                let text = match std::fs::read_to_string(&file) {
                    Ok(t) => t,
                    Err(e) => {
                        return Err(fail(Diagnostic {
                            file: file.display().to_string(),
                            location: String::new(),
                            message: format!("cannot read file: {e}"),
                        }))
                    }
                };
                let account = opts
                    .account
                    .clone()
                    .or_else(|| match env.accounts.as_slice() {
                        [one] => Some(one.id.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
                let mut layer = Layer::new(&mut env, &file.display().to_string(), &account, opts);
                let r = match kind {
                    InputKind::CloudFormation => cfn::load(&mut layer, &text),
                    InputKind::Serverless => serverless::load(&mut layer, &text),
                    _ => terraform::load(&mut layer, &text),
                };
                if let Err(d) = r {
                    layer.errors.push(d);
                }
                let (w, e) = layer.finish();
                warnings.extend(w);
                errors.extend(e);
            }
        }
    }
    if !errors.is_empty() {
        if !opts.allow_partial {
            return Err(LoadFailure { errors, warnings });
        }
        env.skipped.extend(errors);
    }
    env.root = roots.join(" + ");
    env.warnings = warnings;
    Ok(env)
}

/// Writes `s` as a symbolic value: `{{s}}`.
pub fn symbolic(s: &str) -> String {
    format!("{{{{{s}}}}}")
}

/// True when a resolved value contains a symbolic part.
pub fn is_symbolic(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(a) => a.iter().any(is_symbolic),
        Value::Object(m) => m.values().any(is_symbolic),
        _ => false,
    }
}

/// The symbolic parts of a value, for warnings.
pub fn symbols(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("{{") {
                let after = &rest[i..];
                let end = after.find("}}").map(|e| e + 2).unwrap_or(after.len());
                let sym = after[..end].to_string();
                if !out.contains(&sym) {
                    out.push(sym);
                }
                rest = &after[end..];
            }
        }
        Value::Array(a) => a.iter().for_each(|x| symbols(x, out)),
        Value::Object(m) => m.values().for_each(|x| symbols(x, out)),
        _ => {}
    }
}

/// A scalar as text (`true`, `3`, `abc`); `None` for lists, maps and null.
pub fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string or list of strings as a list.
pub fn list_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(text_of).collect(),
        Some(v) => text_of(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Adds what a template declares to an environment: one layer per template file.
pub struct Layer<'e> {
    /// The environment being built (possibly a loaded snapshot).
    pub env: &'e mut Environment,
    /// The template file, as given.
    pub file: String,
    /// The account the template deploys into.
    pub account: String,
    /// The region (`--param AWS::Region`, default us-east-1).
    pub region: String,
    /// The partition (`aws`).
    pub partition: String,
    /// The options.
    pub opts: IacOptions,
    /// Problems that do not stop loading.
    pub warnings: Vec<Diagnostic>,
    /// Problems that do.
    pub errors: Vec<Diagnostic>,
    /// True for inputs whose framework generates resources templates may refer to (Serverless).
    pub generated_resources: bool,
    /// Resources (by logical id) that exist only under template conditions that cannot be
    /// decided: every statement of every policy they add is guarded ([`branches`]).
    pub guards: FxHashMap<String, branches::Outcome>,
    /// Statements added to resource policies, by resource ARN: (kind, statements, origin).
    pending_resource_statements: Vec<(String, ResourceKind, Vec<Value>, String, String)>,
}

impl<'e> Layer<'e> {
    /// The IAM user `name` of the account the layer deploys into (template or snapshot).
    pub fn user_mut(&mut self, name: &str) -> Option<&mut User> {
        let account = &self.account;
        self.env
            .users
            .iter_mut()
            .find(|x| x.name == name && x.account == *account)
    }

    /// Starts a layer over `env`.
    pub fn new(env: &'e mut Environment, file: &str, account: &str, opts: &IacOptions) -> Self {
        if env.account(account).is_none() {
            env.accounts.push(Account {
                id: account.to_string(),
                public_access_block: None,
            });
            env.accounts.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Layer {
            env,
            file: file.to_string(),
            account: account.to_string(),
            region: opts
                .param("AWS::Region")
                .unwrap_or(DEFAULT_REGION)
                .to_string(),
            partition: opts.param("AWS::Partition").unwrap_or("aws").to_string(),
            opts: opts.clone(),
            warnings: Vec::new(),
            errors: Vec::new(),
            generated_resources: false,
            guards: FxHashMap::default(),
            pending_resource_statements: Vec::new(),
        }
    }

    /// A warning about this file.
    pub fn warn(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Diagnostic {
            file: self.file.clone(),
            location: location.into(),
            message: message.into(),
        });
    }

    /// An error about this file.
    pub fn error(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Diagnostic {
            file: self.file.clone(),
            location: location.into(),
            message: message.into(),
        });
    }

    /// Parses a resolved policy document (a JSON value, or a string holding JSON) into the
    /// environment. `location` is where it sits in the template (`line 12, Resources.R.…`).
    /// Symbolic values are reported with `owner` (the logical id or address).
    pub fn add_policy(
        &mut self,
        doc: &Value,
        location: &str,
        name: String,
        arn: Option<String>,
        kind: PolicyKind,
        owner: &str,
    ) -> Option<PolicyId> {
        let guarded;
        let doc = match self.guards.get(owner) {
            Some(g) => {
                guarded = branches::guard_document(doc.clone(), g);
                &guarded
            }
            None => doc,
        };
        let raw = match doc {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut syms = Vec::new();
        match doc {
            Value::String(s) => {
                if let Ok(v) = serde_json::from_str::<Value>(s) {
                    symbols(&v, &mut syms)
                }
            }
            v => symbols(v, &mut syms),
        }
        if !syms.is_empty() {
            self.warn(
                location,
                format!(
                    "`{owner}`: {name} uses value(s) unknown before deployment: {}; they stay symbolic: a resource, principal, action or condition value they stand for may be anything, so answers that depend on them are conditional (give --param NAME=VALUE where they are parameters)",
                    syms.join(", ")
                ),
            );
        }
        let src = DocSource {
            file: self.file.clone(),
            json_path: location.to_string(),
            name,
            arn,
            kind,
        };
        match parse_policy(&raw, &src) {
            Ok(p) => Some(self.env.add_policy(p)),
            Err(ds) => {
                self.errors.extend(ds);
                None
            }
        }
    }

    /// A managed policy by ARN: one this environment already has (snapshot or template), or a
    /// bundled AWS-managed one. `None` (with a warning) when its document is unknown.
    pub fn managed_policy(&mut self, arn: &str, location: &str, owner: &str) -> Option<PolicyId> {
        if let Some(p) = self
            .env
            .policies
            .iter()
            .rev()
            .find(|p| p.arn.as_deref() == Some(arn))
        {
            if let Some(g) = self.guards.get(owner).cloned() {
                // Attached by a resource that may not exist: a guarded copy of its own.
                let (pid, name) = (p.id, format!("{arn} (as attached by {owner})"));
                return Some(self.guarded_copy(pid, &g, name));
            }
            return Some(p.id);
        }
        let aws_name = arn
            .strip_prefix(&format!("arn:{}:iam::aws:policy/", self.partition))
            .or_else(|| arn.strip_prefix("arn:aws:iam::aws:policy/"));
        if let Some(doc) = aws_name.and_then(builtin_aws_managed) {
            // The shared copy is never guarded (owner ""); a guarded owner gets its own below.
            let pid = self.add_policy(
                &doc,
                &format!("bundled AWS-managed policy {arn}"),
                arn.to_string(),
                Some(arn.to_string()),
                PolicyKind::AwsManaged,
                "",
            )?;
            if self.guards.contains_key(owner) {
                return self.managed_policy(arn, location, owner);
            }
            return Some(pid);
        }
        self.warn(
            location,
            format!("`{owner}` attaches managed policy `{arn}`, whose document is not in the environment: its permissions are not counted (layer the template over a snapshot that has it)"),
        );
        None
    }

    /// A copy of policy `pid` named `name`, without ARN, every statement of which holds only
    /// under `outcome` (`StringEquals iamdl:TemplateCondition/C "true"|"false"`, [`branches`]).
    pub fn guarded_copy(
        &mut self,
        pid: PolicyId,
        outcome: &[(String, bool)],
        name: String,
    ) -> PolicyId {
        let mut copy = self.env.policy(pid).clone();
        copy.arn = None;
        copy.name = name;
        for st in &mut copy.statements {
            guard_parsed(st, outcome);
        }
        self.env.add_policy(copy)
    }

    /// Adds (or, when the ARN exists, replaces) a role with its trust policy and permissions.
    #[allow(clippy::too_many_arguments)]
    pub fn add_role(
        &mut self,
        arn: &str,
        name: &str,
        path: &str,
        trust: Option<PolicyId>,
        policies: Vec<PolicyId>,
        boundary: Option<PolicyId>,
        tags: Vec<(String, String)>,
    ) {
        let trust = match trust {
            Some(t) => t,
            None => {
                // A role without a readable trust policy trusts no one.
                let src = DocSource {
                    file: self.file.clone(),
                    json_path: String::new(),
                    name: format!("trust policy of {arn}"),
                    arn: None,
                    kind: PolicyKind::Resource(ResourceKind::IamRole),
                };
                match parse_policy(r#"{"Version":"2012-10-17","Statement":[]}"#, &src) {
                    Ok(p) => self.env.add_policy(p),
                    Err(_) => return,
                }
            }
        };
        let role = Role {
            arn: arn.to_string(),
            name: name.to_string(),
            path: path.to_string(),
            id: format!("AROA{}", name.to_ascii_uppercase()),
            account: self.account.clone(),
            trust,
            policies,
            boundary,
            tags,
            instance_profiles: Vec::new(),
        };
        if let Some(r) = self.env.roles.iter_mut().find(|r| r.arn == arn) {
            *r = role;
        } else {
            self.env.roles.push(role);
        }
        let res = self.resource(arn, ResourceKind::IamRole, "");
        self.env.resources[res].policy = Some(trust);
    }

    /// Index of the resource with this ARN, created (empty, in this layer's account) when missing.
    pub fn resource(&mut self, arn: &str, kind: ResourceKind, region: &str) -> usize {
        if let Some(i) = self.env.resources.iter().position(|r| r.arn == arn) {
            return i;
        }
        self.env.resources.push(Resource {
            arn: arn.to_string(),
            kind,
            account: self.account.clone(),
            region: region.to_string(),
            policy: None,
            public_access_block: None,
            grants: if kind == ResourceKind::KmsKey {
                // A key the template creates has no grants yet.
                Grants::Loaded(Vec::new())
            } else {
                Grants::NotApplicable
            },
            aws_managed_key: false,
            execution_role: None,
            tags: Vec::new(),
        });
        self.env.resources.len() - 1
    }

    /// Sets the resource policy of `arn` (replacing any it had, as a bucket, queue, topic, key
    /// or secret policy does).
    pub fn set_resource_policy(
        &mut self,
        arn: &str,
        kind: ResourceKind,
        doc: &Value,
        location: &str,
        name: String,
        owner: &str,
    ) {
        let region = Arn::parse(arn).map(|a| a.region).unwrap_or_default();
        if let Some(pid) =
            self.add_policy(doc, location, name, None, PolicyKind::Resource(kind), owner)
        {
            let i = self.resource(arn, kind, &region);
            self.env.resources[i].policy = Some(pid);
        }
    }

    /// Adds statements to the resource policy of `arn` (Lambda permissions accumulate); they are
    /// merged with any policy the resource already has when the layer finishes.
    pub fn add_resource_statement(
        &mut self,
        arn: &str,
        kind: ResourceKind,
        statement: Value,
        location: &str,
        owner: &str,
    ) {
        let statement = match self.guards.get(owner) {
            Some(g) => branches::guard_statement(statement, g),
            None => statement,
        };
        if let Some(e) = self
            .pending_resource_statements
            .iter_mut()
            .find(|e| e.0 == arn)
        {
            e.2.push(statement);
            return;
        }
        self.pending_resource_statements.push((
            arn.to_string(),
            kind,
            vec![statement],
            location.to_string(),
            owner.to_string(),
        ));
    }

    /// The ARN of a role named `name` (or given as an ARN) in this layer's account.
    pub fn role_arn(&self, name_or_arn: &str) -> String {
        if name_or_arn.starts_with("arn:") {
            return name_or_arn.to_string();
        }
        if let Some(r) = self
            .env
            .roles
            .iter()
            .find(|r| r.name == name_or_arn && r.account == self.account)
        {
            return r.arn.clone();
        }
        format!(
            "arn:{}:iam::{}:role/{}",
            self.partition, self.account, name_or_arn
        )
    }

    /// Attaches a policy to the role, user or group with this name (or ARN) in the environment.
    pub fn attach(&mut self, what: &str, name_or_arn: &str, pid: PolicyId, location: &str) {
        let tail = name_or_arn.rsplit('/').next().unwrap_or(name_or_arn);
        let acct = self.account.clone();
        let hit = match what {
            "role" => self
                .env
                .roles
                .iter_mut()
                .find(|r| r.arn == name_or_arn || (r.name == tail && r.account == acct))
                .map(|r| r.policies.push(pid)),
            "user" => self
                .env
                .users
                .iter_mut()
                .find(|u| u.arn == name_or_arn || (u.name == tail && u.account == acct))
                .map(|u| u.policies.push(pid)),
            _ => self
                .env
                .groups
                .iter_mut()
                .find(|g| g.arn == name_or_arn || (g.name == tail && g.account == acct))
                .map(|g| g.policies.push(pid)),
        };
        if hit.is_none() {
            self.warn(
                location,
                format!("{what} `{name_or_arn}` is neither in the template nor in the environment: the policy is attached to nothing"),
            );
        }
    }

    /// Merges the accumulated resource statements and returns (warnings, errors).
    pub fn finish(mut self) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        let pending = std::mem::take(&mut self.pending_resource_statements);
        for (arn, kind, stmts, location, owner) in pending {
            let doc = json!({"Version": "2012-10-17", "Statement": stmts});
            let what = match kind {
                ResourceKind::LambdaFunction => "function policy",
                _ => "resource policy",
            };
            let region = Arn::parse(&arn).map(|a| a.region).unwrap_or_default();
            let Some(pid) = self.add_policy(
                &doc,
                &location,
                format!("{what} of {arn}"),
                None,
                PolicyKind::Resource(kind),
                &owner,
            ) else {
                continue;
            };
            let i = self.resource(&arn, kind, &region);
            if let Some(old) = self.env.resources[i].policy {
                // Existing statements first, then the template's.
                let mut merged = self.env.policy(old).clone();
                let added = self.env.policy(pid).statements.clone();
                let base = merged.statements.len();
                for (k, mut s) in added.into_iter().enumerate() {
                    s.index = base + k;
                    merged.statements.push(s);
                }
                merged.name = format!("{what} of {arn}");
                let m = self.env.add_policy(merged);
                self.env.resources[i].policy = Some(m);
            } else {
                self.env.resources[i].policy = Some(pid);
            }
        }
        (self.warnings, self.errors)
    }

    /// A Lambda function resource with its execution role.
    pub fn add_function(&mut self, arn: &str, role: Option<String>) {
        let region = Arn::parse(arn).map(|a| a.region).unwrap_or_default();
        let i = self.resource(arn, ResourceKind::LambdaFunction, &region);
        if role.is_some() {
            self.env.resources[i].execution_role = role;
        }
    }

    /// A function ARN from a name, partial or full ARN (qualifier dropped).
    pub fn function_arn(&self, f: &str) -> String {
        if f.starts_with("arn:") {
            return f.split(':').take(7).collect::<Vec<_>>().join(":");
        }
        if let Some((acct, rest)) = f.split_once(":function:") {
            let name = rest.split(':').next().unwrap_or(rest);
            return format!(
                "arn:{}:lambda:{}:{}:function:{}",
                self.partition, self.region, acct, name
            );
        }
        let name = f.split(':').next().unwrap_or(f);
        format!(
            "arn:{}:lambda:{}:{}:function:{}",
            self.partition, self.region, self.account, name
        )
    }
}

/// Adds the guard of `outcome` to a parsed statement (see [`Layer::guarded_copy`]).
pub fn guard_parsed(st: &mut Statement, outcome: &[(String, bool)]) {
    for (name, holds) in outcome {
        st.conditions.push(Condition::new(
            "StringEquals",
            &format!("{}{name}", crate::iam::condition::TEMPLATE_CONDITION_KEY),
            vec![holds.to_string()],
        ));
    }
}

/// The statement a Lambda permission (CloudFormation `AWS::Lambda::Permission`, SAM event,
/// Terraform `aws_lambda_permission`) adds to the function policy, as Lambda writes it.
#[allow(clippy::too_many_arguments)]
pub fn lambda_permission_statement(
    sid: &str,
    principal: &str,
    action: &str,
    function_arn: &str,
    source_arn: Option<&str>,
    source_account: Option<&str>,
    org_id: Option<&str>,
    url_auth: Option<&str>,
) -> Value {
    let principal_v = if principal == "*" {
        json!("*")
    } else if principal.contains(".amazonaws.com") || principal.ends_with(".amazon.com") {
        json!({"Service": principal})
    } else if arn::is_account_id(principal) {
        json!({"AWS": format!("arn:aws:iam::{principal}:root")})
    } else {
        json!({"AWS": principal})
    };
    let mut cond = serde_json::Map::new();
    if let Some(a) = source_arn {
        cond.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
    }
    let mut eq = serde_json::Map::new();
    if let Some(a) = source_account {
        eq.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(o) = org_id {
        eq.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(u) = url_auth {
        eq.insert("lambda:FunctionUrlAuthType".into(), json!(u));
    }
    if !eq.is_empty() {
        cond.insert("StringEquals".into(), Value::Object(eq));
    }
    let mut st = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_v,
        "Action": action,
        "Resource": function_arn,
    });
    if !cond.is_empty() {
        st["Condition"] = Value::Object(cond);
    }
    st
}

/// Documents of the AWS-managed policies templates attach most often, so a template alone can
/// be analysed (layering over a snapshot uses the snapshot's copies instead).
pub fn builtin_aws_managed(name: &str) -> Option<Value> {
    let logs = json!([
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents"
    ]);
    let doc = |stmts: Value| json!({"Version": "2012-10-17", "Statement": stmts});
    Some(match name {
        "service-role/AWSLambdaBasicExecutionRole" => {
            doc(json!([{"Effect": "Allow", "Action": logs, "Resource": "*"}]))
        }
        "service-role/AWSLambdaVPCAccessExecutionRole" => {
            doc(json!([{"Effect": "Allow", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
            "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            "Resource": "*"}]))
        }
        "service-role/AWSLambdaSQSQueueExecutionRole" => {
            doc(json!([{"Effect": "Allow", "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]))
        }
        "service-role/AWSLambdaDynamoDBExecutionRole" => {
            doc(json!([{"Effect": "Allow", "Action": [
            "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]))
        }
        "service-role/AWSLambdaKinesisExecutionRole" => doc(json!([{"Effect": "Allow", "Action": [
            "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
            "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams", "kinesis:SubscribeToShard",
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}])),
        "AWSXrayWriteOnlyAccess" | "AWSXRayDaemonWriteAccess" => {
            doc(json!([{"Effect": "Allow", "Action": [
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
            "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"], "Resource": "*"}]))
        }
        "AWSLambdaExecute" => doc(json!([
            {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:*:*:*"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"}])),
        "service-role/AmazonAPIGatewayPushToCloudWatchLogs" => {
            doc(json!([{"Effect": "Allow", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
            "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"], "Resource": "*"}]))
        }
        "CloudWatchFullAccess" => doc(
            json!([{"Effect": "Allow", "Action": ["autoscaling:Describe*", "cloudwatch:*", "logs:*", "sns:*", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "oam:ListSinks"], "Resource": "*"}]),
        ),
        "AmazonKinesisFullAccess" => {
            doc(json!([{"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"}]))
        }
        "AdministratorAccess" => doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
        "ReadOnlyAccess" => doc(
            json!([{"Effect": "Allow", "Action": ["*:Describe*", "*:Get*", "*:List*"], "Resource": "*"}]),
        ),
        "AmazonS3ReadOnlyAccess" => doc(
            json!([{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"], "Resource": "*"}]),
        ),
        "AmazonS3FullAccess" => doc(
            json!([{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}]),
        ),
        "AmazonDynamoDBFullAccess" => {
            doc(json!([{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]))
        }
        "AmazonDynamoDBReadOnlyAccess" => doc(
            json!([{"Effect": "Allow", "Action": ["dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect"], "Resource": "*"}]),
        ),
        "AmazonSQSFullAccess" => {
            doc(json!([{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]))
        }
        "AmazonSNSFullAccess" => {
            doc(json!([{"Effect": "Allow", "Action": "sns:*", "Resource": "*"}]))
        }
        "CloudWatchLogsFullAccess" => {
            doc(json!([{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]))
        }
        "CloudWatchReadOnlyAccess" => doc(
            json!([{"Effect": "Allow", "Action": ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "logs:Get*", "logs:List*", "logs:Describe*", "logs:FilterLogEvents", "logs:StartQuery", "logs:StopQuery"], "Resource": "*"}]),
        ),
        _ => return None,
    })
}

/// Logical ids with their first line in the template text (1-based), for error locations.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    lines: FxHashMap<String, usize>,
}

impl LineIndex {
    /// Finds the line of each key of a top-level section (`Resources`) by looking for `KEY:` or
    /// `"KEY":` after the section's own line.
    pub fn build(text: &str, section: &str, keys: &[String]) -> LineIndex {
        let all: Vec<&str> = text.lines().collect();
        let start = all
            .iter()
            .position(|l| {
                let t = l.trim_start().trim_start_matches('"');
                t.starts_with(section)
                    && t[section.len()..]
                        .trim_start_matches('"')
                        .trim_start()
                        .starts_with(':')
            })
            .unwrap_or(0);
        let mut lines = FxHashMap::default();
        for k in keys {
            for (i, l) in all.iter().enumerate().skip(start) {
                let t = l.trim_start();
                let t = t.strip_prefix('"').unwrap_or(t);
                let t = t.strip_prefix('\'').unwrap_or(t);
                if let Some(rest) = t.strip_prefix(k.as_str()) {
                    let rest = rest.trim_start_matches(['"', '\'']).trim_start();
                    if rest.starts_with(':') {
                        lines.insert(k.clone(), i + 1);
                        break;
                    }
                }
            }
        }
        LineIndex { lines }
    }

    /// The line of `key`, if found.
    pub fn line(&self, key: &str) -> Option<usize> {
        self.lines.get(key).copied()
    }
}
