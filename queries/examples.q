# The examples of the query language, on facts/examples/query-demo/env:
#   iamdl run --env facts/examples/query-demo/env queries/examples.q

# Who can read the report objects (directly or through role chains)?
who can s3:GetObject on arn:aws:s3:::reports/*

# Everyone who can do anything to the bucket or its objects, by access level.
who can reach arn:aws:s3:::reports

# One request, explained: lambda-exec's PassRole is conditional on iam:PassedToService.
can role/lambda-exec do iam:PassRole on role/transcribe-data

# P9: PassRole by the caller and the role's trust of the service.
can role/lambda-exec pass role/transcribe-data to transcribe.amazonaws.com

# The catalog's object actions that alice may perform.
what can user/alice do on arn:aws:s3:::reports/*

# Role chains: alice -> ops -> OrganizationAdmin.
path from user/alice to role/OrganizationAdmin

# Explanations: the statements that allow, the layers that deny.
why can user/alice do s3:GetObject on arn:aws:s3:::reports/q1.csv
why not role/app-dev-lambdaRole do cloudwatch:GetMetricStatistics on *

# Request context: the CloudTrail grant needs aws:SourceAccount.
who can kms:Decrypt on arn:aws:kms:eu-west-1:111111111111:key/abcd with aws:SourceAccount = "111111111111"

# Datalog: writers from another account than the resource's.
?- allowed(P, "s3:PutObject", R), account(P, A), resource_account(R, B), A != B.

# The same as a rule, then queried.
external_writers(P, R) :- allowed(P, "s3:PutObject", R), account(P, A), resource_account(R, B), A != B.
?- external_writers(P, _).

# Triage (issue 4): a pasted AccessDenied message reproduced, its cause named, the smallest
# fix proposed and re-checked in memory (the same as `iamdl explain-error`).
explain error "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::reports/q1.csv because no identity-based policy allows the s3:PutObject action"

# What a call needs, each requirement met or missing with its fix (the same as `iamdl needs`;
# options: passing ROLE, reading ARN, ..., from SOURCE_ARN, encrypted with KEY_ARN).
needs user/alice for s3:PutObject on arn:aws:s3:::reports/q1.csv
