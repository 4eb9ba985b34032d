#!/usr/bin/env bash
# shellcheck disable=SC2016  # single-quoted JMESPath queries use backticks as literals
# collect-snapshot.sh: capture AWS accounts as an iamdl snapshot (the layout of
# snapshot-layout.md), using nothing but bash and the AWS CLI (v2, or v1 from PyPI).
#
# Read-only: the only AWS calls are get*/list*/describe* (and sts get-caller-identity /
# assume-role to enter member accounts). Failures never stop the run: each is appended to
# errors.log in the snapshot and counted in the summary.
#
# Safety: nothing read from AWS or from the command line is evaluated or expanded by the shell.
# Every value is quoted, names are read line by line with `read -r`, and every name used as a
# file name is encoded by `safe_name` (bytes other than A-Z a-z 0-9 . _ + = @ - become %XX, and a
# leading dot becomes %2E), so a name can never create a sub-folder, `..` or a hidden file.
# Values go to the CLI as --option=VALUE (a leading '-' is not an option), Lambda functions and
# KMS keys by ARN, and `cli_value_ok` refuses values the CLI would load from a file or URL.
#
# Usage: scripts/collect-snapshot.sh --out DIR [--organization] [--role-name NAME]
#            [--regions r1,r2,...] [--endpoint-url URL] [--profile NAME] [--jobs N] [--quiet]
set -uo pipefail
export LC_ALL=C

usage() {
    cat <<'EOF'
Usage: collect-snapshot.sh --out DIR [options]

Writes an iamdl snapshot (accounts/<id>/..., organization/...) of the account of the current
AWS credentials, or with --organization of every account of its AWS Organization.

Options:
  --out DIR            snapshot folder (created; safe to re-run into the same folder:
                       each account folder is replaced when its collection ends)
  --organization       collect the organization (SCPs, RCPs, OUs) and every ACTIVE member
                       account, entered by assuming --role-name (accounts that cannot be
                       entered are skipped and reported)
  --role-name NAME     role assumed in member accounts (default OrganizationAccountAccessRole)
  --regions LIST       comma-separated regions (default: every region enabled for the account,
                       from `aws ec2 describe-regions`)
  --endpoint-url URL   send every call to this endpoint (a local emulator such as moto);
                       AWS_ENDPOINT_URL is honoured too
  --profile NAME       AWS CLI profile of the starting credentials
  --jobs N             CLI calls run at once (default 4; 1 = strictly sequential)
  --quiet              no progress lines (the summary is still printed)
  -h, --help           this text

File names: a resource's name becomes a file name (s3/get-bucket-policy/NAME.json,
lambda/get-policy/REGION/NAME.json, ...) byte by byte: the bytes A-Z a-z 0-9 _ + = @ - are kept,
'.' is kept except as the first byte, and every other byte (UTF-8, so 'é' is two bytes) is
written %XX with upper-case hex: '/' -> %2F, ' ' -> %20, '%' -> %25, ':' -> %3A, a leading
'.' -> %2E (so '..' is %2E. and no name can make a folder, go up, or hide a file). An empty
name is %00. iamdl percent-decodes file names when it loads the snapshot.
Values read from AWS are never evaluated by the shell, are passed as --option=VALUE, and one
starting with file://, fileb://, http:// or https:// (which the AWS CLI would read from a
local file or URL) is refused and logged instead.

Exit status: 0 collected without errors, 1 collected with errors (see DIR/errors.log),
2 bad usage or no usable credentials.
EOF
}

