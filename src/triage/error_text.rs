//! Parsing pasted AccessDenied messages (X1–X5) into who asked for what, and which layer AWS
//! blamed. Hand-written after the normative pattern of X5 (no regex dependency): whitespace is
//! normalised (pasted messages wrap lines), a trailing period is stripped, the CLI/SDK prefix
//! (`An error occurred (CODE) when calling the OP operation: `) is peeled off, then the message
//! body is matched against the shapes of X1, X2 and X4.

use serde::Serialize;

/// The shapes of error text this parser understands, listed when a text is not understood.
pub const SHAPES: &[&str] = &[
    "User: ARN is not authorized to perform: SERVICE:Action [on resource: ARN] [because no POLICY-TYPE allows the SERVICE:Action action | with an explicit deny in a POLICY-TYPE[: POLICY-ARN]] (X1, X2; ARN may be an assumed-role session)",
    "the same behind a CLI/SDK prefix: `An error occurred (AccessDenied|AccessDeniedException|UnauthorizedOperation|AuthorizationError) when calling the OP operation: ...` or `AccessDeniedException: ...` (X4)",
    "S3's bare `Access Denied` (cross-account, X4, S3): give --principal and --resource (the action comes from the operation name, or --action)",
    "EC2's `You are not authorized to perform this operation. Encoded authorization failure message: ...` (X4): give --principal and --resource (and --action without a CLI prefix); iamdl does not decode the message",
    "Lambda's `The provided execution role does not have permissions to call CreateNetworkInterface on EC2` (S9): give --principal (the execution role)",
    "Transcribe's `The S3 URI that you provided can't be accessed` (S7): give --principal (the DataAccessRoleArn role) and --resource (the media object ARN)",
];

/// The policy types AWS names in messages (X1), longest first, with iamdl's layer key.
const TYPES: &[(&str, &str)] = &[
    ("identity-based policy", "identity"),
    ("resource-based policy", "resource"),
    ("permissions boundary", "boundary"),
    ("sessions policy", "session"),
    ("session policy", "session"),
    ("service control policy", "scp"),
    ("resource control policy", "rcp"),
    ("VPC endpoint policy", "vpce"),
    ("role trust policy", "trust"),
];

/// Which kind of message was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// `User: … is not authorized to perform: …` (X1).
    NotAuthorized,
    /// S3's bare `Access Denied`.
    BareAccessDenied,
    /// EC2's encoded authorization failure.
    Ec2Encoded,
    /// Lambda's VPC network-interface validation error (S9).
    LambdaVpcEni,
    /// Transcribe cannot read the media with the data-access role (S7).
    TranscribeS3Uri,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedError {
    /// The recognised shape.
    pub shape: Shape,
    /// The error code of a CLI/SDK prefix (`AccessDenied`, `AccessDeniedException`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The API operation of a CLI prefix (`PutObject`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The caller as printed (a session ARN stays a session ARN here).
    #[serde(skip)]
    pub principal: Option<String>,
    /// The action, service prefix lower-cased (`SNS:Publish` → `sns:Publish`).
    #[serde(skip)]
    pub action: Option<String>,
    /// The resource, quotes removed; `None` when the message omits it.
    #[serde(skip)]
    pub resource: Option<String>,
    /// The layer AWS named: `identity`, `resource`, `boundary`, `session`, `scp`, `rcp`, `vpce`, `trust`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// `explicit-deny` or `no-allow`, when the message says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The layer of `transitively through …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through: Option<String>,
    /// The policy ARN appended by newer messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Unrecognised trailing text (reported, never dropped).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rest: String,
}

/// Lower-cases the service prefix of an action (`SNS:Publish` → `sns:Publish`).
fn norm_action(a: &str) -> String {
    match a.split_once(':') {
        Some((s, n)) => format!("{}:{n}", s.to_ascii_lowercase()),
        None => a.to_string(),
    }
}

/// Strips a CLI/SDK prefix, returning (code, operation, body).
fn strip_prefix(t: &str) -> (Option<String>, Option<String>, &str) {
    if let Some(rest) = t.strip_prefix("An error occurred (") {
        if let Some((code, after)) = rest.split_once(") when calling the ") {
            if let Some((op, body)) = after.split_once(" operation: ") {
                return (Some(code.to_string()), Some(op.to_string()), body.trim());
            }
            if let Some((op, body)) = after.split_once(" operation:") {
                return (Some(code.to_string()), Some(op.to_string()), body.trim());
            }
        }
    }
    // SDK forms: `AccessDeniedException: User: …`, `botocore.exceptions.ClientError: …` handled above.
    for code in [
        "AccessDeniedException",
        "AccessDenied",
        "UnauthorizedOperation",
        "AuthorizationError",
        "BadRequestException",
        "InvalidParameterValueException",
    ] {
        if let Some(body) = t.strip_prefix(code) {
            if let Some(body) = body.strip_prefix(':') {
                return (Some(code.to_string()), None, body.trim());
            }
        }
    }
    (None, None, t)
}

