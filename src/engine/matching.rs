//! Matching statements against a request (M1–M12, C1–C14) and collecting the facts the
//! decision program reads: which statements of which layer hit, with which effect, strength
//! and certainty, plus the request's flags (E2: which layers apply).

use super::conditions::{eval_condition, substitute, ContextLookup, Substituted, Tri};
use super::context::RequestContext;
use super::request::{Caller, PrincipalKind, Request, Target};
use super::Engine;
use crate::iam::pattern::{
    action_matches, glob_matches, resource_covers, resource_matches, resource_overlaps,
};
use crate::iam::*;
use crate::rules::decide::{effect, flag, layer, strength, RequestFacts};

/// One statement that matched a request, with everything a proof needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StmtHit {
    /// The policy.
    pub policy: PolicyId,
    /// Statement index in the policy.
    pub stmt: u32,
    /// Layer code ([`layer`]).
    pub layer: u8,
    /// Guardrail level (SCP/RCP: 0 = root … account), else 0.
    pub level: u8,
    /// Effect code ([`effect`]).
    pub effect: u8,
    /// Strength code ([`strength`]) of a resource-policy grant.
    pub strength: u8,
    /// True when the match is certain; false when it depends on residual conditions.
    pub firm: bool,
    /// The residual conditions, rendered (empty when firm).
    pub residual: Vec<String>,
}

/// What is known about the request's resource.
#[derive(Debug, Clone, Default)]
pub struct ResourceInfo {
    /// Index into `env.resources`, when the resource (or its bucket) is in the environment.
    pub resource: Option<usize>,
    /// Owning account, when known.
    pub account: Option<String>,
    /// The resource's service (`s3`, `iam`, …), from the ARN or the action.
    pub service: String,
}

/// Services whose resources can carry resource-based policies (E6). Requests from another
/// account to such a resource that is not in the environment are conditional, not denied.
const RBP_SERVICES: &[&str] = &[
    "s3",
    "lambda",
    "kms",
    "sqs",
    "sns",
    "secretsmanager",
    "iam",
    "sts",
    "ecr",
    "glacier",
    "es",
    "backup",
    "events",
    "logs",
    "execute-api",
    "codeartifact",
    "dynamodb",
    "kinesis",
    "elasticfilesystem",
    "glue",
    "lex",
    "s3-object-lambda",
    "ssm-incidents",
    "serverlessrepo",
    "ses",
    "mediastore",
    "aoss",
    "airflow",
    "apigateway",
    "codebuild",
    "redshift-serverless",
];

/// Actions that only the resource owner's account may call (S1): 405 MethodNotAllowed otherwise.
const OWNER_ONLY: &[&str] = &[
    "s3:getbucketpolicy",
    "s3:putbucketpolicy",
    "s3:deletebucketpolicy",
];

/// The outcome of matching one statement: certainty and, for resource policies, strength.
struct StmtMatch {
    tri: Tri,
    strength: u8,
    residual: Vec<String>,
    /// A stronger, uncertain principal match of the same statement (C14).
    alt_strength: Option<u8>,
}

/// Which statements of the caller's policies a matching pass looks at: all of them, or only
/// those whose match is the same for every caller holding the policy (shared by callers with
/// the same policies), or only the others ([`depends_on_caller`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Every statement.
    All,
    /// Statements that match alike for every holder of the policy.
    Independent,
    /// Statements that may match differently for different callers.
    Dependent,
}

impl Engine {
    /// Finds the resource of a target and its owning account (M3: S3 owners come from inventory).
    pub fn resource_info(&self, req: &Request) -> ResourceInfo {
        let text = req.target.text();
        if text == "*" {
            let account = match &req.caller {
                Caller::Entity { pid, .. } => Some(self.principal(*pid).account.clone()),
                _ => None,
            };
            let service = req
                .action
                .split(':')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            return ResourceInfo {
                resource: None,
                account,
                service,
            };
        }
        let Some(arn) = Arn::parse(text) else {
            return ResourceInfo {
                resource: None,
                account: None,
                service: String::new(),
            };
        };
        let mut info = ResourceInfo {
            resource: None,
            account: None,
            service: arn.service.clone(),
        };
        let found = match arn.service.as_str() {
            "s3" => {
                let bucket = arn.resource.split('/').next().unwrap_or("");
                if crate::iam::pattern::has_wildcard(bucket) {
                    None
                } else {
                    self.bucket_index(bucket)
                }
            }
            "lambda" => {
                // function:NAME[:QUALIFIER] → the function's policy (S5).
                let base: String = text.splitn(8, ':').take(7).collect::<Vec<_>>().join(":");
                self.resource_index(&base)
            }
            _ => self.resource_index(text),
        };
        if let Some(i) = found {
            info.resource = Some(i);
            info.account = Some(self.env.resources[i].account.clone());
        } else if !arn.account.is_empty() && arn::is_account_id(&arn.account) {
            info.account = Some(arn.account.clone());
        }
        info
    }

    /// Computes the facts of one request and the statements behind them.
    pub fn request_facts(
        &self,
        req: &Request,
        passed_to_service: Option<&str>,
    ) -> (RequestFacts, Vec<StmtHit>, ResourceInfo) {
        let cache = ActionCache::default();
        self.request_facts_with(req, passed_to_service, &cache)
    }

