//! Evaluation: readable forms mapped onto the engine's calls, Datalog statements onto
//! [`super::datalog`], assertions onto row counts; and the rendering of every answer.

use super::ast::*;
use super::datalog::{Program, Table};
use super::parse::QueryError;
use super::relations::{probe, EngineRelations};
use crate::cli::render;
use crate::engine::answer::*;
use crate::engine::request::*;
use crate::engine::Engine;
use serde::Serialize;
use std::collections::VecDeque;

/// Output formats of the query commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// JSON (readable forms: the objects of the matching subcommands).
    Json,
    /// Comma-separated values.
    Csv,
    /// A Markdown table.
    Markdown,
}

/// One action of a `what can` answer.
#[derive(Debug, Clone, Serialize)]
pub struct WhatEntry {
    /// The action.
    pub action: String,
    /// Its access level.
    pub access: String,
    /// Allow or conditional.
    pub decision: Decision,
    /// Residual conditions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// The answer to `what can P do on R`: the catalog's actions on R that P may perform.
#[derive(Debug, Clone, Serialize)]
pub struct WhatAnswer {
    /// The principal.
    pub principal: String,
    /// The resource.
    pub resource: String,
    /// Allowed and conditional actions, sorted.
    pub actions: Vec<WhatEntry>,
}

/// One edge of a path.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Edge {
    /// From (principal ARN or service).
    pub from: String,
    /// To (role ARN).
    pub to: String,
    /// How (`sts:AssumeRole`, later escalation techniques).
    pub via: String,
    /// Allow or conditional.
    pub decision: Decision,
}

/// A source of edges for `path from P to Q`: role assumption today, escalation paths later.
pub trait EdgeSource {
    /// Every edge this source knows.
    fn edges(&mut self) -> Vec<Edge>;
}

struct AssumeEdges<'a, 'b>(&'b mut EngineRelations<'a>);

impl EdgeSource for AssumeEdges<'_, '_> {
    fn edges(&mut self) -> Vec<Edge> {
        self.0
            .edges()
            .into_iter()
            .map(|(from, to, firm)| Edge {
                from,
                to,
                via: "sts:AssumeRole".into(),
                decision: if firm {
                    Decision::Allow
                } else {
                    Decision::Conditional
                },
            })
            .collect()
    }
}

/// The answer to `path from P to Q`: the shortest chain of edges, if any.
#[derive(Debug, Clone, Serialize)]
pub struct PathAnswer {
    /// Start.
    pub from: String,
    /// Goal.
    pub to: String,
    /// `allow` when every hop is certain, `conditional` when some hop is, `deny` when no path.
    pub decision: Decision,
    /// The hops in order.
    pub path: Vec<Edge>,
}

/// An answer of any statement.
#[derive(Debug, Clone)]
pub enum Output {
    /// `can` / `why`.
    Can(Box<Answer>),
    /// `who can` / `who can reach`.
    Who(WhoCanAnswer),
    /// `can P pass ROLE to S`.
    Pass(Box<PassAnswer>),
    /// `what can P do on R`.
    What(WhatAnswer),
    /// `path from P to Q`.
    Path(PathAnswer),
    /// A Datalog query.
    Rows(Table),
    /// A rule was added.
    Rule(String),
    /// An assertion's result.
    Assert(AssertResult),
    /// `explain error "TEXT"`: the triage of a pasted AccessDenied message.
    ExplainError(Box<crate::triage::ErrorTriage>),
    /// `needs P for A on R`: what the call needs, each requirement checked.
    Needs(Box<crate::triage::needs::NeedsAnswer>),
}

/// The result of an assertion.
#[derive(Debug, Clone, Serialize)]
pub struct AssertResult {
    /// The assertion as written.
    pub assertion: String,
    /// Whether it holds.
    pub passed: bool,
    /// Rows counted.
    pub count: usize,
    /// The rows (columns of the question's table).
    pub rows: Table,
}

