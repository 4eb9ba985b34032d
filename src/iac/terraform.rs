//! Terraform plans as printed by `terraform show -json PLAN`: the planned values of the AWS
//! resources that carry IAM meaning (roles, users, groups, policies and their attachments,
//! `aws_iam_policy_document` data sources, bucket / queue / topic / key / secret policies,
//! Lambda permissions). A value the plan does not know yet is followed through the
//! configuration's references (`aws_iam_role.app.name`) to the resource it comes from, and
//! stays symbolic (`{{aws_kms_key.k.key_id}}`) when that does not tell it either.

use super::{list_of, symbolic, text_of, Layer};
use crate::iam::*;
use rustc_hash::FxHashMap;
use serde_json::{json, Value};

struct Tf {
    /// address → (type, values)
    res: Vec<(String, String, Value)>,
    /// address → expressions (from the configuration)
    exprs: FxHashMap<String, Value>,
    partition: String,
    account: String,
    region: String,
}

fn collect(module: &Value, out: &mut Vec<(String, String, Value)>) {
    if let Some(Value::Array(rs)) = module.get("resources") {
        for r in rs {
            let addr = r.get("address").and_then(text_of).unwrap_or_default();
            let ty = r.get("type").and_then(text_of).unwrap_or_default();
            let mode = r.get("mode").and_then(Value::as_str).unwrap_or("managed");
            let addr = if mode == "data" && !addr.contains("data.") {
                format!("data.{addr}")
            } else {
                addr
            };
            if !out.iter().any(|(a, _, _)| *a == addr) {
                out.push((addr, ty, r.get("values").cloned().unwrap_or(json!({}))));
            }
        }
    }
    if let Some(Value::Array(ms)) = module.get("child_modules") {
        for m in ms {
            collect(m, out);
        }
    }
}

fn collect_config(module: &Value, prefix: &str, out: &mut FxHashMap<String, Value>) {
    if let Some(Value::Array(rs)) = module.get("resources") {
        for r in rs {
            let addr = r.get("address").and_then(text_of).unwrap_or_default();
            out.insert(
                format!("{prefix}{addr}"),
                r.get("expressions").cloned().unwrap_or(json!({})),
            );
        }
    }
    if let Some(Value::Object(calls)) = module.get("module_calls") {
        for (name, c) in calls {
            if let Some(m) = c.get("module") {
                collect_config(m, &format!("{prefix}module.{name}."), out);
            }
        }
    }
}

impl Tf {
    fn values(&self, addr: &str) -> Option<(&str, &Value)> {
        self.res
            .iter()
            .find(|(a, _, _)| a == addr)
            .map(|(_, t, v)| (t.as_str(), v))
    }

    /// An attribute of a resource: its planned value, a value computed from its name, or the
    /// value of what the configuration says it refers to.
    fn attr(&self, addr: &str, attr: &str, depth: usize) -> Option<String> {
        let (ty, v) = self.values(addr)?;
        if let Some(s) = v.get(attr).and_then(text_of) {
            return Some(s);
        }
        let (p, a, r) = (&self.partition, &self.account, &self.region);
        let name = |k: &str| {
            v.get(k)
                .and_then(text_of)
                .or_else(|| self.follow(addr, k, depth))
        };
        let path = v
            .get("path")
            .and_then(text_of)
            .unwrap_or_else(|| "/".into());
        let computed = match (ty, attr) {
            ("aws_iam_role", "arn") => {
                Some(format!("arn:{p}:iam::{a}:role{path}{}", name("name")?))
            }
            ("aws_iam_role", "id") => name("name"),
            ("aws_iam_user", "arn") => {
                Some(format!("arn:{p}:iam::{a}:user{path}{}", name("name")?))
            }
            ("aws_iam_user", "id") => name("name"),
            ("aws_iam_group", "arn") => {
                Some(format!("arn:{p}:iam::{a}:group{path}{}", name("name")?))
            }
            ("aws_iam_group", "id") => name("name"),
            ("aws_iam_policy", "arn" | "id") => {
                Some(format!("arn:{p}:iam::{a}:policy{path}{}", name("name")?))
            }
            ("aws_s3_bucket", "arn") => Some(format!("arn:{p}:s3:::{}", name("bucket")?)),
            ("aws_s3_bucket", "id") => name("bucket"),
            ("aws_lambda_function", "arn") => Some(format!(
                "arn:{p}:lambda:{r}:{a}:function:{}",
                name("function_name")?
            )),
            ("aws_lambda_function", "id") => name("function_name"),
            ("aws_sqs_queue", "arn") => Some(format!("arn:{p}:sqs:{r}:{a}:{}", name("name")?)),
            ("aws_sqs_queue", "id" | "url") => Some(format!(
                "https://sqs.{r}.amazonaws.com/{a}/{}",
                name("name")?
            )),
            ("aws_sns_topic", "arn" | "id") => {
                Some(format!("arn:{p}:sns:{r}:{a}:{}", name("name")?))
            }
            ("aws_kms_key", "arn") => Some(format!(
                "arn:{p}:kms:{r}:{a}:key/{}",
                symbolic(&format!("{addr}.key_id"))
            )),
            ("aws_secretsmanager_secret", "arn" | "id") => Some(format!(
                "arn:{p}:secretsmanager:{r}:{a}:secret:{}-{}",
                name("name")?,
                symbolic("random suffix")
            )),
            _ => None,
        };
        computed.or_else(|| self.follow(addr, attr, depth))
    }