    /// As [`Engine::request_facts`], sharing a cache of action matches with other requests
    /// for the same action (who-can, reach).
    pub fn request_facts_with(
        &self,
        req: &Request,
        passed_to_service: Option<&str>,
        cache: &ActionCache,
    ) -> (RequestFacts, Vec<StmtHit>, ResourceInfo) {
        let info = self.resource_info(req);
        let mut facts = RequestFacts::default();
        let mut hits: Vec<StmtHit> = Vec::new();
        let action_lc = req.action.to_ascii_lowercase();
        let ctx = RequestContext {
            engine: self,
            req,
            resource_account: info.account.as_deref(),
            passed_to_service,
        };
        self.target_flags(req, &info, &action_lc, &mut facts);
        let slr = self.caller_side(
            req,
            &info,
            &action_lc,
            &ctx,
            cache,
            Part::All,
            &mut facts,
            &mut hits,
        );
        self.resource_side(
            req, &info, &action_lc, &ctx, cache, slr, &mut facts, &mut hits,
        );
        facts.hits = hit_keys(&hits);
        (facts, hits, info)
    }

    /// Flags that depend on the action and the resource, and KMS grants (E8, S8, E12).
    pub(crate) fn target_flags(
        &self,
        req: &Request,
        info: &ResourceInfo,
        action_lc: &str,
        facts: &mut RequestFacts,
    ) {
        if action_lc == "sts:getcalleridentity" {
            facts.set(flag::ALWAYS); // S8
        }
        if !self.env.skipped.is_empty() {
            facts.set(flag::PARTIAL);
        }
        let resource = info.resource.map(|i| &self.env.resources[i]);
        let is_role_target = resource.is_some_and(|r| r.kind == ResourceKind::IamRole);
        let is_trust = is_role_target && action_lc.starts_with("sts:assumerole");
        if is_trust || resource.is_some_and(|r| r.kind == ResourceKind::KmsKey) {
            facts.set(flag::RBP_REQUIRED);
        }
        if let Some(r) = resource {
            if r.kind == ResourceKind::KmsKey && r.grants == Grants::Unknown {
                facts.set(flag::GRANTS_UNKNOWN);
            }
            if let (Grants::Loaded(grants), Caller::Entity { pid, .. }) = (&r.grants, &req.caller) {
                let me = &self.principal(*pid).arn;
                let op = action_lc.strip_prefix("kms:").unwrap_or("");
                let session = self.caller_name(&req.caller);
                if grants.iter().any(|(who, ops)| {
                    (who == me || *who == session) && ops.iter().any(|o| o.eq_ignore_ascii_case(op))
                }) {
                    facts.set(flag::GRANT);
                }
            }
        }
    }

