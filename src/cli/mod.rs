//! The command line: what the user typed (clap arguments) and the thin glue from it to the
//! library. Exit codes: 0 answered, 1 a gate failed (later commands), 2 bad input or usage.

pub mod escalation;
pub mod facts_dump;
pub mod iac;
pub mod query;
pub mod render;
pub mod triage;

use crate::engine::request::{Request, Target, UserContext};
use crate::engine::Engine;
use clap::{Args, Parser, Subcommand};
use render::Format;
use std::path::PathBuf;

/// The bundled example environment used when `--env` is not given.
pub fn default_env() -> PathBuf {
    let built = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/facts/examples/demo/env"
    ));
    if built.exists() {
        built
    } else {
        PathBuf::from("facts/examples/demo/env")
    }
}

/// iamdl: who can do what to which AWS resource, and why.
#[derive(Debug, Parser)]
#[command(name = "iamdl", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "Examples:
  iamdl can --env SNAPSHOT role/lambda-exec s3:GetObject arn:aws:s3:::media/call.wav
  iamdl who-can --env SNAPSHOT s3:PutObject 'arn:aws:s3:::reports/*' --format json
  iamdl reach --env SNAPSHOT arn:aws:s3:::reports
  iamdl can-pass --env SNAPSHOT role/lambda-exec role/transcribe-data transcribe.amazonaws.com
  iamdl can --env SNAPSHOT s3.amazonaws.com lambda:InvokeFunction FUNCTION_ARN \\
        --context aws:SourceAccount=111111111111 --context aws:SourceArn=arn:aws:s3:::uploads
  iamdl facts --env SNAPSHOT --out facts-dir

SNAPSHOT is a folder in the snapshot layout (accounts/<id>/iam/get-account-authorization-details.json, ...)
or a single get-account-authorization-details JSON file. Without --env, the bundled example
environment facts/examples/demo/env is used.

Exit status: 0 answered, 1 diff --fail-on-new-access found new access, 2 bad input or usage.";

/// Options shared by every command that reads an environment: where it comes from and the
/// output format. Reads of the source fields (`args.env`, `args.param`, ...) go through
/// [`SourceArgs`] by `Deref`.
#[derive(Debug, Args, Clone)]
pub struct EnvArgs {
    /// Where the environment comes from.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

impl std::ops::Deref for EnvArgs {
    type Target = SourceArgs;

    fn deref(&self) -> &SourceArgs {
        &self.source
    }
}

/// Where the environment comes from (every command that reads one; query, report and graph
/// have their own `--format`, so they take this alone and [`SourceArgs::with_format`] makes the
/// [`EnvArgs`] that [`load_env`] reads).
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Environment: a snapshot folder or a get-account-authorization-details JSON file; repeat to
    /// layer CloudFormation / SAM / serverless.yml / Terraform plan files over it (or give them alone).
    #[arg(long, value_name = "PATH")]
    pub env: Vec<PathBuf>,
    /// Template parameter NAME=VALUE (also AWS::Region, AWS::StackName, stage for serverless.yml).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub param: Vec<String>,
    /// Answer even if some documents could not be loaded (they are listed, answers that may depend on them become conditional).
    #[arg(long)]
    pub allow_partial: bool,
    /// Account id for a bare get-account-authorization-details file, and the account templates deploy into (default: the snapshot's single account, else 123456789012).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
}

impl SourceArgs {
    /// The [`EnvArgs`] of this source with an output format.
    pub fn with_format(&self, format: Format) -> EnvArgs {
        EnvArgs {
            source: self.clone(),
            format,
        }
    }
}

/// Request context options.
#[derive(Debug, Args, Clone, Default)]
pub struct ContextArgs {
    /// Request context value KEY=VALUE (repeat a key for a multivalued key).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A context key that is absent from the request (e.g. aws:MultiFactorAuthPresent for access keys).
    #[arg(long = "absent", value_name = "KEY")]
    pub absent: Vec<String>,
}

impl ContextArgs {
    pub(crate) fn build(&self) -> Result<UserContext, String> {
        let mut c = UserContext::default();
        for p in &self.context {
            c.add_pair(p)?;
        }
        for k in &self.absent {
            c.absent(k);
        }
        Ok(c)
    }
}

