# env: facts/examples/demo/env
# format: markdown
# files: queries/who-can.q