fn account_of(p: &str) -> String {
    crate::iam::Arn::parse(p)
        .map(|a| a.account.clone())
        .unwrap_or_default()
}

impl Output {
    /// The answer as a table: columns and rows (what `where` filters and `count` counts;
    /// decisions `deny` are left out of `counted`).
    pub fn table(&self) -> Table {
        let t = |c: &[&str], rows: Vec<Vec<String>>| Table {
            columns: c.iter().map(|s| s.to_string()).collect(),
            rows,
        };
        match self {
            Output::Can(a) => t(
                &["principal", "account", "action", "resource", "decision"],
                vec![vec![
                    a.principal.clone(),
                    account_of(&a.principal),
                    a.action.clone(),
                    a.resource.clone(),
                    a.decision.as_str().into(),
                ]],
            ),
            Output::Pass(a) => t(
                &["principal", "account", "role", "service", "decision"],
                vec![vec![
                    a.principal.clone(),
                    account_of(&a.principal),
                    a.role.clone(),
                    a.service.clone(),
                    a.decision.as_str().into(),
                ]],
            ),
            Output::Who(a) => t(
                &[
                    "principal",
                    "account",
                    "kind",
                    "decision",
                    "access",
                    "via",
                    "conditions",
                ],
                a.principals
                    .iter()
                    .map(|p| {
                        vec![
                            p.principal.clone(),
                            account_of(&p.principal),
                            p.kind.clone(),
                            p.decision.as_str().into(),
                            p.access.join("/"),
                            p.via.join(" -> "),
                            p.conditions.join("; "),
                        ]
                    })
                    .collect(),
            ),
            Output::What(a) => t(
                &["action", "access", "decision", "conditions"],
                a.actions
                    .iter()
                    .map(|e| {
                        vec![
                            e.action.clone(),
                            e.access.clone(),
                            e.decision.as_str().into(),
                            e.conditions.join("; "),
                        ]
                    })
                    .collect(),
            ),
            Output::Path(a) => t(
                &["step", "from", "to", "via", "decision"],
                a.path
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        vec![
                            (i + 1).to_string(),
                            e.from.clone(),
                            e.to.clone(),
                            e.via.clone(),
                            e.decision.as_str().into(),
                        ]
                    })
                    .collect(),
            ),
            Output::Rows(tb) => tb.clone(),
            Output::ExplainError(e) => {
                let (cols, rows) = crate::cli::triage::error_rows(e);
                t(&cols, rows)
            }
            Output::Needs(n) => {
                let (cols, rows) = crate::cli::triage::needs_rows(n);
                t(&cols, rows)
            }
            Output::Rule(_) => t(&[], vec![]),
            Output::Assert(r) => r.rows.clone(),
        }
    }

    /// The rows an assertion counts: the table without `deny` rows (for `explain error`, whose
    /// rows are the failing layers of a denied request, and `needs`, whose rows are the
    /// requirements with their `status`: every row).
    pub fn counted(&self) -> Table {
        let mut tb = self.table();
        if matches!(self, Output::ExplainError(_) | Output::Needs(_)) {
            return tb;
        }
        if let Some(i) = tb.columns.iter().position(|c| c == "decision") {
            tb.rows.retain(|r| r[i] != "deny");
        }
        tb
    }

    /// Renders the answer.
    pub fn render(&self, f: Format) -> String {
        let rf = match f {
            Format::Table => render::Format::Table,
            Format::Json => render::Format::Json,
            Format::Csv | Format::Markdown => render::Format::Csv,
        };
        match (self, f) {
            (Output::Rule(_), _) => String::new(),
            (Output::Assert(r), Format::Json) => {
                serde_json::to_string_pretty(r).unwrap_or_default()
            }
            (Output::Assert(r), _) => {
                let mut s = format!(
                    "{} {} ({} row(s))\n",
                    if r.passed { "PASS" } else { "FAIL" },
                    r.assertion,
                    r.count
                );
                if !r.passed && !r.rows.rows.is_empty() {
                    let cols: Vec<&str> = r.rows.columns.iter().map(String::as_str).collect();
                    for l in render::table(&cols, &r.rows.rows).lines() {
                        s.push_str(&format!("  {l}\n"));
                    }
                }
                s
            }
            (_, Format::Markdown) => markdown(&self.table()),
            (Output::ExplainError(t), _) => crate::cli::triage::render_error(t, rf),
            (Output::Needs(n), _) => crate::cli::triage::render_needs(n, rf),
            (Output::Can(a), _) => render::answer(a, rf),
            (Output::Who(a), _) => render::who(a, rf),
            (Output::Pass(a), _) => render::pass(a, rf),
            (Output::Rows(tb), Format::Json) => {
                serde_json::to_string(&serde_json::json!({"columns": tb.columns, "rows": tb.rows}))
                    .unwrap_or_default()
            }
            (Output::What(a), Format::Json) => serde_json::to_string_pretty(a).unwrap_or_default(),
            (Output::Path(a), Format::Json) => serde_json::to_string_pretty(a).unwrap_or_default(),
            (o, Format::Csv) => {
                let tb = o.table();
                let cols: Vec<&str> = tb.columns.iter().map(String::as_str).collect();
                render::csv(&cols, &tb.rows)
            }
            (o, _) => {
                let tb = o.table();
                let cols: Vec<&str> = tb.columns.iter().map(String::as_str).collect();
                let head = match o {
                    Output::What(a) => format!(
                        "{} action(s) of {} on {}\n",
                        a.actions.len(),
                        a.principal,
                        a.resource
                    ),
                    Output::Path(a) if a.path.is_empty() => {
                        return format!("no path from {} to {}\n", a.from, a.to)
                    }
                    Output::Path(a) => format!(
                        "{}: path from {} to {} in {} step(s)\n",
                        a.decision.as_str().to_uppercase(),
                        a.from,
                        a.to,
                        a.path.len()
                    ),
                    _ => format!("{} row(s)\n", tb.rows.len()),
                };
                format!("{head}{}", render::table(&cols, &tb.rows))
            }
        }
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown table.
pub fn markdown(tb: &Table) -> String {
    let mut s = format!(
        "| {} |\n|{}\n",
        tb.columns.join(" | "),
        " --- |".repeat(tb.columns.len())
    );
    for r in &tb.rows {
        s.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    s
}

/// A session: an environment, the rules defined so far.
pub struct Session {
    /// The engine.
    pub engine: Engine,
    /// User rules.
    pub program: Program,
}

fn context(c: &Context) -> UserContext {
    let mut u = UserContext::default();
    for (k, v) in &c.pairs {
        u.add(&k.text, &v.text);
    }
    u
}

impl Session {
    /// A session over `engine` without rules.
    pub fn new(engine: Engine) -> Session {
        Session {
            engine,
            program: Program::default(),
        }
    }

    fn caller(&self, w: &Word) -> Result<Caller, QueryError> {
        self.engine
            .resolve_caller(&w.text)
            .map_err(|m| QueryError::new(w.span, m))
    }

    fn action(&self, w: &Word) -> Result<String, QueryError> {
        let a = &w.text;
        let ok_shape = a
            .split_once(':')
            .is_some_and(|(s, n)| !s.is_empty() && !n.is_empty());
        if !ok_shape {
            return Err(QueryError::new(
                w.span,
                format!("`{a}` is not an action: expected SERVICE:Action, e.g. s3:GetObject"),
            ));
        }
        if self.engine.catalog.action(a).is_none() && !a.contains(['*', '?']) {
            if let Some(s) = self.engine.catalog.suggest(a) {
                return Err(QueryError::new(
                    w.span,
                    format!("`{a}` is not in the IAM action catalog (did you mean `{s}`?)"),
                ));
            }
            eprintln!("warning: `{a}` is not in the IAM action catalog; answering by pattern matching anyway");
        }
        Ok(a.clone())
    }

    /// A resource: an ARN, `*`, or `role/NAME` / `user/NAME` of the environment.
    fn resource(&self, w: &Word) -> Result<String, QueryError> {
        let r = &w.text;
        if r == "*" || crate::iam::Arn::parse(r).is_some() {
            return Ok(r.clone());
        }
        if r.starts_with("role/") || r.starts_with("user/") {
            if let Ok(Caller::Entity { pid, .. }) = self.engine.resolve_caller(r) {
                return Ok(self.engine.principal(pid).arn.clone());
            }
            return Err(QueryError::new(
                w.span,
                self.engine.resolve_caller(r).err().unwrap_or_default(),
            ));
        }
        Err(QueryError::new(
            w.span,
            format!("`{r}` is not a resource: expected an ARN (arn:aws:s3:::bucket/*), role/NAME, user/NAME or `*`"),
        ))
    }

    fn role(&self, w: &Word) -> Result<String, QueryError> {
        let text = if w.text.starts_with("arn:") || w.text.contains('/') {
            w.text.clone()
        } else {
            format!("role/{}", w.text)
        };
        match self.engine.resolve_caller(&text) {
            Ok(Caller::Entity { pid, .. })
                if matches!(self.engine.principal(pid).kind, PrincipalKind::Role(_)) =>
            {
                Ok(self.engine.principal(pid).arn.clone())
            }
            Ok(_) => Err(QueryError::new(
                w.span,
                format!("`{}` is not a role", w.text),
            )),
            Err(m) => Err(QueryError::new(w.span, m)),
        }
    }

    /// Evaluates one statement.
    pub fn eval(&mut self, stmt: &Stmt, src: &str) -> Result<Output, QueryError> {
        match stmt {
            Stmt::Readable(r) => self.readable(r),
            Stmt::Query(q) => {
                let mut base = EngineRelations::new(&self.engine, context(&q.context));
                Ok(Output::Rows(self.program.query(&q.body, &mut base)?))
            }
            Stmt::Rule(r) => {
                let base = EngineRelations::new(&self.engine, UserContext::default());
                self.program.add(r.clone(), &base)?;
                Ok(Output::Rule(format!(
                    "{}/{}",
                    r.head.name.text,
                    r.head.args.len()
                )))
            }
            Stmt::Assert(a) => {
                let out = self.eval(&a.checked.stmt, src)?;
                let mut tb = out.counted();
                for f in &a.checked.filters {
                    let Some(i) = tb.columns.iter().position(|c| *c == f.column.text) else {
                        return Err(QueryError::new(
                            f.column.span,
                            format!(
                                "no column `{}` in this answer; its columns are {}",
                                f.column.text,
                                tb.columns.join(", ")
                            ),
                        ));
                    };
                    tb.rows.retain(|r| f.op.test(&r[i], &f.value.text));
                }
                let n = tb.rows.len();
                let passed = match &a.kind {
                    AssertKind::None => n == 0,
                    AssertKind::Some => n > 0,
                    AssertKind::Count(op, k) => op.test(&n.to_string(), &k.text),
                };
                Ok(Output::Assert(AssertResult {
                    assertion: src[a.span.0..a.span.1]
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                    passed,
                    count: n,
                    rows: tb,
                }))
            }
        }
    }

    fn readable(&mut self, r: &Readable) -> Result<Output, QueryError> {
        let ctx = context(&r.context);
        let e = &self.engine;
        Ok(match &r.form {
            Form::WhoCan { action, resource } => {
                let a = self.action(action)?;
                let res = self.resource(resource)?;
                Output::Who(e.who_can(&a, &Target::parse(&res), &ctx))
            }
            Form::Reach { resource } => {
                let res = self.resource(resource)?;
                Output::Who(e.reach(&res, &ctx))
            }
            Form::Can {
                principal,
                action,
                resource,
            }
            | Form::Why {
                principal,
                action,
                resource,
                ..
            } => {
                let req = Request {
                    caller: self.caller(principal)?,
                    action: self.action(action)?,
                    target: Target::parse(&self.resource(resource)?),
                    context: ctx,
                    session_policies: None,
                };
                Output::Can(Box::new(e.can(&req)))
            }
            Form::CanPass {
                principal,
                role,
                service,
            } => {
                let caller = self.caller(principal)?;
                let role_arn = self.role(role)?;
                if !service.text.contains('.') {
                    return Err(QueryError::new(
                        service.span,
                        format!(
                            "`{}` is not a service principal: expected e.g. lambda.amazonaws.com",
                            service.text
                        ),
                    ));
                }
                Output::Pass(Box::new(e.can_pass(
                    &caller,
                    &role_arn,
                    &service.text,
                    &ctx,
                )))
            }
            Form::What {
                principal,
                resource,
            } => {
                let caller = self.caller(principal)?;
                let res = self.resource(resource)?;
                Output::What(self.what(&caller, &res, &ctx))
            }
            Form::Path { from, to } => {
                let f = e.caller_name(&self.caller(from)?);
                let t = e.caller_name(&self.caller(to)?);
                let mut rel = EngineRelations::new(e, ctx);
                let mut sources: Vec<Box<dyn EdgeSource + '_>> =
                    vec![Box::new(AssumeEdges(&mut rel))];
                Output::Path(shortest(&f, &t, &mut sources))
            }
            Form::ExplainError { text, options } => {
                Output::ExplainError(Box::new(self.explain_error(text, options, ctx)?))
            }
            Form::Needs {
                principal,
                action,
                resource,
                options,
            } => Output::Needs(Box::new(
                self.needs(principal, action, resource, options, ctx)?,
            )),
        })
    }

    /// `explain error "TEXT"`: what `iamdl explain-error` does, with errors located in the
    /// statement (the message's own action and resource are checked at the message).
    fn explain_error(
        &self,
        text: &Word,
        options: &[ExplainOption],
        context: UserContext,
    ) -> Result<crate::triage::ErrorTriage, QueryError> {
        let parsed = crate::triage::error_text::parse(&text.text)
            .map_err(|m| QueryError::new(text.span, clauses(m)))?;
        let mut ov = crate::triage::Overrides {
            context,
            ..Default::default()
        };
        for o in options {
            match o {
                ExplainOption::Principal(_, w) => {
                    self.caller(w)?;
                    ov.principal = Some(w.text.clone());
                }
                ExplainOption::Action(_, w) => ov.action = Some(self.action(w)?),
                ExplainOption::Resource(_, w) => ov.resource = Some(self.resource(w)?),
            }
        }
        let e = &self.engine;
        parsed
            .action
            .iter()
            .try_for_each(|x| crate::cli::check_action(e, x))
            .and_then(|_| {
                parsed
                    .resource
                    .iter()
                    .try_for_each(|r| crate::cli::check_resource(r))
            })
            .map_err(|m| QueryError::new(text.span, format!("in the message: {m}")))?;
        crate::triage::explain_error(e, parsed, &ov)
            .map_err(|m| QueryError::new(text.span, clauses(m)))
    }

    /// `needs P for A on R ...`: what `iamdl needs` does.
    fn needs(
        &self,
        principal: &Word,
        action: &Word,
        resource: &Word,
        options: &[NeedsOption],
        context: UserContext,
    ) -> Result<crate::triage::needs::NeedsAnswer, QueryError> {
        self.caller(principal)?;
        let action_name = self.action(action)?;
        let res = self.resource(resource)?;
        let mut opts = crate::triage::needs::NeedsOptions {
            context,
            ..Default::default()
        };
        for o in options {
            match o {
                NeedsOption::PassRole(_, w) => opts.pass_role = Some(self.role(w)?),
                NeedsOption::Data(_, ws) => {
                    for w in ws {
                        opts.data.push(self.resource(w)?);
                    }
                }
                NeedsOption::SourceArn(_, w) => opts.source_arn = Some(self.arn(w)?),
                NeedsOption::KmsKey(_, w) => opts.kms_key = Some(self.arn(w)?),
            }
        }
        let span = (principal.span.0, resource.span.1);
        crate::triage::needs::needs(&self.engine, &principal.text, &action_name, &res, &opts)
            .map_err(|m| QueryError::new(span, m))
    }

    /// An ARN (a source ARN, a key).
    fn arn(&self, w: &Word) -> Result<String, QueryError> {
        crate::cli::check_resource(&w.text)
            .map(|_| w.text.clone())
            .map_err(|m| QueryError::new(w.span, m))
    }

    fn what(&self, caller: &Caller, res: &str, ctx: &UserContext) -> WhatAnswer {
        let e = &self.engine;
        let target = Target::parse(res);
        let infos = e.catalog.actions_on(&probe(res));
        let names: Vec<String> = infos.iter().map(|a| a.full_name()).collect();
        let mut actions = Vec::new();
        if !names.is_empty() {
            for class in e.action_classes(&names, &target) {
                let req = Request {
                    caller: caller.clone(),
                    action: names[class[0]].clone(),
                    target: target.clone(),
                    context: ctx.clone(),
                    session_policies: None,
                };
                let a = e.can(&req);
                if a.decision == Decision::Deny {
                    continue;
                }
                let rep = &names[class[0]];
                for k in class.iter().copied() {
                    actions.push(WhatEntry {
                        action: names[k].clone(),
                        access: infos[k].access.as_str().to_string(),
                        decision: a.decision,
                        // The class shares its conditions; name the member, not the representative.
                        conditions: a
                            .conditions
                            .iter()
                            .map(|c| c.replace(rep.as_str(), &names[k]))
                            .collect(),
                    });
                }
            }
        }
        actions.sort_by(|a, b| a.action.cmp(&b.action));
        WhatAnswer {
            principal: e.caller_name(caller),
            resource: res.to_string(),
            actions,
        }
    }
}

/// Triage messages name the flags of `iamdl explain-error`; in the language they are the
/// clauses of `explain error`.
fn clauses(m: String) -> String {
    m.replace("--principal", "`for PRINCIPAL`")
        .replace("--action", "`do ACTION`")
        .replace("--resource", "`on RESOURCE`")
}

/// Shortest path (fewest hops, preferring certain edges among equals) over all sources.
pub fn shortest(from: &str, to: &str, sources: &mut [Box<dyn EdgeSource + '_>]) -> PathAnswer {
    let mut edges: Vec<Edge> = sources.iter_mut().flat_map(|s| s.edges()).collect();
    edges.sort_by(|a, b| (a.decision, &a.from, &a.to).cmp(&(b.decision, &b.from, &b.to)));
    let mut prev: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    let mut q = VecDeque::from([from.to_string()]);
    let mut seen = rustc_hash::FxHashSet::from_iter([from.to_string()]);
    while let Some(x) = q.pop_front() {
        if x == to {
            break;
        }
        for (i, ed) in edges.iter().enumerate() {
            if ed.from == x && seen.insert(ed.to.clone()) {
                prev.insert(ed.to.clone(), i);
                q.push_back(ed.to.clone());
            }
        }
    }
    let mut path = Vec::new();
    let mut cur = to.to_string();
    while cur != from {
        match prev.get(&cur) {
            Some(&i) => {
                path.push(edges[i].clone());
                cur = edges[i].from.clone();
            }
            None => {
                path.clear();
                break;
            }
        }
    }
    path.reverse();
    let decision = if path.is_empty() {
        Decision::Deny
    } else {
        path.iter()
            .map(|e| e.decision)
            .max()
            .unwrap_or(Decision::Allow)
    };
    PathAnswer {
        from: from.into(),
        to: to.into(),
        decision,
        path,
    }
}
