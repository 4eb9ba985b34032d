//! serde shapes of the AWS CLI outputs iamdl reads, exactly as the CLI prints them. Unknown
//! members are ignored (AWS adds fields over time); policy documents are kept raw and parsed by
//! [`super::policy_doc`].

#![allow(non_snake_case, missing_docs)]

use serde::Deserialize;
use serde_json::value::RawValue;

/// `aws iam get-account-authorization-details`.
#[derive(Debug, Deserialize)]
pub struct Gaad {
    #[serde(default)]
    pub UserDetailList: Vec<UserJ>,
    #[serde(default)]
    pub GroupDetailList: Vec<GroupJ>,
    #[serde(default)]
    pub RoleDetailList: Vec<RoleJ>,
    #[serde(default)]
    pub Policies: Vec<ManagedPolicyJ>,
}

#[derive(Debug, Deserialize)]
pub struct InlinePolicyJ {
    pub PolicyName: String,
    pub PolicyDocument: Box<RawValue>,
}

#[derive(Debug, Deserialize)]
pub struct AttachedJ {
    #[serde(default)]
    pub PolicyName: String,
    pub PolicyArn: String,
}

#[derive(Debug, Deserialize)]
pub struct BoundaryJ {
    pub PermissionsBoundaryArn: String,
}

#[derive(Debug, Deserialize)]
pub struct TagJ {
    pub Key: String,
    #[serde(default)]
    pub Value: String,
}

#[derive(Debug, Deserialize)]
pub struct UserJ {
    pub UserName: String,
    #[serde(default)]
    pub UserId: String,
    pub Arn: String,
    #[serde(default)]
    pub UserPolicyList: Vec<InlinePolicyJ>,
    #[serde(default)]
    pub GroupList: Vec<String>,
    #[serde(default)]
    pub AttachedManagedPolicies: Vec<AttachedJ>,
    pub PermissionsBoundary: Option<BoundaryJ>,
    #[serde(default)]
    pub Tags: Vec<TagJ>,
}

#[derive(Debug, Deserialize)]
pub struct GroupJ {
    pub GroupName: String,
    pub Arn: String,
    #[serde(default)]
    pub GroupPolicyList: Vec<InlinePolicyJ>,
    #[serde(default)]
    pub AttachedManagedPolicies: Vec<AttachedJ>,
}

#[derive(Debug, Deserialize)]
pub struct InstanceProfileJ {
    pub Arn: String,
}

#[derive(Debug, Deserialize)]
pub struct RoleJ {
    #[serde(default = "slash")]
    pub Path: String,
    pub RoleName: String,
    #[serde(default)]
    pub RoleId: String,
    pub Arn: String,
    pub AssumeRolePolicyDocument: Box<RawValue>,
    #[serde(default)]
    pub InstanceProfileList: Vec<InstanceProfileJ>,
    #[serde(default)]
    pub RolePolicyList: Vec<InlinePolicyJ>,
    #[serde(default)]
    pub AttachedManagedPolicies: Vec<AttachedJ>,
    pub PermissionsBoundary: Option<BoundaryJ>,
    #[serde(default)]
    pub Tags: Vec<TagJ>,
}

fn slash() -> String {
    "/".to_string()
}

#[derive(Debug, Deserialize)]
pub struct PolicyVersionJ {
    pub Document: Option<Box<RawValue>>,
    #[serde(default)]
    pub VersionId: String,
    #[serde(default)]
    pub IsDefaultVersion: bool,
}

#[derive(Debug, Deserialize)]
pub struct ManagedPolicyJ {
    #[serde(default)]
    pub PolicyName: String,
    pub Arn: String,
    #[serde(default)]
    pub DefaultVersionId: String,
    #[serde(default)]
    pub PolicyVersionList: Vec<PolicyVersionJ>,
}

/// `aws s3api list-buckets`.
#[derive(Debug, Deserialize)]
pub struct ListBuckets {
    #[serde(default)]
    pub Buckets: Vec<BucketJ>,
}

#[derive(Debug, Deserialize)]
pub struct BucketJ {
    pub Name: String,
}

/// `{"Policy": "<json string>"}`: get-bucket-policy, lambda get-policy, kms get-key-policy.
#[derive(Debug, Deserialize)]
pub struct PolicyString {
    pub Policy: Box<RawValue>,
}

/// `aws s3api get-public-access-block` / `aws s3control get-public-access-block`.
#[derive(Debug, Deserialize)]
pub struct PublicAccessBlockOut {
    pub PublicAccessBlockConfiguration: PublicAccessBlockJ,
}

#[derive(Debug, Deserialize, Default)]
pub struct PublicAccessBlockJ {
    #[serde(default)]
    pub BlockPublicAcls: bool,
    #[serde(default)]
    pub IgnorePublicAcls: bool,
    #[serde(default)]
    pub BlockPublicPolicy: bool,
    #[serde(default)]
    pub RestrictPublicBuckets: bool,
}

