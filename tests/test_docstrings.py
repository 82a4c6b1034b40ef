"""Cross-references in docstrings and comments (``:mod:``, ``:class:``, ``:func:``…) name things
that exist: a module moved or a class renamed leaves no stale pointer behind."""

from __future__ import annotations

import builtins
import importlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchapp"
_THIRD_PARTY = ("whoosh", "xapian", "flask", "nltk", "click", "werkzeug")
ROLE = re.compile(r":(?:mod|class|func|meth|attr|data|exc|obj):`~?([\w.]+)`")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolves(target: str, module: str, is_package: bool) -> bool:
    """Whether ``target`` names a module or an attribute reached from one: absolute, relative
    to ``module``'s package (a leading dot), or a name of ``module`` itself."""
    if target.startswith("."):
        package = module if is_package else module.rpartition(".")[0]
        dots = len(target) - len(target.lstrip("."))
        for _ in range(dots - 1):
            package = package.rpartition(".")[0]
        target = f"{package}.{target.lstrip('.')}"
    elif "." not in target:  # a name of the module, or a method of one of its classes
        namespace = vars(importlib.import_module(module)) | vars(builtins)
        classes = [v for v in namespace.values() if isinstance(v, type)]
        return target in namespace or any(hasattr(c, target) for c in classes)
    elif target.split(".")[0] not in ("searchapp", *_THIRD_PARTY):
        target = f"{module}.{target}"
    return _exists(target)


def _exists(target: str) -> bool:
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                found = getattr(found, attribute)
        except AttributeError:
            return False
        return True
    return False


def references() -> list[tuple[str, str, bool]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for target in ROLE.findall(text):
            found.append((module_name(path), target, path.name == "__init__.py"))
    return found


def test_the_package_has_cross_references():
    assert len(references()) > 10


@pytest.mark.parametrize(("module", "target", "is_package"), references())
def test_a_cross_reference_names_something_that_exists(module, target, is_package):
    assert resolves(target, module, is_package), f"{module}: `{target}` names nothing"


def test_a_stale_reference_is_caught():
    assert resolves("searchapp.engines.base.Writer", "searchapp.reindex", False)
    assert resolves(".base.Writer", "searchapp.engines.registry", False)
    assert not resolves("searchapp.engine.Writer", "searchapp.reindex", False)
    assert not resolves("searchapp.engines.base.NoSuchThing", "searchapp.reindex", False)
