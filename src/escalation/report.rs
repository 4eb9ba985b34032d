//! Reports and pictures of escalation paths and of who reaches sensitive resources:
//! self-contained HTML with inline SVG (no scripts, no network), SARIF 2.1.0, JSON and
//! Markdown; graphs as DOT, SVG (a small layered layout written here) or Mermaid.

use super::{path_decision, AdminEntry, Escalation, Marked, Path};
use crate::engine::answer::{Decision, WhoCanAnswer};
use crate::engine::request::UserContext;
use crate::engine::Engine;
use crate::iam::ResourceKind;
use serde::Serialize;
use serde_json::json;
use std::fmt::Write as _;

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file with inline SVG graphs.
    Html,
    /// SARIF 2.1.0 for code-scanning UIs.
    Sarif,
    /// The report as JSON.
    Json,
    /// Markdown.
    Markdown,
}

/// Output formats of `graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A standalone SVG picture.
    Svg,
    /// A Mermaid flowchart.
    Mermaid,
}

/// A node of a picture.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GNodeView {
    /// Label (ARN or resource).
    pub label: String,
    /// `user`, `role`, `root`, `admin`, `resource`, `other`.
    pub kind: String,
}

/// An edge of a picture.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GEdgeView {
    /// Index of the source node.
    pub from: usize,
    /// Index of the target node.
    pub to: usize,
    /// Technique or `access`.
    pub label: String,
    /// True when conditional (drawn dashed).
    pub conditional: bool,
}

/// A picture: nodes and labelled edges.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Picture {
    /// Nodes.
    pub nodes: Vec<GNodeView>,
    /// Edges.
    pub edges: Vec<GEdgeView>,
}

impl Picture {
    fn node(&mut self, label: &str) -> usize {
        if let Some(i) = self.nodes.iter().position(|n| n.label == label) {
            return i;
        }
        let kind = if label.starts_with("admin@") {
            "admin"
        } else if label.contains(":user/") {
            "user"
        } else if label.contains(":role/") {
            "role"
        } else if label.ends_with(":root") {
            "root"
        } else if label.starts_with("arn:") {
            "resource"
        } else {
            "other"
        };
        self.nodes.push(GNodeView {
            label: label.to_string(),
            kind: kind.into(),
        });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: &str, to: &str, label: &str, conditional: bool) {
        let (a, b) = (self.node(from), self.node(to));
        if a == b && label != "access" {
            // A self-edge (self-escalation) is drawn as a loop label on the node.
        }
        if !self
            .edges
            .iter()
            .any(|e| e.from == a && e.to == b && e.label == label)
        {
            self.edges.push(GEdgeView {
                from: a,
                to: b,
                label: label.into(),
                conditional,
            });
        }
    }

    fn add_path(&mut self, p: &Path) {
        for s in p {
            self.edge(&s.from, &s.to, &s.technique, s.decision != Decision::Allow);
        }
    }
}

/// The picture of some escalation paths.
pub fn path_graph(paths: &[Path]) -> Picture {
    let mut g = Picture::default();
    for p in paths {
        g.add_path(p);
    }
    g
}

/// The picture of who reaches a resource: direct access, role chains, escalation paths.
pub fn reach_graph(resource: &str, direct: &WhoCanAnswer, marked: &[Marked]) -> Picture {
    let mut g = Picture::default();
    g.node(resource);
    for e in direct.principals.iter().take(40) {
        if e.decision == Decision::Deny {
            continue;
        }
        let cond = e.decision != Decision::Allow;
        let mut prev = e.principal.clone();
        for v in &e.via {
            if *v != prev {
                g.edge(&prev, v, "sts:AssumeRole", cond);
            }
            prev = v.clone();
        }
        g.edge(&prev, resource, "access", cond);
    }
    for m in marked.iter().take(40) {
        g.add_path(&m.path);
    }
    g
}

