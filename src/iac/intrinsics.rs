//! CloudFormation intrinsic functions: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::If` (with `Conditions`), `Fn::FindInMap`, `Fn::ImportValue`,
//! `Fn::GetAZs`, … resolved over JSON values. `Ref` and `Fn::GetAtt` of a resource give the
//! name or ARN the resource will have; what cannot be known stays symbolic (`{{…}}`).

use super::{symbolic, text_of, LineIndex};
use crate::iam::Diagnostic;
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Resolves intrinsic functions of one template.
pub struct Resolver<'a> {
    /// The template file.
    pub file: String,
    /// Its text (for line numbers).
    pub text: &'a str,
    /// Line of each logical id.
    pub lines: LineIndex,
    /// Parameter values (given with `--param`, or defaults); pseudo parameters included.
    pub params: FxHashMap<String, Value>,
    /// The raw `Resources` section.
    pub resources: Map<String, Value>,
    /// The `Mappings` section.
    pub mappings: Value,
    /// The `Conditions` section.
    pub conditions: Map<String, Value>,
    cond_cache: FxHashMap<String, Option<bool>>,
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Partition.
    pub partition: String,
    /// Stack name (for generated physical names).
    pub stack: String,
    guard: Vec<String>,
    /// Conditions that could not be decided (their `Fn::If` took the true branch).
    pub undecided: BTreeSet<String>,
    /// SAM / Serverless: resources the transform generates (`MyFunctionRole`,
    /// `ServerlessRestApi`, `ApiGatewayRestApi`) may be referred to; `Ref`/`Fn::GetAtt` of a
    /// logical id the template does not declare then stays symbolic instead of failing.
    pub lenient: bool,
    /// When set, an `Fn::If` whose condition cannot be decided gives both branches as a
    /// [`super::branches::EITHER`] marker, and a function whose arguments hold such an `Fn::If`
    /// is computed once per outcome, its results kept as markers (set while resolving resource
    /// properties; see [`super::branches`]).
    pub either: bool,
    /// Conditions forced to an outcome while a function whose arguments test them is resolved
    /// once per outcome (see [`Resolver::either`]).
    forced: Vec<(String, bool)>,
    /// Generated resources known by name: logical id → (`Ref` value, `Arn`).
    pub generated_ids: FxHashMap<String, (String, String)>,
    /// Logical ids referred to but not declared (lenient mode), for one warning.
    pub unknown_refs: BTreeSet<String>,
}

/// At most this many undecidable conditions in the arguments of one function are resolved
/// once per outcome (2^N evaluations); beyond, their `Fn::If` take the true branch (reported).
const MAX_LIFTED: usize = 4;

/// The condition names tested by the `Fn::If` inside `v`.
fn if_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let (1, Some(Value::Array(a))) = (m.len(), m.get("Fn::If")) {
                if let Some(n) = a.first().and_then(Value::as_str) {
                    out.push(n.to_string());
                }
            }
            m.values().for_each(|x| if_names(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| if_names(x, out)),
        _ => {}
    }
}

/// Result of resolving: `None` is `AWS::NoValue` (the property or element disappears).
pub type Resolved = Result<Option<Value>, Diagnostic>;