OUT=""
ORG=0
ROLE_NAME="OrganizationAccountAccessRole"
REGIONS_ARG=""
ENDPOINT="${AWS_ENDPOINT_URL:-}"
PROFILE=""
JOBS=4
QUIET=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        --organization) ORG=1; shift ;;
        --role-name) ROLE_NAME="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
        --role-name=*) ROLE_NAME="${1#--role-name=}"; shift ;;
        --regions) REGIONS_ARG="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
        --regions=*) REGIONS_ARG="${1#--regions=}"; shift ;;
        --endpoint-url) ENDPOINT="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
        --endpoint-url=*) ENDPOINT="${1#--endpoint-url=}"; shift ;;
        --profile) PROFILE="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
        --profile=*) PROFILE="${1#--profile=}"; shift ;;
        --jobs) JOBS="${2-}"; shift 2 || { usage >&2; exit 2; } ;;
        --jobs=*) JOBS="${1#--jobs=}"; shift ;;
        --quiet) QUIET=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) printf 'collect-snapshot: unknown argument: %s\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
done
if [ -z "$OUT" ]; then
    printf 'collect-snapshot: --out DIR is required\n' >&2
    usage >&2
    exit 2
fi
if ! command -v aws >/dev/null 2>&1; then
    printf 'collect-snapshot: the AWS CLI (`aws`) is not installed\n' >&2
    exit 2
fi
if ! [[ "$JOBS" =~ ^[1-9][0-9]{0,2}$ ]]; then
    printf 'collect-snapshot: --jobs %s is not a number from 1 to 999\n' "$JOBS" >&2
    exit 2
fi
if ! [[ "$ROLE_NAME" =~ ^[A-Za-z0-9+=,.@_/-]{1,512}$ ]]; then
    printf 'collect-snapshot: --role-name %s is not a valid role name\n' "$ROLE_NAME" >&2
    exit 2
fi

mkdir -p -- "$OUT" || exit 2
OUT="$(cd -- "$OUT" && pwd -P)" || exit 2
ERRLOG="$OUT/errors.log"
: >"$ERRLOG"
STAGE="$OUT/.collect-staging.$$"
rm -rf -- "$STAGE"
mkdir -p -- "$STAGE" || exit 2
trap 'rm -rf -- "$STAGE"' EXIT

# Counters are lines appended to files, since calls run in background jobs.
COUNT_FILES="$STAGE/count.files"
COUNT_ABSENT="$STAGE/count.absent"
: >"$COUNT_FILES"
: >"$COUNT_ABSENT"
N_ACCOUNTS=0
SKIPPED_ACCOUNTS=()

progress() {
    [ "$QUIET" = 1 ] || printf '%s\n' "$*" >&2
}

# Percent-encodes every byte outside [A-Za-z0-9._+=@-]; a leading '.' becomes %2E.
safe_name() {
    local s="$1" out="" c i hex
    for ((i = 0; i < ${#s}; i++)); do
        c="${s:i:1}"
        case "$c" in
            [A-Za-z0-9_+=@-]) out+="$c" ;;
            .) if [ -z "$out" ]; then out+="%2E"; else out+="."; fi ;;
            *) printf -v hex '%%%02X' "'$c"; out+="$hex" ;;
        esac
    done
    [ -n "$out" ] || out="%00"
    printf '%s' "$out"
}

# The AWS CLI reads a parameter value that starts with file:// or fileb:// (and, in v1, http://
# or https://) from that file or URL, after expanding $VARS and ~ in it. A value read from AWS is
# never passed on like that: cli_value_ok refuses it (the caller logs and skips it). Values are
# also always written --option=VALUE, so a leading '-' cannot be taken for an option.
cli_value_ok() {
    case "${1,,}" in
        file://* | fileb://* | http://* | https://*) return 1 ;;
    esac
    [ -n "$1" ]
}

# refused ACCOUNT REGION WHAT VALUE: logs a value cli_value_ok refused.
refused() {
    if [ -z "$4" ]; then
        log_error "$1" "$2" "$3" "refused: an empty value (a name with a line break?)"
    else
        log_error "$1" "$2" "$3" "refused: $(printf '%q' "$4") would make the AWS CLI read a local file or URL"
    fi
}

