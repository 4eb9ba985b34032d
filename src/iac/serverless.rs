//! Serverless Framework `serverless.yml` (v1–v3). Variables (`${self:…}`, `${opt:stage, 'dev'}`,
//! `${sls:stage}`, `${aws:accountId}`, `${aws:region}`, with fallbacks) are resolved first; the
//! service is then written as the CloudFormation template the framework would deploy — the
//! default role `SERVICE-STAGE-REGION-lambdaRole` (logical id `IamRoleLambdaExecution`, S10) with
//! CloudWatch Logs on the service's own log groups plus `provider.iamRoleStatements` /
//! `provider.iam.role.statements`, `managedPolicies` and `permissionsBoundary`; one function per
//! entry of `functions`; Lambda permissions for the push events — merged with `resources`, and
//! loaded by [`super::cfn`].

use super::{symbolic, text_of, Layer};
use crate::iam::Diagnostic;
use serde_json::{json, Map, Value};

/// Loads a serverless.yml into the layer.
pub fn load(layer: &mut Layer, text: &str) -> Result<(), Diagnostic> {
    let raw = super::yaml::parse(text, &layer.file)?;
    if !raw.is_object() {
        return Err(Diagnostic {
            file: layer.file.clone(),
            location: "$".into(),
            message: "expected a serverless.yml mapping with `service` and `provider`".into(),
        });
    }
    // The framework's defaults, visible to `${self:provider.stage}` and `${self:provider.region}`.
    let mut root = raw.clone();
    if let Some(Value::Object(pm)) = root.get_mut("provider") {
        pm.entry("stage")
            .or_insert_with(|| Value::String("${opt:stage, 'dev'}".into()));
        pm.entry("region")
            .or_insert_with(|| Value::String("${opt:region, 'us-east-1'}".into()));
    }
    let raw = root;
    let mut vars = Vars {
        root: raw.clone(),
        layer_account: layer.account.clone(),
        layer_region: layer.opts.param("region").map(str::to_string),
        opts: layer.opts.params.clone(),
        unresolved: Vec::new(),
        depth: 0,
        work: 0,
    };
    let doc = vars.walk(&raw);
    if !vars.unresolved.is_empty() {
        vars.unresolved.sort();
        vars.unresolved.dedup();
        layer.warn(
            "$",
            format!(
                "variable(s) that cannot be resolved offline stay symbolic: {} (give --param NAME=VALUE for opt: variables)",
                vars.unresolved.join(", ")
            ),
        );
    }
    let service = match doc.get("service") {
        Some(Value::Object(m)) => m.get("name").and_then(text_of),
        Some(v) => text_of(v),
        None => None,
    }
    .ok_or_else(|| Diagnostic {
        file: layer.file.clone(),
        location: "service".into(),
        message: "serverless.yml needs a `service` name".into(),
    })?;
    let provider = doc.get("provider").cloned().unwrap_or(json!({}));
    let stage = layer
        .opts
        .param("stage")
        .map(str::to_string)
        .or_else(|| provider.get("stage").and_then(text_of))
        .unwrap_or_else(|| "dev".into());
    let region = layer
        .opts
        .param("region")
        .map(str::to_string)
        .or_else(|| provider.get("region").and_then(text_of))
        .unwrap_or_else(|| super::DEFAULT_REGION.into());
    layer.region = region.clone();
    let (p, acct) = (layer.partition.clone(), layer.account.clone());
    let prefix = format!("{service}-{stage}");

    let iam = provider.get("iam").cloned().unwrap_or(json!({}));
    // An existing role named by the provider (v3 `iam.role: NAME`, v1/v2 `role: NAME`).
    let provider_role = match iam.get("role") {
        Some(Value::Object(_)) | None => provider.get("role").cloned(),
        Some(other) => Some(other.clone()),
    };
    let role_cfg = iam
        .get("role")
        .filter(|r| r.is_object())
        .cloned()
        .unwrap_or(json!({}));
    let mut statements: Vec<Value> = Vec::new();
    for src in [
        provider.get("iamRoleStatements"),
        role_cfg.get("statements"),
    ] {
        if let Some(Value::Array(a)) = src {
            statements.extend(a.iter().cloned());
        }
    }
    let mut managed: Vec<Value> = Vec::new();
    for src in [
        provider.get("iamManagedPolicies"),
        role_cfg.get("managedPolicies"),
    ] {
        if let Some(Value::Array(a)) = src {
            managed.extend(a.iter().cloned());
        }
    }
    let boundary = role_cfg
        .get("permissionsBoundary")
        .or_else(|| provider.get("rolePermissionsBoundary"))
        .cloned();

    let mut resources = Map::new();
    let functions = doc
        .get("functions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut needs_default_role = false;
    let mut vpc = provider.get("vpc").is_some();
    let mut event_statements: Vec<Value> = Vec::new();
    for (fname, f) in &functions {
        let logical = format!("{}LambdaFunction", normalize(fname));
        let name = f
            .get("name")
            .and_then(text_of)
            .unwrap_or_else(|| format!("{prefix}-{fname}"));
        let role = match f.get("role").cloned().or_else(|| provider_role.clone()) {
            Some(Value::String(r)) if !r.starts_with("arn:") && resources_has(&doc, &r) => {
                json!({"Fn::GetAtt": [r, "Arn"]})
            }
            Some(Value::String(r)) => Value::String(layer.role_arn(&r)),
            Some(other) => other,
            None => {
                needs_default_role = true;
                json!({"Fn::GetAtt": ["IamRoleLambdaExecution", "Arn"]})
            }
        };
        vpc |= f.get("vpc").is_some();
        resources.insert(
            logical.clone(),
            json!({"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": name, "Role": role}}),
        );
        let fn_arn = format!("arn:{p}:lambda:{region}:{acct}:function:{name}");
        if let Some(Value::Array(events)) = f.get("events") {
            for (i, e) in events.iter().enumerate() {
                let Some((kind, cfg)) = e.as_object().and_then(|m| m.iter().next()) else {
                    continue;
                };
                let perm = |principal: &str, source_arn: Option<String>, source_account: bool| {
                    let mut props = json!({"FunctionName": fn_arn, "Action": "lambda:InvokeFunction", "Principal": principal});
                    if let Some(s) = source_arn {
                        props["SourceArn"] = Value::String(s);
                    }
                    if source_account {
                        props["SourceAccount"] = Value::String(acct.clone());
                    }
                    json!({"Type": "AWS::Lambda::Permission", "Properties": props})
                };
                let api = format!("{prefix}-api");
                let res = match kind.as_str() {
                    "http" | "httpApi" | "websocket" => Some(perm(
                        "apigateway.amazonaws.com",
                        Some(format!("arn:{p}:execute-api:{region}:{acct}:{api}/*")),
                        false,
                    )),
                    "s3" => {
                        let b = match cfg {
                            Value::Object(m) => m.get("bucket").and_then(text_of),
                            v => text_of(v),
                        }
                        .unwrap_or_default();
                        Some(perm(
                            "s3.amazonaws.com",
                            Some(format!("arn:{p}:s3:::{b}")),
                            true,
                        ))
                    }
                    "sns" => {
                        let t = match cfg {
                            Value::Object(m) => m
                                .get("arn")
                                .or_else(|| m.get("topicName"))
                                .and_then(text_of),
                            v => text_of(v),
                        }
                        .unwrap_or_default();
                        let t = if t.starts_with("arn:") {
                            t
                        } else {
                            format!("arn:{p}:sns:{region}:{acct}:{t}")
                        };
                        Some(perm("sns.amazonaws.com", Some(t), false))
                    }
                    "schedule" | "eventBridge" | "cloudwatchEvent" => Some(perm(
                        "events.amazonaws.com",
                        Some(format!(
                            "arn:{p}:events:{region}:{acct}:rule/{}",
                            symbolic(&format!("{fname} {kind} rule"))
                        )),
                        false,
                    )),
                    "alb" => Some(perm("elasticloadbalancing.amazonaws.com", None, false)),
                    "cloudwatchLog" => Some(perm("logs.amazonaws.com", None, false)),
                    "iot" => Some(perm("iot.amazonaws.com", None, false)),
                    "alexaSkill" => Some(perm("alexa-appkit.amazon.com", None, false)),
                    "cognitoUserPool" => Some(perm("cognito-idp.amazonaws.com", None, false)),
                    "sqs" => {
                        let q = match cfg {
                            Value::Object(m) => m.get("arn").cloned(),
                            v => Some(v.clone()),
                        };
                        if let Some(q) = q {
                            event_statements.push(json!({"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": [q]}));
                        }
                        None
                    }
                    "stream" => {
                        let s = match cfg {
                            Value::Object(m) => m.get("arn").cloned(),
                            v => Some(v.clone()),
                        };
                        if let Some(s) = s {
                            let is_kinesis = s.as_str().is_some_and(|x| x.contains(":kinesis:"))
                                || cfg.get("type").and_then(Value::as_str) == Some("kinesis");
                            let actions = if is_kinesis {
                                json!([
                                    "kinesis:GetRecords",
                                    "kinesis:GetShardIterator",
                                    "kinesis:DescribeStream",
                                    "kinesis:DescribeStreamSummary",
                                    "kinesis:ListShards",
                                    "kinesis:ListStreams"
                                ])
                            } else {
                                json!([
                                    "dynamodb:GetRecords",
                                    "dynamodb:GetShardIterator",
                                    "dynamodb:DescribeStream",
                                    "dynamodb:ListStreams"
                                ])
                            };
                            event_statements.push(
                                json!({"Effect": "Allow", "Action": actions, "Resource": [s]}),
                            );
                        }
                        None
                    }
                    _ => None,
                };
                if let Some(r) = res {
                    resources.insert(
                        format!(
                            "{}LambdaPermission{}{}",
                            normalize(fname),
                            normalize(kind),
                            i
                        ),
                        r,
                    );
                }
            }
        }
    }
    if needs_default_role {
        let logs = format!("arn:{p}:logs:{region}:{acct}:log-group:/aws/lambda/{prefix}*");
        let mut stmts = vec![
            json!({"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"], "Resource": [format!("{logs}:*")]}),
            json!({"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": [format!("{logs}:*:*")]}),
        ];
        stmts.extend(statements);
        stmts.extend(event_statements);
        if vpc {
            managed.push(Value::String(format!(
                "arn:{p}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
            )));
        }
        let mut props = json!({
            "RoleName": format!("{prefix}-{region}-lambdaRole"),
            "Path": "/",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]},
            "Policies": [{"PolicyName": format!("{prefix}-lambda"), "PolicyDocument": {"Version": "2012-10-17", "Statement": stmts}}],
        });
        if !managed.is_empty() {
            props["ManagedPolicyArns"] = Value::Array(managed);
        }
        if let Some(b) = boundary {
            props["PermissionsBoundary"] = b;
        }
        resources.insert(
            "IamRoleLambdaExecution".into(),
            json!({"Type": "AWS::IAM::Role", "Properties": props}),
        );
    } else if !statements.is_empty() {
        layer.warn(
            "provider.iam.role.statements",
            "statements are given but every function uses an existing role: the framework ignores them",
        );
    }
    let mut template = json!({"Resources": {}});
    if let Some(extra) = doc.get("resources") {
        for key in ["Conditions", "Mappings", "Parameters"] {
            if let Some(v) = extra.get(key) {
                template[key] = v.clone();
            }
        }
        if let Some(Value::Object(rs)) = extra.get("Resources") {
            for (k, v) in rs {
                resources.insert(k.clone(), v.clone());
            }
        }
    }
    template["Resources"] = Value::Object(resources);
    layer.generated_resources = true;
    super::cfn::load_template(layer, text, &template, &prefix)
}

