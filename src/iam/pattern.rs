//! Wildcard matching: actions (M1), resource ARNs (M4), `StringLike` globs (C3) and the ARN
//! condition operators (C9), plus the set relations between resource *patterns* that queries
//! over resource sets need ([`resource_overlaps`], [`resource_covers`]).
//!
//! The hot functions ([`action_matches`], [`resource_matches`], [`glob_matches`], [`arn_like`])
//! work on bytes, never allocate in the common cases, and use an iterative greedy matcher with a
//! single backtrack point (O(n·m) worst case). A resource pattern that mixes colon-bounded `*`
//! with text that has colons in the wildcard region is matched piece by piece between its
//! segment-final stars (see `m4_segments`), where the classic algorithm would not be exact.
//!
//! `?` always matches one Unicode scalar value, not one byte.

/// True when `s` contains `*` or `?`.
#[inline]
pub fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// Length of the UTF-8 sequence starting with `b` (a char boundary).
#[inline(always)]
fn utf8_len(b: u8) -> usize {
    if b < 0x80 {
        1
    } else if b >= 0xF0 {
        4
    } else if b >= 0xE0 {
        3
    } else {
        2
    }
}

#[inline]
fn first_wild(p: &[u8]) -> Option<usize> {
    p.iter().position(|&b| b == b'*' || b == b'?')
}

#[inline]
fn last_wild(p: &[u8]) -> Option<usize> {
    p.iter().rposition(|&b| b == b'*' || b == b'?')
}

#[inline]
fn all_stars(p: &[u8]) -> bool {
    !p.is_empty() && p.iter().all(|&b| b == b'*')
}

/// Classic greedy glob with one backtrack point. Every `*` matches any run; `?` matches one
/// character (not `:` when `NO_COLON_Q`); `CI` compares ASCII case-insensitively.
/// Exact whenever all stars match every character (the single-backtrack argument).
/// With `PREFIX`, true when `p` matches some prefix of `t` (as if `p` ended with `*`).
#[inline]
fn greedy<const NO_COLON_Q: bool, const CI: bool, const PREFIX: bool>(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // Backtrack point: pattern index just after the last `*`, and the text index it resumes at.
    let (mut sp, mut st) = (usize::MAX, 0usize);
    while ti < t.len() {
        if PREFIX && pi == p.len() {
            return true;
        }
        if pi < p.len() {
            let c = p[pi];
            if c == b'*' {
                pi += 1;
                sp = pi;
                st = ti;
                continue;
            }
            if c == b'?' {
                if !(NO_COLON_Q && t[ti] == b':') {
                    pi += 1;
                    ti += utf8_len(t[ti]);
                    continue;
                }
            } else if c == t[ti] || (CI && c.eq_ignore_ascii_case(&t[ti])) {
                pi += 1;
                ti += 1;
                continue;
            }
        }
        if sp == usize::MAX {
            return false;
        }
        st += utf8_len(t[st]);
        pi = sp;
        ti = st;
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// M1: case-insensitive action matching; `*` any run, `?` one char; bare "*" matches all.
/// `action` is given already lower-cased (e.g. "s3:getobject"); `pattern` as written.
///
/// The service prefix (up to the first `:`) is compared literally, case-insensitively [D]:
/// `s*:GetObject` matches nothing. A pattern without `:` other than `*` matches only itself.
pub fn action_matches(pattern: &str, action_lc: &str) -> bool {
    let p = pattern.as_bytes();
    let a = action_lc.as_bytes();
    if p == b"*" {
        return true;
    }
    let Some(colon) = p.iter().position(|&b| b == b':') else {
        return p.eq_ignore_ascii_case(a);
    };
    if a.len() <= colon || !a[..=colon].eq_ignore_ascii_case(&p[..=colon]) {
        return false;
    }
    let pn = &p[colon + 1..];
    let an = &a[colon + 1..];
    match first_wild(pn) {
        None => pn.eq_ignore_ascii_case(an),
        Some(i) if i + 1 == pn.len() && pn[i] == b'*' => {
            an.len() >= i && an[..i].eq_ignore_ascii_case(&pn[..i])
        }
        Some(_) => greedy::<false, true, false>(pn, an),
    }
}

/// StringLike (C3): case-sensitive glob, `*` any run (anything), `?` exactly one char.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let Some(first) = first_wild(p) else {
        return p == t;
    };
    if !t.starts_with(&p[..first]) {
        return false;
    }
    if first + 1 == p.len() && p[first] == b'*' {
        return true;
    }
    let last = last_wild(p).unwrap_or(first);
    let suf = &p[last + 1..];
    if t.len() < first + suf.len() || !t.ends_with(suf) {
        return false;
    }
    greedy::<false, false, false>(&p[first..=last], &t[first..t.len() - suf.len()])
}

