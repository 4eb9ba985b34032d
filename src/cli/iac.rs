//! CLI glue for infrastructure as code: loading one or more `--env` paths (a snapshot and the
//! templates layered over it) and the `diff` command.

use super::render::Format;
use super::{ContextArgs, EnvArgs};
use crate::engine::Engine;
use crate::iac::{self, IacOptions, InputKind};
use crate::input::{load, LoadOptions};
use std::path::PathBuf;

/// Parses `--param NAME=VALUE` pairs.
pub fn params(list: &[String]) -> Result<Vec<(String, String)>, String> {
    list.iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(format!(
                "`{p}` is not NAME=VALUE (for example --param Stage=prod or --param AWS::Region=eu-west-1)"
            )),
        })
        .collect()
}

/// Loads the environment of `paths`: a single snapshot exactly as before, otherwise the layers.
pub fn load_paths(
    paths: &[PathBuf],
    args: &EnvArgs,
) -> Result<crate::iam::Environment, crate::input::LoadFailure> {
    let single_snapshot = match paths {
        [p] => matches!(
            iac::detect(p).map(|(_, k)| k),
            Ok(InputKind::Snapshot | InputKind::AuthorizationDetails) | Err(_)
        ),
        _ => false,
    };
    if single_snapshot {
        let opts = LoadOptions {
            allow_partial: args.allow_partial,
            account: args.account.clone(),
        };
        return load(&paths[0], &opts);
    }
    let params = params(&args.param).map_err(|m| crate::input::LoadFailure {
        errors: vec![crate::iam::Diagnostic {
            file: "--param".into(),
            location: String::new(),
            message: m,
        }],
        warnings: vec![],
    })?;
    let opts = IacOptions {
        params,
        account: args.account.clone(),
        allow_partial: args.allow_partial,
    };
    iac::load_layers(paths, &opts)
}

/// Runs `iamdl diff`.
#[allow(clippy::too_many_arguments)]
pub fn run_diff(
    before: Vec<PathBuf>,
    after: Vec<PathBuf>,
    reach: Vec<String>,
    action: Option<String>,
    fail_on_new_access: bool,
    env: &EnvArgs,
    ctx: &ContextArgs,
) -> i32 {
    if !env.env.is_empty() {
        eprintln!("error: `diff` compares --before ENV... with --after ENV...; --env is not used");
        return 2;
    }
    let context = match ctx.build() {
        Ok(c) => c,
        Err(m) => {
            eprintln!("error: {m}");
            return 2;
        }
    };
    for r in &reach {
        if let Err(m) = super::check_resource(r) {
            eprintln!("error: {m}");
            return 2;
        }
    }
    let load_side = |paths: Vec<PathBuf>| -> Result<Engine, i32> {
        let mut a = env.clone();
        a.source.env = paths;
        super::load_env(&a)
    };
    let b = match load_side(before) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let a = match load_side(after) {
        Ok(e) => e,
        Err(c) => return c,
    };
    let report = match &action {
        Some(act) => {
            if let Err(m) = super::check_action(&a, act) {
                eprintln!("error: {m}");
                return 2;
            }
            iac::diff::diff_action(&b, &a, act, &reach, &context)
        }
        None => iac::diff::diff(&b, &a, &reach, &context),
    };
    let out = match env.format {
        Format::Json => iac::diff::render_json(&report),
        Format::Csv => {
            let mut s = String::from("change,principal,action,resource,decision,reasons\n");
            for (sign, list) in [("gained", &report.gained), ("lost", &report.lost)] {
                for c in list {
                    s.push_str(&format!(
                        "{sign},{},{},{},{},\"{}\"\n",
                        c.principal,
                        c.action,
                        c.resource,
                        c.decision.as_str(),
                        c.reasons.join("; ").replace('"', "\"\"")
                    ));
                }
            }
            s
        }
        Format::Table => iac::diff::render_table(&report),
    };
    super::emit(out);
    if fail_on_new_access && !report.gained.is_empty() {
        1
    } else {
        0
    }
}