fn resources_has(doc: &Value, logical: &str) -> bool {
    doc.get("resources")
        .and_then(|r| r.get("Resources"))
        .and_then(|r| r.get(logical))
        .is_some()
}

/// The framework's logical-id form of a name: first letter upper-cased, `-` → `Dash`,
/// `_` → `Underscore`.
pub fn normalize(name: &str) -> String {
    let mut c = name.chars();
    let first: String = c
        .next()
        .map(|f| f.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{}", c.as_str())
        .replace('-', "Dash")
        .replace('_', "Underscore")
}

struct Vars {
    root: Value,
    layer_account: String,
    layer_region: Option<String>,
    opts: Vec<(String, String)>,
    unresolved: Vec<String>,
    depth: usize,
    /// Work done so far (values visited plus bytes of strings read and written), bounded by
    /// `WORK_LIMIT`: the nesting limit alone does not stop a string that refers to itself twice
    /// per level from doubling 20 times (found by the `iac_serverless` fuzz target: gigabytes).
    work: usize,
}

/// The most work variable resolution may do (about 64 MB of strings): beyond it, variables stay
/// symbolic and a warning says why.
const WORK_LIMIT: usize = 64 << 20;

impl Vars {
    fn walk(&mut self, v: &Value) -> Value {
        self.work += 1;
        match v {
            Value::String(s) => self.string(s),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.walk(x)).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), self.walk(x))).collect())
            }
            other => other.clone(),
        }
    }

    /// Resolves the variables of one string; a string that is exactly one variable takes the
    /// variable's value (which may be a list or a map).
    fn string(&mut self, s: &str) -> Value {
        if self.depth > 20 {
            self.unresolved.push(format!("{s} (too deeply nested)"));
            return Value::String(s.to_string());
        }
        self.work += s.len();
        if self.work > WORK_LIMIT {
            if s.contains("${")
                && !self
                    .unresolved
                    .iter()
                    .any(|u| u.contains("(resolution stopped"))
            {
                self.unresolved.push(format!(
                    "{} (resolution stopped: the variables expand to more than {} MB; do they refer to each other?)",
                    s.chars().take(80).collect::<String>(),
                    WORK_LIMIT >> 20
                ));
            }
            return Value::String(s.to_string());
        }
        let mut out = String::new();
        let mut rest = s;
        let mut whole: Option<Value> = None;
        while let Some(i) = rest.find("${") {
            let after = &rest[i + 2..];
            // Matching brace, counting nested `${`.
            let mut depth = 1;
            let mut end = None;
            let b = after.as_bytes();
            let mut k = 0;
            while k < b.len() {
                if b[k] == b'$' && b.get(k + 1) == Some(&b'{') {
                    depth += 1;
                    k += 2;
                    continue;
                }
                if b[k] == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(k);
                        break;
                    }
                }
                k += 1;
            }
            let Some(end) = end else { break };
            let inner_raw = &after[..end];
            self.depth += 1;
            let inner = match self.string(inner_raw) {
                Value::String(x) => x,
                other => other.to_string(),
            };
            let v = self.expr(&inner);
            self.depth -= 1;
            let whole_match = i == 0 && out.is_empty() && end + 1 == after.len();
            match v {
                Some(val) if whole_match && !val.is_string() => {
                    whole = Some(val);
                    out.push_str(&rest[..i]);
                }
                Some(val) => {
                    out.push_str(&rest[..i]);
                    out.push_str(&text_of(&val).unwrap_or_else(|| val.to_string()));
                }
                None => {
                    out.push_str(&rest[..i]);
                    out.push_str("${");
                    out.push_str(&inner);
                    out.push('}');
                }
            }
            rest = &after[end + 1..];
        }
        if let Some(w) = whole {
            return w;
        }
        out.push_str(rest);
        self.work += out.len();
        if self.work > WORK_LIMIT {
            // Too big to keep: the variables of this string stay symbolic.
            return self.string(s);
        }
        Value::String(out)
    }

    /// A variable expression: alternatives separated by top-level commas. `None` when it is not
    /// a Serverless variable at all (CloudFormation `${AWS::Region}` or a policy variable).
    fn expr(&mut self, e: &str) -> Option<Value> {
        let alts: Vec<&str> = split_top(e);
        let first = alts.first()?.trim();
        if !is_source(first) {
            return None;
        }
        for a in &alts {
            let a = a.trim();
            if let Some(v) = self.alternative(a) {
                return Some(v);
            }
        }
        self.unresolved.push(format!("${{{e}}}"));
        Some(Value::String(symbolic(first)))
    }

    fn alternative(&mut self, a: &str) -> Option<Value> {
        if (a.starts_with('\'') && a.ends_with('\'') && a.len() >= 2)
            || (a.starts_with('"') && a.ends_with('"') && a.len() >= 2)
        {
            return Some(Value::String(a[1..a.len() - 1].to_string()));
        }
        if a.parse::<f64>().is_ok() || a == "true" || a == "false" {
            return Some(Value::String(a.to_string()));
        }
        let (src, key) = a.split_once(':').unwrap_or((a, ""));
        match src {
            "self" => {
                let mut cur = &self.root;
                for part in key.split('.').filter(|p| !p.is_empty()) {
                    cur = cur.get(part)?;
                }
                let cur = cur.clone();
                self.depth += 1;
                let v = self.walk(&cur);
                self.depth -= 1;
                if v.is_null() {
                    None
                } else {
                    Some(v)
                }
            }
            "opt" => {
                let k = key.trim();
                self.opts
                    .iter()
                    .rev()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| Value::String(v.clone()))
            }
            "sls" => match key {
                "stage" => {
                    let st = self
                        .opts
                        .iter()
                        .rev()
                        .find(|(n, _)| n == "stage")
                        .map(|(_, v)| v.clone());
                    Some(Value::String(
                        st.or_else(|| {
                            self.root
                                .get("provider")
                                .and_then(|p| p.get("stage"))
                                .and_then(text_of)
                                .filter(|s| !s.contains("${"))
                        })
                        .unwrap_or_else(|| "dev".into()),
                    ))
                }
                _ => None,
            },
            "aws" => match key {
                "accountId" => Some(Value::String(self.layer_account.clone())),
                "region" => Some(Value::String(self.layer_region.clone().unwrap_or_else(
                    || {
                        self.root
                            .get("provider")
                            .and_then(|p| p.get("region"))
                            .and_then(text_of)
                            .filter(|s| !s.contains("${"))
                            .unwrap_or_else(|| super::DEFAULT_REGION.into())
                    },
                ))),
                _ => None,
            },
            _ => None,
        }
    }
}

