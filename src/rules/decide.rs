//! The decision program (E1–E11): from the statements that match a request (computed by
//! `engine::matching`) to "surely allowed" and "possibly allowed".
//!
//! Three-valued answers are computed as two bounds: an `…F` relation holds when the fact is
//! certain, an `…M` relation when it may hold (a firm fact is also a maybe fact). Negation
//! reads the opposite bound: a gap is *surely* there when no allow *may* fill it. The final
//! answer is `Allow` when `AllowF`, `Conditional` when only `AllowM`, otherwise a deny.

use crepe::crepe;

/// Layer codes of [`Hit`] (section 0.3 of the spec).
pub mod layer {
    /// Service control policy.
    pub const SCP: u8 = 0;
    /// Resource control policy.
    pub const RCP: u8 = 1;
    /// Resource-based policy (bucket, key, function, queue, topic, secret policy, role trust).
    pub const RES: u8 = 2;
    /// Identity-based policy.
    pub const ID: u8 = 3;
    /// Permissions boundary.
    pub const BND: u8 = 4;
    /// Session policy.
    pub const SESS: u8 = 5;
    /// A public grant that S3 Block Public Access makes S3 ignore (S2); never allows.
    pub const BPA: u8 = 6;
}

/// Strength codes of a resource-policy grant (M12).
pub mod strength {
    /// Named by session ARN.
    pub const SESSION: u8 = 0;
    /// Named by IAM user ARN, request by that user.
    pub const USER: u8 = 1;
    /// `"*"`: treated as user/session strength in the same account.
    pub const PUBLIC: u8 = 2;
    /// Named by role ARN (request from a session of it).
    pub const ENTITY: u8 = 3;
    /// Named by account id / `:root`: delegates to the account's IAM.
    pub const ACCOUNT: u8 = 4;
    /// `{"Service": …}`.
    pub const SERVICE: u8 = 5;
    /// Not a resource-policy hit.
    pub const NONE: u8 = 6;
}

/// Effect codes.
pub mod effect {
    /// Allow.
    pub const ALLOW: u8 = 0;
    /// Deny.
    pub const DENY: u8 = 1;
}

/// Per-request flags (bits of the request's facts).
pub mod flag {
    /// Principal is an IAM user, role session or root user.
    pub const AWS_PRINCIPAL: u8 = 0;
    /// Principal and resource are in the same account.
    pub const SAME_ACCOUNT: u8 = 1;
    /// The resource policy must allow (role trust E7, KMS key policy E8).
    pub const RBP_REQUIRED: u8 = 2;
    /// The account root user (E1).
    pub const ROOT_USER: u8 = 3;
    /// The entity has a permissions boundary.
    pub const HAS_BOUNDARY: u8 = 4;
    /// A session policy must allow (session created with one, or a federated-user session).
    pub const SESSION_POLICY: u8 = 5;
    /// A service principal or anonymous caller: only the resource policy can allow.
    pub const NON_IAM_CALLER: u8 = 6;
    /// KMS grants not loaded: a grant may allow (E8, C14).
    pub const GRANTS_UNKNOWN: u8 = 7;
    /// Cross-account request for an owner-only action (S1): no policy can allow.
    pub const OWNER_ONLY: u8 = 8;
    /// Needs no permission (S8).
    pub const ALWAYS: u8 = 9;
    /// The resource policy of an external resource is not in the environment.
    pub const RES_UNKNOWN: u8 = 10;
    /// Documents were skipped (`--allow-partial`): no answer is certain (E12).
    pub const PARTIAL: u8 = 11;
    /// A loaded KMS grant names the caller and the operation (E8: a third allow source).
    pub const GRANT: u8 = 12;
}

