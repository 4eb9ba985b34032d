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
        let props = props?;
        // A Lambda permission whose properties (`Principal`, `SourceArn`, `SourceAccount`, …)
        // depend on undecidable conditions: one permission per outcome, each guarded by it
        // (their statements accumulate in the function policy).
        if ty == "AWS::Lambda::Permission" {
            if let Some(vs) = props.as_ref().and_then(super::branches::variants) {
                let own = layer.guards.get(&logical).cloned().unwrap_or_default();
                for (outcome, p) in vs {
                    let name =
                        format!("{logical} [if {}]", super::branches::show_outcome(&outcome));
                    settled.both.extend(outcome.iter().map(|(n, _)| n.clone()));
                    let mut guard = own.clone();
                    guard.extend(outcome);
                    layer.guards.insert(name.clone(), guard);
                    list.push(Res {
                        loc: rv.loc(&path),
                        logical: name,
                        ty: ty.clone(),
                        props: super::branches::settle(p, &mut settled).unwrap_or(json!({})),
                    });
                }
                continue;
            }
        }
        let list_keys = super::branches::guarded_list_keys(&ty);
        let props = props
            .and_then(|p| {
                if !list_keys.is_empty() {
                    super::branches::settle_list_props(p, list_keys, &mut settled)
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
                "condition(s) that cannot be decided took their `Fn::If` true branch in names, ARNs and other properties that are not policies, policy attachments, group memberships, instance profiles or permissions boundaries: {} (give --param for the parameters they test)",
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
            let shown = super::branches::show_outcome(&extra);
            let mut g = layer.guards.get(&r.logical).cloned().unwrap_or_default();
            g.extend(extra);
            let owner = format!("{} [if {shown}]", r.logical);
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

/// The permissions boundary of a role or user resource. Under undecidable conditions
/// ([`super::branches`]) the property holds guarded alternatives (`ARN#iamdl-if:C=true…`, one
/// per path of nested `Fn::If` that leads to a boundary): the boundary is then one policy in
/// which each alternative's statements hold only under its path, and every combination of the
/// conditions that leads to no boundary (`AWS::NoValue`) or to one whose document is unknown
/// gets an `Allow *` on `*` under that combination (no cap there). An `Allow` that every
/// outcome allows (each alternative has it, or has no cap) is kept unguarded, so actions all
/// outcomes allow are allowed, not conditional.
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
    // Each alternative: its path of outcomes and its statements (None: document unknown).
    let mut names: Vec<String> = Vec::new();
    let mut alts: Vec<(super::branches::Outcome, Option<Vec<Statement>>)> = Vec::new();
    for entry in &entries {
        let (arn, path) = super::branches::split_guarded(entry);
        for (n, _) in &path {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        // The resource's own guards (it may not exist) apply to every statement.
        let stmts = layer
            .managed_policy(arn, &at, &r.logical)
            .map(|pid| split_allows(&layer.env.policy(pid).statements));
        alts.push((path, stmts));
    }
    if names.is_empty() {
        // No undecidable condition after all: the boundary, if any.
        let (arn, _) = super::branches::split_guarded(entries.first()?);
        return layer.managed_policy(arn, &at, &r.logical);
    }
    names.sort();
    let consistent = |path: &super::branches::Outcome, combo: &[(String, bool)]| {
        path.iter()
            .all(|(n, h)| combo.iter().any(|(m, g)| m == n && g == h))
    };
    // Every combination of the conditions: the alternative it leads to (None: no cap).
    const MAX_NAMES: usize = 6;
    let combos: Vec<super::branches::Outcome> = if names.len() <= MAX_NAMES {
        (0..(1u32 << names.len()))
            .map(|bits| {
                names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), bits & (1 << i) == 0))
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    let capped_by = |combo: &super::branches::Outcome| -> Option<&Vec<Statement>> {
        alts.iter()
            .find(|(path, st)| st.is_some() && consistent(path, combo))
            .and_then(|(_, st)| st.as_ref())
    };
    // Allows present (same text) in the alternative of every capped combination.
    let key = |st: &Statement| {
        let mut s = st.clone();
        s.index = 0;
        format!("{s:?}")
    };
    let common: Vec<String> = if combos.is_empty() {
        Vec::new()
    } else {
        let capped: Vec<&Vec<Statement>> = combos.iter().filter_map(capped_by).collect();
        match capped.split_first() {
            Some((first, rest)) => first
                .iter()
                .filter(|st| st.effect == Effect::Allow)
                .map(key)
                .filter(|k| rest.iter().all(|o| o.iter().any(|st| key(st) == *k)))
                .collect(),
            None => Vec::new(),
        }
    };
    let mut statements: Vec<Statement> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    for (path, stmts) in &alts {
        for st in stmts.iter().flatten() {
            let k = key(st);
            if common.contains(&k) {
                if !done.contains(&k) {
                    done.push(k);
                    statements.push(st.clone());
                }
                continue;
            }
            let mut st = st.clone();
            super::guard_parsed(&mut st, path);
            statements.push(st);
        }
    }
    // The combinations without a cap: Allow * under each.
    let own = layer.guards.get(&r.logical).cloned().unwrap_or_default();
    let uncapped: Vec<super::branches::Outcome> = if combos.is_empty() {
        // Too many conditions to enumerate: a pseudo-condition standing for all of them.
        vec![vec![(
            format!("{} without boundary", names.join("|")),
            true,
        )]]
    } else {
        combos
            .iter()
            .filter(|c| capped_by(c).is_none())
            .cloned()
            .collect()
    };
    for combo in uncapped {
        let mut guard = own.clone();
        guard.extend(combo.iter().cloned());
        let mut st = crate::iam::Statement {
            sid: Some(format!(
                "NoBoundaryIf{}",
                super::branches::show_outcome(&combo)
                    .replace("not ", "Not")
                    .replace([',', ' ', '|'], "")
            )),
            index: 0,
            effect: Effect::Allow,
            action: Negatable {
                negated: false,
                items: vec!["*".to_string()],
            },
            resource: Some(Negatable {
                negated: false,
                items: vec!["*".to_string()],
            }),
            principal: None,
            conditions: Vec::new(),
        };
        super::guard_parsed(&mut st, &guard);
        statements.push(st);
    }
    for (i, st) in statements.iter_mut().enumerate() {
        st.index = i;
    }
    let combined = crate::iam::Policy {
        id: PolicyId(0),
        kind: PolicyKind::CustomerManaged,
        name: format!(
            "of {} (depends on template condition(s) {})",
            r.logical,
            names.join(", ")
        ),
        arn: None,
        file: layer.file.clone(),
        json_path: at,
        version: PolicyVersion::V2012,
        statements,
    };
    Some(layer.env.add_policy(combined))
}

/// The statements with each `Allow` naming several actions split into one statement per
/// action (the same permissions), so that an action several alternatives allow is recognised
/// as common to them.
fn split_allows(stmts: &[Statement]) -> Vec<Statement> {
    let mut out = Vec::new();
    for st in stmts {
        if st.effect == Effect::Allow && !st.action.negated && st.action.items.len() > 1 {
            for a in &st.action.items {
                let mut one = st.clone();
                one.action.items = vec![a.clone()];
                out.push(one);
            }
        } else {
            out.push(st.clone());
        }
    }
    out
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
    // Group memberships that hold only under an undecidable outcome: (user ARN, group name,
    // outcome, location); the user gets guarded copies of the group's policies at the end.
    let mut memberships: Vec<(String, String, super::branches::Outcome, String)> = Vec::new();
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
                let groups = list_of(r.get("Groups"));
                for entry in &groups {
                    // `NAME#iamdl-if:C=true`: a member only under that outcome.
                    let (g, extra) = super::branches::split_guarded(entry);
                    if !extra.is_empty() {
                        let mut guard = layer.guards.get(&r.logical).cloned().unwrap_or_default();
                        guard.extend(extra);
                        memberships.push((arn.clone(), g.to_string(), guard, r.at("Groups")));
                    }
                }
                let user = User {
                    arn: arn.clone(),
                    name: name.clone(),
                    id: format!("AIDA{}", name.to_ascii_uppercase()),
                    account: layer.account.clone(),
                    groups,
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
                // `GroupName` and `Users` entries may carry guards (`NAME#iamdl-if:C=true`), and
                // the resource its own `Condition`: a membership under an undecidable outcome.
                let own = layer.guards.get(&r.logical).cloned().unwrap_or_default();
                for g_entry in list_of(r.get("GroupName")) {
                    let (g, g_guard) = super::branches::split_guarded(&g_entry);
                    for u_entry in list_of(r.get("Users")) {
                        let (u, u_guard) = super::branches::split_guarded(&u_entry);
                        let mut guard = own.clone();
                        guard.extend(g_guard.iter().cloned());
                        guard.extend(u_guard);
                        match layer.user_mut(u) {
                            Some(x) => {
                                x.groups.push(super::branches::join_guarded(g, &guard));
                                if !guard.is_empty() {
                                    memberships.push((
                                        x.arn.clone(),
                                        g.to_string(),
                                        guard,
                                        r.at("Users"),
                                    ));
                                }
                            }
                            None => layer.warn(
                                r.at("Users"),
                                format!(
                                    "user `{u}` is neither in the template nor in the environment"
                                ),
                            ),
                        }
                    }
                }
            }
            "AWS::IAM::InstanceProfile" => {
                let arn = arn_text(rv, &r.logical, "Arn")?;
                // Every role the profile may hold: both alternatives of an undecidable
                // condition (guards dropped), and also when the profile itself may not exist.
                for entry in list_of(r.get("Roles")) {
                    let n = super::branches::split_guarded(&entry).0.to_string();
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
                for entry in list_of(r.get("Queues")) {
                    // `URL#iamdl-if:C=true`: the policy applies only under that outcome.
                    let (q, extra) = super::branches::split_guarded(&entry);
                    let owner = if extra.is_empty() {
                        r.logical.clone()
                    } else {
                        guarded_owner(layer, r, &entry, extra)
                    };
                    let arn = queue_arn(layer, q);
                    layer.set_resource_policy(
                        &arn,
                        ResourceKind::SqsQueue,
                        d,
                        &r.at("PolicyDocument"),
                        format!("queue policy of {arn}"),
                        &owner,
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
                for entry in list_of(r.get("Topics")) {
                    let (t, extra) = super::branches::split_guarded(&entry);
                    let owner = if extra.is_empty() {
                        r.logical.clone()
                    } else {
                        guarded_owner(layer, r, &entry, extra)
                    };
                    layer.set_resource_policy(
                        t,
                        ResourceKind::SnsTopic,
                        d,
                        &r.at("PolicyDocument"),
                        format!("topic policy of {t}"),
                        &owner,
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
    for (user, group, guard, at) in memberships {
        member_under(layer, &user, &group, &guard, &at);
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

/// A membership of `user` (ARN) in `group` (name or ARN) that holds only under `guard`: the
/// user gets a copy of each of the group's policies (as attached when the template is
/// applied) with every statement guarded, so the group's Allow makes answers conditional and
/// its Deny "denied if template condition C", never certain. The guarded group name in the
/// user's `groups` ([`super::branches::join_guarded`]) matches no group, so the engine does not
/// count the group's policies unguarded.
fn member_under(
    layer: &mut Layer,
    user: &str,
    group: &str,
    guard: &super::branches::Outcome,
    at: &str,
) {
    let acct = layer.account.clone();
    let tail = group.rsplit('/').next().unwrap_or(group);
    let Some((garn, pids)) = layer
        .env
        .groups
        .iter()
        .find(|g| g.arn == group || (g.name == tail && g.account == acct))
        .map(|g| (g.arn.clone(), g.policies.clone()))
    else {
        layer.warn(
            at,
            format!("group `{group}` is neither in the template nor in the environment: the membership of {user} gives nothing"),
        );
        return;
    };
    let shown = super::branches::show_outcome(guard);
    let copies: Vec<PolicyId> = pids
        .into_iter()
        .map(|pid| {
            let name = format!(
                "{} (through group {garn} if {shown})",
                layer.env.policy(pid).name
            );
            layer.guarded_copy(pid, guard, name)
        })
        .collect();
    if let Some(u) = layer.env.users.iter_mut().find(|u| u.arn == user) {
        u.policies.extend(copies);
    }
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
