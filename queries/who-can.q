# Access reviews on the bundled demo environment (facts/examples/demo/env, the default):
#   iamdl run queries/who-can.q

# Who can read the data lake over TLS (analytics directly, orders-etl-role through data-lake-reader)?
who can s3:GetObject on arn:aws:s3:::acme-data-lake-222222222222/* with aws:SecureTransport = "true"

# Who can decrypt the orders key (key policy without root delegation, plus a grant)?
who can kms:Decrypt on arn:aws:kms:us-east-1:111111111111:key/5c0f4a1e-7b9d-4e2a-9c83-2f6d1e0b7a45

# Role chains into the data account.
path from role/orders-etl-role to role/data-lake-reader
