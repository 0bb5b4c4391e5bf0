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
lower layer to a higher one, and no project import inside a function under chalicelib/.
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
            "chalicelib.reference.__main__",
        ),
    ),
    # The routes, and the API's description built from their declarations.
    ("api", ("chalicelib.api", "chalicelib.reference")),
    ("workflows", ("chalicelib.workflows",)),
    (
        "services",
        (
            "chalicelib.protocol",
            "chalicelib.events",
            "chalicelib.store",
            "chalicelib.telephony",
            "chalicelib.media",
            "chalicelib.messaging",
        ),
    ),
    ("domain", ("chalicelib.domain",)),
    ("base", ("chalicelib",)),
)
# Arrows the layers alone would allow, and the rules forbid.
FORBIDDEN = (
    # The data layer knows no wire format.
    ("chalicelib.store", "chalicelib.protocol"),
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
                elif any(_under(source, low) and _under(target, high) for low, high in FORBIDDEN):
                    found.append(f"{source} imports {target} (forbidden)")
        return found


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


def build(root: Path = ROOT) -> Graph:
    graph = Graph(modules(root))
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
    # the module's names.
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and _deferring(node.value)
        ):
            aliases[node.targets[0].id] = node.value.args[0].value  # type: ignore[attr-defined]
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
