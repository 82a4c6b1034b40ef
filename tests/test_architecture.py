"""The package's layout rules, read from the imports of every module (lazy ones included):
no import circle, no stage importing one above it, each third-party engine or framework
imported by its own folder alone, and every package in the wheel."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "searchapp"

# Stages from the bottom up: a module may import its own stage and those below. Stages of the
# same rank are siblings and never import each other.
STAGES = {
    "searchapp.errors": 0,
    "searchapp.config": 1,
    "searchapp.text": 2,
    "searchapp.ingest": 3,
    "searchapp.engines": 3,
    "searchapp.reindex": 4,
    "searchapp.search": 4,
    "searchapp.watch": 5,
    "searchapp.web": 6,
    "searchapp.cli": 7,
}
# Third-party imports allowed only inside one folder.
OWNERS = {
    "whoosh": "searchapp.engines.whoosh",
    "xapian": "searchapp.engines.xapian",
    "nltk": "searchapp.text",
    "py3langid": "searchapp.text",
    "jieba": "searchapp.text",
    "iuliia": "searchapp.text",
    "translitua": "searchapp.text",
    "flask": "searchapp.web",
    "flask_limiter": "searchapp.web",
    "feedgen": "searchapp.watch",
    "watchdog": "searchapp.watch",
}
# What search may use of the engines: the protocols, the query tree, the registry, and two
# pieces of Whoosh's library code that work on any engine's text (the query language's parser
# and the highlighter), which live in engines/whoosh as the one folder importing Whoosh.
SEARCH_MAY_USE = {
    "searchapp.engines.base",
    "searchapp.engines.query",
    "searchapp.engines.registry",
    "searchapp.engines.whoosh.parser",
    "searchapp.engines.whoosh.highlight",
}
ENGINE_NEUTRAL = ("searchapp.engines.base", "searchapp.engines.query")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a module of the package, or a top-level third-party name
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imports(root: Path) -> list[Import]:
    """Every import of every module under ``root``: to a module of the package (``from . import
    x`` names the submodule x when there is one) or to a top-level third-party package."""
    known = modules(root)
    found = []
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                if target == "__future__":
                    continue
                top = target.split(".")[0]
                if top != root.name:
                    target = top
                found.append(Import(name, target, node.lineno))
    return found


def stage_of(module: str) -> tuple[str, int] | None:
    for prefix, rank in STAGES.items():
        if module == prefix or module.startswith(f"{prefix}."):
            return prefix, rank
    return None


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def violations(found: Iterable[Import], package: str = "searchapp") -> list[str]:
    """Upward and sideways imports between stages, engine-specific imports where they are not
    allowed, and third-party imports outside their owners' folders."""
    problems = []
    for imp in found:
        where = f"{imp.importer} (line {imp.line}) imports {imp.imported}"
        if not _inside(imp.imported, package):
            owner = OWNERS.get(imp.imported)
            if owner and not _inside(imp.importer, owner):
                problems.append(f"{where}: only {owner} may")
            continue
        ours, theirs = stage_of(imp.importer), stage_of(imp.imported)
        if ours is None or theirs is None:
            continue
        if ours[0] != theirs[0] and theirs[1] >= ours[1]:
            problems.append(f"{where}: {theirs[0]} is not below {ours[0]}")
        if imp.importer.startswith(ENGINE_NEUTRAL) and _inside(imp.imported, "searchapp.engines"):
            if imp.imported.startswith(("searchapp.engines.whoosh", "searchapp.engines.xapian")):
                problems.append(f"{where}: the engine interface imports no engine")
        for engine, other in (("whoosh", "xapian"), ("xapian", "whoosh")):
            if _inside(imp.importer, f"searchapp.engines.{engine}") and _inside(
                imp.imported, f"searchapp.engines.{other}"
            ):
                problems.append(f"{where}: one engine never imports another")
        if (
            _inside(imp.importer, "searchapp.search")
            and _inside(imp.imported, "searchapp.engines")
            and imp.imported != "searchapp.engines"
            and imp.imported not in SEARCH_MAY_USE
        ):
            problems.append(f"{where}: search uses only {', '.join(sorted(SEARCH_MAY_USE))}")
    return problems


def circles(found: Iterable[Import], package: str = "searchapp") -> list[list[str]]:
    """The import circles between modules of ``package`` (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if _inside(imp.imported, package):
            graph.setdefault(imp.importer, set()).add(imp.imported)
            graph.setdefault(imp.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_import_circle():
    assert circles(imports(PACKAGE)) == []


def test_imports_flow_down_the_stages():
    assert violations(imports(PACKAGE)) == []


def test_every_module_has_a_stage():
    unplaced = [m for m in modules(PACKAGE) if m != "searchapp" and stage_of(m) is None]
    assert unplaced == []


def test_every_package_is_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    packages = {module_name(p, PACKAGE) for p in PACKAGE.rglob("__init__.py")}
    assert packages - listed == set()


def test_tests_do_not_import_the_benchmarks():
    tests = Path(__file__).resolve().parent
    found = imports(tests)
    assert [i for i in found if i.imported == "benchmarks"] == []


# -- the rules catch what they are for ------------------------------------------------------


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A package breaking each rule once."""
    root = tmp_path / "searchapp"
    files = {
        "__init__.py": "",
        "errors.py": "",
        "text/__init__.py": "",
        "text/analysis.py": "from ..search import service\n",  # upward, and a circle
        "engines/__init__.py": "",
        "engines/base.py": "from .whoosh import engine\n",  # an engine in the interface
        "engines/whoosh/__init__.py": "",
        "engines/whoosh/engine.py": "import whoosh\nfrom ..xapian import writer\n",
        "engines/xapian/__init__.py": "",
        "engines/xapian/writer.py": "def f():\n    import whoosh.query\n",  # lazy, still caught
        "ingest/__init__.py": "",
        "ingest/readers.py": "from ..engines import base\n",  # sideways
        "search/__init__.py": "",
        "search/service.py": "from ..text import analysis\nfrom ..engines.whoosh import engine\n",
    }
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_rules_catch_planted_violations(planted: Path):
    found = imports(planted)
    assert circles(found) == [["searchapp.search.service", "searchapp.text.analysis"]]
    problems = "\n".join(violations(found))
    assert "searchapp.text.analysis (line 1) imports searchapp.search.service" in problems
    assert "the engine interface imports no engine" in problems
    assert "one engine never imports another" in problems
    assert "searchapp.engines.xapian.writer (line 2) imports whoosh: only" in problems
    assert "searchapp.ingest.readers (line 1) imports searchapp.engines.base" in problems
    assert "search uses only" in problems
    assert "searchapp.engines.whoosh.engine (line 1) imports whoosh" not in problems