    /// The caller's side (E2): identity policies, boundary, session policies, the SCPs of its
    /// account, and the flags that follow from who the caller is. Returns whether the caller
    /// is a service-linked role (exempt from SCPs and RCPs, P8).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn caller_side(
        &self,
        req: &Request,
        info: &ResourceInfo,
        action_lc: &str,
        ctx: &RequestContext,
        cache: &ActionCache,
        part: Part,
        facts: &mut RequestFacts,
        hits: &mut Vec<StmtHit>,
    ) -> bool {
        let mut slr = false;
        match &req.caller {
            Caller::Entity { pid, .. } => {
                let p = self.principal(*pid);
                facts.set(flag::AWS_PRINCIPAL);
                let same = info.account.as_deref() == Some(p.account.as_str());
                if same {
                    facts.set(flag::SAME_ACCOUNT);
                } else {
                    if OWNER_ONLY.contains(&action_lc) {
                        facts.set(flag::OWNER_ONLY);
                    }
                    let external_rbp_possible = RBP_SERVICES.contains(&info.service.as_str());
                    if info.resource.is_none() && external_rbp_possible {
                        facts.set(flag::RES_UNKNOWN);
                    }
                }
                if p.kind == PrincipalKind::Root {
                    facts.set(flag::ROOT_USER);
                }
                if let PrincipalKind::Role(r) = p.kind {
                    slr = self.env.roles[r as usize].is_service_linked();
                }
                for &pol in self.identity_policies(*pid) {
                    self.policy_hits(pol, layer::ID, 0, req, action_lc, ctx, cache, part, hits);
                }
                if let Some(b) = self.boundary(*pid) {
                    facts.set(flag::HAS_BOUNDARY);
                    self.policy_hits(b, layer::BND, 0, req, action_lc, ctx, cache, part, hits);
                }
                // E10: a federated-user session has identity-derived permissions only through
                // a session policy; without one, the session layer denies.
                let federated = !matches!(p.kind, PrincipalKind::Role(_))
                    && matches!(
                        &req.caller,
                        Caller::Entity {
                            session: Some(_),
                            ..
                        }
                    );
                if federated {
                    facts.set(flag::SESSION_POLICY);
                }
                if let Some(sp) = &req.session_policies {
                    facts.set(flag::SESSION_POLICY);
                    for &pol in sp {
                        self.policy_hits(
                            pol,
                            layer::SESS,
                            0,
                            req,
                            action_lc,
                            ctx,
                            cache,
                            part,
                            hits,
                        );
                    }
                }
                // SCPs bind member-account principals, not the management account, not SLRs (E2, P8).
                if !slr {
                    if let Some(levels) = self.scp_levels(&p.account) {
                        facts.scp_levels = levels.len() as u8;
                        for (lvl, pols) in levels.iter().enumerate() {
                            for &pol in pols {
                                self.policy_hits(
                                    pol,
                                    layer::SCP,
                                    lvl as u8,
                                    req,
                                    action_lc,
                                    ctx,
                                    cache,
                                    part,
                                    hits,
                                );
                            }
                        }
                    }
                }
            }
            Caller::Service(_) | Caller::Anonymous => facts.set(flag::NON_IAM_CALLER),
        }
        slr
    }

    /// The resource's side (E2): its resource-based policy (with S3 Block Public Access) and
    /// the RCPs of its owner's path.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn resource_side(
        &self,
        req: &Request,
        info: &ResourceInfo,
        action_lc: &str,
        ctx: &RequestContext,
        cache: &ActionCache,
        slr: bool,
        facts: &mut RequestFacts,
        hits: &mut Vec<StmtHit>,
    ) {
        let resource = info.resource.map(|i| &self.env.resources[i]);
        let is_trust = resource.is_some_and(|r| r.kind == ResourceKind::IamRole)
            && action_lc.starts_with("sts:assumerole");
        // The role trust policy is the role's resource policy only for sts:AssumeRole*.
        let rbp = resource.and_then(|r| {
            if r.kind == ResourceKind::IamRole && !is_trust {
                None
            } else {
                r.policy
            }
        });
        if let Some(pol) = rbp {
            self.policy_hits(
                pol,
                layer::RES,
                0,
                req,
                action_lc,
                ctx,
                cache,
                Part::All,
                hits,
            );
            self.apply_block_public_access(req, info, hits);
        }
        let aws_managed_key = resource.is_some_and(|r| r.aws_managed_key);
        // RCPs bind by the action's service (E7: sts:AssumeRole on an `iam` role ARN is an STS call).
        let action_service = action_lc.split(':').next().unwrap_or("");
        if !slr && !aws_managed_key && self.catalog.rcp_supported(action_service) {
            if let Some(acct) = &info.account {
                if let Some(levels) = self.rcp_levels(acct) {
                    for pols in levels {
                        if !pols.is_empty() {
                            facts.rcp_levels += 1;
                        }
                        for &pol in pols {
                            self.policy_hits(
                                pol,
                                layer::RCP,
                                facts.rcp_levels.saturating_sub(1),
                                req,
                                action_lc,
                                ctx,
                                cache,
                                Part::All,
                                hits,
                            );
                        }
                    }
                }
            }
        }
    }

    /// S2: with `RestrictPublicBuckets`, public grants are ignored for callers outside the
    /// bucket owner's account (service principals excepted).
    fn apply_block_public_access(&self, req: &Request, info: &ResourceInfo, hits: &mut [StmtHit]) {
        let Some(r) = info.resource.map(|i| &self.env.resources[i]) else {
            return;
        };
        if r.kind != ResourceKind::S3Bucket {
            return;
        }
        let restrict = r
            .public_access_block
            .is_some_and(|b| b.restrict_public_buckets)
            || self
                .env
                .account(&r.account)
                .and_then(|a| a.public_access_block)
                .is_some_and(|b| b.restrict_public_buckets);
        if !restrict {
            return;
        }
        let outsider = match &req.caller {
            Caller::Entity { pid, .. } => self.principal(*pid).account != r.account,
            Caller::Service(_) => false,
            Caller::Anonymous => true,
        };
        if !outsider {
            return;
        }
        for h in hits.iter_mut() {
            if h.layer == layer::RES && h.effect == effect::ALLOW && h.strength == strength::PUBLIC
            {
                let st = &self.env.policy(h.policy).statements[h.stmt as usize];
                if is_public_statement(st) {
                    h.layer = layer::BPA;
                }
            }
        }
    }

    /// Matches the statements of one policy (those of one [`Part`]) against the request,
    /// appending hits.
    #[allow(clippy::too_many_arguments)]
    fn policy_hits(
        &self,
        pol: PolicyId,
        lay: u8,
        level: u8,
        req: &Request,
        action_lc: &str,
        ctx: &RequestContext,
        cache: &ActionCache,
        part: Part,
        out: &mut Vec<StmtHit>,
    ) {
        let ix = self.action_index(pol);
        if part == Part::Dependent && !ix.has_dependent() {
            return;
        }
        let p = self.env.policy(pol);
        let stmts = cache.statements(self, pol, action_lc);
        for &i in stmts.iter() {
            match part {
                Part::All => {}
                Part::Independent if ix.is_dependent(i) => continue,
                Part::Dependent if !ix.is_dependent(i) => continue,
                _ => {}
            }
            let i = i as usize;
            let st = &p.statements[i];
            let deny = st.effect == Effect::Deny;
            if let Some(m) = self.statement_match(p, st, req, deny, ctx) {
                if let (Some(alt), true) = (m.alt_strength, lay == layer::RES) {
                    let mut residual = m.residual.clone();
                    residual.push("the principal matches (session name unknown)".into());
                    out.push(StmtHit {
                        policy: pol,
                        stmt: i as u32,
                        layer: lay,
                        level,
                        effect: effect::ALLOW,
                        strength: alt,
                        firm: false,
                        residual,
                    });
                }
                out.push(StmtHit {
                    policy: pol,
                    stmt: i as u32,
                    layer: lay,
                    level,
                    effect: if deny { effect::DENY } else { effect::ALLOW },
                    strength: if lay == layer::RES {
                        m.strength
                    } else {
                        strength::NONE
                    },
                    firm: m.tri == Tri::True,
                    residual: m.residual,
                });
            }
        }
    }

    /// Resource, principal and condition match of one statement whose action matched.
    fn statement_match(
        &self,
        p: &Policy,
        st: &Statement,
        req: &Request,
        deny: bool,
        ctx: &RequestContext,
    ) -> Option<StmtMatch> {
        let vars = p.version.substitutes_variables();
        let mut residual = Vec::new();
        let mut tri = Tri::True;
        if self.symbolic_actions && symbolic_action_only(st, &req.action.to_ascii_lowercase()) {
            residual.push(format!(
                "{} {} {} the request's action (a template value unknown before deployment)",
                if st.action.negated {
                    "NotAction"
                } else {
                    "Action"
                },
                st.action.items.join(", "),
                if st.action.negated {
                    "does not list"
                } else {
                    "names"
                },
            ));
            tri = Tri::Unknown;
        }
        if let Some(res) = &st.resource {
            let t = resource_tri(&res.items, res.negated, &req.target, deny, vars, ctx);
            if t == Tri::False {
                return None;
            }
            if t == Tri::Unknown {
                residual.push(format!(
                    "{} matches the request's resource (a policy variable or an unresolved template value is unknown)",
                    res.items.join(", ")
                ));
            }
            tri = tri.and(t);
        }
        let mut strength_code = strength::NONE;
        let mut alt_strength = None;
        if let Some(pr) = &st.principal {
            let (t, s) = if pr.negated || deny {
                self.principal_tri(pr, req, deny)
            } else {
                let (best, alt) = self.principal_matches(pr, req);
                alt_strength = alt;
                best
            };
            if t == Tri::False {
                return None;
            }
            if t == Tri::Unknown {
                let syms: Vec<&str> = pr.items.iter().filter_map(template_symbol).collect();
                if syms.is_empty() {
                    residual.push("the principal matches (session name unknown)".into());
                } else {
                    residual.push(format!(
                        "{} = {} (a template value unknown before deployment) {} the caller",
                        if pr.negated {
                            "NotPrincipal"
                        } else {
                            "Principal"
                        },
                        syms.join(", "),
                        if pr.negated { "does not name" } else { "names" },
                    ));
                }
            }
            tri = tri.and(t);
            strength_code = s;
        }
        for c in &st.conditions {
            let t = eval_condition(
                c,
                ctx,
                vars && c.op.is_some_and(|o| o.substitutes_variables()),
            );
            match t {
                Tri::False => return None,
                Tri::Unknown => residual.push(c.render()),
                Tri::True => {}
            }
            tri = tri.and(t);
        }
        Some(StmtMatch {
            tri,
            strength: strength_code,
            residual,
            alt_strength,
        })
    }

    /// M10–M12: does a `Principal` / `NotPrincipal` element name the caller, and how strongly.
    fn principal_tri(
        &self,
        pr: &Negatable<Vec<PrincipalRef>>,
        req: &Request,
        deny: bool,
    ) -> (Tri, u8) {
        if pr.negated {
            return self.not_principal_tri(pr, req, deny);
        }
        self.principal_matches(pr, req).0
    }

    /// The best match of a `Principal` element and, when an uncertain match (a session of
    /// unknown name) is stronger than the best certain one, that stronger strength too (C14:
    /// both must be kept — the uncertain one may grant more, M12).
    fn principal_matches(
        &self,
        pr: &Negatable<Vec<PrincipalRef>>,
        req: &Request,
    ) -> ((Tri, u8), Option<u8>) {
        let mut best: (Tri, u8) = (Tri::False, strength::NONE);
        let mut strongest_unknown: Option<u8> = None;
        for r in &pr.items {
            let (t, s) = self.one_principal(r, req);
            if t == Tri::Unknown && strongest_unknown.is_none_or(|u| s < u) {
                strongest_unknown = Some(s);
            }
            let better = match (best.0, t) {
                (_, Tri::False) => false,
                (Tri::False, _) => true,
                (Tri::Unknown, Tri::True) => true,
                (a, b) if a == b => s < best.1,
                _ => false,
            };
            if better {
                best = (t, s);
            }
        }
        let alt = strongest_unknown.filter(|&u| best.0 == Tri::True && u < best.1);
        (best, alt)
    }

    /// M11: `NotPrincipal: L` matches when SOME M10 candidate of the caller (session, role,
    /// user, account, service) is not listed in `L`; a `Deny` with `NotPrincipal` always
    /// applies to users and roles with a permissions boundary (T20).
    fn not_principal_tri(
        &self,
        pr: &Negatable<Vec<PrincipalRef>>,
        req: &Request,
        deny: bool,
    ) -> (Tri, u8) {
        if deny {
            if let Caller::Entity { pid, .. } = &req.caller {
                if self.boundary(*pid).is_some() {
                    return (Tri::True, strength::PUBLIC);
                }
            }
        }
        // The candidates, by the strength with which a reference naming them matches (M10).
        let candidates: &[u8] = match &req.caller {
            Caller::Entity { pid, session } => match (self.principal(*pid).kind, session) {
                (PrincipalKind::User(_), None) => &[strength::USER, strength::ACCOUNT],
                (PrincipalKind::User(_), Some(_)) => {
                    &[strength::SESSION, strength::ENTITY, strength::ACCOUNT]
                }
                (PrincipalKind::Role(_), _) => {
                    &[strength::SESSION, strength::ENTITY, strength::ACCOUNT]
                }
                (PrincipalKind::Root, None) => &[strength::ACCOUNT],
                (PrincipalKind::Root, Some(_)) => &[strength::SESSION, strength::ACCOUNT],
            },
            Caller::Service(_) => &[strength::SERVICE],
            Caller::Anonymous => &[],
        };
        let listed = |cand: u8| {
            pr.items.iter().fold(Tri::False, |acc, r| {
                if let Some(sym) = template_symbol(r) {
                    // A template value may name any one of the caller's candidates.
                    return if self.symbolic_strengths(sym, req).contains(&cand) {
                        acc.or(Tri::Unknown)
                    } else {
                        acc
                    };
                }
                let (t, s) = self.one_principal(r, req);
                if s == cand || s == strength::PUBLIC {
                    acc.or(t)
                } else {
                    acc
                }
            })
        };
        let applies = if candidates.is_empty() {
            // Anonymous: excluded only by "*".
            if pr.items.contains(&PrincipalRef::Any) {
                Tri::False
            } else {
                Tri::True
            }
        } else {
            candidates
                .iter()
                .fold(Tri::False, |acc, &c| acc.or(listed(c).not()))
        };
        (applies, strength::PUBLIC)
    }

    fn one_principal(&self, r: &PrincipalRef, req: &Request) -> (Tri, u8) {
        if let Some(sym) = template_symbol(r) {
            // A value the IaC loaders could not resolve (`{{…}}`): it may name the caller, at
            // the strongest strength its fixed parts allow (sound for grants, M12).
            return match self.symbolic_strengths(sym, req).first() {
                Some(&s) => (Tri::Unknown, s),
                None => (Tri::False, strength::NONE),
            };
        }
        match (r, &req.caller) {
            (PrincipalRef::Any, _) => (Tri::True, strength::PUBLIC),
            (PrincipalRef::Account(a), Caller::Entity { pid, .. }) => {
                if self.principal(*pid).account == *a {
                    (Tri::True, strength::ACCOUNT)
                } else {
                    (Tri::False, strength::NONE)
                }
            }
            (PrincipalRef::Arn(x), Caller::Entity { pid, session }) => {
                let p = self.principal(*pid);
                match p.kind {
                    // E10: a federated-user session is named by its own ARN (session strength)
                    // or by the IAM user that created it (entity strength, M12).
                    PrincipalKind::User(_) | PrincipalKind::Root if session.is_some() => {
                        if *x == self.caller_name(&req.caller) {
                            (Tri::True, strength::SESSION)
                        } else if *x == p.arn && p.kind != PrincipalKind::Root {
                            (Tri::True, strength::ENTITY)
                        } else {
                            (Tri::False, strength::NONE)
                        }
                    }
                    PrincipalKind::User(_) if *x == p.arn => (Tri::True, strength::USER),
                    PrincipalKind::Role(ri) => {
                        if *x == p.arn {
                            return (Tri::True, strength::ENTITY);
                        }
                        let role = &self.env.roles[ri as usize];
                        let session_of_role = x
                            .strip_prefix("arn:aws:sts::")
                            .and_then(|r| r.strip_prefix(role.account.as_str()))
                            .and_then(|r| r.strip_prefix(":assumed-role/"))
                            .and_then(|r| r.strip_prefix(role.name.as_str()))
                            .and_then(|r| r.strip_prefix('/'));
                        match session_of_role {
                            Some(s) => match session {
                                Some(mine) if mine == s => (Tri::True, strength::SESSION),
                                Some(_) => (Tri::False, strength::NONE),
                                None => (Tri::Unknown, strength::SESSION),
                            },
                            None => (Tri::False, strength::NONE),
                        }
                    }
                    _ => (Tri::False, strength::NONE),
                }
            }
            (PrincipalRef::Service(s), Caller::Service(mine)) if s.eq_ignore_ascii_case(mine) => {
                (Tri::True, strength::SERVICE)
            }
            // S3 canonical ids name an account we cannot map from the snapshot: possible.
            (PrincipalRef::CanonicalUser(_), Caller::Entity { .. }) => {
                (Tri::Unknown, strength::ACCOUNT)
            }
            _ => (Tri::False, strength::NONE),
        }
    }
}

