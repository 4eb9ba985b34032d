# env: facts/examples/query-demo/env
# format: table
# exit: 2
# Three bad statements (lines 8, 10-11 and 14): each is reported with its position, a caret
# and what was expected; the good statements around them still run.
who can s3:GetObject on arn:aws:s3:::reports/q1.csv
# 1: `on` is missing.
who can s3:GetObject arn:aws:s3:::reports/*
# 2: a Datalog query without its final `.` (the error is where the next statement begins).
?- principal(P, K)
can user/alice do s3:GetObject on arn:aws:s3:::reports/q1.csv
path from user/alice to role/OrganizationAdmin; assert some: ?- principal(P, "user").
# 3: a stray character, then a good statement after `;` on the same line.
what can user/alice do | on arn:aws:s3:::reports; ?- account("user/alice", A).
