"""The local cloud itself: template → resources, the Lambda runner, the API front, the SQS event source."""