crepe! {
    // Facts:
    @input
    pub struct Req(pub u32);
    @input
    pub struct Flag(pub u32, pub u8);
    @input
    pub struct ScpLevel(pub u32, pub u8);
    @input
    pub struct RcpLevel(pub u32, pub u8);
    // Hit(request, layer, level, effect, strength, firm): a statement matches the request.
    @input
    pub struct Hit(pub u32, pub u8, pub u8, pub u8, pub u8, pub bool);

    // Rules:
    // E3 step 1: an explicit deny in any layer.
    @output
    pub struct DenyF(pub u32, pub u8);
    @output
    pub struct DenyM(pub u32, pub u8);
    struct AnyDenyF(u32);
    struct AnyDenyM(u32);
    DenyF(q, l) <- Hit(q, l, _, e, _, true), (e == effect::DENY);
    DenyM(q, l) <- Hit(q, l, _, e, _, _), (e == effect::DENY);
    AnyDenyF(q) <- DenyF(q, _);
    AnyDenyM(q) <- DenyM(q, _);

    // E3 steps 2–3: every SCP / RCP level must allow.
    struct ScpOkF(u32, u8);
    struct ScpOkM(u32, u8);
    struct RcpOkF(u32, u8);
    struct RcpOkM(u32, u8);
    @output
    pub struct ScpGapF(pub u32);
    @output
    pub struct ScpGapM(pub u32);
    @output
    pub struct RcpGapF(pub u32);
    @output
    pub struct RcpGapM(pub u32);
    ScpOkF(q, v) <- Hit(q, l, v, e, _, true), (l == layer::SCP && e == effect::ALLOW);
    ScpOkM(q, v) <- Hit(q, l, v, e, _, _), (l == layer::SCP && e == effect::ALLOW);
    RcpOkF(q, v) <- Hit(q, l, v, e, _, true), (l == layer::RCP && e == effect::ALLOW);
    RcpOkM(q, v) <- Hit(q, l, v, e, _, _), (l == layer::RCP && e == effect::ALLOW);
    ScpGapF(q) <- ScpLevel(q, v), !ScpOkM(q, v);
    ScpGapM(q) <- ScpLevel(q, v), !ScpOkF(q, v);
    RcpGapF(q) <- RcpLevel(q, v), !RcpOkM(q, v);
    RcpGapM(q) <- RcpLevel(q, v), !RcpOkF(q, v);

    // Allow sources: identity (E3 step 5; the root user has every identity permission, E1),
    // resource policy by strength (M12), boundary (step 6) and session policy (step 7).
    struct IdF(u32);
    struct IdM(u32);
    IdF(q) <- Hit(q, l, _, e, _, true), (l == layer::ID && e == effect::ALLOW);
    IdM(q) <- Hit(q, l, _, e, _, _), (l == layer::ID && e == effect::ALLOW);
    IdF(q) <- Flag(q, f), (f == flag::ROOT_USER);
    IdM(q) <- Flag(q, f), (f == flag::ROOT_USER);

    struct RbpDirectF(u32);
    struct RbpDirectM(u32);
    struct RbpEntityF(u32);
    struct RbpEntityM(u32);
    struct RbpAnyF(u32);
    struct RbpAnyM(u32);
    RbpDirectF(q) <- Hit(q, l, _, e, s, true), (l == layer::RES && e == effect::ALLOW && s <= strength::PUBLIC);
    RbpDirectM(q) <- Hit(q, l, _, e, s, _), (l == layer::RES && e == effect::ALLOW && s <= strength::PUBLIC);
    RbpEntityF(q) <- Hit(q, l, _, e, s, true), (l == layer::RES && e == effect::ALLOW && s == strength::ENTITY);
    RbpEntityM(q) <- Hit(q, l, _, e, s, _), (l == layer::RES && e == effect::ALLOW && s == strength::ENTITY);
    RbpAnyF(q) <- Hit(q, l, _, e, _, true), (l == layer::RES && e == effect::ALLOW);
    RbpAnyM(q) <- Hit(q, l, _, e, _, _), (l == layer::RES && e == effect::ALLOW);

    struct BndOkF(u32);
    struct BndOkM(u32);
    BndOkF(q) <- Req(q), !Flag(q, flag::HAS_BOUNDARY);
    BndOkM(q) <- Req(q), !Flag(q, flag::HAS_BOUNDARY);
    BndOkF(q) <- Hit(q, l, _, e, _, true), (l == layer::BND && e == effect::ALLOW);
    BndOkM(q) <- Hit(q, l, _, e, _, _), (l == layer::BND && e == effect::ALLOW);

    struct SessOkF(u32);
    struct SessOkM(u32);
    SessOkF(q) <- Req(q), !Flag(q, flag::SESSION_POLICY);
    SessOkM(q) <- Req(q), !Flag(q, flag::SESSION_POLICY);
    SessOkF(q) <- Hit(q, l, _, e, _, true), (l == layer::SESS && e == effect::ALLOW);
    SessOkM(q) <- Hit(q, l, _, e, _, _), (l == layer::SESS && e == effect::ALLOW);

    // The identity stack: identity ∩ boundary ∩ session (E3 steps 5–7); a grant of entity
    // strength substitutes for the identity allow but not for the boundary or session (E9).
    @output
    pub struct StackF(pub u32);
    @output
    pub struct StackM(pub u32);
    struct EntityStackF(u32);
    struct EntityStackM(u32);
    StackF(q) <- IdF(q), BndOkF(q), SessOkF(q);
    StackM(q) <- IdM(q), BndOkM(q), SessOkM(q);
    EntityStackF(q) <- RbpEntityF(q), BndOkF(q), SessOkF(q);
    EntityStackM(q) <- RbpEntityM(q), BndOkM(q), SessOkM(q);

    // Grants, before denies and guardrails.
    @output
    pub struct GrantF(pub u32);
    @output
    pub struct GrantM(pub u32);
    struct Same(u32);
    struct SameOrdinary(u32);
    struct SameRequired(u32);
    struct Cross(u32);
    Same(q) <- Flag(q, f), (f == flag::SAME_ACCOUNT);
    SameOrdinary(q) <- Same(q), !Flag(q, flag::RBP_REQUIRED);
    SameRequired(q) <- Same(q), Flag(q, flag::RBP_REQUIRED);
    Cross(q) <- Flag(q, f), (f == flag::AWS_PRINCIPAL), !Flag(q, flag::SAME_ACCOUNT), !Flag(q, flag::OWNER_ONLY);

    // E4: same account, ordinary resources: either side suffices, by strength.
    GrantF(q) <- SameOrdinary(q), RbpDirectF(q);
    GrantM(q) <- SameOrdinary(q), RbpDirectM(q);
    GrantF(q) <- SameOrdinary(q), StackF(q);
    GrantM(q) <- SameOrdinary(q), StackM(q);
    GrantF(q) <- SameOrdinary(q), EntityStackF(q);
    GrantM(q) <- SameOrdinary(q), EntityStackM(q);
    // E7, E8: role trust and KMS key policies must allow; an account grant needs the identity side.
    GrantF(q) <- SameRequired(q), RbpDirectF(q);
    GrantM(q) <- SameRequired(q), RbpDirectM(q);
    GrantF(q) <- SameRequired(q), EntityStackF(q);
    GrantM(q) <- SameRequired(q), EntityStackM(q);
    GrantF(q) <- SameRequired(q), RbpAnyF(q), StackF(q);
    GrantM(q) <- SameRequired(q), RbpAnyM(q), StackM(q);
    // E5: cross-account needs both sides; an unknown external resource policy may allow.
    GrantF(q) <- Cross(q), StackF(q), RbpAnyF(q);
    GrantM(q) <- Cross(q), StackM(q), RbpAnyM(q);
    GrantM(q) <- Cross(q), StackM(q), Flag(q, f), (f == flag::RES_UNKNOWN);
    // P7, E11: service principals and anonymous callers have only the resource side.
    GrantF(q) <- Flag(q, f), RbpAnyF(q), (f == flag::NON_IAM_CALLER);
    GrantM(q) <- Flag(q, f), RbpAnyM(q), (f == flag::NON_IAM_CALLER);
    // E8: a loaded KMS grant for the caller and operation allows without identity policy.
    GrantF(q) <- Flag(q, f), Flag(q, g), (f == flag::GRANT && g == flag::AWS_PRINCIPAL);
    GrantM(q) <- Flag(q, f), Flag(q, g), (f == flag::GRANT && g == flag::AWS_PRINCIPAL);
    // E8: a KMS grant we have not seen may allow.
    GrantM(q) <- Flag(q, f), Flag(q, g), (f == flag::GRANTS_UNKNOWN && g == flag::AWS_PRINCIPAL);

    // E3: deny first, then guardrails, then grants.
    @output
    pub struct AllowF(pub u32);
    @output
    pub struct AllowM(pub u32);
    AllowF(q) <- Flag(q, f), (f == flag::ALWAYS);
    AllowM(q) <- Flag(q, f), (f == flag::ALWAYS);
    AllowF(q) <- GrantF(q), !AnyDenyM(q), !ScpGapM(q), !RcpGapM(q), !Flag(q, flag::PARTIAL);
    AllowM(q) <- GrantM(q), !AnyDenyF(q), !ScpGapF(q), !RcpGapF(q);
    // E12: with skipped documents, a skipped Allow may add access.
    AllowM(q) <- Flag(q, f), !AnyDenyF(q), (f == flag::PARTIAL);
}