fn is_source(a: &str) -> bool {
    [
        "self:",
        "opt:",
        "sls:",
        "env:",
        "file(",
        "ssm:",
        "cf:",
        "cf(",
        "s3:",
        "param:",
        "git:",
        "strToBool(",
        "sls:",
        "aws:accountId",
        "aws:region",
    ]
    .iter()
    .any(|p| a.starts_with(p))
}

fn split_top(e: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quote) = (0i32, 0usize, None::<char>);
    for (i, c) in e.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&e[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&e[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_with_fallbacks() {
        let root = serde_json::json!({"custom": {"table": "t-${opt:stage, 'dev'}"}, "provider": {"stage": "prod"}});
        let mut v = Vars {
            root: root.clone(),
            layer_account: "111111111111".into(),
            layer_region: None,
            opts: vec![],
            unresolved: vec![],
            depth: 0,
            work: 0,
        };
        assert_eq!(
            v.string("${self:custom.table}"),
            Value::String("t-dev".into())
        );
        assert_eq!(
            v.string("arn:${aws:accountId}:${AWS::Region}"),
            Value::String("arn:111111111111:${AWS::Region}".into())
        );
        assert_eq!(v.string("${sls:stage}"), Value::String("prod".into()));
        assert_eq!(
            v.string("${aws:username}"),
            Value::String("${aws:username}".into())
        );
        assert_eq!(
            v.string("${env:HOME}"),
            Value::String("{{env:HOME}}".into())
        );
        assert_eq!(normalize("get-user_x"), "GetDashuserUnderscorex");
    }
}
