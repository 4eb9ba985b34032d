# Cross-account access from outside the trusted accounts. Edit the list of trusted accounts.
trusted("111111111111").

outside_access(P, A, R) :-
    resource(R, _), reaches(P, R), account(P, A),
    resource_account(R, B), A != B, not trusted(A).

assert none: ?- outside_access(P, Account, R).
