"""make run's local AWS (local/aws_server.py): moto with DynamoDB requests applied one at a
time, because moto's own TransactWriteItems loses other requests' writes (docs/notes.md)."""

from __future__ import annotations

import sys
import threading

import pytest


def race(client, rounds: int = 150) -> tuple[int, int]:
    """Failing transactions beside plain writes: (acknowledged writes lost, moto errors)."""
    client.put_item(TableName="race", Item={"k": {"S": "x"}})
    errors, acknowledged = [], []

    def failing_transactions():
        for _ in range(rounds):
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": "race",
                                "Item": {"k": {"S": "x"}},
                                "ConditionExpression": "attribute_not_exists(k)",
                            }
                        }
                    ]
                )
            except client.exceptions.TransactionCanceledException:
                pass
            except Exception as e:
                errors.append(e)

    def writes():
        for n in range(rounds):
            client.put_item(TableName="race", Item={"k": {"S": str(n)}})
            acknowledged.append(str(n))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=failing_transactions), threading.Thread(target=writes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    stored = {i["k"]["S"] for i in client.scan(TableName="race")["Items"]}
    return len(set(acknowledged) - stored), len(errors)


@pytest.fixture
def table(aws):
    from chalicelib.store import aws as clients

    client = clients.client("dynamodb")
    client.create_table(
        TableName="race",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
    )
    return client


def test_serialised_dynamodb_keeps_every_acknowledged_write(table):
    from local.aws_server import serialise_dynamodb

    undo = serialise_dynamodb()
    try:
        assert race(table) == (0, 0)
    finally:
        undo()
