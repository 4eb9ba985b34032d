# env: facts/examples/02-serverless-default-role/env
# format: table
why not role/app-dev-lambdaRole do cloudwatch:GetMetricStatistics on *
why can role/app-dev-fixed-lambdaRole do cloudwatch:GetMetricStatistics on *