# The AWS CLI with the common options. Credentials come from the environment of the caller
# (set per account by `enter_account`).
awscli() {
    local args=()
    [ -n "$ENDPOINT" ] && args+=(--endpoint-url="$ENDPOINT")
    [ -n "$PROFILE" ] && [ -z "${IAMDL_ENTERED:-}" ] && args+=(--profile="$PROFILE")
    aws "${args[@]}" "$@"
}

log_error() {
    # account, region, what, message (one line; appends of one short line do not interleave)
    printf '%s\taccount=%s\tregion=%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$3" "$4" >>"$ERRLOG"
}

# fetch ACCOUNT REGION FILE ABSENT_CODES -- aws args...
# Runs one CLI call with JSON output into FILE (written atomically). An error whose code is in
# ABSENT_CODES (space-separated) means "no such document": no file, counted as absent.
fetch() {
    local acct="$1" region="$2" file="$3" absent="$4"
    shift 5
    local tmp="$file.tmp" errf="$file.err" rc code
    mkdir -p -- "$(dirname -- "$file")"
    awscli "$@" --output json >"$tmp" 2>"$errf"
    rc=$?
    if [ $rc -eq 0 ]; then
        # An empty response (e.g. list-queues with no queues) prints nothing: write {}.
        [ -s "$tmp" ] || printf '{}\n' >"$tmp"
        mv -f -- "$tmp" "$file"
        rm -f -- "$errf"
        printf 'f\n' >>"$COUNT_FILES"
        return 0
    fi
    rm -f -- "$tmp"
    code=""
    if [[ "$(cat -- "$errf")" =~ \(([A-Za-z0-9.]+)\) ]]; then
        code="${BASH_REMATCH[1]}"
    fi
    if [ -n "$code" ] && [[ " $absent " == *" $code "* ]]; then
        printf '%s\n' "${file#"$STAGE"/}" >>"$COUNT_ABSENT"
        rm -f -- "$errf"
        return 1
    fi
    log_error "$acct" "$region" "aws $(printf '%s ' "$@")" "$(tr '\n\t' '  ' <"$errf")"
    rm -f -- "$errf"
    return 1
}

# bg COMMAND...: runs COMMAND as a background job, at most $JOBS at once.
bg() {
    if [ "$JOBS" -le 1 ]; then
        "$@"
        return 0
    fi
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n 2>/dev/null || true
    done
    "$@" &
}

# lines ACCOUNT REGION QUERY -- aws args...: one value per line (text output of QUERY).
# QUERY must produce a list of one-element lists so that each value is on its own line.
lines() {
    local acct="$1" region="$2" query="$3" errf
    shift 4
    errf="$(mktemp)"
    if ! awscli "$@" --query "$query" --output text 2>"$errf"; then
        log_error "$acct" "$region" "aws $(printf '%s ' "$@")" "$(tr '\n\t' '  ' <"$errf")"
    fi
    rm -f -- "$errf"
}

# --- one account --------------------------------------------------------------------------