fn short(label: &str) -> String {
    if let Some(rest) = label.strip_prefix("arn:aws:iam::") {
        let (acct, res) = rest.split_once(':').unwrap_or((rest, ""));
        return format!("{}:{}", &acct[acct.len().saturating_sub(4)..], res);
    }
    if let Some(b) = label.strip_prefix("arn:aws:s3:::") {
        return format!("s3:{b}");
    }
    if label.len() > 40 {
        return format!("…{}", &label[label.len() - 38..]);
    }
    label.to_string()
}

fn esc_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders a picture.
pub fn render_graph(g: &Picture, f: GraphFormat) -> String {
    match f {
        GraphFormat::Dot => {
            let mut s = String::from(
                "digraph iamdl {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\"];\n",
            );
            for (i, n) in g.nodes.iter().enumerate() {
                let shape = match n.kind.as_str() {
                    "resource" => "cylinder",
                    "admin" => "doubleoctagon",
                    "user" => "ellipse",
                    _ => "box",
                };
                let _ = writeln!(
                    s,
                    "  n{i} [label=\"{}\", shape={shape}];",
                    n.label.replace('"', "\\\"")
                );
            }
            for e in &g.edges {
                let _ = writeln!(
                    s,
                    "  n{} -> n{} [label=\"{}\"{}];",
                    e.from,
                    e.to,
                    e.label.replace('"', "\\\""),
                    if e.conditional { ", style=dashed" } else { "" }
                );
            }
            s.push_str("}\n");
            s
        }
        GraphFormat::Mermaid => {
            let mut s = String::from("flowchart LR\n");
            for (i, n) in g.nodes.iter().enumerate() {
                let l = n.label.replace('"', "'");
                let _ = match n.kind.as_str() {
                    "resource" => writeln!(s, "  n{i}[(\"{l}\")]"),
                    "admin" => writeln!(s, "  n{i}{{{{\"{l}\"}}}}"),
                    "user" => writeln!(s, "  n{i}([\"{l}\"])"),
                    _ => writeln!(s, "  n{i}[\"{l}\"]"),
                };
            }
            for e in &g.edges {
                let arrow = if e.conditional { "-.->" } else { "-->" };
                let _ = writeln!(
                    s,
                    "  n{} {arrow}|\"{}\"| n{}",
                    e.from,
                    e.label.replace('"', "'"),
                    e.to
                );
            }
            s
        }
        GraphFormat::Svg => svg(g),
    }
}