/// The facts of one request, in the compact form the program reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestFacts {
    /// Bit `1 << f` for each flag `f` of [`flag`].
    pub flags: u16,
    /// Number of SCP levels that must each allow (0 when SCPs do not apply).
    pub scp_levels: u8,
    /// Number of RCP levels that must each allow.
    pub rcp_levels: u8,
    /// (layer, level, effect, strength, firm), sorted and deduplicated.
    pub hits: Vec<(u8, u8, u8, u8, bool)>,
}

impl RequestFacts {
    /// Sets a flag.
    pub fn set(&mut self, f: u8) {
        self.flags |= 1 << f;
    }
    /// Tests a flag.
    pub fn has(&self, f: u8) -> bool {
        self.flags & (1 << f) != 0
    }
}

/// What the program concluded for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conclusion {
    /// Surely allowed.
    pub allow_firm: bool,
    /// Possibly allowed.
    pub allow_maybe: bool,
    /// Layers with a surely matching deny.
    pub deny_firm: Vec<u8>,
    /// Layers with a possibly matching deny.
    pub deny_maybe: Vec<u8>,
    /// An SCP level surely lacks an allow.
    pub scp_gap: bool,
    /// An RCP level surely lacks an allow.
    pub rcp_gap: bool,
    /// The identity stack (identity ∩ boundary ∩ session) possibly allows.
    pub stack_maybe: bool,
    /// Some grant possibly applies.
    pub grant_maybe: bool,
}

