# Service principals granted access by a resource policy without aws:SourceArn/aws:SourceAccount
# (the confused-deputy guard): with no request context the grant is a plain allow, whereas a
# grant that checks the source keys is only conditional. Role trust policies are left out.
unscoped(S, A, R) :- resource(R, T), T != "iam-role", policy_names(R, S, "service"), allowed(S, A, R).

assert none: ?- unscoped(Service, Action, R).