collect_account() {
    local acct="$1" dir="$2" region name enc url arn n
    local gr="$GLOBAL_REGION"
    progress "[$acct] iam"
    bg fetch "$acct" global "$dir/iam/get-account-authorization-details.json" "" -- \
        iam get-account-authorization-details --region "$gr"

    progress "[$acct] s3"
    bg fetch "$acct" global "$dir/s3/list-buckets.json" "" -- s3api list-buckets --region "$gr"
    n=0
    while IFS= read -r name; do
        [ -n "$name" ] || continue
        n=$((n + 1))
        cli_value_ok "$name" || { refused "$acct" global "s3 bucket" "$name"; continue; }
        enc="$(safe_name "$name")"
        bg fetch "$acct" global "$dir/s3/get-bucket-policy/$enc.json" "NoSuchBucketPolicy NoSuchBucket" -- \
            s3api get-bucket-policy --bucket="$name" --region "$gr"
        bg fetch "$acct" global "$dir/s3/get-public-access-block/$enc.json" "NoSuchPublicAccessBlockConfiguration NoSuchBucket" -- \
            s3api get-public-access-block --bucket="$name" --region "$gr"
    done < <(lines "$acct" global 'not_null(Buckets, `[]`)[].[Name]' -- s3api list-buckets --region "$gr")
    progress "[$acct] s3: $n bucket(s)"
    bg fetch "$acct" global "$dir/s3control/get-public-access-block.json" "NoSuchPublicAccessBlockConfiguration" -- \
        s3control get-public-access-block --account-id="$acct" --region "$gr"

    for region in "${REGIONS[@]}"; do
        progress "[$acct] $region: lambda kms sqs sns secretsmanager"
        # Lambda.
        bg fetch "$acct" "$region" "$dir/lambda/list-functions.$region.json" "" -- \
            lambda list-functions --region "$region"
        # Called by ARN, filed by name.
        while IFS=$'\t' read -r name arn; do
            [ -n "$name" ] || continue
            cli_value_ok "$arn" || { refused "$acct" "$region" "lambda function" "$arn"; continue; }
            bg fetch "$acct" "$region" "$dir/lambda/get-policy/$region/$(safe_name "$name").json" "ResourceNotFoundException" -- \
                lambda get-policy --function-name="$arn" --region "$region"
        done < <(lines "$acct" "$region" 'not_null(Functions, `[]`)[].[FunctionName, FunctionArn]' -- lambda list-functions --region "$region")
        # KMS.
        bg fetch "$acct" "$region" "$dir/kms/list-keys.$region.json" "" -- kms list-keys --region "$region"
        bg fetch "$acct" "$region" "$dir/kms/list-aliases.$region.json" "" -- kms list-aliases --region "$region"
        # Called by key ARN, filed by key id.
        while IFS=$'\t' read -r name arn; do
            [ -n "$name" ] || continue
            cli_value_ok "$arn" || { refused "$acct" "$region" "kms key" "$arn"; continue; }
            enc="$(safe_name "$name")"
            bg fetch "$acct" "$region" "$dir/kms/get-key-policy/$region/$enc.json" "" -- \
                kms get-key-policy --key-id="$arn" --policy-name default --region "$region"
            bg fetch "$acct" "$region" "$dir/kms/list-grants/$region/$enc.json" "" -- \
                kms list-grants --key-id="$arn" --region "$region"
        done < <(lines "$acct" "$region" 'not_null(Keys, `[]`)[].[KeyId, KeyArn]' -- kms list-keys --region "$region")
        # SQS.
        bg fetch "$acct" "$region" "$dir/sqs/list-queues.$region.json" "" -- sqs list-queues --region "$region"
        while IFS= read -r url; do
            [ -n "$url" ] || continue
            # --queue-url is exempt from the CLI's file and URL loading; it must still be a URL.
            case "$url" in
                http://* | https://*) ;;
                *) refused "$acct" "$region" "sqs queue" "$url"; continue ;;
            esac
            name="${url%/}"
            name="${name##*/}"
            bg fetch "$acct" "$region" "$dir/sqs/get-queue-attributes/$region/$(safe_name "$name").json" "" -- \
                sqs get-queue-attributes --queue-url="$url" --attribute-names Policy QueueArn --region "$region"
        done < <(lines "$acct" "$region" 'not_null(QueueUrls, `[]`)[].[@]' -- sqs list-queues --region "$region")
        # SNS.
        bg fetch "$acct" "$region" "$dir/sns/list-topics.$region.json" "" -- sns list-topics --region "$region"
        while IFS= read -r arn; do
            [ -n "$arn" ] || continue
            cli_value_ok "$arn" || { refused "$acct" "$region" "sns topic" "$arn"; continue; }
            name="${arn##*:}"
            bg fetch "$acct" "$region" "$dir/sns/get-topic-attributes/$region/$(safe_name "$name").json" "" -- \
                sns get-topic-attributes --topic-arn="$arn" --region "$region"
        done < <(lines "$acct" "$region" 'not_null(Topics, `[]`)[].[TopicArn]' -- sns list-topics --region "$region")
        # Secrets Manager.
        bg fetch "$acct" "$region" "$dir/secretsmanager/list-secrets.$region.json" "" -- \
            secretsmanager list-secrets --region "$region"
        while IFS=$'\t' read -r arn name; do
            [ -n "$arn" ] || continue
            cli_value_ok "$arn" || { refused "$acct" "$region" "secret" "$arn"; continue; }
            bg fetch "$acct" "$region" "$dir/secretsmanager/get-resource-policy/$region/$(safe_name "$name").json" "" -- \
                secretsmanager get-resource-policy --secret-id="$arn" --region "$region"
        done < <(lines "$acct" "$region" 'not_null(SecretList, `[]`)[].[ARN, Name]' -- secretsmanager list-secrets --region "$region")
    done
    wait
}

