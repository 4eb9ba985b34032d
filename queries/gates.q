# CI gates: each failed assertion is listed and makes the exit status 1.
#   iamdl run --env facts/examples/query-demo/env queries/gates.q

# Only principals of the owning account may write reports (fails: partner-writer in 222222222222).
assert none: who can s3:PutObject on arn:aws:s3:::reports/* where account != "111111111111"

# At most three principals may reach the OrganizationAdmin role.
assert count(?- may_assume(P, "arn:aws:iam::111111111111:role/OrganizationAdmin").) <= 3

# alice must keep read access to the reports.
assert some: can user/alice do s3:GetObject on arn:aws:s3:::reports/q1.csv
