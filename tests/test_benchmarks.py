"""Smoke test of benchmarks/bench.py: a tiny workload, one repetition."""

import dataclasses
import json
import re

import numpy as np
import pytest
from helpers import BENCHMARKS, benchmark_script


@pytest.fixture(scope="module")
def bench():
    with benchmark_script("bench") as module:
        yield module


@pytest.fixture(scope="module")
def tiny_rows(bench):
    """The rows of XOR with a 5-epoch budget, two solvers, both dtypes."""
    workload = dataclasses.replace(
        bench.xor(), max_iter={"adam": 5, "sgd": 5, "lbfgs": 5}
    )
    config = bench.Config(
        reps=1,
        solvers=("adam", "lbfgs"),
        predict_rows=100,
        latency_calls=3,
        settle=0,
    )
    return bench.run_benchmarks([workload], config)


def test_table_has_a_ratio_for_every_row(bench, tiny_rows):
    lines = bench.markdown_table(tiny_rows).splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[4:7] == ["MLP median", "BareMLP median", "ratio"]
    body = lines[2:]
    assert len(body) == 2 * 2 * 3  # solvers x dtypes x metrics
    for line in body:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert re.fullmatch(r"\d+\.\d\dx", cells[6]), line
        assert re.fullmatch(r"[\d.]+ (µs|ms|s)", cells[4]), line


def test_fit_rows_match_epochs_and_report_accuracy(tiny_rows):
    fits = [row for row in tiny_rows if row.metric == "fit"]
    assert len(fits) == 4
    for row in fits:
        assert row.epochs[0] == row.epochs[1] <= 5
        assert all(0 <= acc <= 1 for acc in row.accuracy)
        assert row.ratio == pytest.approx(row.bare / row.mlp)


def test_json_round_trip(bench, tiny_rows, tmp_path):
    path = tmp_path / "bench.json"
    env = bench.environment()
    bench.save_json(path, env, bench.Config(), tiny_rows, busy=False)
    saved = json.loads(path.read_text())
    assert len(saved["rows"]) == len(tiny_rows)
    assert saved["environment"]["numpy"] in bench.header_line(
        env, bench.Config(), False
    )


def test_command_line(bench):
    args = bench.parse_args(["--quick", "--reps", "2", "--solvers", "adam,sgd"])
    config = bench.config_from_args(args)
    assert (config.quick, config.reps, config.solvers) == (True, 2, ("adam", "sgd"))
    args = bench.parse_args(["--bare-param", "weight_init='uniform'"])
    assert bench.config_from_args(args).bare_params == {"weight_init": "uniform"}


@pytest.mark.parametrize(
    "argv",
    [
        ["--only", "no_such_workload"],
        ["--solvers", "adam,newton"],
        ["--reps", "0"],
        ["--bare-param", "no_such_param=1"],
        ["--bare-param", "weight_init"],
    ],
)
def test_command_line_rejects(bench, argv):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)


def test_summary_condenses_a_json_run(bench, tiny_rows, tmp_path):
    path = tmp_path / "bench.json"
    bench.save_json(path, bench.environment(), bench.Config(), tiny_rows, busy=False)
    with benchmark_script("summary") as summary:
        lines = summary.summarize(json.loads(path.read_text())).splitlines()
    assert lines[0].startswith("CPU: ") and "NumPy SIMD: " in lines[0]
    rows = [line for line in lines[4:] if line.startswith("| xor")]
    assert [row.split(" | ")[1] for row in rows] == ["adam", "lbfgs"]
    for row in rows:
        # fit and fit f32, both predict_proba, the 1-row latency: 5 ratios.
        assert len(re.findall(r"\d+\.\d\dx", row)) == 5


def test_floor_loop_trains_the_same_network():
    # The floor is only a floor if it does the estimator's work: it must learn.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16
    with benchmark_script("floor") as floor:
        W0, c0, W1, c1 = floor.minimal_adam(X, y, epochs=30)
    logits = np.tanh(X @ W0 + c0) @ W1 + c1
    assert (logits.argmax(axis=1) == y).mean() > 0.95


def test_time_split_accounts_for_the_fit_and_restores_the_network(monkeypatch):
    from skbareback import _activations, _network

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    before = _activations.HIDDEN_ACTIVATIONS["tanh"], _network.np
    with benchmark_script("time_split") as time_split:
        totals, total = time_split.split(400, 5, 8, epochs=2, activation="tanh")
    assert (_activations.HIDDEN_ACTIVATIONS["tanh"], _network.np) == before
    assert set(totals) == {"activation", "derivative", "matrix products"}
    assert all(seconds > 0 for seconds in totals.values())
    assert sum(totals.values()) < total
