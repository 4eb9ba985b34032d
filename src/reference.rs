//! A second, deliberately simple evaluator of one request, written straight from the "Reference
//! form" of rule E3 (`iam-semantics.md`, section 3), for differential testing of the engine.
//!
//! No crepe, no facts, no caching: [`decide`] walks the policies that apply to the request (E2),
//! matches every statement with the plain code below (M1–M12, conditions through
//! [`eval_condition`]) and combines the results with Kleene logic over [`Tri`]:
//! `True` = allowed, `Unknown` = conditional, `False` = denied (C14).
//!
//! It shares with the engine only the environment's indexes (which policies a principal has,
//! the SCP/RCP levels of an account, where a resource lives), the request context of the
//! statically known keys (C13), the wildcard matchers and the condition operators. Principal
//! matching and strengths (M10–M12), resource and action matching (M1–M9) and the decision
//! itself (E1–E11) are written here again on purpose.
//!
//! Not modelled: S3 Block Public Access (S2), `iam:PassRole`'s
//! `iam:PassedToService` (P9).

use crate::engine::answer::Decision;
use crate::engine::conditions::{eval_condition, substitute, Substituted, Tri};
use crate::engine::context::RequestContext;
use crate::engine::request::{Caller, PrincipalKind, Request, Target};
use crate::engine::Engine;
use crate::iam::pattern::{action_matches, resource_covers, resource_matches, resource_overlaps};
use crate::iam::*;

/// How a resource-policy statement names the caller (M12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    /// Assumed-role session ARN.
    Session,
    /// IAM user ARN, request by that user.
    User,
    /// Role ARN, request by a session of it.
    Entity,
    /// Account id or `:root` ARN.
    Account,
    /// `"*"`.
    Public,
    /// `{"Service": …}`.
    Service,
}

/// Which strengths a question about a resource policy counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Session, user or public: grants directly in the same account (M12).
    Direct,
    /// Role ARN: substitutes for the identity allow, not for boundary/session (M12, E9).
    Entity,
    /// Any strength (E5 resource side, deny pass).
    Any,
}

impl Class {
    fn counts(self, n: Named) -> bool {
        match self {
            Class::Direct => matches!(n, Named::Session | Named::User | Named::Public),
            Class::Entity => n == Named::Entity,
            Class::Any => true,
        }
    }
}

/// One identity the caller can be named as (M10 table).
#[derive(Debug, Clone)]
enum Cand {
    /// An exact ARN (user, role, session).
    Arn(String),
    /// A session of a role whose session name the question does not give: any session ARN
    /// with this prefix may be it.
    AnySessionOf(String),
    /// The caller's account.
    Account(String),
    /// A service principal.
    Service(String),
}

/// The candidates of the caller, each with the strength a statement naming it has (M10, M12).
fn candidates(engine: &Engine, caller: &Caller) -> Vec<(Cand, Named)> {
    match caller {
        Caller::Entity { pid, session } => {
            let p = engine.principal(*pid);
            let mut out = Vec::new();
            match p.kind {
                // E10: a federated-user session of a user or of the root user is named by its
                // session ARN, or (entity strength) by the user that created it.
                PrincipalKind::User(_) | PrincipalKind::Root if session.is_some() => {
                    let name = session.as_deref().unwrap_or_default();
                    let arn = format!("arn:aws:sts::{}:federated-user/{name}", p.account);
                    out.push((Cand::Arn(arn), Named::Session));
                    if p.kind != PrincipalKind::Root {
                        out.push((Cand::Arn(p.arn.clone()), Named::Entity));
                    }
                }
                PrincipalKind::User(_) => out.push((Cand::Arn(p.arn.clone()), Named::User)),
                PrincipalKind::Role(r) => {
                    let role = &engine.env.roles[r as usize];
                    // P3: the session ARN omits the role's path.
                    let prefix =
                        format!("arn:aws:sts::{}:assumed-role/{}/", role.account, role.name);
                    match session {
                        Some(s) => out.push((Cand::Arn(format!("{prefix}{s}")), Named::Session)),
                        None => out.push((Cand::AnySessionOf(prefix), Named::Session)),
                    }
                    out.push((Cand::Arn(p.arn.clone()), Named::Entity));
                }
                PrincipalKind::Root => {}
            }
            out.push((Cand::Account(p.account.clone()), Named::Account));
            out
        }
        Caller::Service(s) => vec![(Cand::Service(s.clone()), Named::Service)],
        // E11: an anonymous caller is named only by "*".
        Caller::Anonymous => Vec::new(),
    }
}

