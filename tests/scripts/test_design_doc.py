"""docs/design.md points only at code that exists: every module, object and path it names."""

from __future__ import annotations

import importlib
import re

import pytest

from .support import REPO

DESIGN = REPO / "docs" / "design.md"
PACKAGES = ("pmo_shared", "project_svc", "program_svc", "portfolio_svc", "reporting_svc")
TOP_FOLDERS = ("services/", "shared/", "tests/", "docs/", "deploy/")
FORMULAS = "reporting_svc.domain."
FORMULA_MODULES = ("evm.", "health.", "rollup.")


def quoted_names() -> list[str]:
    """Everything the design quotes as code (between backticks)."""
    return re.findall(r"`([^`\s]+)`", DESIGN.read_text(encoding="utf-8"))


def resolves(dotted: str) -> bool:
    """Whether `a.b.c` is a module, or an object reached from the longest module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def code_pointers() -> set[str]:
    """The dotted names the design quotes: absolute ones, and the formulas of §4, which it names
    relative to `reporting_svc.domain` (`evm.compute_metrics`)."""
    names = set(quoted_names())
    absolute = {n for n in names if n.startswith(tuple(p + "." for p in PACKAGES))}
    formulas = {FORMULAS + n for n in names if n.startswith(FORMULA_MODULES)}
    return absolute | formulas


CODE_POINTERS = sorted(code_pointers())
PATH_POINTERS = sorted({n for n in quoted_names() if n.startswith(TOP_FOLDERS)})


def test_the_design_points_at_modules_and_paths() -> None:
    assert len(CODE_POINTERS) >= 10
    assert PATH_POINTERS


@pytest.mark.parametrize("dotted", CODE_POINTERS)
def test_every_module_the_design_names_exists(dotted: str) -> None:
    assert resolves(dotted), f"docs/design.md names {dotted}, which does not exist"


@pytest.mark.parametrize("path", PATH_POINTERS)
def test_every_path_the_design_names_exists(path: str) -> None:
    assert (REPO / path).exists(), f"docs/design.md names {path}, which does not exist"


def test_the_design_and_the_architecture_link_each_other() -> None:
    architecture = REPO / "docs" / "architecture.md"

    assert "(architecture.md)" in DESIGN.read_text(encoding="utf-8")
    assert "(design.md)" in architecture.read_text(encoding="utf-8")
