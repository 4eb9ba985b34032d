//! SAM (`Transform: AWS::Serverless-2016-10-31`): an `AWS::Serverless::Function` becomes a Lambda
//! function with, unless it names a `Role`, a generated execution role `STACK-LogicalIdRole`
//! trusted by `lambda.amazonaws.com` and holding `AWSLambdaBasicExecutionRole` plus its
//! `Policies`: managed policy names or ARNs, inline documents, and SAM policy templates by name
//! (the common ones are bundled). Events that invoke the function add Lambda permissions;
//! poll-based events (SQS, Kinesis, DynamoDB) add the execution policies SAM adds.

use super::cfn::Res;
use super::intrinsics::Resolver;
use super::{symbolic, text_of, Layer};
use crate::iam::*;
use serde_json::{json, Value};

/// Adds a SAM function, its role and its event permissions.
pub fn function(layer: &mut Layer, rv: &mut Resolver, r: &Res) -> Result<(), Diagnostic> {
    let name = rv.name_of(&r.logical)?;
    let (p, reg, acct) = (
        layer.partition.clone(),
        layer.region.clone(),
        layer.account.clone(),
    );
    let fn_arn = format!("arn:{p}:lambda:{reg}:{acct}:function:{name}");
    let role_arn = match r.text("Role") {
        Some(role) => layer.role_arn(&role),
        None => {
            let role_name = format!("{}-{}Role", rv.stack, r.logical);
            let role_arn = format!("arn:{p}:iam::{acct}:role/{role_name}");
            let trust_doc = r.get("AssumeRolePolicyDocument").cloned().unwrap_or_else(|| {
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            });
            let trust = layer.add_policy(
                &trust_doc,
                &r.loc,
                format!("trust policy of {role_arn}"),
                None,
                PolicyKind::Resource(ResourceKind::IamRole),
                &r.logical,
            );
            let mut pols = Vec::new();
            let mut managed = vec![format!(
                "arn:{p}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            )];
            if r.get("VpcConfig").is_some() {
                managed.push(format!(
                    "arn:{p}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
                ));
            }
            if r.text("Tracing").as_deref() == Some("Active") {
                managed.push(format!("arn:{p}:iam::aws:policy/AWSXrayWriteOnlyAccess"));
            }
            if let Some(Value::Object(events)) = r.get("Events") {
                for e in events.values() {
                    let extra = match e.get("Type").and_then(Value::as_str) {
                        Some("SQS") => "AWSLambdaSQSQueueExecutionRole",
                        Some("Kinesis") => "AWSLambdaKinesisExecutionRole",
                        Some("DynamoDB") => "AWSLambdaDynamoDBExecutionRole",
                        _ => continue,
                    };
                    let a = format!("arn:{p}:iam::aws:policy/service-role/{extra}");
                    if !managed.contains(&a) {
                        managed.push(a);
                    }
                }
            }
            let policies = match r.get("Policies") {
                Some(Value::Array(a)) => a.clone(),
                Some(other) => vec![other.clone()],
                None => Vec::new(),
            };
            for (i, wrapped) in policies.iter().enumerate() {
                let at = format!("{}[{i}]", r.at("Policies"));
                // An entry kept only under an undecidable outcome is added as a guarded copy.
                let (entry, guard) = super::branches::unwrap_guarded(wrapped);
                let pol = &entry;
                let suffix: String = guard
                    .iter()
                    .map(|(n, h)| format!("{}{n}={h}", super::branches::GUARD_SEP))
                    .collect();
                let owner = if guard.is_empty() {
                    r.logical.clone()
                } else {
                    super::cfn::guarded_owner(layer, r, &format!("Policies[{i}]{suffix}"), guard)
                };
                match pol {
                    Value::String(s) => managed.push(if s.starts_with("arn:") {
                        format!("{s}{suffix}")
                    } else {
                        format!("arn:{p}:iam::aws:policy/{s}{suffix}")
                    }),
                    Value::Object(m) if m.contains_key("Statement") => {
                        if let Some(pid) = layer.add_policy(
                            pol,
                            &at,
                            format!("inline policy {}Policy{i} of {role_arn}", r.logical),
                            None,
                            PolicyKind::Inline,
                            &owner,
                        ) {
                            pols.push(pid);
                        }
                    }
                    Value::Object(m) if m.len() == 1 || m.iter().any(|(_, v)| v.is_null()) => {
                        // `- S3ReadPolicy:` with its arguments mis-indented as siblings is accepted
                        // by SAM: the null-valued key is the template, the rest its arguments.
                        let (tname, args) = if m.len() == 1 {
                            let (k, v) = m.iter().next().expect("one entry");
                            (k.clone(), v.clone())
                        } else {
                            let (k, _) = m.iter().find(|(_, v)| v.is_null()).expect("null entry");
                            let rest: serde_json::Map<String, Value> = m.iter().filter(|(x, _)| *x != k).map(|(a, b)| (a.clone(), b.clone())).collect();
                            (k.clone(), Value::Object(rest))
                        };
                        let (tname, args) = (&tname, &args);
                        match policy_template(tname, args, layer) {
                            Some(doc) => {
                                if let Some(pid) = layer.add_policy(
                                    &doc,
                                    &at,
                                    format!("SAM policy template {tname} of {role_arn}"),
                                    None,
                                    PolicyKind::Inline,
                                    &owner,
                                ) {
                                    pols.push(pid);
                                }
                            }
                            None => layer.warn(
                                at,
                                format!("`{}`: SAM policy template `{tname}` is not bundled with iamdl: its permissions are not counted", r.logical),
                            ),
                        }
                    }
                    _ => layer.error(
                        at,
                        "expected a managed policy name or ARN, a policy document or a SAM policy template",
                    ),
                }
            }
            for m in managed {
                let (arn, guard) = super::branches::split_guarded(&m);
                let owner = if guard.is_empty() {
                    r.logical.clone()
                } else {
                    super::cfn::guarded_owner(layer, r, &m, guard)
                };
                if let Some(pid) = layer.managed_policy(arn, &r.at("Policies"), &owner) {
                    pols.push(pid);
                }
            }
            let b = super::cfn::boundary_of(layer, r);
            layer.add_role(&role_arn, &role_name, "/", trust, pols, b, Vec::new());
            role_arn
        }
    };
    layer.add_function(&fn_arn, Some(role_arn));
    if let Some(Value::Object(events)) = r.get("Events") {
        for (ename, e) in events {
            let props = e.get("Properties").cloned().unwrap_or(json!({}));
            let sid = format!("{}{ename}Permission", r.logical);
            let (principal, source_arn, source_account) =
                match e.get("Type").and_then(Value::as_str) {
                    Some("Api") | Some("HttpApi") => {
                        let api = props
                            .get("RestApiId")
                            .or_else(|| props.get("ApiId"))
                            .and_then(text_of)
                            .unwrap_or_else(|| format!("{}-ServerlessRestApi", rv.stack));
                        (
                            "apigateway.amazonaws.com",
                            Some(format!("arn:{p}:execute-api:{reg}:{acct}:{api}/*")),
                            None,
                        )
                    }
                    Some("S3") => ("s3.amazonaws.com", None, Some(acct.clone())),
                    Some("SNS") => (
                        "sns.amazonaws.com",
                        props.get("Topic").and_then(text_of),
                        None,
                    ),
                    Some("Schedule") | Some("CloudWatchEvent") | Some("EventBridgeRule") => (
                        "events.amazonaws.com",
                        Some(format!(
                            "arn:{p}:events:{reg}:{acct}:rule/{}",
                            symbolic(&format!("{}{ename} rule", r.logical))
                        )),
                        None,
                    ),
                    Some("CloudWatchLogs") => ("logs.amazonaws.com", None, None),
                    Some("IoTRule") => ("iot.amazonaws.com", None, Some(acct.clone())),
                    Some("Cognito") => ("cognito-idp.amazonaws.com", None, None),
                    Some("AlexaSkill") => ("alexa-appkit.amazon.com", None, None),
                    _ => continue,
                };
            let st = super::lambda_permission_statement(
                &sid,
                principal,
                "lambda:InvokeFunction",
                &fn_arn,
                source_arn.as_deref(),
                source_account.as_deref(),
                None,
                None,
            );
            layer.add_resource_statement(
                &fn_arn,
                ResourceKind::LambdaFunction,
                st,
                &r.at("Events"),
                &r.logical,
            );
        }
    }
    Ok(())
}

/// The SAM policy template `name` filled with `args` (missing arguments stay symbolic).
pub fn policy_template(name: &str, args: &Value, layer: &Layer) -> Option<Value> {
    let (p, r, a) = (&layer.partition, &layer.region, &layer.account);
    let arg = |k: &str| {
        args.get(k)
            .and_then(text_of)
            .unwrap_or_else(|| symbolic(&format!("{name}.{k}")))
    };
    let st = |actions: &[&str], res: Vec<String>| json!({"Effect": "Allow", "Action": actions, "Resource": res});
    let table = |t: &str| format!("arn:{p}:dynamodb:{r}:{a}:table/{t}");
    let stmts = match name {
        "SQSPollerPolicy" => vec![st(
            &[
                "sqs:ChangeMessageVisibility",
                "sqs:ChangeMessageVisibilityBatch",
                "sqs:DeleteMessage",
                "sqs:DeleteMessageBatch",
                "sqs:GetQueueAttributes",
                "sqs:ReceiveMessage",
            ],
            vec![format!("arn:{p}:sqs:{r}:{a}:{}", arg("QueueName"))],
        )],
        "SQSSendMessagePolicy" => vec![st(
            &["sqs:SendMessage*"],
            vec![format!("arn:{p}:sqs:{r}:{a}:{}", arg("QueueName"))],
        )],
        "LambdaInvokePolicy" => vec![st(
            &["lambda:InvokeFunction"],
            vec![format!(
                "arn:{p}:lambda:{r}:{a}:function:{}*",
                arg("FunctionName")
            )],
        )],
        "CloudWatchPutMetricPolicy" => vec![st(&["cloudwatch:PutMetricData"], vec!["*".into()])],
        "DynamoDBCrudPolicy" => vec![st(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            vec![
                table(&arg("TableName")),
                format!("{}/index/*", table(&arg("TableName"))),
            ],
        )],
        "DynamoDBReadPolicy" => vec![st(
            &[
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            vec![
                table(&arg("TableName")),
                format!("{}/index/*", table(&arg("TableName"))),
            ],
        )],
        "DynamoDBWritePolicy" => vec![st(
            &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
            ],
            vec![
                table(&arg("TableName")),
                format!("{}/index/*", table(&arg("TableName"))),
            ],
        )],
        "DynamoDBStreamReadPolicy" => vec![
            st(
                &[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                ],
                vec![format!(
                    "{}/stream/{}",
                    table(&arg("TableName")),
                    arg("StreamName")
                )],
            ),
            st(
                &["dynamodb:ListStreams"],
                vec![format!("{}/stream/*", table(&arg("TableName")))],
            ),
        ],
        "S3ReadPolicy" => vec![st(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            vec![
                format!("arn:{p}:s3:::{}", arg("BucketName")),
                format!("arn:{p}:s3:::{}/*", arg("BucketName")),
            ],
        )],
        "S3WritePolicy" => vec![st(
            &[
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:PutLifecycleConfiguration",
            ],
            vec![
                format!("arn:{p}:s3:::{}", arg("BucketName")),
                format!("arn:{p}:s3:::{}/*", arg("BucketName")),
            ],
        )],
        "S3CrudPolicy" => vec![st(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            vec![
                format!("arn:{p}:s3:::{}", arg("BucketName")),
                format!("arn:{p}:s3:::{}/*", arg("BucketName")),
            ],
        )],
        "S3FullAccessPolicy" => vec![
            st(
                &[
                    "s3:GetObject",
                    "s3:GetObjectAcl",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:PutObjectAcl",
                    "s3:DeleteObject",
                    "s3:DeleteObjectTagging",
                    "s3:DeleteObjectVersionTagging",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObjectTagging",
                    "s3:PutObjectVersionTagging",
                ],
                vec![format!("arn:{p}:s3:::{}/*", arg("BucketName"))],
            ),
            st(
                &[
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                ],
                vec![format!("arn:{p}:s3:::{}", arg("BucketName"))],
            ),
        ],
        "SNSPublishMessagePolicy" => vec![st(
            &["sns:Publish"],
            vec![format!("arn:{p}:sns:{r}:{a}:{}", arg("TopicName"))],
        )],
        "SNSCrudPolicy" => vec![st(
            &[
                "sns:ListSubscriptionsByTopic",
                "sns:CreateTopic",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:Publish",
            ],
            vec![format!("arn:{p}:sns:{r}:{a}:{}*", arg("TopicName"))],
        )],
        "StepFunctionsExecutionPolicy" => vec![st(
            &["states:StartExecution"],
            vec![format!(
                "arn:{p}:states:{r}:{a}:stateMachine:{}",
                arg("StateMachineName")
            )],
        )],
        "KMSDecryptPolicy" => vec![st(
            &["kms:Decrypt"],
            vec![format!("arn:{p}:kms:{r}:{a}:key/{}", arg("KeyId"))],
        )],
        "KMSEncryptPolicy" => vec![st(
            &["kms:Encrypt"],
            vec![format!("arn:{p}:kms:{r}:{a}:key/{}", arg("KeyId"))],
        )],
        "SSMParameterReadPolicy" => vec![
            st(&["ssm:DescribeParameters"], vec!["*".into()]),
            st(
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                vec![format!(
                    "arn:{p}:ssm:{r}:{a}:parameter/{}",
                    arg("ParameterName")
                )],
            ),
        ],
        "SSMParameterWithSlashPrefixReadPolicy" => vec![
            st(&["ssm:DescribeParameters"], vec!["*".into()]),
            st(
                &[
                    "ssm:GetParameters",
                    "ssm:GetParameter",
                    "ssm:GetParametersByPath",
                ],
                vec![format!(
                    "arn:{p}:ssm:{r}:{a}:parameter{}",
                    arg("ParameterName")
                )],
            ),
        ],
        "AWSSecretsManagerGetSecretValuePolicy" => vec![st(
            &["secretsmanager:GetSecretValue"],
            vec![arg("SecretArn")],
        )],
        "EventBridgePutEventsPolicy" => vec![st(
            &["events:PutEvents"],
            vec![format!(
                "arn:{p}:events:{r}:{a}:event-bus/{}",
                arg("EventBusName")
            )],
        )],
        "KinesisStreamReadPolicy" => vec![
            st(
                &["kinesis:ListStreams", "kinesis:DescribeLimits"],
                vec![format!("arn:{p}:kinesis:{r}:{a}:stream/*")],
            ),
            st(
                &[
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                ],
                vec![format!(
                    "arn:{p}:kinesis:{r}:{a}:stream/{}",
                    arg("StreamName")
                )],
            ),
        ],
        "KinesisCrudPolicy" => vec![st(
            &[
                "kinesis:AddTagsToStream",
                "kinesis:CreateStream",
                "kinesis:DecreaseStreamRetentionPeriod",
                "kinesis:DeleteStream",
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetShardIterator",
                "kinesis:IncreaseStreamRetentionPeriod",
                "kinesis:ListTagsForStream",
                "kinesis:MergeShards",
                "kinesis:PutRecord",
                "kinesis:PutRecords",
                "kinesis:SplitShard",
                "kinesis:RemoveTagsFromStream",
            ],
            vec![format!(
                "arn:{p}:kinesis:{r}:{a}:stream/{}",
                arg("StreamName")
            )],
        )],
        "FilterLogEventsPolicy" => vec![st(
            &["logs:FilterLogEvents"],
            vec![format!(
                "arn:{p}:logs:{r}:{a}:log-group:{}:log-stream:*",
                arg("LogGroupName")
            )],
        )],
        "VPCAccessPolicy" => vec![st(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            vec!["*".into()],
        )],
        "SESCrudPolicy" => vec![st(
            &[
                "ses:GetIdentityVerificationAttributes",
                "ses:SendEmail",
                "ses:SendRawEmail",
                "ses:VerifyEmailIdentity",
            ],
            vec![format!(
                "arn:{p}:ses:{r}:{a}:identity/{}",
                arg("IdentityName")
            )],
        )],
        "RekognitionDetectOnlyPolicy" => vec![st(
            &[
                "rekognition:DetectFaces",
                "rekognition:DetectLabels",
                "rekognition:DetectModerationLabels",
                "rekognition:DetectText",
            ],
            vec!["*".into()],
        )],
        "ComprehendBasicAccessPolicy" => vec![st(
            &[
                "comprehend:BatchDetectKeyPhrases",
                "comprehend:DetectDominantLanguage",
                "comprehend:DetectEntities",
                "comprehend:BatchDetectEntities",
                "comprehend:DetectKeyPhrases",
                "comprehend:DetectSentiment",
                "comprehend:BatchDetectDominantLanguage",
                "comprehend:BatchDetectSentiment",
            ],
            vec!["*".into()],
        )],
        "TextractPolicy" => vec![st(&["textract:*"], vec!["*".into()])],
        "EC2DescribePolicy" => vec![st(
            &["ec2:DescribeRegions", "ec2:DescribeInstances"],
            vec!["*".into()],
        )],
        "CloudWatchDescribeAlarmHistoryPolicy" => {
            vec![st(&["cloudwatch:DescribeAlarmHistory"], vec!["*".into()])]
        }
        "AMIDescribePolicy" => vec![st(&["ec2:DescribeImages"], vec!["*".into()])],
        _ => return None,
    };
    Some(json!({"Version": "2012-10-17", "Statement": stmts}))
}