impl<'a> Resolver<'a> {
    /// A resolver over a parsed template.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        file: &str,
        text: &'a str,
        template: &Value,
        params: FxHashMap<String, Value>,
        account: &str,
        region: &str,
        partition: &str,
        stack: &str,
    ) -> Resolver<'a> {
        let resources = template
            .get("Resources")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let keys: Vec<String> = resources.keys().cloned().collect();
        Resolver {
            file: file.to_string(),
            text,
            lines: LineIndex::build(text, "Resources", &keys),
            params,
            resources,
            mappings: template.get("Mappings").cloned().unwrap_or(Value::Null),
            conditions: template
                .get("Conditions")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            cond_cache: FxHashMap::default(),
            account: account.to_string(),
            region: region.to_string(),
            partition: partition.to_string(),
            stack: stack.to_string(),
            guard: Vec::new(),
            undecided: BTreeSet::new(),
            lenient: false,
            either: false,
            forced: Vec::new(),
            generated_ids: FxHashMap::default(),
            unknown_refs: BTreeSet::new(),
        }
    }

    /// `line N, PATH (logical id `X`)` for a JSON path under `Resources.X`.
    pub fn loc(&self, path: &str) -> String {
        let logical = path
            .strip_prefix("Resources.")
            .map(|r| r.split(['.', '[']).next().unwrap_or(r));
        match logical {
            Some(l) => match self.lines.line(l) {
                Some(n) => format!("line {n}, {path}"),
                None => path.to_string(),
            },
            None => path.to_string(),
        }
    }

    /// An error at `path`.
    pub fn err(&self, path: &str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            location: self.loc(path),
            message: msg.into(),
        }
    }

    /// The type of a resource.
    pub fn type_of(&self, logical: &str) -> Option<&str> {
        self.resources.get(logical)?.get("Type")?.as_str()
    }

    /// Resolves every intrinsic function in `v` (found at `path`).
    pub fn resolve(&mut self, v: &Value, path: &str) -> Resolved {
        match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    if let Some(r) = self.resolve(x, &format!("{path}[{i}]"))? {
                        out.push(r);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(m) => {
                if m.len() == 1 {
                    let (k, arg) = m.iter().next().expect("one entry");
                    if k == "Ref" || (k.starts_with("Fn::") && !k.starts_with("Fn::ForEach")) {
                        return self.function(k, arg, &format!("{path}.{k}"));
                    }
                }
                let mut out = Map::new();
                for (k, x) in m {
                    if let Some(r) = self.resolve(x, &format!("{path}.{k}"))? {
                        out.insert(k.clone(), r);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// Resolves `v` to text (symbolic when not a scalar).
    pub fn resolve_text(&mut self, v: &Value, path: &str) -> Result<Option<String>, Diagnostic> {
        Ok(self
            .resolve_plain(v, path)?
            .map(|r| text_of(&r).unwrap_or_else(|| symbolic(&format!("non-scalar at {path}")))))
    }

    /// Resolves `v` where a value is computed with (no [`super::branches::EITHER`] marker: an
    /// undecidable `Fn::If` takes its true branch and is recorded in `undecided`).
    pub fn resolve_plain(&mut self, v: &Value, path: &str) -> Resolved {
        let saved = std::mem::replace(&mut self.either, false);
        let r = self.resolve(v, path);
        self.either = saved;
        r
    }

    fn function(&mut self, k: &str, arg: &Value, path: &str) -> Resolved {
        if k == "Fn::If" {
            return self.function_inner(k, arg, path);
        }
        if self.either {
            // An undecidable `Fn::If` inside the arguments (`!Sub [..., {N: !If [C, a, b]}]`,
            // `!Join` over a list with an `!If` entry): the function is computed once per
            // outcome and the results kept as markers, instead of the true branch.
            let mut names = Vec::new();
            if_names(arg, &mut names);
            let mut undecided = Vec::new();
            for n in names {
                if matches!(self.condition(&n, path), Ok(None)) && !undecided.contains(&n) {
                    undecided.push(n);
                }
            }
            if !undecided.is_empty() && undecided.len() <= MAX_LIFTED {
                let saved = std::mem::replace(&mut self.either, false);
                let r = self.per_outcome(k, arg, path, &undecided);
                self.either = saved;
                return r;
            }
        }
        // The arguments of other functions are computed with: no markers inside.
        let saved = std::mem::replace(&mut self.either, false);
        let r = self.function_inner(k, arg, path);
        self.either = saved;
        r
    }

    /// The function computed under every outcome of `names` (forced), as nested markers.
    fn per_outcome(&mut self, k: &str, arg: &Value, path: &str, names: &[String]) -> Resolved {
        let Some((first, rest)) = names.split_first() else {
            return self.function_inner(k, arg, path);
        };
        self.forced.push((first.clone(), true));
        let t = self.per_outcome(k, arg, path, rest);
        self.forced.pop();
        self.forced.push((first.clone(), false));
        let f = self.per_outcome(k, arg, path, rest);
        self.forced.pop();
        let (t, f) = (t?, f?);
        if t == f {
            return Ok(t);
        }
        Ok(Some(super::branches::either(first, t, f)))
    }

    fn function_inner(&mut self, k: &str, arg: &Value, path: &str) -> Resolved {
        match k {
            "Ref" => {
                let target = self.resolve_text(arg, path)?.unwrap_or_default();
                self.reference(&target, path)
            }
            "Fn::GetAtt" => {
                let (logical, attr) = match arg {
                    Value::String(s) => {
                        let (a, b) = s.split_once('.').unwrap_or((s, ""));
                        (a.to_string(), b.to_string())
                    }
                    Value::Array(a) if a.len() == 2 => {
                        let l = text_of(&a[0]).unwrap_or_default();
                        let attr = self.resolve_text(&a[1], path)?.unwrap_or_default();
                        (l, attr)
                    }
                    _ => {
                        return Err(self.err(
                            path,
                            "`Fn::GetAtt` expects [LogicalId, Attribute] or `LogicalId.Attribute`",
                        ))
                    }
                };
                if !self.resources.contains_key(&logical) {
                    if let Some((_, arn)) = self.generated_ids.get(&logical) {
                        if attr == "Arn" {
                            return Ok(Some(Value::String(arn.clone())));
                        }
                    }
                    if self.lenient {
                        self.unknown_refs.insert(logical.clone());
                        return Ok(Some(Value::String(symbolic(&format!("{logical}.{attr}")))));
                    }
                    return Err(self.err(
                        path,
                        format!("`Fn::GetAtt` names `{logical}`, which is not a resource of the template"),
                    ));
                }
                self.getatt(&logical, &attr, path).map(Some)
            }
            "Fn::Sub" => {
                let (s, vars) = match arg {
                    Value::String(s) => (s.clone(), Map::new()),
                    Value::Array(a) if a.len() == 2 => {
                        let s = text_of(&a[0]).ok_or_else(|| {
                            self.err(path, "`Fn::Sub` expects a string as its first argument")
                        })?;
                        let mut vars = Map::new();
                        if let Some(m) = a[1].as_object() {
                            for (vk, vv) in m {
                                if let Some(r) = self.resolve(vv, &format!("{path}[1].{vk}"))? {
                                    vars.insert(vk.clone(), r);
                                }
                            }
                        }
                        (s, vars)
                    }
                    _ => {
                        return Err(
                            self.err(path, "`Fn::Sub` expects a string or [string, {variables}]")
                        )
                    }
                };
                self.sub(&s, &vars, path).map(|s| Some(Value::String(s)))
            }
            "Fn::Join" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    self.err(path, "`Fn::Join` expects [delimiter, [values]]")
                })?;
                let delim = self.resolve_text(&a[0], path)?.unwrap_or_default();
                match self.resolve(&a[1], &format!("{path}[1]"))? {
                    Some(Value::Array(items)) => Ok(Some(Value::String(
                        items
                            .iter()
                            .map(|i| {
                                text_of(i).unwrap_or_else(|| symbolic(&format!("list at {path}")))
                            })
                            .collect::<Vec<_>>()
                            .join(&delim),
                    ))),
                    Some(other) => Ok(Some(Value::String(symbolic(&format!(
                        "Join of {}",
                        text_of(&other).unwrap_or_default()
                    ))))),
                    None => Ok(Some(Value::String(String::new()))),
                }
            }
            "Fn::Select" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    self.err(path, "`Fn::Select` expects [index, [values]]")
                })?;
                let idx = self.resolve_text(&a[0], path)?.unwrap_or_default();
                let list = self.resolve(&a[1], &format!("{path}[1]"))?;
                match (idx.parse::<usize>(), list) {
                    (Ok(i), Some(Value::Array(items))) if items.len() > i || !super::is_symbolic(&Value::Array(items.clone())) => match items.get(i) {
                        Some(x) => Ok(Some(x.clone())),
                        None => Err(self.err(
                            path,
                            format!("`Fn::Select` index {i} is out of range (the list has {} element(s))", items.len()),
                        )),
                    },
                    (_, l) => Ok(Some(Value::String(symbolic(&format!(
                        "Select {idx} of {}",
                        l.as_ref().and_then(text_of).unwrap_or_else(|| "list".into())
                    ))))),
                }
            }
            "Fn::Split" => {
                let a = arg.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    self.err(path, "`Fn::Split` expects [delimiter, string]")
                })?;
                let delim = self.resolve_text(&a[0], path)?.unwrap_or_default();
                let s = self.resolve_text(&a[1], path)?.unwrap_or_default();
                if delim.is_empty() {
                    return Ok(Some(Value::Array(vec![Value::String(s)])));
                }
                Ok(Some(Value::Array(
                    s.split(delim.as_str())
                        .map(|p| Value::String(p.to_string()))
                        .collect(),
                )))
            }
            "Fn::If" => {
                let a = arg.as_array().filter(|a| a.len() == 3).ok_or_else(|| {
                    self.err(path, "`Fn::If` expects [condition, value if true, value if false]")
                })?;
                let name = text_of(&a[0]).unwrap_or_default();
                match self.condition(&name, path)? {
                    Some(true) => self.resolve(&a[1], &format!("{path}[1]")),
                    Some(false) => self.resolve(&a[2], &format!("{path}[2]")),
                    None if self.either => {
                        let t = self.resolve(&a[1], &format!("{path}[1]"))?;
                        let f = self.resolve(&a[2], &format!("{path}[2]"))?;
                        if t == f {
                            return Ok(t);
                        }
                        Ok(Some(super::branches::either(&name, t, f)))
                    }
                    None => {
                        self.undecided.insert(name);
                        self.resolve(&a[1], &format!("{path}[1]"))
                    }
                }
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Fn::Contains" => {
                let mut m = Map::new();
                m.insert(k.to_string(), arg.clone());
                Ok(Some(match self.eval_cond(&Value::Object(m), path)? {
                    Some(b) => Value::Bool(b),
                    None => Value::String(symbolic(&format!("{k} at {path}"))),
                }))
            }
            "Fn::ImportValue" => {
                let n = self.resolve_text(arg, path)?.unwrap_or_default();
                Ok(Some(Value::String(symbolic(&format!("ImportValue:{n}")))))
            }
            "Fn::FindInMap" => {
                let a = arg
                    .as_array()
                    .filter(|a| a.len() >= 3)
                    .ok_or_else(|| self.err(path, "`Fn::FindInMap` expects [map, key, key]"))?;
                let mut keys = Vec::new();
                for (i, x) in a.iter().take(3).enumerate() {
                    keys.push(
                        self.resolve_text(x, &format!("{path}[{i}]"))?
                            .unwrap_or_default(),
                    );
                }
                let default = match a.get(3).and_then(|d| d.get("DefaultValue")) {
                    Some(d) => self.resolve(d, &format!("{path}[3]"))?,
                    None => None,
                };
                if keys.iter().any(|k| k.contains("{{")) {
                    return Ok(Some(Value::String(symbolic(&format!(
                        "FindInMap {}",
                        keys.join("/")
                    )))));
                }
                match self
                    .mappings
                    .get(&keys[0])
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                    .cloned()
                {
                    Some(v) => self.resolve(&v, path),
                    None => match default {
                        Some(d) => Ok(Some(d)),
                        None => Err(self.err(
                            path,
                            format!("`Fn::FindInMap`: Mappings has no `{}`", keys.join(".")),
                        )),
                    },
                }
            }
            "Fn::GetAZs" => Ok(Some(Value::Array(
                (0..3)
                    .map(|i| Value::String(symbolic(&format!("AZ {i} of {}", self.region))))
                    .collect(),
            ))),
            "Fn::Base64" => self.resolve(arg, path),
            "Fn::Length" => Ok(Some(match self.resolve(arg, path)? {
                Some(Value::Array(a)) => Value::Number(a.len().into()),
                _ => Value::String(symbolic(&format!("Length at {path}"))),
            })),
            "Fn::ToJsonString" => Ok(Some(Value::String(
                self.resolve(arg, path)?.unwrap_or(Value::Null).to_string(),
            ))),
            "Fn::Cidr" | "Fn::Transform" => {
                Ok(Some(Value::String(symbolic(&format!("{k} at {path}")))))
            }
            other => Err(self.err(
                path,
                format!("unknown intrinsic function `{other}`: expected Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not, Fn::ImportValue, Fn::FindInMap, Fn::GetAZs, Fn::Base64, Fn::Cidr, Fn::Length, Fn::ToJsonString"),
            )),
        }
    }

    /// `Fn::Sub` on `s` with explicit variables.
    pub fn sub(
        &mut self,
        s: &str,
        vars: &Map<String, Value>,
        path: &str,
    ) -> Result<String, Diagnostic> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let v = if let Some(v) = vars.get(name) {
                Some(v.clone())
            } else if let Some((l, a)) = name
                .split_once('.')
                .filter(|(l, _)| self.resources.contains_key(*l))
            {
                Some(self.getatt(l, a, path)?)
            } else {
                self.reference(name, path)?
            };
            out.push_str(
                &v.as_ref()
                    .and_then(text_of)
                    .unwrap_or_else(|| v.map(|x| x.to_string()).unwrap_or_default()),
            );
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `Ref` of a pseudo parameter, a parameter or a resource.
    pub fn reference(&mut self, target: &str, path: &str) -> Resolved {
        let p = &self.partition;
        let s = |x: String| Ok(Some(Value::String(x)));
        match target {
            "AWS::NoValue" => return Ok(None),
            "AWS::AccountId" => return s(self.account.clone()),
            "AWS::Region" => return s(self.region.clone()),
            "AWS::Partition" => return s(p.clone()),
            "AWS::StackName" => return s(self.stack.clone()),
            "AWS::URLSuffix" => return s("amazonaws.com".into()),
            "AWS::StackId" => {
                return s(format!(
                    "arn:{p}:cloudformation:{}:{}:stack/{}/{}",
                    self.region,
                    self.account,
                    self.stack,
                    symbolic("StackId")
                ))
            }
            "AWS::NotificationARNs" => return Ok(Some(Value::Array(vec![]))),
            _ => {}
        }
        if let Some(v) = self.params.get(target) {
            return Ok(Some(v.clone()));
        }
        if self.resources.contains_key(target) {
            return self.ref_resource(target, path).map(Some);
        }
        if let Some((r, _)) = self.generated_ids.get(target) {
            return Ok(Some(Value::String(r.clone())));
        }
        if self.lenient {
            self.unknown_refs.insert(target.to_string());
            return Ok(Some(Value::String(symbolic(&format!("Ref {target}")))));
        }
        Err(self.err(
            path,
            format!("`Ref` to `{target}`, which is neither a parameter, a pseudo parameter nor a logical id of the template"),
        ))
    }

    fn enter(&mut self, logical: &str, path: &str) -> Result<(), Diagnostic> {
        if self.guard.iter().any(|g| g == logical) {
            let mut cycle = self.guard.clone();
            cycle.push(logical.to_string());
            let at = format!("Resources.{logical}");
            return Err(self.err(
                &at,
                format!(
                    "circular reference between resources: {} (logical id `{logical}`, reached from {path})",
                    cycle.join(" → ")
                ),
            ));
        }
        self.guard.push(logical.to_string());
        Ok(())
    }

    /// A property of a resource as text (resolved), `None` when absent.
    pub fn prop(&mut self, logical: &str, name: &str) -> Result<Option<String>, Diagnostic> {
        let Some(v) = self
            .resources
            .get(logical)
            .and_then(|r| r.get("Properties"))
            .and_then(|p| p.get(name))
            .cloned()
        else {
            return Ok(None);
        };
        let path = format!("Resources.{logical}.Properties.{name}");
        self.enter(logical, &path)?;
        let r = self.resolve_text(&v, &path);
        self.guard.pop();
        r
    }

    fn generated(&self, logical: &str) -> String {
        format!("{}-{}", self.stack, logical)
    }

    /// The physical name of a resource: its name property or `STACK-LogicalId`.
    pub fn name_of(&mut self, logical: &str) -> Result<String, Diagnostic> {
        let ty = self.type_of(logical).unwrap_or("").to_string();
        let prop = match ty.as_str() {
            "AWS::IAM::Role" => "RoleName",
            "AWS::IAM::User" => "UserName",
            "AWS::IAM::Group" => "GroupName",
            "AWS::IAM::InstanceProfile" => "InstanceProfileName",
            "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
            "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => "PolicyName",
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => "FunctionName",
            "AWS::S3::Bucket" => "BucketName",
            "AWS::SQS::Queue" => "QueueName",
            "AWS::SNS::Topic" => "TopicName",
            "AWS::SecretsManager::Secret" => "Name",
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => "TableName",
            "AWS::Logs::LogGroup" => "LogGroupName",
            "AWS::Kinesis::Stream" => "Name",
            "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
                "StateMachineName"
            }
            "AWS::Events::Rule" | "AWS::Events::EventBus" | "AWS::SSM::Parameter" => "Name",
            "AWS::ECR::Repository" => "RepositoryName",
            "AWS::KMS::Alias" => "AliasName",
            "AWS::Lex::Bot" => "Name",
            _ => "",
        };
        let given = if prop.is_empty() {
            None
        } else {
            self.prop(logical, prop)?
        };
        Ok(match given {
            Some(n) => n,
            None => {
                let g = self.generated(logical);
                match ty.as_str() {
                    "AWS::S3::Bucket" => g.to_ascii_lowercase(),
                    "AWS::SQS::Queue"
                        if self.prop(logical, "FifoQueue")?.as_deref() == Some("true") =>
                    {
                        format!("{g}.fifo")
                    }
                    _ => g,
                }
            }
        })
    }

    fn iam_path(&mut self, logical: &str) -> Result<String, Diagnostic> {
        Ok(self.prop(logical, "Path")?.unwrap_or_else(|| "/".into()))
    }

    /// `Ref` of a resource: its name, ARN, URL or id, as CloudFormation returns it.
    pub fn ref_resource(&mut self, logical: &str, path: &str) -> Result<Value, Diagnostic> {
        let ty = self.type_of(logical).unwrap_or("").to_string();
        let (p, r, a) = (
            self.partition.clone(),
            self.region.clone(),
            self.account.clone(),
        );
        let _ = path;
        let v = match ty.as_str() {
            "AWS::IAM::ManagedPolicy" => {
                let n = self.name_of(logical)?;
                let pa = self.iam_path(logical)?;
                format!("arn:{p}:iam::{a}:policy{pa}{n}")
            }
            "AWS::SQS::Queue" => {
                let n = self.name_of(logical)?;
                format!("https://sqs.{r}.amazonaws.com/{a}/{n}")
            }
            "AWS::SNS::Topic" => format!("arn:{p}:sns:{r}:{a}:{}", self.name_of(logical)?),
            "AWS::SecretsManager::Secret" => self
                .getatt(logical, "Arn", path)?
                .as_str()
                .unwrap_or("")
                .to_string(),
            "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
                format!(
                    "arn:{p}:states:{r}:{a}:stateMachine:{}",
                    self.name_of(logical)?
                )
            }
            "AWS::KMS::Key" => self.generated(logical),
            "AWS::Lex::Bot" => logical.to_string(),
            "AWS::Lex::BotAlias" => logical.to_string(),
            t if is_named(t) => self.name_of(logical)?,
            _ => self.generated(logical),
        };
        Ok(Value::String(v))
    }

    /// `Fn::GetAtt` of a resource.
    pub fn getatt(&mut self, logical: &str, attr: &str, path: &str) -> Result<Value, Diagnostic> {
        let ty = self.type_of(logical).unwrap_or("").to_string();
        let (p, r, a) = (
            self.partition.clone(),
            self.region.clone(),
            self.account.clone(),
        );
        let s = |x: String| Ok(Value::String(x));
        match (ty.as_str(), attr) {
            ("AWS::IAM::Role", "Arn") => {
                let (n, pa) = (self.name_of(logical)?, self.iam_path(logical)?);
                s(format!("arn:{p}:iam::{a}:role{pa}{n}"))
            }
            ("AWS::IAM::User", "Arn") => {
                let (n, pa) = (self.name_of(logical)?, self.iam_path(logical)?);
                s(format!("arn:{p}:iam::{a}:user{pa}{n}"))
            }
            ("AWS::IAM::Group", "Arn") => {
                let (n, pa) = (self.name_of(logical)?, self.iam_path(logical)?);
                s(format!("arn:{p}:iam::{a}:group{pa}{n}"))
            }
            ("AWS::IAM::InstanceProfile", "Arn") => {
                let (n, pa) = (self.name_of(logical)?, self.iam_path(logical)?);
                s(format!("arn:{p}:iam::{a}:instance-profile{pa}{n}"))
            }
            ("AWS::IAM::ManagedPolicy", "PolicyArn") => self.ref_resource(logical, path),
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => s(format!(
                "arn:{p}:lambda:{r}:{a}:function:{}",
                self.name_of(logical)?
            )),
            ("AWS::S3::Bucket", "Arn") => s(format!("arn:{p}:s3:::{}", self.name_of(logical)?)),
            ("AWS::S3::Bucket", "DomainName") => {
                s(format!("{}.s3.amazonaws.com", self.name_of(logical)?))
            }
            ("AWS::S3::Bucket", "RegionalDomainName") => {
                s(format!("{}.s3.{r}.amazonaws.com", self.name_of(logical)?))
            }
            ("AWS::SQS::Queue", "Arn") => {
                s(format!("arn:{p}:sqs:{r}:{a}:{}", self.name_of(logical)?))
            }
            ("AWS::SQS::Queue", "QueueName") => s(self.name_of(logical)?),
            ("AWS::SQS::Queue", "QueueUrl") => self.ref_resource(logical, path),
            ("AWS::SNS::Topic", "TopicArn") => self.ref_resource(logical, path),
            ("AWS::SNS::Topic", "TopicName") => s(self.name_of(logical)?),
            ("AWS::KMS::Key", "Arn") => s(format!(
                "arn:{p}:kms:{r}:{a}:key/{}",
                self.generated(logical)
            )),
            ("AWS::KMS::Key", "KeyId") => s(self.generated(logical)),
            ("AWS::SecretsManager::Secret", "Arn" | "Id") => s(format!(
                "arn:{p}:secretsmanager:{r}:{a}:secret:{}-{}",
                self.name_of(logical)?,
                symbolic("random suffix")
            )),
            ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", "Arn") => s(format!(
                "arn:{p}:dynamodb:{r}:{a}:table/{}",
                self.name_of(logical)?
            )),
            ("AWS::DynamoDB::Table", "StreamArn") => s(format!(
                "arn:{p}:dynamodb:{r}:{a}:table/{}/stream/{}",
                self.name_of(logical)?,
                symbolic("stream label")
            )),
            ("AWS::Logs::LogGroup", "Arn") => s(format!(
                "arn:{p}:logs:{r}:{a}:log-group:{}:*",
                self.name_of(logical)?
            )),
            ("AWS::Kinesis::Stream", "Arn") => s(format!(
                "arn:{p}:kinesis:{r}:{a}:stream/{}",
                self.name_of(logical)?
            )),
            ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", "Arn") => {
                self.ref_resource(logical, path)
            }
            ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", "Name") => {
                s(self.name_of(logical)?)
            }
            ("AWS::Events::Rule", "Arn") => s(format!(
                "arn:{p}:events:{r}:{a}:rule/{}",
                self.name_of(logical)?
            )),
            ("AWS::Events::EventBus", "Arn") => s(format!(
                "arn:{p}:events:{r}:{a}:event-bus/{}",
                self.name_of(logical)?
            )),
            ("AWS::ECR::Repository", "Arn") => s(format!(
                "arn:{p}:ecr:{r}:{a}:repository/{}",
                self.name_of(logical)?
            )),
            ("AWS::Lex::Bot", "Arn") => s(format!("arn:{p}:lex:{r}:{a}:bot/{logical}")),
            ("AWS::Lex::Bot", "Id") => s(logical.to_string()),
            ("AWS::Lex::BotAlias", "Arn") => {
                let bot = self
                    .prop(logical, "BotId")?
                    .unwrap_or_else(|| symbolic("BotId"));
                s(format!("arn:{p}:lex:{r}:{a}:bot-alias/{bot}/{logical}"))
            }
            ("AWS::Lex::BotAlias", "BotAliasId") => s(logical.to_string()),
            _ => s(symbolic(&format!("{logical}.{attr}"))),
        }
    }

    /// Decides a named condition: `Some(bool)` when its inputs are known.
    pub fn condition(&mut self, name: &str, path: &str) -> Result<Option<bool>, Diagnostic> {
        if let Some((_, holds)) = self.forced.iter().rev().find(|(n, _)| n == name) {
            return Ok(Some(*holds));
        }
        // Under forced outcomes a condition that tests a forced one may differ: not cached.
        let cache = self.forced.is_empty();
        if let Some(c) = self.cond_cache.get(name).filter(|_| cache) {
            return Ok(*c);
        }
        let Some(def) = self.conditions.get(name).cloned() else {
            return Err(self.err(
                path,
                format!("condition `{name}` is not defined in Conditions"),
            ));
        };
        if self.guard.iter().any(|g| g == &format!("condition:{name}")) {
            return Err(self.err(path, format!("condition `{name}` refers to itself")));
        }
        self.guard.push(format!("condition:{name}"));
        let r = self.eval_cond(&def, &format!("Conditions.{name}"));
        self.guard.pop();
        let r = r?;
        if cache {
            self.cond_cache.insert(name.to_string(), r);
        }
        Ok(r)
    }

    /// Evaluates a condition expression.
    pub fn eval_cond(&mut self, v: &Value, path: &str) -> Result<Option<bool>, Diagnostic> {
        let saved = std::mem::replace(&mut self.either, false);
        let r = self.eval_cond_inner(v, path);
        self.either = saved;
        r
    }

    fn eval_cond_inner(&mut self, v: &Value, path: &str) -> Result<Option<bool>, Diagnostic> {
        let Some((k, arg)) = v
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.iter().next())
        else {
            return Ok(match v {
                Value::Bool(b) => Some(*b),
                Value::String(s) if s == "true" => Some(true),
                Value::String(s) if s == "false" => Some(false),
                _ => None,
            });
        };
        let (k, arg) = (k.clone(), arg.clone());
        let items = arg.as_array().cloned().unwrap_or_default();
        match k.as_str() {
            "Condition" => {
                let n = text_of(&arg).unwrap_or_default();
                self.condition(&n, path)
            }
            "Fn::Equals" => {
                if items.len() != 2 {
                    return Err(self.err(path, "`Fn::Equals` expects two values"));
                }
                let a = self.resolve(&items[0], path)?.unwrap_or(Value::Null);
                let b = self.resolve(&items[1], path)?.unwrap_or(Value::Null);
                if super::is_symbolic(&a) || super::is_symbolic(&b) {
                    return Ok(None);
                }
                Ok(Some(
                    text_of(&a).unwrap_or_else(|| a.to_string())
                        == text_of(&b).unwrap_or_else(|| b.to_string()),
                ))
            }
            "Fn::Not" => Ok(match items.first() {
                Some(x) => self.eval_cond(x, path)?.map(|b| !b),
                None => return Err(self.err(path, "`Fn::Not` expects [condition]")),
            }),
            "Fn::And" | "Fn::Or" => {
                let and = k == "Fn::And";
                let mut unknown = false;
                for x in &items {
                    match self.eval_cond(x, path)? {
                        Some(b) if b != and => return Ok(Some(b)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                Ok(if unknown { None } else { Some(and) })
            }
            "Fn::Contains" => {
                if items.len() != 2 {
                    return Err(self.err(path, "`Fn::Contains` expects [list, value]"));
                }
                let l = self.resolve(&items[0], path)?;
                let x = self.resolve(&items[1], path)?.unwrap_or(Value::Null);
                match l {
                    Some(Value::Array(a)) if !super::is_symbolic(&x) => Ok(Some(a.contains(&x))),
                    _ => Ok(None),
                }
            }
            _ => {
                let r = self.resolve(v, path)?.unwrap_or(Value::Null);
                // A map that resolves to itself names no function: evaluating it again would
                // never end (found by fuzzing, tests/fuzz_regressions.rs).
                if r == *v {
                    return Err(self.err(
                        path,
                        format!("`{k}` is not a condition function: expected Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains, Condition or an intrinsic that gives true or false"),
                    ));
                }
                self.eval_cond(&r, path)
            }
        }
    }

    /// The resources another resource refers to (Ref, GetAtt, Sub, DependsOn).
    pub fn dependencies(&self, logical: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.resources.get(logical) {
            for d in super::list_of(r.get("DependsOn")) {
                out.push(d);
            }
            if let Some(p) = r.get("Properties") {
                let sam_fn =
                    r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function");
                match p.as_object() {
                    // SAM events become separate resources: they do not make the function depend
                    // on the API or topic they name.
                    Some(m) if sam_fn => {
                        for (k, v) in m {
                            if k != "Events" {
                                self.collect_refs(v, &mut out);
                            }
                        }
                    }
                    _ => self.collect_refs(p, &mut out),
                }
            }
        }
        out.retain(|d| self.resources.contains_key(d));
        out.sort();
        out.dedup();
        out
    }

    fn collect_refs(&self, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| self.collect_refs(x, out)),
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("Ref", Value::String(t)) => out.push(t.clone()),
                        ("Fn::GetAtt", Value::String(t)) => {
                            out.push(t.split('.').next().unwrap_or("").to_string())
                        }
                        ("Fn::GetAtt", Value::Array(a)) => {
                            if let Some(t) = a.first().and_then(Value::as_str) {
                                out.push(t.to_string());
                            }
                        }
                        ("Fn::Sub", sub) => {
                            let (s, vars) = match sub {
                                Value::String(s) => (s.as_str(), None),
                                Value::Array(a) => {
                                    (a.first().and_then(Value::as_str).unwrap_or(""), a.get(1))
                                }
                                _ => ("", None),
                            };
                            let mut rest = s;
                            while let Some(i) = rest.find("${") {
                                let after = &rest[i + 2..];
                                let end = after.find('}').unwrap_or(after.len());
                                let name = &after[..end];
                                if !name.starts_with('!')
                                    && vars.and_then(|v| v.get(name)).is_none()
                                {
                                    out.push(name.split('.').next().unwrap_or("").to_string());
                                }
                                rest = &after[end.min(after.len())..];
                            }
                            if let Some(v) = vars {
                                self.collect_refs(v, out);
                            }
                        }
                        _ => self.collect_refs(x, out),
                    }
                }
            }
            _ => {}
        }
    }

    /// Rejects a circular dependency between resources, as CloudFormation does.
    pub fn check_cycles(&self) -> Result<(), Diagnostic> {
        let keys: Vec<String> = self.resources.keys().cloned().collect();
        let deps: FxHashMap<String, Vec<String>> = keys
            .iter()
            .map(|k| (k.clone(), self.dependencies(k)))
            .collect();
        let mut state: FxHashMap<&str, u8> = FxHashMap::default();
        for k in &keys {
            let mut stack: Vec<(String, usize)> = vec![(k.clone(), 0)];
            if state.get(k.as_str()).copied().unwrap_or(0) != 0 {
                continue;
            }
            state.insert(k, 1);
            while let Some((node, i)) = stack.last().cloned() {
                let ds = &deps[&node];
                if i < ds.len() {
                    stack.last_mut().expect("non-empty").1 += 1;
                    let d = &ds[i];
                    match state.get(d.as_str()).copied().unwrap_or(0) {
                        0 => {
                            let dk = keys.iter().find(|x| *x == d).expect("known");
                            state.insert(dk, 1);
                            stack.push((d.clone(), 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(n, _)| n == d).unwrap_or(0);
                            let mut cycle: Vec<String> =
                                stack[from..].iter().map(|(n, _)| n.clone()).collect();
                            cycle.push(d.clone());
                            return Err(self.err(
                                &format!("Resources.{d}"),
                                format!(
                                    "circular dependency between resources: {} (logical id `{d}`)",
                                    cycle.join(" → ")
                                ),
                            ));
                        }
                        _ => {}
                    }
                } else {
                    let dk = keys.iter().find(|x| **x == node).expect("known");
                    state.insert(dk, 2);
                    stack.pop();
                }
            }
        }
        Ok(())
    }
}

