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

/// What a chain offers (reach): `Offers(n, s)` when some chain from node `n` (conditional
/// hops included) leads to a node that itself holds action set `s` — so a principal that
/// reaches a resource through roles is listed with the actions of every role it can reach,
/// not only those of the role on its shortest chain.
pub mod offers {
    use crepe::crepe;

    crepe! {
        // Hop(caller, role): the caller may assume the role (surely or conditionally).
        @input
        pub struct Hop(pub u32, pub u32);
        // Holds(node, set): the node has access itself, with the actions of set `set`.
        @input
        pub struct Holds(pub u32, pub u32);

        @output
        pub struct Offers(pub u32, pub u32);
        Offers(n, s) <- Holds(n, s);
        Offers(a, s) <- Hop(a, b), Offers(b, s);
    }

    /// `Offers` over `edges` (caller, role, firm) and `holds` (node, set), as (node, set) pairs.
    pub fn offers(edges: &[(u32, u32, bool)], holds: &[(u32, u32)]) -> Vec<(u32, u32)> {
        let mut rt = Crepe::new();
        rt.extend(edges.iter().map(|&(a, b, _)| Hop(a, b)));
        rt.extend(holds.iter().map(|&(n, s)| Holds(n, s)));
        let (out,) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
        out.into_iter().map(|Offers(n, s)| (n, s)).collect()
    }
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

    #[test]
    fn chains_offer_the_actions_of_every_role_they_reach() {
        // 0 -> 1 -> 2 (holds set 7), 1 -> 3 (holds set 8), 4 -> 3; 5 reaches nothing.
        let edges = [(0, 1, true), (1, 2, false), (1, 3, true), (4, 3, true)];
        let mut got = super::offers::offers(&edges, &[(2, 7), (3, 8)]);
        got.sort();
        assert_eq!(
            got,
            vec![(0, 7), (0, 8), (1, 7), (1, 8), (2, 7), (3, 8), (4, 8)]
        );
    }
}
