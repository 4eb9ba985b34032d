# env: facts/examples/query-demo/env
# format: json
# The examples of issue 3 (queries/examples.q).
# files: queries/examples.q
