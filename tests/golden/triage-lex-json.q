# env: facts/examples/08-lexv2-lambda/env
# format: json
# A Lex V2 bot alias invoking a function without a function policy: the missing grant,
# scoped by aws:SourceArn to the alias (the JSON of `iamdl needs`).
needs lexv2.amazonaws.com for lambda:InvokeFunction on arn:aws:lambda:us-east-1:111111111111:function:OrderFlowersFulfillment from arn:aws:lex:us-east-1:111111111111:bot-alias/ORDERBOT01/TSTALIASID
