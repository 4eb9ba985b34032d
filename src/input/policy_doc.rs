//! Policy documents as AWS emits them (G1–G11): JSON objects, JSON strings holding JSON, or
//! URL-encoded JSON. Parsed with serde into loose shapes (one-or-many, scalar condition
//! values), then checked and normalised into [`crate::iam::Policy`].

use crate::iam::{
    arn::is_account_id, Condition, Diagnostic, Effect, Negatable, Policy, PolicyId, PolicyKind,
    PolicyVersion, PrincipalRef, Statement,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// Where a document came from, for errors and proofs.
#[derive(Debug, Clone)]
pub struct DocSource {
    /// File relative to the environment root.
    pub file: String,
    /// JSON path of the document inside the file (`$.Policies[3].PolicyVersionList[0].Document`).
    pub json_path: String,
    /// Human name of the policy.
    pub name: String,
    /// Policy ARN, when it has one.
    pub arn: Option<String>,
    /// What kind of policy this is (decides which elements are allowed, G10).
    pub kind: PolicyKind,
}

/// A string or a list of strings (G5).
#[derive(Debug)]
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![s.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A condition value list: scalars (string, bool, number) or a list of them, canonicalised to
/// strings (G5).
#[derive(Debug)]
struct CondValues(Vec<String>);

fn scalar_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for CondValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match &v {
            serde_json::Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(scalar_string(it).ok_or_else(|| {
                        de::Error::custom(
                            "expected a string, number or boolean in a condition value list",
                        )
                    })?);
                }
                Ok(CondValues(out))
            }
            other => scalar_string(other)
                .map(|s| CondValues(vec![s]))
                .ok_or_else(|| {
                    de::Error::custom(
                        "expected a condition value: string, number, boolean or a list of them",
                    )
                }),
        }
    }
}

