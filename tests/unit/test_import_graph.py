"""Imports flow one way (STYLE 13, docs/architecture.md): no circle, no reach into another
module's underscore names, no arrow up the layers, imports inside functions only for the
cold start (chalicelib/imports.py), and a cold start of app.py loads none of what it
defers. The graph is read from the source (tests/import_graph.py): nothing is imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chalicelib.imports import DEFERRED_LIBRARIES
from tests import import_graph
from tests.import_graph import (
    KNOWN_BREAKS,
    KNOWN_UNTYPED,
    PACKAGE_RULES,
    ROOT,
    Graph,
    build,
    layer,
)


def of_the_app(module: str) -> bool:
    """What a Lambda function runs: app.py and chalicelib/ (the tools set themselves up)."""
    return module == "app" or module.startswith("chalicelib")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build()


def test_there_is_no_import_circle(graph):
    assert graph.circles() == []


def test_no_module_imports_another_module_s_underscore_names(graph):
    assert graph.private == []


def test_no_import_goes_up_the_layers_or_breaks_a_package_rule(graph):
    # Any break not on KNOWN_BREAKS is in upward()
    assert graph.upward() == []


def test_the_known_breaks_of_the_package_rules_only_shrink(graph):
    assert graph.known_breaks_gone() == []
    assert all(
        any(s.startswith(low) and t.startswith(high) for low, high in PACKAGE_RULES)
        for s, t in KNOWN_BREAKS
    )


def test_mypy_sees_through_every_deferred_binding(graph):
    # Each on_first_use binding has its TYPE_CHECKING import (chalicelib/imports.py) ...
    assert graph.untyped_bindings(KNOWN_UNTYPED) == []
    # ... and the modules still waiting for theirs are listed only while they wait.
    assert sorted(KNOWN_UNTYPED - set(graph.untyped)) == []


def test_no_module_of_the_app_imports_this_project_inside_a_function(graph):
    # The cold start defers with on_first_use at the top of the module, never this way.
    inner = {
        m: lines for m, lines in graph.inner.items() if m == "app" or m.startswith("chalicelib")
    }
    assert inner == {}


def test_a_library_imported_inside_a_function_is_one_deferred_for_cold_start(graph):
    found = {
        f"{module}:{line} {library}"
        for module, libraries in graph.inner_libraries.items()
        if of_the_app(module)
        for line, library in libraries
        if library not in DEFERRED_LIBRARIES
    }
    assert found == set()


def test_the_cold_start_of_app_py_loads_nothing_it_defers():
    # Given a fresh interpreter, When it imports app.py as every Lambda function does
    code = "import json, sys, app; print(json.dumps(sorted(sys.modules)))"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(run.stdout.splitlines()[-1]))
    # Then no deferred library, no PynamoDB and none of the work behind the routes is loaded
    assert loaded & {*DEFERRED_LIBRARIES, "pynamodb"} == set()
    deferred = (
        "chalicelib.store",
        "chalicelib.events",
        "chalicelib.reference",
        "chalicelib.telephony.",
        "chalicelib.media.",
        "chalicelib.workflows.dialer",
        "chalicelib.workflows.fanout",
        "chalicelib.workflows.calls",
        "chalicelib.protocol.idempotency",
        # the web console, its templates and its operators' token checks
        "chalicelib.console",
        "jinja2",
        "jwt",
        "cryptography",
    )
    assert sorted(m for m in loaded if m.startswith(deferred)) == []


# -- the check itself ----------------------------------------------------------------------


def project(tmp_path: Path, files: dict[str, str]) -> Graph:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return build(tmp_path)


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path):
    graph = project(
        tmp_path,
        {
            "chalicelib/__init__.py": "",
            "chalicelib/store/__init__.py": "",
            "chalicelib/store/a.py": "from chalicelib.store import b\n",
            "chalicelib/store/b.py": "def f():\n    from chalicelib.store import a\n",
        },
    )
    assert graph.circles() == [["chalicelib.store.a", "chalicelib.store.b"]]
    assert graph.inner == {"chalicelib.store.b": ["2: from chalicelib.store import a"]}


def test_a_circle_through_on_first_use_is_found(tmp_path):
    graph = project(
        tmp_path,
        {
            "chalicelib/__init__.py": "",
            "chalicelib/media/__init__.py": "",
            "chalicelib/media/a.py": "from chalicelib.media import b\n",
            "chalicelib/media/b.py": 'a = on_first_use("chalicelib.media.a")\n',
        },
    )
    assert graph.circles() == [["chalicelib.media.a", "chalicelib.media.b"]]


def test_an_upward_arrow_and_a_reach_into_underscore_names_are_found(tmp_path):
    graph = project(
        tmp_path,
        {
            "chalicelib/__init__.py": "",
            "chalicelib/store/__init__.py": "",
            "chalicelib/store/s.py": "from chalicelib.workflows.w import _helper\n",
            "chalicelib/workflows/__init__.py": "",
            "chalicelib/workflows/w.py": "def _helper(): ...\n",
            "chalicelib/protocol/__init__.py": "",
            "chalicelib/protocol/p.py": "",
            "chalicelib/store/t.py": "from chalicelib.protocol import p\n",
        },
    )
    assert graph.upward() == [
        "chalicelib.store.s (services) imports chalicelib.workflows.w (workflows)",
        "chalicelib.store.t imports chalicelib.protocol.p (forbidden)",
    ]
    assert graph.private == ["chalicelib.store.s imports chalicelib.workflows.w._helper"]


def test_every_module_has_a_layer_and_the_tools_are_the_top():
    assert layer("app") == layer("local.run") == layer("infra.stack") == 0
    assert layer("chalicelib.api.calls") < layer("chalicelib.workflows.dialer")
    assert layer("chalicelib.workflows.dialer") < layer("chalicelib.store.calls")
    assert layer("chalicelib.store.calls") < layer("chalicelib.domain.profile")
    assert layer("chalicelib.domain.profile") < layer("chalicelib.settings")
    assert import_graph.LAYERS[layer("chalicelib.errors")][0] == "base"


def test_a_new_back_edge_between_two_packages_of_one_layer_is_found(tmp_path):
    # Given packages of the one services layer, and arrows the package rules forbid
    graph = project(
        tmp_path,
        {
            "chalicelib/__init__.py": "",
            "chalicelib/events/__init__.py": "",
            "chalicelib/events/e.py": "",
            "chalicelib/protocol/__init__.py": "",
            "chalicelib/protocol/p.py": "from chalicelib.events import e\n",
            "chalicelib/store/__init__.py": "",
            "chalicelib/store/s.py": 'x = on_first_use("chalicelib.telephony.t")\n',
            "chalicelib/telephony/__init__.py": "",
            "chalicelib/telephony/t.py": "",
            "chalicelib/messaging/__init__.py": "",
            "chalicelib/messaging/m.py": "import chalicelib.telephony.t\n",
            "chalicelib/workflows/__init__.py": "",
            "chalicelib/workflows/w.py": "from chalicelib.protocol import p\n",
            "chalicelib/domain/__init__.py": "",
            "chalicelib/domain/d.py": "from chalicelib.store import s\n",
        },
    )
    # Then every one is found, a deferred one too
    assert graph.upward() == [
        "chalicelib.domain.d (domain) imports chalicelib.store.s (services)",
        "chalicelib.messaging.m imports chalicelib.telephony.t (forbidden)",
        "chalicelib.protocol.p imports chalicelib.events.e (forbidden)",
        "chalicelib.store.s imports chalicelib.telephony.t (forbidden)",
        "chalicelib.workflows.w imports chalicelib.protocol.p (forbidden)",
    ]


def test_a_known_break_is_allowed_and_reported_once_gone(tmp_path):
    files = {
        "chalicelib/__init__.py": "",
        "chalicelib/events/__init__.py": "",
        "chalicelib/protocol/__init__.py": "",
        "chalicelib/protocol/p.py": "from chalicelib import events\n",
        "chalicelib/protocol/q.py": "",
    }
    known = frozenset(
        {
            ("chalicelib.protocol.p", "chalicelib.events"),
            ("chalicelib.protocol.q", "chalicelib.events"),
        }
    )
    project(tmp_path, files)
    graph = build(tmp_path, known_breaks=known)
    assert graph.upward() == []
    assert graph.known_breaks_gone() == [
        "chalicelib.protocol.q no longer imports chalicelib.events: take it off KNOWN_BREAKS"
    ]


def test_a_deferred_binding_without_its_type_checking_import_is_found(tmp_path):
    graph = project(
        tmp_path,
        {
            "chalicelib/__init__.py": "",
            "chalicelib/store/__init__.py": "",
            "chalicelib/store/users.py": "",
            "chalicelib/store/groups.py": "",
            "chalicelib/api/__init__.py": "",
            "chalicelib/api/typed.py": """\
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from chalicelib.store import users
                    from chalicelib.store import groups as teams
                else:
                    users = on_first_use("chalicelib.store.users")
                    teams = on_first_use("chalicelib.store.groups")
                """,
            "chalicelib/api/untyped.py": """\
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from chalicelib.store import users
                else:
                    users = on_first_use("chalicelib.store.groups")
                groups = on_first_use("chalicelib.store.groups")
                """,
        },
    )
    assert graph.untyped_bindings() == [
        'chalicelib.api.untyped: 5: users = on_first_use("chalicelib.store.groups")',
        'chalicelib.api.untyped: 6: groups = on_first_use("chalicelib.store.groups")',
    ]
    assert graph.untyped_bindings(frozenset({"chalicelib.api.untyped"})) == []
