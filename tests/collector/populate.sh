#!/usr/bin/env bash
# Creates a small organization in a local AWS emulator (moto server) with the AWS CLI, for the
# end-to-end test of scripts/collect-snapshot.sh (tests/collector.rs).
# Usage: populate.sh ENDPOINT_URL WORKDIR   (prints the member account id on stdout)
set -euo pipefail
EP="$1"
WORK="$2"
mkdir -p -- "$WORK"
export AWS_DEFAULT_REGION=us-east-1
a() { aws --endpoint-url "$EP" --output json "$@"; }
q() { aws --endpoint-url "$EP" --output text "$@"; }
ACCT="$(q sts get-caller-identity --query Account)"

# Independent parts run at once (each CLI call costs a Python start-up); `wait` checks each.
iam_and_lambda() {
# IAM: a group with an inline policy, two users, a role for Lambda with a managed policy.
a iam create-group --group-name devs >/dev/null
a iam put-group-policy --group-name devs --policy-name read-data --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data-'"$ACCT"'/*"}]}'
a iam create-user --user-name alice >/dev/null
a iam add-user-to-group --group-name devs --user-name alice
a iam create-user --user-name bob >/dev/null
POL_ARN="$(q iam create-policy --policy-name app-write --query Policy.Arn --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","kms:Decrypt"],"Resource":"*"}]}')"
a iam create-role --role-name app-role --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
a iam attach-role-policy --role-name app-role --policy-arn "$POL_ARN"
a iam create-role --role-name ops --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'"$ACCT"':user/alice"},"Action":"sts:AssumeRole"}]}' >/dev/null
a iam put-role-policy --role-name ops --policy-name ops --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}'


# Lambda: a function (never invoked, so no container is needed) S3 may invoke.
python3 - "$WORK/fn.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("index.py", "def handler(event, context):\n    return 1\n")
PY
a lambda create-function --function-name thumbnailer --runtime python3.12 --handler index.handler \
    --role "arn:aws:iam::$ACCT:role/app-role" --zip-file "fileb://$WORK/fn.zip" >/dev/null
a lambda add-permission --function-name thumbnailer --statement-id s3 --action lambda:InvokeFunction \
    --principal s3.amazonaws.com --source-account "$ACCT" --source-arn "arn:aws:s3:::data-$ACCT" >/dev/null
a lambda create-function --function-name no-policy --runtime python3.12 --handler index.handler \
    --role "arn:aws:iam::$ACCT:role/app-role" --zip-file "fileb://$WORK/fn.zip" >/dev/null
}

s3_part() {
# S3: a bucket whose policy lets bob read public/*.
a s3api create-bucket --bucket "data-$ACCT" >/dev/null
a s3api put-bucket-policy --bucket "data-$ACCT" --policy \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'"$ACCT"':user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data-'"$ACCT"'/public/*"}]}'
a s3api create-bucket --bucket "logs-$ACCT" >/dev/null
a s3api put-public-access-block --bucket "logs-$ACCT" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
}

other_part() {
# KMS: a key whose policy lets the account's IAM policies decide (the default key policy).
a kms create-key --description e2e >/dev/null

# SQS, SNS and a secret with a slash in its name and a resource policy.
a sqs create-queue --queue-name jobs >/dev/null
a sns create-topic --name events >/dev/null
SECRET_ARN="$(q secretsmanager create-secret --name prod/db-password --secret-string x --query ARN)"
a secretsmanager put-resource-policy --secret-id "$SECRET_ARN" --resource-policy \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'"$ACCT"':user/bob"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}' >/dev/null

}

org_part() {
# Organization: one member account in an OU whose SCP denies sqs:*.
a organizations create-organization --feature-set ALL >/dev/null
ROOT="$(q organizations list-roots --query 'Roots[0].Id')"
OU="$(q organizations create-organizational-unit --parent-id "$ROOT" --name workloads --query OrganizationalUnit.Id)"
MEMBER="$(q organizations create-account --email member@example.com --account-name member --query CreateAccountStatus.AccountId)"
a organizations move-account --account-id "$MEMBER" --source-parent-id "$ROOT" --destination-parent-id "$OU"
SCP="$(q organizations create-policy --name no-sqs --type SERVICE_CONTROL_POLICY --description x --query Policy.PolicySummary.Id \
    --content '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:*","Resource":"*"}]}')"
a organizations attach-policy --policy-id "$SCP" --target-id "$OU"

# In the member account (entered as the collector does): an admin user.
read -r AK SK ST < <(q sts assume-role --role-arn "arn:aws:iam::$MEMBER:role/OrganizationAccountAccessRole" \
    --role-session-name populate --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]')
AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST" \
    aws --endpoint-url "$EP" iam create-user --user-name carol >/dev/null
AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST" \
    aws --endpoint-url "$EP" iam put-user-policy --user-name carol --policy-name admin --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
printf '%s\n' "$MEMBER" >"$WORK/member"
}

hostile_part() {
# Hostile names (tests/collector.rs checks that none is executed, expanded, read as a path or
# taken for an option, and that each round-trips through its encoded file name):
# a function whose name starts with '-', a function named as a file:// URL of a canary file (an
# AWS CLI given that name as a parameter would read the file and send its content instead),
# and a secret whose name holds '..', '/', a command substitution, a glob and spaces.
# (The URL-named function is made through --cli-input-json, which the CLI does not load from;
# moto cannot serve a name with '/' in a URL path, so its get-policy fails there, by ARN.)
printf 'leaked-canary' >"$WORK/canary"
python3 - "$WORK/hfn.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("index.py", "def handler(event, context):\n    return 1\n")
PY
a iam create-role --role-name hostile-fn-role --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
a lambda create-function --function-name=-dash --runtime python3.12 --handler index.handler \
    --role "arn:aws:iam::$ACCT:role/hostile-fn-role" --zip-file "fileb://$WORK/hfn.zip" >/dev/null
a lambda add-permission --function-name=-dash --statement-id s3 --action lambda:InvokeFunction \
    --principal s3.amazonaws.com --source-account "$ACCT" >/dev/null
a lambda create-function --cli-input-json "{\"FunctionName\": \"file://$WORK/canary\"}" \
    --runtime python3.12 --handler index.handler \
    --role "arn:aws:iam::$ACCT:role/hostile-fn-role" --zip-file "fileb://$WORK/hfn.zip" >/dev/null
# shellcheck disable=SC2016  # the $(...) is the name, not an expansion
SECRET_ARN="$(q secretsmanager create-secret --name '../../$(touch pwned) *x' --secret-string x --query ARN)"
a secretsmanager put-resource-policy --secret-id "$SECRET_ARN" --resource-policy \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'"$ACCT"':user/bob"},"Action":"secretsmanager:DescribeSecret","Resource":"*"}]}' >/dev/null
}

iam_and_lambda & P1=$!
s3_part & P2=$!
other_part & P3=$!
org_part & P4=$!
hostile_part & P5=$!
for p in "$P1" "$P2" "$P3" "$P4" "$P5"; do
    wait "$p"
done
cat -- "$WORK/member"