/// A JSON object read as ordered pairs, rejecting duplicate keys (G1).
#[derive(Debug)]
struct Pairs<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Pairs<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Pairs<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs<T>, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(k) = m.next_key::<String>()? {
                    if out.iter().any(|(e, _)| *e == k) {
                        return Err(de::Error::custom(format!("duplicate key `{k}`")));
                    }
                    let v = m.next_value::<T>()?;
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// `Principal`: `"*"` or a map of principal types to one-or-many values (G7).
#[derive(Debug)]
enum PrincipalJ {
    Star(String),
    Map(Pairs<OneOrMany>),
}

impl<'de> Deserialize<'de> for PrincipalJ {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PrincipalJ;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"*\" or an object such as {\"AWS\": ...}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PrincipalJ, E> {
                Ok(PrincipalJ::Star(s.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<PrincipalJ, A::Error> {
                Pairs::deserialize(de::value::MapAccessDeserializer::new(m)).map(PrincipalJ::Map)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct StatementJ {
    Sid: Option<serde_json::Value>,
    Effect: String,
    Action: Option<OneOrMany>,
    NotAction: Option<OneOrMany>,
    Resource: Option<OneOrMany>,
    NotResource: Option<OneOrMany>,
    Principal: Option<PrincipalJ>,
    NotPrincipal: Option<PrincipalJ>,
    Condition: Option<Pairs<Pairs<CondValues>>>,
}

/// `Statement`: one object or a list (G2).
#[derive(Debug)]
struct Statements(Vec<StatementJ>);

impl<'de> Deserialize<'de> for Statements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Statements;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a statement object or a list of statements")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Statements, A::Error> {
                StatementJ::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(|s| Statements(vec![s]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Statements, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<StatementJ>()? {
                    out.push(s);
                }
                Ok(Statements(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct DocumentJ {
    Version: Option<String>,
    Id: Option<String>,
    Statement: Statements,
}

/// Decodes the textual forms of a document (G11): a JSON object as text, a JSON string
/// holding JSON, or URL-encoded JSON. Returns the JSON object text.
pub fn decode_document_text(raw: &str) -> Result<Cow<'_, str>, String> {
    let t = raw.trim_start();
    if t.starts_with('{') {
        return Ok(Cow::Borrowed(raw));
    }
    if t.starts_with('"') {
        let inner: String =
            serde_json::from_str(t).map_err(|e| format!("not a JSON string: {e}"))?;
        let it = inner.trim_start();
        if it.starts_with('{') {
            return Ok(Cow::Owned(inner));
        }
        if it.starts_with("%7B") || it.starts_with("%7b") {
            return percent_decode(&inner).map(Cow::Owned);
        }
        return Err("expected a policy document: a JSON object, a JSON string holding one, or URL-encoded JSON".into());
    }
    Err("expected a policy document (a JSON object or a string)".into())
}

fn percent_decode(s: &str) -> Result<String, String> {
    // `+` is not used by IAM's encoding (RFC 3986), so it stays literal.
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| "URL-encoded document is not valid UTF-8".to_string())
}

fn diag(src: &DocSource, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        file: src.file.clone(),
        location: path.into(),
        message: message.into(),
    }
}

/// Parses and checks one policy document given as the raw JSON text of its value (object or
/// string). All problems of the document are returned together.
pub fn parse_policy(raw: &str, src: &DocSource) -> Result<Policy, Vec<Diagnostic>> {
    let text = decode_document_text(raw).map_err(|m| vec![diag(src, src.json_path.clone(), m)])?;
    let doc: DocumentJ = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(first) => {
            // Re-parse with path tracking, only on the error path, to name the JSON path.
            let mut de = serde_json::Deserializer::from_str(&text);
            let (inner, msg) = match serde_path_to_error::deserialize::<_, DocumentJ>(&mut de) {
                Err(e) => (e.path().to_string(), describe_serde_error(e.inner())),
                Ok(_) => (".".to_string(), describe_serde_error(&first)),
            };
            let path = if inner == "." {
                src.json_path.clone()
            } else {
                format!("{}.{}", src.json_path, inner)
            };
            return Err(vec![diag(src, path, msg)]);
        }
    };
    build_policy(doc, src)
}

/// Turns a serde error into a message that says what was expected, lower-case.
pub fn describe_serde_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; keep it, it points into the document text.
    msg.replace("unknown field", "unknown policy element")
}

fn build_policy(doc: DocumentJ, src: &DocSource) -> Result<Policy, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let version = match doc.Version.as_deref() {
        Some("2012-10-17") => PolicyVersion::V2012,
        Some("2008-10-17") => PolicyVersion::V2008,
        None => PolicyVersion::Absent,
        Some(other) => {
            errors.push(diag(
                src,
                format!("{}.Version", src.json_path),
                format!("unknown policy language version `{other}`: expected `2012-10-17` or `2008-10-17`"),
            ));
            PolicyVersion::Absent
        }
    };
    let _ = doc.Id;
    let kind = src.kind;
    let resource_based = matches!(kind, PolicyKind::Resource(_) | PolicyKind::Rcp);
    let mut statements = Vec::with_capacity(doc.Statement.0.len());
    for (i, s) in doc.Statement.0.into_iter().enumerate() {
        let at = |field: &str| format!("{}.Statement[{}]{}", src.json_path, i, field);
        let effect = match s.Effect.as_str() {
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            other => {
                errors.push(diag(
                    src,
                    at(".Effect"),
                    format!("`Effect` must be `Allow` or `Deny`, found `{other}`"),
                ));
                continue;
            }
        };
        let action = match (s.Action, s.NotAction) {
            (Some(a), None) => Negatable {
                negated: false,
                items: a.0,
            },
            (None, Some(a)) => Negatable {
                negated: true,
                items: a.0,
            },
            (Some(_), Some(_)) => {
                errors.push(diag(
                    src,
                    at(""),
                    "a statement cannot have both `Action` and `NotAction`",
                ));
                continue;
            }
            (None, None) => {
                errors.push(diag(
                    src,
                    at(""),
                    "a statement needs `Action` or `NotAction`",
                ));
                continue;
            }
        };
        let resource = match (s.Resource, s.NotResource) {
            (Some(r), None) => Some(Negatable {
                negated: false,
                items: r.0,
            }),
            (None, Some(r)) => Some(Negatable {
                negated: true,
                items: r.0,
            }),
            (Some(_), Some(_)) => {
                errors.push(diag(
                    src,
                    at(""),
                    "a statement cannot have both `Resource` and `NotResource`",
                ));
                continue;
            }
            (None, None) => None,
        };
        let principal = match (s.Principal, s.NotPrincipal) {
            (Some(p), None) => Some(Negatable {
                negated: false,
                items: principals(p, src, &at(".Principal"), &mut errors),
            }),
            (None, Some(p)) => Some(Negatable {
                negated: true,
                items: principals(p, src, &at(".NotPrincipal"), &mut errors),
            }),
            (Some(_), Some(_)) => {
                errors.push(diag(
                    src,
                    at(""),
                    "a statement cannot have both `Principal` and `NotPrincipal`",
                ));
                continue;
            }
            (None, None) => None,
        };
        if resource.is_none() && !resource_based && principal.is_none() {
            errors.push(diag(src, at(""), "a statement of an identity-based policy, boundary or SCP needs `Resource` or `NotResource`"));
            continue;
        }
        if resource_based && principal.is_none() {
            errors.push(diag(
                src,
                at(""),
                "a statement of a resource-based policy needs `Principal` or `NotPrincipal`",
            ));
            continue;
        }
        if !resource_based && principal.is_some() {
            errors.push(diag(
                src,
                at(".Principal"),
                "`Principal` is not allowed in identity-based policies, permissions boundaries, session policies or SCPs",
            ));
            continue;
        }
        let mut conditions = Vec::new();
        if let Some(block) = s.Condition {
            for (op, keys) in block.0 {
                for (key, vals) in keys.0 {
                    conditions.push(Condition::new(&op, &key, vals.0));
                }
            }
        }
        let sid = match s.Sid {
            None => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        statements.push(Statement {
            sid,
            index: i,
            effect,
            action,
            resource,
            principal,
            conditions,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Policy {
        id: PolicyId(u32::MAX),
        kind,
        name: src.name.clone(),
        arn: src.arn.clone(),
        file: src.file.clone(),
        json_path: src.json_path.clone(),
        version,
        statements,
    })
}

fn principals(
    p: PrincipalJ,
    src: &DocSource,
    at: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<PrincipalRef> {
    match p {
        PrincipalJ::Star(s) if s == "*" => vec![PrincipalRef::Any],
        PrincipalJ::Star(s) => {
            errors.push(diag(
                src,
                at.to_string(),
                format!("`Principal` must be \"*\" or an object, found the string `{s}`"),
            ));
            Vec::new()
        }
        PrincipalJ::Map(pairs) => {
            let mut out = Vec::new();
            for (k, vals) in pairs.0 {
                for v in vals.0 {
                    let r = match k.as_str() {
                        "AWS" => classify_aws_principal(&v),
                        "Service" => PrincipalRef::Service(v),
                        "Federated" => PrincipalRef::Federated(v),
                        "CanonicalUser" => PrincipalRef::CanonicalUser(v),
                        other => {
                            errors.push(diag(
                                src,
                                format!("{at}.{other}"),
                                format!("unknown principal type `{other}`: expected `AWS`, `Service`, `Federated` or `CanonicalUser`"),
                            ));
                            continue;
                        }
                    };
                    out.push(r);
                }
            }
            out
        }
    }
}

/// Classifies one `AWS` principal value (G7): `*`, account id, `:root` ARN, entity or session
/// ARN, raw unique id, or invalid (partial wildcards).
pub fn classify_aws_principal(v: &str) -> PrincipalRef {
    if v == "*" {
        return PrincipalRef::Any;
    }
    if is_account_id(v) {
        return PrincipalRef::Account(v.to_string());
    }
    if let Some(a) = crate::iam::Arn::parse(v) {
        if a.contains_wildcard() {
            return PrincipalRef::Invalid(v.to_string());
        }
        if a.service == "iam" && a.resource == "root" && is_account_id(&a.account) {
            return PrincipalRef::Account(a.account);
        }
        if (a.service == "iam" || a.service == "sts") && is_account_id(&a.account) {
            return PrincipalRef::Arn(v.to_string());
        }
        return PrincipalRef::Invalid(v.to_string());
    }
    let unique_prefixes = ["AIDA", "AROA", "AIPA", "ANPA", "AGPA", "ASIA", "AKIA"];
    if v.len() >= 16
        && unique_prefixes.iter().any(|p| v.starts_with(p))
        && v.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return PrincipalRef::UniqueId(v.to_string());
    }
    PrincipalRef::Invalid(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::ResourceKind;

    fn src(kind: PolicyKind) -> DocSource {
        DocSource {
            file: "f.json".into(),
            json_path: "$.Doc".into(),
            name: "p".into(),
            arn: None,
            kind,
        }
    }

    #[test]
    fn object_string_and_url_encoded_forms_agree() {
        let obj = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
        let as_string = serde_json::to_string(obj).unwrap();
        let url = format!(
            "\"{}\"",
            percent_encoding::utf8_percent_encode(obj, percent_encoding::NON_ALPHANUMERIC)
        );
        for raw in [obj.to_string(), as_string, url] {
            let p = parse_policy(&raw, &src(PolicyKind::Inline)).unwrap();
            assert_eq!(p.statements.len(), 1);
            assert_eq!(p.statements[0].action.items, vec!["s3:GetObject"]);
            assert_eq!(p.version, PolicyVersion::V2012);
        }
    }

    #[test]
    fn rejects_both_action_and_not_action_with_path() {
        let raw = r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}]}"#;
        let e = parse_policy(raw, &src(PolicyKind::Inline)).unwrap_err();
        assert_eq!(e[0].location, "$.Doc.Statement[1]");
        assert!(
            e[0].message.contains("both `Action` and `NotAction`"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn rejects_misspelt_element_and_duplicate_keys() {
        let raw = r#"{"Statement":[{"effect":"Allow","Action":"a:b","Resource":"*"}]}"#;
        let e = parse_policy(raw, &src(PolicyKind::Inline)).unwrap_err();
        assert!(
            e[0].message.contains("unknown policy element `effect`"),
            "{}",
            e[0].message
        );
        assert!(
            e[0].location.starts_with("$.Doc.Statement[0]"),
            "{}",
            e[0].location
        );
        let dup =
            r#"{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"a:b","Resource":"*"}]}"#;
        let e = parse_policy(dup, &src(PolicyKind::Inline)).unwrap_err();
        assert!(
            e[0].message.contains("duplicate field `Effect`"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn condition_values_are_canonical_strings() {
        let raw = r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:max-keys":10}}}}"#;
        let p = parse_policy(raw, &src(PolicyKind::Inline)).unwrap();
        assert_eq!(p.statements[0].conditions[0].values, vec!["false"]);
        assert_eq!(p.statements[0].conditions[1].values, vec!["10"]);
    }

    #[test]
    fn principal_forms() {
        assert_eq!(
            classify_aws_principal("111111111111"),
            PrincipalRef::Account("111111111111".into())
        );
        assert_eq!(
            classify_aws_principal("arn:aws:iam::111111111111:root"),
            PrincipalRef::Account("111111111111".into())
        );
        assert!(matches!(
            classify_aws_principal("arn:aws:iam::111111111111:role/*"),
            PrincipalRef::Invalid(_)
        ));
        assert!(matches!(
            classify_aws_principal("AROAEXAMPLEID123XYZ"),
            PrincipalRef::UniqueId(_)
        ));
        let raw = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:user/alice"],"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
        let p = parse_policy(raw, &src(PolicyKind::Resource(ResourceKind::IamRole))).unwrap();
        assert_eq!(p.statements[0].principal.as_ref().unwrap().items.len(), 2);
        let e = parse_policy(raw, &src(PolicyKind::Inline)).unwrap_err();
        assert!(e[0].message.contains("`Principal` is not allowed"));
    }

    #[test]
    fn truncated_document_names_position() {
        let e = parse_policy(
            r#"{"Statement":[{"Effect":"Allow""#,
            &src(PolicyKind::Inline),
        )
        .unwrap_err();
        assert!(e[0].message.contains("EOF"), "{}", e[0].message);
    }
}
