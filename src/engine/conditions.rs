//! Three-valued evaluation of conditions (C1–C14) and policy variables (M9).
//!
//! A condition entry (`operator: {key: values}`) evaluates to [`Tri::True`], [`Tri::False`] or
//! [`Tri::Unknown`]. `Unknown` arises when the request context does not know a key (C14), when a
//! policy variable's value is unknown, and when iamdl does not understand the operator or a policy
//! value (C14: never `False`, never dropped).
//!
//! Evaluation of one entry, in order:
//! 1. unknown operator or malformed policy value → `Unknown`;
//! 2. key `Unknown` → `Unknown`;
//! 3. `Null` → presence test (C11);
//! 4. key absent (or an empty set) → `…IfExists` true (C10); `ForAllValues` true, `ForAnyValue`
//!    false (C12); otherwise negated operators true, positive false (C2);
//! 5. per request value `r`: `M(r)` = OR over policy values `p` of `op(r, p)` (C1), negated for the
//!    `Not` family (so `r` must differ from every `p`);
//! 6. `ForAllValues`: AND of `M(r)`; `ForAnyValue` and plain operators: OR of `M(r)` (C12).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::iam::condition::{CondOp, Condition, SetQualifier};
use crate::iam::pattern::{arn_like, glob_matches};

/// Kleene truth value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    /// Definitely true.
    True,
    /// Definitely false.
    False,
    /// Depends on something not known statically (C14).
    Unknown,
}

impl Tri {
    /// Kleene AND: `False` dominates.
    #[inline]
    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    /// Kleene OR: `True` dominates.
    #[inline]
    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    /// Kleene NOT.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

impl From<bool> for Tri {
    #[inline]
    fn from(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// What the request context says about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// Key absent from the request (per C2/C10/C11).
    Absent,
    /// Key present with these values (one element for single-valued keys; may be empty for an
    /// empty multivalued set). An empty set is evaluated like an absent key.
    Values(Vec<String>),
    /// Not known statically (C14): presence and value unknown.
    Unknown,
    /// Known to be present, value unknown (e.g. `aws:TokenIssueTime` of a role session).
    Present,
}

impl KeyValue {
    /// A single-valued key.
    pub fn one(v: impl Into<String>) -> KeyValue {
        KeyValue::Values(vec![v.into()])
    }

    /// A multivalued key.
    pub fn many<S: Into<String>>(vs: impl IntoIterator<Item = S>) -> KeyValue {
        KeyValue::Values(vs.into_iter().map(Into::into).collect())
    }
}

/// The request context as seen by conditions; `key_lc` is lower-cased (G9).
pub trait ContextLookup {
    /// What the context says about the key `key_lc` (already lower-cased).
    fn lookup(&self, key_lc: &str) -> KeyValue;
}

/// A simple map-backed context (lower-cased keys), useful for tests and for `--context`.
#[derive(Debug, Clone, Default)]
pub struct MapContext {
    /// Known keys, lower-cased.
    pub values: FxHashMap<String, KeyValue>,
    /// What a key not in `values` is: `Unknown` when true, `Absent` when false (the default).
    pub missing_is_unknown: bool,
}

impl MapContext {
    /// An empty context in which missing keys are absent.
    pub fn new() -> MapContext {
        MapContext::default()
    }

    /// An empty context in which missing keys are unknown (static analysis).
    pub fn unknown_by_default() -> MapContext {
        MapContext {
            values: FxHashMap::default(),
            missing_is_unknown: true,
        }
    }

    /// Sets `key` (any case) to `v`.
    pub fn set(&mut self, key: &str, v: KeyValue) {
        self.values.insert(key.to_ascii_lowercase(), v);
    }

    /// Builder form of [`MapContext::set`].
    pub fn with(mut self, key: &str, v: KeyValue) -> MapContext {
        self.set(key, v);
        self
    }

    /// Builder: `key` is single-valued with value `v`.
    pub fn with_value(self, key: &str, v: &str) -> MapContext {
        self.with(key, KeyValue::one(v))
    }

    /// Builder: `key` is multivalued with values `vs`.
    pub fn with_values(self, key: &str, vs: &[&str]) -> MapContext {
        self.with(key, KeyValue::many(vs.iter().copied()))
    }
}

impl ContextLookup for MapContext {
    fn lookup(&self, key_lc: &str) -> KeyValue {
        match self.values.get(key_lc) {
            Some(v) => v.clone(),
            None if self.missing_is_unknown => KeyValue::Unknown,
            None => KeyValue::Absent,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// M9: policy variables

/// Result of substituting policy variables in a string (M9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Substituted {
    /// The text with every variable replaced.
    Text(String),
    /// A variable without default is absent.
    Absent,
    /// A variable's value is unknown.
    Unknown,
}

/// M9: replaces `${key}` / `${key, 'default'}` (key case-insensitive) and the escapes `${*}`,
/// `${?}`, `${$}`. Only single-valued keys substitute; a multivalued value → Unknown. No `${` →
/// returned unchanged.
///
/// Precedence when several variables disagree: any absent variable without default makes the
/// result `Absent` (the comparison fails whatever the others are); otherwise any unknown
/// variable makes it `Unknown`. A key that is present with an empty set counts as absent. A
/// `${` that does not start a well-formed variable is kept as literal text.
///
/// Note: in the returned text the escapes `${*}` and `${?}` become plain `*`/`?`, which a glob
/// matcher would read as wildcards. Condition evaluation keeps track of such literal characters
/// internally.
pub fn substitute(text: &str, ctx: &dyn ContextLookup) -> Substituted {
    match subst(text, ctx, false) {
        Sub::Text(t, _) => Substituted::Text(t.into_owned()),
        Sub::Absent => Substituted::Absent,
        Sub::Unknown => Substituted::Unknown,
    }
}

/// Internal substitution result: borrowed when nothing was substituted; with the byte offsets
/// of `*`/`?` characters that are literal (from `${*}`, `${?}` or a variable's value) when
/// `track` was requested.
enum Sub<'a> {
    Text(Cow<'a, str>, Vec<usize>),
    Absent,
    Unknown,
}

enum Var<'a> {
    Escape(char),
    Key {
        key: &'a str,
        default: Option<&'a str>,
    },
}

/// Parses the variable after a `${`; returns it and the bytes consumed including the `}`.
fn parse_var(s: &str) -> Option<(Var<'_>, usize)> {
    let i = s.find([',', '}'])?;
    let key = s[..i].trim();
    if s.as_bytes()[i] == b'}' {
        return match key {
            "*" => Some((Var::Escape('*'), i + 1)),
            "?" => Some((Var::Escape('?'), i + 1)),
            "$" => Some((Var::Escape('$'), i + 1)),
            "" => None,
            k => Some((
                Var::Key {
                    key: k,
                    default: None,
                },
                i + 1,
            )),
        };
    }
    if key.is_empty() {
        return None;
    }
    // `, 'default'}`
    let after_comma = &s[i + 1..];
    let rest = after_comma.trim_start();
    let rest = rest.strip_prefix('\'')?;
    let q = rest.find('\'')?;
    let default = &rest[..q];
    let tail = &rest[q + 1..];
    let tail_trim = tail.trim_start();
    if !tail_trim.starts_with('}') {
        return None;
    }
    let consumed = s.len() - tail_trim.len() + 1;
    Some((
        Var::Key {
            key,
            default: Some(default),
        },
        consumed,
    ))
}

fn push_literal_text(out: &mut String, lits: &mut Vec<usize>, v: &str, track: bool) {
    if track {
        for (i, b) in v.bytes().enumerate() {
            if b == b'*' || b == b'?' {
                lits.push(out.len() + i);
            }
        }
    }
    out.push_str(v);
}

fn subst<'a>(text: &'a str, ctx: &dyn ContextLookup, track: bool) -> Sub<'a> {
    if !text.contains("${") {
        return Sub::Text(Cow::Borrowed(text), Vec::new());
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut lits = Vec::new();
    let (mut absent, mut unknown) = (false, false);
    let mut pos = 0;
    while let Some(off) = text[pos..].find("${") {
        let start = pos + off;
        out.push_str(&text[pos..start]);
        match parse_var(&text[start + 2..]) {
            None => {
                out.push_str("${");
                pos = start + 2;
            }
            Some((var, used)) => {
                pos = start + 2 + used;
                match var {
                    Var::Escape(c) => {
                        if track && c != '$' {
                            lits.push(out.len());
                        }
                        out.push(c);
                    }
                    Var::Key { key, default } => {
                        let kv = ctx.lookup(&key.to_ascii_lowercase());
                        match kv {
                            KeyValue::Values(vs) if vs.len() == 1 => {
                                push_literal_text(&mut out, &mut lits, &vs[0], track)
                            }
                            KeyValue::Values(vs) if vs.len() > 1 => unknown = true,
                            KeyValue::Unknown | KeyValue::Present => unknown = true,
                            // Absent or an empty set.
                            _ => match default {
                                // The default is policy text: its wildcards stay wildcards.
                                Some(d) => out.push_str(d),
                                None => absent = true,
                            },
                        }
                    }
                }
            }
        }
    }
    out.push_str(&text[pos..]);
    if absent {
        Sub::Absent
    } else if unknown {
        Sub::Unknown
    } else {
        Sub::Text(Cow::Owned(out), lits)
    }
}

// ---------------------------------------------------------------------------------------------
// Operators

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }
}

