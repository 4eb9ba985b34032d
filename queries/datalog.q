# Datalog over the engine's relations (`:relations` in the REPL lists them).
#   iamdl run --env facts/examples/query-demo/env queries/datalog.q

# Every principal with its kind and account.
?- principal(P, Kind), account(P, A).

# Who may assume which role, transitively (recursion).
assumes(P, R) :- may_assume(P, R).
assumes(P, R) :- may_assume(P, Q), assumes(Q, R).
?- assumes(P, "arn:aws:iam::111111111111:role/OrganizationAdmin").

# Roles nobody in the environment can assume (stratified negation).
assumable(R) :- may_assume(_, R).
?- principal(R, "role"), not assumable(R).
