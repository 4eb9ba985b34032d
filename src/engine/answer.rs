//! Answers with their proofs: the decision, the statements that allowed it, the layers that
//! denied it (in AWS's words, X1/X7), and the residual conditions of a conditional answer.

use serde::Serialize;

/// The three-valued decision (section 0.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Every required layer allows and no deny applies.
    Allow,
    /// Depends on conditions iamdl cannot decide.
    Conditional,
    /// An explicit or implicit deny.
    Deny,
}

impl Decision {
    /// The decision the rule outputs for one request imply: surely allowed → allow,
    /// possibly allowed → conditional, otherwise deny.
    pub fn from_conclusion(c: &crate::rules::decide::Conclusion) -> Decision {
        if c.allow_firm {
            Decision::Allow
        } else if c.allow_maybe {
            Decision::Conditional
        } else {
            Decision::Deny
        }
    }

    /// `allow`, `conditional` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Conditional => "conditional",
            Decision::Deny => "deny",
        }
    }
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The layer, in AWS's words (`identity-based policy`, `resource-based policy`, …).
    pub layer: String,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Policy ARN, or a description such as `inline policy P of arn:…` / `bucket policy of B`.
    pub policy: String,
    /// The file it was read from.
    pub file: String,
    /// Sid, or `#index`.
    pub statement: String,
    /// True when the statement matched only under residual conditions.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
    /// The residual conditions of this statement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// Why a request is (or may be) denied, one entry per failing layer (X7 order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blame {
    /// `identity`, `resource`, `trust`, `scp`, `rcp`, `boundary`, `session`, `bpa`, `owner-only`.
    pub layer: String,
    /// `explicit-deny` or `no-allow`.
    pub kind: String,
    /// AWS's wording, e.g. `no identity-based policy allows the s3:GetObject action`.
    pub message: String,
    /// The denying statements, for explicit denies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Reason>,
}

/// The answer to "can P do A on R?".
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The principal (ARN or service principal).
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The decision.
    pub decision: Decision,
    /// Residual conditions: `allow if …` / `deny if …` with their statements.
    pub conditions: Vec<String>,
    /// Statements that allowed (for allow and conditional answers) or matched.
    pub reasons: Vec<Reason>,
    /// Failing layers (for deny and conditional answers).
    pub blame: Vec<Blame>,
    /// Remarks: unverified rules applied (`[U]`), skipped documents, special cases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The proof as a tree: what allowed (statements by layer, no matching deny), what denied
    /// (blame per layer with its statements), or which residual conditions decide.
    pub proof: ProofNode,
}

/// A node of a proof tree: a claim, the statement that supports it (when it is one), and the
/// claims it rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProofNode {
    /// What this node asserts, in words.
    pub claim: String,
    /// The layer, in AWS's words, when the node is about one layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The policy (ARN or description) of a statement node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The file and JSON path of that policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The Sid or `#index` of a statement node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Sub-proofs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ProofNode>,
}

impl ProofNode {
    /// A node with only a claim.
    pub fn leaf(claim: impl Into<String>) -> ProofNode {
        ProofNode {
            claim: claim.into(),
            ..ProofNode::default()
        }
    }

    /// A statement node for a reason.
    pub fn of_reason(r: &Reason) -> ProofNode {
        let mut claim = format!("{} statement {} of {}", r.effect, r.statement, r.policy);
        if r.conditional {
            claim.push_str(&format!(" (only if {})", r.conditions.join(" and ")));
        }
        ProofNode {
            claim,
            layer: Some(r.layer.clone()),
            policy: Some(r.policy.clone()),
            file: Some(r.file.clone()),
            statement: Some(r.statement.clone()),
            children: vec![],
        }
    }
}

