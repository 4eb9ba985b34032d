//! `iamdl facts`: the compiled environment as tab-separated `.facts` files (Soufflé's input
//! format), one file per relation, so the rules can be inspected or run elsewhere.

use crate::engine::request::PrincipalKind;
use crate::engine::Engine;
use crate::iam::{Effect, PolicyKind, PrincipalRef};
use std::io::Write;
use std::path::Path;

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// Writes every relation; returns how many files were written.
pub fn write(engine: &Engine, dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let env = &engine.env;
    let mut files: Vec<(&str, Vec<Vec<String>>)> = Vec::new();
    let principals: Vec<Vec<String>> = engine
        .principal_ids()
        .map(|p| {
            let r = engine.principal(p);
            let kind = match r.kind {
                PrincipalKind::User(_) => "user",
                PrincipalKind::Role(_) => "role",
                PrincipalKind::Root => "root",
            };
            vec![
                p.0.to_string(),
                r.arn.clone(),
                kind.into(),
                r.account.clone(),
            ]
        })
        .collect();
    files.push(("principal", principals));
    files.push((
        "identity_policy",
        engine
            .principal_ids()
            .flat_map(|p| {
                engine
                    .identity_policies(p)
                    .iter()
                    .map(move |pol| vec![p.0.to_string(), pol.0.to_string()])
            })
            .collect(),
    ));
    files.push((
        "boundary",
        engine
            .principal_ids()
            .filter_map(|p| {
                engine
                    .boundary(p)
                    .map(|b| vec![p.0.to_string(), b.0.to_string()])
            })
            .collect(),
    ));
    files.push((
        "member",
        env.users
            .iter()
            .flat_map(|u| {
                u.groups.iter().map(move |g| {
                    vec![
                        u.arn.clone(),
                        format!("arn:aws:iam::{}:group/{}", u.account, g),
                    ]
                })
            })
            .collect(),
    ));
    files.push((
        "policy",
        env.policies
            .iter()
            .map(|p| {
                let kind = match p.kind {
                    PolicyKind::Inline => "inline".to_string(),
                    PolicyKind::CustomerManaged => "customer-managed".into(),
                    PolicyKind::AwsManaged => "aws-managed".into(),
                    PolicyKind::Scp => "scp".into(),
                    PolicyKind::Rcp => "rcp".into(),
                    PolicyKind::Session => "session".into(),
                    PolicyKind::Resource(k) => format!("resource:{k:?}"),
                };
                vec![p.id.0.to_string(), kind, clean(&p.name), clean(&p.file)]
            })
            .collect(),
    ));
    let mut stmt = Vec::new();
    let mut action = Vec::new();
    let mut resource = Vec::new();
    let mut principal = Vec::new();
    let mut condition = Vec::new();
    for p in &env.policies {
        for s in &p.statements {
            let id = format!("{}:{}", p.id.0, s.index);
            stmt.push(vec![
                id.clone(),
                p.id.0.to_string(),
                if s.effect == Effect::Allow {
                    "Allow".into()
                } else {
                    "Deny".into()
                },
                clean(&s.label()),
            ]);
            for a in &s.action.items {
                action.push(vec![id.clone(), clean(a), s.action.negated.to_string()]);
            }
            if let Some(r) = &s.resource {
                for x in &r.items {
                    resource.push(vec![id.clone(), clean(x), r.negated.to_string()]);
                }
            }
            if let Some(pr) = &s.principal {
                for x in &pr.items {
                    let (k, v) = match x {
                        PrincipalRef::Any => ("any", "*".to_string()),
                        PrincipalRef::Account(a) => ("account", a.clone()),
                        PrincipalRef::Arn(a) => ("arn", a.clone()),
                        PrincipalRef::UniqueId(a) => ("unique-id", a.clone()),
                        PrincipalRef::Invalid(a) => ("invalid", a.clone()),
                        PrincipalRef::Service(a) => ("service", a.clone()),
                        PrincipalRef::Federated(a) => ("federated", a.clone()),
                        PrincipalRef::CanonicalUser(a) => ("canonical-user", a.clone()),
                    };
                    principal.push(vec![
                        id.clone(),
                        k.into(),
                        clean(&v),
                        pr.negated.to_string(),
                    ]);
                }
            }
            for c in &s.conditions {
                condition.push(vec![
                    id.clone(),
                    clean(&c.operator),
                    clean(&c.key),
                    clean(&c.values.join(",")),
                ]);
            }
        }
    }
    files.push(("statement", stmt));
    files.push(("stmt_action", action));
    files.push(("stmt_resource", resource));
    files.push(("stmt_principal", principal));
    files.push(("stmt_condition", condition));
    files.push((
        "resource",
        env.resources
            .iter()
            .map(|r| {
                vec![
                    r.arn.clone(),
                    format!("{:?}", r.kind),
                    r.account.clone(),
                    r.region.clone(),
                    r.policy.map(|p| p.0.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
    ));
    let mut scp = Vec::new();
    let mut rcp = Vec::new();
    for a in &env.accounts {
        if let Some(levels) = engine.scp_levels(&a.id) {
            for (l, pols) in levels.iter().enumerate() {
                for p in pols {
                    scp.push(vec![a.id.clone(), l.to_string(), p.0.to_string()]);
                }
            }
        }
        if let Some(levels) = engine.rcp_levels(&a.id) {
            for (l, pols) in levels.iter().enumerate() {
                for p in pols {
                    rcp.push(vec![a.id.clone(), l.to_string(), p.0.to_string()]);
                }
            }
        }
    }
    files.push(("scp_level", scp));
    files.push(("rcp_level", rcp));
    let n = files.len();
    for (name, rows) in files {
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(dir.join(format!("{name}.facts")))?);
        for r in rows {
            writeln!(f, "{}", r.join("\t"))?;
        }
    }
    Ok(n)
}
