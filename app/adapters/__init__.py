"""The outside systems behind those interfaces: X (requests-oauthlib), Secrets Manager (boto3)."""
