//! The privilege-escalation techniques iamdl models, one row per technique, each with the id
//! of its path in the pathfinding.cloud catalogue (`data/pathfinding-paths.json`) or an
//! `iamdl-NNN` id for techniques of issue #6 the catalogue does not list.
//!
//! A row says which actions the attacker's principal P must be allowed (decided by the engine
//! with the full evaluation logic) and what P gains ([`Kind`]): the graph builder
//! (`graph.rs`) turns rows into edges, the rules (`rules.rs`) combine the edges.

/// What performing a technique gives the principal P that is allowed its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// P can give principal T any identity permission (T may be P itself): the key action on
    /// T's ARN (`user/…`, `role/…`), on a group of T, or on a customer-managed policy attached
    /// to T (AWS-managed policies cannot be versioned).
    Empower(On),
    /// P (a user) can add user T to a group whose permissions then apply to T.
    JoinGroup,
    /// P can obtain credentials of user T (access key, console password).
    UserCredentials,
    /// P can assume role T (trust policy and identity side, E7): the role chains of the engine.
    AssumeRole,
    /// P can rewrite the trust policy of role T to name P, then assume it (ARN strength: no
    /// identity allow needed in the same account).
    RewriteTrust,
    /// P can both empower T and act as T: a catalogue path that is the combination of two
    /// single techniques (`empower`, `become`). Found by the rules, not by its own edge.
    Combo {
        /// The technique that changes T's permissions.
        empower: &'static str,
        /// The technique that lets P act as T.
        act_as: &'static str,
    },
    /// P can pass role T to `service` (P9: `iam:PassRole` with `iam:PassedToService`, and T's
    /// trust allows the service) and create a resource of that service that runs P's code.
    PassRoleNew {
        /// The service principal the role is passed to.
        service: &'static str,
    },
    /// P can take over an existing resource of `service` that runs with role T (T's trust
    /// allows the service). Lambda functions are in the snapshot's inventory (exact edges);
    /// other resources are not, so their edges are conditional ("if such a resource runs as T").
    Existing {
        /// The service principal the running resource uses.
        service: &'static str,
        /// True when the resource is a Lambda function of the inventory.
        lambda: bool,
    },
    /// P can remove or replace the permissions boundary of T.
    RemoveBoundary(On),
}

/// Which resource an [`Kind::Empower`] / [`Kind::RemoveBoundary`] action is performed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// The user's ARN.
    User,
    /// The role's ARN.
    Role,
    /// The ARN of a group the user belongs to.
    Group,
    /// The ARN of a customer-managed policy attached to the principal (or its groups).
    AttachedPolicy,
}

/// One modelled technique.
#[derive(Debug, Clone, Copy)]
pub struct Technique {
    /// Catalogue path id (`iam-008`) or `iamdl-NNN`.
    pub id: &'static str,
    /// Catalogue category (`self-escalation`, `principal-access`, `new-passrole`,
    /// `existing-passrole`) or the same words for the iamdl ones.
    pub category: &'static str,
    /// Every action P must be allowed, the key action first (after `iam:PassRole`).
    pub actions: &'static [&'static str],
    /// What P gains.
    pub kind: Kind,
    /// One line for people.
    pub summary: &'static str,
}

impl Technique {
    /// The action candidates are looked up by: the first action other than `iam:PassRole`.
    pub fn key_action(&self) -> &'static str {
        self.actions
            .iter()
            .copied()
            .find(|a| *a != "iam:PassRole")
            .unwrap_or(self.actions[0])
    }

    /// True when the technique needs `iam:PassRole`.
    pub fn passes_role(&self) -> bool {
        self.actions.contains(&"iam:PassRole")
    }
}

use Kind::*;

const fn t(
    id: &'static str,
    category: &'static str,
    actions: &'static [&'static str],
    kind: Kind,
    summary: &'static str,
) -> Technique {
    Technique {
        id,
        category,
        actions,
        kind,
        summary,
    }
}

const SELF: &str = "self-escalation";
const ACCESS: &str = "principal-access";
const NEW: &str = "new-passrole";
const EXISTING: &str = "existing-passrole";

