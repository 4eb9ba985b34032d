//! Rendering answers as aligned text tables (for terminals) or JSON (for programs).

use crate::engine::answer::*;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned, human-readable text.
    Table,
    /// JSON, one document per answer.
    Json,
    /// Comma-separated values (one row per principal / reason).
    Csv,
}

/// Formats rows as an aligned table with a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if i < w.len() {
                w[i] = w[i].max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let n = cells.len();
        for (i, c) in cells.into_iter().enumerate() {
            out.push_str(c);
            if i + 1 < n {
                out.push_str(&" ".repeat(w[i] - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    line(
        w.iter()
            .map(|n| "-".repeat(*n))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
        &mut out,
    );
    for r in rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Formats rows as CSV.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// Renders a `can` answer.
pub fn answer(a: &Answer, f: Format) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(a).unwrap_or_default(),
        Format::Csv => csv(
            &[
                "principal",
                "action",
                "resource",
                "decision",
                "layer",
                "effect",
                "policy",
                "statement",
            ],
            &a.reasons
                .iter()
                .map(|r| {
                    vec![
                        a.principal.clone(),
                        a.action.clone(),
                        a.resource.clone(),
                        a.decision.as_str().into(),
                        r.layer.clone(),
                        r.effect.clone(),
                        r.policy.clone(),
                        r.statement.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
        Format::Table => {
            let mut s = format!(
                "{}: {} {} on {}\n",
                a.decision.as_str().to_uppercase(),
                a.principal,
                a.action,
                a.resource
            );
            for b in &a.blame {
                s.push_str(&format!("  denied [{}] {}\n", b.layer, b.message));
                for p in &b.policies {
                    s.push_str(&format!(
                        "      {} statement {} ({})\n",
                        p.policy, p.statement, p.file
                    ));
                }
            }
            if !a.reasons.is_empty() {
                s.push_str("  statements:\n");
                for r in &a.reasons {
                    let c = if r.conditional { " (conditional)" } else { "" };
                    s.push_str(&format!(
                        "    {} {} in {}: {} statement {}{}\n",
                        r.effect, r.layer, r.file, r.policy, r.statement, c
                    ));
                }
            }
            if !a.conditions.is_empty() {
                s.push_str("  conditions:\n");
                for c in &a.conditions {
                    s.push_str(&format!("    {c}\n"));
                }
            }
            for n in &a.notes {
                s.push_str(&format!("  note: {n}\n"));
            }
            s.push_str("  proof:\n");
            s.push_str(&proof_tree(a));
            s
        }
    }
}

/// Renders the proof tree of an answer as an indented tree (children below their claim).
pub fn proof_tree(a: &Answer) -> String {
    proof_node_tree(&a.proof)
}

/// Renders a proof tree (of an answer, or of a role chain) indented by four spaces.
pub fn proof_node_tree(root: &ProofNode) -> String {
    fn walk(n: &ProofNode, prefix: &str, last: bool, top: bool, out: &mut String) {
        let (mark, cont) = if top {
            ("", "")
        } else if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        out.push_str(&format!("{prefix}{mark}{}", n.claim));
        if let Some(f) = &n.file {
            out.push_str(&format!("  [{f}]"));
        }
        out.push('\n');
        let next = format!("{prefix}{cont}");
        for (i, c) in n.children.iter().enumerate() {
            walk(c, &next, i + 1 == n.children.len(), false, out);
        }
    }
    let mut out = String::new();
    walk(root, "    ", true, true, &mut out);
    out
}

/// Renders a `who-can` / `reach` answer.
pub fn who(a: &WhoCanAnswer, f: Format) -> String {
    let reach = a.action == "*";
    let header: Vec<&str> = if reach {
        vec![
            "principal",
            "kind",
            "decision",
            "access",
            "via",
            "conditions",
        ]
    } else {
        vec!["principal", "kind", "decision", "via", "conditions"]
    };
    let rows: Vec<Vec<String>> = a
        .principals
        .iter()
        .map(|p| {
            let mut r = vec![
                p.principal.clone(),
                p.kind.clone(),
                p.decision.as_str().into(),
            ];
            if reach {
                r.push(p.access.join("/"));
            }
            r.push(p.via.join(" -> "));
            r.push(p.conditions.join("; "));
            r
        })
        .collect();
    match f {
        Format::Json => serde_json::to_string_pretty(a).unwrap_or_default(),
        Format::Csv => csv(&header, &rows),
        Format::Table => {
            let mut s = format!(
                "{} principal(s) can {} on {}\n",
                a.principals.len(),
                if reach {
                    "act".to_string()
                } else {
                    a.action.clone()
                },
                a.resource
            );
            s.push_str(&table(&header, &rows));
            for n in &a.notes {
                s.push_str(&format!("note: {n}\n"));
            }
            s
        }
    }
}

/// Renders a `can-pass` answer.
pub fn pass(a: &PassAnswer, f: Format) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(a).unwrap_or_default(),
        Format::Csv => csv(
            &["principal", "role", "service", "decision"],
            &[vec![
                a.principal.clone(),
                a.role.clone(),
                a.service.clone(),
                a.decision.as_str().into(),
            ]],
        ),
        Format::Table => {
            let mut s = format!(
                "{}: {} passes {} to {}\n",
                a.decision.as_str().to_uppercase(),
                a.principal,
                a.role,
                a.service
            );
            s.push_str("  1. iam:PassRole by the caller (iam:PassedToService = service):\n");
            for l in answer(&a.pass, Format::Table).lines() {
                s.push_str(&format!("     {l}\n"));
            }
            s.push_str("  2. the role's trust policy must let the service assume it:\n");
            for l in answer(&a.trust, Format::Table).lines() {
                s.push_str(&format!("     {l}\n"));
            }
            s
        }
    }
}
