//! The escalation rules (crepe): from the technique edges found by the engine, who can give
//! whom arbitrary permissions and who can become an administrator of which account.
//!
//! Nodes are `u32`: principals of the engine's table, then one administrator node per account,
//! then one node per source group of the compact graph (see `graph.rs`: `Acts(p, g)` for the
//! members p of group g, `Acts(g, t)` for the targets t of its become bundles, so the relation
//! stays the size of the bundles, not of the principal pairs they stand for). `Gains` / `Frees` are found in `graph.rs` by a forward search from each
//! empowering principal to its targets (so their size is bounded by the empower edges, never
//! all pairs); the closure computed here is only towards the administrator nodes (principals ×
//! accounts at most).

#[allow(missing_docs)]
mod program {
    use crepe::crepe;

    crepe! {
        // Facts:
        // Acts(x, y): x can act with the permissions of y (credentials, assume role, passing y to
        // a service that runs x's code, taking over compute that runs as y); also
        // Acts(p, admin-node) for a principal that already is an administrator, and
        // Acts(admin-node, q) for the principals q of that account with edges leaving it.
        @input
        pub struct Acts(pub u32, pub u32);
        // Gains(x, t): x can give principal t any identity permission and act as t (t may be x).
        @input
        pub struct Gains(pub u32, pub u32);
        // Frees(x, t): x can remove or replace the permissions boundary of t and act as t.
        @input
        pub struct Frees(pub u32, pub u32);
        // Free(t, a): t with any identity permission is an administrator of account node a.
        @input
        pub struct Free(pub u32, pub u32);
        // BoundedOnly(t, a): as Free, once t's boundary is gone.
        @input
        pub struct BoundedOnly(pub u32, pub u32);
        // IdAdmin(t, a): t's own identity policies already make it an administrator of a; only
        // its boundary stops it.
        @input
        pub struct IdAdmin(pub u32, pub u32);
        // AdminNode(a): the administrator node of an account.
        @input
        pub struct AdminNode(pub u32);

        // Rules:
        // AdminOf(x, a): x can make itself (or a principal it acts as) an administrator of a.
        @output
        pub struct AdminOf(pub u32, pub u32);
        AdminOf(x, a) <- Gains(x, t), Free(t, a);
        AdminOf(x, a) <- Gains(x, t), BoundedOnly(t, a), Frees(x, t);
        AdminOf(x, a) <- Frees(x, t), IdAdmin(t, a);

        struct Edge(u32, u32);
        Edge(x, y) <- Acts(x, y);
        Edge(x, a) <- AdminOf(x, a);

        // Admin(p, a): p reaches the administrator node a by any route.
        @output
        pub struct Admin(pub u32, pub u32);
        Admin(p, a) <- Edge(p, a), AdminNode(a);
        Admin(p, a) <- Edge(p, y), Admin(y, a);
    }
}
use program::*;

/// The facts the rules read.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// `Acts(x, y)`.
    pub act_as: Vec<(u32, u32)>,
    /// `Gains(x, t)`.
    pub gains: Vec<(u32, u32)>,
    /// `Frees(x, t)`.
    pub frees: Vec<(u32, u32)>,
    /// `Free(t, a)`.
    pub free: Vec<(u32, u32)>,
    /// `BoundedOnly(t, a)`.
    pub bounded_only: Vec<(u32, u32)>,
    /// `IdAdmin(t, a)`.
    pub id_admin: Vec<(u32, u32)>,
    /// Administrator nodes.
    pub admin_nodes: Vec<u32>,
}

/// What the rules derive.
#[derive(Debug, Default, Clone)]
pub struct Derived {
    /// `(p, t, x)`: p gains arbitrary permissions on t through empowerer x (here p = x).
    pub gains: Vec<(u32, u32, u32)>,
    /// `(p, t, x)`: p can remove t's boundary through x (here p = x).
    pub frees: Vec<(u32, u32, u32)>,
    /// `(p, a)`: p makes itself administrator of a (through a `Gains`/`Frees`).
    pub admin_of: Vec<(u32, u32)>,
    /// `(p, a)`: p (a principal or administrator node) is or can become administrator of a.
    pub admin: Vec<(u32, u32)>,
}

/// Runs the rules.
pub fn run(f: &Facts) -> Derived {
    let mut rt = Crepe::new();
    rt.extend(f.act_as.iter().map(|&(a, b)| Acts(a, b)));
    rt.extend(f.gains.iter().map(|&(a, b)| Gains(a, b)));
    rt.extend(f.frees.iter().map(|&(a, b)| Frees(a, b)));
    rt.extend(f.free.iter().map(|&(a, b)| Free(a, b)));
    rt.extend(f.bounded_only.iter().map(|&(a, b)| BoundedOnly(a, b)));
    rt.extend(f.id_admin.iter().map(|&(a, b)| IdAdmin(a, b)));
    rt.extend(f.admin_nodes.iter().map(|&a| AdminNode(a)));
    let (admin_of, admin) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
    let mut d = Derived {
        gains: f.gains.iter().map(|&(x, t)| (x, t, x)).collect(),
        frees: f.frees.iter().map(|&(x, t)| (x, t, x)).collect(),
        admin_of: admin_of.into_iter().map(|AdminOf(a, b)| (a, b)).collect(),
        admin: admin.into_iter().map(|Admin(a, b)| (a, b)).collect(),
    };
    d.gains.sort_unstable();
    d.frees.sort_unstable();
    d.admin_of.sort_unstable();
    d.admin.sort_unstable();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_empowerment_makes_an_admin_and_reaches_through_roles() {
        // 0 gains itself; 2 gains 3; 1 acts as 2; 4 acts as 0; 5 acts as nobody.
        // Admin node 10; Free for 0 and 3.
        let f = Facts {
            act_as: vec![(1, 2), (4, 0)],
            gains: vec![(0, 0), (2, 3)],
            free: vec![(0, 10), (3, 10)],
            admin_nodes: vec![10],
            ..Default::default()
        };
        let d = run(&f);
        assert_eq!(d.admin_of, vec![(0, 10), (2, 10)]);
        assert_eq!(d.admin, vec![(0, 10), (1, 10), (2, 10), (4, 10)]);
    }

    #[test]
    fn a_bounded_target_needs_its_boundary_removed() {
        let mut f = Facts {
            gains: vec![(0, 0)],
            bounded_only: vec![(0, 10)],
            admin_nodes: vec![10],
            ..Default::default()
        };
        assert!(run(&f).admin.is_empty());
        f.frees.push((0, 0));
        assert_eq!(run(&f).admin, vec![(0, 10)]);
    }
}
