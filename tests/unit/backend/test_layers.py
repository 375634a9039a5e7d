"""The rooms of the service keep to their doors: read off the source, so a shortcut fails here."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[3] / "job_monitor" / "backend"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def backend_imports(room: str) -> dict[str, set[str]]:
    return {
        path.name: {m for m in imported_modules(path) if m.startswith("job_monitor")}
        for path in (BACKEND / room).glob("*.py")
    }


def test_graphql_imports_only_services_and_domain() -> None:
    allowed = (
        "job_monitor.backend.services",
        "job_monitor.backend.domain",
        "job_monitor.backend.graphql",
    )
    strays = {
        name: sorted(m for m in modules if not m.startswith(allowed))
        for name, modules in backend_imports("graphql").items()
    }
    assert {name: found for name, found in strays.items() if found} == {}


def test_the_domain_imports_only_the_domain() -> None:
    strays = {
        name: sorted(m for m in modules if not m.startswith("job_monitor.backend.domain"))
        for name, modules in backend_imports("domain").items()
    }
    assert {name: found for name, found in strays.items() if found} == {}


def test_no_class_name_is_defined_twice_in_the_service() -> None:
    names: Counter[str] = Counter()
    for path in BACKEND.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.update(node.name for node in tree.body if isinstance(node, ast.ClassDef))
    assert [name for name, count in names.items() if count > 1] == []


def test_error_types_live_in_one_module() -> None:
    defining = sorted(
        str(path.relative_to(BACKEND))
        for path in BACKEND.rglob("*.py")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef)
        and any(
            isinstance(base, ast.Name) and base.id in {"Exception", "ValueError"}
            for base in node.bases
        )
    )
    assert set(defining) == {"domain/errors.py"}
