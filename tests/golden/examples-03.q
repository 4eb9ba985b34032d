# env: facts/examples/03-cross-account-chain/env
# format: csv
who can s3:PutObject on arn:aws:s3:::b-data-222222222222/x
path from role/ingest-fn to role/writer
?- can_assume(P, Role), account(P, A), resource_account(Role, B), A != B.
