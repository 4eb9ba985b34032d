# env: facts/examples/01-transcribe-passrole/env
# format: json
# The PassRole examples on 01-transcribe-passrole (the same JSON as `iamdl can-pass`).
can role/lambda-exec do iam:PassRole on role/transcribe-data
can role/lambda-exec pass role/transcribe-data to transcribe.amazonaws.com
can role/lambda-exec pass role/lambda-exec to transcribe.amazonaws.com
