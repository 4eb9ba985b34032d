//! `explain-error` and `needs`: command-line glue and rendering for [`crate::triage`].

use super::render::Format;
use super::{emit, load_env, ContextArgs, EnvArgs};
use crate::triage::error_text;
use crate::triage::fix::Fix;
use crate::triage::needs::{NeedsAnswer, NeedsOptions};
use crate::triage::{BlameEntry, ErrorTriage, Overrides, SideEffects};
use clap::Args;

/// Arguments of `explain-error`.
#[derive(Debug, Args)]
pub struct ExplainErrorArgs {
    /// Environment options.
    #[command(flatten)]
    pub env: EnvArgs,
    /// Request context options.
    #[command(flatten)]
    pub ctx: ContextArgs,
    /// The caller, when the message does not name it (S3's bare `Access Denied`, EC2, Lambda, Transcribe).
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: Option<String>,
    /// The action, when the message does not name it.
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// The resource, when the message does not name it (or `*`).
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The error text as printed by AWS, the CLI or an SDK (`-` reads it from stdin).
    pub text: String,
}

/// Arguments of `needs`.
#[derive(Debug, Args)]
pub struct NeedsArgs {
    /// Environment options.
    #[command(flatten)]
    pub env: EnvArgs,
    /// Request context options.
    #[command(flatten)]
    pub ctx: ContextArgs,
    /// The role the call passes to the service (DataAccessRoleArn, execution role …): ARN or role/NAME.
    #[arg(long, value_name = "ROLE")]
    pub pass_role: Option<String>,
    /// An object the passed role must read (repeatable), e.g. the media of a Transcribe job.
    #[arg(long = "data", value_name = "ARN")]
    pub data: Vec<String>,
    /// aws:SourceArn of a service principal's call (for Lex V2: the bot alias ARN).
    #[arg(long, value_name = "ARN")]
    pub source_arn: Option<String>,
    /// The KMS key the object is encrypted with.
    #[arg(long, value_name = "KEY_ARN")]
    pub kms_key: Option<String>,
    /// The caller: ARN, role/NAME, user/NAME, session ARN or service principal.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
}

fn fail(m: String) -> i32 {
    eprintln!("error: {m}");
    2
}

/// Runs `explain-error`.
pub fn explain_error(a: ExplainErrorArgs) -> i32 {
    let text = if a.text == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            return fail(format!("cannot read the error text from stdin: {e}"));
        }
        s
    } else {
        a.text.clone()
    };
    let parsed = match error_text::parse(&text) {
        Ok(p) => p,
        Err(m) => return fail(m),
    };
    let context = match a.ctx.build() {
        Ok(c) => c,
        Err(m) => return fail(m),
    };
    let engine = match load_env(&a.env) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let checked = parsed
        .action
        .iter()
        .chain(&a.action)
        .try_for_each(|x| super::check_action(&engine, x))
        .and_then(|_| {
            parsed
                .resource
                .iter()
                .chain(&a.resource)
                .try_for_each(|r| super::check_resource(r))
        });
    if let Err(m) = checked {
        return fail(m);
    }
    let ov = Overrides {
        principal: a.principal.clone(),
        action: a.action.clone(),
        resource: a.resource.clone(),
        context,
    };
    match crate::triage::explain_error(&engine, parsed, &ov) {
        Ok(t) => {
            emit(render_error(&t, a.env.format));
            0
        }
        Err(m) => fail(m),
    }
}

/// Runs `needs`.
pub fn needs(a: NeedsArgs) -> i32 {
    let context = match a.ctx.build() {
        Ok(c) => c,
        Err(m) => return fail(m),
    };
    let engine = match load_env(&a.env) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let checked = super::check_action(&engine, &a.action)
        .and_then(|_| super::check_resource(&a.resource))
        .and_then(|_| a.data.iter().try_for_each(|d| super::check_resource(d)))
        .and_then(|_| {
            a.source_arn
                .iter()
                .try_for_each(|d| super::check_resource(d))
        })
        .and_then(|_| a.kms_key.iter().try_for_each(|d| super::check_resource(d)));
    if let Err(m) = checked {
        return fail(m);
    }
    let opts = NeedsOptions {
        pass_role: a.pass_role.clone(),
        data: a.data.clone(),
        source_arn: a.source_arn.clone(),
        kms_key: a.kms_key.clone(),
        context,
    };
    match crate::triage::needs::needs(&engine, &a.principal, &a.action, &a.resource, &opts) {
        Ok(n) => {
            emit(render_needs(&n, a.env.format));
            0
        }
        Err(m) => fail(m),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}\n"))
        .collect::<String>()
}