# Moves a staged folder over its final place (the previous run's copy is replaced whole).
publish() {
    local staged="$1" final="$2"
    mkdir -p -- "$(dirname -- "$final")"
    rm -rf -- "$final.old.$$"
    if [ -e "$final" ]; then mv -- "$final" "$final.old.$$"; fi
    mv -- "$staged" "$final" && rm -rf -- "$final.old.$$"
}

# --- organization -------------------------------------------------------------------------

collect_org_parent() {
    # Depth-first over OUs; a parent id is r-xxxx or ou-xxxx-xxxxxxxx.
    local parent="$1" dir="$2" depth="$3" child
    if [ "$depth" -gt 10 ]; then
        log_error org global "walk OUs under $parent" "deeper than 10 levels: stopped"
        return
    fi
    local enc
    cli_value_ok "$parent" || { refused org global "organization parent" "$parent"; return; }
    enc="$(safe_name "$parent")"
    bg fetch org global "$dir/list-accounts-for-parent/$enc.json" "" -- \
        organizations list-accounts-for-parent --parent-id="$parent" --region "$GLOBAL_REGION"
    bg fetch org global "$dir/list-organizational-units-for-parent/$enc.json" "" -- \
        organizations list-organizational-units-for-parent --parent-id="$parent" --region "$GLOBAL_REGION"
    while IFS= read -r child; do
        [ -n "$child" ] || continue
        collect_org_parent "$child" "$dir" $((depth + 1))
    done < <(lines org global 'not_null(OrganizationalUnits, `[]`)[].[Id]' -- \
        organizations list-organizational-units-for-parent --parent-id="$parent" --region "$GLOBAL_REGION")
}

collect_org() {
    local dir="$1" root ptype pid
    progress "[organization] structure and policies"
    fetch org global "$dir/describe-organization.json" "" -- organizations describe-organization --region "$GLOBAL_REGION" || return 1
    bg fetch org global "$dir/list-roots.json" "" -- organizations list-roots --region "$GLOBAL_REGION"
    bg fetch org global "$dir/list-accounts.json" "" -- organizations list-accounts --region "$GLOBAL_REGION"
    while IFS= read -r root; do
        [ -n "$root" ] || continue
        collect_org_parent "$root" "$dir" 0
    done < <(lines org global 'not_null(Roots, `[]`)[].[Id]' -- organizations list-roots --region "$GLOBAL_REGION")
    for ptype in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
        fetch org global "$dir/list-policies.$ptype.json" "" -- \
            organizations list-policies --filter "$ptype" --region "$GLOBAL_REGION" || continue
        while IFS= read -r pid; do
            [ -n "$pid" ] || continue
            cli_value_ok "$pid" || { refused org global "organization policy" "$pid"; continue; }
            bg fetch org global "$dir/describe-policy/$(safe_name "$pid").json" "" -- \
                organizations describe-policy --policy-id="$pid" --region "$GLOBAL_REGION"
            bg fetch org global "$dir/list-targets-for-policy/$(safe_name "$pid").json" "" -- \
                organizations list-targets-for-policy --policy-id="$pid" --region "$GLOBAL_REGION"
        done < <(lines org global 'not_null(Policies, `[]`)[].[Id]' -- \
            organizations list-policies --filter "$ptype" --region "$GLOBAL_REGION")
    done
    wait
    return 0
}

