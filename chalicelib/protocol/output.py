"""The output format: `output` (xml or json) and `verbose` (0 or 1), which every route
reads, and the format an answer takes even when they are not valid (RULINGS "Wire
format")."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.protocol.fields import Choice, Flag, read
from chalicelib.protocol.variables import Variables, from_request


def requested_format(output: str | None) -> str:
    """The format to answer in, even when `output` is not valid (its error is then in XML)."""
    return "json" if (output or "").strip().lower() == "json" else "xml"


def query_format(query: Mapping[str, str] | None) -> str:
    """The format the query string asks for (before, or without, reading the body)."""
    return requested_format(from_request(query, {}, b"").get("output"))


OUTPUT = Choice(
    "output", ("xml", "json"), default="xml", doc="The response format: XML (default) or JSON."
)
VERBOSE = Flag("verbose", doc='1: also send the bodies the reference marks "verbose only".')


def output_options(variables: Variables) -> tuple[str, bool]:
    """`output` (xml|json, else 901) and `verbose` (0|1, else 901)."""
    values = read(variables, OUTPUT, VERBOSE)
    return values["output"], bool(values["verbose"])
