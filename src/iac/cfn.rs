//! CloudFormation templates (YAML or JSON, SAM included): parameters, conditions and intrinsic
//! functions resolved, then every resource with IAM meaning added to the environment through a
//! [`Layer`]. Resource types without modelled IAM meaning are listed in one warning.

use super::intrinsics::Resolver;
use super::{list_of, symbolic, text_of, Layer};
use crate::iam::*;
use rustc_hash::FxHashMap;
use serde_json::{json, Value};

/// One resource after resolution.
pub struct Res {
    /// Logical id.
    pub logical: String,
    /// Resource type.
    pub ty: String,
    /// Resolved properties.
    pub props: Value,
    /// `line N, Resources.X` for messages.
    pub loc: String,
}

impl Res {
    /// A property.
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.props.get(k)
    }
    /// A property as text.
    pub fn text(&self, k: &str) -> Option<String> {
        self.props.get(k).and_then(text_of)
    }
    /// Location of a property.
    pub fn at(&self, k: &str) -> String {
        format!("{}.Properties.{k}", self.loc)
    }
}

/// Parses template text (JSON when it starts with `{`, YAML otherwise).
pub fn parse_text(text: &str, file: &str) -> Result<Value, Diagnostic> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            let line = e.line();
            let within = super::yaml::enclosing_key(text, line)
                .map(|k| format!(", in `{k}`"))
                .unwrap_or_default();
            Diagnostic {
                file: file.to_string(),
                location: format!("line {line} column {}{within}", e.column()),
                message: format!(
                    "not valid JSON: {}",
                    e.to_string().split(" at line ").next().unwrap_or("")
                ),
            }
        })
    } else {
        super::yaml::parse(text, file)
    }
}

/// Template parameters: `--param` values, else defaults, else symbolic (with one warning).
pub fn parameters(layer: &mut Layer, template: &Value) -> FxHashMap<String, Value> {
    let mut params = FxHashMap::default();
    let mut missing = Vec::new();
    if let Some(m) = template.get("Parameters").and_then(Value::as_object) {
        for (name, def) in m {
            let ty = def.get("Type").and_then(Value::as_str).unwrap_or("String");
            let is_list = ty.starts_with("List<") || ty == "CommaDelimitedList";
            let given = layer
                .opts
                .param(name)
                .map(|s| Value::String(s.to_string()))
                .or_else(|| def.get("Default").cloned());
            let v = match given {
                Some(v) => {
                    let t = text_of(&v);
                    match (is_list, t) {
                        (true, Some(t)) => Value::Array(
                            t.split(',')
                                .map(|x| Value::String(x.trim().to_string()))
                                .collect(),
                        ),
                        (_, Some(t)) => Value::String(t),
                        (_, None) => v,
                    }
                }
                None => {
                    missing.push(name.clone());
                    let s = Value::String(symbolic(&format!("param:{name}")));
                    if is_list {
                        Value::Array(vec![s])
                    } else {
                        s
                    }
                }
            };
            params.insert(name.clone(), v);
        }
    }
    if !missing.is_empty() {
        layer.warn(
            "Parameters",
            format!(
                "parameter(s) without a value or default stay symbolic: {} (give --param NAME=VALUE)",
                missing.join(", ")
            ),
        );
    }
    params
}

/// Loads a CloudFormation template into the layer.
pub fn load(layer: &mut Layer, text: &str) -> Result<(), Diagnostic> {
    let template = parse_text(text, &layer.file)?;
    load_template(layer, text, &template, "stack")
}