/// The positive comparison behind an operator (negation is applied by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StrEq,
    StrEqIc,
    StrLike,
    Num(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

impl Kind {
    fn of(op: CondOp) -> Kind {
        use CondOp::*;
        match op {
            StringEquals | StringNotEquals => Kind::StrEq,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => Kind::StrEqIc,
            StringLike | StringNotLike => Kind::StrLike,
            NumericEquals | NumericNotEquals => Kind::Num(Cmp::Eq),
            NumericLessThan => Kind::Num(Cmp::Lt),
            NumericLessThanEquals => Kind::Num(Cmp::Le),
            NumericGreaterThan => Kind::Num(Cmp::Gt),
            NumericGreaterThanEquals => Kind::Num(Cmp::Ge),
            DateEquals | DateNotEquals => Kind::Date(Cmp::Eq),
            DateLessThan => Kind::Date(Cmp::Lt),
            DateLessThanEquals => Kind::Date(Cmp::Le),
            DateGreaterThan => Kind::Date(Cmp::Gt),
            DateGreaterThanEquals => Kind::Date(Cmp::Ge),
            Bool => Kind::Bool,
            BinaryEquals => Kind::Binary,
            IpAddress | NotIpAddress => Kind::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Kind::Arn,
            Null => Kind::Null,
        }
    }

    /// Whether a policy value (before substitution) is well-formed for this operator. Values
    /// with variables still to substitute are checked after substitution instead.
    fn valid_policy_value(self, v: &str, subst: bool) -> bool {
        let pending = || subst && v.contains("${");
        match self {
            Kind::StrEq | Kind::StrEqIc | Kind::StrLike => true,
            Kind::Num(_) => parse_decimal(v).is_some(),
            Kind::Date(_) => parse_date(v).is_some(),
            Kind::Bool => parse_bool(v).is_some() || pending(),
            Kind::Binary => base64_decode(v).is_some(),
            Kind::Ip => parse_cidr(v).is_some(),
            Kind::Arn => arn_pattern_ok(v) || pending(),
            Kind::Null => parse_bool(v).is_some(),
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An ARN-operator policy value must have six parts, or be exactly `*`.
fn arn_pattern_ok(p: &str) -> bool {
    p == "*" || p.bytes().filter(|&b| b == b':').nth(4).is_some()
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// `op(r, p)` for one request value and one policy value, before negation.
fn base_match(kind: Kind, p: &str, r: &str, subst_vars: bool, ctx: &dyn ContextLookup) -> Tri {
    match kind {
        Kind::StrEq | Kind::StrEqIc | Kind::StrLike | Kind::Arn | Kind::Bool => {
            let track = matches!(kind, Kind::StrLike | Kind::Arn);
            let (p, lits) = if subst_vars {
                match subst(p, ctx, track) {
                    // M9: an absent variable makes the comparison fail (the caller negates for
                    // the `Not` family, where it then succeeds).
                    Sub::Absent => return Tri::False,
                    Sub::Unknown => return Tri::Unknown,
                    Sub::Text(t, l) => (t, l),
                }
            } else {
                (Cow::Borrowed(p), Vec::new())
            };
            let p: &str = &p;
            match kind {
                Kind::StrEq => (p == r).into(),
                Kind::StrEqIc => eq_ignore_case(p, r).into(),
                Kind::StrLike => {
                    if lits.is_empty() {
                        glob_matches(p, r).into()
                    } else {
                        lit_glob(&lit_tokens(p, &lits), &r.chars().collect::<Vec<_>>()).into()
                    }
                }
                Kind::Arn => {
                    if !arn_pattern_ok(p) {
                        Tri::Unknown
                    } else if lits.is_empty() {
                        arn_like(p, r).into()
                    } else {
                        lit_arn_like(&lit_tokens(p, &lits), r).into()
                    }
                }
                _ => match parse_bool(p) {
                    None => Tri::Unknown,
                    Some(b) => (parse_bool(r) == Some(b)).into(),
                },
            }
        }
        Kind::Num(cmp) => match (parse_decimal(p), parse_decimal(r)) {
            (None, _) => Tri::Unknown,
            (Some(_), None) => Tri::False,
            (Some(pv), Some(rv)) => cmp.holds(rv.cmp(&pv)).into(),
        },
        Kind::Date(cmp) => match (parse_date(p), parse_date(r)) {
            (None, _) => Tri::Unknown,
            (Some(_), None) => Tri::False,
            (Some(pv), Some(rv)) => cmp.holds(rv.cmp(&pv)).into(),
        },
        Kind::Binary => match base64_decode(p) {
            None => Tri::Unknown,
            Some(bytes) => {
                let req = base64_decode(r);
                (req.as_deref() == Some(bytes.as_slice()) || r.as_bytes() == bytes.as_slice())
                    .into()
            }
        },
        Kind::Ip => match parse_cidr(p) {
            None => Tri::Unknown,
            Some(net) => match r.trim().parse::<IpAddr>() {
                Ok(ip) => net.contains(ip).into(),
                Err(_) => Tri::False,
            },
        },
        Kind::Null => Tri::Unknown,
    }
}

/// Evaluates one condition entry. `variables`: substitute variables in values (true only under
/// Version 2012-10-17 and only for string/ARN/Bool operators — CondOp::substitutes_variables()).
pub fn eval_condition(c: &Condition, ctx: &dyn ContextLookup, variables: bool) -> Tri {
    let Some(op) = c.op else {
        return Tri::Unknown;
    };
    // A key or value the IaC loaders could not resolve before deployment (`{{…}}`) may be
    // anything: the condition is undecided, never false (the answer lists it as a residual).
    if super::matching::is_template_symbol(&c.key_lc)
        || (op == CondOp::Null
            && c.values
                .iter()
                .any(|v| super::matching::is_template_symbol(v)))
    {
        return Tri::Unknown;
    }
    let kind = Kind::of(op);
    let subst_vars = variables && op.substitutes_variables();
    if !c
        .values
        .iter()
        .all(|v| kind.valid_policy_value(v, subst_vars))
    {
        return Tri::Unknown;
    }
    let kv = ctx.lookup(&c.key_lc);
    if kind == Kind::Null {
        // C11. Null with an unknown key is unknown.
        let present = match &kv {
            KeyValue::Unknown => return Tri::Unknown,
            KeyValue::Present => true,
            KeyValue::Absent => false,
            KeyValue::Values(v) => !v.is_empty(),
        };
        let any = c.values.iter().any(|v| parse_bool(v) == Some(!present));
        return any.into();
    }
    let request: &[String] = match &kv {
        KeyValue::Unknown | KeyValue::Present => return Tri::Unknown,
        KeyValue::Values(v) if !v.is_empty() => v,
        // Absent, or an empty set.
        _ => {
            return if c.if_exists {
                Tri::True // C10
            } else {
                match c.set {
                    SetQualifier::ForAllValues => Tri::True,      // C12
                    SetQualifier::ForAnyValue => Tri::False,      // C12
                    SetQualifier::None => op.is_negated().into(), // C2
                }
            };
        }
    };
    let negated = op.is_negated();
    let per_value = |r: &str| -> Tri {
        // C1: the listed values are alternatives.
        let mut any = Tri::False;
        for p in &c.values {
            if super::matching::is_template_symbol(p) {
                any = any.or(Tri::Unknown);
                continue;
            }
            any = any.or(base_match(kind, p, r, subst_vars, ctx));
            if any == Tri::True {
                break;
            }
        }
        if negated {
            any.not()
        } else {
            any
        }
    };
    match c.set {
        SetQualifier::ForAllValues => {
            let mut acc = Tri::True;
            for r in request {
                acc = acc.and(per_value(r));
                if acc == Tri::False {
                    break;
                }
            }
            acc
        }
        // C12: a plain operator on a multivalued key behaves like ForAnyValue.
        SetQualifier::ForAnyValue | SetQualifier::None => {
            let mut acc = Tri::False;
            for r in request {
                acc = acc.or(per_value(r));
                if acc == Tri::True {
                    break;
                }
            }
            acc
        }
    }
}

/// AND of all entries (C1). Short-circuits on False.
pub fn eval_conditions(cs: &[Condition], ctx: &dyn ContextLookup, variables: bool) -> Tri {
    let mut acc = Tri::True;
    for c in cs {
        acc = acc.and(eval_condition(c, ctx, variables));
        if acc == Tri::False {
            break;
        }
    }
    acc
}

// ---------------------------------------------------------------------------------------------
// Globs with literal `*`/`?` (from `${*}`, `${?}` or substituted values)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GTok {
    Lit(char),
    Any,
    Star,
}

fn lit_tokens(p: &str, lits: &[usize]) -> Vec<GTok> {
    p.char_indices()
        .map(|(i, c)| match c {
            '*' if lits.binary_search(&i).is_err() => GTok::Star,
            '?' if lits.binary_search(&i).is_err() => GTok::Any,
            c => GTok::Lit(c),
        })
        .collect()
}

/// Greedy glob over tokens (all stars match anything).
fn lit_glob(p: &[GTok], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut sp, mut st) = (usize::MAX, 0usize);
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                GTok::Star => {
                    pi += 1;
                    sp = pi;
                    st = ti;
                    continue;
                }
                GTok::Any => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                GTok::Lit(c) if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                GTok::Lit(_) => {}
            }
        }
        if sp == usize::MAX {
            return false;
        }
        st += 1;
        pi = sp;
        ti = st;
    }
    p[pi..].iter().all(|&t| t == GTok::Star)
}