fn render_blame(b: &[BlameEntry], by: &str) -> String {
    let mut s = String::new();
    for e in b {
        let pol = e
            .policy
            .as_deref()
            .map(|p| format!(" — {p}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "{by}[{}] {}: {}{pol}\n",
            e.layer, e.kind, e.message
        ));
        if !e.statements.is_empty() {
            s.push_str(&format!(
                "{by}    statements: {}\n",
                e.statements.join(", ")
            ));
        }
    }
    s
}

fn render_fixes(fixes: &[Fix], by: &str) -> String {
    let mut s = String::new();
    for (i, f) in fixes.iter().enumerate() {
        s.push_str(&format!(
            "{by}{}. [{}] {}{}\n",
            i + 1,
            f.layer,
            f.target,
            if f.applied {
                " (applied for the re-run)"
            } else {
                " (not applied)"
            }
        ));
        s.push_str(&format!("{by}   {}\n", f.how));
        if let Some(st) = &f.statement {
            s.push_str(&indent(
                &serde_json::to_string_pretty(st).unwrap_or_default(),
                &format!("{by}   "),
            ));
        }
        if let Some(c) = &f.cli {
            s.push_str(&format!("{by}   CLI: {c}\n"));
        }
        if let Some(c) = &f.cloudformation {
            s.push_str(&format!("{by}   CloudFormation:\n"));
            s.push_str(&indent(
                &serde_json::to_string_pretty(c).unwrap_or_default(),
                &format!("{by}     "),
            ));
        }
    }
    s
}

fn render_side(se: &SideEffects, by: &str) -> String {
    if se.changed.is_empty() {
        format!(
            "{by}nothing else changed: {} decisions compared before and after ({})\n",
            se.compared, se.scope
        )
    } else {
        let mut s = format!(
            "{by}WARNING: {} other decision(s) changed ({} compared):\n",
            se.changed.len(),
            se.compared
        );
        for c in &se.changed {
            s.push_str(&format!(
                "{by}  {} {} on {}: {} -> {}\n",
                c.principal,
                c.action,
                c.resource,
                c.before.as_str(),
                c.after.as_str()
            ));
        }
        s
    }
}