/// `aws lambda list-functions`.
#[derive(Debug, Deserialize)]
pub struct ListFunctions {
    #[serde(default)]
    pub Functions: Vec<FunctionJ>,
}

#[derive(Debug, Deserialize)]
pub struct FunctionJ {
    pub FunctionName: String,
    pub FunctionArn: String,
    pub Role: Option<String>,
}

/// `aws kms list-keys`.
#[derive(Debug, Deserialize)]
pub struct ListKeys {
    #[serde(default)]
    pub Keys: Vec<KeyJ>,
}

#[derive(Debug, Deserialize)]
pub struct KeyJ {
    pub KeyId: String,
    pub KeyArn: String,
}

/// `aws kms list-aliases`.
#[derive(Debug, Deserialize)]
pub struct ListAliases {
    #[serde(default)]
    pub Aliases: Vec<AliasJ>,
}

#[derive(Debug, Deserialize)]
pub struct AliasJ {
    pub AliasName: String,
    pub TargetKeyId: Option<String>,
}

/// `aws kms list-grants`.
#[derive(Debug, Deserialize)]
pub struct ListGrants {
    #[serde(default)]
    pub Grants: Vec<GrantJ>,
}

#[derive(Debug, Deserialize)]
pub struct GrantJ {
    pub GranteePrincipal: Option<String>,
    #[serde(default)]
    pub Operations: Vec<String>,
}

/// `aws sqs list-queues`.
#[derive(Debug, Deserialize)]
pub struct ListQueues {
    #[serde(default)]
    pub QueueUrls: Vec<String>,
}

/// `get-queue-attributes` / `get-topic-attributes`: `{"Attributes": {"Policy": "<json>", ...}}`.
#[derive(Debug, Deserialize)]
pub struct Attributes {
    pub Attributes: AttributesJ,
}

#[derive(Debug, Deserialize)]
pub struct AttributesJ {
    pub Policy: Option<Box<RawValue>>,
    pub TopicArn: Option<String>,
    pub QueueArn: Option<String>,
}

/// `aws sns list-topics`.
#[derive(Debug, Deserialize)]
pub struct ListTopics {
    #[serde(default)]
    pub Topics: Vec<TopicJ>,
}

#[derive(Debug, Deserialize)]
pub struct TopicJ {
    pub TopicArn: String,
}

/// `aws secretsmanager list-secrets`.
#[derive(Debug, Deserialize)]
pub struct ListSecrets {
    #[serde(default)]
    pub SecretList: Vec<SecretJ>,
}

#[derive(Debug, Deserialize)]
pub struct SecretJ {
    pub ARN: String,
    pub Name: String,
}

/// `aws secretsmanager get-resource-policy`.
#[derive(Debug, Deserialize)]
pub struct SecretPolicy {
    pub ARN: Option<String>,
    pub Name: Option<String>,
    pub ResourcePolicy: Option<Box<RawValue>>,
}

/// `aws organizations describe-organization`.
#[derive(Debug, Deserialize)]
pub struct DescribeOrganization {
    pub Organization: OrganizationJ,
}

#[derive(Debug, Deserialize)]
pub struct OrganizationJ {
    pub Id: String,
    pub MasterAccountId: String,
}

/// `aws organizations list-roots`.
#[derive(Debug, Deserialize)]
pub struct ListRoots {
    pub Roots: Vec<NamedIdJ>,
}

#[derive(Debug, Deserialize)]
pub struct NamedIdJ {
    pub Id: String,
    #[serde(default)]
    pub Name: String,
}

/// `aws organizations list-organizational-units-for-parent`.
#[derive(Debug, Deserialize)]
pub struct ListOus {
    pub OrganizationalUnits: Vec<NamedIdJ>,
}

/// `aws organizations list-accounts` / `list-accounts-for-parent`.
#[derive(Debug, Deserialize)]
pub struct ListAccounts {
    pub Accounts: Vec<NamedIdJ>,
}

/// `aws organizations describe-policy`.
#[derive(Debug, Deserialize)]
pub struct DescribePolicy {
    pub Policy: OrgPolicyJ,
}

#[derive(Debug, Deserialize)]
pub struct OrgPolicyJ {
    pub PolicySummary: OrgPolicySummaryJ,
    pub Content: Box<RawValue>,
}

#[derive(Debug, Deserialize)]
pub struct OrgPolicySummaryJ {
    pub Id: String,
    #[serde(default)]
    pub Arn: String,
    #[serde(default)]
    pub Name: String,
    #[serde(default)]
    pub Type: String,
}

/// `aws organizations list-targets-for-policy`.
#[derive(Debug, Deserialize)]
pub struct ListTargets {
    pub Targets: Vec<TargetJ>,
}

#[derive(Debug, Deserialize)]
pub struct TargetJ {
    pub TargetId: String,
}