/// A layered left-to-right layout: the layer of a node is its longest distance from a node
/// without incoming edges (cycles broken by visiting order).
pub fn svg(g: &Picture) -> String {
    let n = g.nodes.len();
    let mut layer = vec![0usize; n];
    // Relax edges |V| times (longest path on the DAG part; cycles stop growing at n).
    for _ in 0..n.min(32) {
        let mut changed = false;
        for e in &g.edges {
            if e.from != e.to && layer[e.to] < layer[e.from] + 1 && layer[e.from] + 1 < n.max(1) {
                layer[e.to] = layer[e.from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let layers = layer.iter().copied().max().map(|m| m + 1).unwrap_or(1);
    let mut rows = vec![0usize; layers];
    let mut pos = vec![(0usize, 0usize); n];
    for i in 0..n {
        pos[i] = (layer[i], rows[layer[i]]);
        rows[layer[i]] += 1;
    }
    let (bw, bh, gx, gy) = (230.0f64, 44.0f64, 90.0f64, 26.0f64);
    let width = (layers as f64) * (bw + gx) + 40.0;
    let height = (rows.iter().copied().max().unwrap_or(1) as f64) * (bh + gy) + 60.0;
    let xy = |i: usize| {
        let (l, r) = pos[i];
        (20.0 + l as f64 * (bw + gx), 30.0 + r as f64 * (bh + gy))
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"iamdl-graph\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>"
    );
    for e in &g.edges {
        let (x1, y1) = xy(e.from);
        let (x2, y2) = xy(e.to);
        let dash = if e.conditional {
            " stroke-dasharray=\"5,4\""
        } else {
            ""
        };
        if e.from == e.to {
            let _ = write!(
                s,
                "<path d=\"M {:.0} {:.0} C {:.0} {:.0}, {:.0} {:.0}, {:.0} {:.0}\" fill=\"none\" stroke=\"#b03030\"{dash} marker-end=\"url(#arrow)\"/><text x=\"{:.0}\" y=\"{:.0}\" fill=\"#b03030\">{}</text>",
                x1 + bw * 0.3, y1, x1 + bw * 0.3, y1 - 24.0, x1 + bw * 0.7, y1 - 24.0, x1 + bw * 0.7, y1,
                x1 + bw * 0.32, y1 - 14.0, esc_xml(&e.label)
            );
            continue;
        }
        let (sx, sy, ex, ey) = if x2 > x1 {
            (x1 + bw, y1 + bh / 2.0, x2, y2 + bh / 2.0)
        } else {
            (x1 + bw / 2.0, y1 + bh, x2 + bw / 2.0, y2)
        };
        let color = if e.label == "access" {
            "#2a6f2a"
        } else {
            "#b03030"
        };
        let _ = write!(
            s,
            "<line x1=\"{sx:.0}\" y1=\"{sy:.0}\" x2=\"{ex:.0}\" y2=\"{ey:.0}\" stroke=\"{color}\" stroke-width=\"1.5\"{dash} marker-end=\"url(#arrow)\"/><text x=\"{:.0}\" y=\"{:.0}\" fill=\"{color}\" text-anchor=\"middle\">{}</text>",
            (sx + ex) / 2.0,
            (sy + ey) / 2.0 - 4.0,
            esc_xml(&e.label)
        );
    }
    for (i, nd) in g.nodes.iter().enumerate() {
        let (x, y) = xy(i);
        let fill = match nd.kind.as_str() {
            "user" => "#e8f0fe",
            "role" => "#fef7e0",
            "admin" => "#fde2e1",
            "resource" => "#e6f4ea",
            _ => "#f1f3f4",
        };
        let _ = write!(
            s,
            "<g class=\"node\"><title>{}</title><rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"{bw:.0}\" height=\"{bh:.0}\" rx=\"8\" fill=\"{fill}\" stroke=\"#444\"/><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\" fill=\"#555\">{}</text></g>",
            esc_xml(&nd.label),
            x + bw / 2.0,
            y + 18.0,
            esc_xml(&short(&nd.label)),
            x + bw / 2.0,
            y + 34.0,
            esc_xml(&nd.kind)
        );
    }
    s.push_str("</svg>");
    s
}

/// One finding of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Anchor id (`f-1`).
    pub id: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// Rule id (`iamdl/escalation-to-admin`, `iamdl/escalation-reach`, `iamdl/admin`).
    pub rule: String,
    /// One line.
    pub title: String,
    /// The principal.
    pub principal: String,
    /// The resource, for reach findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The file the principal is defined in.
    pub file: String,
    /// The proof: steps.
    pub path: Path,
}

/// Who reaches one sensitive resource.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceSection {
    /// The resource.
    pub resource: String,
    /// Principals with direct access (or through role chains): (principal, decision).
    pub direct: Vec<(String, Decision)>,
    /// Principals that need escalation, with the ids of their findings.
    pub escalation: Vec<String>,
    /// The picture.
    pub picture: Picture,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The environment.
    pub environment: String,
    /// Principals, accounts, technique edges, time to build the graph (ms).
    pub summary: serde_json::Value,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Sensitive resources.
    pub resources: Vec<ResourceSection>,
}

/// The sensitive resources: from `pack` (`*.txt` / `*.arns` files, one ARN a line, `#`
/// comments), or every bucket, KMS key and secret of the environment.
pub fn sensitive_resources(
    engine: &Engine,
    pack: Option<&std::path::Path>,
) -> Result<Vec<String>, String> {
    let Some(dir) = pack else {
        let mut v: Vec<String> = engine
            .env
            .resources
            .iter()
            .filter(|r| {
                matches!(
                    r.kind,
                    ResourceKind::S3Bucket | ResourceKind::KmsKey | ResourceKind::Secret
                )
            })
            .map(|r| r.arn.clone())
            .collect();
        v.sort();
        v.truncate(50);
        return Ok(v);
    };
    let rd =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read pack {}: {e}", dir.display()))?;
    let mut files: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "txt" && ext != "arns" {
            continue;
        }
        let text =
            std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        for (i, line) in text.lines().enumerate() {
            let l = line.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            if crate::iam::Arn::parse(l).is_none() {
                return Err(format!(
                    "{}:{}: `{l}` is not a resource ARN (expected one ARN a line)",
                    f.display(),
                    i + 1
                ));
            }
            out.push(l.to_string());
        }
    }
    if out.is_empty() {
        return Err(format!(
            "pack {} lists no resource (expected *.txt files with one ARN a line)",
            dir.display()
        ));
    }
    Ok(out)
}

fn principal_file(engine: &Engine, arn: &str) -> String {
    let acct = arn.split(':').nth(4).unwrap_or("");
    if engine.env.accounts.len() == 1 && !std::path::Path::new(&engine.env.root).is_dir() {
        return engine.env.root.clone();
    }
    format!("accounts/{acct}/iam/get-account-authorization-details.json")
}

/// Builds the report: administrators, escalation paths, and who reaches each resource.
pub fn build(esc: &Escalation, resources: &[String]) -> Report {
    let engine = esc.engine;
    let ctx = UserContext::default();
    let admins: Vec<AdminEntry> = esc.admins();
    let mut findings: Vec<Finding> = Vec::new();
    for a in &admins {
        let (severity, rule, title) = if a.escalation {
            (
                if a.decision == Decision::Allow {
                    "high"
                } else {
                    "medium"
                },
                "iamdl/escalation-to-admin",
                format!(
                    "{} can make itself an administrator of account {}",
                    a.principal, a.account
                ),
            )
        } else {
            (
                "low",
                "iamdl/admin",
                format!(
                    "{} is an administrator of account {}",
                    a.principal, a.account
                ),
            )
        };
        findings.push(Finding {
            id: String::new(),
            severity: severity.into(),
            rule: rule.into(),
            title,
            principal: a.principal.clone(),
            resource: None,
            file: principal_file(engine, &a.principal),
            path: a.path.clone(),
        });
    }
    let mut sections = Vec::new();
    let mut reach_findings: Vec<(usize, Finding)> = Vec::new();
    for (ri, r) in resources.iter().enumerate() {
        let direct = engine.reach(r, &ctx);
        let marked = super::mark_answer(esc, &direct, r, &ctx);
        for m in &marked {
            reach_findings.push((
                ri,
                Finding {
                    id: String::new(),
                    severity: if m.decision == Decision::Allow {
                        "high"
                    } else {
                        "medium"
                    }
                    .into(),
                    rule: "iamdl/escalation-reach".into(),
                    title: format!(
                        "{} can reach {} only through privilege escalation",
                        m.principal, r
                    ),
                    principal: m.principal.clone(),
                    resource: Some(r.clone()),
                    file: principal_file(engine, &m.principal),
                    path: m.path.clone(),
                },
            ));
        }
        sections.push(ResourceSection {
            resource: r.clone(),
            direct: direct
                .principals
                .iter()
                .filter(|e| e.decision != Decision::Deny)
                .map(|e| (e.principal.clone(), e.decision))
                .collect(),
            escalation: Vec::new(),
            picture: reach_graph(r, &direct, &marked),
        });
    }
    findings.extend(reach_findings.iter().map(|(_, f)| f.clone()));
    let rank = |s: &str| match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    };
    findings.sort_by(|a, b| {
        (rank(&a.severity), &a.rule, &a.principal).cmp(&(rank(&b.severity), &b.rule, &b.principal))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.id = format!("f-{}", i + 1);
    }
    for f in &findings {
        if let Some(r) = &f.resource {
            if let Some(s) = sections.iter_mut().find(|s| &s.resource == r) {
                s.escalation.push(f.id.clone());
            }
        }
    }
    Report {
        environment: engine.env.root.clone(),
        summary: json!({
            "principals": engine.principal_ids().count(),
            "accounts": engine.env.accounts.len(),
            "technique_edges": esc.graph.edge_count(),
            "escalation_graph_ms": esc.graph.build_ms,
            "resources": resources.len(),
            "findings": findings.len(),
        }),
        findings,
        resources: sections,
    }
}

fn level(sev: &str) -> &'static str {
    match sev {
        "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// Renders the report.
pub fn render(r: &Report, f: ReportFormat) -> String {
    match f {
        ReportFormat::Json => serde_json::to_string_pretty(r).unwrap_or_default(),
        ReportFormat::Sarif => sarif(r),
        ReportFormat::Markdown => markdown(r),
        ReportFormat::Html => html(r),
    }
}

fn rule_text(rule: &str) -> &'static str {
    match rule {
        "iamdl/escalation-to-admin" => {
            "A principal can make itself an administrator through privilege escalation"
        }
        "iamdl/escalation-reach" => {
            "A principal reaches a sensitive resource only through privilege escalation"
        }
        _ => "A principal is an administrator",
    }
}

fn sarif(r: &Report) -> String {
    let mut rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    let results: Vec<serde_json::Value> = r
        .findings
        .iter()
        .map(|f| {
            let steps: Vec<String> = f
                .path
                .iter()
                .map(|s| format!("{} -> {} [{}]: {}", s.from, s.to, s.technique, s.proof))
                .collect();
            json!({
                "ruleId": f.rule,
                "level": level(&f.severity),
                "message": {"text": format!("{}. Path: {}", f.title, steps.join(" | "))},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": f.file}},
                    "logicalLocations": [{"fullyQualifiedName": f.principal, "kind": "principal"}]
                }],
                "partialFingerprints": {"iamdl/v1": format!("{}|{}|{}", f.rule, f.principal, f.resource.clone().unwrap_or_default())},
                "properties": {"severity": f.severity, "techniques": f.path.iter().map(|s| s.technique.clone()).collect::<Vec<_>>()}
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iamdl",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/iamdl/iamdl",
                "rules": rules.iter().map(|id| json!({
                    "id": id,
                    "shortDescription": {"text": rule_text(id)},
                    "defaultConfiguration": {"level": if *id == "iamdl/admin" { "note" } else { "error" }}
                })).collect::<Vec<_>>()
            }},
            "results": results
        }]
    }))
    .unwrap_or_default()
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(r: &Report) -> String {
    let mut s = format!("# iamdl report\n\nEnvironment: `{}`\n\n", r.environment);
    let _ = writeln!(s, "Summary: `{}`\n", r.summary);
    s.push_str("## Findings\n\n| id | severity | finding |\n| --- | --- | --- |\n");
    for f in &r.findings {
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} |",
            f.id,
            f.id,
            f.severity,
            md_escape(&f.title)
        );
    }
    s.push_str("\n## Proofs\n");
    for f in &r.findings {
        let _ = writeln!(
            s,
            "\n### {}\n\n{} ({}, {})\n",
            f.id,
            f.title,
            f.severity,
            path_decision(&f.path).as_str()
        );
        for (i, st) in f.path.iter().enumerate() {
            let _ = writeln!(
                s,
                "{}. `{}` → `{}` **{}** ({}): {}",
                i + 1,
                st.from,
                st.to,
                st.technique,
                st.decision.as_str(),
                st.proof
            );
        }
    }
    s.push_str("\n## Sensitive resources\n");
    for sec in &r.resources {
        let _ = writeln!(
            s,
            "\n### `{}`\n\n{} principal(s) with access; {} through escalation",
            sec.resource,
            sec.direct.len(),
            sec.escalation.len()
        );
        s.push_str("\n```mermaid\n");
        s.push_str(&render_graph(&sec.picture, GraphFormat::Mermaid));
        s.push_str("```\n");
    }
    s
}

