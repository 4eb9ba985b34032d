# env: facts/examples/query-demo/env
# format: json
# files: queries/datalog.q
