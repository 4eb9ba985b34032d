# env: facts/examples/query-demo/env
# format: table
# exit: 1
# files: queries/gates.q
