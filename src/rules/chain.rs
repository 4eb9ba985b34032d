//! Role chaining (P4): who can reach a role with access through a sequence of `sts:AssumeRole` calls.
//! Each edge carries whether it is certain (`true`) or conditional; a chain is certain only
//! when all its hops are.

use crepe::crepe;

crepe! {
    // Facts:
    // Edge(caller, role, firm): the caller may assume the role (surely when `firm`).
    @input
    pub struct Edge(pub u32, pub u32, pub bool);
    // Target(node, allowed): the node has access itself, surely when `allowed`.
    @input
    pub struct Target(pub u32, pub bool);

    // Rules (linear in the edges: no caller × role closure is materialised):
    // SurelyReaches(n): a chain of certain hops leads from n to a surely allowed target.
    @output
    pub struct SurelyReaches(pub u32);
    SurelyReaches(a) <- Target(a, true);
    SurelyReaches(a) <- Edge(a, b, true), SurelyReaches(b);
    // MayReach(n): some chain leads from n to a target.
    @output
    pub struct MayReach(pub u32);
    MayReach(a) <- Target(a, _);
    MayReach(a) <- Edge(a, b, _), MayReach(b);
}

/// For `n` nodes: which reach a surely allowed target through certain hops only, and which
/// reach some target at all.
pub fn reach_sets(
    n: usize,
    edges: &[(u32, u32, bool)],
    targets: &[(u32, bool)],
) -> (Vec<bool>, Vec<bool>) {
    let mut rt = Crepe::new();
    rt.extend(edges.iter().map(|&(a, b, f)| Edge(a, b, f)));
    rt.extend(targets.iter().map(|&(t, a)| Target(t, a)));
    let (sure, may) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
    let mut s = vec![false; n];
    let mut m = vec![false; n];
    for SurelyReaches(a) in sure {
        s[a as usize] = true;
    }
    for MayReach(a) in may {
        m[a as usize] = true;
    }
    (s, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_firm_only_when_every_hop_is() {
        let edges = [
            (0, 1, true),
            (1, 2, false),
            (2, 3, true),
            (5, 6, true),
            (6, 5, true),
            (4, 3, true),
        ];
        let (sure, may) = reach_sets(7, &edges, &[(3, true), (6, false)]);
        assert_eq!(sure, vec![false, false, true, true, true, false, false]);
        assert_eq!(may, vec![true, true, true, true, true, true, true]);
        let (sure, may) = reach_sets(7, &edges, &[(1, true)]);
        assert_eq!(sure, vec![true, true, false, false, false, false, false]);
        assert_eq!(may, vec![true, true, false, false, false, false, false]);
    }
}
