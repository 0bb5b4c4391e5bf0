"""`make run`'s local AWS: moto's server, with its DynamoDB requests applied one at a time.

DynamoDB applies each request atomically. moto's backends are not safe for concurrent
requests (its documentation says so), and its server serves each request in a thread of
its own: two UpdateItems on one item can interleave, and a TransactWriteItems whose
condition fails restores a copy of every table it touched taken when it began, wiping
whatever other requests wrote meanwhile (acknowledged writes lost; docs/notes.md).
Serialising moto's DynamoDB requests gives it the service's per-request atomicity and
nothing more: the application's own requests still interleave freely, as on AWS. It also
keeps a stopped Step Functions execution from turning every task callback into a 500.

  python -m local.aws_server -H 127.0.0.1 -p 5000     (what `make run` starts)
"""

from __future__ import annotations

import copy
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any


def serialise_dynamodb() -> Callable[[], None]:
    """Make moto's DynamoDB requests take turns, in this process; returns the undo (which
    does nothing where they took turns already: the test session serialises them for good,
    tests/conftest.py)."""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, "serialised", False):
        return lambda: None
    lock = threading.Lock()

    def call_action(self: DynamoHandler, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    call_action.serialised = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action

    def undo() -> None:
        DynamoHandler.call_action = original

    return undo


def skip_executions_without_a_worker() -> None:
    """moto answers every SendTask* with a 500 while any RUNNING execution has no
    interpreter (`exec_worker`, or its `env`, is None: not started yet, or stopped as it
    started): it walks all of them to find the task token's. Such an execution holds no task token,
    so the walk passes it over, and the answer is what Step Functions gives. The tests
    that execute state machines in process apply it too (tests/workflows/conftest.py)."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    executions = StepFunctionsParserBackend._get_executions
    if getattr(executions, "skips_unstarted", False):
        return  # applied already in this process

    def with_a_worker(self: StepFunctionsParserBackend, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            e
            for e in executions(self, *args, **kwargs)
            # The worker's thread makes its environment a moment after it starts.
            if e.exec_worker is not None and e.exec_worker.env is not None
        ]

    # A mark on the function, which mypy does not model: it types functions as callables.
    with_a_worker.skips_unstarted = True  # type: ignore[attr-defined]
    StepFunctionsParserBackend._get_executions = with_a_worker


def keep_task_failure_causes() -> None:
    """moto's SendTaskFailure handler passes the error on and drops the cause; Step
    Functions keeps both, and call.asl.json's Backoff reads Carrier.Busy's cause (its
    retryAfter). The tests that execute state machines in process apply it too."""
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse.send_task_failure, "keeps_cause", False):
        return  # applied already in this process

    def send_task_failure(self: Any) -> Any:
        from moto.core.responses import EmptyResult

        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    send_task_failure.keeps_cause = True  # type: ignore[attr-defined]
    StepFunctionResponse.send_task_failure = send_task_failure


def share_stream_records() -> None:
    """moto's TransactWriteItems backs up every table it touches with a deep copy, to
    restore it should a condition fail; a table with a stream (Calls, Blasts, Conferences)
    carries every record it ever streamed, so each transaction copied them all again: a
    2,000-recipient blast's transactions took minutes and 24 GB. A record never changes
    once streamed, so the backup's stream keeps its own list of the same records: a
    failed transaction still leaves no record of its writes, as on DynamoDB."""
    from moto.dynamodb.models.table import StreamShard

    if getattr(StreamShard, "shares_records", False):
        return  # applied already in this process

    def deepcopy(self: StreamShard, memo: dict[int, Any]) -> StreamShard:
        twin = copy.copy(self)
        twin.items = list(self.items)
        twin.table = memo.get(id(self.table), self.table)  # the table being copied
        return twin

    StreamShard.__deepcopy__ = deepcopy
    StreamShard.shares_records = True


def main(argv: list[str] | None = None) -> None:
    from moto import server

    serialise_dynamodb()
    share_stream_records()
    skip_executions_without_a_worker()
    keep_task_failure_causes()
    # No access line per AWS request, no development-server banner: `make run` prints
    # one line per API request. Errors still show.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    quiet_moto_absent_paths()
    server.main(argv)


# moto's state machine interpreter logs an ERROR for each JSONPath it finds absent, even
# under `IsPresent` (call.asl.json's `$.pace`, on every call that is not paced), where the
# absence is the answer and the execution goes on. An execution that fails on an absent
# path still shows as failed (`make watch`, `make show-call`).
ASL_LOGGER = "moto.stepfunctions.parser.asl.component.eval_component"


def quiet_absent_paths(record: logging.LogRecord) -> bool:
    return "Exception=NoSuchJsonPathError" not in record.getMessage()


def quiet_moto_absent_paths() -> None:
    """In this process (moto's server, or `make bench` running moto in process)."""
    logger = logging.getLogger(ASL_LOGGER)
    if quiet_absent_paths not in logger.filters:
        logger.addFilter(quiet_absent_paths)


if __name__ == "__main__":
    main(sys.argv[1:])