/// [`arn_like`] over tokens.
fn lit_arn_like(p: &[GTok], v: &str) -> bool {
    if p == [GTok::Star] {
        return arn_like("*", v);
    }
    let mut parts: Vec<&[GTok]> = Vec::with_capacity(6);
    let mut start = 0;
    for (i, t) in p.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        if *t == GTok::Lit(':') {
            parts.push(&p[start..i]);
            start = i + 1;
        }
    }
    if parts.len() < 5 {
        return false;
    }
    parts.push(&p[start..]);
    let vp: Vec<&str> = v.splitn(6, ':').collect();
    vp.len() == 6
        && parts
            .iter()
            .zip(&vp)
            .all(|(pp, vv)| lit_glob(pp, &vv.chars().collect::<Vec<_>>()))
}

// ---------------------------------------------------------------------------------------------
// C4: decimals, compared exactly

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal<'a> {
    neg: bool,
    /// Integer digits without leading zeros.
    int: &'a [u8],
    /// Fraction digits without trailing zeros.
    frac: &'a [u8],
}

/// Parses `[+-]digits[.digits]` (at least one digit; `.5` and `5.` accepted).
fn parse_decimal(s: &str) -> Option<Decimal<'_>> {
    let b = s.as_bytes();
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let int = &int[int.iter().position(|&c| c != b'0').unwrap_or(int.len())..];
    let frac = &frac[..frac.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1)];
    let zero = int.is_empty() && frac.is_empty();
    Some(Decimal {
        neg: neg && !zero,
        int,
        frac,
    })
}

impl PartialOrd for Decimal<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Decimal<'_> {
    fn cmp(&self, o: &Self) -> Ordering {
        match (self.neg, o.neg) {
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let mag = self
            .int
            .len()
            .cmp(&o.int.len())
            .then_with(|| self.int.cmp(o.int))
            .then_with(|| self.frac.cmp(o.frac));
        if self.neg {
            mag.reverse()
        } else {
            mag
        }
    }
}

// ---------------------------------------------------------------------------------------------
// C5: dates as instants (seconds since the epoch, nanoseconds)

fn digits(b: &[u8], from: usize, n: usize) -> Option<u32> {
    let s = b.get(from..from + n)?;
    s.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Fraction digits → nanoseconds (first nine digits count).
fn frac_nanos(f: &[u8]) -> Option<u32> {
    if f.is_empty() || !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n = 0u32;
    for i in 0..9 {
        n = n * 10 + f.get(i).map_or(0, |&c| (c - b'0') as u32);
    }
    Some(n)
}

/// Parses epoch seconds (`1767225600`, `1767225600.5`, negative allowed) or ISO 8601:
/// `YYYY-MM-DD`, optionally followed by `T`/space `HH:MM[:SS[.fff]]` and a zone `Z`, `±HH`,
/// `±HHMM` or `±HH:MM` (no zone = UTC).
fn parse_date(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    // Epoch seconds.
    let unsigned = b.strip_prefix(b"-").unwrap_or(b);
    if !unsigned.is_empty()
        && unsigned[0].is_ascii_digit()
        && !unsigned.contains(&b'-')
        && !unsigned.contains(&b':')
    {
        let (int, frac) = match unsigned.iter().position(|&c| c == b'.') {
            Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
            None => (unsigned, None),
        };
        if int.is_empty() || int.len() > 15 || !int.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let secs: i64 = std::str::from_utf8(int).ok()?.parse().ok()?;
        let nanos = match frac {
            Some(f) => frac_nanos(f)?,
            None => 0,
        };
        return Some(if b[0] == b'-' {
            if nanos == 0 {
                (-secs, 0)
            } else {
                (-secs - 1, 1_000_000_000 - nanos)
            }
        } else {
            (secs, nanos)
        });
    }
    // ISO 8601.
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(b, 0, 4)? as i64;
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let (mut hh, mut mm, mut ss, mut nanos, mut offset) = (0u32, 0u32, 0u32, 0u32, 0i64);
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        hh = digits(b, i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        mm = digits(b, i + 4, 2)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            ss = digits(b, i + 1, 2)?;
            i += 3;
            if matches!(b.get(i), Some(b'.' | b',')) {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                nanos = frac_nanos(&b[start..end])?;
                i = end;
            }
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        match b.get(i) {
            None => {}
            Some(b'Z' | b'z') if i + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = digits(b, i + 1, 2)?;
                let om = match b.len() - (i + 3) {
                    0 => 0,
                    2 => digits(b, i + 3, 2)?,
                    3 if b[i + 3] == b':' => digits(b, i + 4, 2)?,
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let off = (oh * 3600 + om * 60) as i64;
                offset = if sign == b'+' { off } else { -off };
            }
            _ => return None,
        }
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + (hh * 3600 + mm * 60 + ss) as i64 - offset;
    Some((secs, nanos))
}

// ---------------------------------------------------------------------------------------------
// C7: base64

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let body = b
        .strip_suffix(b"==")
        .or_else(|| b.strip_suffix(b"="))
        .unwrap_or(b);
    if body.len() != b.len() && !b.len().is_multiple_of(4) {
        return None;
    }
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut nbits) = (0u32, 0u32);
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
            acc &= (1 << nbits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// C8: CIDR ranges

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    V4(u32, u32),
    V6(u128, u32),
}

/// `a.b.c.d/n`, `x:y::z/n` or a bare address (= /32, /128 [U]).
fn parse_cidr(s: &str) -> Option<Net> {
    let s = s.trim();
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => {
            if l.is_empty() || l.len() > 3 || !l.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (a, Some(l.parse::<u32>().ok()?))
        }
        None => (s, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let l = len.unwrap_or(32);
            (l <= 32).then_some(Net::V4(u32::from(a), l))
        }
        IpAddr::V6(a) => {
            let l = len.unwrap_or(128);
            (l <= 128).then_some(Net::V6(u128::from(a), l))
        }
    }
}

