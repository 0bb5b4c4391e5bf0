"""The project's import graph, read from the source (nothing is imported): app.py,
chalicelib/, local/, infra/ and bench/, every import counted wherever it is written (in a
function, under TYPE_CHECKING), and so are `on_first_use("...")` and
`importlib.import_module("...")` with a literal name and a string naming an attribute of a
module of the project as "module:attribute" (workflows/fire.py's kinds). The same rules
as ../shared/tools/import_graph.py, self-contained. docs/architecture.md says what the
layers are and why.

    python -m tests.import_graph     prints what breaks the rules

tests/unit/test_import_graph.py asserts on it: no circle (a strongly connected group of
two or more modules), no import of another module's underscore names, no arrow from a
lower layer to a higher one, no arrow a package rule forbids (PACKAGE_RULES: pairs of
packages, which the layers alone cannot tell apart), no project import inside a function
under chalicelib/, and no `on_first_use` binding that mypy cannot see through (each has
its TYPE_CHECKING import: chalicelib/imports.py).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("chalicelib", "local", "infra", "bench")
SKIPPED_DIRS = {"build", "cdk.out", "__pycache__"}
DEFERRING_CALLS = {"on_first_use", "import_module"}

# Layers, highest first: a module may import its own layer (without a circle) and those
# below it, never one above. The longest matching prefix places a module.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "entry points and tools",
        (
            "app",
            "local",
            "infra",
            "bench",
            "chalicelib.admin",
            "chalicelib.watch",
            "chalicelib.reference.__main__",
        ),
    ),
    # The routes, and the API's description built from their declarations.
    ("api", ("chalicelib.api", "chalicelib.reference", "chalicelib.console")),
    ("workflows", ("chalicelib.workflows",)),
    # The packages below the workflows. The layer lets them import each other; the
    # package rules (PACKAGE_RULES) say which pairs may not.
    (
        "services",
        (
            "chalicelib.protocol",
            "chalicelib.events",
            "chalicelib.store",
            "chalicelib.telephony",
            "chalicelib.media",
            "chalicelib.messaging",
            # A provider's account, shared by telephony and messaging (below neither).
            "chalicelib.providers",
        ),
    ),
    ("domain", ("chalicelib.domain",)),
    ("base", ("chalicelib",)),
)
# The package rules (docs/architecture.md "Packages"): arrows between two packages that
# the layers alone would allow (or that a layer already forbids, stated again as the rule
# the architecture names), and the rules forbid. ../shared/tools/package_rules.py has the
# same list.
PACKAGE_RULES = (
    # The data layer keeps state: it knows no wire format, no events, no carrier. The
    # values it shares with them (the subscription, the attempt results) are domain/'s.
    ("chalicelib.store", "chalicelib.protocol"),
    ("chalicelib.store", "chalicelib.events"),
    ("chalicelib.store", "chalicelib.telephony"),
    ("chalicelib.store", "chalicelib.messaging"),
    # The wire format knows no events: a request's subscription is a domain value, its URL
    # vetted by media/callback_urls.py.
    ("chalicelib.protocol", "chalicelib.events"),
    # The workflows work on decoded values: the wire format is parsed once, by the routes.
    ("chalicelib.workflows", "chalicelib.protocol"),
    # A text provider is no carrier of calls: what they share lives below both.
    ("chalicelib.messaging", "chalicelib.telephony"),
    ("chalicelib.providers", "chalicelib.telephony"),
    ("chalicelib.providers", "chalicelib.messaging"),
    # The rules are pure: no state, no wire format.
    ("chalicelib.domain", "chalicelib.store"),
    ("chalicelib.domain", "chalicelib.protocol"),
)
# Package rules broken on main while issue 29's branches remove them, (importer, imported)
# module by module: each is reported by `known_breaks_gone` once it is gone, so this list
# only shrinks, and any break not on it fails. Empty it when the branches are merged.
KNOWN_BREAKS: frozenset[tuple[str, str]] = frozenset()
# Modules whose on_first_use bindings have no TYPE_CHECKING import yet (mypy reads them as
# ModuleType, their attributes as Any): in the packages issue 29's other branches
# rewrite. Empty it when they are merged.
KNOWN_UNTYPED: frozenset[str] = frozenset()
# Arrows the layers alone would allow, and the rules forbid: the package rules, and the
# tools'.
FORBIDDEN = (
    *PACKAGE_RULES,
    # The tools import the app, never the reverse.
    ("chalicelib", "local"),
    ("chalicelib", "infra"),
    ("chalicelib", "bench"),
    ("app", "local"),
    ("app", "infra"),
    ("app", "bench"),
)


@dataclass
class Graph:
    files: dict[str, Path]
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    private: list[str] = field(default_factory=list)
    # module -> "line: statement" of each import of this project inside a function
    inner: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # module -> "line: library" of each third-party import inside a function
    inner_libraries: dict[str, list[tuple[int, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # module -> the names it binds with on_first_use and imports under TYPE_CHECKING
    # nowhere (so mypy reads them as ModuleType)
    untyped: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    known_breaks: frozenset[tuple[str, str]] = frozenset()

    def resolve(self, name: str) -> str | None:
        while name and name not in self.files:
            name = name.rpartition(".")[0]
        return name or None

    def circles(self) -> list[list[str]]:
        return _strongly_connected(sorted(self.files), self.edges)

    def upward(self) -> list[str]:
        """Arrows from a lower layer to a higher one, and the forbidden ones."""
        found = []
        for source in sorted(self.edges):
            for target in sorted(self.edges[source]):
                if layer(target) < layer(source):
                    found.append(
                        f"{source} ({LAYERS[layer(source)][0]}) imports "
                        f"{target} ({LAYERS[layer(target)][0]})"
                    )
                elif (source, target) not in self.known_breaks and any(
                    _under(source, low) and _under(target, high) for low, high in FORBIDDEN
                ):
                    found.append(f"{source} imports {target} (forbidden)")
        return found

    def known_breaks_gone(self) -> list[str]:
        """The entries of `known_breaks` that are no longer in the graph."""
        return sorted(
            f"{source} no longer imports {target}: take it off KNOWN_BREAKS"
            for source, target in self.known_breaks
            if target not in self.edges.get(source, ())
        )

    def untyped_bindings(self, known: frozenset[str] = frozenset()) -> list[str]:
        """Each on_first_use binding without its TYPE_CHECKING import, but in `known`."""
        return [
            f"{module}: {binding}"
            for module, bindings in sorted(self.untyped.items())
            if module not in known
            for binding in bindings
        ]


def layer(module: str) -> int:
    """The index in LAYERS (0 the highest) of the longest prefix naming the module."""
    best, index = -1, len(LAYERS) - 1
    for i, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if _under(module, prefix) and len(prefix) > best:
                best, index = len(prefix), i
    return index


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def modules(root: Path = ROOT) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for top in TOPS:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root)
            if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts):
                continue
            name = ".".join(relative.with_suffix("").parts)
            files[name.removesuffix(".__init__")] = path
    if (root / "app.py").exists():
        files["app"] = root / "app.py"
    return files


def build(root: Path = ROOT, known_breaks: frozenset[tuple[str, str]] | None = None) -> Graph:
    """The graph of the project at `root`; `known_breaks`: KNOWN_BREAKS for this project."""
    if known_breaks is None:
        known_breaks = KNOWN_BREAKS if root == ROOT else frozenset()
    graph = Graph(modules(root), known_breaks=known_breaks)
    for module, path in graph.files.items():
        _read(graph, module, path)
    graph.private.sort()
    return graph


def _read(graph: Graph, module: str, path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    aliases: dict[str, str] = {}

    def add(target: str | None) -> None:
        if target and target != module:
            graph.edges[module].add(target)

    for node, in_function in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(graph.resolve(alias.name))
                if alias.asname and alias.name in graph.files:
                    aliases[alias.asname] = alias.name
                if in_function:
                    _inner(graph, module, node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                target = full if full in graph.files else graph.resolve(base)
                if full in graph.files:
                    aliases[alias.asname or alias.name] = full
                add(target)
                if target and target != module and _private(alias.name) and full not in graph.files:
                    graph.private.append(f"{module} imports {base}.{alias.name}")
            if in_function:
                _inner(graph, module, node, base)
        elif isinstance(node, ast.Call) and _deferring(node):
            add(graph.resolve(node.args[0].value))  # type: ignore[attr-defined]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named, colon, attribute = node.value.partition(":")
            if colon and attribute.isidentifier() and named in graph.files:
                add(named)
    # on_first_use proxies bound to a name: attribute reads through them count as reads of
    # the module's names, and each needs its TYPE_CHECKING import of the same module.
    typed = _type_checking_imports(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and _deferring(node.value)
        ):
            name, target = node.targets[0].id, node.value.args[0].value  # type: ignore[attr-defined]
            aliases[name] = target
            function = node.value.func
            if getattr(function, "id", getattr(function, "attr", "")) == "on_first_use" and (
                typed.get(name) != target
            ):
                graph.untyped[module].append(f'{node.lineno}: {name} = on_first_use("{target}")')
                graph.untyped[module].sort(key=lambda line: int(line.partition(":")[0]))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _private(node.attr)
            and aliases[node.value.id] != module
        ):
            graph.private.append(f"{module} uses {aliases[node.value.id]}.{node.attr}")
    graph.private[:] = sorted(set(graph.private))


def _type_checking_imports(tree: ast.Module) -> dict[str, str]:
    """The names bound by imports under `if TYPE_CHECKING:` at the top of the module, and
    the module each names (`from a.b import c as d`: d -> a.b.c)."""
    found: dict[str, str] = {}
    for node in tree.body:
        test = node.test if isinstance(node, ast.If) else None
        if getattr(test, "id", getattr(test, "attr", None)) != "TYPE_CHECKING":
            continue
        for statement in node.body:  # type: ignore[attr-defined]
            if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                for alias in statement.names:
                    found[alias.asname or alias.name] = f"{statement.module}.{alias.name}"
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
    return found


def _walk(tree: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """Every node, and whether it is inside a function."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        yield node, in_function
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))