fn html(r: &Report) -> String {
    let mut s = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>iamdl report</title><style>\
body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\
.high{background:#fde2e1}.medium{background:#fef7e0}.low{background:#e8f0fe}.proof{border:1px solid #ddd;padding:8px 12px;margin:12px 0;border-radius:6px}\
.graph{overflow:auto;border:1px solid #eee;margin:8px 0}code{font-size:90%}ol li{margin:4px 0}</style></head><body>\n");
    let _ = write!(
        s,
        "<h1>iamdl report</h1><p>Environment: <code>{}</code></p>",
        esc_xml(&r.environment)
    );
    let _ = write!(
        s,
        "<p id=\"summary\">Summary: <code>{}</code></p>",
        esc_xml(&r.summary.to_string())
    );
    let count = |sev: &str| r.findings.iter().filter(|f| f.severity == sev).count();
    let _ = write!(
        s,
        "<h2 id=\"findings\">Findings</h2><p>{} high, {} medium, {} low</p><table><tr><th>id</th><th>severity</th><th>finding</th><th>techniques</th></tr>",
        count("high"),
        count("medium"),
        count("low")
    );
    for f in &r.findings {
        let techs: Vec<String> = f.path.iter().map(|p| p.technique.clone()).collect();
        let _ = write!(
            s,
            "<tr class=\"{sev}\"><td><a class=\"finding-link\" href=\"#proof-{id}\">{id}</a></td><td>{sev}</td><td>{}</td><td>{}</td></tr>",
            esc_xml(&f.title),
            esc_xml(&techs.join(" › ")),
            sev = f.severity,
            id = f.id
        );
    }
    s.push_str("</table>\n<h2 id=\"proofs\">Proofs</h2>\n");
    for f in &r.findings {
        let _ = write!(
            s,
            "<div class=\"proof {sev}\" id=\"proof-{id}\"><h3>{id}: {}</h3><p>{} — {}</p><ol>",
            esc_xml(&f.title),
            f.severity,
            path_decision(&f.path).as_str(),
            sev = f.severity,
            id = f.id
        );
        for st in &f.path {
            let _ = write!(
                s,
                "<li><code>{}</code> → <code>{}</code> <b>{}</b> ({}): {}</li>",
                esc_xml(&st.from),
                esc_xml(&st.to),
                esc_xml(&st.technique),
                st.decision.as_str(),
                esc_xml(&st.proof)
            );
        }
        s.push_str("</ol>");
        if !f.path.is_empty() && f.severity != "low" {
            let _ = write!(
                s,
                "<div class=\"graph\">{}</div>",
                svg(&path_graph(std::slice::from_ref(&f.path)))
            );
        }
        s.push_str("<p><a href=\"#findings\">back to findings</a></p></div>\n");
    }
    s.push_str("<h2 id=\"resources\">Who reaches each sensitive resource</h2>\n");
    for (i, sec) in r.resources.iter().enumerate() {
        let _ = write!(
            s,
            "<div class=\"resource\" id=\"r-{i}\"><h3><code>{}</code></h3><p>{} principal(s) with access; through escalation: {}</p><div class=\"graph\">{}</div></div>",
            esc_xml(&sec.resource),
            sec.direct.len(),
            if sec.escalation.is_empty() {
                "none".to_string()
            } else {
                sec.escalation
                    .iter()
                    .map(|id| format!("<a href=\"#proof-{id}\">{id}</a>"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            svg(&sec.picture)
        );
        s.push('\n');
    }
    s.push_str("</body></html>\n");
    s
}