# --- main ---------------------------------------------------------------------------------

START=$(date +%s)
GLOBAL_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
IDENT="$(awscli sts get-caller-identity --query '[Account, Arn]' --output text --region "$GLOBAL_REGION" 2>"$STAGE/ident.err")"
if [ -z "$IDENT" ]; then
    printf 'collect-snapshot: no usable AWS credentials: %s\n' "$(tr '\n' ' ' <"$STAGE/ident.err")" >&2
    exit 2
fi
SELF_ACCOUNT="${IDENT%%$'\t'*}"
SELF_ARN="${IDENT#*$'\t'}"
PARTITION="$(printf '%s' "$SELF_ARN" | cut -d: -f2)"
case "$PARTITION" in
    aws-cn) GLOBAL_REGION="cn-north-1" ;;
    aws-us-gov) GLOBAL_REGION="us-gov-west-1" ;;
    *) PARTITION="aws" ;;
esac
if ! [[ "$SELF_ACCOUNT" =~ ^[0-9]{12}$ ]]; then
    printf 'collect-snapshot: unexpected account id from sts get-caller-identity: %s\n' "$SELF_ACCOUNT" >&2
    exit 2
fi
progress "credentials: $SELF_ARN (account $SELF_ACCOUNT)"

REGIONS=()
if [ -n "$REGIONS_ARG" ]; then
    IFS=',' read -r -a REGIONS <<<"$REGIONS_ARG"
else
    while IFS= read -r r; do
        [ -n "$r" ] && REGIONS+=("$r")
    done < <(lines "$SELF_ACCOUNT" global 'Regions[].[RegionName]' -- ec2 describe-regions --region "$GLOBAL_REGION")
fi
for r in "${REGIONS[@]}"; do
    if ! [[ "$r" =~ ^[a-z0-9-]{1,32}$ ]]; then
        printf 'collect-snapshot: %s is not a region name\n' "$r" >&2
        exit 2
    fi