def _deferring(call: ast.Call) -> bool:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return (
        name in DEFERRING_CALLS
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def _inner(graph: Graph, module: str, node: ast.Import | ast.ImportFrom, name: str) -> None:
    top = name.partition(".")[0]
    if getattr(node, "level", 0) or top in (*TOPS, "app", "tests"):
        graph.inner[module].append(f"{node.lineno}: {ast.unparse(node)}")
        graph.inner[module].sort(key=lambda line: int(line.partition(":")[0]))
    else:
        graph.inner_libraries[module].append((node.lineno, top))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _strongly_connected(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively; groups of two or more modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def main() -> int:
    graph = build()
    problems = [f"circle: {' '.join(c)}" for c in graph.circles()]
    problems += [f"private: {p}" for p in graph.private]
    problems += [f"upward: {u}" for u in graph.upward()]
    problems += [f"known break gone: {g}" for g in graph.known_breaks_gone()]
    problems += [
        f"deferred binding without its TYPE_CHECKING import: {u}"
        for u in graph.untyped_bindings(KNOWN_UNTYPED)
    ]
    problems += [
        f"known untyped gone: {m} has no untyped binding: take it off KNOWN_UNTYPED"
        for m in sorted(KNOWN_UNTYPED - set(graph.untyped))
    ]
    problems += [
        f"import in a function: {m}:{line}"
        for m, lines in sorted(graph.inner.items())
        if m == "app" or m.startswith("chalicelib")
        for line in lines
    ]
    for problem in problems:
        print(problem)
    edges = sum(len(targets) for targets in graph.edges.values())
    print(f"{len(graph.files)} modules, {edges} imports; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