impl Engine {
    /// The strengths (strongest first) with which a principal value holding a template symbol
    /// (`{{…}}`, standing for any text) may name the caller: its ARN, a session of it, its
    /// account, a service, or everyone (the value may turn out to be `*`).
    fn symbolic_strengths(&self, value: &str, req: &Request) -> Vec<u8> {
        let glob = symbol_glob(value);
        let mut out = Vec::new();
        if glob_matches(&glob, "*") {
            out.push(strength::PUBLIC);
        }
        match &req.caller {
            Caller::Entity { pid, session } => {
                let p = self.principal(*pid);
                let root = format!("arn:aws:iam::{}:root", p.account);
                match p.kind {
                    PrincipalKind::User(_) => {
                        if glob_matches(&glob, &p.arn) {
                            out.push(strength::USER);
                        }
                    }
                    PrincipalKind::Role(ri) => {
                        let role = &self.env.roles[ri as usize];
                        let prefix =
                            format!("arn:aws:sts::{}:assumed-role/{}/", role.account, role.name);
                        let session_may = match session {
                            Some(s) => glob_matches(&glob, &format!("{prefix}{s}")),
                            // Unknown session name: the fixed text before the first `*` must
                            // agree with the session ARN's prefix (an over-approximation).
                            None => {
                                let lit = glob.split('*').next().unwrap_or("");
                                lit.starts_with(&prefix) || prefix.starts_with(lit)
                            }
                        };
                        if session_may {
                            out.push(strength::SESSION);
                        }
                        if glob_matches(&glob, &p.arn) {
                            out.push(strength::ENTITY);
                        }
                    }
                    PrincipalKind::Root => {}
                }
                if glob_matches(&glob, &p.account) || glob_matches(&glob, &root) {
                    out.push(strength::ACCOUNT);
                }
            }
            Caller::Service(svc) => {
                if glob_matches(&glob.to_ascii_lowercase(), &svc.to_ascii_lowercase()) {
                    out.push(strength::SERVICE);
                }
            }
            Caller::Anonymous => {}
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The text of a principal reference that holds a template symbol (`{{…}}`), if any.
fn template_symbol(r: &PrincipalRef) -> Option<&str> {
    match r {
        PrincipalRef::Arn(x)
        | PrincipalRef::Invalid(x)
        | PrincipalRef::Service(x)
        | PrincipalRef::Federated(x)
        | PrincipalRef::CanonicalUser(x)
        | PrincipalRef::UniqueId(x)
        | PrincipalRef::Account(x)
            if is_template_symbol(x) =>
        {
            Some(x.as_str())
        }
        _ => None,
    }
}

/// True when a policy value holds a value the IaC loaders could not resolve before deployment
/// (`{{…}}`, see `crate::iac`).
pub fn is_template_symbol(v: &str) -> bool {
    // Byte scan: this runs for every action, resource and condition value matched, and a
    // substring searcher's set-up costs more than the scan of a short string.
    let b = v.as_bytes();
    match b.windows(2).position(|w| w == b"{{") {
        Some(i) => b[i + 2..].windows(2).any(|w| w == b"}}"),
        None => false,
    }
}

/// A symbolic value as a glob: every `{{…}}` becomes `*` (any text).
fn symbol_glob(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find("{{") {
        let Some(j) = rest[i..].find("}}") else {
            break;
        };
        out.push_str(&rest[..i]);
        out.push('*');
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    out
}

/// Per-policy index of statements by the service prefix of their actions, so that a request
/// only tests the statements that can name its action (M1: prefixes are literal).
#[derive(Debug, Clone, Default)]
pub struct ActionIndex {
    /// Per service: the statements naming it merged with `always` (sorted, deduplicated).
    by_service: rustc_hash::FxHashMap<Box<str>, Box<[u32]>>,
    /// Statements that may name any service (`NotAction`, wildcard service prefixes).
    always: Box<[u32]>,
    /// Statements whose match may differ between callers ([`depends_on_caller`]).
    dependent: Box<[u32]>,
}

impl ActionIndex {
    /// Indexes the statements of a policy.
    pub fn build(p: &Policy) -> ActionIndex {
        let mut by_service: rustc_hash::FxHashMap<Box<str>, Vec<u32>> = Default::default();
        let mut always: Vec<u32> = Vec::new();
        for (i, st) in p.statements.iter().enumerate() {
            let i = i as u32;
            if st.action.negated {
                always.push(i);
                continue;
            }
            for pat in &st.action.items {
                match pat.split_once(':') {
                    Some((svc, _)) if !svc.contains(['*', '?', '{']) => {
                        let v = by_service
                            .entry(svc.to_ascii_lowercase().into_boxed_str())
                            .or_default();
                        if v.last() != Some(&i) {
                            v.push(i);
                        }
                    }
                    _ => {
                        if always.last() != Some(&i) {
                            always.push(i);
                        }
                    }
                }
            }
        }
        let by_service = by_service
            .into_iter()
            .map(|(svc, mut v)| {
                v.extend_from_slice(&always);
                v.sort_unstable();
                v.dedup();
                (svc, v.into_boxed_slice())
            })
            .collect();
        let dependent = (0..p.statements.len() as u32)
            .filter(|&i| depends_on_caller(&p.statements[i as usize]))
            .collect();
        ActionIndex {
            by_service,
            always: always.into_boxed_slice(),
            dependent,
        }
    }

    /// Whether statement `i` may match differently for different callers.
    pub fn is_dependent(&self, i: u32) -> bool {
        self.dependent.contains(&i)
    }

    /// Whether some statement may match differently for different callers.
    pub fn has_dependent(&self) -> bool {
        !self.dependent.is_empty()
    }

    /// Statements that may name an action of `service` (sorted, deduplicated).
    pub fn candidates(&self, service: &str) -> &[u32] {
        self.by_service.get(service).unwrap_or(&self.always)
    }
}

/// Statements whose `Action`/`NotAction` matches one action, cached per policy for a batch of
/// requests that share the action.
#[derive(Debug, Default)]
pub struct ActionCache {
    action: std::cell::RefCell<String>,
    /// Per policy (by id): the selected statements, once computed.
    map: std::cell::RefCell<Vec<Option<std::rc::Rc<[u32]>>>>,
    /// When set, statements matching ANY of these (lower-case, same-service) actions are
    /// returned whatever action is asked: one matching pass serves a set of actions (reach).
    any_of: Option<Vec<String>>,
    /// When set, only statements whose resource element may match this target are returned
    /// (the others cannot match any request for it: [`resource_may_match`]).
    target: Option<Target>,
    /// For `any_of`: whether an `Action` (index 0) / `NotAction` (index 1) element names one
    /// of the actions, per distinct element (many statements share one).
    elements: std::cell::RefCell<[rustc_hash::FxHashMap<Vec<String>, bool>; 2]>,
}

impl ActionCache {
    /// A cache that selects the statements naming any of `actions` (one service).
    pub fn any_of(actions: &[String]) -> ActionCache {
        ActionCache {
            any_of: Some(actions.iter().map(|a| a.to_ascii_lowercase()).collect()),
            ..ActionCache::default()
        }
    }

    /// A cache for requests that all ask about `target`: statements whose resource element
    /// cannot match it are skipped before any caller is matched.
    pub fn for_target(mut self, target: &Target) -> ActionCache {
        self.target = Some(target.clone());
        self
    }

    /// Statements of `pol` whose action element matches `action_lc` (lower-case).
    pub fn statements_for(
        &self,
        engine: &Engine,
        pol: PolicyId,
        action_lc: &str,
    ) -> std::rc::Rc<[u32]> {
        self.statements(engine, pol, action_lc)
    }

    fn statements(&self, engine: &Engine, pol: PolicyId, action_lc: &str) -> std::rc::Rc<[u32]> {
        if self.any_of.is_none() && *self.action.borrow() != action_lc {
            self.map.borrow_mut().clear();
            *self.action.borrow_mut() = action_lc.to_string();
        }
        let slot = pol.0 as usize;
        if let Some(Some(v)) = self.map.borrow().get(slot) {
            return v.clone();
        }
        let p = engine.env.policy(pol);
        let svc = action_lc.split(':').next().unwrap_or("");
        let v: std::rc::Rc<[u32]> = engine
            .action_index(pol)
            .candidates(svc)
            .iter()
            .copied()
            .filter(|&i| {
                let st = &p.statements[i as usize];
                let named = match &self.any_of {
                    Some(all) => {
                        let mut memo = self.elements.borrow_mut();
                        let m = &mut memo[st.action.negated as usize];
                        match m.get(st.action.items.as_slice()) {
                            Some(&hit) => hit,
                            None => {
                                let hit = all.iter().any(|a| action_in(st, a));
                                m.insert(st.action.items.clone(), hit);
                                hit
                            }
                        }
                    }
                    None => action_in(st, action_lc),
                };
                named
                    && self
                        .target
                        .as_ref()
                        .is_none_or(|t| resource_may_match(st, t))
            })
            .collect();
        let mut map = self.map.borrow_mut();
        if map.len() <= slot {
            map.resize(engine.env.policies.len().max(slot + 1), None);
        }
        map[slot] = Some(v.clone());
        v
    }
}

/// True when matching the statement may give different results for different callers that
/// share the policy: a condition on a principal key ([`super::context::is_principal_key`]) or
/// a policy variable in a condition value or in the resource element. Statements without
/// these match alike for every holder of the policy.
pub fn depends_on_caller(st: &Statement) -> bool {
    st.principal.is_some()
        || st.conditions.iter().any(|c| {
            super::context::is_principal_key(&c.key_lc) || c.values.iter().any(|v| v.contains("${"))
        })
        || st
            .resource
            .as_ref()
            .is_some_and(|r| r.items.iter().any(|i| i.contains("${")))
}

/// S1: actions only the resource owner's account can perform.
pub fn is_owner_only(action_lc: &str) -> bool {
    OWNER_ONLY.contains(&action_lc)
}

/// The compact (layer, level, effect, strength, firm) form of hits, sorted and deduplicated.
pub fn hit_keys(hits: &[StmtHit]) -> Vec<(u8, u8, u8, u8, bool)> {
    let mut v: Vec<(u8, u8, u8, u8, bool)> = hits
        .iter()
        .map(|h| (h.layer, h.level, h.effect, h.strength, h.firm))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// True for actions with special handling (S1 owner-only, S8 no permission needed), which
/// must not share an equivalence class with others.
pub fn is_special_action(action_lc: &str) -> bool {
    OWNER_ONLY.contains(&action_lc)
        || action_lc == "sts:getcalleridentity"
        || action_lc.starts_with("sts:assumerole")
        || action_lc == "iam:passrole"
}

/// Whether a statement's `Resource`/`NotResource` can match some resource of the target,
/// conservatively (variables and `NotResource` count as "may").
pub fn resource_may_match(st: &Statement, target: &Target) -> bool {
    match &st.resource {
        None => true,
        Some(r) if r.negated => true,
        Some(r) => r.items.iter().any(|p| {
            // Variables, and values unknown before deployment (`{{...}}`), may be anything.
            p.contains("${")
                || p.contains("{{")
                || match target {
                    Target::Exact(a) => resource_matches(p, a),
                    Target::Set(s) => resource_overlaps(p, s),
                }
        }),
    }
}

/// M1, M2: `Action` / `NotAction` against a lower-cased action.
/// A template symbol (`{{…}}`) in the element may stand for the action: the statement is
/// selected, and [`symbolic_action_only`] tells the match it is uncertain.
pub fn action_in(st: &Statement, action_lc: &str) -> bool {
    let any = st.action.items.iter().any(|p| action_matches(p, action_lc));
    if !any && symbolic_action_only(st, action_lc) {
        return true;
    }
    any != st.action.negated
}

/// True when only a template symbol in `Action` / `NotAction` may name the action (no written
/// pattern does): whether the statement applies is then unknown.
pub fn symbolic_action_only(st: &Statement, action_lc: &str) -> bool {
    st.action
        .items
        .iter()
        .any(|p| is_template_symbol(p) && action_matches(&symbol_glob(p), action_lc))
        && !st.action.items.iter().any(|p| action_matches(p, action_lc))
}

/// M4, M5, M9: `Resource` / `NotResource` against the target.
fn resource_tri(
    items: &[String],
    negated: bool,
    target: &Target,
    deny: bool,
    vars: bool,
    ctx: &dyn ContextLookup,
) -> Tri {
    // Per pattern: True (matches), False, Unknown (variable unknown).
    let mut result = Tri::False;
    for raw in items {
        let pat = if vars && raw.contains("${") {
            match substitute(raw, ctx) {
                Substituted::Text(t) => std::borrow::Cow::Owned(t),
                Substituted::Absent => continue, // M9: matches no resource
                Substituted::Unknown => {
                    result = result.or(Tri::Unknown);
                    continue;
                }
            }
        } else {
            std::borrow::Cow::Borrowed(raw.as_str())
        };
        let m = match target {
            Target::Exact(arn) => resource_matches(&pat, arn),
            // For a set of resources: "some member matches" for the positive question.
            Target::Set(set) => {
                let some_member = !negated && !deny || negated && deny;
                if some_member {
                    resource_overlaps(&pat, set)
                } else {
                    resource_covers(&pat, set)
                }
            }
        };
        if m {
            result = Tri::True;
            break;
        }
        // A value the IaC loaders could not resolve before deployment (`{{...}}`): it may be
        // any resource, so the match is unknown, never a silent "no".
        if is_template_symbol(&pat) {
            result = result.or(Tri::Unknown);
        }
    }
    if negated {
        result.not()
    } else {
        result
    }
}

/// S2: a statement is public when it names everyone and no condition pins it to fixed
/// callers by one of the keys AWS accepts as non-public.
pub fn is_public_statement(st: &Statement) -> bool {
    let names_everyone = st
        .principal
        .as_ref()
        .is_some_and(|p| p.negated || p.items.contains(&PrincipalRef::Any));
    if !names_everyone {
        return false;
    }
    const PINNING: &[&str] = &[
        "aws:sourceip",
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "aws:userid",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgpaths",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    ];
    !st.conditions.iter().any(|c| {
        PINNING.contains(&c.key_lc.as_str())
            && c.op.is_some_and(|o| !o.is_negated())
            && c.set != SetQualifier::ForAllValues
            && !c.values.iter().any(|v| v == "*")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_symbols_become_globs() {
        assert!(is_template_symbol("{{ImportValue:x}}"));
        assert!(is_template_symbol("arn:aws:iam::1:role/{{param:R}}"));
        assert!(!is_template_symbol("{{unterminated"));
        assert!(!is_template_symbol("arn:aws:s3:::b/${aws:username}"));
        assert_eq!(symbol_glob("{{ImportValue:x}}"), "*");
        assert_eq!(
            symbol_glob("arn:aws:iam::{{a}}:role/{{b}}-x"),
            "arn:aws:iam::*:role/*-x"
        );
    }

    #[test]
    fn symbolic_actions_select_the_statement_uncertainly() {
        let st = |items: &[&str], negated: bool| Statement {
            sid: None,
            index: 0,
            effect: Effect::Deny,
            action: Negatable {
                items: items.iter().map(|s| s.to_string()).collect(),
                negated,
            },
            resource: None,
            principal: None,
            conditions: Vec::new(),
        };
        let sym = st(&["{{param:A}}"], false);
        assert!(action_in(&sym, "s3:getobject"));
        assert!(symbolic_action_only(&sym, "s3:getobject"));
        // Fixed parts still decide: `s3:{{…}}` names no EC2 action.
        let s3 = st(&["s3:{{param:A}}"], false);
        assert!(!action_in(&s3, "ec2:runinstances"));
        assert!(action_in(&s3, "s3:putobject"));
        // A written pattern that matches makes it certain.
        let both = st(&["{{param:A}}", "s3:GetObject"], false);
        assert!(action_in(&both, "s3:getobject"));
        assert!(!symbolic_action_only(&both, "s3:getobject"));
        // NotAction with a symbol: may or may not list the action.
        let not = st(&["{{param:A}}"], true);
        assert!(action_in(&not, "s3:getobject"));
        assert!(symbolic_action_only(&not, "s3:getobject"));
    }
}