/// Does the `Principal` entry `r` name the candidate `c`?
fn names(r: &PrincipalRef, c: &Cand) -> Tri {
    match (r, c) {
        (PrincipalRef::Any, _) => Tri::True,
        (PrincipalRef::Account(a), Cand::Account(b)) => (a == b).into(),
        (PrincipalRef::Arn(x), Cand::Arn(y)) => (x == y).into(),
        // M10: a session ARN cannot be wildcarded; it names one session, which may be ours.
        (PrincipalRef::Arn(x), Cand::AnySessionOf(prefix)) => match x.strip_prefix(prefix.as_str())
        {
            Some(name) if !name.is_empty() && !name.contains('/') => Tri::Unknown,
            _ => Tri::False,
        },
        (PrincipalRef::Service(s), Cand::Service(t)) => s.eq_ignore_ascii_case(t).into(),
        // An S3 canonical user id names an account the snapshot cannot map: maybe ours.
        (PrincipalRef::CanonicalUser(_), Cand::Account(_)) => Tri::Unknown,
        // Unique ids of deleted entities, invalid values, federated providers: nobody here (G7).
        _ => Tri::False,
    }
}

/// M10–M12: does the `Principal` element name the caller with a strength in `class`?
/// M11: `NotPrincipal` matches when some candidate of the caller is not listed; a `Deny` with
/// `NotPrincipal` always applies to users and roles that have a permissions boundary (T20).
fn principal_tri(
    engine: &Engine,
    pr: &Negatable<Vec<PrincipalRef>>,
    caller: &Caller,
    deny: bool,
    class: Class,
) -> Tri {
    let cands = candidates(engine, caller);
    if pr.negated {
        if deny {
            if let Caller::Entity { pid, .. } = caller {
                if engine.boundary(*pid).is_some() {
                    return Tri::True;
                }
            }
        }
        // A NotPrincipal statement names "everyone else": public strength.
        if !class.counts(Named::Public) {
            return Tri::False;
        }
        let listed = |c: &Cand| {
            pr.items
                .iter()
                .fold(Tri::False, |acc, r| acc.or(names(r, c)))
        };
        if cands.is_empty() {
            // Anonymous: excluded only by "*".
            return (!pr.items.contains(&PrincipalRef::Any)).into();
        }
        return cands
            .iter()
            .fold(Tri::False, |acc, (c, _)| acc.or(listed(c).not()));
    }
    let mut t = Tri::False;
    for r in &pr.items {
        if *r == PrincipalRef::Any {
            if class.counts(Named::Public) {
                t = t.or(Tri::True);
            }
            continue;
        }
        for (c, strength) in &cands {
            if class.counts(*strength) {
                t = t.or(names(r, c));
            }
        }
    }
    t
}

/// M4, M5, M9: `Resource` / `NotResource` against the request's resource. For a set of
/// resources an `Allow` needs some member, a `Deny` all members.
fn resource_tri(
    items: &[String],
    negated: bool,
    target: &Target,
    deny: bool,
    vars: bool,
    ctx: &RequestContext,
) -> Tri {
    let mut any = Tri::False;
    for raw in items {
        let pat = if vars && raw.contains("${") {
            match substitute(raw, ctx) {
                Substituted::Text(t) => t,
                Substituted::Absent => continue, // M9: matches no resource
                Substituted::Unknown => {
                    any = any.or(Tri::Unknown);
                    continue;
                }
            }
        } else {
            raw.clone()
        };
        let m = match target {
            Target::Exact(arn) => resource_matches(&pat, arn),
            // Allow+Resource / Deny+NotResource ask about some member; the others about all.
            Target::Set(set) if negated == deny => resource_overlaps(&pat, set),
            Target::Set(set) => resource_covers(&pat, set),
        };
        any = any.or(m.into());
    }
    if negated {
        any.not()
    } else {
        any
    }
}

/// Everything one statement needs to be matched.
struct Ask<'a> {
    engine: &'a Engine,
    req: &'a Request,
    action_lc: String,
    ctx: RequestContext<'a>,
}

impl Ask<'_> {
    /// C1: a statement matches when its action, resource, principal and every condition match.
    fn statement(&self, p: &Policy, st: &Statement, class: Class) -> Tri {
        let deny = st.effect == Effect::Deny;
        // M1, M2.
        let listed = st
            .action
            .items
            .iter()
            .any(|a| action_matches(a, &self.action_lc));
        if listed == st.action.negated {
            return Tri::False;
        }
        let vars = p.version.substitutes_variables();
        let mut t = Tri::True;
        if let Some(res) = &st.resource {
            t = t.and(resource_tri(
                &res.items,
                res.negated,
                &self.req.target,
                deny,
                vars,
                &self.ctx,
            ));
        }
        match &st.principal {
            Some(pr) => {
                t = t.and(principal_tri(
                    self.engine,
                    pr,
                    &self.req.caller,
                    deny,
                    class,
                ))
            }
            // A statement without Principal names nobody in particular: it counts only when
            // the strength does not matter (identity policies, SCPs, the deny pass).
            None if class != Class::Any => return Tri::False,
            None => {}
        }
        for c in &st.conditions {
            if t == Tri::False {
                break;
            }
            t = t.and(eval_condition(
                c,
                &self.ctx,
                vars && c.op.is_some_and(|o| o.substitutes_variables()),
            ));
        }
        t
    }

    /// Some statement of effect `effect` in one of `pols` matches (with a strength in `class`).
    fn some(&self, pols: &[PolicyId], effect: Effect, class: Class) -> Tri {
        let mut t = Tri::False;
        for &id in pols {
            let p = self.engine.env.policy(id);
            for st in p.statements.iter().filter(|s| s.effect == effect) {
                t = t.or(self.statement(p, st, class));
            }
        }
        t
    }

    /// "This layer allows", for an optional layer: absent → no limit.
    fn allows_if_present(&self, pols: Option<&[PolicyId]>) -> Tri {
        match pols {
            Some(p) => self.some(p, Effect::Allow, Class::Any),
            None => Tri::True,
        }
    }
}

