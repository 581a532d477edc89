"""The command line on numeric targets: the task rule, the regressor's report,
saving and predicting, and the inputs it refuses (infinities for both tasks)."""

import io
import math

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import assert_one_line_error
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPRegressor, _table, _task
from skbareback._cli import main

HEADER = ("id", "x1", "x2", "region", "price")


def _houses(n=200, seed=0):
    """price = 3 x1 - 2 x2 (+ 200 in the south) + noise: values in the thousands."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(500, 100, n)
    x2 = rng.uniform(0, 300, n)
    region = rng.choice(["north", "south", "east"], n)
    price = 3 * x1 - 2 * x2 + 200 * (region == "south") + rng.normal(0, 30, n)
    return [
        [f"H{i}", f"{a:.2f}", f"{b:.2f}", r, f"{p:.2f}"]
        for i, (a, b, r, p) in enumerate(zip(x1, x2, region, price))
    ]


def _write(tmp_path, rows, header=HEADER, name="houses.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _number(line, key):
    return float(line.split(f"{key}=")[1].split()[0].split("+/-")[0])


@pytest.fixture(scope="module")
def house_model(tmp_path_factory):
    """A regressor saved by the command line after a grid search, and its data."""
    tmp_path = tmp_path_factory.mktemp("houses")
    path = _write(tmp_path, _houses())
    model = str(tmp_path / "houses.skops")
    argv = [path, "--target", "price", "--drop", "id", "--grid", "--cv", "2"]
    assert main([*argv, "--save", model]) == 0
    return model, path


# ------------------------------------------------------------ the task rule


@pytest.mark.parametrize(
    "cells, task, reason",
    [
        (["a", "b", "a"], "classification", "'y' holds text"),
        ([True, False, True], "classification", "'y' holds true/false values"),
        (
            np.array([True, False], dtype=object),
            "classification",
            "'y' holds true/false values",
        ),
        (
            pd.Categorical(["a", "b"]),
            "classification",
            "'y' holds categories",
        ),
        ([1.5, 2.0, 3.0], "regression", "'y' holds non-integer numbers"),
        (
            list(range(21)),
            "regression",
            "'y' holds 21 distinct integers, more than 20",
        ),
        (
            list(range(20)) * 2,
            "classification",
            "'y' holds 20 distinct integers, at most 20",
        ),
        # pandas reads integers with empty cells as floats: still integers.
        ([0.0, 1.0, 1.0], "classification", "'y' holds 2 distinct integers"),
    ],
)
def test_task_rule(cells, task, reason):
    chosen, why = _task.choose(pd.Series(cells), "y")
    assert chosen == task
    assert why.startswith(reason)


@pytest.mark.parametrize(
    "cells",
    [
        ["$1,001.27", "$950.00", "$12.50"],
        ["12.5%", "3%", "100%"],
        ["1,234", "56", "7,890,123.5"],
        ["(1,000)", "-3 €", "£4"],
    ],
)
def test_numbers_with_symbols_are_classes_with_a_hint(cells):
    chosen, why = _task.choose(pd.Series(cells), "price")
    assert chosen == "classification"
    assert why == (
        f"'price' holds text such as {cells[0]!r}: write numbers without "
        "currency signs, thousands separators or '%' to regress on them"
    )


@pytest.mark.parametrize(
    "cells", [["a", "b"], ["1,2", "$"], ["10 kg", "3 kg"], ["007", "042"]]
)
def test_other_text_gets_no_hint(cells):
    chosen, why = _task.choose(pd.Series(cells), "y")
    assert chosen == "classification" and why.startswith("'y' holds text")
    assert "write numbers" not in why


def test_a_currency_column_fails_with_the_hint(tmp_path, capsys):
    rows = [[f"{i}", f"${1000 + 37 * i:,.2f}"] for i in range(30)]
    path = _write(tmp_path, rows, header=("x", "price"))
    status = main([path, "--target", "price"])
    assert_one_line_error(capsys, status, "write numbers without currency signs")


def test_task_rule_threshold_is_twenty():
    assert _task.MAX_CLASSES == 20


@pytest.mark.parametrize("requested", _task.TASKS)
def test_task_given_overrides_the_rule(requested):
    assert _task.choose(pd.Series(["a"]), "y", requested) == (
        requested,
        "chosen by --task",
    )


def test_integer_codes_are_classes_unless_task_says_regression(tmp_path, capsys):
    rows = _houses(60)
    for i, row in enumerate(rows):
        row[4] = str(i % 3)
    path = _write(tmp_path, rows)
    assert main([path, "--target", "price", "--drop", "id", "--cv", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("60 rows, 3 features, 3 classes in 'price'")
    assert out[1] == (
        "task: classification, since 'price' holds 3 distinct integers, "
        "at most 20 (--task overrides)"
    )
    argv = [path, "--target", "price", "--drop", "id", "--cv", "2"]
    assert main([*argv, "--task", "regression"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "numeric target 'price'" in out[0]
    assert out[1] == "task: regression, chosen by --task"
    assert "holdout R2=" in out[3]


def test_many_distinct_integers_are_a_quantity(tmp_path, capsys):
    rows = _houses(60)
    for row in rows:
        row[4] = str(round(float(row[4])))
    path = _write(tmp_path, rows)
    assert main([path, "--target", "price", "--drop", "id", "--cv", "2"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert line.startswith("task: regression, since 'price' holds ")
    assert line.endswith(" distinct integers, more than 20 (--task overrides)")


# ------------------------------------------------------------ the report


def test_regression_report(tmp_path, capsys):
    path = _write(tmp_path, _houses())
    assert main([path, "--target", "price", "--drop", "id"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{path}: 200 rows, 3 features, numeric target ")
    assert lines[1] == (
        "task: regression, since 'price' holds non-integer numbers (--task overrides)"
    )
    assert lines[2] == (
        "categorical: 'region'  missing values imputed: none  dropped: 'id'"
    )
    assert "(50 rows)" in lines[3]
    assert "iterations=" in lines[3] and " ms" in lines[3]
    train, holdout = _number(lines[3], "train R2"), _number(lines[3], "holdout R2")
    rmse, mae = _number(lines[3], "RMSE"), _number(lines[3], "MAE")
    assert 0.5 < holdout <= 1 and 0.5 < train <= 1
    # The errors are in the target's units: a few hundred at most here.
    assert 0 < mae <= rmse < 333
    assert lines[4].startswith("cross-validation: R2 cv5=")
    assert 0.5 < _number(lines[4], "cv5") <= 1
    assert "accuracy" not in out
    assert "Traceback" not in err


def test_regression_grid_save_and_predict_in_row_order(house_model, tmp_path, capsys):
    model_path, train_path = house_model
    loaded = _table.load_model(model_path)
    assert isinstance(loaded[-1], BareMLPRegressor)
    assert loaded.steps[-1][0] == "baremlpregressor"
    # New rows in another order, without the target, with an extra column.
    new = pd.read_csv(train_path).iloc[::-7].drop(columns="price")
    new["extra"] = 1
    new_path = tmp_path / "new.csv"
    new.to_csv(new_path, index=False)
    out_path = tmp_path / "out.csv"
    argv = [str(new_path), "--model", model_path, "--output", str(out_path)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {len(new)} predictions to {out_path}\n"
    text = out_path.read_text()
    assert text.splitlines()[0] == "prediction"  # no proba columns
    written = np.array([float(cell) for cell in text.splitlines()[1:]])
    np.testing.assert_array_equal(written, loaded.predict(new), strict=True)
    # Row by row: the input's order (equal up to BLAS's summation order).
    alone = [loaded.predict(new.iloc[[i]])[0] for i in range(len(new))]
    np.testing.assert_allclose(written, alone, rtol=1e-12)
    assert np.isfinite(written).all()
    # Without --output the same table goes to standard output.
    assert main([str(new_path), "--model", model_path]) == 0
    assert capsys.readouterr().out == text


def test_numeric_only_model_predicts_without_a_category_note(tmp_path, capsys):
    path = _write(tmp_path, _houses(60))
    model = str(tmp_path / "numeric.skops")
    argv = [path, "--target", "price", "--drop", "id", "region", "--cv", "2"]
    assert main([*argv, "--save", model]) == 0
    assert _table.feature_columns(_table.load_model(model)) == (["x1", "x2"], [])
    capsys.readouterr()
    assert main([path, "--model", model]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "prediction" and len(out.splitlines()) == 61
    assert err == ""


def test_regression_grid_reports_r2(tmp_path, capsys):
    path = _write(tmp_path, _houses(60))
    argv = [path, "--target", "price", "--drop", "id", "--grid", "--cv", "2"]
    assert main(argv) == 0
    (line,) = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("grid search")
    ]
    assert "hidden_layer_sizes=" in line and "alpha=" in line
    assert "  R2 cv2=" in line
    assert _number(line, "R2 cv2") <= 1


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_every_regressor_shape_loads(tmp_path, solver):
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": np.array(["u", "v", "w"], dtype=object)[rng.integers(0, 3, n)],
        }
    )
    y = rng.normal(1000, 300, n)
    model = _table.make_model(["a"], ["b"], 0, "regression")
    model[-1].set_params(solver=solver, max_iter=5)
    model.fit(X, y)
    path = str(tmp_path / "m.skops")
    _table.save_model(model, path)
    loaded = _table.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X), strict=True)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "other, message",
    [
        (
            make_pipeline(StandardScaler(), LinearRegression()),
            "it holds sklearn.linear_model",
        ),
        (BareMLPRegressor(max_iter=2), "another model"),
    ],
)
def test_other_regression_models_are_refused(
    house_model, tmp_path, capsys, other, message
):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    path = tmp_path / "other.skops"
    sio.dump(other.fit(X, y), path)
    status = main([house_model[1], "--model", str(path)])
    assert_one_line_error(capsys, status, "is not a model saved by", message)


# ------------------------------------------------------------ bad input


def test_rows_without_a_target_are_dropped_and_counted(tmp_path, capsys):
    rows = _houses(60)
    rows[3][4] = ""
    rows[9][4] = "NA"
    path = _write(tmp_path, rows)
    assert main([path, "--target", "price", "--drop", "id", "--cv", "2"]) == 0
    out = capsys.readouterr().out
    assert "58 rows, 3 features, numeric target 'price'" in out
    assert "dropped: 'id', 2 rows with no 'price'" in out


@pytest.mark.parametrize(
    "column, kind, example",
    [("region", "text", "'north'"), ("flag", "true/false values", "False")],
)
def test_regression_needs_numbers(tmp_path, capsys, column, kind, example):
    rows = [[*row[:4], "True" if i % 2 else "False"] for i, row in enumerate(_houses())]
    rows[0][3] = "north"
    path = _write(tmp_path, rows, header=(*HEADER[:4], "flag"))
    status = main([path, "--target", column, "--task", "regression"])
    assert_one_line_error(
        capsys,
        status,
        f"--task regression needs a numeric target, but {column!r} holds {kind}, "
        f"such as {example}",
    )


def test_classification_refuses_fractions(tmp_path, capsys):
    path = _write(tmp_path, _houses(60))
    status = main([path, "--target", "price", "--task", "classification"])
    assert_one_line_error(
        capsys,
        status,
        "--task classification needs class labels, but 'price' holds "
        "non-integer numbers, such as",
    )


@pytest.mark.parametrize(
    "value, task, message",
    [
        ("2.5", None, "target column 'price' is constant (2.5 in every row)"),
        ("7", "regression", "target column 'price' is constant (7 in every row)"),
        ("7", None, "the target holds a single class, 7"),
        ("seven", None, "the target holds a single class, 'seven'"),
    ],
)
def test_constant_target(tmp_path, capsys, value, task, message):
    rows = [[*row[:4], value] for row in _houses(30)]
    argv = [_write(tmp_path, rows), "--target", "price"]
    argv += [] if task is None else ["--task", task]
    assert_one_line_error(capsys, main(argv), message)


@pytest.mark.parametrize(
    "n, cv, message",
    [
        (4, "5", "too few rows for 5-fold cross-validation: 4; lower --cv"),
        (3, "2", "too few rows to hold 2 out and fit on the rest: 3"),
    ],
)
def test_too_few_rows(tmp_path, capsys, n, cv, message):
    path = _write(tmp_path, _houses(n))
    status = main([path, "--target", "price", "--cv", cv])
    assert_one_line_error(capsys, status, message)


def test_fewest_rows_hold_two_out(tmp_path, capsys):
    path = _write(tmp_path, _houses(4))
    assert main([path, "--target", "price", "--drop", "id", "--cv", "2"]) == 0
    line = capsys.readouterr().out.splitlines()[3]
    assert "(2 rows)" in line
    assert math.isfinite(_number(line, "holdout R2"))


def test_every_fold_needs_two_rows_for_r2(tmp_path, capsys):
    # 6 rows in 5 folds leave a fold of 1 row, whose R² is NaN.
    path = _write(tmp_path, _houses(6))
    status = main([path, "--target", "price", "--drop", "id"])
    assert_one_line_error(
        capsys, status, "too few rows for 5-fold cross-validated R²: 6", "(10 in all)"
    )
    assert main([path, "--target", "price", "--drop", "id", "--cv", "3"]) == 0
    assert "nan" not in capsys.readouterr().out


def test_text_cell_in_a_numeric_target_is_named(tmp_path, capsys):
    rows = _houses(40)
    rows[5][4] = "?"
    path = _write(tmp_path, rows)
    status = main([path, "--target", "price", "--task", "regression"])
    assert_one_line_error(capsys, status, "'price' holds text, such as '?'")
    # The rule reads the column as classes, and says that '?' is why.
    status = main([path, "--target", "price"])
    assert_one_line_error(
        capsys,
        status,
        "(classification, since 'price' holds text: '?' is not a number)",
    )


def test_integers_read_as_classes_point_to_task_regression(tmp_path, capsys):
    # 15 distinct whole prices are class codes by the rule, one row each.
    rows = [[*row[:4], str(1000 + i)] for i, row in enumerate(_houses(15))]
    status = main([_write(tmp_path, rows), "--target", "price"])
    assert_one_line_error(
        capsys,
        status,
        "class 1000 has 1",
        "15 distinct integers, at most 20; --task regression if it is a quantity)",
    )


def test_target_too_small_to_score_is_one_error_line(tmp_path, capsys):
    # Deviations of 1e-300 square to 0: R² would read a perfect 1.000.
    rows = [
        [*row[:4], f"{(i % 7 + 1) * 1e-300:g}"] for i, row in enumerate(_houses(40))
    ]
    status = main([_write(tmp_path, rows), "--target", "price"])
    assert_one_line_error(
        capsys, status, "target column 'price' varies too little to score"
    )


def test_class_codes_beyond_int64_keep_their_digits():
    column = pd.Series([1e20, 3e20, 1e20])
    labels = _task.values(column, "y", "classification")
    one, three = "1" + "0" * 20, "3" + "0" * 20
    assert labels.tolist() == [one, three, one]
    assert _task.values(pd.Series([1.0, 2.0]), "y", "classification").dtype == np.int64


# ------------------------------------------------------------ infinities


_INFINITE = "infinite or too large values (inf, or beyond ±1e+150)"


@pytest.mark.parametrize("target", ["price", "region"])
@pytest.mark.parametrize("cell", ["inf", "-inf", "1e400", "-1e400", "1e300", "-2e150"])
def test_infinite_feature_is_one_error_line(tmp_path, capsys, target, cell):
    # Both tasks: 'price' is a regression target, 'region' a classification one.
    rows = _houses(40)
    rows[2][1] = cell
    rows[6][1] = cell
    status = main([_write(tmp_path, rows), "--target", target])
    assert_one_line_error(
        capsys,
        status,
        f"column 'x1' holds {_INFINITE} in 2 rows of ",
        "(data rows 3, 7)",
    )


@pytest.mark.parametrize("label", ["0", "1.5"])
def test_infinite_target_is_one_error_line(tmp_path, capsys, label):
    # Integer labels (classification) and quantities (regression) alike.
    rows = [[*row[:4], label if i % 2 else "1"] for i, row in enumerate(_houses(30))]
    rows[4][4] = "inf"
    rows[5][4] = "1e200"  # finite, but its square overflows
    status = main([_write(tmp_path, rows), "--target", "price"])
    assert_one_line_error(
        capsys,
        status,
        f"column 'price' holds {_INFINITE} in 2 rows of ",
        "(data rows 5, 6)",
    )


def test_infinities_in_several_columns_are_counted(tmp_path, capsys):
    rows = _houses(40)
    rows[1][1] = rows[2][1] = "inf"
    rows[3][2] = "1e999"
    status = main([_write(tmp_path, rows), "--target", "region"])
    assert_one_line_error(
        capsys, status, f"columns 'x1' (2 rows), 'x2' (1 row) hold {_INFINITE} in "
    )


def test_infinite_feature_in_new_rows(house_model, tmp_path, capsys):
    frame = pd.read_csv(house_model[1]).head(5).astype(str)
    frame.loc[3, "x2"] = "-1e400"
    text = io.StringIO()
    frame.to_csv(text, index=False)
    path = tmp_path / "new.csv"
    path.write_text(text.getvalue())
    status = main([str(path), "--model", house_model[0]])
    assert_one_line_error(
        capsys, status, f"column 'x2' holds {_INFINITE} in 1 row of ", "(data row 4)"
    )
