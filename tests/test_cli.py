"""The command line without a CSV file: the demo, usage errors, missing extras.

These need neither pandas nor skops (``pytest --core`` runs them); the CSV
modes are tested in test_cli_csv.py.
"""

import math
import os
import subprocess
import sys

import pytest
from helpers import assert_one_line_error

from skbareback import _table
from skbareback._cli import main


def _small_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x,species\n" + "".join(f"{i},{'ab'[i % 2]}\n" for i in range(12)))
    return str(path)


# Run in a fresh interpreter where importing pandas or skops fails, as if
# neither were installed.
_WITHOUT_PANDAS = """
import importlib.abc, sys

class Uninstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("pandas", "skops"):
            raise ImportError(f"No module named {name!r}")

sys.meta_path.insert(0, Uninstalled())
from skbareback._cli import main
sys.exit(main(sys.argv[1:]))
"""


def _run_without_pandas(*argv):
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_PANDAS, *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )


def test_builtin_report_needs_neither_pandas_nor_skops():
    result = _run_without_pandas()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = ["xor", "moons", "digits", "diabetes"]
    assert [line.split()[0] for line in lines] == names
    assert "accuracy=1.000" in lines[0]
    for line in lines[1:3]:
        accuracy = float(line.split("accuracy=")[1].split()[0])
        assert accuracy > 0.8
    # The regressor's line: its scores depend on its defaults, not asserted.
    r2 = float(lines[3].split("R2=")[1].split()[0])
    assert math.isfinite(r2) and r2 <= 1
    for line in lines[1:]:
        assert "cv5=" in line
        assert "iterations=" in line
        assert " ms" in line


def test_without_pandas_one_line_says_what_to_install(tmp_path):
    result = _run_without_pandas(_small_csv(tmp_path), "--target", "species")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {_table.INSTALL}\n"
    assert _table.INSTALL == (
        'reading CSV files needs pandas and skops: pip install "skbareback[cli]"'
    )


@pytest.mark.parametrize("missing", ["pandas", "skops.io"])
def test_predicting_without_pandas_or_skops(tmp_path, capsys, monkeypatch, missing):
    # In-process is enough here: the check runs before anything else.
    monkeypatch.setitem(sys.modules, missing, None)
    status = main([_small_csv(tmp_path), "--model", "m.skops"])
    assert_one_line_error(capsys, status, _table.INSTALL)


def test_builtin_rejects_too_many_folds(capsys):
    # Checked before any fit: digits' rarest class has 174 rows.
    status = main(["--cv", "200"])
    assert_one_line_error(capsys, status, "200-fold", "class 8 has 174")


# ------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    "argv, message",
    [
        (["data.csv"], "needs --target COLUMN (to train) or --model MODEL"),
        (["--target", "y"], "--target needs a CSV file"),
        (["--grid"], "--grid needs a CSV file"),
        (["--grid", "--drop", "id"], "--grid and --drop need a CSV file"),
        (["--save", "m"], "--save needs a CSV file"),
        (["--model", "m"], "--model needs a CSV file"),
        (
            ["data.csv", "--target", "y", "--output", "o.csv"],
            "--output goes with --model",
        ),
        (
            ["data.csv", "--model", "m", "--target", "y"],
            "--model predicts; it takes no --target",
        ),
        (["data.csv", "--model", "m", "--cv", "3"], "it takes no --cv"),
        (["--task", "regression"], "--task needs a CSV file"),
        (
            ["data.csv", "--model", "m", "--task", "regression"],
            "--model predicts; it takes no --task",
        ),
        (["data.csv", "--target", "y", "--task", "ranking"], "invalid choice"),
        (["--cv", "1"], "expected an integer >= 2, got '1'"),
        (["--cv", "two"], "got 'two'"),
        (["--random-state", "x"], "--random-state"),
    ],
)
def test_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exc_info:
        main(argv)
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_module_help_runs():
    result = subprocess.run(
        [sys.executable, "-m", "skbareback", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    options = ("--target", "--task", "--grid", "--drop", "--save", "--model")
    for option in (*options, "--output"):
        assert option in result.stdout