/// Services whose resources can carry a resource-based policy (E2 table, E6), for a resource
/// that is not in the environment: its policy is unknown, not absent.
const RBP_SERVICES: &[&str] = &[
    "s3",
    "kms",
    "iam",
    "sts",
    "lambda",
    "sqs",
    "sns",
    "secretsmanager",
];

/// Actions only the resource owner's account may call (S1).
const OWNER_ONLY: &[&str] = &[
    "s3:getbucketpolicy",
    "s3:putbucketpolicy",
    "s3:deletebucketpolicy",
];

/// Decides one request by the E3 reference form with Kleene logic:
/// `Allow` when the result is `True`, `Conditional` when `Unknown`, `Deny` when `False`.
pub fn decide(engine: &Engine, req: &Request) -> Decision {
    match allowed(engine, req) {
        Tri::True => Decision::Allow,
        Tri::Unknown => Decision::Conditional,
        Tri::False => Decision::Deny,
    }
}

/// The three-valued "is this request allowed" of [`decide`].
pub fn allowed(engine: &Engine, req: &Request) -> Tri {
    let action_lc = req.action.to_ascii_lowercase();
    // S8: needs no permission, even under an explicit deny.
    if action_lc == "sts:getcalleridentity" {
        return Tri::True;
    }
    let info = engine.resource_info(req);
    let ctx = RequestContext {
        engine,
        req,
        resource_account: info.account.as_deref(),
        passed_to_service: None,
    };
    let ask = Ask {
        engine,
        req,
        action_lc: action_lc.clone(),
        ctx,
    };
    let resource = info.resource.map(|i| &engine.env.resources[i]);

    // E2: the resource-based policy. A role's trust policy is its resource policy only for
    // sts:AssumeRole* (E7); KMS key policies and trust policies must allow (E7, E8).
    let is_trust = resource.is_some_and(|r| r.kind == ResourceKind::IamRole)
        && action_lc.starts_with("sts:assumerole");
    let rbp: Vec<PolicyId> = match resource {
        Some(r) if r.kind != ResourceKind::IamRole || is_trust => r.policy.into_iter().collect(),
        _ => Vec::new(),
    };
    let rbp_required = is_trust || resource.is_some_and(|r| r.kind == ResourceKind::KmsKey);

    // E2: the caller's layers.
    let entity = match &req.caller {
        Caller::Entity { pid, .. } => Some((*pid, engine.principal(*pid))),
        _ => None,
    };
    let slr = entity.is_some_and(|(_, p)| matches!(p.kind, PrincipalKind::Role(r) if engine.env.roles[r as usize].is_service_linked()));
    let identity: &[PolicyId] = entity
        .map(|(pid, _)| engine.identity_policies(pid))
        .unwrap_or(&[]);
    let boundary: Option<Vec<PolicyId>> = entity
        .and_then(|(pid, _)| engine.boundary(pid))
        .map(|b| vec![b]);
    // E10: a federated-user session (a session of a user or root) always has a session layer;
    // without a session policy it allows nothing.
    let federated = matches!(
        &req.caller,
        Caller::Entity {
            session: Some(_),
            ..
        }
    ) && entity.is_some_and(|(_, p)| !matches!(p.kind, PrincipalKind::Role(_)));
    let session: Option<&[PolicyId]> = match (entity, req.session_policies.as_deref()) {
        (Some(_), Some(sp)) => Some(sp),
        (Some(_), None) if federated => Some(&[]),
        _ => None,
    };
    // SCPs: member-account principals, not SLRs (E2, P8).
    let scps: Option<&Vec<Vec<PolicyId>>> = match entity {
        Some((_, p)) if !slr => engine.scp_levels(&p.account),
        _ => None,
    };
    // RCPs: the resource owner's path, for services that support them; not AWS-managed keys,
    // not SLRs (E2, P8). The service is the one the request is made to: for a role's trust
    // policy that is STS ("STS is an RCP service", E7).
    let service = action_lc.split(':').next().unwrap_or("");
    let rcps: Option<&Vec<Vec<PolicyId>>> = match &info.account {
        Some(a)
            if !slr
                && !resource.is_some_and(|r| r.aws_managed_key)
                && engine.catalog.rcp_supported(service) =>
        {
            engine.rcp_levels(a)
        }
        _ => None,
    };

    // E3 step 1: an explicit deny in any applicable policy.
    let mut deny = ask.some(identity, Effect::Deny, Class::Any);
    deny = deny.or(ask.some(boundary.as_deref().unwrap_or(&[]), Effect::Deny, Class::Any));
    deny = deny.or(ask.some(session.unwrap_or(&[]), Effect::Deny, Class::Any));
    deny = deny.or(ask.some(&rbp, Effect::Deny, Class::Any));
    for level in scps.into_iter().flatten().chain(rcps.into_iter().flatten()) {
        deny = deny.or(ask.some(level, Effect::Deny, Class::Any));
    }

    // E3 step 2: every RCP level allows. RCPFullAWSAccess is attached everywhere and cannot be
    // detached, so a level that shows no RCP at all is taken to carry it.
    let mut guards = Tri::True;
    for level in rcps.into_iter().flatten() {
        if !level.is_empty() {
            guards = guards.and(ask.some(level, Effect::Allow, Class::Any));
        }
    }
    // E3 step 3: every SCP level has an allow.
    for level in scps.into_iter().flatten() {
        guards = guards.and(ask.some(level, Effect::Allow, Class::Any));
    }

    // Allow sources.
    let rbp_direct = ask.some(&rbp, Effect::Allow, Class::Direct);
    let rbp_entity = ask.some(&rbp, Effect::Allow, Class::Entity);
    let rbp_any = ask.some(&rbp, Effect::Allow, Class::Any);
    let bnd_ok = ask.allows_if_present(boundary.as_deref()); // step 6
    let sess_ok = ask.allows_if_present(session); // step 7: a role session without one is fine

    let grant = match entity {
        // P7, E11: service principals and anonymous callers have only the resource side.
        None => rbp_any,
        Some((_, p)) => {
            let root = p.kind == PrincipalKind::Root;
            // E1, P6: the root user has every identity permission (no policy can be attached).
            let idp = if root {
                Tri::True
            } else {
                ask.some(identity, Effect::Allow, Class::Any)
            };
            let same = info.account.as_deref() == Some(p.account.as_str());
            let base = if same && rbp_required {
                // E7, E8: the trust / key policy must allow. Naming the caller directly suffices;
                // naming the role is limited by boundary and session policy; naming the account
                // needs the identity side too.
                rbp_direct
                    .or(rbp_entity.and(bnd_ok).and(sess_ok))
                    .or(rbp_any.and(idp).and(bnd_ok).and(sess_ok))
            } else if same {
                if root {
                    // E1 (a federated session of the root user: ∩ session policy, E10).
                    rbp_direct.or(sess_ok)
                } else {
                    // E4, M12: a direct grant, or (identity allow or role grant) ∩ boundary ∩ session.
                    rbp_direct.or(idp.or(rbp_entity).and(bnd_ok).and(sess_ok))
                }
            } else if OWNER_ONLY.contains(&action_lc.as_str()) {
                Tri::False // S1
            } else {
                // E5: both sides. A resource outside the environment has an unknown policy.
                let resource_side =
                    if resource.is_none() && RBP_SERVICES.contains(&info.service.as_str()) {
                        Tri::Unknown
                    } else {
                        rbp_any
                    };
                idp.and(bnd_ok).and(sess_ok).and(resource_side)
            };
            // E8: KMS grants are a third allow source; grants not loaded may allow.
            let kms_grant = match resource.map(|r| &r.grants) {
                Some(Grants::Unknown)
                    if resource.is_some_and(|r| r.kind == ResourceKind::KmsKey) =>
                {
                    Tri::Unknown
                }
                Some(Grants::Loaded(gs)) => {
                    let me = &p.arn;
                    let sess = engine.caller_name(&req.caller);
                    let op = action_lc.strip_prefix("kms:").unwrap_or("");
                    gs.iter()
                        .any(|(who, ops)| {
                            (who == me || *who == sess)
                                && ops.iter().any(|o| o.eq_ignore_ascii_case(op))
                        })
                        .into()
                }
                _ => Tri::False,
            };
            base.or(kms_grant)
        }
    };

    let result = deny.not().and(guards).and(grant);
    // E12: with skipped documents nothing is certain; a skipped Allow may add access.
    if !engine.env.skipped.is_empty() {
        return deny.not().and(Tri::Unknown);
    }
    result
}
