# env: facts/examples/query-demo/env
# format: table
# exit: 2
?- allowed(P, A, R).