/// Session options of `can`: the session policies passed when the caller's session was created
/// and, for a federated-user session, who created it (E3 step 7, E10).
#[derive(Debug, Args, Clone, Default)]
pub struct SessionArgs {
    /// A session policy document (JSON file) passed to AssumeRole / GetFederationToken; repeatable.
    #[arg(long = "session-policy", value_name = "FILE")]
    pub session_policy: Vec<PathBuf>,
    /// The IAM user (or account root) that created the federated-user session PRINCIPAL with
    /// GetFederationToken; PRINCIPAL is then `arn:aws:sts::ACCOUNT:federated-user/NAME` or NAME.
    #[arg(long = "federated-by", value_name = "USER")]
    pub federated_by: Option<String>,
}

impl SessionArgs {
    /// Reads the session policies into the engine and resolves the caller.
    fn apply(
        &self,
        engine: &mut Engine,
        principal: &str,
    ) -> Result<
        (
            crate::engine::request::Caller,
            Option<Vec<crate::iam::PolicyId>>,
        ),
        String,
    > {
        let mut ids = Vec::new();
        let mut problems = Vec::new();
        for path in &self.session_policy {
            let file = path.display().to_string();
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{file}: cannot read the session policy: {e}"));
                    continue;
                }
            };
            let src = crate::input::policy_doc::DocSource {
                file: file.clone(),
                json_path: "$".into(),
                name: format!("session policy {file}"),
                arn: None,
                kind: crate::iam::PolicyKind::Session,
            };
            match crate::input::policy_doc::parse_policy(&text, &src) {
                Ok(p) => ids.push(engine.add_session_policy(p)),
                Err(ds) => problems.extend(ds.iter().map(|d| d.to_string())),
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        let caller = match &self.federated_by {
            Some(by) => engine.federated_session(principal, by)?,
            None => engine.resolve_caller(principal)?,
        };
        Ok((caller, (!ids.is_empty()).then_some(ids)))
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Can PRINCIPAL perform ACTION on RESOURCE? Explains the decision.
    Can {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// Request context options.
        #[command(flatten)]
        ctx: ContextArgs,
        /// Session options (session policies, federated-user sessions).
        #[command(flatten)]
        session: SessionArgs,
        /// Principal: ARN, role/NAME, user/NAME, assumed-role or federated-user session ARN, account id, service principal or `anonymous`.
        principal: String,
        /// Action, e.g. s3:GetObject.
        action: String,
        /// Resource ARN (or `*` for actions without resource types; a pattern means "some resource matching").
        resource: String,
    },
    /// Who can perform ACTION on RESOURCE, directly or through role chains?
    WhoCan {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// Request context options.
        #[command(flatten)]
        ctx: ContextArgs,
        /// Action, e.g. s3:PutObject.
        action: String,
        /// Resource ARN or pattern (arn:aws:s3:::bucket/*).
        resource: String,
        /// Also list principals that reach it only through privilege escalation (`"escalation": true`, `path`).
        #[arg(long)]
        via_escalation: bool,
    },
    /// Every principal that can perform any action on RESOURCE (a bucket includes its objects), by access level.
    Reach {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// Request context options.
        #[command(flatten)]
        ctx: ContextArgs,
        /// Resource ARN.
        resource: String,
        /// Also list principals that reach it only through privilege escalation (`"escalation": true`, `path`).
        #[arg(long)]
        via_escalation: bool,
    },
    /// Can PRINCIPAL pass ROLE to SERVICE (iam:PassRole + the role's trust)?
    CanPass {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// Request context options.
        #[command(flatten)]
        ctx: ContextArgs,
        /// The caller.
        principal: String,
        /// The role: ARN or role/NAME.
        role: String,
        /// Service principal, e.g. transcribe.amazonaws.com.
        service: String,
    },
    /// Explain a pasted AccessDenied message: reproduce it, name the cause, propose the least-privilege fix and re-run with it.
    ExplainError(triage::ExplainErrorArgs),
    /// What PRINCIPAL needs for ACTION on RESOURCE (PassRole and trust, function policies, both sides, key policies), each marked met or missing with its fix.
    Needs(triage::NeedsArgs),
    /// Dump the compiled facts as tab-separated .facts files (Soufflé's format), one per relation.
    Facts {
        /// Environment options.
        #[command(flatten)]
        env: EnvArgs,
        /// Output folder (created).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Answer queries of the query language (several separated by `;`); see queries/README.md.
    Query {
        /// Environment and output options.
        #[command(flatten)]
        args: query::QueryArgs,
        /// The query text, e.g. 'who can s3:GetObject on arn:aws:s3:::reports/*'.
        text: String,
    },
    /// Run query files (.q) in order; failed assertions make the exit status 1.
    Run {
        /// Environment and output options.
        #[command(flatten)]
        args: query::QueryArgs,
        /// Query files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Interactive query shell (reads queries from standard input when it is not a terminal).
    Repl {
        /// Environment and output options.
        #[command(flatten)]
        args: query::QueryArgs,
    },
    /// Access gained and lost between two environments (e.g. a template before and after a change).
    Diff {
        /// Options for both environments (`--env` is ignored: use --before and --after).
        #[command(flatten)]
        env: EnvArgs,
        /// Request context options.
        #[command(flatten)]
        ctx: ContextArgs,
        /// The environment before: a snapshot and/or templates, layered in order.
        #[arg(long, value_name = "ENV", num_args = 1.., required = true)]
        before: Vec<PathBuf>,
        /// The environment after.
        #[arg(long, value_name = "ENV", num_args = 1.., required = true)]
        after: Vec<PathBuf>,
        /// Only these resources (default: every resource of either environment).
        #[arg(long, value_name = "RESOURCE")]
        reach: Vec<String>,
        /// Exit with status 1 when access was gained.
        #[arg(long)]
        fail_on_new_access: bool,
        /// Only this action: compare `who-can ACTION` on each --reach resource.
        #[arg(long, value_name = "ACTION", requires = "reach")]
        action: Option<String>,
    },
    /// Privilege escalation commands (path, escalations, admins, escalation-techniques, report, graph).
    #[command(flatten)]
    Escalation(escalation::EscalationCommand),
}

/// Loads the environment named by the arguments, printing every problem.
pub fn load_env(args: &EnvArgs) -> Result<Engine, i32> {
    let paths = if args.env.is_empty() {
        vec![default_env()]
    } else {
        args.env.clone()
    };
    let path = PathBuf::from(
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + "),
    );
    let t0 = std::time::Instant::now();
    // The embedded IAM action catalog is decompressed and parsed while the files load.
    let (loaded, _) = rayon::join(
        || iac::load_paths(&paths, args),
        || {
            let tc = std::time::Instant::now();
            crate::catalog::Catalog::builtin();
            crate::engine::whocan::timing("catalog (alongside load)", tc);
        },
    );
    crate::engine::whocan::timing("load", t0);
    match loaded {
        Ok(env) => {
            for w in &env.warnings {
                eprintln!("warning: {w}");
            }
            for s in &env.skipped {
                eprintln!("skipped: {s}");
            }
            let t1 = std::time::Instant::now();
            let e = Engine::new(env);
            crate::engine::whocan::timing("index", t1);
            Ok(e)
        }
        Err(f) => {
            for w in &f.warnings {
                eprintln!("warning: {w}");
            }
            for e in &f.errors {
                eprintln!("error: {e}");
            }
            eprintln!(
                "error: {} problem(s) loading {}; no answer from a partially loaded environment (use --allow-partial to answer anyway)",
                f.errors.len(),
                path.display()
            );
            Err(2)
        }
    }
}

fn resolve_role(engine: &Engine, text: &str) -> Result<String, String> {
    if text.starts_with("arn:") {
        return Ok(text.to_string());
    }
    match engine.resolve_caller(
        if text.contains('/') {
            text.to_string()
        } else {
            format!("role/{text}")
        }
        .as_str(),
    )? {
        crate::engine::request::Caller::Entity { pid, .. } => Ok(engine.principal(pid).arn.clone()),
        _ => Err(format!("`{text}` is not a role")),
    }
}

pub(crate) fn check_action(engine: &Engine, action: &str) -> Result<(), String> {
    let Some((svc, name)) = action.split_once(':') else {
        return Err(format!(
            "`{action}` is not an action: expected SERVICE:Action, e.g. s3:GetObject"
        ));
    };
    if svc.is_empty() || name.is_empty() || action.contains(char::is_whitespace) {
        return Err(format!(
            "`{action}` is not an action: expected SERVICE:Action, e.g. s3:GetObject"
        ));
    }
    if engine.catalog.action(action).is_none() && !action.contains(['*', '?']) {
        let hint = engine
            .catalog
            .suggest(action)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        eprintln!("warning: `{action}` is not in the IAM action catalog{hint}; answering by pattern matching anyway");
    }
    Ok(())
}

pub(crate) fn check_resource(resource: &str) -> Result<(), String> {
    if resource == "*" || crate::iam::Arn::parse(resource).is_some() {
        Ok(())
    } else {
        Err(format!("`{resource}` is not a resource ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE or `*`"))
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> i32 {
    let usage = |m: String| {
        eprintln!("error: {m}");
        2
    };
    match cli.command {
        Command::Can {
            env,
            ctx,
            session,
            principal,
            action,
            resource,
        } => {
            let (mut engine, context) = match setup(&env, &ctx) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let (caller, session_policies) = match session.apply(&mut engine, &principal) {
                Ok(c) => c,
                Err(m) => return usage(m),
            };
            if let Err(m) = check_action(&engine, &action).and_then(|_| check_resource(&resource)) {
                return usage(m);
            }
            let req = Request {
                caller,
                action,
                target: Target::parse(&resource),
                context,
                session_policies,
            };
            emit(render::answer(&engine.can(&req), env.format));
            0
        }
        Command::WhoCan {
            env,
            ctx,
            action,
            resource,
            via_escalation,
        } => {
            if via_escalation {
                return escalation::who_via_escalation(&env, &ctx, Some(&action), &resource);
            }
            let (engine, context) = match setup(&env, &ctx) {
                Ok(x) => x,
                Err(code) => return code,
            };
            if let Err(m) = check_action(&engine, &action).and_then(|_| check_resource(&resource)) {
                return usage(m);
            }
            let answer = engine.who_can(&action, &Target::parse(&resource), &context);
            emit(render::who(&answer, env.format));
            release_at_exit((engine, answer));
            0
        }
        Command::Reach {
            env,
            ctx,
            resource,
            via_escalation,
        } => {
            if via_escalation {
                return escalation::who_via_escalation(&env, &ctx, None, &resource);
            }
            let (engine, context) = match setup(&env, &ctx) {
                Ok(x) => x,
                Err(code) => return code,
            };
            if let Err(m) = check_resource(&resource) {
                return usage(m);
            }
            let answer = engine.reach(&resource, &context);
            let t0 = std::time::Instant::now();
            emit(render::who(&answer, env.format));
            crate::engine::whocan::timing("render and write", t0);
            release_at_exit((engine, answer));
            0
        }
        Command::CanPass {
            env,
            ctx,
            principal,
            role,
            service,
        } => {
            let (engine, context) = match setup(&env, &ctx) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let caller = match engine.resolve_caller(&principal) {
                Ok(c) => c,
                Err(m) => return usage(m),
            };
            let role_arn = match resolve_role(&engine, &role) {
                Ok(r) => r,
                Err(m) => return usage(m),
            };
            if !service.contains('.') {
                return usage(format!(
                    "`{service}` is not a service principal: expected e.g. lambda.amazonaws.com"
                ));
            }
            emit(render::pass(
                &engine.can_pass(&caller, &role_arn, &service, &context),
                env.format,
            ));
            0
        }
        Command::Query { args, text } => query::query(&args, &text),
        Command::Run { args, files } => query::run_files(&args, &files),
        Command::Repl { args } => query::repl(&args),
        Command::ExplainError(a) => triage::explain_error(a),
        Command::Needs(a) => triage::needs(a),
        Command::Diff {
            env,
            ctx,
            before,
            after,
            reach,
            fail_on_new_access,
            action,
        } => iac::run_diff(before, after, reach, action, fail_on_new_access, &env, &ctx),
        Command::Facts { env, out } => {
            let engine = match load_env(&env) {
                Ok(e) => e,
                Err(c) => return c,
            };
            match facts_dump::write(&engine, &out) {
                Ok(n) => {
                    eprintln!("wrote {n} relations to {}", out.display());
                    0
                }
                Err(e) => usage(format!("cannot write facts to {}: {e}", out.display())),
            }
        }
        Command::Escalation(c) => escalation::run(c),
    }
}

/// Checks the request context (before the slow load), then loads the environment.
/// Leaves `data` to the operating system: a one-shot command exits right after its output,
/// and freeing a large organization's engine and answer piece by piece (hundreds of MB of
/// small allocations) took tens of milliseconds of a `reach` run.
fn release_at_exit<T>(data: T) {
    std::mem::forget(data);
}

fn setup(env: &EnvArgs, ctx: &ContextArgs) -> Result<(Engine, UserContext), i32> {
    let context = ctx.build().map_err(|m| {
        eprintln!("error: {m}");
        2
    })?;
    Ok((load_env(env)?, context))
}

/// Writes an answer to stdout; a closed pipe (`| head`) ends quietly.
pub(crate) fn emit(mut s: String) {
    use std::io::Write;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}
