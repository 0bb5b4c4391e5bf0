"""The local resources (tables, key, bucket, queues, state machine, schedule group) made
once per test process and handed to every test as a fresh copy.

`local.bootstrap.create_resources()` under `mock_aws` costs about 150 ms of CPU (some 60
AWS requests through botocore and moto); hundreds of tests paid it each. Now the first
test of a process creates them through the real bootstrap, the state of every moto
backend it touched is copied, and each later test starts from a deep copy of that state:
the same resources with nothing in them, and nothing a previous test left.
"""

from __future__ import annotations

import copy
import copyreg
import threading
from dataclasses import dataclass
from typing import Any

from moto.core.base_backend import BackendDict


@dataclass(frozen=True)
class _Backend:
    service: BackendDict
    account: str
    region: str
    backend: Any


# The services the bootstrap puts resources in. Not IAM or STS (only read): moto builds
# their backends anew, for every partition, each time a mock starts or stops.
SERVICES = {"dynamodb", "kms", "s3", "sqs", "stepfunctions", "scheduler"}
# One per mock configuration: with `execute_state_machine`, moto keeps Step Functions in
# another backend (its parser's), so the state machine lives elsewhere.
_snapshots: dict[str, list[_Backend]] = {}


# A copied lock or condition is a new, unheld one (moto's SQS queues each hold a
# condition). A condition's own methods are its lock's: it must not be copied field by field.
copyreg.pickle(type(threading.RLock()), lambda lock: (threading.RLock, ()))
copyreg.pickle(type(threading.Lock()), lambda lock: (threading.Lock, ()))
copyreg.pickle(threading.Condition, lambda condition: (threading.Condition, ()))


def create_resources(config: dict | None = None) -> None:
    """Inside `mock_aws(config=config)`: the local resources, as
    `local.bootstrap.create_resources` makes them (for real the first time in each process
    for each configuration)."""
    from local import streams

    streams.READER.forget()  # the tables' streams start empty again
    key = repr(sorted((config or {}).items()))
    snapshot = _snapshots.get(key)
    if snapshot is None:
        from local import bootstrap

        bootstrap.create_resources()
        _snapshots[key] = [
            _Backend(service, account, region, copy.deepcopy(backend))
            for service in list(BackendDict._instances)
            if service.service_name in SERVICES
            for account, region, backend in service.iter_backends()
        ]
        return
    for saved in snapshot:
        # Registers the service with moto (so that mock_aws resets it when it stops) and
        # puts a copy of the saved backend in place of a new, empty one.
        dict.__setitem__(saved.service[saved.account], saved.region, copy.deepcopy(saved.backend))
