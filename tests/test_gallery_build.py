"""The examples fit how sphinx-gallery runs them in the documentation build.

sphinx-gallery runs each ``examples/plot_*.py`` inside the Sphinx process with
no ``__file__`` defined, and draws the figures still open at the end of each
cell. These checks read the scripts' source, so a new example that would break
the docs build (``.ci/docs.sh``) fails here first, in seconds.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
PYPLOT_CLOSE = {"plt.close", "pyplot.close", "matplotlib.pyplot.close"}
CONF = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")


def _env_override(node, parents):
    """The variable of ``os.environ.get(VAR) or ...`` that guards ``node``."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            first = node.values[0]
            if (
                isinstance(first, ast.Call)
                and ast.unparse(first.func) == "os.environ.get"
                and isinstance(first.args[0], ast.Constant)
            ):
                return first.args[0].value
    return None


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_paths_from_file_have_an_override_the_docs_set(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {
        child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__file__":
            var = _env_override(node, parents)
            assert var, (
                f"line {node.lineno}: __file__ without an 'os.environ.get(VAR) or' "
                "override; the gallery defines no __file__"
            )
            assert f'"{var}"' in CONF, f"docs/conf.py does not set {var}"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_figures_stay_open_for_the_gallery(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    closes = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) in PYPLOT_CLOSE
    ]
    assert not closes, f"closes a figure (lines {closes}): the gallery would miss it"