/// Reads `TYPE` at the start of `s` (case-insensitive for the first letter only as AWS prints
/// them), returning its layer key and the remainder.
fn read_type(s: &str) -> Option<(&'static str, &str)> {
    for (name, key) in TYPES {
        if s.len() >= name.len() && s[..name.len()].eq_ignore_ascii_case(name) {
            return Some((key, &s[name.len()..]));
        }
    }
    None
}

fn strip_article(s: &str) -> &str {
    for a in ["an ", "a ", "the "] {
        if let Some(r) = s.strip_prefix(a) {
            return r;
        }
    }
    s
}

/// Parses a pasted error message. `Err` carries a message naming the shapes understood.
pub fn parse(text: &str) -> Result<ParsedError, String> {
    let norm: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let norm = norm.trim().trim_end_matches('.').to_string();
    if norm.is_empty() {
        return Err(not_understood("the text is empty"));
    }
    let (code, operation, body) = strip_prefix(&norm);
    let blank = |shape| ParsedError {
        shape,
        code: code.clone(),
        operation: operation.clone(),
        principal: None,
        action: None,
        resource: None,
        layer: None,
        kind: None,
        through: None,
        policy: None,
        rest: String::new(),
    };
    if let Some(pos) = body.find("User: ") {
        let after = &body[pos + "User: ".len()..];
        if let Some((principal, rest)) = after.split_once(" is not authorized to perform: ") {
            let mut p = blank(Shape::NotAuthorized);
            p.principal = Some(principal.trim().to_string());
            let (action, mut rest) = match rest.split_once(' ') {
                Some((a, r)) => (a, r),
                None => (rest, ""),
            };
            let action = action.trim_end_matches(['.', ',']);
            if !action.contains(':') {
                return Err(not_understood(&format!(
                    "`{action}` after `is not authorized to perform:` is not SERVICE:Action"
                )));
            }
            p.action = Some(norm_action(action));
            if let Some(r) = rest.strip_prefix("on resource: ") {
                let r = r.trim_start();
                let (res, tail) = if let Some(q) = r.strip_prefix('"') {
                    match q.split_once('"') {
                        Some((a, b)) => (a, b.trim_start()),
                        None => (q, ""),
                    }
                } else {
                    match r.split_once(' ') {
                        Some((a, b)) => (a, b),
                        None => (r, ""),
                    }
                };
                p.resource = Some(res.to_string());
                rest = tail;
            }
            if let Some(r) = rest.strip_prefix("because no ") {
                match read_type(r) {
                    Some((layer, tail)) => {
                        p.layer = Some(layer.into());
                        p.kind = Some("no-allow".into());
                        let tail = tail.trim_start();
                        // `allows the ACTION action`
                        let tail = tail
                            .strip_prefix("allows the ")
                            .and_then(|t| t.split_once(" action").map(|(_, b)| b))
                            .unwrap_or(tail);
                        p.rest = tail.trim().to_string();
                    }
                    None => p.rest = rest.to_string(),
                }
            } else if let Some(r) = rest.strip_prefix("with an explicit deny in ") {
                match read_type(strip_article(r)) {
                    Some((layer, tail)) => {
                        p.layer = Some(layer.into());
                        p.kind = Some("explicit-deny".into());
                        let mut tail = tail.trim_start();
                        if let Some(t) = tail.strip_prefix("transitively through ") {
                            if let Some((l2, t2)) = read_type(strip_article(t)) {
                                p.through = Some(l2.into());
                                tail = t2.trim_start();
                            }
                        }
                        if let Some(t) = tail.strip_prefix(':') {
                            let t = t.trim_start();
                            let (arn, t2) = t.split_once(' ').unwrap_or((t, ""));
                            if arn.starts_with("arn:") {
                                p.policy = Some(arn.trim_end_matches(['.', ',']).to_string());
                                tail = t2;
                            }
                        }
                        p.rest = tail.trim().to_string();
                    }
                    None => p.rest = rest.to_string(),
                }
            } else {
                p.rest = rest.trim().to_string();
            }
            return Ok(p);
        }
    }
    let lower = body.to_ascii_lowercase();
    if lower == "access denied" || lower.starts_with("access denied") {
        let mut p = blank(Shape::BareAccessDenied);
        if let Some(op) = &operation {
            p.action = Some(format!("s3:{op}"));
        }
        p.rest = body["access denied".len()..].trim().to_string();
        return Ok(p);
    }
    if lower.starts_with("you are not authorized to perform this operation") {
        let mut p = blank(Shape::Ec2Encoded);
        p.action = operation.as_ref().map(|op| format!("ec2:{op}"));
        return Ok(p);
    }
    if lower.contains("execution role does not have permissions to call createnetworkinterface") {
        let mut p = blank(Shape::LambdaVpcEni);
        p.action = Some("ec2:CreateNetworkInterface".into());
        p.resource = Some("*".into());
        return Ok(p);
    }
    if lower.contains("s3 uri that you provided can't be accessed")
        || lower.contains("s3 uri that you provided can\u{2019}t be accessed")
    {
        let mut p = blank(Shape::TranscribeS3Uri);
        p.action = Some("s3:GetObject".into());
        return Ok(p);
    }
    Err(not_understood("no known AccessDenied shape matched"))
}

