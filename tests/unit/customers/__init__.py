"""CustomerAPI over DynamoDB (moto)."""
