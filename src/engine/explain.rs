//! Proofs: turning the facts and conclusion of a request into an [`Answer`] with the allowing
//! statements, the blamed layers in AWS's words (X1, X6, X7) and the residual conditions.

use super::answer::*;
use super::matching::{ResourceInfo, StmtHit};
use super::request::{Caller, Request};
use super::Engine;
use crate::rules::decide::{effect, flag, layer, strength, Conclusion, RequestFacts};

impl Engine {
    /// Renders one statement hit as a reason.
    pub fn reason(&self, h: &StmtHit) -> Reason {
        let p = self.env.policy(h.policy);
        let st = &p.statements[h.stmt as usize];
        let lay = if h.layer == layer::RES
            && matches!(
                p.kind,
                crate::iam::PolicyKind::Resource(crate::iam::ResourceKind::IamRole)
            ) {
            "role trust policy".to_string()
        } else {
            layer_name(h.layer).to_string()
        };
        Reason {
            layer: lay,
            effect: if h.effect == effect::DENY {
                "Deny".into()
            } else {
                "Allow".into()
            },
            policy: p.arn.clone().unwrap_or_else(|| p.name.clone()),
            file: format!("{} {}", p.file, p.json_path),
            statement: st.label(),
            conditional: !h.firm,
            conditions: h.residual.clone(),
        }
    }

    /// One residual condition of a conditional answer: `allowed if …` / `denied if …` with
    /// the statement it came from.
    pub fn residual_line(&self, h: &StmtHit) -> String {
        let r = self.reason(h);
        let verb = if h.effect == effect::DENY {
            "denied if"
        } else {
            "allowed if"
        };
        format!(
            "{verb} {} ({} {} statement {})",
            h.residual.join(" and "),
            r.layer,
            r.policy,
            r.statement
        )
    }

    /// Builds the answer for a decided request.
    pub(crate) fn explain(
        &self,
        req: &Request,
        facts: &RequestFacts,
        hits: &[StmtHit],
        info: &ResourceInfo,
        c: &Conclusion,
    ) -> Answer {
        let decision = Decision::from_conclusion(c);
        let mut notes = Vec::new();
        // Reasons: allowing statements of the layers that grant, and every deny that matched.
        let mut reasons: Vec<Reason> = hits
            .iter()
            .filter(|h| h.effect == effect::DENY || matches!(h.layer, l if l == layer::ID || l == layer::RES || l == layer::BND || l == layer::SESS))
            .map(|h| self.reason(h))
            .collect();
        reasons.dedup();
        let mut conditions = Vec::new();
        for h in hits.iter().filter(|h| !h.firm) {
            conditions.push(self.residual_line(h));
        }
        if facts.has(flag::GRANTS_UNKNOWN) && decision != Decision::Allow {
            conditions.push(format!(
                "allowed if a KMS grant allows {} {} on the key (list-grants was not loaded, E8)",
                self.caller_name(&req.caller),
                req.action
            ));
        }
        if facts.has(flag::RES_UNKNOWN) {
            conditions.push(format!(
                "allowed if the resource-based policy of {} (not in the environment) allows it",
                req.target.text()
            ));
        }
        if facts.has(flag::GRANT) {
            notes.push("a KMS grant (kms/list-grants) names the caller for this operation: grants allow without an identity policy (E8)".into());
        }
        if facts.has(flag::PARTIAL) {
            notes.push(format!("{} document(s) were skipped (--allow-partial): this answer may depend on them (E12)", self.env.skipped.len()));
        }
        if facts.has(flag::ALWAYS) {
            notes.push("sts:GetCallerIdentity needs no permission and succeeds even under an explicit deny (S8)".into());
        }
        if facts.has(flag::ROOT_USER) && facts.has(flag::SAME_ACCOUNT) {
            notes.push("the root user has full access to its own account's resources, subject to denies, SCPs, RCPs, trust and key policies (E1)".into());
        }
        let public_direct = hits.iter().any(|h| {
            h.layer == layer::RES
                && h.firm
                && h.strength == strength::PUBLIC
                && h.effect == effect::ALLOW
        });
        if public_direct && facts.has(flag::SAME_ACCOUNT) && facts.has(flag::HAS_BOUNDARY) {
            notes.push("a public grant in the same account is treated as not limited by the permissions boundary [U] (M12)".into());
        }
        if facts.has(flag::HAS_BOUNDARY)
            && hits.iter().any(|h| {
                h.layer == layer::RES
                    && h.effect == effect::ALLOW
                    && (h.strength == strength::USER || h.strength == strength::SESSION)
            })
        {
            notes.push("a grant naming the user or session directly is not limited by an implicit deny in the permissions boundary [U] (E7, M12)".into());
        }
        let blame = if decision == Decision::Allow {
            Vec::new()
        } else {
            self.blame(req, facts, hits, info, c)
        };
        let mut a = Answer {
            principal: self.caller_name(&req.caller),
            action: req.action.clone(),
            resource: req.target.text().to_string(),
            decision,
            conditions,
            reasons,
            blame,
            notes,
            proof: ProofNode::default(),
        };
        a.proof = a.build_proof();
        self.add_guardrail_proof(&mut a.proof, req, info, hits);
        a
    }

