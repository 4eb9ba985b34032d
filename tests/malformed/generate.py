#!/usr/bin/env python3
"""Writes the malformed-input corpus (tests/malformed/<case>/env/...).

Each case is a snapshot folder with one defect; tests/malformed.rs runs the real binary on it
and checks the exit code (2), that nothing panicked, and that stderr contains every line of
<case>/expect.txt (file name, JSON path or line, what was expected). Re-run after editing:
    python3 tests/malformed/generate.py
expect.txt files are written only when missing (they are checked by hand).
"""
import json, os, shutil, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
A = "111111111111"
GAAD = f"accounts/{A}/iam/get-account-authorization-details.json"

def doc(*stmts):
    return {"Version": "2012-10-17", "Statement": list(stmts)}

ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})

def user(name="u", **kw):
    u = {"UserName": name, "UserId": "AIDA" + name.upper(), "Arn": f"arn:aws:iam::{A}:user/{name}",
         "Path": "/", "GroupList": [], "AttachedManagedPolicies": [], "UserPolicyList": []}
    u.update(kw)
    return u

def role(name="r", **kw):
    r = {"RoleName": name, "RoleId": "AROA" + name.upper(), "Arn": f"arn:aws:iam::{A}:role/{name}",
         "Path": "/", "AssumeRolePolicyDocument": TRUST, "RolePolicyList": [],
         "AttachedManagedPolicies": [], "InstanceProfileList": []}
    r.update(kw)
    return r

def gaad(users=(), roles=(), groups=(), policies=()):
    return {"UserDetailList": list(users), "GroupDetailList": list(groups),
            "RoleDetailList": list(roles), "Policies": list(policies)}

def inline(d, name="p"):
    return {"PolicyName": name, "PolicyDocument": d}

OK_GAAD = gaad(users=[user(UserPolicyList=[inline(doc(ALLOW))])])

cases = {}

def case(name, files):
    cases[name] = files

def gaad_user_policy(d):
    return {GAAD: gaad(users=[user(UserPolicyList=[inline(d)])])}

def bucket(policy_file_content, extra=None):
    f = {GAAD: OK_GAAD,
         f"accounts/{A}/s3/list-buckets.json": {"Buckets": [{"Name": "b"}]},
         f"accounts/{A}/s3/get-bucket-policy/b.json": policy_file_content}
    f.update(extra or {})
    return f

def bpol(*stmts):
    return {"Policy": json.dumps(doc(*stmts))}

RAW = object()  # marker: the value is written as raw text

