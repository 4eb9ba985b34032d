# env: facts/examples/06-transcribe-stage1-passrole/env
# format: table
# exit: 1
# Issue 4's first Transcribe error, pasted verbatim, and what the call needs: the same text
# as `iamdl explain-error` and `iamdl needs` print.
explain error "An error occurred (AccessDeniedException) when calling the StartCallAnalyticsJob operation: User: arn:aws:sts::111111111111:assumed-role/lambda-exec/start-transcription is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/transcribe-data because no identity-based policy allows the iam:PassRole action"
needs arn:aws:sts::111111111111:assumed-role/lambda-exec/start-transcription for transcribe:StartCallAnalyticsJob on * passing role/transcribe-data reading arn:aws:s3:::media-111111111111/calls/2026-03-01/call-0042.wav
# A CI gate on it: every requirement must be met (fails here: iam:PassRole is missing, exit 1).
assert none: needs role/lambda-exec for transcribe:StartCallAnalyticsJob on * passing role/transcribe-data where status != met