    /// Adds to a proof the SCP / RCP statements that allowed at each level (E3 steps 2–3):
    /// the answer's reasons leave guardrail allows out, a proof names them.
    fn add_guardrail_proof(
        &self,
        proof: &mut ProofNode,
        req: &Request,
        info: &ResourceInfo,
        hits: &[StmtHit],
    ) {
        let caller_account = match &req.caller {
            Caller::Entity { pid, .. } => Some(self.principal(*pid).account.clone()),
            _ => None,
        };
        for (l, what, account) in [
            (
                layer::SCP,
                "service control policies that allow it, by level (E3)",
                caller_account,
            ),
            (
                layer::RCP,
                "resource control policies that allow it, by level (E3)",
                info.account.clone(),
            ),
        ] {
            let path = match (&self.env.org, &account) {
                (Some(org), Some(a)) => org.path_of(a),
                _ => Vec::new(),
            };
            let mut levels: Vec<u8> = hits
                .iter()
                .filter(|h| h.layer == l && h.effect == effect::ALLOW)
                .map(|h| h.level)
                .collect();
            levels.sort_unstable();
            levels.dedup();
            if levels.is_empty() {
                continue;
            }
            let mut node = ProofNode::leaf(what);
            node.layer = Some(layer_name(l).to_string());
            for lv in levels {
                let name = path
                    .get(lv as usize)
                    .cloned()
                    .unwrap_or_else(|| format!("level {lv}"));
                let mut ln = ProofNode::leaf(format!("at {name}"));
                ln.children = hits
                    .iter()
                    .filter(|h| h.layer == l && h.effect == effect::ALLOW && h.level == lv)
                    .map(|h| ProofNode::of_reason(&self.reason(h)))
                    .collect();
                node.children.push(ln);
            }
            // Before the "no Deny" / blame nodes, after the allowing layers.
            let at = proof
                .children
                .iter()
                .position(|c| {
                    !c.claim.starts_with("allowed by") && !c.claim.starts_with("matching Allow")
                })
                .unwrap_or(proof.children.len());
            proof.children.insert(at, node);
        }
    }