/// Types whose `Ref` is their name.
fn is_named(t: &str) -> bool {
    matches!(
        t,
        "AWS::IAM::Role"
            | "AWS::IAM::User"
            | "AWS::IAM::Group"
            | "AWS::IAM::InstanceProfile"
            | "AWS::IAM::Policy"
            | "AWS::Lambda::Function"
            | "AWS::Serverless::Function"
            | "AWS::S3::Bucket"
            | "AWS::DynamoDB::Table"
            | "AWS::Serverless::SimpleTable"
            | "AWS::Logs::LogGroup"
            | "AWS::Kinesis::Stream"
            | "AWS::Events::Rule"
            | "AWS::Events::EventBus"
            | "AWS::SSM::Parameter"
            | "AWS::ECR::Repository"
            | "AWS::KMS::Alias"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolver(t: &Value) -> Resolver<'static> {
        let mut params = FxHashMap::default();
        params.insert("Env".to_string(), json!("prod"));
        params.insert("Missing".to_string(), json!("{{param:Missing}}"));
        Resolver::new(
            "t.json",
            "",
            t,
            params,
            "111111111111",
            "eu-west-1",
            "aws",
            "st",
        )
    }

    fn template() -> Value {
        json!({
            "Mappings": {"M": {"prod": {"Size": "big"}}},
            "Conditions": {
                "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "Unknown": {"Fn::Equals": [{"Ref": "Missing"}, "x"]},
                "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Not": [{"Condition": "IsProd"}]}]}
            },
            "Resources": {
                "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::Sub": "app-${Env}"}, "Path": "/svc/"}},
                "Q": {"Type": "AWS::SQS::Queue"},
                "B": {"Type": "AWS::S3::Bucket"},
                "X": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Ref": "Y"}}},
                "Y": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": {"Fn::GetAtt": ["X", "Arn"]}}}
            }
        })
    }

    fn r(rv: &mut Resolver, v: Value) -> Value {
        rv.resolve(&v, "$").expect("resolves").expect("a value")
    }

    #[test]
    fn refs_and_attributes_are_the_names_resources_will_have() {
        let t = template();
        let mut rv = resolver(&t);
        assert_eq!(
            r(&mut rv, json!({"Fn::GetAtt": ["R", "Arn"]})),
            "arn:aws:iam::111111111111:role/svc/app-prod"
        );
        assert_eq!(
            r(&mut rv, json!({"Ref": "Q"})),
            "https://sqs.eu-west-1.amazonaws.com/111111111111/st-Q"
        );
        assert_eq!(
            r(&mut rv, json!({"Fn::GetAtt": "Q.Arn"})),
            "arn:aws:sqs:eu-west-1:111111111111:st-Q"
        );
        assert_eq!(
            r(&mut rv, json!({"Fn::GetAtt": ["B", "Arn"]})),
            "arn:aws:s3:::st-b"
        );
        assert_eq!(
            r(&mut rv, json!({"Fn::GetAtt": ["B", "Nope"]})),
            "{{B.Nope}}"
        );
        assert_eq!(
            r(
                &mut rv,
                json!({"Fn::Sub": ["${A}-${AWS::Region}-${!Literal}", {"A": {"Ref": "AWS::AccountId"}}]})
            ),
            "111111111111-eu-west-1-${Literal}"
        );
    }

    #[test]
    fn list_functions_mappings_and_conditions() {
        let t = template();
        let mut rv = resolver(&t);
        assert_eq!(
            r(&mut rv, json!({"Fn::Join": ["/", ["a", {"Ref": "Env"}]]})),
            "a/prod"
        );
        assert_eq!(
            r(
                &mut rv,
                json!({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]})
            ),
            "y"
        );
        assert_eq!(
            r(
                &mut rv,
                json!({"Fn::FindInMap": ["M", {"Ref": "Env"}, "Size"]})
            ),
            "big"
        );
        assert_eq!(r(&mut rv, json!({"Fn::If": ["IsProd", "p", "d"]})), "p");
        assert_eq!(r(&mut rv, json!({"Fn::If": ["Both", "p", "d"]})), "d");
        assert_eq!(
            r(&mut rv, json!({"Fn::ImportValue": "shared"})),
            "{{ImportValue:shared}}"
        );
        // An undecidable condition takes the true branch and is recorded.
        assert_eq!(r(&mut rv, json!({"Fn::If": ["Unknown", "a", "b"]})), "a");
        assert!(rv.undecided.contains("Unknown"));
        // In properties (`either`), a function over an undecidable `Fn::If` is computed once
        // per outcome; a decidable one stays exact.
        rv.either = true;
        let join =
            json!({"Fn::Join": ["", ["arn:aws:s3:::", {"Fn::If": ["Unknown", "a", "b"]}, "/*"]]});
        assert_eq!(
            r(&mut rv, join),
            crate::iac::branches::either(
                "Unknown",
                Some(json!("arn:aws:s3:::a/*")),
                Some(json!("arn:aws:s3:::b/*"))
            )
        );
        let sub = json!({"Fn::Sub": ["x-${N}-${E}", {"N": {"Fn::If": ["IsProd", "p", "d"]}, "E": {"Ref": "Env"}}]});
        assert_eq!(r(&mut rv, sub), "x-p-prod");
        rv.either = false;
        // AWS::NoValue removes the element.
        assert_eq!(
            r(&mut rv, json!(["a", {"Ref": "AWS::NoValue"}])),
            json!(["a"])
        );
        // Errors name the path.
        let e = rv
            .resolve(&json!({"Fn::Nope": 1}), "Resources.R.Properties.P")
            .unwrap_err();
        assert!(
            e.message.contains("unknown intrinsic function `Fn::Nope`"),
            "{e}"
        );
        assert_eq!(e.location, "Resources.R.Properties.P.Fn::Nope");
    }

    #[test]
    fn cycles_are_rejected_with_the_logical_ids() {
        let t = template();
        let rv = resolver(&t);
        let e = rv.check_cycles().unwrap_err();
        assert!(
            e.message.contains("X → Y → X") || e.message.contains("Y → X → Y"),
            "{e}"
        );
    }
}