    /// Follows the configuration expression of `addr.attr` to the attribute it references.
    fn follow(&self, addr: &str, attr: &str, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let base = strip_index(addr);
        let e = self.exprs.get(&base)?.get(attr)?;
        if let Some(c) = e.get("constant_value").and_then(text_of) {
            return Some(c);
        }
        let refs = list_of(e.get("references"));
        for r in refs {
            // `aws_iam_role.app.name` → (aws_iam_role.app, name)
            let (target, a) = match r.rsplit_once('.') {
                Some(x) => x,
                None => continue,
            };
            if self.values(target).is_some() {
                if let Some(v) = self.attr(target, a, depth + 1) {
                    return Some(v);
                }
            }
        }
        None
    }

    /// A planned attribute or the value it refers to; symbolic when unknown.
    fn get(&self, addr: &str, attr: &str) -> Option<String> {
        let (_, v) = self.values(addr)?;
        if v.get(attr).is_some_and(|x| !x.is_null()) {
            return v.get(attr).and_then(text_of);
        }
        self.follow(addr, attr, 0)
    }

    fn get_or_symbol(&self, addr: &str, attr: &str) -> String {
        self.get(addr, attr)
            .unwrap_or_else(|| symbolic(&format!("{addr}.{attr}")))
    }
}