done
if [ ${#REGIONS[@]} -eq 0 ]; then
    printf 'collect-snapshot: no regions (ec2 describe-regions failed? pass --regions)\n' >&2
    exit 2
fi
progress "regions: ${REGIONS[*]}"

ACCOUNTS=("$SELF_ACCOUNT")
if [ "$ORG" = 1 ]; then
    if collect_org "$STAGE/organization"; then
        publish "$STAGE/organization" "$OUT/organization"
        ACCOUNTS=()
        while IFS= read -r a; do
            [[ "$a" =~ ^[0-9]{12}$ ]] && ACCOUNTS+=("$a")
        done < <(lines org global "Accounts[?Status=='ACTIVE'].[Id]" -- organizations list-accounts --region "$GLOBAL_REGION")
        if [ ${#ACCOUNTS[@]} -eq 0 ]; then ACCOUNTS=("$SELF_ACCOUNT"); fi
    else
        printf 'collect-snapshot: cannot read the organization (see errors.log); collecting only %s\n' "$SELF_ACCOUNT" >&2
    fi
fi

i=0
for acct in "${ACCOUNTS[@]}"; do
    i=$((i + 1))
    progress "account $i/${#ACCOUNTS[@]}: $acct"
    staged="$STAGE/accounts/$acct"
    mkdir -p -- "$staged"
    if [ "$acct" = "$SELF_ACCOUNT" ]; then
        collect_account "$acct" "$staged"
    else
        role_arn="arn:$PARTITION:iam::$acct:role/$ROLE_NAME"
        creds="$(awscli sts assume-role --role-arn="$role_arn" --role-session-name iamdl-collector \
            --query 'Credentials.[AccessKeyId, SecretAccessKey, SessionToken]' --output text \
            --region "$GLOBAL_REGION" 2>"$STAGE/assume.err")"
        IFS=$'\t' read -r ak sk st <<<"$creds"
        if [ -z "${ak:-}" ] || [ -z "${sk:-}" ]; then
            log_error "$acct" global "aws sts assume-role --role-arn $role_arn" "cannot enter account: $(tr '\n' ' ' <"$STAGE/assume.err")"
            SKIPPED_ACCOUNTS+=("$acct")
            progress "[$acct] SKIPPED: cannot assume $role_arn"
            rm -rf -- "$staged"
            continue
        fi
        # A subshell keeps the member credentials out of the rest of the run; the counters
        # come back through a file.
        (
            export AWS_ACCESS_KEY_ID="$ak" AWS_SECRET_ACCESS_KEY="$sk" AWS_SESSION_TOKEN="$st" IAMDL_ENTERED=1
            unset AWS_PROFILE
            collect_account "$acct" "$staged"
        )
    fi
    publish "$staged" "$OUT/accounts/$acct"
    N_ACCOUNTS=$((N_ACCOUNTS + 1))
done

# Errors logged inside subshells (process substitutions) are counted from the log itself.
N_ERRORS=$(($(wc -l <"$ERRLOG") + 0))
N_FILES=$(($(wc -l <"$COUNT_FILES") + 0))
N_ABSENT=$(($(wc -l <"$COUNT_ABSENT") + 0))
ELAPSED=$(($(date +%s) - START))

# manifest.json: what this run asked for, so that iamdl can tell "AWS said none" (absent) from
# "never recorded" (a gap). Every value is an account id, a checked region name or a path made
# of safe_name-encoded names, so none needs JSON escaping.
json_list() {
    local first=1 v
    printf '['
    for v in "$@"; do
        [ $first = 1 ] || printf ', '
        first=0
        printf '"%s"' "$v"
    done
    printf ']'
}
COLLECTED=()
for acct in "${ACCOUNTS[@]}"; do
    skipped=0
    for s in "${SKIPPED_ACCOUNTS[@]}"; do [ "$s" = "$acct" ] && skipped=1; done
    [ $skipped = 1 ] || COLLECTED+=("$acct")
done
mapfile -t ABSENT_PATHS <"$COUNT_ABSENT"
{
    printf '{\n  "generator": "iamdl scripts/collect-snapshot.sh",\n'
    printf '  "collected_at": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '  "organization": %s,\n' "$([ "$ORG" = 1 ] && echo true || echo false)"
    printf '  "accounts": %s,\n' "$(json_list "${COLLECTED[@]}")"
    printf '  "skipped_accounts": %s,\n' "$(json_list "${SKIPPED_ACCOUNTS[@]}")"
    printf '  "regions": %s,\n' "$(json_list "${REGIONS[@]}")"
    printf '  "errors": %d,\n' "$N_ERRORS"
    printf '  "absent": %s\n}\n' "$(json_list "${ABSENT_PATHS[@]}")"
} >"$OUT/manifest.json.tmp" && mv -f -- "$OUT/manifest.json.tmp" "$OUT/manifest.json"
printf 'collected %d account(s) (%d skipped%s), %d region(s), %d file(s), %d absent document(s), %d error(s) in %ds -> %s\n' \
    "$N_ACCOUNTS" "${#SKIPPED_ACCOUNTS[@]}" \
    "$([ ${#SKIPPED_ACCOUNTS[@]} -gt 0 ] && printf ': %s' "${SKIPPED_ACCOUNTS[*]}")" \
    "${#REGIONS[@]}" "$N_FILES" "$N_ABSENT" "$N_ERRORS" "$ELAPSED" "$OUT" >&2
if [ "$N_ERRORS" -gt 0 ]; then
    printf 'errors are listed in %s\n' "$ERRLOG" >&2
    exit 1
fi
exit 0