impl Net {
    fn contains(self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Net::V4(n, l), IpAddr::V4(a)) => {
                let mask = if l == 0 { 0 } else { u32::MAX << (32 - l) };
                (u32::from(a) & mask) == (n & mask)
            }
            (Net::V6(n, l), IpAddr::V6(a)) => {
                let mask = if l == 0 { 0 } else { u128::MAX << (128 - l) };
                (u128::from(a) & mask) == (n & mask)
            }
            (Net::V4(..), IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(v4) => self.contains(IpAddr::V4(v4)),
                None => false,
            },
            (Net::V6(..), IpAddr::V4(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Tri::{False as F, True as T, Unknown as U};

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition::new(op, key, values.iter().map(|s| s.to_string()).collect())
    }

    fn ev(op: &str, key: &str, values: &[&str], ctx: &MapContext) -> Tri {
        eval_condition(&cond(op, key, values), ctx, true)
    }

    fn ctx1(key: &str, v: &str) -> MapContext {
        MapContext::new().with_value(key, v)
    }

    fn absent() -> MapContext {
        MapContext::new()
    }

    fn unknown() -> MapContext {
        MapContext::unknown_by_default()
    }

    #[test]
    fn template_symbols_are_undecided_never_false() {
        let c = ctx1("aws:SourceVpce", "vpce-1");
        // A symbolic value may be the request's: unknown, for the Not family too.
        assert_eq!(
            ev("StringEquals", "aws:SourceVpce", &["{{param:V}}"], &c),
            U
        );
        assert_eq!(
            ev("StringNotEquals", "aws:SourceVpce", &["{{param:V}}"], &c),
            U
        );
        // Another listed value that matches still decides.
        assert_eq!(
            ev(
                "StringEquals",
                "aws:SourceVpce",
                &["{{param:V}}", "vpce-1"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "StringNotEquals",
                "aws:SourceVpce",
                &["{{param:V}}", "vpce-1"],
                &c
            ),
            F
        );
        // An absent key fails StringEquals whatever the value (C2).
        assert_eq!(
            ev(
                "StringEquals",
                "aws:SourceVpce",
                &["{{param:V}}"],
                &absent()
            ),
            F
        );
        // A symbolic key or Null value.
        assert_eq!(
            ev("StringEquals", "aws:ResourceTag/{{param:K}}", &["x"], &c),
            U
        );
        assert_eq!(ev("Null", "aws:SourceVpce", &["{{param:B}}"], &c), U);
    }

    // ----- Tri ----------------------------------------------------------------------------

    #[test]
    fn kleene_tables() {
        assert_eq!(T.and(U), U);
        assert_eq!(F.and(U), F);
        assert_eq!(U.and(F), F);
        assert_eq!(T.and(T), T);
        assert_eq!(T.or(U), T);
        assert_eq!(F.or(U), U);
        assert_eq!(F.or(F), F);
        assert_eq!(U.not(), U);
        assert_eq!(T.not(), F);
    }

    #[test]
    fn map_context_lookup() {
        let c = MapContext::new().with_value("AWS:SourceIp", "1.2.3.4");
        assert_eq!(c.lookup("aws:sourceip"), KeyValue::one("1.2.3.4"));
        assert_eq!(c.lookup("aws:other"), KeyValue::Absent);
        let mut u = MapContext::unknown_by_default();
        u.set("k", KeyValue::Absent);
        assert_eq!(u.lookup("k"), KeyValue::Absent);
        assert_eq!(u.lookup("j"), KeyValue::Unknown);
    }

    // ----- C1 -----------------------------------------------------------------------------

    #[test]
    fn c1_values_or_keys_and() {
        let cs = [
            cond("StringEquals", "aws:PrincipalTag/dept", &["hr", "legal"]),
            cond("StringEquals", "aws:PrincipalAccount", &["111111111111"]),
        ];
        let legal = MapContext::new()
            .with_value("aws:PrincipalTag/dept", "legal")
            .with_value("aws:PrincipalAccount", "111111111111");
        assert_eq!(eval_conditions(&cs, &legal, true), T);
        let ops = MapContext::new()
            .with_value("aws:PrincipalTag/dept", "ops")
            .with_value("aws:PrincipalAccount", "111111111111");
        assert_eq!(eval_conditions(&cs, &ops, true), F);
        let other_acct = MapContext::new()
            .with_value("aws:PrincipalTag/dept", "hr")
            .with_value("aws:PrincipalAccount", "222222222222");
        assert_eq!(eval_conditions(&cs, &other_acct, true), F);
    }

    #[test]
    fn c1_t38_negated_reads_as_and() {
        let vals = ["111111111111", "222222222222"];
        assert_eq!(
            ev(
                "StringNotEquals",
                "aws:PrincipalAccount",
                &vals,
                &ctx1("aws:PrincipalAccount", "222222222222")
            ),
            F
        );
        assert_eq!(
            ev(
                "StringNotEquals",
                "aws:PrincipalAccount",
                &vals,
                &ctx1("aws:PrincipalAccount", "999999999999")
            ),
            T
        );
    }

    #[test]
    fn c1_eval_conditions_short_circuits_and_kleene() {
        let cs = [
            cond("Bool", "aws:SecureTransport", &["false"]),
            cond("StringEquals", "k", &["v"]),
        ];
        assert_eq!(eval_conditions(&cs, &unknown(), true), U);
        assert_eq!(
            eval_conditions(&cs, &unknown().with_value("k", "x"), true),
            F
        );
        assert_eq!(eval_conditions(&[], &unknown(), true), T);
    }

    // ----- C2 -----------------------------------------------------------------------------

    #[test]
    fn c2_missing_keys() {
        for op in [
            "StringEquals",
            "StringLike",
            "NumericEquals",
            "DateEquals",
            "IpAddress",
            "ArnLike",
            "Bool",
            "StringEqualsIgnoreCase",
        ] {
            let v = match op {
                "NumericEquals" => "1",
                "DateEquals" => "2026-01-01T00:00:00Z",
                "IpAddress" => "10.0.0.0/8",
                "ArnLike" => "arn:aws:s3:::b1",
                "Bool" => "true",
                _ => "x",
            };
            assert_eq!(ev(op, "k", &[v], &absent()), F, "{op}");
        }
        for op in [
            "StringNotEquals",
            "StringNotLike",
            "NumericNotEquals",
            "DateNotEquals",
            "NotIpAddress",
            "ArnNotEquals",
            "ArnNotLike",
            "StringNotEqualsIgnoreCase",
        ] {
            let v = match op {
                "NumericNotEquals" => "1",
                "DateNotEquals" => "2026-01-01T00:00:00Z",
                "NotIpAddress" => "10.0.0.0/8",
                "ArnNotEquals" | "ArnNotLike" => "arn:aws:s3:::b1",
                _ => "x",
            };
            assert_eq!(ev(op, "k", &[v], &absent()), T, "{op}");
        }
    }

    #[test]
    fn v55_positive_on_untagged_principal() {
        // V55 (C2): StringEquals aws:PrincipalTag/team red, alice untagged → false → no allow.
        assert_eq!(
            ev("StringEquals", "aws:PrincipalTag/team", &["red"], &absent()),
            F
        );
    }

    #[test]
    fn v56_t32_negated_on_untagged_principal() {
        // V56 / T32 (C2): Deny if StringNotEquals aws:PrincipalTag/team red; untagged → true.
        assert_eq!(
            ev(
                "StringNotEquals",
                "aws:PrincipalTag/team",
                &["red"],
                &absent()
            ),
            T
        );
        assert_eq!(
            ev(
                "StringNotEquals",
                "aws:PrincipalTag/team",
                &["red"],
                &ctx1("aws:PrincipalTag/team", "red")
            ),
            F
        );
    }

    #[test]
    fn t5_v28_v29_org_id() {
        let c = ["o-exampleorg1"];
        assert_eq!(
            ev(
                "StringEquals",
                "aws:PrincipalOrgID",
                &c,
                &ctx1("aws:PrincipalOrgID", "o-exampleorg1")
            ),
            T
        );
        // carol (outside any org) / anonymous: key absent.
        assert_eq!(ev("StringEquals", "aws:PrincipalOrgID", &c, &absent()), F);
    }

    // ----- C3 -----------------------------------------------------------------------------

    #[test]
    fn c3_string_operators() {
        let c = ctx1("k", "Red-Team");
        assert_eq!(ev("StringEquals", "k", &["Red-Team"], &c), T);
        assert_eq!(ev("StringEquals", "k", &["red-team"], &c), F);
        assert_eq!(ev("StringEqualsIgnoreCase", "k", &["red-team"], &c), T);
        assert_eq!(ev("StringNotEqualsIgnoreCase", "k", &["RED-TEAM"], &c), F);
        assert_eq!(ev("StringNotEquals", "k", &["red-team"], &c), T);
        assert_eq!(ev("StringLike", "k", &["Red-*"], &c), T);
        assert_eq!(ev("StringLike", "k", &["red-*"], &c), F);
        assert_eq!(ev("StringLike", "k", &["Red?Team"], &c), T);
        assert_eq!(ev("StringLike", "k", &["*Team", "x"], &c), T);
        assert_eq!(ev("StringNotLike", "k", &["*Team"], &c), F);
        assert_eq!(ev("StringNotLike", "k", &["Blue*", "Green*"], &c), T);
        // StringLike `*` runs across colons (unlike ArnLike).
        let arn = ctx1(
            "aws:SourceArn",
            "arn:aws:svc:us-east-1:extra:111122223333:x/a",
        );
        assert_eq!(
            ev(
                "StringLike",
                "aws:SourceArn",
                &["arn:aws:svc:*:111122223333:x/*"],
                &arn
            ),
            T
        );
        assert_eq!(
            ev(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:svc:*:111122223333:x/*"],
                &arn
            ),
            F
        );
        // Unicode case folding for IgnoreCase.
        assert_eq!(
            ev("StringEqualsIgnoreCase", "k", &["ÉTÉ"], &ctx1("k", "été")),
            T
        );
    }

    // ----- C4 -----------------------------------------------------------------------------

    #[test]
    fn c4_numeric() {
        let c = ctx1("s3:max-keys", "10");
        assert_eq!(ev("NumericEquals", "s3:max-keys", &["10"], &c), T);
        assert_eq!(ev("NumericEquals", "s3:max-keys", &["10.0"], &c), T);
        assert_eq!(ev("NumericEquals", "s3:max-keys", &["010"], &c), T);
        assert_eq!(ev("NumericNotEquals", "s3:max-keys", &["10"], &c), F);
        assert_eq!(ev("NumericNotEquals", "s3:max-keys", &["11", "12"], &c), T);
        assert_eq!(ev("NumericLessThan", "s3:max-keys", &["10"], &c), F);
        assert_eq!(ev("NumericLessThanEquals", "s3:max-keys", &["10"], &c), T);
        assert_eq!(ev("NumericLessThan", "s3:max-keys", &["10.5"], &c), T);
        assert_eq!(ev("NumericGreaterThan", "s3:max-keys", &["9.99"], &c), T);
        assert_eq!(ev("NumericGreaterThan", "s3:max-keys", &["-100"], &c), T);
        assert_eq!(
            ev("NumericGreaterThanEquals", "s3:max-keys", &["10.01"], &c),
            F
        );
        let neg = ctx1("n", "-2.5");
        assert_eq!(ev("NumericLessThan", "n", &["-2"], &neg), T);
        assert_eq!(ev("NumericLessThan", "n", &["-3"], &neg), F);
        assert_eq!(ev("NumericEquals", "n", &["-2.50"], &neg), T);
        assert_eq!(ev("NumericEquals", "z", &["0"], &ctx1("z", "-0.0")), T);
        // Large integers compare exactly (beyond f64 precision).
        assert_eq!(
            ev(
                "NumericLessThan",
                "n",
                &["12345678901234567891"],
                &ctx1("n", "12345678901234567890")
            ),
            T
        );
        // Unparsable request value: does not match [U]; the negated operator then holds.
        assert_eq!(ev("NumericEquals", "n", &["1"], &ctx1("n", "one")), F);
        assert_eq!(ev("NumericNotEquals", "n", &["1"], &ctx1("n", "one")), T);
        // Malformed policy value: Unknown (C14), even when the key is absent.
        assert_eq!(ev("NumericEquals", "n", &["1", "abc"], &ctx1("n", "1")), U);
        assert_eq!(ev("NumericLessThan", "n", &["1e3"], &absent()), U);
        assert_eq!(ev("NumericLessThan", "n", &[""], &absent()), U);
    }

    // ----- C5 -----------------------------------------------------------------------------

    #[test]
    fn c5_date_parsing() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse_date("2026-01-01T00:00:00Z"), Some((1_767_225_600, 0)));
        assert_eq!(parse_date("1767225600"), Some((1_767_225_600, 0)));
        assert_eq!(parse_date("2026-01-01"), Some((1_767_225_600, 0)));
        assert_eq!(
            parse_date("2026-01-01T01:00:00+01:00"),
            Some((1_767_225_600, 0))
        );
        assert_eq!(
            parse_date("2025-12-31T19:00:00-0500"),
            Some((1_767_225_600, 0))
        );
        assert_eq!(
            parse_date("2026-01-01T00:00:00.250Z"),
            Some((1_767_225_600, 250_000_000))
        );
        assert_eq!(parse_date("2024-02-29T12:30Z"), Some((1_709_209_800, 0)));
        assert_eq!(parse_date("2000-03-01T00:00:00Z"), Some((951_868_800, 0)));
        assert_eq!(parse_date("1969-12-31T23:59:59Z"), Some((-1, 0)));
        assert_eq!(parse_date("-1.5"), Some((-2, 500_000_000)));
        assert_eq!(parse_date("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_date("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_date("2026-01-01T25:00:00Z"), None);
        assert_eq!(parse_date("2026-01-01T00:00:00ZZ"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn c5_date_operators() {
        let now = ctx1("aws:CurrentTime", "2026-03-01T12:00:00Z");
        assert_eq!(
            ev(
                "DateLessThan",
                "aws:CurrentTime",
                &["2026-12-31T00:00:00Z"],
                &now
            ),
            T
        );
        assert_eq!(
            ev(
                "DateGreaterThan",
                "aws:CurrentTime",
                &["2026-12-31T00:00:00Z"],
                &now
            ),
            F
        );
        assert_eq!(
            ev(
                "DateGreaterThanEquals",
                "aws:CurrentTime",
                &["2026-03-01T13:00:00+01:00"],
                &now
            ),
            T
        );
        assert_eq!(
            ev(
                "DateEquals",
                "aws:CurrentTime",
                &["2026-03-01T13:00:00+01:00"],
                &now
            ),
            T
        );
        assert_eq!(
            ev(
                "DateNotEquals",
                "aws:CurrentTime",
                &["2026-03-01T13:00:00+01:00"],
                &now
            ),
            F
        );
        assert_eq!(
            ev(
                "DateLessThanEquals",
                "aws:CurrentTime",
                &["1772366400"],
                &now
            ),
            T
        );
        let epoch = ctx1("aws:EpochTime", "1772366400");
        assert_eq!(
            ev(
                "DateEquals",
                "aws:EpochTime",
                &["2026-03-01T12:00:00Z"],
                &epoch
            ),
            T
        );
        assert_eq!(
            ev(
                "DateLessThan",
                "aws:EpochTime",
                &["2026-03-01T12:00:00.001Z"],
                &epoch
            ),
            T
        );
        // Malformed policy value → Unknown; unparsable request value → no match.
        assert_eq!(
            ev("DateLessThan", "aws:CurrentTime", &["next tuesday"], &now),
            U
        );
        assert_eq!(
            ev(
                "DateLessThan",
                "aws:CurrentTime",
                &["2026-12-31T00:00:00Z"],
                &ctx1("aws:CurrentTime", "soon")
            ),
            F
        );
    }

    // ----- C6 -----------------------------------------------------------------------------

    #[test]
    fn c6_bool() {
        let t = ctx1("aws:SecureTransport", "true");
        assert_eq!(ev("Bool", "aws:SecureTransport", &["true"], &t), T);
        assert_eq!(ev("Bool", "aws:SecureTransport", &["TRUE"], &t), T);
        assert_eq!(ev("Bool", "aws:SecureTransport", &["false"], &t), F);
        assert_eq!(
            ev(
                "Bool",
                "aws:SecureTransport",
                &["false"],
                &ctx1("aws:SecureTransport", "False")
            ),
            T
        );
        assert_eq!(ev("Bool", "aws:SecureTransport", &["yes"], &t), U);
        assert_eq!(
            ev(
                "Bool",
                "aws:SecureTransport",
                &["true"],
                &ctx1("aws:SecureTransport", "1")
            ),
            F
        );
    }

    #[test]
    fn v61_v62_secure_transport() {
        // V61 (C14): Deny if Bool aws:SecureTransport false, no context → Unknown (deny_if residual).
        assert_eq!(ev("Bool", "aws:SecureTransport", &["false"], &unknown()), U);
        // V62 (C6): ctx aws:SecureTransport=true → the deny's condition is false.
        assert_eq!(
            ev(
                "Bool",
                "aws:SecureTransport",
                &["false"],
                &ctx1("aws:SecureTransport", "true")
            ),
            F
        );
    }

    // ----- C7 -----------------------------------------------------------------------------

    #[test]
    fn c7_binary_equals() {
        assert_eq!(
            base64_decode("QmluYXJ5VmFsdWU="),
            Some(b"BinaryValue".to_vec())
        );
        assert_eq!(base64_decode("YQ=="), Some(b"a".to_vec()));
        assert_eq!(base64_decode("YWI="), Some(b"ab".to_vec()));
        assert_eq!(base64_decode("YWJj"), Some(b"abc".to_vec()));
        assert_eq!(base64_decode(""), Some(vec![]));
        assert_eq!(base64_decode("Y"), None);
        assert_eq!(base64_decode("YQ="), None);
        assert_eq!(base64_decode("Y!=="), None);
        // Request value given raw or base64-encoded.
        assert_eq!(
            ev(
                "BinaryEquals",
                "k",
                &["QmluYXJ5VmFsdWU="],
                &ctx1("k", "BinaryValue")
            ),
            T
        );
        assert_eq!(
            ev(
                "BinaryEquals",
                "k",
                &["QmluYXJ5VmFsdWU="],
                &ctx1("k", "QmluYXJ5VmFsdWU=")
            ),
            T
        );
        assert_eq!(
            ev(
                "BinaryEquals",
                "k",
                &["QmluYXJ5VmFsdWU="],
                &ctx1("k", "Other")
            ),
            F
        );
        assert_eq!(
            ev("BinaryEquals", "k", &["not base64!"], &ctx1("k", "x")),
            U
        );
    }

    // ----- C8 -----------------------------------------------------------------------------

    #[test]
    fn c8_ip_addresses() {
        let ip = |v: &str| ctx1("aws:SourceIp", v);
        let r = ["203.0.113.0/24"];
        assert_eq!(ev("IpAddress", "aws:SourceIp", &r, &ip("203.0.113.77")), T);
        assert_eq!(ev("IpAddress", "aws:SourceIp", &r, &ip("203.0.114.1")), F);
        assert_eq!(
            ev("NotIpAddress", "aws:SourceIp", &r, &ip("203.0.114.1")),
            T
        );
        assert_eq!(
            ev("NotIpAddress", "aws:SourceIp", &r, &ip("203.0.113.1")),
            F
        );
        assert_eq!(
            ev(
                "NotIpAddress",
                "aws:SourceIp",
                &["10.0.0.0/8", "203.0.113.0/24"],
                &ip("203.0.113.1")
            ),
            F
        );
        // Bare address = single host [U].
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &["203.0.113.5"],
                &ip("203.0.113.5")
            ),
            T
        );
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &["203.0.113.5"],
                &ip("203.0.113.6")
            ),
            F
        );
        // /0 and host bits in the range.
        assert_eq!(
            ev("IpAddress", "aws:SourceIp", &["0.0.0.0/0"], &ip("8.8.8.8")),
            T
        );
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &["203.0.113.9/24"],
                &ip("203.0.113.200")
            ),
            T
        );
        // IPv6.
        let v6 = ["2001:DB8:1234:5678::/64"];
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &v6,
                &ip("2001:db8:1234:5678::1")
            ),
            T
        );
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &v6,
                &ip("2001:db8:1234:5679::1")
            ),
            F
        );
        assert_eq!(
            ev(
                "IpAddress",
                "aws:SourceIp",
                &["2001:db8::1"],
                &ip("2001:db8::1")
            ),
            T
        );
        assert_eq!(
            ev("IpAddress", "aws:SourceIp", &["::/0"], &ip("203.0.113.5")),
            F
        );
        assert_eq!(
            ev("IpAddress", "aws:SourceIp", &r, &ip("::ffff:203.0.113.5")),
            T
        );
        // Family mismatch, garbage request value: no match.
        assert_eq!(ev("IpAddress", "aws:SourceIp", &r, &ip("2001:db8::1")), F);
        assert_eq!(ev("IpAddress", "aws:SourceIp", &r, &ip("vpce")), F);
        // Malformed ranges → Unknown.
        for bad in [
            "203.0.113.0/33",
            "203.0.113/24",
            "2001:db8::/129",
            "foo",
            "1.2.3.4/",
            "1.2.3.4/-1",
        ] {
            assert_eq!(
                ev("IpAddress", "aws:SourceIp", &[bad], &ip("203.0.113.5")),
                U,
                "{bad}"
            );
            assert_eq!(
                ev("NotIpAddress", "aws:SourceIp", &[bad], &absent()),
                U,
                "{bad}"
            );
        }
    }

    #[test]
    fn v60_t33_source_ip() {
        // V60 (C14): no context → Unknown (allow_if residual).
        assert_eq!(
            ev("IpAddress", "aws:SourceIp", &["203.0.113.0/24"], &unknown()),
            U
        );
        // T33 (C2, C8): through a VPC endpoint aws:SourceIp is absent → NotIpAddress true.
        assert_eq!(
            ev(
                "NotIpAddress",
                "aws:SourceIp",
                &["203.0.113.0/24"],
                &absent()
            ),
            T
        );
    }

    // ----- C9 -----------------------------------------------------------------------------

    #[test]
    fn c9_v52_v53_arn_operators() {
        let alias = "arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS1";
        // The key is written `AWS:SourceArn` (T28): lookup is lower-cased.
        let c1 = ctx1("aws:SourceArn", alias);
        let c2 = ctx1(
            "aws:SourceArn",
            "arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS2",
        );
        assert_eq!(ev("ArnLike", "AWS:SourceArn", &[alias], &c1), T);
        assert_eq!(ev("ArnLike", "AWS:SourceArn", &[alias], &c2), F);
        assert_eq!(ev("ArnEquals", "AWS:SourceArn", &[alias], &c1), T);
        assert_eq!(ev("ArnNotEquals", "AWS:SourceArn", &[alias], &c2), T);
        assert_eq!(
            ev(
                "ArnNotLike",
                "AWS:SourceArn",
                &["arn:aws:lex:*:111111111111:bot-alias/BOT1/*"],
                &c2
            ),
            F
        );
        assert_eq!(
            ev(
                "ArnLike",
                "AWS:SourceArn",
                &["arn:aws:lex:*:*:bot-alias/*"],
                &c2
            ),
            T
        );
        assert_eq!(
            ev(
                "ArnLike",
                "AWS:SourceArn",
                &["arn:aws:lex:us-east-1:111111111111:bot-alias/bot1/*"],
                &c2
            ),
            F
        );
        // A request value that is not an ARN does not match.
        assert_eq!(
            ev(
                "ArnLike",
                "AWS:SourceArn",
                &["*"],
                &ctx1("aws:SourceArn", "nope")
            ),
            F
        );
        assert_eq!(ev("ArnLike", "AWS:SourceArn", &["*"], &c1), T);
        // A pattern with fewer than six parts is malformed → Unknown.
        assert_eq!(ev("ArnLike", "AWS:SourceArn", &["arn:aws:lex:*"], &c1), U);
    }

    // ----- C10 ----------------------------------------------------------------------------

    #[test]
    fn c10_if_exists() {
        assert_eq!(ev("StringEqualsIfExists", "k", &["a"], &absent()), T);
        assert_eq!(ev("StringEqualsIfExists", "k", &["a"], &ctx1("k", "a")), T);
        assert_eq!(ev("StringEqualsIfExists", "k", &["a"], &ctx1("k", "b")), F);
        assert_eq!(
            ev(
                "StringNotEqualsIfExists",
                "aws:PrincipalTag/team",
                &["red"],
                &absent()
            ),
            T
        );
        assert_eq!(
            ev(
                "StringNotEqualsIfExists",
                "aws:PrincipalTag/team",
                &["red"],
                &ctx1("aws:PrincipalTag/team", "blue")
            ),
            T
        );
        assert_eq!(
            ev(
                "StringNotEqualsIfExists",
                "aws:PrincipalTag/team",
                &["red"],
                &ctx1("aws:PrincipalTag/team", "red")
            ),
            F
        );
        assert_eq!(ev("NumericLessThanIfExists", "k", &["3"], &absent()), T);
        assert_eq!(ev("StringEqualsIfExists", "k", &["a"], &unknown()), U);
        assert_eq!(
            ev("ForAnyValue:StringEqualsIfExists", "k", &["a"], &absent()),
            T
        );
    }

    #[test]
    fn v65_t4_bool_if_exists_mfa() {
        // V65 / T4 (C10): long-term keys → aws:MultiFactorAuthPresent absent → deny applies.
        let c = "aws:MultiFactorAuthPresent";
        assert_eq!(ev("BoolIfExists", c, &["false"], &absent()), T);
        // MFA session → present and true → deny does not apply.
        assert_eq!(ev("BoolIfExists", c, &["false"], &ctx1(c, "true")), F);
        assert_eq!(ev("BoolIfExists", c, &["false"], &unknown()), U);
    }

    #[test]
    fn v37_t26_rcp_perimeter() {
        let cs = [
            cond(
                "StringNotEqualsIfExists",
                "aws:PrincipalOrgID",
                &["o-exampleorg1"],
            ),
            cond("Bool", "aws:PrincipalIsAWSService", &["false"]),
        ];
        let carol = MapContext::new().with_value("aws:PrincipalIsAWSService", "false");
        assert_eq!(eval_conditions(&cs, &carol, true), T);
        let ops = MapContext::new()
            .with_value("aws:PrincipalOrgID", "o-exampleorg1")
            .with_value("aws:PrincipalIsAWSService", "false");
        assert_eq!(eval_conditions(&cs, &ops, true), F);
        let cloudtrail = MapContext::new().with_value("aws:PrincipalIsAWSService", "true");
        assert_eq!(eval_conditions(&cs, &cloudtrail, true), F);
    }

    // ----- C11 ----------------------------------------------------------------------------

    #[test]
    fn c11_null() {
        assert_eq!(ev("Null", "k", &["true"], &absent()), T);
        assert_eq!(ev("Null", "k", &["false"], &absent()), F);
        assert_eq!(ev("Null", "k", &["true"], &ctx1("k", "v")), F);
        assert_eq!(ev("Null", "k", &["false"], &ctx1("k", "v")), T);
        assert_eq!(ev("Null", "k", &["TRUE"], &absent()), T);
        assert_eq!(ev("Null", "k", &["true"], &unknown()), U);
        assert_eq!(ev("Null", "k", &["maybe"], &absent()), U);
        // An empty multivalued set counts as absent.
        assert_eq!(
            ev(
                "Null",
                "k",
                &["true"],
                &MapContext::new().with_values("k", &[])
            ),
            T
        );
        // `NullIfExists` is not an operator (the suffix stays part of the name) → Unknown.
        assert_eq!(ev("NullIfExists", "k", &["true"], &absent()), U);
    }

    #[test]
    fn v63_v64_token_issue_time() {
        // V63 (C11): alice with access keys: aws:TokenIssueTime absent → Null true holds.
        assert_eq!(ev("Null", "aws:TokenIssueTime", &["true"], &absent()), T);
        // V64: a role session has aws:TokenIssueTime.
        assert_eq!(
            ev(
                "Null",
                "aws:TokenIssueTime",
                &["true"],
                &ctx1("aws:TokenIssueTime", "2026-01-01T00:00:00Z")
            ),
            F
        );
    }

    // ----- C12 ----------------------------------------------------------------------------

    #[test]
    fn v57_t31_for_all_values_empty_and_absent() {
        // V57 / T31: ForAllValues on an empty set (and on an absent key) is true.
        let keys = ["Env", "Owner"];
        let empty = MapContext::new().with_values("aws:TagKeys", &[]);
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &keys, &empty),
            T
        );
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &keys, &absent()),
            T
        );
        let sub = MapContext::new().with_values("aws:TagKeys", &["Env"]);
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &keys, &sub),
            T
        );
        let both = MapContext::new().with_values("aws:TagKeys", &["Owner", "Env"]);
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &keys, &both),
            T
        );
    }

    #[test]
    fn v58_for_any_value_empty() {
        // V58: ForAnyValue on an empty set (or absent key) is false.
        let keys = ["Env", "Owner"];
        let empty = MapContext::new().with_values("aws:TagKeys", &[]);
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:TagKeys", &keys, &empty),
            F
        );
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:TagKeys", &keys, &absent()),
            F
        );
        // Also for a negated operator (C12 wins over C2 for set operators).
        assert_eq!(
            ev(
                "ForAnyValue:StringNotEquals",
                "aws:TagKeys",
                &keys,
                &absent()
            ),
            F
        );
    }

    #[test]
    fn v59_for_all_values_extra_key() {
        // V59: [Env, Cost] — Cost is not allowed → false.
        let keys = ["Env", "Owner"];
        let ctx = MapContext::new().with_values("aws:TagKeys", &["Env", "Cost"]);
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &keys, &ctx),
            F
        );
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:TagKeys", &keys, &ctx),
            T
        );
    }

    #[test]
    fn c12_set_operators() {
        let tags = MapContext::new().with_values("aws:TagKeys", &["Env", "Cost"]);
        // Negated operators apply per request value.
        assert_eq!(
            ev(
                "ForAnyValue:StringNotEquals",
                "aws:TagKeys",
                &["Env"],
                &tags
            ),
            T
        );
        assert_eq!(
            ev(
                "ForAllValues:StringNotEquals",
                "aws:TagKeys",
                &["Env"],
                &tags
            ),
            F
        );
        assert_eq!(
            ev(
                "ForAllValues:StringNotEquals",
                "aws:TagKeys",
                &["Owner"],
                &tags
            ),
            T
        );
        assert_eq!(
            ev(
                "ForAllValues:StringNotLike",
                "aws:TagKeys",
                &["aws:*"],
                &tags
            ),
            T
        );
        assert_eq!(
            ev(
                "ForAllValues:StringLike",
                "aws:TagKeys",
                &["E*", "C*"],
                &tags
            ),
            T
        );
        // A plain operator on a multivalued key behaves like ForAnyValue [U].
        assert_eq!(ev("StringEquals", "aws:TagKeys", &["Cost"], &tags), T);
        assert_eq!(ev("StringEquals", "aws:TagKeys", &["Owner"], &tags), F);
        assert_eq!(ev("StringNotEquals", "aws:TagKeys", &["Env"], &tags), T);
        // A set operator on a single-valued key: a one-element set.
        assert_eq!(
            ev("ForAllValues:StringEquals", "k", &["a"], &ctx1("k", "a")),
            T
        );
        assert_eq!(
            ev("ForAnyValue:StringEquals", "k", &["a"], &ctx1("k", "b")),
            F
        );
        // Kleene combination across request values with an unknown comparison.
        let vars = MapContext::new()
            .with_values("aws:TagKeys", &["Env", "Cost"])
            .with("aws:PrincipalTag/x", KeyValue::Unknown);
        assert_eq!(
            ev(
                "ForAnyValue:StringEquals",
                "aws:TagKeys",
                &["${aws:PrincipalTag/x}", "Env"],
                &vars
            ),
            T
        );
        assert_eq!(
            ev(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["${aws:PrincipalTag/x}", "Env"],
                &vars
            ),
            U
        );
        assert_eq!(
            ev(
                "ForAllValues:StringEquals",
                "aws:TagKeys",
                &["${aws:PrincipalTag/x}", "Owner"],
                &vars
            ),
            U
        );
    }

    // ----- C14 ----------------------------------------------------------------------------

    #[test]
    fn c14_unknowns() {
        for op in [
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIfExists",
            "ForAllValues:StringEquals",
            "ForAnyValue:StringLike",
            "Null",
        ] {
            let v = if op == "Null" { "true" } else { "x" };
            assert_eq!(ev(op, "k", &[v], &unknown()), U, "{op}");
        }
        // Unknown operator: Unknown, whatever the context.
        assert_eq!(ev("StringEqualz", "k", &["x"], &ctx1("k", "x")), U);
        assert_eq!(ev("ForAnyValue:Foo", "k", &["x"], &absent()), U);
        // Malformed values: Unknown even when the key is absent (never False, never dropped).
        assert_eq!(ev("IpAddress", "k", &["nope"], &absent()), U);
        assert_eq!(ev("DateLessThanIfExists", "k", &["nope"], &absent()), U);
    }

    // ----- M9 -----------------------------------------------------------------------------

    #[test]
    fn m9_substitute() {
        let c = MapContext::new()
            .with_value("aws:username", "alice")
            .with_values("aws:TagKeys", &["a", "b"])
            .with("aws:PrincipalTag/dept", KeyValue::Unknown);
        let s = |t: &str| substitute(t, &c);
        assert_eq!(s("no variables"), Substituted::Text("no variables".into()));
        assert_eq!(
            s("home/${aws:username}/*"),
            Substituted::Text("home/alice/*".into())
        );
        // Key names are case-insensitive; whitespace inside is tolerated.
        assert_eq!(s("${AWS:UserName}"), Substituted::Text("alice".into()));
        assert_eq!(s("${ aws:username }"), Substituted::Text("alice".into()));
        assert_eq!(
            s("${aws:PrincipalTag/team, 'company-wide'}"),
            Substituted::Text("company-wide".into())
        );
        assert_eq!(
            s("${aws:PrincipalTag/team,'x y}z'}!"),
            Substituted::Text("x y}z!".into())
        );
        assert_eq!(s("${aws:username, 'd'}"), Substituted::Text("alice".into()));
        assert_eq!(s("a/${aws:PrincipalTag/team}"), Substituted::Absent);
        assert_eq!(s("${aws:PrincipalTag/dept}"), Substituted::Unknown);
        assert_eq!(s("${aws:PrincipalTag/dept, 'd'}"), Substituted::Unknown);
        // Absent dominates unknown.
        assert_eq!(
            s("${aws:PrincipalTag/dept}${aws:PrincipalTag/team}"),
            Substituted::Absent
        );
        // Multivalued keys cannot be variables.
        assert_eq!(s("${aws:TagKeys}"), Substituted::Unknown);
        // Escapes.
        assert_eq!(s("a${*}b${?}c${$}d"), Substituted::Text("a*b?c$d".into()));
        // Not a variable: kept literally.
        assert_eq!(
            s("cost: ${ and $5"),
            Substituted::Text("cost: ${ and $5".into())
        );
        assert_eq!(s("${}"), Substituted::Text("${}".into()));
        assert_eq!(
            s("${k, 'unterminated}"),
            Substituted::Text("${k, 'unterminated}".into())
        );
    }

    #[test]
    fn m9_variables_in_conditions() {
        let c = MapContext::new()
            .with_value("aws:username", "alice")
            .with_value("s3:prefix", "home/alice/docs")
            .with("aws:userid", KeyValue::Unknown);
        // Substitution in StringLike.
        assert_eq!(
            ev("StringLike", "s3:prefix", &["home/${aws:username}/*"], &c),
            T
        );
        assert_eq!(
            ev(
                "StringLike",
                "s3:prefix",
                &["home/${aws:PrincipalTag/x, 'alice'}/*"],
                &c
            ),
            T
        );
        // Absent variable without default: positive fails, negated succeeds.
        assert_eq!(
            ev(
                "StringLike",
                "s3:prefix",
                &["home/${aws:PrincipalTag/x}/*"],
                &c
            ),
            F
        );
        assert_eq!(
            ev(
                "StringNotLike",
                "s3:prefix",
                &["home/${aws:PrincipalTag/x}/*"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "StringNotEquals",
                "s3:prefix",
                &["${aws:PrincipalTag/x}"],
                &c
            ),
            T
        );
        // … but other listed values still count.
        assert_eq!(
            ev(
                "StringLike",
                "s3:prefix",
                &["home/${aws:PrincipalTag/x}/*", "home/*"],
                &c
            ),
            T
        );
        assert_eq!(
            ev(
                "StringNotLike",
                "s3:prefix",
                &["home/${aws:PrincipalTag/x}/*", "home/*"],
                &c
            ),
            F
        );
        // Unknown variable: Unknown.
        assert_eq!(ev("StringEquals", "s3:prefix", &["${aws:userid}"], &c), U);
        assert_eq!(
            ev("StringNotEquals", "s3:prefix", &["${aws:userid}"], &c),
            U
        );
        // Only under 2012-10-17 (variables == false: literal text).
        let lit = cond("StringLike", "s3:prefix", &["home/${aws:username}/*"]);
        assert_eq!(eval_condition(&lit, &c, false), F);
        let raw = ctx1("k", "${aws:username}");
        assert_eq!(
            eval_condition(
                &cond("StringEquals", "k", &["${aws:username}"]),
                &raw,
                false
            ),
            T
        );
        // Numeric operators never substitute: the value is malformed → Unknown.
        assert_eq!(
            ev("NumericEquals", "n", &["${aws:username}"], &ctx1("n", "1")),
            U
        );
        // Bool substitutes.
        let b = MapContext::new()
            .with_value("t", "true")
            .with_value("aws:SecureTransport", "true");
        assert_eq!(ev("Bool", "aws:SecureTransport", &["${t}"], &b), T);
        // ARN operators substitute (before the part split).
        let a = MapContext::new()
            .with_value("aws:PrincipalAccount", "111111111111")
            .with_value("aws:SourceArn", "arn:aws:iam::111111111111:role/App");
        assert_eq!(
            ev(
                "ArnLike",
                "aws:SourceArn",
                &["arn:aws:iam::${aws:PrincipalAccount}:role/*"],
                &a
            ),
            T
        );
        assert_eq!(
            ev(
                "ArnNotLike",
                "aws:SourceArn",
                &["arn:aws:iam::${aws:PrincipalTag/none}:role/*"],
                &a
            ),
            T
        );
    }

    #[test]
    fn m9_escapes_are_literal_in_globs() {
        let c = MapContext::new()
            .with_value("k", "a*b")
            .with_value("v", "x?y");
        assert_eq!(ev("StringLike", "k", &["a${*}b"], &c), T);
        assert_eq!(ev("StringLike", "k", &["a${*}b"], &ctx1("k", "aXXb")), F);
        assert_eq!(ev("StringLike", "k", &["*${*}*"], &c), T);
        assert_eq!(ev("StringLike", "k", &["*${*}*"], &ctx1("k", "ab")), F);
        assert_eq!(ev("StringLike", "v", &["x${?}y"], &c), T);
        assert_eq!(ev("StringLike", "v", &["x${?}y"], &ctx1("v", "xzy")), F);
        assert_eq!(ev("StringEquals", "k", &["a${*}b"], &c), T);
        // A substituted value's wildcard characters are literal too.
        let w = MapContext::new()
            .with_value("p", "a*")
            .with_value("k", "ab");
        assert_eq!(ev("StringLike", "k", &["${p}"], &w), F);
        assert_eq!(
            ev(
                "StringLike",
                "k",
                &["${p}"],
                &w.clone().with_value("k", "a*")
            ),
            T
        );
        let arn = MapContext::new().with_value("k", "arn:aws:s3:::b*");
        assert_eq!(ev("ArnLike", "k", &["arn:aws:s3:::b${*}"], &arn), T);
        assert_eq!(
            ev(
                "ArnLike",
                "k",
                &["arn:aws:s3:::b${*}"],
                &ctx1("k", "arn:aws:s3:::bx")
            ),
            F
        );
    }

    #[test]
    fn v50_v51_passed_to_service() {
        let cs = cond(
            "StringEquals",
            "iam:PassedToService",
            &["lambda.amazonaws.com"],
        );
        assert_eq!(
            eval_condition(
                &cs,
                &ctx1("iam:PassedToService", "lambda.amazonaws.com"),
                true
            ),
            T
        );
        assert_eq!(
            eval_condition(&cs, &ctx1("iam:PassedToService", "ec2.amazonaws.com"), true),
            F
        );
    }

    #[test]
    fn decimal_ordering() {
        let d = |s| parse_decimal(s).unwrap();
        assert!(d("1.5") < d("1.51"));
        assert!(d("1.6") > d("1.51"));
        assert!(d("-1.6") < d("-1.51"));
        assert!(d("100") > d("99.999"));
        assert_eq!(d(".5").cmp(&d("0.50")), Ordering::Equal);
        assert_eq!(d("5.").cmp(&d("5")), Ordering::Equal);
        assert_eq!(d("-0").cmp(&d("0")), Ordering::Equal);
        for bad in ["", ".", "-", "1.2.3", "1,5", " 1", "0x10", "1e3"] {
            assert!(parse_decimal(bad).is_none(), "{bad}");
        }
    }
}
