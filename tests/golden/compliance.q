# env: facts/examples/query-demo/env
# format: table
# exit: 1
# The compliance starter pack: every check finds something in query-demo.
# files: queries/compliance/cross-account.q queries/compliance/pass-admin-roles.q queries/compliance/public-exposure.q queries/compliance/service-without-source.q