# --- whole-file problems ---
case("gaad-truncated", {GAAD: (RAW, '{"UserDetailList": [ {"UserName": "u",')})
case("gaad-empty-file", {GAAD: (RAW, "")})
case("gaad-top-level-array", {GAAD: []})
case("gaad-trailing-garbage", {GAAD: (RAW, json.dumps(OK_GAAD) + " trailing")})
case("gaad-invalid-utf8", {GAAD: (RAW, b'{"UserDetailList": [{"UserName": "\xff\xfe"}]}')})
case("gaad-single-quotes", {GAAD: (RAW, "{'UserDetailList': []}")})
# --- entity shapes ---
case("gaad-user-missing-arn", {GAAD: gaad(users=[{"UserName": "u"}])})
case("gaad-user-name-number", {GAAD: gaad(users=[user(UserName=5)])})
case("gaad-role-missing-trust", {GAAD: gaad(roles=[{k: v for k, v in role().items() if k != "AssumeRolePolicyDocument"}])})
case("gaad-grouplist-not-array", {GAAD: gaad(users=[user(GroupList="admins")])})
case("gaad-user-unknown-group", {GAAD: gaad(users=[user(GroupList=["ghosts"])])})
case("gaad-attached-policy-missing", {GAAD: gaad(users=[user(AttachedManagedPolicies=[{"PolicyName": "x", "PolicyArn": f"arn:aws:iam::{A}:policy/x"}])])})
case("gaad-managed-no-default-version", {GAAD: gaad(policies=[{"PolicyName": "m", "Arn": f"arn:aws:iam::{A}:policy/m", "DefaultVersionId": "v2", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": False, "Document": doc(ALLOW)}]}])})
case("gaad-managed-no-document", {GAAD: gaad(policies=[{"PolicyName": "m", "Arn": f"arn:aws:iam::{A}:policy/m", "DefaultVersionId": "v1", "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True}]}])})
# --- policy documents ---
case("policy-effect-permit", gaad_user_policy(doc({"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"})))
case("policy-no-statement", gaad_user_policy({"Version": "2012-10-17"}))
case("policy-statement-number", gaad_user_policy(doc(5)))
case("policy-action-and-notaction", gaad_user_policy(doc({"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"})))
case("policy-no-action", gaad_user_policy(doc({"Effect": "Allow", "Resource": "*"})))
case("policy-no-resource", gaad_user_policy(doc({"Effect": "Allow", "Action": "s3:*"})))
case("policy-principal-in-identity", gaad_user_policy(doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})))
case("policy-action-not-string", gaad_user_policy(doc({"Effect": "Allow", "Action": [1], "Resource": "*"})))
case("policy-bad-version", gaad_user_policy({"Version": "2019-01-01", "Statement": [ALLOW]}))
case("policy-condition-value-object", gaad_user_policy(doc(dict(ALLOW, Condition={"StringEquals": {"aws:username": {"a": 1}}}))))
case("policy-condition-not-object", gaad_user_policy(doc(dict(ALLOW, Condition="aws:username=x"))))
case("policy-urlencoded-truncated", {GAAD: gaad(users=[user(UserPolicyList=[inline(urllib.parse.quote(json.dumps(doc(ALLOW)))[:-9])])])})
case("trust-not-json", {GAAD: gaad(roles=[role(AssumeRolePolicyDocument="{not json")])})
case("policy-document-array", {GAAD: gaad(users=[user(UserPolicyList=[inline([])])])})
case("policy-string-holding-array", bucket({"Policy": "[1, 2]"}))
case("policy-statement-empty-object", gaad_user_policy(doc({})))
# --- resource policies ---
case("bucket-policy-missing-field", bucket({}))
case("bucket-policy-string-not-json", bucket({"Policy": "not json"}))
case("bucket-policy-no-principal", bucket(bpol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})))
case("bucket-policy-bad-principal-key", bucket(bpol({"Effect": "Allow", "Principal": {"Users": "x"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})))
case("bucket-pab-not-bool", bucket(bpol({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}),
     {f"accounts/{A}/s3/get-public-access-block/b.json": {"PublicAccessBlockConfiguration": {"BlockPublicAcls": "yes"}}}))
case("list-buckets-not-array", {GAAD: OK_GAAD, f"accounts/{A}/s3/list-buckets.json": {"Buckets": {"Name": "b"}}})
case("function-policy-orphan-no-arn", {GAAD: OK_GAAD, f"accounts/{A}/lambda/get-policy/f.json": {"Policy": json.dumps(doc({"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"}))}})
case("list-functions-missing-arn", {GAAD: OK_GAAD, f"accounts/{A}/lambda/list-functions.json": {"Functions": [{"FunctionName": "f"}]}})
case("key-policy-not-in-inventory", {GAAD: OK_GAAD, f"accounts/{A}/kms/get-key-policy/k1.json": {"Policy": json.dumps(doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*", "Resource": "*"})), "PolicyName": "default"}})
case("list-grants-not-array", {GAAD: OK_GAAD,
     f"accounts/{A}/kms/list-keys.json": {"Keys": [{"KeyId": "k1", "KeyArn": f"arn:aws:kms:us-east-1:{A}:key/k1"}]},
     f"accounts/{A}/kms/list-grants/k1.json": {"Grants": "none"}})
case("list-keys-missing-keyarn", {GAAD: OK_GAAD, f"accounts/{A}/kms/list-keys.json": {"Keys": [{"KeyId": "k1"}]}})
case("queue-policy-bad-json", {GAAD: OK_GAAD,
     f"accounts/{A}/sqs/list-queues.json": {"QueueUrls": [f"https://sqs.us-east-1.amazonaws.com/{A}/q"]},
     f"accounts/{A}/sqs/get-queue-attributes/q.json": {"Attributes": {"Policy": "{\"Version\": \"2012-10-17\", \"Statement\": [", "QueueArn": f"arn:aws:sqs:us-east-1:{A}:q"}}})
case("topic-orphan-no-arn", {GAAD: OK_GAAD, f"accounts/{A}/sns/get-topic-attributes/t.json": {"Attributes": {"Owner": A}}})
case("secret-policy-effect-missing", {GAAD: OK_GAAD,
     f"accounts/{A}/secretsmanager/list-secrets.json": {"SecretList": [{"ARN": f"arn:aws:secretsmanager:us-east-1:{A}:secret:s-AbCdEf", "Name": "s"}]},
     f"accounts/{A}/secretsmanager/get-resource-policy/s.json": {"ARN": f"arn:aws:secretsmanager:us-east-1:{A}:secret:s-AbCdEf", "Name": "s", "ResourcePolicy": json.dumps(doc({"Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))}})
# --- organization ---
ORG = {"organization/describe-organization.json": {"Organization": {"Id": "o-abc1234567", "MasterAccountId": A, "Arn": f"arn:aws:organizations::{A}:organization/o-abc1234567"}},
       "organization/list-roots.json": {"Roots": [{"Id": "r-ab12", "Name": "Root"}]},
       "organization/list-accounts.json": {"Accounts": [{"Id": A, "Name": "a"}]},
       "organization/list-accounts-for-parent/r-ab12.json": {"Accounts": [{"Id": A, "Name": "a"}]}}
def org(extra):
    f = {GAAD: OK_GAAD}
    f.update(ORG)
    f.update(extra)
    return f
case("org-scp-content-not-json", org({"organization/describe-policy/p-1.json": {"Policy": {"PolicySummary": {"Id": "p-1", "Name": "x", "Type": "SERVICE_CONTROL_POLICY"}, "Content": "{oops"}}}))
case("org-describe-policy-no-summary", org({"organization/describe-policy/p-1.json": {"Policy": {"Content": json.dumps(doc(ALLOW))}}}))
case("org-account-unplaced", org({"organization/list-accounts.json": {"Accounts": [{"Id": A, "Name": "a"}, {"Id": "222222222222", "Name": "b"}]},
                                  "accounts/222222222222/iam/get-account-authorization-details.json": gaad()}))
case("org-list-roots-not-array", org({"organization/list-roots.json": {"Roots": "r-ab12"}}))
# --- folder problems ---
case("no-snapshot-files", {"notes/readme.json": {}})

for name, files in cases.items():
    d = os.path.join(HERE, name)
    env = os.path.join(d, "env")
    if os.path.isdir(env):
        shutil.rmtree(env)
    for rel, content in files.items():
        p = os.path.join(env, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if isinstance(content, tuple) and content and content[0] is RAW:
            data = content[1]
            with open(p, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
        else:
            with open(p, "w") as f:
                json.dump(content, f, indent=2)
                f.write("\n")
print(len(cases), "cases")
