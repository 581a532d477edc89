"""Every Python code block of the documentation's pages runs, and says what
the text around it claims.

The pages are reStructuredText under ``docs/``; their blocks are the
``.. code-block:: python`` directives. The site itself is built and checked in
a browser by ``.ci/docs.sh``, not here.
"""

import re
import textwrap
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(
    path
    for path in DOCS.rglob("*.rst")
    if not {"_build", "auto_examples", "generated"} & set(path.parts)
)
BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)


def python_blocks():
    """Yield ``(id, code)`` for every Python block of every page."""
    for page in PAGES:
        for i, match in enumerate(BLOCK.finditer(page.read_text(encoding="utf-8"))):
            yield f"{page.relative_to(DOCS)}-{i}", textwrap.dedent(match.group(1))


BLOCKS = dict(python_blocks())


def run(code, capsys):
    with warnings.catch_warnings():
        # Short demonstration fits may stop before converging; that is fine.
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(compile(code, "docs", "exec"), {"__name__": "__main__"})
    return capsys.readouterr().out


def test_blocks_are_found():
    pages = {name.rsplit("-", 1)[0] for name in BLOCKS}
    assert len(BLOCKS) >= 9, sorted(BLOCKS)
    assert "user_guide/production.rst" in pages, sorted(pages)


# The guide shows off the extras (ONNX, skops, dask) and sklearn.callback too.
@pytest.mark.extras
@pytest.mark.parametrize("name", BLOCKS)
def test_python_block_runs(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run(BLOCKS[name], capsys).strip(), "each block prints what it shows"


def _block(page, needle):
    (code,) = [code for name, code in BLOCKS.items() if page in name and needle in code]
    return code


def test_tutorial_block_matches_to_1e_10(capsys):
    out = run(_block("classic_tutorials", "syn0"), capsys)
    assert max(float(d) for d in out.split()) < 1e-10


def test_parity_block_matches_mlpclassifier(capsys):
    out = run(_block("defaults", "MLPClassifier(**params)"), capsys)
    assert float(out) < 1e-12


def test_regression_block_prints_what_the_page_says(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        solver, score = run(_block("regression", "make_friedman1"), capsys).split()
    page = (DOCS / "user_guide" / "regression.rst").read_text(encoding="utf-8")
    assert f"prints ``{solver} {float(score):.2f}``" in page


def test_committee_block_beats_the_default_as_the_page_says(capsys):
    out = run(_block("regression", "VotingRegressor"), capsys)
    default, committee = (float(score) for score in out.split())
    assert committee > default
    page = (DOCS / "user_guide" / "regression.rst").read_text(encoding="utf-8")
    assert f"It prints ``{default:.3f} {committee:.3f}``" in page


@pytest.mark.extras
def test_skops_block_trusts_exactly_the_estimator(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = run(_block("production", "skops"), capsys)
    assert out.strip() == "['skbareback.BareMLPClassifier']"


@pytest.mark.extras
def test_gpu_block_prints_what_the_page_says(capsys):
    out = run(_block("gpu", "array_api_strict"), capsys).strip()
    page = (DOCS / "user_guide" / "gpu.rst").read_text(encoding="utf-8")
    assert f"It prints ``{out}``" in page
    # The CUDA block is a ``py`` block, which the tests leave out: the page
    # says so next to it.
    assert ".. code-block:: py\n" in page and "do not\nrun it" in page
