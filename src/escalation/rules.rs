//! The escalation rules (crepe): from the technique edges found by the engine, who can give
//! whom arbitrary permissions and who can become an administrator of which account.
//!
//! Nodes are `u32`: principals of the engine's table, then one administrator node per account
//! (see `graph.rs`). Only the ancestors of the nodes the rules ask about (`Want`) are
//! computed, never the closure of the whole graph.

#[allow(missing_docs)]
mod program {
    use crepe::crepe;

crepe! {
    // Facts:
    // Acts(x, y): x can act with the permissions of y (credentials, assume role, passing y to
    // a service that runs x's code, taking over compute that runs as y); also
    // Acts(p, admin-node) for a principal that already is an administrator, and
    // Acts(admin-node, q) for every principal q of that account.
    @input
    pub struct Acts(pub u32, pub u32);
    // Empower(x, t): x can give principal t any identity permission (t may be x).
    @input
    pub struct Empower(pub u32, pub u32);
    // Unbound(x, t): x can remove or replace the permissions boundary of t.
    @input
    pub struct Unbound(pub u32, pub u32);
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
    // Want(w): a node whose ancestors the rules need.
    @input
    pub struct Want(pub u32);
    // AdminNode(a): the administrator node of an account.
    @input
    pub struct AdminNode(pub u32);

    // Rules:
    struct Edge(u32, u32);
    Edge(x, y) <- Acts(x, y);
    Edge(p, a) <- AdminOf(p, a);

    // R(x, w): x reaches the wanted node w through one or more edges.
    struct R(u32, u32);
    R(x, w) <- Edge(x, w), Want(w);
    R(x, w) <- Edge(x, y), R(y, w);

    // S(x, w): x is w or reaches it.
    struct S(u32, u32);
    S(w, w) <- Want(w);
    S(x, w) <- R(x, w);

    // Gains(p, t, x): p can give t any permission (through x, whom p is or reaches) and act as t.
    @output
    pub struct Gains(pub u32, pub u32, pub u32);
    Gains(p, t, x) <- Empower(x, t), S(p, x), S(p, t);

    // Frees(p, t, x): p can remove t's boundary (through x) and act as t.
    @output
    pub struct Frees(pub u32, pub u32, pub u32);
    Frees(p, t, x) <- Unbound(x, t), S(p, x), S(p, t);

    // AdminOf(p, a): p can make itself an administrator of account node a.
    @output
    pub struct AdminOf(pub u32, pub u32);
    AdminOf(p, a) <- Gains(p, t, _x), Free(t, a);
    AdminOf(p, a) <- Gains(p, t, _x), BoundedOnly(t, a), Frees(p, t, _y);
    AdminOf(p, a) <- Frees(p, t, _y), IdAdmin(t, a);

    // Admin(p, a): p is or can become an administrator of a, by any route.
    @output
    pub struct Admin(pub u32, pub u32);
    Admin(p, a) <- R(p, a), AdminNode(a);
    Admin(p, a) <- AdminOf(p, a);
}
}
use program::*;

/// The facts the rules read.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// `Acts(x, y)`.
    pub act_as: Vec<(u32, u32)>,
    /// `Empower(x, t)`.
    pub empower: Vec<(u32, u32)>,
    /// `Unbound(x, t)`.
    pub unbound: Vec<(u32, u32)>,
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
    /// `(p, t, x)`: p gains arbitrary permissions on t through empowerer x.
    pub gains: Vec<(u32, u32, u32)>,
    /// `(p, t, x)`: p can remove t's boundary through x.
    pub frees: Vec<(u32, u32, u32)>,
    /// `(p, a)`: p makes itself administrator of a (through a `Gains`/`Frees`).
    pub admin_of: Vec<(u32, u32)>,
    /// `(p, a)`: p is or can become administrator of a.
    pub admin: Vec<(u32, u32)>,
}

/// Runs the rules.
pub fn run(f: &Facts) -> Derived {
    let mut rt = Crepe::new();
    rt.extend(f.act_as.iter().map(|&(a, b)| Acts(a, b)));
    rt.extend(f.empower.iter().map(|&(a, b)| Empower(a, b)));
    rt.extend(f.unbound.iter().map(|&(a, b)| Unbound(a, b)));
    rt.extend(f.free.iter().map(|&(a, b)| Free(a, b)));
    rt.extend(f.bounded_only.iter().map(|&(a, b)| BoundedOnly(a, b)));
    rt.extend(f.id_admin.iter().map(|&(a, b)| IdAdmin(a, b)));
    rt.extend(f.admin_nodes.iter().map(|&a| AdminNode(a)));
    let mut want: Vec<u32> = f.admin_nodes.clone();
    for &(x, t) in f.empower.iter().chain(f.unbound.iter()) {
        want.push(x);
        want.push(t);
    }
    want.sort_unstable();
    want.dedup();
    rt.extend(want.into_iter().map(Want));
    let (gains, frees, admin_of, admin) = rt.run_with_hasher::<rustc_hash::FxBuildHasher>();
    let mut d = Derived {
        gains: gains.into_iter().map(|Gains(a, b, c)| (a, b, c)).collect(),
        frees: frees.into_iter().map(|Frees(a, b, c)| (a, b, c)).collect(),
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
        // 0 can empower itself; 1 can assume 2, 2 can empower 3 and 1 can assume 3;
        // 4 only reaches 0. Admin node 10; Free for 0 and 3.
        let f = Facts {
            act_as: vec![(1, 2), (1, 3), (4, 0)],
            empower: vec![(0, 0), (2, 3)],
            free: vec![(0, 10), (3, 10)],
            admin_nodes: vec![10],
            ..Default::default()
        };
        let d = run(&f);
        assert!(d.gains.contains(&(0, 0, 0)));
        assert!(d.gains.contains(&(1, 3, 2)));
        assert!(d.gains.contains(&(4, 0, 0)));
        assert!(!d.gains.iter().any(|g| g.0 == 2 && g.1 == 3), "2 cannot act as 3");
        assert_eq!(d.admin, vec![(0, 10), (1, 10), (4, 10)]);
    }

    #[test]
    fn a_bounded_target_needs_its_boundary_removed() {
        let mut f = Facts {
            empower: vec![(0, 0)],
            bounded_only: vec![(0, 10)],
            admin_nodes: vec![10],
            ..Default::default()
        };
        assert!(run(&f).admin.is_empty());
        f.unbound.push((0, 0));
        assert_eq!(run(&f).admin, vec![(0, 10)]);
    }
}
