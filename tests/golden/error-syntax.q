# env: facts/examples/query-demo/env
# format: table
# exit: 2
who can s3:GetObject arn:aws:s3:::reports/*