/// Runs the decision program over a batch of (deduplicated) requests.
pub fn decide(batch: &[RequestFacts]) -> Vec<Conclusion> {
    let mut rt = Crepe::new();
    for (q, f) in batch.iter().enumerate() {
        let q = q as u32;
        rt.extend([Req(q)]);
        for b in 0..16u8 {
            if f.has(b) {
                rt.extend([Flag(q, b)]);
            }
        }
        rt.extend((0..f.scp_levels).map(|v| ScpLevel(q, v)));
        rt.extend((0..f.rcp_levels).map(|v| RcpLevel(q, v)));
        rt.extend(
            f.hits
                .iter()
                .map(|&(l, v, e, s, firm)| Hit(q, l, v, e, s, firm)),
        );
    }
    let (
        deny_f,
        deny_m,
        scp_f,
        _scp_m,
        rcp_f,
        _rcp_m,
        _stack_f,
        stack_m,
        _grant_f,
        grant_m,
        allow_f,
        allow_m,
    ) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
    let mut out = vec![Conclusion::default(); batch.len()];
    for AllowF(q) in allow_f {
        out[q as usize].allow_firm = true;
    }
    for AllowM(q) in allow_m {
        out[q as usize].allow_maybe = true;
    }
    for DenyF(q, l) in deny_f {
        out[q as usize].deny_firm.push(l);
    }
    for DenyM(q, l) in deny_m {
        out[q as usize].deny_maybe.push(l);
    }
    for ScpGapF(q) in scp_f {
        out[q as usize].scp_gap = true;
    }
    for RcpGapF(q) in rcp_f {
        out[q as usize].rcp_gap = true;
    }
    for StackM(q) in stack_m {
        out[q as usize].stack_maybe = true;
    }
    for GrantM(q) in grant_m {
        out[q as usize].grant_maybe = true;
    }
    for c in &mut out {
        c.deny_firm.sort_unstable();
        c.deny_maybe.sort_unstable();
    }
    out
}