/// The rows of an `explain-error` result (one per failing layer), as its CSV prints them.
pub fn error_rows(t: &ErrorTriage) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let cols = vec![
        "principal",
        "action",
        "resource",
        "decision",
        "agrees_with_error",
        "layer",
        "kind",
        "policy",
        "after_fix_decision",
    ];
    let rows = t
        .blame
        .iter()
        .map(|b| {
            vec![
                t.parsed.principal.clone().unwrap_or_default(),
                t.parsed.action.clone().unwrap_or_default(),
                t.parsed.resource.clone().unwrap_or_default(),
                t.decision.as_str().into(),
                t.agrees_with_error.to_string(),
                b.layer.clone(),
                b.kind.clone(),
                b.policy.clone().unwrap_or_default(),
                t.after_fix_decision
                    .map(|d| d.as_str().to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    (cols, rows)
}

/// The rows of a `needs` answer (one per requirement), as its CSV prints them.
pub fn needs_rows(n: &NeedsAnswer) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let cols = vec![
        "requirement",
        "rule",
        "principal",
        "action",
        "resource",
        "status",
        "after_fix",
    ];
    let rows = n
        .requirements
        .iter()
        .map(|r| {
            vec![
                r.what.clone(),
                r.rule.clone(),
                r.principal.clone(),
                r.action.clone(),
                r.resource.clone(),
                r.status.clone(),
                r.after_fix.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (cols, rows)
}

/// Renders an `explain-error` result.
pub fn render_error(t: &ErrorTriage, f: Format) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(t).unwrap_or_default(),
        Format::Csv => {
            let (cols, rows) = error_rows(t);
            super::render::csv(&cols, &rows)
        }
        Format::Table => {
            let p = &t.parsed;
            let mut s = String::new();
            s.push_str(&format!(
                "message: {} {} on {}\n",
                p.principal.as_deref().unwrap_or("?"),
                p.action.as_deref().unwrap_or("?"),
                p.resource.as_deref().unwrap_or("?")
            ));
            if let Some(l) = &p.detail.layer {
                s.push_str(&format!(
                    "  AWS blamed: {l} ({})\n",
                    p.detail.kind.as_deref().unwrap_or("?")
                ));
            }
            if !p.detail.rest.is_empty() {
                s.push_str(&format!(
                    "  unparsed rest of the message: {}\n",
                    p.detail.rest
                ));
            }
            s.push_str(&format!(
                "reproduced: {} — {}\n",
                t.decision.as_str().to_uppercase(),
                if t.agrees_with_error {
                    "agrees with the error"
                } else {
                    "DOES NOT agree with the error"
                }
            ));
            for d in &t.differences {
                s.push_str(&format!("  note: {d}\n"));
            }
            for c in &t.checks {
                s.push_str(&format!(
                    "check: {} — {} {} on {}: {}\n",
                    c.check,
                    c.principal,
                    c.action,
                    c.resource,
                    c.decision.as_str()
                ));
                s.push_str(&indent(&super::render::proof_tree(&c.answer), "    "));
            }
            if !t.blame.is_empty() {
                s.push_str("cause:\n");
                s.push_str(&render_blame(&t.blame, "  "));
            }
            if !t.fixes.is_empty() {
                s.push_str("fix:\n");
                s.push_str(&render_fixes(&t.fixes, "  "));
            }
            match t.after_fix_decision {
                Some(d) => {
                    s.push_str(&format!(
                        "after the fix (applied in memory): {}\n",
                        d.as_str().to_uppercase()
                    ));
                    for c in &t.checks {
                        if let Some(a) = c.after_fix_decision {
                            s.push_str(&format!(
                                "  {}: {} -> {}\n",
                                c.check,
                                c.decision.as_str(),
                                a.as_str()
                            ));
                        }
                    }
                }
                None => s.push_str("after the fix: no fix could be applied in memory\n"),
            }
            if let Some(se) = &t.side_effects {
                s.push_str(&render_side(se, "  "));
            }
            s
        }
    }
}

/// Renders a `needs` answer.
pub fn render_needs(n: &NeedsAnswer, f: Format) -> String {
    match f {
        Format::Json => serde_json::to_string_pretty(n).unwrap_or_default(),
        Format::Csv => {
            let (cols, rows) = needs_rows(n);
            super::render::csv(&cols, &rows)
        }
        Format::Table => {
            let mut s = format!(
                "{} needs, to {} on {}:\n",
                n.principal, n.action, n.resource
            );
            for (i, r) in n.requirements.iter().enumerate() {
                s.push_str(&format!(
                    "{}. [{}] {} ({})\n",
                    i + 1,
                    r.status,
                    r.what,
                    r.rule
                ));
                if r.status != "met" {
                    s.push_str(&render_blame(&r.blame, "     "));
                    if !r.fixes.is_empty() {
                        s.push_str("     fix:\n");
                        s.push_str(&render_fixes(&r.fixes, "       "));
                    }
                    if let Some(a) = &r.after_fix {
                        s.push_str(&format!("     after the fix: {a}\n"));
                    }
                }
            }
            s.push_str(&format!(
                "all met: {}\n",
                if n.all_met { "yes" } else { "no" }
            ));
            if let Some(a) = n.all_met_after_fix {
                s.push_str(&format!(
                    "all met with the fixes applied in memory: {}\n",
                    if a { "yes" } else { "no" }
                ));
            }
            if let Some(se) = &n.side_effects {
                s.push_str(&render_side(se, ""));
            }
            for p in &n.through_role_chains {
                s.push_str("reachable anyway through a role chain:\n");
                s.push_str(&super::render::proof_node_tree(p));
            }
            for note in &n.notes {
                s.push_str(&format!("note: {note}\n"));
            }
            s
        }
    }
}
