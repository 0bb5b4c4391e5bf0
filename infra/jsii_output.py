"""What the CDK's Node.js process writes to standard error, as text.

jsii's Python runtime prints a stderr line that is not its own JSON framing with
`print(line)`, a bytes object: Node's own warnings (jsii's "Node 20 is end-of-life" box)
came out as `b'!!  Please upgrade ...  !!\\n'`, line after line. `as_text()` swaps its sink
for one that decodes them, before the first CDK import starts the process; its framed
lines are written as jsii writes them.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import IO, Any


def sink(reader: IO[Any]) -> None:
    for line in iter(reader.readline, b""):
        try:
            console = json.loads(line)
        except ValueError:
            console = None
        if not isinstance(console, dict):
            text = line.decode(errors="replace") if isinstance(line, bytes) else str(line)
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
            continue
        if console.get("stderr") is not None:
            sys.stderr.buffer.write(base64.b64decode(console["stderr"]))
        if console.get("stdout") is not None:
            sys.stdout.buffer.write(base64.b64decode(console["stdout"]))


def as_text() -> None:
    from jsii._kernel.providers import process

    process.stderr_sink = sink
