# env: facts/examples/02-serverless-default-role/env
# format: csv
# The Serverless-Framework default role's CloudWatch error (the CSV of `iamdl explain-error`).
explain error "User: arn:aws:sts::111111111111:assumed-role/app-dev-lambdaRole/app-dev-metrics is not authorized to perform: cloudwatch:GetMetricStatistics because no identity-based policy allows the cloudwatch:GetMetricStatistics action"
