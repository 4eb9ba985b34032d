# Principals that can pass an administrator role to a service (P9): whoever can do that can run
# code with administrator rights. An administrator role here is one that may attach any policy
# to itself.
admin_role(Role) :- principal(Role, "role"), allowed(Role, "iam:AttachRolePolicy", Role).
admin_passer(P, Role, S) :- admin_role(Role), can_pass(P, Role, S).

assert none: ?- admin_passer(P, Role, Service).