fn strip_index(addr: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in addr.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Loads a plan into the layer.
pub fn load(layer: &mut Layer, text: &str) -> Result<(), Diagnostic> {
    let plan: Value = serde_json::from_str(text).map_err(|e| Diagnostic {
        file: layer.file.clone(),
        location: format!("line {} column {}", e.line(), e.column()),
        message: format!(
            "not valid JSON: {}",
            e.to_string().split(" at line ").next().unwrap_or("")
        ),
    })?;
    let mut res = Vec::new();
    if let Some(root) = plan.pointer("/planned_values/root_module") {
        collect(root, &mut res);
    } else if let Some(root) = plan.pointer("/values/root_module") {
        collect(root, &mut res);
    } else {
        return Err(Diagnostic {
            file: layer.file.clone(),
            location: "$.planned_values".into(),
            message: "a Terraform plan needs `planned_values.root_module` (the output of `terraform show -json PLAN`)".into(),
        });
    }
    if let Some(root) = plan.pointer("/prior_state/values/root_module") {
        collect(root, &mut res);
    }
    let mut exprs = FxHashMap::default();
    if let Some(root) = plan.pointer("/configuration/root_module") {
        collect_config(root, "", &mut exprs);
    }
    if let Some(r) = plan
        .pointer("/configuration/provider_config/aws/expressions/region/constant_value")
        .and_then(text_of)
    {
        if layer.opts.param("AWS::Region").is_none() {
            layer.region = r;
        }
    }
    let tf = Tf {
        res,
        exprs,
        partition: layer.partition.clone(),
        account: layer.account.clone(),
        region: layer.region.clone(),
    };
    let mut unknown: Vec<String> = Vec::new();
    let loc = |i: usize, addr: &str, attr: &str| {
        format!("$.planned_values…resources[{i}] `{addr}`.values.{attr}")
    };
    // A policy document: JSON text (planned) or the json of a referenced data source.
    let doc = |addr: &str, attr: &str| -> Option<Value> {
        tf.get(addr, attr).map(Value::String).or_else(|| {
            let base = strip_index(addr);
            let e = tf.exprs.get(&base)?.get(attr)?;
            for r in list_of(e.get("references")) {
                let target = r.strip_suffix(".json").unwrap_or(&r);
                if let Some(j) = tf
                    .values(target)
                    .and_then(|(_, v)| v.get("json"))
                    .and_then(text_of)
                {
                    return Some(Value::String(j));
                }
            }
            None
        })
    };
    let missing = |layer: &mut Layer, at: String, addr: &str, attr: &str| {
        layer.warn(
            at,
            format!("`{addr}`: `{attr}` is not known until apply: the policy is not counted"),
        );
    };
    // Customer-managed policies.
    for (i, (addr, ty, _)) in tf.res.iter().enumerate() {
        if ty == "aws_iam_policy" && !addr.starts_with("data.") {
            let arn = tf
                .attr(addr, "arn", 0)
                .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
            match doc(addr, "policy") {
                Some(d) => {
                    layer.add_policy(
                        &d,
                        &loc(i, addr, "policy"),
                        arn.clone(),
                        Some(arn),
                        PolicyKind::CustomerManaged,
                        addr,
                    );
                }
                None => missing(layer, loc(i, addr, "policy"), addr, "policy"),
            }
        }
    }
    // Principals.
    for (i, (addr, ty, v)) in tf.res.iter().enumerate() {
        if addr.starts_with("data.") {
            continue;
        }
        match ty.as_str() {
            "aws_iam_role" => {
                let name = tf.get_or_symbol(addr, "name");
                let arn = tf
                    .attr(addr, "arn", 0)
                    .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
                let trust = match doc(addr, "assume_role_policy") {
                    Some(d) => layer.add_policy(
                        &d,
                        &loc(i, addr, "assume_role_policy"),
                        format!("trust policy of {arn}"),
                        None,
                        PolicyKind::Resource(ResourceKind::IamRole),
                        addr,
                    ),
                    None => {
                        missing(
                            layer,
                            loc(i, addr, "assume_role_policy"),
                            addr,
                            "assume_role_policy",
                        );
                        None
                    }
                };
                let mut pols = Vec::new();
                if let Some(Value::Array(ips)) = v.get("inline_policy") {
                    for (k, ip) in ips.iter().enumerate() {
                        let (Some(n), Some(p)) =
                            (ip.get("name").and_then(text_of), ip.get("policy"))
                        else {
                            continue;
                        };
                        if p.as_str().is_some_and(|s| !s.is_empty()) {
                            if let Some(pid) = layer.add_policy(
                                p,
                                &format!("{}[{k}].policy", loc(i, addr, "inline_policy")),
                                format!("inline policy {n} of {arn}"),
                                None,
                                PolicyKind::Inline,
                                addr,
                            ) {
                                pols.push(pid);
                            }
                        }
                    }
                }
                for m in list_of(v.get("managed_policy_arns")) {
                    if let Some(pid) =
                        layer.managed_policy(&m, &loc(i, addr, "managed_policy_arns"), addr)
                    {
                        pols.push(pid);
                    }
                }
                let b = tf
                    .get(addr, "permissions_boundary")
                    .filter(|s| !s.is_empty())
                    .and_then(|b| {
                        layer.managed_policy(&b, &loc(i, addr, "permissions_boundary"), addr)
                    });
                let path = v
                    .get("path")
                    .and_then(text_of)
                    .unwrap_or_else(|| "/".into());
                layer.add_role(&arn, &name, &path, trust, pols, b, Vec::new());
            }
            "aws_iam_user" => {
                let name = tf.get_or_symbol(addr, "name");
                let arn = tf
                    .attr(addr, "arn", 0)
                    .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
                let b = tf
                    .get(addr, "permissions_boundary")
                    .filter(|s| !s.is_empty())
                    .and_then(|b| {
                        layer.managed_policy(&b, &loc(i, addr, "permissions_boundary"), addr)
                    });
                let u = User {
                    arn: arn.clone(),
                    name: name.clone(),
                    id: format!("AIDA{}", name.to_ascii_uppercase()),
                    account: layer.account.clone(),
                    groups: Vec::new(),
                    policies: Vec::new(),
                    boundary: b,
                    tags: Vec::new(),
                };
                if let Some(x) = layer.env.users.iter_mut().find(|x| x.arn == arn) {
                    *x = u
                } else {
                    layer.env.users.push(u)
                }
            }
            "aws_iam_group" => {
                let name = tf.get_or_symbol(addr, "name");
                let arn = tf
                    .attr(addr, "arn", 0)
                    .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
                let g = Group {
                    arn: arn.clone(),
                    name,
                    account: layer.account.clone(),
                    policies: Vec::new(),
                };
                if let Some(x) = layer.env.groups.iter_mut().find(|x| x.arn == arn) {
                    *x = g
                } else {
                    layer.env.groups.push(g)
                }
            }
            _ => {}
        }
    }
    // Attachments and resources.
    for (i, (addr, ty, v)) in tf.res.iter().enumerate() {
        if addr.starts_with("data.") {
            if ty != "aws_iam_policy_document"
                && !ty.starts_with("aws_caller_identity")
                && !ty.starts_with("aws_region")
                && !ty.starts_with("aws_partition")
                && !unknown.contains(ty)
            {
                unknown.push(ty.clone());
            }
            continue;
        }
        match ty.as_str() {
            "aws_iam_policy" | "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {}
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                let (what, key) = match ty.as_str() {
                    "aws_iam_role_policy" => ("role", "role"),
                    "aws_iam_user_policy" => ("user", "user"),
                    _ => ("group", "group"),
                };
                let owner = tf.get_or_symbol(addr, key);
                let name = tf.get(addr, "name").unwrap_or_else(|| addr.clone());
                match doc(addr, "policy") {
                    Some(d) => {
                        if let Some(pid) = layer.add_policy(
                            &d,
                            &loc(i, addr, "policy"),
                            format!("inline policy {name} of {what}/{owner}"),
                            None,
                            PolicyKind::Inline,
                            addr,
                        ) {
                            layer.attach(what, &owner, pid, &loc(i, addr, key));
                        }
                    }
                    None => missing(layer, loc(i, addr, "policy"), addr, "policy"),
                }
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => {
                let arn = tf.get_or_symbol(addr, "policy_arn");
                let Some(pid) = layer.managed_policy(&arn, &loc(i, addr, "policy_arn"), addr)
                else {
                    continue;
                };
                let targets: Vec<(&str, String)> = match ty.as_str() {
                    "aws_iam_role_policy_attachment" => {
                        vec![("role", tf.get_or_symbol(addr, "role"))]
                    }
                    "aws_iam_user_policy_attachment" => {
                        vec![("user", tf.get_or_symbol(addr, "user"))]
                    }
                    "aws_iam_group_policy_attachment" => {
                        vec![("group", tf.get_or_symbol(addr, "group"))]
                    }
                    _ => list_of(v.get("roles"))
                        .into_iter()
                        .map(|r| ("role", r))
                        .chain(list_of(v.get("users")).into_iter().map(|r| ("user", r)))
                        .chain(list_of(v.get("groups")).into_iter().map(|r| ("group", r)))
                        .collect(),
                };
                for (what, n) in targets {
                    layer.attach(what, &n, pid, &loc(i, addr, what));
                }
            }
            "aws_iam_user_group_membership" | "aws_iam_group_membership" => {
                let pairs: Vec<(String, String)> = if ty == "aws_iam_user_group_membership" {
                    let u = tf.get_or_symbol(addr, "user");
                    list_of(v.get("groups"))
                        .into_iter()
                        .map(|g| (u.clone(), g))
                        .collect()
                } else {
                    let g = tf.get_or_symbol(addr, "group");
                    list_of(v.get("users"))
                        .into_iter()
                        .map(|u| (u, g.clone()))
                        .collect()
                };
                for (u, g) in pairs {
                    match layer.user_mut(&u) {
                        Some(x) => x.groups.push(g),
                        None => layer.warn(
                            loc(i, addr, "users"),
                            format!("user `{u}` is neither in the plan nor in the environment"),
                        ),
                    }
                }
            }
            "aws_iam_instance_profile" => {}
            "aws_s3_bucket" => {
                let arn = tf
                    .attr(addr, "arn", 0)
                    .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
                layer.resource(&arn, ResourceKind::S3Bucket, "");
                if let Some(p) = v
                    .get("policy")
                    .filter(|p| p.as_str().is_some_and(|s| !s.is_empty()))
                {
                    layer.set_resource_policy(
                        &arn,
                        ResourceKind::S3Bucket,
                        p,
                        &loc(i, addr, "policy"),
                        format!("bucket policy of {arn}"),
                        addr,
                    );
                }
            }
            "aws_s3_bucket_policy" => {
                let b = tf.get_or_symbol(addr, "bucket");
                let arn = format!("arn:{}:s3:::{b}", layer.partition);
                match doc(addr, "policy") {
                    Some(d) => layer.set_resource_policy(
                        &arn,
                        ResourceKind::S3Bucket,
                        &d,
                        &loc(i, addr, "policy"),
                        format!("bucket policy of {b}"),
                        addr,
                    ),
                    None => missing(layer, loc(i, addr, "policy"), addr, "policy"),
                }
            }
            "aws_s3_bucket_public_access_block" => {
                let b = tf.get_or_symbol(addr, "bucket");
                let idx = layer.resource(
                    &format!("arn:{}:s3:::{b}", layer.partition),
                    ResourceKind::S3Bucket,
                    "",
                );
                let f = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
                layer.env.resources[idx].public_access_block = Some(PublicAccessBlock {
                    block_public_acls: f("block_public_acls"),
                    ignore_public_acls: f("ignore_public_acls"),
                    block_public_policy: f("block_public_policy"),
                    restrict_public_buckets: f("restrict_public_buckets"),
                });
            }
            "aws_lambda_function" => {
                let arn = tf
                    .attr(addr, "arn", 0)
                    .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
                layer.add_function(&arn, tf.get(addr, "role"));
            }
            "aws_lambda_permission" => {
                let f = tf.get_or_symbol(addr, "function_name");
                let fa = layer.function_arn(&f);
                let principal = tf.get_or_symbol(addr, "principal");
                let sid = tf.get(addr, "statement_id").unwrap_or_else(|| addr.clone());
                let action = tf
                    .get(addr, "action")
                    .unwrap_or_else(|| "lambda:InvokeFunction".into());
                let st = super::lambda_permission_statement(
                    &sid,
                    &principal,
                    &action,
                    &fa,
                    tf.get(addr, "source_arn").as_deref(),
                    tf.get(addr, "source_account").as_deref(),
                    tf.get(addr, "principal_org_id").as_deref(),
                    tf.get(addr, "function_url_auth_type").as_deref(),
                );
                layer.add_resource_statement(
                    &fa,
                    ResourceKind::LambdaFunction,
                    st,
                    &loc(i, addr, "function_name"),
                    addr,
                );
            }
            "aws_kms_key" => {
                let arn = tf.attr(addr, "arn", 0).unwrap_or_default();
                match doc(addr, "policy").filter(|d| d.as_str().is_some_and(|s| !s.is_empty())) {
                    Some(d) => layer.set_resource_policy(
                        &arn,
                        ResourceKind::KmsKey,
                        &d,
                        &loc(i, addr, "policy"),
                        format!("key policy of {arn}"),
                        addr,
                    ),
                    None => {
                        let d = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:{}:iam::{}:root", layer.partition, layer.account)}, "Action": "kms:*", "Resource": "*"}]});
                        layer.set_resource_policy(
                            &arn,
                            ResourceKind::KmsKey,
                            &d,
                            &loc(i, addr, "policy"),
                            format!("default key policy of {arn}"),
                            addr,
                        );
                    }
                }
            }
            "aws_sqs_queue" | "aws_sns_topic" | "aws_secretsmanager_secret" => {
                let kind = match ty.as_str() {
                    "aws_sqs_queue" => ResourceKind::SqsQueue,
                    "aws_sns_topic" => ResourceKind::SnsTopic,
                    _ => ResourceKind::Secret,
                };
                let arn = tf
                    .attr(addr, "arn", 0)
                    .unwrap_or_else(|| symbolic(&format!("{addr}.arn")));
                layer.resource(&arn, kind, &layer.region.clone());
                if let Some(p) = v
                    .get("policy")
                    .filter(|p| p.as_str().is_some_and(|s| !s.is_empty()))
                {
                    layer.set_resource_policy(
                        &arn,
                        kind,
                        p,
                        &loc(i, addr, "policy"),
                        format!("resource policy of {arn}"),
                        addr,
                    );
                }
            }
            "aws_sqs_queue_policy"
            | "aws_sns_topic_policy"
            | "aws_secretsmanager_secret_policy" => {
                let (kind, arn) = match ty.as_str() {
                    "aws_sqs_queue_policy" => (
                        ResourceKind::SqsQueue,
                        super::cfn::queue_arn(layer, &tf.get_or_symbol(addr, "queue_url")),
                    ),
                    "aws_sns_topic_policy" => {
                        (ResourceKind::SnsTopic, tf.get_or_symbol(addr, "arn"))
                    }
                    _ => (ResourceKind::Secret, tf.get_or_symbol(addr, "secret_arn")),
                };
                match doc(addr, "policy") {
                    Some(d) => layer.set_resource_policy(
                        &arn,
                        kind,
                        &d,
                        &loc(i, addr, "policy"),
                        format!("resource policy of {arn}"),
                        addr,
                    ),
                    None => missing(layer, loc(i, addr, "policy"), addr, "policy"),
                }
            }
            t => {
                if !unknown.iter().any(|u| u == t) {
                    unknown.push(t.to_string());
                }
            }
        }
    }
    if !unknown.is_empty() {
        unknown.sort();
        layer.warn(
            "$.planned_values",
            format!(
                "resource type(s) with no IAM meaning modelled, not analysed: {}",
                unknown.join(", ")
            ),
        );
    }
    Ok(())
}