/// Loads a parsed template; `text` is the source for line numbers, `default_stack` the stack
/// name unless `--param AWS::StackName` gives one.
pub fn load_template(
    layer: &mut Layer,
    text: &str,
    template: &Value,
    default_stack: &str,
) -> Result<(), Diagnostic> {
    let file = layer.file.clone();
    let template = template.clone();
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Err(Diagnostic {
            file,
            location: "Resources".into(),
            message: "a CloudFormation template needs a `Resources` map".into(),
        });
    };
    for (k, r) in resources {
        if r.get("Type").and_then(Value::as_str).is_none() {
            let line = super::LineIndex::build(text, "Resources", std::slice::from_ref(k))
                .line(k)
                .map(|l| format!("line {l}, "))
                .unwrap_or_default();
            return Err(Diagnostic {
                file,
                location: format!("{line}Resources.{k}"),
                message: format!("resource `{k}` has no `Type` string"),
            });
        }
    }
    // SAM resources are expanded even when the `Transform` line is missing (SAM's own tests).
    let sam = list_of(template.get("Transform"))
        .iter()
        .any(|t| t.starts_with("AWS::Serverless"))
        || resources.values().any(|r| {
            r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("AWS::Serverless::"))
        });
    let params = parameters(layer, &template);
    let stack = layer
        .opts
        .param("AWS::StackName")
        .unwrap_or(default_stack)
        .to_string();
    let mut rv = Resolver::new(
        &file,
        text,
        &template,
        params,
        &layer.account,
        &layer.region,
        &layer.partition,
        &stack,
    );
    rv.lenient = sam || layer.generated_resources;
    if sam {
        for (k, r) in &rv.resources {
            let props = r.get("Properties");
            if r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function")
                && props.and_then(|p| p.get("Role")).is_none()
            {
                let name = format!("{stack}-{k}Role");
                let arn = format!("arn:{}:iam::{}:role/{name}", layer.partition, layer.account);
                rv.generated_ids.insert(format!("{k}Role"), (name, arn));
            }
        }
    }
    let macros: Vec<String> = list_of(template.get("Transform"))
        .into_iter()
        .filter(|t| !t.starts_with("AWS::Serverless") && t != "AWS::LanguageExtensions")
        .collect();
    if !macros.is_empty() {
        layer.warn(
            "Transform",
            format!(
                "macro(s) {} are not expanded: what they add or change is not analysed",
                macros.join(", ")
            ),
        );
    }
    rv.check_cycles()?;
    let globals = template
        .get("Globals")
        .and_then(|g| g.get("Function"))
        .cloned();
    let mut list = Vec::new();
    let keys: Vec<String> = rv.resources.keys().cloned().collect();
    let mut undecided_resources = Vec::new();
    let mut settled = super::branches::Settled::default();
    for logical in keys {
        let raw = rv.resources[&logical].clone();
        let ty = raw["Type"].as_str().unwrap_or("").to_string();
        let path = format!("Resources.{logical}");
        if let Some(c) = raw.get("Condition").and_then(Value::as_str) {
            match rv.condition(c, &path)? {
                Some(false) => continue,
                Some(true) => {}
                None => {
                    undecided_resources.push(format!("{logical} ({c})"));
                    layer
                        .guards
                        .insert(logical.clone(), vec![(c.to_string(), true)]);
                }
            }
        }
        let mut props = raw.get("Properties").cloned().unwrap_or(json!({}));
        if ty == "AWS::Serverless::Function" {
            if let (Some(Value::Object(g)), Value::Object(p)) = (&globals, &mut props) {
                for (k, v) in g {
                    p.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        rv.either = true;
        let props = rv.resolve(&props, &format!("{path}.Properties"));
        rv.either = false;
        let policy_resource = matches!(ty.as_str(), "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy");
        let props = props?
            .and_then(|p| {
                if policy_resource {
                    super::branches::settle_policy_props(p, &mut settled)
                } else if ty == "AWS::Serverless::Function" {
                    super::branches::settle_sam_props(p, &mut settled)
                } else {
                    super::branches::settle(p, &mut settled)
                }
            })
            .unwrap_or(json!({}));
        list.push(Res {
            loc: rv.loc(&path),
            logical,
            ty,
            props,
        });
    }
    if !undecided_resources.is_empty() {
        layer.warn(
            "Conditions",
            format!("resource(s) whose condition cannot be decided may or may not be created: {}; the statements of their policies hold only under `template condition NAME` (conditional answers; give --param for the parameters the conditions test)", undecided_resources.join(", ")),
        );
    }
    apply(layer, &mut rv, &list, sam)?;
    if !rv.unknown_refs.is_empty() {
        layer.warn(
            "Resources",
            format!(
                "logical id(s) referred to but not declared (generated by the SAM / Serverless transform): {}; their values stay symbolic",
                rv.unknown_refs.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    if !settled.both.is_empty() {
        layer.warn(
            "Conditions",
            format!(
                "condition(s) that cannot be decided: {}; policy statements that depend on them are kept for both outcomes, each holding only under `template condition NAME` (conditional answers; give --param for the parameters they test)",
                settled.both.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    let true_branch: std::collections::BTreeSet<String> =
        rv.undecided.union(&settled.true_branch).cloned().collect();
    if !true_branch.is_empty() {
        layer.warn(
            "Conditions",
            format!(
                "condition(s) that cannot be decided took their `Fn::If` true branch outside policy statements (names, ARNs, permissions boundaries, SAM policy names): {} (give --param for the parameters they test)",
                true_branch.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    Ok(())
}

fn tags(r: &Res) -> Vec<(String, String)> {
    match r.get("Tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| {
                Some((
                    t.get("Key").and_then(text_of)?,
                    t.get("Value").and_then(text_of)?,
                ))
            })
            .collect(),
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), text_of(v)?)))
            .collect(),
        _ => Vec::new(),
    }
}

/// Inline `Policies` of a role, user or group: [{PolicyName, PolicyDocument}].
fn inline_policies(layer: &mut Layer, r: &Res, owner_arn: &str) -> Vec<PolicyId> {
    let mut out = Vec::new();
    if let Some(other) = r.get("Policies").filter(|p| !p.is_array()) {
        layer.error(
            r.at("Policies"),
            format!(
                "`{}`: `Policies` must be a list of {{PolicyName, PolicyDocument}}, found {}{}",
                r.logical,
                other,
                if other.as_str().is_some_and(|s| s.starts_with("arn:")) {
                    " (a managed policy ARN belongs in `ManagedPolicyArns`)"
                } else {
                    ""
                }
            ),
        );
    }
    if let Some(Value::Array(ps)) = r.get("Policies") {
        for (i, p) in ps.iter().enumerate() {
            let name = p.get("PolicyName").and_then(text_of).unwrap_or_default();
            let Some(doc) = p.get("PolicyDocument") else {
                layer.error(
                    format!("{}[{i}]", r.at("Policies")),
                    "an inline policy needs a `PolicyDocument`",
                );
                continue;
            };
            if let Some(pid) = layer.add_policy(
                doc,
                &format!("{}[{i}].PolicyDocument", r.at("Policies")),
                format!("inline policy {name} of {owner_arn}"),
                None,
                PolicyKind::Inline,
                &r.logical,
            ) {
                out.push(pid);
            }
        }
    }
    out
}

fn managed(layer: &mut Layer, r: &Res, key: &str) -> Vec<PolicyId> {
    let mut out = Vec::new();
    for entry in list_of(r.get(key)) {
        // `ARN#iamdl-if:C=true`: attached only under an undecidable condition (branches).
        let (arn, extra) = super::branches::split_guarded(&entry);
        let owner = if extra.is_empty() {
            r.logical.clone()
        } else {
            let shown: Vec<String> = extra
                .iter()
                .map(|(n, holds)| {
                    if *holds {
                        n.clone()
                    } else {
                        format!("not {n}")
                    }
                })
                .collect();
            let mut g = layer.guards.get(&r.logical).cloned().unwrap_or_default();
            g.extend(extra);
            let owner = format!("{} [if {}]", r.logical, shown.join(", "));
            layer.guards.insert(owner.clone(), g);
            owner
        };
        if let Some(p) = layer.managed_policy(arn, &r.at(key), &owner) {
            out.push(p);
        }
    }
    out
}

/// The owner name under which a policy attached only under an undecidable outcome is added:
/// the resource's own guards plus the entry's ([`super::branches::GUARD_SEP`]).
pub(super) fn guarded_owner(
    layer: &mut Layer,
    r: &Res,
    entry: &str,
    extra: super::branches::Outcome,
) -> String {
    let mut g = layer.guards.get(&r.logical).cloned().unwrap_or_default();
    g.extend(extra);
    let owner = format!("{} [{entry}]", r.logical);
    layer.guards.insert(owner.clone(), g);
    owner
}

fn boundary(layer: &mut Layer, r: &Res) -> Option<PolicyId> {
    boundary_of(layer, r)
}

/// The permissions boundary of a role or user resource. Under an undecidable condition
/// ([`super::branches`]) the property holds guarded alternatives: the boundary is then one
/// policy with each alternative's statements guarded by its outcome and, for an outcome
/// without a boundary, an `Allow *` on `*` guarded by it (no cap under that outcome).
pub(super) fn boundary_of(layer: &mut Layer, r: &Res) -> Option<PolicyId> {
    let at = r.at("PermissionsBoundary");
    let Some(Value::Array(entries)) = r.get("PermissionsBoundary") else {
        let arn = r.text("PermissionsBoundary")?;
        return layer.managed_policy(&arn, &at, &r.logical);
    };
    let entries: Vec<String> = entries
        .iter()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect();
    let mut names: Vec<String> = Vec::new();
    let mut covered: Vec<bool> = Vec::new();
    let mut statements = Vec::new();
    for entry in &entries {
        let (arn, extra) = super::branches::split_guarded(entry);
        for (n, holds) in &extra {
            if !names.contains(n) {
                names.push(n.clone());
            }
            covered.push(*holds);
        }
        let mut g = layer.guards.get(&r.logical).cloned().unwrap_or_default();
        g.extend(extra.clone());
        let owner = format!("{} [boundary {entry}]", r.logical);
        layer.guards.insert(owner.clone(), g);
        if let Some(pid) = layer.managed_policy(arn, &at, &owner) {
            statements.extend(layer.env.policy(pid).statements.clone());
        }
    }
    let [name] = names.as_slice() else {
        // Nested conditions: the first alternative, reported.
        layer.warn(
            &at,
            format!("`{}`: a permissions boundary under several undecidable conditions ({}) took its first alternative (give --param for the parameters they test)", r.logical, names.join(", ")),
        );
        let (arn, _) = super::branches::split_guarded(entries.first()?);
        return layer.managed_policy(arn, &at, &r.logical);
    };
    // The outcomes without a boundary cap nothing: Allow * under them.
    for holds in [true, false] {
        if covered.contains(&holds) {
            continue;
        }
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {
                format!("{}{name}", crate::iam::condition::TEMPLATE_CONDITION_KEY): holds.to_string()
            }}
        }]});
        let owner = format!("{} [no boundary]", r.logical);
        if let Some(pid) = layer.add_policy(
            &doc,
            &at,
            format!(
                "no permissions boundary of {} (template condition {name} {holds})",
                r.logical
            ),
            None,
            PolicyKind::CustomerManaged,
            &owner,
        ) {
            statements.extend(layer.env.policy(pid).statements.clone());
        }
    }
    let mut combined = crate::iam::Policy {
        statements,
        ..layer.env.policies.last()?.clone()
    };
    combined.arn = None;
    combined.kind = PolicyKind::CustomerManaged;
    combined.name = format!("of {} (depends on template condition {name})", r.logical);
    Some(layer.env.add_policy(combined))
}

