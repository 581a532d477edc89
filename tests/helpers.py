"""Small pieces shared by several test modules (tests/ is not a package: the
test modules import this file by name)."""

import contextlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# Parity must hold whichever tanh form the CPU picks: tanh runs with each form
# forced in turn (conftest's tanh_form), the other activations as they are.
ACTIVATIONS = pytest.mark.parametrize(
    ("activation", "tanh_form"),
    [
        ("identity", None),
        ("logistic", None),
        ("tanh", "native"),
        ("tanh", "exp"),
        ("relu", None),
    ],
    indirect=["tanh_form"],
)


def numpydoc_section(doc, title):
    """Return the ``(name, header)`` entries of a numpydoc section of ``doc``.

    ``inspect.cleandoc`` first: Python 3.13 strips docstrings' indentation at
    compile time, older versions keep it.
    """
    doc = inspect.cleandoc(doc)
    body = doc.split(f"\n{title}\n{'-' * len(title)}\n", 1)[1]
    body = re.split(r"\n\S[^\n]*\n-+\n", body, maxsplit=1)[0]
    return re.findall(r"^(\w+) : (.*)$", body, flags=re.MULTILINE)


def assert_one_line_error(capsys, status, *fragments):
    """The command line failed with exit status 2 and one ``error:`` line."""
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


@contextlib.contextmanager
def benchmark_script(name):
    """Import ``benchmarks/<name>.py`` by path (benchmarks/ is not a package).

    The module stays in ``sys.modules`` (where its dataclasses look it up), as
    ``skbareback_<name>``, until the ``with`` block ends.
    """
    path = BENCHMARKS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"skbareback_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]
