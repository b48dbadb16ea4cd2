"""The layers hold, read statically from the source with `ast` (every import counts: module level,
in functions, under TYPE_CHECKING): engines are pure, services know no web framework, the pages do
not call into the API, and no two modules import each other round a circle."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "postprod"

ENGINES = ("postprod.planning", "postprod.qc", "postprod.editorial", "postprod.budget", "postprod.timecode")
FRAMEWORKS = ("fastapi", "starlette")
# What may not be imported, by the layer that may not import it.
RULES: list[tuple[tuple[str, ...], tuple[str, ...], str]] = [
    (
        ("postprod.services", *ENGINES),
        (*FRAMEWORKS, "postprod.web", "postprod.api", "postprod.cli", "postprod.http_deps", "postprod.app"),
        "services and engines know no web framework and no client",
    ),
    (("postprod.web",), ("postprod.api",), "the pages do not import the API (both import postprod.http_deps)"),
    (("postprod.api",), ("postprod.web",), "the API does not import the pages"),
    (
        ENGINES,
        ("sqlalchemy", "alembic", "postprod.db", "postprod.model", "postprod.services", "postprod.jobs"),
        "engines are pure libraries: no database",
    ),  # fmt: skip
    (
        ("postprod.services", "postprod.model", "postprod.db", *ENGINES),
        ("postprod.cli", "typer", "rich"),
        "only the command line prints",
    ),  # fmt: skip
]


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports, as a dotted name (a module, or a name in a module)
    line: int
    type_checking: bool  # under `if TYPE_CHECKING:` (not run, but still a dependency)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, module: str, is_package: bool = False) -> Iterator[Import]:
    """Every import statement of a module's source, wherever it stands."""
    package = module if is_package else module.rpartition(".")[0]

    def walk(node: ast.AST, guarded: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(module, alias.name, child.lineno, guarded)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (child.level - 1)]
                    base = ".".join([*parts, base] if base else parts)
                for alias in child.names:
                    yield Import(module, f"{base}.{alias.name}", child.lineno, guarded)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), True)
                for stmt in child.orelse:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), guarded)
            else:
                yield from walk(child, guarded)

    yield from walk(ast.parse(source), False)


def all_imports(root: Path = SRC) -> tuple[set[str], list[Import]]:
    """The modules of postprod and every import they make."""
    modules: set[str] = set()
    found: list[Import] = []
    for path in sorted((root / "postprod").rglob("*.py")):
        name = module_name(path, root)
        modules.add(name)
        found.extend(imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py"))
    return modules, found


def within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(found: Iterable[Import]) -> list[str]:
    out = []
    for imp in found:
        for layer, forbidden, why in RULES:
            if within(imp.module, layer) and within(imp.target, forbidden):
                out.append(f"{imp.module}:{imp.line} imports {imp.target} ({why})")
    return out


def resolve(target: str, modules: set[str]) -> str | None:
    """The postprod module an import loads (`from m import name` loads m, or m.name when it is a module)."""
    name = target
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def circles(modules: set[str], found: Iterable[Import]) -> list[list[str]]:
    """Groups of modules that import each other round a circle (Tarjan's strongly connected components).

    The ORM's model relations aside: model classes name each other under TYPE_CHECKING for their
    relationship() annotations, which SQLAlchemy resolves by name at run time.
    """
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in found:
        target = resolve(imp.target, modules) if imp.target.startswith("postprod") else None
        if target is None or target == imp.module:
            continue
        if imp.type_checking and within(imp.module, ["postprod.model"]) and within(target, ["postprod.model"]):
            continue
        graph[imp.module].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_layers_hold() -> None:
    _, found = all_imports()
    assert violations(found) == []


def test_no_import_circles() -> None:
    modules, found = all_imports()
    assert circles(modules, found) == []


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("postprod.services.x", "def f():\n    from fastapi import Request\n", "fastapi"),
        ("postprod.qc.x", "import starlette.requests\n", "starlette.requests"),
        ("postprod.editorial.x", "from postprod.web import routes\n", "postprod.web.routes"),
        ("postprod.web.x", "from postprod.api.deps import load_task\n", "postprod.api.deps.load_task"),
        ("postprod.planning.x", "def solve():\n    if True:\n        import sqlalchemy\n", "sqlalchemy"),
        (
            "postprod.timecode",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sqlalchemy import X\n",
            "sqlalchemy.X",
        ),  # fmt: skip
        ("postprod.qc.x", "class A:\n    def m(self):\n        from ..db import session_scope\n", "postprod.db"),
    ],
)
def test_the_check_sees_every_kind_of_import(module: str, source: str, broken: str) -> None:
    """The checks above can fail: each forbidden import, however it is written, is reported."""
    found = list(imports_of(source, module))
    assert any(broken in v for v in violations(found)), (module, found)


def test_the_circle_check_sees_a_circle_through_a_function() -> None:
    modules = {"postprod.a", "postprod.b", "postprod.c", "postprod.model.x", "postprod.model.y"}
    found = [
        *imports_of("from postprod.b import f\n", "postprod.a"),
        *imports_of("def g():\n    from postprod.c import h\n", "postprod.b"),
        *imports_of("import postprod.a\n", "postprod.c"),
        *imports_of(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from postprod.model.y import Y\n",
            "postprod.model.x",
        ),  # fmt: skip
        *imports_of("from postprod.model.x import X\n", "postprod.model.y"),
    ]
    assert circles(modules, found) == [["postprod.a", "postprod.b", "postprod.c"]]
