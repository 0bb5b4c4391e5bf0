"""jsii's Node.js warnings reach standard error as text, not as Python bytes literals."""

from __future__ import annotations

import base64
import io
import json

from infra import jsii_output


def test_node_s_own_lines_are_text_and_framed_lines_are_passed_on(capsysbinary):
    framed = json.dumps({"stderr": base64.b64encode(b"framed\n").decode()}).encode() + b"\n"
    reader = io.BytesIO(b"!!  Node 20 is end-of-life  !!\n" + framed + b"[1, 2]\n")
    jsii_output.sink(reader)
    err = capsysbinary.readouterr().err
    assert err == b"!!  Node 20 is end-of-life  !!\nframed\n[1, 2]\n"
    assert b"b'" not in err


def test_as_text_replaces_jsii_s_sink():
    from jsii._kernel.providers import process

    saved = process.stderr_sink
    try:
        jsii_output.as_text()
        assert process.stderr_sink is jsii_output.sink
    finally:
        process.stderr_sink = saved
