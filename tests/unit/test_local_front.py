"""What `make run` prints besides one line per request (local/api_server.py,
local/aws_server.py): nothing for a client that hung up, nothing for moto's absent paths."""

from __future__ import annotations

import logging

from local.api_server import CrowdServer
from local.aws_server import ASL_LOGGER, quiet_absent_paths


def test_a_client_that_hung_up_prints_no_traceback_and_other_errors_still_do(capsys):
    server = CrowdServer.__new__(CrowdServer)  # unbound: handle_error needs no socket
    for error in (ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe"), KeyError("x")):
        try:
            raise error
        except Exception:
            server.handle_error(None, ("127.0.0.1", 50782))
    printed = capsys.readouterr().err
    assert "ConnectionResetError" not in printed
    assert "BrokenPipeError" not in printed
    assert "KeyError" in printed


def test_moto_absent_paths_are_quiet_and_its_other_errors_are_not():
    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord(ASL_LOGGER, logging.ERROR, __file__, 1, message, (), None)

    absent = "Exception=NoSuchJsonPathError, Details=None-Available at '$.pace'"
    assert not quiet_absent_paths(record(absent))
    assert quiet_absent_paths(record("Exception=FailureEventException, Error=States.Timeout"))


def test_executions_whose_interpreter_is_not_ready_are_passed_over_by_task_callbacks():
    from types import SimpleNamespace

    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    from local.aws_server import skip_executions_without_a_worker

    skip_executions_without_a_worker()
    ready = SimpleNamespace(status="RUNNING", exec_worker=SimpleNamespace(env=object()))
    starting = SimpleNamespace(status="RUNNING", exec_worker=SimpleNamespace(env=None))
    created = SimpleNamespace(status="RUNNING", exec_worker=None)
    backend = SimpleNamespace(
        state_machines=[SimpleNamespace(executions=[created, starting, ready])]
    )
    assert StepFunctionsParserBackend._get_executions(backend, "RUNNING") == [ready]
