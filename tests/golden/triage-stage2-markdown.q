# env: facts/examples/07-transcribe-stage2-trust/env
# format: markdown
# Issue 4's second Transcribe error: the message names neither role nor object, so the
# statement gives them (`for`, `on`; `iamdl explain-error --principal --resource`).
explain error "An error occurred (BadRequestException) when calling the StartCallAnalyticsJob operation: The S3 URI that you provided can't be accessed. Make sure that you have read permission and try your request again." for role/transcribe-data on arn:aws:s3:::media-111111111111/calls/2026-03-01/call-0042.wav
needs role/lambda-exec for transcribe:StartCallAnalyticsJob on * passing role/transcribe-data reading arn:aws:s3:::media-111111111111/calls/2026-03-01/call-0042.wav
