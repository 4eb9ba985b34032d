# env: facts/examples/query-demo/env
# format: table
# The examples of issue 3 (queries/examples.q).
# files: queries/examples.q
