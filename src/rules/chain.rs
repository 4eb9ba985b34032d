//! Role chaining (P4): who can reach which role through a sequence of `sts:AssumeRole` calls.
//! Each edge carries whether it is certain (`true`) or conditional; a chain is certain only
//! when all its hops are.

use crepe::crepe;

crepe! {
    // Facts:
    // Edge(caller, role, firm): the caller may assume the role.
    @input
    pub struct Edge(pub u32, pub u32, pub bool);

    // Rules:
    // Reaches(caller, role, firm): transitive closure of Edge.
    @output
    pub struct Reaches(pub u32, pub u32, pub bool);
    Reaches(a, b, f) <- Edge(a, b, f);
    Reaches(a, c, f) <- Edge(a, b, f1), Reaches(b, c, f2), (a != c), let f = (f1 && f2);
}

/// Closes the edges: for each (caller, role), whether it is reachable surely (`true`) or only
/// possibly (`false`). Pairs absent from the result are unreachable.
pub fn close(edges: &[(u32, u32, bool)]) -> rustc_hash::FxHashMap<(u32, u32), bool> {
    let mut rt = Crepe::new();
    rt.extend(edges.iter().map(|&(a, b, f)| Edge(a, b, f)));
    let (reaches,) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
    let mut out: rustc_hash::FxHashMap<(u32, u32), bool> = Default::default();
    for Reaches(a, b, f) in reaches {
        let e = out.entry((a, b)).or_insert(false);
        *e |= f;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_firm_only_when_every_hop_is() {
        let r = close(&[
            (0, 1, true),
            (1, 2, false),
            (2, 3, true),
            (5, 6, true),
            (6, 5, true),
        ]);
        assert_eq!(r.get(&(0, 1)), Some(&true));
        assert_eq!(r.get(&(0, 3)), Some(&false));
        assert_eq!(r.get(&(2, 3)), Some(&true));
        assert_eq!(r.get(&(3, 0)), None);
        assert_eq!(r.get(&(5, 6)), Some(&true));
    }
}