    /// X7: every failing layer, explicit before implicit, each in evaluation order.
    fn blame(
        &self,
        req: &Request,
        facts: &RequestFacts,
        hits: &[StmtHit],
        info: &ResourceInfo,
        c: &Conclusion,
    ) -> Vec<Blame> {
        let action = &req.action;
        let mut out = Vec::new();
        let order = [
            layer::RCP,
            layer::SCP,
            layer::RES,
            layer::ID,
            layer::BND,
            layer::SESS,
        ];
        let is_trust = info
            .resource
            .is_some_and(|i| self.env.resources[i].kind == crate::iam::ResourceKind::IamRole)
            && action.to_ascii_lowercase().starts_with("sts:assumerole");
        let res_key = if is_trust { "trust" } else { "resource" };
        let res_name = if is_trust {
            "role trust policy"
        } else {
            "resource-based policy"
        };
        for l in order {
            let denies: Vec<Reason> = hits
                .iter()
                .filter(|h| h.layer == l && h.effect == effect::DENY)
                .map(|h| self.reason(h))
                .collect();
            if denies.is_empty() {
                continue;
            }
            let firm = c.deny_firm.contains(&l);
            let name = if l == layer::RES {
                res_name
            } else {
                layer_name(l)
            };
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            out.push(Blame {
                layer: if l == layer::RES {
                    res_key.to_string()
                } else {
                    layer_key(l).to_string()
                },
                kind: if firm {
                    "explicit-deny".into()
                } else {
                    "explicit-deny-if".into()
                },
                message: format!(
                    "{}with an explicit deny in {article} {name}",
                    if firm { "" } else { "possibly " }
                ),
                policies: denies,
            });
        }
        let maybe = |l: u8| {
            hits.iter()
                .any(|h| h.layer == l && h.effect == effect::ALLOW)
        };
        let no_allow = |k: &str, l: &str| Blame {
            layer: k.into(),
            kind: "no-allow".into(),
            message: format!("because no {l} allows the {action} action"),
            policies: vec![],
        };
        if facts.has(flag::OWNER_ONLY) {
            out.push(Blame { layer: "owner-only".into(), kind: "no-allow".into(), message: format!("only identities of the bucket owner's account can call {action}: S3 answers 405 MethodNotAllowed to other accounts, whatever the policies say (S1)"), policies: vec![] });
        }
        if c.rcp_gap {
            out.push(no_allow("rcp", "resource control policy"));
        }
        if c.scp_gap {
            let levels = self.scp_missing_levels(req, facts, hits);
            let mut b = no_allow("scp", "service control policy");
            if !levels.is_empty() {
                b.message = format!("{} (no allowing SCP at {})", b.message, levels.join(", "));
            }
            out.push(b);
        }
        let non_iam = facts.has(flag::NON_IAM_CALLER);
        let same = facts.has(flag::SAME_ACCOUNT);
        let required =
            facts.has(flag::RBP_REQUIRED) || non_iam || (!same && facts.has(flag::AWS_PRINCIPAL));
        let bpa = hits.iter().any(|h| h.layer == layer::BPA);
        if required
            && !maybe(layer::RES)
            && !facts.has(flag::RES_UNKNOWN)
            && !facts.has(flag::OWNER_ONLY)
        {
            if bpa {
                out.push(Blame { layer: "bpa".into(), kind: "no-allow".into(), message: "S3 Block Public Access (RestrictPublicBuckets) makes S3 ignore the public grant (S2)".into(), policies: hits.iter().filter(|h| h.layer == layer::BPA).map(|h| self.reason(h)).collect() });
            } else if is_trust {
                let caller = self.caller_name(&req.caller);
                out.push(Blame { layer: "trust".into(), kind: "no-allow".into(), message: format!("because no role trust policy allows the {action} action (the trust policy of {} does not name {caller})", req.target.text()), policies: vec![] });
            } else {
                out.push(no_allow("resource", "resource-based policy"));
            }
        }
        if facts.has(flag::AWS_PRINCIPAL) && !c.stack_maybe {
            let direct = hits.iter().any(|h| {
                h.layer == layer::RES && h.effect == effect::ALLOW && h.strength <= strength::ENTITY
            });
            let id_needed = !(same && direct);
            if id_needed && !maybe(layer::ID) && !facts.has(flag::ROOT_USER) {
                let mut b = no_allow("identity", "identity-based policy");
                if let Caller::Entity { pid, .. } = &req.caller {
                    b.message = format!(
                        "{} ({} has no identity-based policy statement that matches)",
                        b.message,
                        self.principal(*pid).arn
                    );
                }
                out.push(b);
            }
            if facts.has(flag::HAS_BOUNDARY) && !maybe(layer::BND) {
                out.push(no_allow("boundary", "permissions boundary"));
            }
            if facts.has(flag::SESSION_POLICY) && !maybe(layer::SESS) {
                out.push(no_allow("session", "session policy"));
            }
        }
        if out.is_empty() && !c.allow_firm {
            // A conditional answer with nothing firmly failing: the residuals decide.
            if !c.allow_maybe {
                out.push(no_allow(
                    if required { res_key } else { "identity" },
                    if required {
                        res_name
                    } else {
                        "identity-based policy"
                    },
                ));
            }
        }
        out
    }

    fn scp_missing_levels(
        &self,
        req: &Request,
        _facts: &RequestFacts,
        hits: &[StmtHit],
    ) -> Vec<String> {
        let Caller::Entity { pid, .. } = &req.caller else {
            return vec![];
        };
        let acct = &self.principal(*pid).account;
        let Some(org) = &self.env.org else {
            return vec![];
        };
        let path = org.path_of(acct);
        path.iter()
            .enumerate()
            .filter(|(lvl, _)| {
                !hits.iter().any(|h| {
                    h.layer == layer::SCP && h.effect == effect::ALLOW && h.level as usize == *lvl
                })
            })
            .map(|(_, t)| match org.nodes.get(t) {
                Some(n) if !n.name.is_empty() => format!("{} ({})", n.name, t),
                _ => t.clone(),
            })
            .collect()
    }
}
