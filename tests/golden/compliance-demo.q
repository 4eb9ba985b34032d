# env: facts/examples/demo/env
# format: csv
# exit: 1
# The compliance starter pack on the bundled demo environment.
# files: queries/compliance/cross-account.q queries/compliance/pass-admin-roles.q queries/compliance/public-exposure.q queries/compliance/service-without-source.q
