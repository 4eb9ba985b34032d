# env: facts/examples/query-demo/env
# format: table
# exit: 2
# A misspelt relation: the error names the line and column and suggests the closest name.
?- principal(P, _), acount(P, A).