/// M4: case-sensitive resource ARN matching. A `*` immediately followed by `:` or by the end of
/// the pattern is "segment-final" and matches any run including ':'; any other `*` matches any run
/// without ':'; `?` matches one char other than ':'. Everything else literal.
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    let p = pattern.as_bytes();
    let t = arn.as_bytes();
    let Some(first) = first_wild(p) else {
        return p == t;
    };
    if !t.starts_with(&p[..first]) {
        return false;
    }
    // LITERAL + "*": the trailing star is segment-final and matches anything.
    if first + 1 == p.len() && p[first] == b'*' {
        return true;
    }
    let last = last_wild(p).unwrap_or(first);
    let suf = &p[last + 1..];
    if t.len() < first + suf.len() || !t.ends_with(suf) {
        return false;
    }
    let mp = &p[first..=last];
    let mt = &t[first..t.len() - suf.len()];
    // Whether a `*` in the last position of `mp` is segment-final.
    let after_full = suf.first().is_none_or(|&b| b == b':');
    if !mt.contains(&b':') {
        // No colon to consume: both kinds of star and `?` behave like a plain glob.
        return greedy::<false, false, false>(mp, mt);
    }
    if !has_restricted_star(mp, after_full) {
        return greedy::<true, false, false>(mp, mt);
    }
    m4_segments(p, t)
}

/// True when `p` (a slice of a pattern, followed by a `:`/end iff `after_full`) has a `*` that
/// cannot cross colons.
fn has_restricted_star(p: &[u8], after_full: bool) -> bool {
    (0..p.len()).any(|i| p[i] == b'*' && !star_is_full(p, i, after_full))
}

#[inline(always)]
fn star_is_full(p: &[u8], i: usize, after_full: bool) -> bool {
    match p.get(i + 1) {
        Some(&b) => b == b':',
        None => after_full,
    }
}

/// M4 matching of a pattern with colon-bounded stars against text with colons.
///
/// The segment-final stars split the pattern into *pieces* that contain no wildcard able to
/// cross a colon, so a piece lines up with the text colon by colon: each of its `:`-separated
/// segments matches one colon-free run of the text (a plain glob), except that a piece followed
/// by a segment-final star need only match a prefix of its last run. Every piece after the first
/// starts with `:` (a segment-final star is followed by `:`), so it can only start at a colon of
/// the text. Placing each middle piece at its earliest-ending position is exact, since the
/// following segment-final star absorbs anything; the last piece is anchored at the end.
/// Cost: O(colons · pattern · run) in the worst case, no allocation.
fn m4_segments(p: &[u8], t: &[u8]) -> bool {
    let mut fulls = (0..p.len()).filter(|&i| p[i] == b'*' && star_is_full(p, i, true));
    let Some(f1) = fulls.next() else {
        return rigid::<false>(p, t, 0).is_some();
    };
    let Some(mut tpos) = rigid::<true>(&p[..f1], t, 0) else {
        return false;
    };
    let mut prev = f1;
    loop {
        let next = fulls.next();
        let piece = &p[prev + 1..next.unwrap_or(p.len())];
        let Some(rest) = piece.strip_prefix(b":") else {
            // Only the empty piece after a final star does not start with ':'.
            return piece.is_empty();
        };
        match next {
            Some(f) => {
                let mut c = tpos;
                loop {
                    let Some(k) = t[c..].iter().position(|&b| b == b':') else {
                        return false;
                    };
                    let colon = c + k;
                    if let Some(end) = rigid::<true>(rest, t, colon + 1) {
                        tpos = end;
                        break;
                    }
                    c = colon + 1;
                }
                prev = f;
            }
            None => {
                // Anchored at the end: the piece starts at its k-th colon counted from the end.
                let k = piece.iter().filter(|&&b| b == b':').count();
                let Some(colon) = t
                    .iter()
                    .enumerate()
                    .rev()
                    .filter(|(_, &b)| b == b':')
                    .nth(k - 1)
                    .map(|(i, _)| i)
                else {
                    return false;
                };
                return colon >= tpos && rigid::<false>(rest, t, colon + 1).is_some();
            }
        }
    }
}

