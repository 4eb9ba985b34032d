# Public exposure: resources an anonymous caller can act on (directly or through a role).
# Fails (exit 1) when any resource of the environment is reachable by `anonymous`.
public(R) :- resource(R, _), reaches("anonymous", R).
assert none: ?- public(R).
