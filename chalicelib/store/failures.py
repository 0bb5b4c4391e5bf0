"""What a request to DynamoDB (PynamoDB's exceptions) or to another AWS service
(botocore's) raises when it fails: for the callers above the store that answer such a
failure with an OCP error of their own (call POST's 304), without knowing the clients."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

AWS_FAILURES: tuple[type[Exception], ...] = (PynamoDBException, BotoCoreError, ClientError)