fn not_understood(why: &str) -> String {
    let mut s = format!("cannot read the error text: {why}. Shapes understood:");
    for sh in SHAPES {
        s.push_str("\n  - ");
        s.push_str(sh);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every X2 example parses, with the layer and kind the message names.
    #[test]
    fn x2_examples() {
        let cases = [
            ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action", "codecommit:ListRepositories", None, "identity", "no-allow"),
            ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:* with an explicit deny in an identity-based policy", "codedeploy:ListDeployments", Some("arn:aws:codedeploy:us-east-1:111111111111:deploymentgroup:*"), "identity", "explicit-deny"),
            ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: secretsmanager:GetSecretValue because no resource-based policy allows the secretsmanager:GetSecretValue action", "secretsmanager:GetSecretValue", None, "resource", "no-allow"),
            ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sagemaker:ListModels with an explicit deny in a permissions boundary", "sagemaker:ListModels", None, "boundary", "explicit-deny"),
            ("User: arn:aws:sts::111111111111:assumed-role/App/s1 is not authorized to perform: codecommit:ListRepositories because no sessions policy allows the codecommit:ListRepositories action", "codecommit:ListRepositories", None, "session", "no-allow"),
            ("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole with an explicit deny in the role trust policy", "sts:AssumeRole", None, "trust", "explicit-deny"),
            ("User: arn:aws:sts::111111111111:assumed-role/App/s1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::b1/key\" with an explicit deny in a resource control policy", "s3:PutObject", Some("arn:aws:s3:::b1/key"), "rcp", "explicit-deny"),
            ("User: arn:aws:sts::111111111111:assumed-role/App/s1 is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:111111111111:parameter/x because no service control policy allows the ssm:GetParameter action", "ssm:GetParameter", Some("arn:aws:ssm:us-east-1:111111111111:parameter/x"), "scp", "no-allow"),
        ];
        for (text, action, res, layer, kind) in cases {
            let p = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(p.shape, Shape::NotAuthorized);
            assert_eq!(p.action.as_deref(), Some(action), "{text}");
            assert_eq!(p.resource.as_deref(), res, "{text}");
            assert_eq!(p.layer.as_deref(), Some(layer), "{text}");
            assert_eq!(p.kind.as_deref(), Some(kind), "{text}");
            assert_eq!(p.rest, "", "{text}");
        }
    }

    #[test]
    fn policy_arn_transitive_prefix_and_wrapping() {
        let p = parse("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: iam:CreateInstanceProfile on resource: arn:aws:iam::111111111111:instance-profile/p with an explicit deny in an identity-based policy: arn:aws:iam::111111111111:policy/DenyIam").unwrap();
        assert_eq!(
            p.policy.as_deref(),
            Some("arn:aws:iam::111111111111:policy/DenyIam")
        );
        let p = parse("User: arn:aws:sts::111111111111:assumed-role/App/s1 is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:222222222222:topic1 with an explicit deny in a VPC endpoint policy transitively through a service control policy").unwrap();
        assert_eq!(p.action.as_deref(), Some("sns:Publish"));
        assert_eq!(p.layer.as_deref(), Some("vpce"));
        assert_eq!(p.through.as_deref(), Some("scp"));
        let p = parse("An error occurred (AccessDeniedException) when calling the StartCallAnalyticsJob operation:\n  User: arn:aws:sts::111111111111:assumed-role/lambda-exec/fn\n is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/x because no identity-based policy allows the iam:PassRole action.").unwrap();
        assert_eq!(p.code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(p.operation.as_deref(), Some("StartCallAnalyticsJob"));
        assert_eq!(
            p.principal.as_deref(),
            Some("arn:aws:sts::111111111111:assumed-role/lambda-exec/fn")
        );
        assert_eq!(
            p.resource.as_deref(),
            Some("arn:aws:iam::111111111111:role/x")
        );
        assert_eq!(p.rest, "");
    }

    #[test]
    fn older_shapes_and_unknown_text() {
        let p = parse("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::b1").unwrap();
        assert_eq!(p.layer, None);
        assert_eq!(p.resource.as_deref(), Some("arn:aws:s3:::b1"));
        let p = parse(
            "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied",
        )
        .unwrap();
        assert_eq!(p.shape, Shape::BareAccessDenied);
        assert_eq!(p.action.as_deref(), Some("s3:GetObject"));
        let p = parse("An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: AbC").unwrap();
        assert_eq!(p.shape, Shape::Ec2Encoded);
        assert_eq!(p.action.as_deref(), Some("ec2:RunInstances"));
        let p = parse("The provided execution role does not have permissions to call CreateNetworkInterface on EC2").unwrap();
        assert_eq!(p.shape, Shape::LambdaVpcEni);
        let p = parse("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: s3:GetObject because no VPC lattice policy allows it").unwrap();
        assert_eq!(p.layer, None);
        assert!(p.rest.contains("VPC lattice"), "{}", p.rest);
        let e = parse("Something else went wrong").unwrap_err();
        assert!(e.contains("Shapes understood"), "{e}");
        assert!(e.contains("is not authorized to perform"), "{e}");
    }
}