impl Answer {
    /// Builds the proof tree of this answer from its reasons, blame and residual conditions:
    /// allow → the allowing statements grouped by layer and the absence of a matching deny;
    /// deny → every failing layer (X7 order) with its statements; conditional → each residual
    /// condition with the statement it came from.
    pub fn build_proof(&self) -> ProofNode {
        let mut root = ProofNode::leaf(format!(
            "{} {} {} on {}",
            self.decision.as_str().to_uppercase(),
            self.principal,
            self.action,
            self.resource
        ));
        let allows: Vec<&Reason> = self
            .reasons
            .iter()
            .filter(|r| r.effect == "Allow")
            .collect();
        let denies: Vec<&Reason> = self.reasons.iter().filter(|r| r.effect == "Deny").collect();
        if !allows.is_empty() {
            let mut layers: Vec<String> = allows.iter().map(|r| r.layer.clone()).collect();
            layers.dedup();
            layers.sort();
            layers.dedup();
            let mut node = ProofNode::leaf(if self.decision == Decision::Allow {
                "allowed by"
            } else {
                "matching Allow statements (not enough on their own)"
            });
            for l in layers {
                let article = if l.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                let mut ln = ProofNode::leaf(format!("{article} {l} allows it"));
                ln.layer = Some(l.clone());
                ln.children = allows
                    .iter()
                    .filter(|r| r.layer == l)
                    .map(|r| ProofNode::of_reason(r))
                    .collect();
                node.children.push(ln);
            }
            root.children.push(node);
        }
        if denies.is_empty() {
            root.children
                .push(ProofNode::leaf("no Deny statement matches the request"));
        }
        for b in &self.blame {
            let mut bn = ProofNode::leaf(format!("denied [{}] {}", b.layer, b.message));
            bn.layer = Some(b.layer.clone());
            bn.children = b.policies.iter().map(ProofNode::of_reason).collect();
            root.children.push(bn);
        }
        if !self.conditions.is_empty() {
            let mut cn = ProofNode::leaf("depends on request context");
            cn.children = self.conditions.iter().map(ProofNode::leaf).collect();
            root.children.push(cn);
        }
        for n in &self.notes {
            root.children.push(ProofNode::leaf(format!("note: {n}")));
        }
        root
    }
}

/// One principal in a `who-can` / `reach` answer.
#[derive(Debug, Clone, Serialize)]
pub struct PrincipalEntry {
    /// The principal.
    pub principal: String,
    /// `user`, `role`, `root`, `service`, `anonymous`.
    pub kind: String,
    /// The decision for this principal (through `via` when non-empty).
    pub decision: Decision,
    /// Residual conditions.
    pub conditions: Vec<String>,
    /// The role chain from this principal to the role that acts, in order (empty when direct).
    pub via: Vec<String>,
    /// For `reach`: the actions (or access levels) allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// For `reach`: access levels (Read, Write, List, Tagging, Permissions management).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<String>,
}

/// The answer to "who can do A on R?" or "who can reach R?".
#[derive(Debug, Clone, Serialize)]
pub struct WhoCanAnswer {
    /// The action (`*` for reach).
    pub action: String,
    /// The resource.
    pub resource: String,
    /// Principals that are allowed or conditionally allowed, sorted.
    pub principals: Vec<PrincipalEntry>,
    /// Remarks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The answer to "can P pass role R to service S?" (P9).
#[derive(Debug, Clone, Serialize)]
pub struct PassAnswer {
    /// The principal.
    pub principal: String,
    /// The role.
    pub role: String,
    /// The service principal.
    pub service: String,
    /// The combined decision: both parts must allow.
    pub decision: Decision,
    /// Residual conditions of both parts.
    pub conditions: Vec<String>,
    /// Statements that allowed.
    pub reasons: Vec<Reason>,
    /// Failing layers of both parts.
    pub blame: Vec<Blame>,
    /// `iam:PassRole` by the principal on the role, with `iam:PassedToService` = service.
    pub pass: Answer,
    /// `sts:AssumeRole` by the service on the role (its trust policy must name the service).
    pub trust: Answer,
}

/// The AWS name of a layer code, as used in AccessDenied messages.
pub fn layer_name(l: u8) -> &'static str {
    use crate::rules::decide::layer::*;
    match l {
        SCP => "service control policy",
        RCP => "resource control policy",
        RES => "resource-based policy",
        ID => "identity-based policy",
        BND => "permissions boundary",
        SESS => "session policy",
        _ => "S3 Block Public Access",
    }
}

/// The short layer key used in JSON blame (`scp`, `rcp`, `resource`, …).
pub fn layer_key(l: u8) -> &'static str {
    use crate::rules::decide::layer::*;
    match l {
        SCP => "scp",
        RCP => "rcp",
        RES => "resource",
        ID => "identity",
        BND => "boundary",
        SESS => "session",
        _ => "bpa",
    }
}