fn arn_text(rv: &mut Resolver, logical: &str, attr: &str) -> Result<String, Diagnostic> {
    let v = rv.getatt(logical, attr, &format!("Resources.{logical}"))?;
    Ok(text_of(&v).unwrap_or_default())
}

/// Adds the resolved resources to the layer.
pub fn apply(
    layer: &mut Layer,
    rv: &mut Resolver,
    list: &[Res],
    sam: bool,
) -> Result<(), Diagnostic> {
    let mut unknown: Vec<String> = Vec::new();
    // Managed policies first: roles, users and groups refer to them by ARN.
    for r in list.iter().filter(|r| r.ty == "AWS::IAM::ManagedPolicy") {
        let arn = text_of(&rv.ref_resource(&r.logical, &r.loc)?).unwrap_or_default();
        let Some(doc) = r.get("PolicyDocument") else {
            layer.error(
                r.at("PolicyDocument"),
                format!("`{}` needs a `PolicyDocument`", r.logical),
            );
            continue;
        };
        layer.add_policy(
            doc,
            &r.at("PolicyDocument"),
            arn.clone(),
            Some(arn),
            PolicyKind::CustomerManaged,
            &r.logical,
        );
    }
    // Principals.
    for r in list {
        match r.ty.as_str() {
            "AWS::IAM::Role" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                let name = rv.name_of(&r.logical)?;
                let trust = match r.get("AssumeRolePolicyDocument") {
                    Some(d) => layer.add_policy(
                        d,
                        &r.at("AssumeRolePolicyDocument"),
                        format!("trust policy of {arn}"),
                        None,
                        PolicyKind::Resource(ResourceKind::IamRole),
                        &r.logical,
                    ),
                    None => {
                        layer.warn(r.at("AssumeRolePolicyDocument"), format!("role `{}` has no `AssumeRolePolicyDocument` (CloudFormation requires one; a macro may add it): it trusts no one here", r.logical));
                        None
                    }
                };
                let mut pols = inline_policies(layer, r, &arn);
                pols.extend(managed(layer, r, "ManagedPolicyArns"));
                let b = boundary(layer, r);
                let path = r.text("Path").unwrap_or_else(|| "/".into());
                layer.add_role(&arn, &name, &path, trust, pols, b, tags(r));
            }
            "AWS::IAM::User" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                let name = rv.name_of(&r.logical)?;
                let mut pols = inline_policies(layer, r, &arn);
                pols.extend(managed(layer, r, "ManagedPolicyArns"));
                let b = boundary(layer, r);
                let user = User {
                    arn: arn.clone(),
                    name: name.clone(),
                    id: format!("AIDA{}", name.to_ascii_uppercase()),
                    account: layer.account.clone(),
                    groups: list_of(r.get("Groups")),
                    policies: pols,
                    boundary: b,
                    tags: tags(r),
                };
                if let Some(u) = layer.env.users.iter_mut().find(|u| u.arn == arn) {
                    *u = user;
                } else {
                    layer.env.users.push(user);
                }
            }
            "AWS::IAM::Group" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                let name = rv.name_of(&r.logical)?;
                let mut pols = inline_policies(layer, r, &arn);
                pols.extend(managed(layer, r, "ManagedPolicyArns"));
                let g = Group {
                    arn: arn.clone(),
                    name,
                    account: layer.account.clone(),
                    policies: pols,
                };
                if let Some(x) = layer.env.groups.iter_mut().find(|x| x.arn == arn) {
                    *x = g;
                } else {
                    layer.env.groups.push(g);
                }
            }
            "AWS::Serverless::Function" if sam => {
                super::sam::function(layer, rv, r)?;
            }
            _ => {}
        }
    }
    // Attachments, instance profiles, resources.
    let mut lex_hooks: Vec<(String, String, String)> = Vec::new();
    let mut permissions: Vec<(String, String)> = Vec::new();
    for r in list {
        match r.ty.as_str() {
            "AWS::IAM::ManagedPolicy" => {
                let arn = text_of(&rv.ref_resource(&r.logical, &r.loc)?).unwrap_or_default();
                let pid = layer
                    .env
                    .policies
                    .iter()
                    .rev()
                    .find(|p| p.arn.as_deref() == Some(arn.as_str()))
                    .map(|p| p.id);
                if let Some(pid) = pid {
                    for (key, what) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
                        for entry in list_of(r.get(key)) {
                            // `NAME#iamdl-if:C=true`: attached only under that outcome.
                            let (n, extra) = super::branches::split_guarded(&entry);
                            let p = if extra.is_empty() {
                                Some(pid)
                            } else {
                                let owner = guarded_owner(layer, r, &entry, extra);
                                layer.managed_policy(&arn, &r.at(key), &owner)
                            };
                            if let Some(p) = p {
                                layer.attach(what, n, p, &r.at(key));
                            }
                        }
                    }
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => {
                let name = r.text("PolicyName").unwrap_or_else(|| r.logical.clone());
                let Some(doc) = r.get("PolicyDocument") else {
                    layer.error(
                        r.at("PolicyDocument"),
                        format!("`{}` needs a `PolicyDocument`", r.logical),
                    );
                    continue;
                };
                let mut targets: Vec<(&str, String, String)> = Vec::new();
                let mut owners: Vec<String> = Vec::new();
                for (key, what) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
                    for entry in list_of(r.get(key)) {
                        // `NAME#iamdl-if:C=true`: attached only under that outcome.
                        let (n, extra) = super::branches::split_guarded(&entry);
                        let owner = if extra.is_empty() {
                            r.logical.clone()
                        } else {
                            guarded_owner(layer, r, &entry, extra)
                        };
                        targets.push((what, n.to_string(), r.at(key)));
                        owners.push(owner);
                    }
                }
                for (key, what) in [
                    ("RoleName", "role"),
                    ("UserName", "user"),
                    ("GroupName", "group"),
                ] {
                    if let Some(n) = r.text(key) {
                        targets.push((what, n, r.at(key)));
                        owners.push(r.logical.clone());
                    }
                }
                if targets.is_empty() {
                    layer.warn(
                        r.loc.clone(),
                        format!(
                            "policy `{}` is attached to no role, user or group",
                            r.logical
                        ),
                    );
                }
                for ((what, n, at), owner) in targets.into_iter().zip(owners) {
                    let pid = layer.add_policy(
                        doc,
                        &r.at("PolicyDocument"),
                        format!("inline policy {name} of {what}/{n}"),
                        None,
                        PolicyKind::Inline,
                        &owner,
                    );
                    if let Some(pid) = pid {
                        layer.attach(what, &n, pid, &at);
                    }
                }
            }
            "AWS::IAM::UserToGroupAddition" => {
                let g = r.text("GroupName").unwrap_or_default();
                for u in list_of(r.get("Users")) {
                    let acct = layer.account.clone();
                    match layer
                        .env
                        .users
                        .iter_mut()
                        .find(|x| x.name == u && x.account == acct)
                    {
                        Some(x) => x.groups.push(g.clone()),
                        None => layer.warn(
                            r.at("Users"),
                            format!("user `{u}` is neither in the template nor in the environment"),
                        ),
                    }
                }
            }
            "AWS::IAM::InstanceProfile" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                for n in list_of(r.get("Roles")) {
                    let acct = layer.account.clone();
                    if let Some(x) = layer
                        .env
                        .roles
                        .iter_mut()
                        .find(|x| x.name == n && x.account == acct)
                    {
                        x.instance_profiles.push(arn.clone());
                    }
                }
            }
            "AWS::Lambda::Function" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                let role = r.text("Role");
                if role.is_none() {
                    layer.error(
                        r.at("Role"),
                        format!("function `{}` needs a `Role`", r.logical),
                    );
                }
                layer.add_function(&arn, role);
            }
            "AWS::Lambda::Permission" => {
                let f = r.text("FunctionName").unwrap_or_default();
                let fa = layer.function_arn(&f);
                let principal = r.text("Principal").unwrap_or_default();
                let action = r
                    .text("Action")
                    .unwrap_or_else(|| "lambda:InvokeFunction".into());
                let st = super::lambda_permission_statement(
                    &r.logical,
                    &principal,
                    &action,
                    &fa,
                    r.text("SourceArn").as_deref(),
                    r.text("SourceAccount").as_deref(),
                    r.text("PrincipalOrgID").as_deref(),
                    r.text("FunctionUrlAuthType").as_deref(),
                );
                permissions.push((fa.clone(), principal));
                layer.add_resource_statement(
                    &fa,
                    ResourceKind::LambdaFunction,
                    st,
                    &r.loc,
                    &r.logical,
                );
            }
            "AWS::S3::Bucket" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                let i = layer.resource(&arn, ResourceKind::S3Bucket, "");
                if let Some(c) = r.get("PublicAccessBlockConfiguration") {
                    let b = |k: &str| c.get(k).and_then(text_of).as_deref() == Some("true");
                    layer.env.resources[i].public_access_block = Some(PublicAccessBlock {
                        block_public_acls: b("BlockPublicAcls"),
                        ignore_public_acls: b("IgnorePublicAcls"),
                        block_public_policy: b("BlockPublicPolicy"),
                        restrict_public_buckets: b("RestrictPublicBuckets"),
                    });
                }
            }
            "AWS::SQS::Queue" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                layer.resource(&arn, ResourceKind::SqsQueue, &layer.region.clone());
            }
            "AWS::SNS::Topic" => {
                let arn = text_of(&rv.ref_resource(&r.logical, &r.loc)?).unwrap_or_default();
                layer.resource(&arn, ResourceKind::SnsTopic, &layer.region.clone());
            }
            "AWS::SecretsManager::Secret" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                layer.resource(&arn, ResourceKind::Secret, &layer.region.clone());
            }
            "AWS::KMS::Key" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                match r.get("KeyPolicy") {
                    Some(d) => layer.set_resource_policy(
                        &arn,
                        ResourceKind::KmsKey,
                        d,
                        &r.at("KeyPolicy"),
                        format!("key policy of {arn}"),
                        &r.logical,
                    ),
                    None => {
                        // Without KeyPolicy, CloudFormation applies the default key policy.
                        let d = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:{}:iam::{}:root", layer.partition, layer.account)}, "Action": "kms:*", "Resource": "*"}]});
                        layer.set_resource_policy(
                            &arn,
                            ResourceKind::KmsKey,
                            &d,
                            &r.loc,
                            format!("default key policy of {arn}"),
                            &r.logical,
                        );
                    }
                }
            }
            "AWS::S3::BucketPolicy" => {
                let b = r.text("Bucket").unwrap_or_default();
                let b = b.strip_prefix("arn:aws:s3:::").unwrap_or(&b).to_string();
                match r.get("PolicyDocument") {
                    Some(d) => layer.set_resource_policy(
                        &format!("arn:{}:s3:::{b}", layer.partition),
                        ResourceKind::S3Bucket,
                        d,
                        &r.at("PolicyDocument"),
                        format!("bucket policy of {b}"),
                        &r.logical,
                    ),
                    None => layer.error(
                        r.at("PolicyDocument"),
                        format!("`{}` needs a `PolicyDocument`", r.logical),
                    ),
                }
            }
            "AWS::SQS::QueuePolicy" => {
                let Some(d) = r.get("PolicyDocument") else {
                    layer.error(
                        r.at("PolicyDocument"),
                        format!("`{}` needs a `PolicyDocument`", r.logical),
                    );
                    continue;
                };
                for q in list_of(r.get("Queues")) {
                    let arn = queue_arn(layer, &q);
                    layer.set_resource_policy(
                        &arn,
                        ResourceKind::SqsQueue,
                        d,
                        &r.at("PolicyDocument"),
                        format!("queue policy of {arn}"),
                        &r.logical,
                    );
                }
            }
            "AWS::SNS::TopicPolicy" => {
                let Some(d) = r.get("PolicyDocument") else {
                    layer.error(
                        r.at("PolicyDocument"),
                        format!("`{}` needs a `PolicyDocument`", r.logical),
                    );
                    continue;
                };
                for t in list_of(r.get("Topics")) {
                    layer.set_resource_policy(
                        &t,
                        ResourceKind::SnsTopic,
                        d,
                        &r.at("PolicyDocument"),
                        format!("topic policy of {t}"),
                        &r.logical,
                    );
                }
            }
            "AWS::SecretsManager::ResourcePolicy" => {
                let s = r.text("SecretId").unwrap_or_default();
                let arn = if s.starts_with("arn:") {
                    s
                } else {
                    layer
                        .env
                        .resources
                        .iter()
                        .find(|x| {
                            x.kind == ResourceKind::Secret
                                && x.arn.contains(&format!(":secret:{s}-"))
                        })
                        .map(|x| x.arn.clone())
                        .unwrap_or_else(|| {
                            format!(
                                "arn:{}:secretsmanager:{}:{}:secret:{s}",
                                layer.partition, layer.region, layer.account
                            )
                        })
                };
                match r.get("ResourcePolicy") {
                    Some(d) => layer.set_resource_policy(
                        &arn,
                        ResourceKind::Secret,
                        d,
                        &r.at("ResourcePolicy"),
                        format!("secret policy of {arn}"),
                        &r.logical,
                    ),
                    None => layer.error(
                        r.at("ResourcePolicy"),
                        format!("`{}` needs a `ResourcePolicy`", r.logical),
                    ),
                }
            }
            "AWS::Lex::BotAlias" => {
                let alias = arn_text(rv, &r.logical, "Arn")?;
                if let Some(Value::Array(ls)) = r.get("BotAliasLocaleSettings") {
                    for l in ls {
                        if let Some(f) = l.pointer("/BotAliasLocaleSetting/CodeHookSpecification/LambdaCodeHook/LambdaArn").and_then(text_of) {
                            lex_hooks.push((r.logical.clone(), alias.clone(), layer.function_arn(&f)));
                        }
                    }
                }
            }
            "AWS::Lex::Bot"
            | "AWS::Lex::BotVersion"
            | "AWS::IAM::Role"
            | "AWS::IAM::User"
            | "AWS::IAM::Group" => {}
            "AWS::Serverless::Function" if sam => {}
            "AWS::Serverless::SimpleTable"
            | "AWS::Serverless::Api"
            | "AWS::Serverless::HttpApi"
            | "AWS::Serverless::LayerVersion"
                if sam => {}
            t => {
                if !unknown.iter().any(|u| u == t) {
                    unknown.push(t.to_string());
                }
            }
        }
    }
    for (logical, alias, f) in lex_hooks {
        let allowed = permissions
            .iter()
            .any(|(fa, p)| *fa == f && (p == "lexv2.amazonaws.com" || p == "*"));
        layer.warn(
            format!("Resources.{logical}"),
            format!(
                "Lex V2 bot alias `{logical}` ({alias}) calls {f} as lexv2.amazonaws.com with aws:SourceArn = the alias ARN{}",
                if allowed { "" } else { "; no AWS::Lambda::Permission of this template lets it (Lambda needs a resource-based policy statement for lexv2.amazonaws.com)" }
            ),
        );
    }
    if !unknown.is_empty() {
        unknown.sort();
        layer.warn(
            "Resources",
            format!(
                "resource type(s) with no IAM meaning modelled, not analysed: {}",
                unknown.join(", ")
            ),
        );
    }
    Ok(())
}

/// A queue ARN from its URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`) or ARN.
pub fn queue_arn(layer: &Layer, q: &str) -> String {
    if q.starts_with("arn:") {
        return q.to_string();
    }
    let parts: Vec<&str> = q.trim_end_matches('/').split('/').collect();
    if parts.len() >= 5 {
        let region = parts[2].split('.').nth(1).unwrap_or(&layer.region);
        format!(
            "arn:{}:sqs:{region}:{}:{}",
            layer.partition, parts[3], parts[4]
        )
    } else {
        format!(
            "arn:{}:sqs:{}:{}:{q}",
            layer.partition, layer.region, layer.account
        )
    }
}
