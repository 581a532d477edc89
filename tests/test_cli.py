"""The command line, run in-process: reports, CSV fits and one-line errors."""

import functools
import subprocess
import sys

import numpy as np
import pytest

from skbareback import BareMLPClassifier, _cli
from skbareback._cli import main


def _blobs(n_per_class=12, seed=0):
    """Three separable classes with string labels, as CSV rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, center in [("setosa", 0.0), ("versicolor", 4.0), ("virginica", 8.0)]:
        points = rng.normal(center, 0.5, size=(n_per_class, 2))
        rows += [[f"{a:.4f}", f"{b:.4f}", label] for a, b in points]
    rng.shuffle(rows)
    return rows


def _write(tmp_path, rows, header=("x1", "x2", "species")):
    path = tmp_path / "data.csv"
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _assert_one_line_error(capsys, status, *fragments):
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_builtin_report(capsys):
    assert main([]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["xor", "moons", "digits"]
    assert "accuracy=1.000" in lines[0]
    for line in lines[1:]:
        accuracy = float(line.split("accuracy=")[1].split()[0])
        assert accuracy > 0.8
        assert "cv5=" in line
        assert "iterations=" in line
        assert " ms" in line


def test_csv_fit_with_string_labels(tmp_path, capsys):
    path = _write(tmp_path, _blobs())
    assert main([path, "--target", "species"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "36 rows, 2 features, 3 classes in 'species'" in out
    assert "train accuracy=1.000" in out
    assert "holdout accuracy=1.000 (9 rows)" in out
    assert "iterations=" in out
    assert "cross-validation: cv5=1.000" in out
    assert "grid search" not in out


def test_csv_tolerates_bom_blank_lines_and_spaces(tmp_path, capsys):
    rows = [[f" {a} ", b, f" {label} "] for a, b, label in _blobs()]
    text = "\ufeffx1 , x2, species \n\n" + "\n".join(",".join(r) for r in rows)
    path = tmp_path / "messy.csv"
    path.write_text(text + "\n\n", encoding="utf-8")
    assert main([str(path), "--target", "species"]) == 0
    assert "3 classes in 'species'" in capsys.readouterr().out


def test_csv_numeric_labels_and_random_state(tmp_path, capsys):
    rows = [[a, b, str(i % 2)] for i, (a, b, _) in enumerate(_blobs())]
    path = _write(tmp_path, rows, header=("x1", "x2", "y"))
    assert main([path, "--target", "y", "--random-state", "3"]) == 0
    assert "2 classes in 'y'" in capsys.readouterr().out


def test_csv_cv_3(tmp_path, capsys):
    path = _write(tmp_path, _blobs(n_per_class=4))
    assert main([path, "--target", "species", "--cv", "3"]) == 0
    out, _ = capsys.readouterr()
    assert "cross-validation: cv3=" in out
    assert "cv5" not in out


def test_csv_grid(tmp_path, capsys):
    path = _write(tmp_path, _blobs())
    assert main([path, "--target", "species", "--grid", "--cv", "3"]) == 0
    out, _ = capsys.readouterr()
    (line,) = [line for line in out.splitlines() if line.startswith("grid search")]
    assert "hidden_layer_sizes=(16,)" in line or "hidden_layer_sizes=(64,)" in line
    assert "alpha=0.0001" in line or "alpha=0.01" in line
    assert "cv3=1.000" in line


def test_convergence_warnings_become_one_note(tmp_path, capsys, monkeypatch):
    short = functools.partial(BareMLPClassifier, max_iter=1)
    monkeypatch.setattr(_cli, "BareMLPClassifier", short)
    path = _write(tmp_path, _blobs())
    assert main([path, "--target", "species", "--cv", "2"]) == 0
    _, err = capsys.readouterr()
    assert err == "note: 3 fit(s) stopped before converging\n"


def test_missing_file(tmp_path, capsys):
    path = str(tmp_path / "nope.csv")
    status = main([path, "--target", "species"])
    _assert_one_line_error(capsys, status, "no such file", "nope.csv")


def test_unreadable_path(tmp_path, capsys):
    status = main([str(tmp_path), "--target", "species"])
    _assert_one_line_error(capsys, status, "cannot read")


def test_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"x,species\n1,caf\xe9\n")
    status = main([str(path), "--target", "species"])
    _assert_one_line_error(capsys, status, "not a UTF-8 CSV file")


@pytest.mark.parametrize("text", ["", "\n\n", " , \n"])
def test_empty_file(tmp_path, capsys, text):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    status = main([str(path), "--target", "species"])
    _assert_one_line_error(capsys, status, "empty.csv is empty")


def test_header_without_rows(tmp_path, capsys):
    status = main([_write(tmp_path, []), "--target", "species"])
    _assert_one_line_error(capsys, status, "no data rows")


def test_missing_target_column(tmp_path, capsys):
    status = main([_write(tmp_path, _blobs()), "--target", "label"])
    _assert_one_line_error(capsys, status, "no column 'label'", "'x1', 'x2', 'species'")


def test_duplicate_target_column(tmp_path, capsys):
    rows = [row + [row[2]] for row in _blobs()]
    path = _write(tmp_path, rows, header=("x1", "x2", "species", "species"))
    status = main([path, "--target", "species"])
    _assert_one_line_error(capsys, status, "2 columns named 'species'")


def test_non_numeric_feature_columns(tmp_path, capsys):
    rows = [[a, "red", label, "", b] for a, b, label in _blobs()]
    rows[4][4] = "nan"
    header = ("x1", "color", "species", "blank", "x2")
    status = main([_write(tmp_path, rows, header), "--target", "species"])
    _assert_one_line_error(
        capsys,
        status,
        "feature columns must hold finite numbers",
        "'color' ('red' on line 2)",
        "'blank' (an empty cell on line 2)",
        "'x2' ('nan' on line 6)",
    )
    assert "'x1'" not in capsys.readouterr().err


def test_many_bad_columns_are_summarised(tmp_path, capsys):
    header = [f"c{j}" for j in range(8)] + ["species"]
    rows = [["a"] * 8 + [label] for _, _, label in _blobs()]
    status = main([_write(tmp_path, rows, header), "--target", "species"])
    _assert_one_line_error(capsys, status, "'c4' ('a' on line 2) and 3 more")


def test_ragged_row(tmp_path, capsys):
    rows = _blobs()
    rows[2] = rows[2][:2]
    status = main([_write(tmp_path, rows), "--target", "species"])
    _assert_one_line_error(capsys, status, "line 4 has 2 fields", "header has 3")


def test_only_the_target_column(tmp_path, capsys):
    rows = [[label] for _, _, label in _blobs()]
    status = main([_write(tmp_path, rows, ("species",)), "--target", "species"])
    _assert_one_line_error(capsys, status, "no feature columns besides 'species'")


def test_empty_label(tmp_path, capsys):
    rows = _blobs()
    rows[5][2] = " "
    status = main([_write(tmp_path, rows), "--target", "species"])
    _assert_one_line_error(capsys, status, "'species' has an empty cell on line 7")


def test_single_class(tmp_path, capsys):
    rows = [[a, b, "setosa"] for a, b, _ in _blobs()]
    status = main([_write(tmp_path, rows), "--target", "species"])
    _assert_one_line_error(capsys, status, "single class, 'setosa'")


@pytest.mark.parametrize("cv", [None, "4"])
def test_too_few_rows_per_class(tmp_path, capsys, cv):
    rows = _blobs(n_per_class=6)[:-3] + [["0", "0", "rare"]] * 3
    args = [_write(tmp_path, rows), "--target", "species"]
    args += [] if cv is None else ["--cv", cv]
    status = main(args)
    k = cv or "5"
    _assert_one_line_error(
        capsys, status, f"too few rows per class for {k}-fold", "class 'rare' has 3"
    )


def test_builtin_rejects_too_many_folds(capsys):
    # Checked before any fit: digits' rarest class has 174 rows.
    status = main(["--cv", "200"])
    _assert_one_line_error(capsys, status, "200-fold", "class 8 has 174")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["data.csv"], "needs --target"),
        (["--target", "y"], "need a CSV file"),
        (["--grid"], "need a CSV file"),
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
    assert "--target" in result.stdout
    assert "--grid" in result.stdout