/// Matches a piece `q` (no segment-final star) against `t` from `start` (a run start), segment by
/// segment. Without `PREFIX`, `q` must consume the rest of `t`; with `PREFIX` its last segment need
/// only match a prefix of its run. Returns the end of the last run (a `:` or `t.len()`).
fn rigid<const PREFIX: bool>(q: &[u8], t: &[u8], start: usize) -> Option<usize> {
    let mut segs = q.split(|&b| b == b':');
    let mut seg = segs.next().unwrap_or(&[]);
    let mut pos = start;
    loop {
        let run_end = t[pos..]
            .iter()
            .position(|&b| b == b':')
            .map_or(t.len(), |k| pos + k);
        let run = &t[pos..run_end];
        match segs.next() {
            Some(next) => {
                if run_end == t.len() || !greedy::<false, false, false>(seg, run) {
                    return None;
                }
                pos = run_end + 1;
                seg = next;
            }
            None => {
                let ok = if PREFIX {
                    greedy::<false, false, true>(seg, run)
                } else {
                    run_end == t.len() && greedy::<false, false, false>(seg, run)
                };
                return ok.then_some(run_end);
            }
        }
    }
}

/// ArnLike/ArnEquals (C9): split both at their first five colons into six parts; each part
/// matched separately with glob semantics (a `*` never crosses into another part); the sixth part
/// keeps its colons and is a glob where `*` matches anything. Value that is not 6-part → false.
///
/// A pattern that is exactly `*` matches every six-part value; any other pattern with fewer than
/// six parts matches nothing (condition evaluation reports such a pattern as malformed).
pub fn arn_like(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        return value.bytes().filter(|&b| b == b':').nth(4).is_some();
    }
    let mut pp = pattern.splitn(6, ':');
    let mut vp = value.splitn(6, ':');
    for _ in 0..6 {
        match (pp.next(), vp.next()) {
            (Some(a), Some(b)) => {
                if !glob_matches(a, b) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Relations between two M4 patterns (not on the per-request hot path; may allocate).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `?`: one character other than `:`.
    Any,
    /// `*` not followed by `:` or the end: any run without `:`.
    StarR,
    /// Segment-final `*`: any run.
    StarF,
}

impl Tok {
    #[inline]
    fn is_star(self) -> bool {
        matches!(self, Tok::StarR | Tok::StarF)
    }

    #[inline]
    fn accepts(self, c: char) -> bool {
        match self {
            Tok::Lit(x) => x == c,
            Tok::Any | Tok::StarR => c != ':',
            Tok::StarF => true,
        }
    }
}

fn m4_tokens(p: &str) -> Vec<Tok> {
    let cs: Vec<char> = p.chars().collect();
    cs.iter()
        .enumerate()
        .map(|(i, &c)| match c {
            '*' => {
                if matches!(cs.get(i + 1), None | Some(':')) {
                    Tok::StarF
                } else {
                    Tok::StarR
                }
            }
            '?' => Tok::Any,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Some character is accepted by both tokens.
fn compatible(a: Tok, b: Tok) -> bool {
    match (a, b) {
        (Tok::Lit(x), o) | (o, Tok::Lit(x)) => o.accepts(x),
        // Both accept every character other than `:` (e.g. `a`).
        _ => true,
    }
}

/// The literal text before the first wildcard and after the last one.
fn literal_ends(p: &str) -> (&str, &str) {
    let b = p.as_bytes();
    match (first_wild(b), last_wild(b)) {
        (Some(f), Some(l)) => (&p[..f], &p[l + 1..]),
        _ => (p, p),
    }
}

/// True when some string matches both `a` and `b` under M4 semantics (both may contain wildcards).
/// Used for "who can do X on arn:aws:s3:::b/*" (an Allow applies if its Resource overlaps).
/// Must be exact or over-approximate (return true when unsure).
///
/// This implementation is exact: a search over pairs of pattern positions.
pub fn resource_overlaps(a: &str, b: &str) -> bool {
    if !has_wildcard(a) {
        return resource_matches(b, a);
    }
    if !has_wildcard(b) {
        return resource_matches(a, b);
    }
    if all_stars(a.as_bytes()) || all_stars(b.as_bytes()) {
        return true;
    }
    // Necessary: the literal prefixes (and suffixes) are prefixes (suffixes) of one another.
    let (pa, sa) = literal_ends(a);
    let (pb, sb) = literal_ends(b);
    if !(pa.starts_with(pb) || pb.starts_with(pa)) || !(sa.ends_with(sb) || sb.ends_with(sa)) {
        return false;
    }
    let ta = m4_tokens(a);
    let tb = m4_tokens(b);
    let (m, n) = (ta.len(), tb.len());
    let width = n + 1;
    let mut seen = vec![false; (m + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let k = i * width + j;
        if seen[k] {
            continue;
        }
        seen[k] = true;
        if i == m && j == n {
            return true;
        }
        if i < m && ta[i].is_star() {
            stack.push((i + 1, j));
        }
        if j < n && tb[j].is_star() {
            stack.push((i, j + 1));
        }
        if i < m && j < n && compatible(ta[i], tb[j]) {
            let ni = if ta[i].is_star() { i } else { i + 1 };
            let nj = if tb[j].is_star() { j } else { j + 1 };
            if (ni, nj) != (i, j) {
                stack.push((ni, nj));
            }
        }
    }
    false
}

/// `Some(L)` when `p` is `L*` with `L` free of wildcards.
fn literal_star(p: &str) -> Option<&str> {
    let l = p.strip_suffix('*')?;
    (!has_wildcard(l)).then_some(l)
}

/// Give up (answer "not covered") after exploring this many product states.
const COVERS_LIMIT: usize = 200_000;

/// True when every string matching `inner` also matches `outer` under M4 semantics.
/// Used for Deny statements against a resource *set*: must be exact or under-approximate
/// (return false when unsure). Exact for `inner` of the form LITERAL + "*" (the common case
/// `arn:aws:s3:::bucket/*`) and for `inner` without wildcards.
///
/// This implementation is exact in general (an inclusion check of `inner`'s automaton against the
/// subset automaton of `outer`), falling back to `false` only if the search exceeds a large
/// state budget.
pub fn resource_covers(outer: &str, inner: &str) -> bool {
    if all_stars(outer.as_bytes()) {
        return true;
    }
    if !has_wildcard(inner) {
        return resource_matches(outer, inner);
    }
    if !has_wildcard(outer) {
        // `inner` matches infinitely many strings, `outer` one.
        return false;
    }
    if let (Some(li), Some(lo)) = (literal_star(inner), literal_star(outer)) {
        return li.starts_with(lo);
    }
    // Quick exact rejection: the shortest instance of `inner` (stars empty, `?` = 'a') must match.
    let sample: String = inner
        .chars()
        .filter(|&c| c != '*')
        .map(|c| if c == '?' { 'a' } else { c })
        .collect();
    if !resource_matches(outer, &sample) {
        return false;
    }
    inclusion(&m4_tokens(outer), &m4_tokens(inner))
}

/// Bit-set helpers for the subset automaton of `outer`.
fn set_has(s: &[u64], i: usize) -> bool {
    (s[i >> 6] >> (i & 63)) & 1 == 1
}

fn set_add_closure(toks: &[Tok], s: &mut [u64], mut j: usize) {
    loop {
        s[j >> 6] |= 1u64 << (j & 63);
        if j < toks.len() && toks[j].is_star() {
            j += 1;
        } else {
            break;
        }
    }
}

fn set_step(toks: &[Tok], s: &[u64], c: char) -> Vec<u64> {
    let mut out = vec![0u64; s.len()];
    for i in 0..toks.len() {
        if set_has(s, i) && toks[i].accepts(c) {
            let j = if toks[i].is_star() { i } else { i + 1 };
            set_add_closure(toks, &mut out, j);
        }
    }
    out
}

/// L(inner) ⊆ L(outer), exploring (inner state, outer state set) pairs.
fn inclusion(outer: &[Tok], inner: &[Tok]) -> bool {
    let (mo, mi) = (outer.len(), inner.len());
    // Alphabet: every literal, `:`, and one character standing for all others.
    let mut alpha: Vec<char> = outer
        .iter()
        .chain(inner.iter())
        .filter_map(|t| match t {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    alpha.push(':');
    alpha.sort_unstable();
    alpha.dedup();
    let fresh = (0xE000u32..)
        .filter_map(char::from_u32)
        .find(|c| !alpha.contains(c))
        .unwrap_or('\u{10FFFF}');
    alpha.push(fresh);

    let words = (mo + 1).div_ceil(64);
    let mut s0 = vec![0u64; words];
    set_add_closure(outer, &mut s0, 0);
    let closure_inner = |q: usize| {
        let mut v = vec![q];
        let mut j = q;
        while j < mi && inner[j].is_star() {
            j += 1;
            v.push(j);
        }
        v
    };
    let mut seen: rustc_hash::FxHashSet<(usize, Vec<u64>)> = Default::default();
    let mut stack: Vec<(usize, Vec<u64>)> = closure_inner(0)
        .into_iter()
        .map(|q| (q, s0.clone()))
        .collect();
    while let Some((q, s)) = stack.pop() {
        if !seen.insert((q, s.clone())) {
            continue;
        }
        if seen.len() > COVERS_LIMIT {
            return false;
        }
        if q == mi && !set_has(&s, mo) {
            return false;
        }
        if q < mi {
            for &c in &alpha {
                if !inner[q].accepts(c) {
                    continue;
                }
                let q1 = if inner[q].is_star() { q } else { q + 1 };
                let s1 = set_step(outer, &s, c);
                if s1.iter().all(|&w| w == 0) {
                    // `inner` can always complete from q1; `outer` can no longer accept.
                    return false;
                }
                for q2 in closure_inner(q1) {
                    stack.push((q2, s1.clone()));
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ----- M1 -------------------------------------------------------------------------------

    #[test]
    fn m1_action_table() {
        let lc = |s: &str| s.to_ascii_lowercase();
        assert!(action_matches("s3:Get*", &lc("s3:GetObject")));
        assert!(action_matches("s3:Get*", &lc("S3:getbucketpolicy")));
        assert!(!action_matches("s3:Get*", &lc("s3:ListBucket")));
        assert!(action_matches(
            "iam:*AccessKey*",
            &lc("iam:CreateAccessKey")
        ));
        assert!(action_matches("iam:*AccessKey*", &lc("iam:ListAccessKeys")));
        assert!(!action_matches("iam:*AccessKey*", &lc("iam:GetUser")));
        assert!(action_matches(
            "ec2:Describe?nstances",
            &lc("ec2:DescribeInstances")
        ));
        assert!(!action_matches(
            "ec2:Describe?nstances",
            &lc("ec2:DescribeInstanceStatus")
        ));
    }

    #[test]
    fn m1_case_and_bare_star() {
        assert!(action_matches("*", "iam:createuser"));
        assert!(action_matches("IAM:listaccesskeys", "iam:listaccesskeys"));
        assert!(action_matches("iam:ListAccessKeys", "iam:listaccesskeys"));
        assert!(action_matches("s3:*", "s3:getobject"));
        assert!(!action_matches("s3:*", "s3x:getobject"));
        assert!(!action_matches("s3:Get", "s3:getobject"));
        assert!(!action_matches("s3:GetObject", "s3:get"));
        // V04: lower-case policy action, canonical request action.
        assert!(action_matches("S3:getobject", "s3:getobject"));
    }

    #[test]
    fn m1_prefix_is_literal() {
        // [D]: wildcards in the service prefix are not meaningful.
        assert!(!action_matches("s*:GetObject", "s3:getobject"));
        assert!(!action_matches("*:GetObject", "s3:getobject"));
        assert!(!action_matches("s3", "s3:getobject"));
    }

    // ----- M4 -------------------------------------------------------------------------------

    #[test]
    fn m4_resource_table() {
        assert!(resource_matches("*", "arn:aws:s3:::b1/x"));
        assert!(resource_matches("*", ""));
        assert!(resource_matches("arn:aws:s3:::b1/*", "arn:aws:s3:::b1/a/b"));
        assert!(resource_matches("arn:aws:s3:::b1/*", "arn:aws:s3:::b1/"));
        assert!(!resource_matches("arn:aws:s3:::b1/*", "arn:aws:s3:::b1"));
        assert!(!resource_matches("arn:aws:s3:::b1", "arn:aws:s3:::b1/x"));
        assert!(resource_matches(
            "arn:aws:logs:*:*:*",
            "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/F:*"
        ));
        assert!(resource_matches(
            "arn:aws:ec2:*",
            "arn:aws:ec2:us-east-1:111111111111:instance/i-1"
        ));
        assert!(!resource_matches("arn:aws:ec2:*", "arn:aws:s3:::b1"));
        let f = "arn:aws:lambda:us-east-1:111111111111:function:F";
        let fprod = "arn:aws:lambda:us-east-1:111111111111:function:F:PROD";
        assert!(resource_matches("arn:aws:lambda:*:*:function:F", f));
        assert!(!resource_matches("arn:aws:lambda:*:*:function:F", fprod));
        assert!(resource_matches("arn:aws:lambda:*:*:function:*", fprod));
        assert!(resource_matches("arn:aws:lambda:*:*:function:*", f));
    }

    #[test]
    fn m4_case_and_restricted_stars() {
        // T29 / V05: case-sensitive.
        assert!(!resource_matches("arn:aws:s3:::B1/*", "arn:aws:s3:::b1/x"));
        // Step 4 [U]: a non-final star does not cross a colon.
        assert!(!resource_matches(
            "arn:aws:s3:::b1/*/x",
            "arn:aws:s3:::b1/a:b/x"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::b1/*/x",
            "arn:aws:s3:::b1/a/b/x"
        ));
        // `?` does not match ':'.
        assert!(!resource_matches(
            "arn:aws:s3:::b1/a?b",
            "arn:aws:s3:::b1/a:b"
        ));
        assert!(resource_matches(
            "arn:aws:s3:::b1/a?b",
            "arn:aws:s3:::b1/a/b"
        ));
        // A star in the middle of a segment that is not final.
        assert!(resource_matches(
            "arn:aws:iam::*:role/App*",
            "arn:aws:iam::111111111111:role/AppX"
        ));
        assert!(!resource_matches(
            "arn:aws:iam::1*1:role/x",
            "arn:aws:iam::1:2:1:role/x"
        ));
        assert!(resource_matches(
            "arn:aws:iam::1*:role/x",
            "arn:aws:iam::1:2:1:role/x"
        ));
        // Mixed kinds with colons in the wildcard region (NFA path): the full star must
        // absorb "x:a:y" before the restricted one.
        assert!(resource_matches("*:a*b", "x:a:y:a-b"));
        assert!(!resource_matches("*:a*b", "x:a:y:a:b"));
        assert!(resource_matches(
            "arn:*:lambda:*:*:function:F*",
            f_prod_like()
        ));
    }

    fn f_prod_like() -> &'static str {
        "arn:aws:lambda:us-east-1:111111111111:function:Fxy"
    }

    #[test]
    fn m4_variables_are_literal_text() {
        // Unsubstituted variables (e.g. V16, no Version) are literal text.
        assert!(!resource_matches(
            "arn:aws:s3:::b1/home/${aws:username}/*",
            "arn:aws:s3:::b1/home/alice/f"
        ));
    }

    #[test]
    fn glob_basics() {
        assert!(glob_matches(
            "arn:aws:svc:*:111122223333:x/*",
            "arn:aws:svc:us-east-1:111122223333:x/a:b"
        ));
        assert!(glob_matches("a*:*c", "a:b:c"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("?", "é"));
        assert!(!glob_matches("??", "é"));
        assert!(glob_matches("*é?", "xxéy"));
        assert!(!glob_matches("Red", "red"));
        assert!(glob_matches("*ed", "red"));
        assert!(!glob_matches("a*b", "ab*c"));
        assert!(glob_matches("", ""));
        assert!(!glob_matches("", "a"));
        assert!(!glob_matches("ab*ba", "aba"));
    }

    #[test]
    fn c9_arn_like() {
        let alias1 = "arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS1";
        assert!(arn_like(alias1, alias1));
        assert!(!arn_like(
            alias1,
            "arn:aws:lex:us-east-1:111111111111:bot-alias/BOT1/ALIAS2"
        ));
        // A star does not run across parts (unlike StringLike).
        assert!(!arn_like(
            "arn:aws:svc:*:111122223333:x/*",
            "arn:aws:svc:us-east-1:extra:111122223333:x/a"
        ));
        assert!(glob_matches(
            "arn:aws:svc:*:111122223333:x/*",
            "arn:aws:svc:us-east-1:extra:111122223333:x/a"
        ));
        // The sixth part keeps its colons and its `*` matches anything.
        assert!(arn_like(
            "arn:aws:lambda:*:*:function:*",
            "arn:aws:lambda:us-east-1:1:function:F:PROD"
        ));
        assert!(arn_like(
            "arn:aws:lambda:*:*:*",
            "arn:aws:lambda:us-east-1:1:function:F:PROD"
        ));
        assert!(!arn_like(
            "arn:aws:lambda:*:*:function:F",
            "arn:aws:lambda:us-east-1:1:function:F:PROD"
        ));
        assert!(arn_like("arn:aws:s3:::b1/*", "arn:aws:s3:::b1/k"));
        // Not six parts.
        assert!(!arn_like("arn:aws:s3:::b1", "b1"));
        assert!(!arn_like("arn:aws:*", "arn:aws:s3:::b1"));
        assert!(arn_like("*", "arn:aws:s3:::b1"));
        assert!(!arn_like("*", "not-an-arn"));
        // Case-sensitive.
        assert!(!arn_like("arn:aws:s3:::B1", "arn:aws:s3:::b1"));
    }

    #[test]
    fn overlaps_and_covers_examples() {
        assert!(resource_overlaps(
            "arn:aws:s3:::b1/*",
            "arn:aws:s3:::b1/x/*"
        ));
        assert!(resource_overlaps("arn:aws:s3:::*", "arn:aws:s3:::b1/*"));
        assert!(resource_overlaps("*", "arn:aws:s3:::b1/*"));
        assert!(!resource_overlaps("arn:aws:s3:::b1/*", "arn:aws:s3:::b2/*"));
        assert!(!resource_overlaps("arn:aws:s3:::b1", "arn:aws:s3:::b1/*"));
        assert!(resource_overlaps("arn:aws:s3:::*/x", "arn:aws:s3:::b1/*"));
        assert!(!resource_overlaps(
            "arn:aws:s3:::*/x",
            "arn:aws:s3:::b1/*.txt"
        ));
        assert!(resource_overlaps("arn:aws:s3:::*x", "arn:aws:s3:::b1/*"));
        // A restricted star cannot produce the colon the other pattern needs.
        assert!(!resource_overlaps("a*b", "a:*:b"));
        assert!(resource_overlaps("a*:b", "a:*:b"));

        assert!(resource_covers("*", "arn:aws:s3:::b1/*"));
        assert!(resource_covers("arn:aws:s3:::b1/*", "arn:aws:s3:::b1/*"));
        assert!(resource_covers("arn:aws:s3:::b1/*", "arn:aws:s3:::b1/x/*"));
        assert!(resource_covers("arn:aws:s3:::*", "arn:aws:s3:::b1/*"));
        assert!(!resource_covers("arn:aws:s3:::b1/x/*", "arn:aws:s3:::b1/*"));
        assert!(!resource_covers("arn:aws:s3:::b1", "arn:aws:s3:::b1/*"));
        assert!(resource_covers("arn:aws:s3:::b1", "arn:aws:s3:::b1"));
        assert!(resource_covers("arn:aws:s3:::b*", "arn:aws:s3:::b1"));
        // A restricted star does not cover keys with colons.
        assert!(resource_covers(
            "arn:aws:s3:::b1/*/x",
            "arn:aws:s3:::b1/a*/x"
        ));
        assert!(!resource_covers(
            "arn:aws:s3:::b1/*/x",
            "arn:aws:s3:::b1/a*:/x"
        ));
        assert!(!resource_covers(
            "arn:aws:s3:::b1/*/x",
            "arn:aws:s3:::b1/*:*/x"
        ));
        assert!(resource_covers("arn:aws:s3:::b1/*x", "arn:aws:s3:::b1/a?x"));
        assert!(resource_covers("arn:aws:s3:::b1/*", "arn:aws:s3:::b1/a*/x"));
        assert!(resource_covers(
            "arn:aws:logs:*:*:*",
            "arn:aws:logs:us-east-1:*:log-group:*"
        ));
        assert!(resource_covers("arn:aws:s3:::*/*", "arn:aws:s3:::b1/*"));
        assert!(!resource_covers("arn:aws:s3:::*/*", "arn:aws:s3:::b1*"));
        // Union-of-states universality: `*?*` after "x" covers... only non-empty tails.
        assert!(!resource_covers("x?*", "x*"));
        assert!(resource_covers("x*", "x?*"));
    }

    #[test]
    fn pathological_patterns_finish_quickly() {
        let text: String = "a".repeat(10_000);
        let start = std::time::Instant::now();
        assert!(!glob_matches("*a*a*a*a*a*a*a*a*a*b", &text));
        assert!(!resource_matches("*a*a*a*a*a*a*a*a*a*b", &text));
        assert!(!glob_matches("*a*a*a*a*a*a*a*a*a*b*", &text));
        assert!(!resource_matches("*a*a*a*a*a*a*a*a*a*b*", &text));
        assert!(!action_matches(
            "s3:*a*a*a*a*a*a*a*a*a*b*",
            &format!("s3:{text}")
        ));
        let colons = format!("{}:{}", "a".repeat(5_000), "a".repeat(5_000));
        assert!(!resource_matches("*a*a*a*a*a*a*a*a*a*b*", &colons));
        assert!(!resource_matches("*?*?*?*?*?*?*?*?*?*b*x", &colons));
        // Restricted stars cannot cross the colon …
        assert!(!resource_matches("*?*?*?*?*?*?*?*?*?*a", &colons));
        // … a literal colon or a segment-final star can.
        assert!(resource_matches("*?*?*?*?*?*?*?*?*?:*?*?*a", &colons));
        assert!(resource_matches("*?*?*?*?*?*?*?*?*?*:*?*?*a", &colons));
        assert!(!resource_matches("*?*?*?*?*?*?*?*?*?*:*?*?*b", &colons));
        assert!(!arn_like("*a*a*a*a*a*a*a*a*a*b", &text));
        assert!(start.elapsed().as_secs() < 5);
    }

    // ----- references and properties ---------------------------------------------------------

    fn ref_glob(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => ref_glob(&p[1..], t) || (!t.is_empty() && ref_glob(p, &t[1..])),
            Some('?') => !t.is_empty() && ref_glob(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && ref_glob(&p[1..], &t[1..]),
        }
    }

    fn ref_m4(p: &[Tok], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(&s) if s.is_star() => {
                ref_m4(&p[1..], t) || (!t.is_empty() && s.accepts(t[0]) && ref_m4(p, &t[1..]))
            }
            Some(&k) => !t.is_empty() && k.accepts(t[0]) && ref_m4(&p[1..], &t[1..]),
        }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn pat() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ab:*?é]{0,8}").unwrap()
    }

    fn txt() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ab:é]{0,10}").unwrap()
    }

    /// Deterministic instantiation of an M4 pattern into a matching concrete string.
    fn instantiate(p: &str, seed: u64) -> String {
        let mut x = seed | 1;
        let mut rnd = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut out = String::new();
        for t in m4_tokens(p) {
            match t {
                Tok::Lit(c) => out.push(c),
                Tok::Any => out.push(['a', 'b', 'z', 'é'][rnd(4) as usize]),
                Tok::StarR | Tok::StarF => {
                    for _ in 0..rnd(4) {
                        let pool: &[char] = if t == Tok::StarF {
                            &['a', 'b', ':', 'z']
                        } else {
                            &['a', 'b', 'z']
                        };
                        out.push(pool[rnd(pool.len() as u64) as usize]);
                    }
                }
            }
        }
        out
    }

    /// All strings over a small alphabet up to length `n`.
    fn all_strings(n: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut layer = vec![String::new()];
        for _ in 0..n {
            let mut next = Vec::new();
            for s in &layer {
                for c in ['a', 'b', ':', 'z'] {
                    let mut t = s.clone();
                    t.push(c);
                    next.push(t);
                }
            }
            all.extend(next.iter().cloned());
            layer = next;
        }
        all
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn prop_glob_matches_reference(p in pat(), t in txt()) {
            prop_assert_eq!(glob_matches(&p, &t), ref_glob(&chars(&p), &chars(&t)));
        }

        #[test]
        fn prop_resource_matches_reference(p in pat(), t in txt()) {
            prop_assert_eq!(resource_matches(&p, &t), ref_m4(&m4_tokens(&p), &chars(&t)));
        }

        #[test]
        fn prop_action_matches_reference(p in "[aB*?]{0,6}", t in "[ab]{0,8}") {
            let pat = format!("s3:{p}");
            let act = format!("s3:{t}");
            let refm = ref_glob(&chars(&p.to_ascii_lowercase()), &chars(&t));
            prop_assert_eq!(action_matches(&pat, &act), refm);
        }

        #[test]
        fn prop_arn_like_reference(p in pat(), t in txt()) {
            let pp: Vec<&str> = p.splitn(6, ':').collect();
            let tp: Vec<&str> = t.splitn(6, ':').collect();
            let expect = if p == "*" {
                tp.len() == 6
            } else {
                pp.len() == 6 && tp.len() == 6
                    && pp.iter().zip(&tp).all(|(a, b)| ref_glob(&chars(a), &chars(b)))
            };
            prop_assert_eq!(arn_like(&p, &t), expect);
        }

        #[test]
        fn prop_overlaps_concrete(a in pat(), c in txt()) {
            prop_assert_eq!(resource_overlaps(&a, &c), resource_matches(&a, &c));
            prop_assert_eq!(resource_overlaps(&c, &a), resource_matches(&a, &c));
        }

        #[test]
        fn prop_overlaps_is_exact_on_short_strings(a in "[ab:*?]{0,5}", b in "[ab:*?]{0,5}") {
            let witness = all_strings(5).into_iter().any(|s| resource_matches(&a, &s) && resource_matches(&b, &s));
            let ov = resource_overlaps(&a, &b);
            // Over-approximation is required; a witness must exist whenever the answer is true
            // unless every witness is longer than 5 or uses another character.
            if witness {
                prop_assert!(ov);
            }
            prop_assert_eq!(ov, resource_overlaps(&b, &a));
        }

        #[test]
        fn prop_covers_sound(o in pat(), i in pat(), seed in any::<u64>()) {
            if resource_covers(&o, &i) {
                for k in 0..40u64 {
                    let c = instantiate(&i, seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
                    prop_assert!(resource_matches(&i, &c), "sampler produced a non-member {:?} of {:?}", c, i);
                    prop_assert!(resource_matches(&o, &c), "covers({:?}, {:?}) but {:?} escapes", o, i, c);
                }
            }
        }

        #[test]
        fn prop_covers_exact_on_short_strings(o in "[ab:*?]{0,5}", i in "[ab:*?]{0,4}") {
            let cov = resource_covers(&o, &i);
            if !cov {
                // Exactness: a counterexample exists; for these short patterns one of length ≤ 6
                // over {a, b, :, z} suffices.
                let ce = all_strings(6).into_iter().any(|s| resource_matches(&i, &s) && !resource_matches(&o, &s));
                prop_assert!(ce, "covers({:?}, {:?}) is false but no counterexample", o, i);
            }
        }

        #[test]
        fn prop_covers_literal_star(l in "[ab:/]{0,6}", o in pat()) {
            let inner = format!("{l}*");
            let cov = resource_covers(&o, &inner);
            let ce = all_strings(5).into_iter().any(|s| !resource_matches(&o, &format!("{l}{s}")));
            prop_assert_eq!(cov, !ce);
        }
    }
}
