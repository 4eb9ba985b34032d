//! Command-line glue of the escalation commands: `path`, `escalations`, `admins`,
//! `escalation-techniques`, `report`, `graph`, and `--via-escalation` for who-can / reach.

use super::render::{self, Format};
use super::{load_env, ContextArgs, EnvArgs};
use crate::engine::answer::{Decision, PrincipalEntry, WhoCanAnswer};
use crate::engine::request::{Caller, Pid, Target, UserContext};
use crate::engine::Engine;
use crate::escalation::report::{self, GraphFormat, ReportFormat};
use crate::escalation::techniques::{self, Kind};
use crate::escalation::{path_decision, Escalation, Path};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The escalation commands (flattened into the top-level command list).
#[derive(Debug, Subcommand)]
pub enum EscalationCommand {
    /// Escalation paths from FROM to TO (shortest, or every path with --all), each hop with its technique and proof.
    Path {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// The starting principal.
        from: String,
        /// The principal whose permissions are wanted.
        to: String,
        /// Every simple path (fewest hops first), not only the shortest.
        #[arg(long)]
        all: bool,
        /// At most this many paths with --all.
        #[arg(long, default_value_t = 10)]
        max: usize,
    },
    /// Everything PRINCIPAL can become: principals whose permissions it can gain and accounts it can administer.
    Escalations {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// The principal.
        from: String,
    },
    /// Principals that are, or can make themselves, administrators of an account.
    Admins {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
    },
    /// Every modelled escalation technique with its pathfinding.cloud catalogue id.
    EscalationTechniques {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// A report of administrators, escalation paths and who reaches each sensitive resource.
    Report(ReportArgs),
    /// A picture of an escalation path (`path FROM TO`) or of who reaches a resource (`reach R`).
    Graph(GraphArgs),
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Where the environment comes from.
    #[command(flatten)]
    pub source: super::SourceArgs,
    /// A folder of sensitive-resource lists (`*.txt`, one ARN a line); default: every bucket, key and secret.
    #[arg(long, value_name = "DIR")]
    pub pack: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: ReportFormat,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Arguments of `graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Where the environment comes from.
    #[command(flatten)]
    pub source: super::SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    pub format: GraphFormat,
    /// `path FROM TO` or `reach RESOURCE`.
    #[arg(num_args = 2..=3, required = true)]
    pub what: Vec<String>,
}

fn usage(m: String) -> i32 {
    eprintln!("error: {m}");
    2
}

fn principal(engine: &Engine, text: &str) -> Result<Pid, String> {
    match engine.resolve_caller(text)? {
        Caller::Entity { pid, .. } => Ok(pid),
        _ => Err(format!(
            "`{text}` is not a principal of the environment (a user, role or account)"
        )),
    }
}

fn emit(s: String) {
    use std::io::Write;
    let mut s = s;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}

fn path_json(p: &Path) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

fn path_text(p: &Path) -> String {
    p.iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "  {}. {} -> {} [{}] ({})\n     {}",
                i + 1,
                s.from,
                s.to,
                s.technique,
                s.decision.as_str(),
                s.proof
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs an escalation command; returns the exit code.
pub fn run(cmd: EscalationCommand) -> i32 {
    match cmd {
        EscalationCommand::EscalationTechniques { format } => {
            emit(techniques_out(format));
            0
        }
        EscalationCommand::Path {
            env,
            from,
            to,
            all,
            max,
        } => {
            let engine = match load_env(&env) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let (f, t) = match (principal(&engine, &from), principal(&engine, &to)) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(m), _) | (_, Err(m)) => return usage(m),
            };
            let esc = Escalation::new(&engine);
            let paths = esc.paths(f, t, all, max.max(1));
            match env.format {
                Format::Json => emit(
                    serde_json::to_string_pretty(&json!({
                        "from": engine.principal(f).arn,
                        "to": engine.principal(t).arn,
                        "paths": paths.iter().map(path_json).collect::<Vec<_>>(),
                    }))
                    .unwrap_or_default(),
                ),
                Format::Csv => {
                    let mut rows = Vec::new();
                    for (i, p) in paths.iter().enumerate() {
                        for (j, s) in p.iter().enumerate() {
                            rows.push(vec![
                                (i + 1).to_string(),
                                (j + 1).to_string(),
                                s.from.clone(),
                                s.to.clone(),
                                s.technique.clone(),
                                s.decision.as_str().into(),
                                s.proof.clone(),
                            ]);
                        }
                    }
                    emit(render::csv(
                        &[
                            "path",
                            "step",
                            "from",
                            "to",
                            "technique",
                            "decision",
                            "proof",
                        ],
                        &rows,
                    ))
                }
                Format::Table => {
                    if paths.is_empty() {
                        emit(format!(
                            "no escalation path from {} to {}",
                            engine.principal(f).arn,
                            engine.principal(t).arn
                        ));
                    }
                    for (i, p) in paths.iter().enumerate() {
                        emit(format!(
                            "path {} ({}, {} step(s)):\n{}",
                            i + 1,
                            path_decision(p).as_str(),
                            p.len(),
                            path_text(p)
                        ));
                    }
                }
            }
            0
        }
        EscalationCommand::Escalations { env, from } => {
            let engine = match load_env(&env) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let f = match principal(&engine, &from) {
                Ok(f) => f,
                Err(m) => return usage(m),
            };
            let esc = Escalation::new(&engine);
            let list = esc.escalations(f);
            let items: Vec<Value> = list
                .iter()
                .map(|(n, p)| {
                    let kind = match n {
                        crate::escalation::graph::GNode::P(p) => {
                            crate::escalation::kind_name(&engine, *p)
                        }
                        crate::escalation::graph::GNode::Admin(_) => "admin",
                        crate::escalation::graph::GNode::Empowered(_) => "empowered",
                    };
                    json!({"to": esc.name(*n), "kind": kind, "decision": path_decision(p), "path": path_json(p)})
                })
                .collect();
            match env.format {
                Format::Json => emit(
                    serde_json::to_string_pretty(&json!({
                        "from": engine.principal(f).arn, "escalations": items}))
                    .unwrap_or_default(),
                ),
                _ => {
                    let rows: Vec<Vec<String>> = list
                        .iter()
                        .map(|(n, p)| {
                            vec![
                                esc.name(*n),
                                path_decision(p).as_str().into(),
                                p.iter()
                                    .map(|s| s.technique.clone())
                                    .collect::<Vec<_>>()
                                    .join(" > "),
                            ]
                        })
                        .collect();
                    if env.format == Format::Csv {
                        emit(render::csv(&["to", "decision", "techniques"], &rows));
                    } else {
                        emit(format!(
                            "{} can gain the permissions of {} node(s)\n{}",
                            engine.principal(f).arn,
                            rows.len(),
                            render::table(&["to", "decision", "techniques"], &rows)
                        ));
                    }
                }
            }
            0
        }
        EscalationCommand::Admins { env } => {
            let engine = match load_env(&env) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let esc = Escalation::new(&engine);
            let admins = esc.admins();
            match env.format {
                Format::Json => emit(
                    serde_json::to_string_pretty(&json!({ "admins": admins })).unwrap_or_default(),
                ),
                _ => {
                    let rows: Vec<Vec<String>> = admins
                        .iter()
                        .map(|a| {
                            vec![
                                a.principal.clone(),
                                a.kind.clone(),
                                a.account.clone(),
                                a.decision.as_str().into(),
                                if a.escalation { "escalation" } else { "direct" }.into(),
                                a.path
                                    .iter()
                                    .map(|s| s.technique.clone())
                                    .collect::<Vec<_>>()
                                    .join(" > "),
                            ]
                        })
                        .collect();
                    let h = [
                        "principal",
                        "kind",
                        "account",
                        "decision",
                        "how",
                        "techniques",
                    ];
                    if env.format == Format::Csv {
                        emit(render::csv(&h, &rows));
                    } else {
                        emit(format!(
                            "{} principal(s) are or can become administrators\n{}",
                            rows.len(),
                            render::table(&h, &rows)
                        ));
                    }
                }
            }
            0
        }
        EscalationCommand::Report(a) => {
            let engine = match load_env(&a.source.with_format(Format::Json)) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let sensitive = match report::sensitive_resources(&engine, a.pack.as_deref()) {
                Ok(s) => s,
                Err(m) => return usage(m),
            };
            let esc = Escalation::new(&engine);
            let r = report::build(&esc, &sensitive);
            let text = report::render(&r, a.format);
            match a.out {
                Some(p) => {
                    if let Err(e) = std::fs::write(&p, text) {
                        return usage(format!("cannot write {}: {e}", p.display()));
                    }
                    eprintln!("wrote {}", p.display());
                }
                None => emit(text),
            }
            0
        }
        EscalationCommand::Graph(a) => {
            let engine = match load_env(&a.source.with_format(Format::Json)) {
                Ok(e) => e,
                Err(c) => return c,
            };
            let esc = Escalation::new(&engine);
            let g = match a.what[0].as_str() {
                "path" if a.what.len() == 3 => {
                    let (f, t) = match (
                        principal(&engine, &a.what[1]),
                        principal(&engine, &a.what[2]),
                    ) {
                        (Ok(f), Ok(t)) => (f, t),
                        (Err(m), _) | (_, Err(m)) => return usage(m),
                    };
                    report::path_graph(&esc.paths(f, t, true, 10))
                }
                "reach" if a.what.len() == 2 => {
                    if crate::iam::Arn::parse(&a.what[1]).is_none() {
                        return usage(format!("`{}` is not a resource ARN", a.what[1]));
                    }
                    let direct = engine.reach(&a.what[1], &UserContext::default());
                    let marked = mark(&esc, &direct, &a.what[1], &UserContext::default());
                    report::reach_graph(&a.what[1], &direct, &marked)
                }
                _ => {
                    return usage(
                        "expected `graph path FROM TO` or `graph reach RESOURCE`".to_string(),
                    )
                }
            };
            emit(report::render_graph(&g, a.format));
            0
        }
    }
}

fn techniques_out(format: Format) -> String {
    let cat = techniques::catalogue();
    let rows: Vec<Vec<String>> = techniques::TECHNIQUES
        .iter()
        .map(|t| {
            let kind = match t.kind {
                Kind::Empower(_) | Kind::JoinGroup => "empower",
                Kind::RemoveBoundary(_) => "unbound",
                Kind::Combo { .. } => "combination",
                _ => "become",
            };
            vec![
                t.id.to_string(),
                t.category.to_string(),
                kind.to_string(),
                t.actions.join(" + "),
                if cat.iter().any(|c| c.id == t.id) {
                    "pathfinding.cloud".into()
                } else {
                    "iamdl (issue #6)".into()
                },
                t.summary.to_string(),
            ]
        })
        .collect();
    let h = ["id", "category", "kind", "actions", "source", "summary"];
    match format {
        Format::Json => {
            let items: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({"id": r[0], "category": r[1], "kind": r[2],
                        "actions": r[3].split(" + ").collect::<Vec<_>>(), "source": r[4], "summary": r[5]})
                })
                .collect();
            let covered = cat
                .iter()
                .filter(|c| techniques::by_id(&c.id).is_some())
                .count();
            serde_json::to_string_pretty(&json!({
                "techniques": items,
                "catalogue": {"paths": cat.len(), "covered": covered}
            }))
            .unwrap_or_default()
        }
        Format::Csv => render::csv(&h, &rows),
        Format::Table => format!(
            "{} techniques ({} of {} pathfinding.cloud paths)\n{}",
            rows.len(),
            cat.iter()
                .filter(|c| techniques::by_id(&c.id).is_some())
                .count(),
            cat.len(),
            render::table(&h, &rows)
        ),
    }
}

/// The escalation marks for a who-can / reach answer (see [`crate::escalation::mark_answer`]).
pub fn mark(
    esc: &Escalation,
    direct: &WhoCanAnswer,
    resource: &str,
    ctx: &UserContext,
) -> Vec<crate::escalation::Marked> {
    crate::escalation::mark_answer(esc, direct, resource, ctx)
}

/// `who-can` / `reach` with `--via-escalation`: the engine's answer plus the principals that
/// reach the resource only through escalation (`"escalation": true` and their `path`).
pub fn who_via_escalation(
    env: &EnvArgs,
    ctx: &ContextArgs,
    action: Option<&str>,
    resource: &str,
) -> i32 {
    let (engine, context) = match super::setup(env, ctx) {
        Ok(x) => x,
        Err(c) => return c,
    };
    if let Some(a) = action {
        if let Err(m) = super::check_action(&engine, a) {
            return usage(m);
        }
    }
    if let Err(m) = super::check_resource(resource) {
        return usage(m);
    }
    let direct = match action {
        Some(a) => engine.who_can(a, &Target::parse(resource), &context),
        None => engine.reach(resource, &context),
    };
    let esc = Escalation::from_graph(
        &engine,
        crate::escalation::graph::Graph::build_with(&engine, &context),
    );
    let marked = mark(&esc, &direct, resource, &context);
    match env.format {
        Format::Json => {
            let mut v = serde_json::to_value(&direct).unwrap_or(Value::Null);
            if let Some(list) = v.get_mut("principals").and_then(|p| p.as_array_mut()) {
                for m in &marked {
                    list.push(json!({
                        "principal": m.principal,
                        "kind": m.kind,
                        "decision": m.decision,
                        "conditions": m.path.iter().filter(|s| s.decision == Decision::Conditional)
                            .map(|s| format!("{} ({}): {}", s.technique, s.from, s.proof)).collect::<Vec<_>>(),
                        "via": [],
                        "escalation": true,
                        "path": path_json(&m.path),
                    }));
                }
            }
            emit(serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        f => {
            let mut a = direct.clone();
            for m in &marked {
                a.principals.push(PrincipalEntry {
                    principal: m.principal.clone(),
                    kind: m.kind.clone(),
                    decision: m.decision,
                    conditions: vec![format!(
                        "escalation: {}",
                        m.path
                            .iter()
                            .map(|s| format!("{} [{}]", s.to, s.technique))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    )],
                    via: vec![],
                    actions: vec![],
                    access: vec![],
                });
            }
            emit(render::who(&a, f));
        }
    }
    0
}
