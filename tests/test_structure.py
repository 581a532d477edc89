"""The shape of the package: small modules, no class that does everything."""

import ast
from pathlib import Path

import pytest

import skbareback

# The package as imported: the source tree, or the installed wheel's files.
MODULES = sorted(Path(skbareback.__file__).parent.glob("*.py"))


def test_the_package_has_its_modules():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_modules_and_class_bodies_stay_small(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 700, f"{path.name} is over 700 lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            assert size <= 400, f"{node.name} is {size} lines, docstring included"