/// Every modelled technique. Rows whose id is a catalogue id implement that path
/// (`data/pathfinding-paths.json`); the tests check the actions against the catalogue.
pub static TECHNIQUES: &[Technique] = &[
    // ---- self-escalation: change the permissions of a principal ----
    // iam-001
    t("iam-001", SELF, &["iam:CreatePolicyVersion"], Empower(On::AttachedPolicy),
      "create a new default version of a customer-managed policy attached to the target"),
    // iam-005
    t("iam-005", SELF, &["iam:PutRolePolicy"], Empower(On::Role),
      "put an inline policy on the target role"),
    // iam-007
    t("iam-007", SELF, &["iam:PutUserPolicy"], Empower(On::User),
      "put an inline policy on the target user"),
    // iam-008
    t("iam-008", SELF, &["iam:AttachUserPolicy"], Empower(On::User),
      "attach any managed policy (AdministratorAccess) to the target user"),
    // iam-009
    t("iam-009", SELF, &["iam:AttachRolePolicy"], Empower(On::Role),
      "attach any managed policy to the target role"),
    // iam-010
    t("iam-010", SELF, &["iam:AttachGroupPolicy"], Empower(On::Group),
      "attach any managed policy to a group of the target user"),
    // iam-011
    t("iam-011", SELF, &["iam:PutGroupPolicy"], Empower(On::Group),
      "put an inline policy on a group of the target user"),
    // iam-013
    t("iam-013", SELF, &["iam:AddUserToGroup"], JoinGroup,
      "add the target user to a group and gain the group's permissions"),
    // iamdl-001 (issue #6): SetDefaultPolicyVersion, conditional on a more permissive stored version.
    t("iamdl-001", SELF, &["iam:SetDefaultPolicyVersion"], Empower(On::AttachedPolicy),
      "make another stored version of an attached customer-managed policy the default (conditional: if a stored version grants more)"),
    // iamdl-002 (issue #6)
    t("iamdl-002", SELF, &["iam:DeleteUserPermissionsBoundary"], RemoveBoundary(On::User),
      "delete the permissions boundary of the target user"),
    // iamdl-003 (issue #6)
    t("iamdl-003", SELF, &["iam:DeleteRolePermissionsBoundary"], RemoveBoundary(On::Role),
      "delete the permissions boundary of the target role"),
    // iamdl-004 (issue #6)
    t("iamdl-004", SELF, &["iam:PutRolePermissionsBoundary"], RemoveBoundary(On::Role),
      "replace the permissions boundary of the target role with a permissive one"),
    // iamdl-005
    t("iamdl-005", SELF, &["iam:PutUserPermissionsBoundary"], RemoveBoundary(On::User),
      "replace the permissions boundary of the target user with a permissive one"),
    // ---- principal-access: act as another principal ----
    // iam-002
    t("iam-002", ACCESS, &["iam:CreateAccessKey"], UserCredentials,
      "create an access key for the target user"),
    // iam-003
    t("iam-003", ACCESS, &["iam:CreateAccessKey", "iam:DeleteAccessKey"], UserCredentials,
      "delete one of the target user's two access keys, then create a new one"),
    // iam-004
    t("iam-004", ACCESS, &["iam:CreateLoginProfile"], UserCredentials,
      "create a console password for the target user"),
    // iam-006
    t("iam-006", ACCESS, &["iam:UpdateLoginProfile"], UserCredentials,
      "change the console password of the target user"),
    // iam-012
    t("iam-012", ACCESS, &["iam:UpdateAssumeRolePolicy"], RewriteTrust,
      "rewrite the target role's trust policy to trust the attacker, then assume it"),
    // sts-001
    t("sts-001", ACCESS, &["sts:AssumeRole"], AssumeRole,
      "assume the target role (its trust policy allows the attacker)"),
    // iam-014
    t("iam-014", ACCESS, &["iam:AttachRolePolicy", "sts:AssumeRole"],
      Combo { empower: "iam-009", act_as: "sts-001" },
      "attach a policy to a role the attacker can assume"),
    // iam-015
    t("iam-015", ACCESS, &["iam:AttachUserPolicy", "iam:CreateAccessKey"],
      Combo { empower: "iam-008", act_as: "iam-002" },
      "attach a policy to a user and create an access key for it"),
    // iam-016
    t("iam-016", ACCESS, &["iam:CreatePolicyVersion", "sts:AssumeRole"],
      Combo { empower: "iam-001", act_as: "sts-001" },
      "version a policy attached to a role the attacker can assume"),
    // iam-017
    t("iam-017", ACCESS, &["iam:PutRolePolicy", "sts:AssumeRole"],
      Combo { empower: "iam-005", act_as: "sts-001" },
      "put an inline policy on a role the attacker can assume"),
    // iam-018
    t("iam-018", ACCESS, &["iam:PutUserPolicy", "iam:CreateAccessKey"],
      Combo { empower: "iam-007", act_as: "iam-002" },
      "put an inline policy on a user and create an access key for it"),
    // iam-019
    t("iam-019", ACCESS, &["iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"],
      Combo { empower: "iam-009", act_as: "iam-012" },
      "attach a policy to a role and rewrite its trust policy"),
    // iam-020
    t("iam-020", ACCESS, &["iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy"],
      Combo { empower: "iam-001", act_as: "iam-012" },
      "version a policy attached to a role and rewrite the role's trust policy"),
    // iam-021
    t("iam-021", ACCESS, &["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"],
      Combo { empower: "iam-005", act_as: "iam-012" },
      "put an inline policy on a role and rewrite its trust policy"),
    // ---- new-passrole: pass a role to a new resource that runs the attacker's code ----
    // apprunner-001
    t("apprunner-001", NEW, &["iam:PassRole", "apprunner:CreateService"],
      PassRoleNew { service: "tasks.apprunner.amazonaws.com" },
      "create an App Runner service with the role as instance role"),
    // bedrock-001
    t("bedrock-001", NEW, &["iam:PassRole", "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter"],
      PassRoleNew { service: "bedrock-agentcore.amazonaws.com" },
      "create a Bedrock AgentCore code interpreter with the role and run code in it"),
    // cloudformation-001
    t("cloudformation-001", NEW, &["iam:PassRole", "cloudformation:CreateStack"],
      PassRoleNew { service: "cloudformation.amazonaws.com" },
      "create a stack with the role as service role"),
    // cloudformation-003
    t("cloudformation-003", NEW, &["iam:PassRole", "cloudformation:CreateStackSet",
        "cloudformation:CreateStackInstances"],
      PassRoleNew { service: "cloudformation.amazonaws.com" },
      "create a stack set with the role as administration role and deploy instances"),
    // cloudformation-004
    t("cloudformation-004", NEW, &["iam:PassRole", "cloudformation:UpdateStackSet"],
      PassRoleNew { service: "cloudformation.amazonaws.com" },
      "update a stack set to use the role as administration role"),
    // cloudformation-005 (labelled new-passrole upstream; no PassRole: uses the existing stack's role)
    t("cloudformation-005", NEW, &["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
      Existing { service: "cloudformation.amazonaws.com", lambda: false },
      "create and execute a change set on a stack that runs with the role"),
    // codebuild-001
    t("codebuild-001", NEW, &["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
      PassRoleNew { service: "codebuild.amazonaws.com" },
      "create a CodeBuild project with the role and start a build"),
    // codebuild-004
    t("codebuild-004", NEW, &["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuildBatch"],
      PassRoleNew { service: "codebuild.amazonaws.com" },
      "create a CodeBuild project with the role and start a build batch"),
    // datapipeline-001
    t("datapipeline-001", NEW, &["iam:PassRole", "datapipeline:CreatePipeline",
        "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline"],
      PassRoleNew { service: "datapipeline.amazonaws.com" },
      "create, define and activate a Data Pipeline running with the role"),
    // ec2-001
    t("ec2-001", NEW, &["iam:PassRole", "ec2:RunInstances"],
      PassRoleNew { service: "ec2.amazonaws.com" },
      "launch an instance with the role's instance profile and user data"),
    // ec2-003
    t("ec2-003", NEW, &["iam:PassRole", "ec2:RequestSpotInstances"],
      PassRoleNew { service: "ec2.amazonaws.com" },
      "request a spot instance with the role's instance profile"),
    // ecs-001
    t("ecs-001", NEW, &["iam:PassRole", "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
      PassRoleNew { service: "ecs-tasks.amazonaws.com" },
      "create a cluster, register a task definition with the role and create a service"),
    // ecs-002
    t("ecs-002", NEW, &["iam:PassRole", "ecs:CreateCluster", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
      PassRoleNew { service: "ecs-tasks.amazonaws.com" },
      "create a cluster, register a task definition with the role and run it"),
    // ecs-003
    t("ecs-003", NEW, &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:CreateService"],
      PassRoleNew { service: "ecs-tasks.amazonaws.com" },
      "register a task definition with the role and create a service on an existing cluster"),
    // ecs-004
    t("ecs-004", NEW, &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
      PassRoleNew { service: "ecs-tasks.amazonaws.com" },
      "register a task definition with the role and run it on an existing cluster"),
    // ecs-005
    t("ecs-005", NEW, &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:StartTask"],
      PassRoleNew { service: "ecs-tasks.amazonaws.com" },
      "register a task definition with the role and start it on existing container instances"),
    // glue-001
    t("glue-001", NEW, &["iam:PassRole", "glue:CreateDevEndpoint"],
      PassRoleNew { service: "glue.amazonaws.com" },
      "create a Glue dev endpoint with the role and log in to it"),
    // glue-003
    t("glue-003", NEW, &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
      PassRoleNew { service: "glue.amazonaws.com" },
      "create a Glue job with the role and run it"),
    // glue-004
    t("glue-004", NEW, &["iam:PassRole", "glue:CreateJob", "glue:CreateTrigger"],
      PassRoleNew { service: "glue.amazonaws.com" },
      "create a Glue job with the role and a trigger that starts it"),
    // glue-005
    t("glue-005", NEW, &["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"],
      PassRoleNew { service: "glue.amazonaws.com" },
      "point an existing Glue job at the role and run it"),
    // glue-006
    t("glue-006", NEW, &["iam:PassRole", "glue:UpdateJob", "glue:CreateTrigger"],
      PassRoleNew { service: "glue.amazonaws.com" },
      "point an existing Glue job at the role and trigger it"),
    // lambda-001
    t("lambda-001", NEW, &["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
      PassRoleNew { service: "lambda.amazonaws.com" },
      "create a function with the role and invoke it"),
    // lambda-002
    t("lambda-002", NEW, &["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
      PassRoleNew { service: "lambda.amazonaws.com" },
      "create a function with the role and an event source mapping that runs it"),
    // lambda-006
    t("lambda-006", NEW, &["iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"],
      PassRoleNew { service: "lambda.amazonaws.com" },
      "create a function with the role and let the attacker invoke it through its resource policy"),
    // sagemaker-001
    t("sagemaker-001", NEW, &["iam:PassRole", "sagemaker:CreateNotebookInstance"],
      PassRoleNew { service: "sagemaker.amazonaws.com" },
      "create a notebook instance with the role"),
    // sagemaker-002
    t("sagemaker-002", NEW, &["iam:PassRole", "sagemaker:CreateTrainingJob"],
      PassRoleNew { service: "sagemaker.amazonaws.com" },
      "create a training job with the role running the attacker's container"),
    // sagemaker-003
    t("sagemaker-003", NEW, &["iam:PassRole", "sagemaker:CreateProcessingJob"],
      PassRoleNew { service: "sagemaker.amazonaws.com" },
      "create a processing job with the role running the attacker's container"),
    // ---- existing-passrole: take over a resource that already runs with the role ----
    // apprunner-002
    t("apprunner-002", EXISTING, &["apprunner:UpdateService"],
      Existing { service: "tasks.apprunner.amazonaws.com", lambda: false },
      "update an App Runner service that runs with the role"),
    // bedrock-002
    t("bedrock-002", EXISTING, &["bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter"],
      Existing { service: "bedrock-agentcore.amazonaws.com", lambda: false },
      "run code in an existing code interpreter that runs with the role"),
    // cloudformation-002
    t("cloudformation-002", EXISTING, &["cloudformation:UpdateStack"],
      Existing { service: "cloudformation.amazonaws.com", lambda: false },
      "update a stack whose service role is the role"),
    // codebuild-002
    t("codebuild-002", EXISTING, &["codebuild:StartBuild"],
      Existing { service: "codebuild.amazonaws.com", lambda: false },
      "start a build of a project that runs with the role (buildspec override)"),
    // codebuild-003
    t("codebuild-003", EXISTING, &["codebuild:StartBuildBatch"],
      Existing { service: "codebuild.amazonaws.com", lambda: false },
      "start a build batch of a project that runs with the role"),
    // ec2instanceconnect-003 (ec2:DescribeInstances is listed upstream only to discover instances)
    t("ec2instanceconnect-003", EXISTING, &["ec2-instance-connect:SendSSHPublicKey"],
      Existing { service: "ec2.amazonaws.com", lambda: false },
      "push an SSH key to an instance whose profile holds the role and log in"),
    // ec2-002
    t("ec2-002", EXISTING, &["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
      Existing { service: "ec2.amazonaws.com", lambda: false },
      "replace the user data of an instance whose profile holds the role and restart it"),
    // ec2-004
    t("ec2-004", EXISTING, &["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
      Existing { service: "ec2.amazonaws.com", lambda: false },
      "add a launch template version with new user data to a template that uses the role"),
    // glue-002
    t("glue-002", EXISTING, &["glue:UpdateDevEndpoint"],
      Existing { service: "glue.amazonaws.com", lambda: false },
      "add an SSH key to a dev endpoint that runs with the role"),
    // lambda-003
    t("lambda-003", EXISTING, &["lambda:UpdateFunctionCode"],
      Existing { service: "lambda.amazonaws.com", lambda: true },
      "replace the code of a function that runs with the role (conditional: until it is next invoked)"),
    // lambda-004
    t("lambda-004", EXISTING, &["lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
      Existing { service: "lambda.amazonaws.com", lambda: true },
      "replace the code of a function that runs with the role and invoke it"),
    // lambda-005
    t("lambda-005", EXISTING, &["lambda:UpdateFunctionCode", "lambda:AddPermission"],
      Existing { service: "lambda.amazonaws.com", lambda: true },
      "replace the code of a function that runs with the role and grant the attacker invoke"),
    // iamdl-006 (issue #6): layers
    t("iamdl-006", EXISTING, &["lambda:UpdateFunctionConfiguration"],
      Existing { service: "lambda.amazonaws.com", lambda: true },
      "add a layer with the attacker's code to a function that runs with the role (conditional: until it is next invoked)"),
    // sagemaker-004
    t("sagemaker-004", EXISTING, &["sagemaker:CreatePresignedNotebookInstanceUrl"],
      Existing { service: "sagemaker.amazonaws.com", lambda: false },
      "open a notebook instance that runs with the role"),
    // sagemaker-005
    t("sagemaker-005", EXISTING, &["sagemaker:CreateNotebookInstanceLifecycleConfig",
        "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:StartNotebookInstance"],
      Existing { service: "sagemaker.amazonaws.com", lambda: false },
      "attach a lifecycle script to a notebook instance that runs with the role and restart it"),
    // ssm-001
    t("ssm-001", EXISTING, &["ssm:StartSession"],
      Existing { service: "ec2.amazonaws.com", lambda: false },
      "start a Session Manager shell on an instance whose profile holds the role"),
    // ssm-002
    t("ssm-002", EXISTING, &["ssm:SendCommand"],
      Existing { service: "ec2.amazonaws.com", lambda: false },
      "run a command on an instance whose profile holds the role"),
];

/// The technique with this id.
pub fn by_id(id: &str) -> Option<&'static Technique> {
    TECHNIQUES.iter().find(|t| t.id == id)
}

/// The vendored catalogue (`data/pathfinding-paths.json`, rebuilt by
/// `scripts/vendor_pathfinding.py`).
pub const CATALOGUE_JSON: &str = include_str!("../../data/pathfinding-paths.json");

/// One path of the vendored catalogue.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CataloguePath {
    /// Path id.
    pub id: String,
    /// Title (the required actions joined by ` + `).
    pub name: String,
    /// Category.
    pub category: String,
    /// Required permissions.
    pub required: Vec<CataloguePermission>,
}

/// A required permission of a catalogue path.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CataloguePermission {
    /// The action.
    pub permission: String,
    /// Free-text constraint on the resources.
    #[serde(rename = "resourceConstraints")]
    pub resource_constraints: String,
}

#[derive(serde::Deserialize)]
struct CatalogueFile {
    paths: Vec<CataloguePath>,
}

/// The paths of the vendored catalogue.
pub fn catalogue() -> Vec<CataloguePath> {
    serde_json::from_str::<CatalogueFile>(CATALOGUE_JSON)
        .map(|f| f.paths)
        .unwrap_or_default()
}

/// Required catalogue actions that a rule deliberately does not require, with why.
pub const NOT_REQUIRED: &[(&str, &str, &str)] = &[(
    "ec2instanceconnect-003",
    "ec2:DescribeInstances",
    "only used to discover the instance; not needed to push the key",
)];
