"""The command line on CSV files: reading, encoding, saving, predicting, errors."""

import functools
import io
import os
import pickle
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from helpers import assert_one_line_error
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skbareback import BareMLPClassifier, BareMLPRegressor, _cli, _table
from skbareback._cli import main

HEADER = ("x1", "x2", "species")


def _blobs(n_per_class=12, seed=0):
    """Three separable classes with string labels, as CSV rows."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, center in [("setosa", 0.0), ("versicolor", 4.0), ("virginica", 8.0)]:
        points = rng.normal(center, 0.5, size=(n_per_class, 2))
        rows += [[f"{a:.4f}", f"{b:.4f}", label] for a, b in points]
    rng.shuffle(rows)
    return rows


def _write(tmp_path, rows, header=HEADER, name="data.csv", bom=False):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(row) for row in rows]
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _penguins(n_per_class=12, seed=0):
    """A penguins-like table: text columns, NA and empty cells, quoted commas."""
    rng = np.random.default_rng(seed)
    rows = []
    islands = {"Adelie": "Torgersen", "Chinstrap": "Dream", "Gentoo": "Biscoe"}
    for k, (species, island) in enumerate(islands.items()):
        for _ in range(n_per_class):
            rows.append(
                [
                    f"{rng.normal(40 + 4 * k, 1):.1f}",
                    island if rng.random() < 0.8 else "Biscoe",
                    rng.choice(["male", "female"]),
                    '"Smith, J."' if rng.random() < 0.5 else "Lee",
                    species,
                ]
            )
    rng.shuffle(rows)
    for i, row in enumerate(rows):
        row.insert(0, f"P{i:03d}")  # an ID: unique in every row
    rows[1][1] = "NA"
    rows[2][1] = ""
    rows[3][3] = "NA"
    rows[4][2] = ""
    return rows


PENGUIN_HEADER = ("id", "bill_mm", "island", "sex", "observer", "species")


def _read_predictions(path_or_text):
    source = io.StringIO(path_or_text) if "\n" in path_or_text else path_or_text
    table = pd.read_csv(source, dtype=str, keep_default_na=False)
    # Python's float() parses the written text back to the same bits.
    for name in table.columns[1:]:
        table[name] = [float(text) for text in table[name]]
    return table


@pytest.fixture(scope="module")
def penguin_model(tmp_path_factory):
    """A model trained and saved by the command line, its file and its data."""
    tmp_path = tmp_path_factory.mktemp("penguins")
    path = _write(tmp_path, _penguins(), PENGUIN_HEADER, bom=True)
    model = str(tmp_path / "penguins.skops")
    assert main([path, "--target", "species", "--cv", "3", "--save", model]) == 0
    return model, path


# ------------------------------------------------------------ the built-in demo


# ------------------------------------------------------------ training


def test_csv_fit_with_string_labels(tmp_path, capsys):
    path = _write(tmp_path, _blobs())
    assert main([path, "--target", "species"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # not a terminal: no progress line
    lines = out.splitlines()
    assert lines[0].endswith("36 rows, 2 features, 3 classes in 'species'")
    assert lines[1] == (
        "task: classification, since 'species' holds text (--task overrides)"
    )
    assert lines[2] == (
        "categorical: none  missing values imputed: none  dropped: none"
    )
    assert "train accuracy=1.000" in out
    assert "holdout accuracy=1.000 (9 rows)" in out
    assert "iterations=" in out
    assert "cross-validation: cv5=1.000" in out
    assert "grid search" not in out
    assert "saved" not in out


def test_messy_table_is_encoded_imputed_and_reported(tmp_path, capsys):
    path = _write(tmp_path, _penguins(), PENGUIN_HEADER, bom=True)
    assert main([path, "--target", "species", "--drop", "id", "--cv", "3"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].endswith("36 rows, 4 features, 3 classes in 'species'")
    assert lines[2] == (
        "categorical: 'island', 'sex', 'observer'  "
        "missing values imputed: 'bill_mm' (2), 'island' (1), 'sex' (1)  "
        "dropped: 'id'"
    )
    holdout = float(out.split("holdout accuracy=")[1].split()[0])
    assert holdout > 0.7


def test_reader_keeps_quoted_commas_strips_spaces_and_reads_na(tmp_path):
    text = '\ufeff x , name ,y\n 1.5 , "Smith, J." ,a\nNA,,b\n 2 ,  Lee  ,a\n\n'
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    frame = _table.read_csv(str(path))
    assert list(frame.columns) == ["x", "name", "y"]
    assert frame["x"].tolist()[::2] == [1.5, 2.0]
    assert np.isnan(frame["x"].iloc[1])
    assert frame["name"].tolist()[::2] == ["Smith, J.", "Lee"]
    assert frame["name"].isna().tolist() == [False, True, False]


def test_id_like_column_costs_one_input(tmp_path):
    rows = _penguins()
    frame = _table.read_csv(_write(tmp_path, rows, PENGUIN_HEADER))
    table = _table.training_table(frame, "species", [], "data.csv")
    assert table.categorical == ["id", "island", "sex", "observer"]
    model = _table.make_model(table.numeric, table.categorical, 0).fit(table.X, table.y)
    names = model.named_steps["columns"].get_feature_names_out()
    # 36 unique IDs become one 'infrequent' indicator, not 36 columns.
    id_columns = [name for name in names if name.startswith("categorical__id_")]
    assert id_columns == ["categorical__id_infrequent_sklearn"]
    assert model[-1].n_features_in_ < 12


def test_rows_without_a_label_are_dropped_and_counted(tmp_path, capsys):
    rows = [[a, b, str(i % 2)] for i, (a, b, _) in enumerate(_blobs())]
    rows[3][2] = "NA"
    rows[8][2] = ""
    path = _write(tmp_path, rows, header=("x1", "x2", "y"))
    assert main([path, "--target", "y", "--random-state", "3"]) == 0
    out = capsys.readouterr().out
    assert "34 rows, 2 features, 2 classes in 'y'" in out
    assert "dropped: 2 rows with no 'y'" in out
    # An integer column with empty cells reads as floats; labels stay 0 and 1.
    frame = _table.read_csv(path)
    assert _table.training_table(frame, "y", [], path).y.dtype == np.int64


def test_true_false_target_keeps_its_spelling(tmp_path):
    rows = [[a, b, ["True", "False"][i % 2]] for i, (a, b, _) in enumerate(_blobs())]
    frame = _table.read_csv(_write(tmp_path, rows, ("x1", "x2", "flag")))
    y = _table.training_table(frame, "flag", [], "data.csv").y
    assert y.tolist()[:2] == ["True", "False"]


def test_true_false_column_with_gaps_is_numeric(tmp_path):
    rows = [
        [a, ["True", "False", ""][i % 3], label]
        for i, (a, _, label) in enumerate(_blobs())
    ]
    frame = _table.read_csv(_write(tmp_path, rows, ("x1", "flag", "species")))
    table = _table.training_table(frame, "species", [], "data.csv")
    assert table.numeric == ["x1", "flag"]
    assert table.X["flag"].tolist()[:3] == [
        1.0,
        0.0,
        pytest.approx(np.nan, nan_ok=True),
    ]


def test_csv_cv_3(tmp_path, capsys):
    path = _write(tmp_path, _blobs(n_per_class=4))
    assert main([path, "--target", "species", "--cv", "3"]) == 0
    out, _ = capsys.readouterr()
    assert "cross-validation: cv3=" in out
    assert "cv5" not in out


def test_csv_grid_and_save_the_winner(tmp_path, capsys):
    path = _write(tmp_path, _blobs())
    model = str(tmp_path / "m.skops")
    argv = [path, "--target", "species", "--grid", "--cv", "3", "--save", model]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    (line,) = [line for line in out.splitlines() if line.startswith("grid search")]
    assert "cv3=1.000" in line
    assert (
        out.splitlines()[-1] == f"saved the pipeline fitted on all 36 rows to {model}"
    )
    best = set(line.split("best ")[1].split("  ")[0].split(", "))
    clf = _table.load_model(model)[-1]
    assert best == {
        f"hidden_layer_sizes={clf.hidden_layer_sizes}",
        f"alpha={clf.alpha}",
    }


def test_convergence_warnings_become_one_note(tmp_path, capsys, monkeypatch):
    short = functools.partial(BareMLPClassifier, max_iter=1)
    monkeypatch.setattr(_cli, "BareMLPClassifier", short)
    monkeypatch.setattr(_table, "BareMLPClassifier", short)
    path = _write(tmp_path, _blobs())
    assert main([path, "--target", "species", "--cv", "2"]) == 0
    _, err = capsys.readouterr()
    assert err == "note: 3 fit(s) stopped before converging\n"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_shown_on_a_terminal_only(tmp_path, capsys, monkeypatch):
    path = _write(tmp_path, _blobs())
    argv = [path, "--target", "species", "--cv", "2", "--grid"]
    argv += ["--save", str(tmp_path / "m.skops")]
    assert main(argv) == 0
    plain_out, plain_err = capsys.readouterr()
    assert plain_err == ""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(argv) == 0
    # The report is unchanged, but for the fit time.
    timing = re.compile(r"fit=\S+ ms")
    assert timing.sub("", capsys.readouterr().out) == timing.sub("", plain_out)
    shown = terminal.getvalue()
    for step in [
        "fitting on 27 rows",
        "cross-validation: 2/2 fits",
        "grid search: 8/8 fits",
        "fitting the model to save on all 36 rows",
    ]:
        assert f"\r\x1b[K{step}" in shown
    assert shown.endswith("\r\x1b[K")  # cleared: the prompt starts clean


# ------------------------------------------------------------ save and predict


def test_save_predict_round_trip_is_bit_for_bit(penguin_model, tmp_path, capsys):
    model_path, train_path = penguin_model
    # New rows: other column order, the target and an extra column present,
    # an unseen island, an NA; the model ignores what it did not train on.
    new = pd.DataFrame(
        {
            "observer": ["Lee", "Smith, J.", "Lee"],
            "extra": [1, 2, 3],
            "sex": ["female", "NA", "male"],
            "island": ["Atlantis", "Dream", "Biscoe"],
            "bill_mm": ["41.0", "47.5", "NA"],
            "species": ["?", "?", "?"],
            "id": ["N1", "N2", "N3"],
        }
    )
    new_path = tmp_path / "new.csv"
    new.to_csv(new_path, index=False)
    out_path = tmp_path / "out.csv"
    argv = [str(new_path), "--model", model_path, "--output", str(out_path)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == f"wrote 3 predictions to {out_path}\n"
    assert err == (
        "note: categories not seen in training (encoded as the column's rare "
        "group, or as none): 'id' (3), 'island' (1)\n"
    )
    written = _read_predictions(str(out_path))

    # The oracle: the same pipeline fitted in this process on the same rows.
    frame = _table.read_csv(train_path)
    table = _table.training_table(frame, "species", [], train_path)
    oracle = _table.make_model(table.numeric, table.categorical, 0)
    oracle.fit(table.X, table.y)
    X_new = new[list(table.X.columns)].replace("NA", np.nan)
    X_new["bill_mm"] = X_new["bill_mm"].astype(float)
    classes = oracle.classes_.tolist()
    assert list(written.columns) == ["prediction"] + [f"proba_{c}" for c in classes]
    assert written["prediction"].tolist() == oracle.predict(X_new).tolist()
    proba = written[[f"proba_{c}" for c in classes]].to_numpy()
    np.testing.assert_array_equal(proba, oracle.predict_proba(X_new), strict=True)

    # Without --output the same table goes to standard output.
    assert main([str(new_path), "--model", model_path]) == 0
    pd.testing.assert_frame_equal(_read_predictions(capsys.readouterr().out), written)


def test_unseen_category_joins_the_rare_group_or_sets_none(penguin_model):
    model = _table.load_model(penguin_model[0])
    columns = model.named_steps["columns"]
    numeric, categorical = _table.feature_columns(model)
    X = pd.DataFrame(
        {**{name: [40.0] for name in numeric}, **{name: ["?"] for name in categorical}}
    )
    encoded = columns.transform(X)[0]
    names = columns.get_feature_names_out()
    hot = {n for n, v in zip(names, encoded) if v and n.startswith("categorical__")}
    # 'id' has a rare group (every training ID is rare); the others have none.
    assert hot == {"categorical__id_infrequent_sklearn"}


def test_saved_model_trusts_only_the_pipeline_types(penguin_model):
    found = _table._schema_types(
        __import__("json").loads(zipfile.ZipFile(penguin_model[0]).read("schema.json"))
    )
    trusted = _table._trusted_types()
    assert found <= trusted
    ours = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in (
            Pipeline,
            ColumnTransformer,
            SimpleImputer,
            StandardScaler,
            OneHotEncoder,
            BareMLPClassifier,
            BareMLPRegressor,
        )
    }
    names = {name for name in trusted if not name.startswith("loader:")}
    others = {n for n in names if not n.startswith(("builtins.", "numpy."))}
    assert others == ours


@pytest.mark.parametrize("kind", ["numeric", "categorical", "int labels", "adam"])
def test_every_shape_of_saved_model_loads(tmp_path, kind):
    rng = np.random.default_rng(0)
    n = 1100 if kind == "adam" else 40
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": np.array(["u", "v", "w"], dtype=object)[rng.integers(0, 3, n)],
        }
    )
    y = (
        rng.integers(0, 2, n)
        if kind == "int labels"
        else np.array(["p", "q"])[rng.integers(0, 2, n)]
    )
    numeric = [] if kind == "categorical" else ["a"]
    categorical = [] if kind == "numeric" else ["b"]
    model = _table.make_model(numeric, categorical, 0)
    model.set_params(baremlpclassifier__max_iter=5)
    if kind == "adam":
        # 'auto' runs L-BFGS up to 50,000 samples: ask for adam's saved state.
        model.set_params(baremlpclassifier__solver="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model[-1].solver_ == ("adam" if kind == "adam" else "lbfgs")
    path = str(tmp_path / "m.skops")
    _table.save_model(model, path)
    loaded = _table.load_model(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(X), model.predict_proba(X), strict=True
    )


# ------------------------------------------------------------ bad --model files


class _Evil:
    """Whoever unpickles (or rebuilds) this object creates a file."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_malicious_pickle_is_never_executed(tmp_path, capsys):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Evil(marker))
    # The payload is live: unpickling it does create the file.
    pickle.loads(pickle.dumps(_Evil(tmp_path / "proof"))).close()
    assert (tmp_path / "proof").exists()
    evil = tmp_path / "model.pkl"
    evil.write_bytes(payload)
    status = main([_write(tmp_path, _blobs()), "--model", str(evil)])
    assert_one_line_error(capsys, status, "is not a model saved by", "not a skops file")
    assert not marker.exists()


def test_malicious_skops_file_is_never_built(tmp_path, capsys):
    marker = tmp_path / "pwned"
    evil = tmp_path / "model.skops"
    sio.dump(_Evil(marker), evil)
    assert not marker.exists()
    status = main([_write(tmp_path, _blobs()), "--model", str(evil)])
    assert_one_line_error(capsys, status, "it holds ", "_Evil; refusing to load it")
    assert not marker.exists()


def _other_model(kind):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    if kind == "logistic regression":
        return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    if kind == "bare classifier":
        return BareMLPClassifier(max_iter=2).fit(X, y)
    return {"not": "a model"}


@pytest.mark.parametrize(
    "kind, message",
    [
        ("text", "not a skops file"),
        ("truncated", "not a skops file"),
        ("damaged", "damaged"),
        ("logistic regression", "it holds sklearn.linear_model"),
        ("bare classifier", "another model"),
        ("dict", "another model"),
    ],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_model_that_is_not_ours(tmp_path, capsys, penguin_model, kind, message):
    path = tmp_path / "model.skops"
    good = Path(penguin_model[0]).read_bytes()
    if kind == "text":
        path.write_text("species,prediction\nAdelie,1\n")
    elif kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "damaged":
        # A valid archive whose arrays are garbage.
        with (
            zipfile.ZipFile(io.BytesIO(good)) as src,
            zipfile.ZipFile(path, "w") as dst,
        ):
            for name in src.namelist():
                data = src.read(name)
                dst.writestr(name, data if name == "schema.json" else b"garbage")
    else:
        sio.dump(_other_model(kind), path)
    status = main([penguin_model[1], "--model", str(path)])
    assert_one_line_error(capsys, status, f"{path} is not a model saved by", message)


def test_missing_model_file(tmp_path, capsys, penguin_model):
    status = main([penguin_model[1], "--model", str(tmp_path / "none.skops")])
    assert_one_line_error(capsys, status, "no such file", "none.skops")


# ------------------------------------------------------------ bad prediction input


def test_new_rows_lacking_a_feature_column(tmp_path, capsys, penguin_model):
    rows = [[r[1], r[3], r[5]] for r in _penguins()]
    path = _write(tmp_path, rows, ("bill_mm", "sex", "species"), name="new.csv")
    status = main([path, "--model", penguin_model[0]])
    assert_one_line_error(
        capsys,
        status,
        "new.csv lacks the feature columns 'id', 'island', 'observer' that the "
        "model was trained on",
    )


def test_new_rows_with_text_in_a_numeric_column(tmp_path, capsys, penguin_model):
    rows = [r[:] for r in _penguins()]
    rows[6][1] = "long"
    path = _write(tmp_path, rows, PENGUIN_HEADER, name="new.csv")
    status = main([path, "--model", penguin_model[0]])
    assert_one_line_error(
        capsys,
        status,
        "column 'bill_mm' held numbers in training",
        "'long' in data row 7",
    )


def test_unwritable_output(tmp_path, capsys, penguin_model):
    out = str(tmp_path / "no" / "such" / "dir.csv")
    status = main([penguin_model[1], "--model", penguin_model[0], "--output", out])
    assert_one_line_error(capsys, status, f"cannot write {out}: no folder")


def test_unwritable_save_fails_before_any_fit(tmp_path, capsys):
    save = str(tmp_path / "no" / "m.skops")
    status = main([_write(tmp_path, _blobs()), "--target", "species", "--save", save])
    assert_one_line_error(capsys, status, f"cannot write {save}: no folder")


def _refuse(*args, **kwargs):
    """A write the operating system refuses (permissions, a full disk)."""
    raise PermissionError(13, "Permission denied")


def test_save_that_cannot_be_written(tmp_path, capsys, monkeypatch):
    # A folder that refuses the file (permissions, a full disk) is found only
    # when writing, after the report.
    monkeypatch.setattr(sio, "dump", _refuse)
    save = str(tmp_path / "m.skops")
    status = main([_write(tmp_path, _blobs()), "--target", "species", "--save", save])
    out, err = capsys.readouterr()
    assert status == 2
    assert "cross-validation" in out and "saved" not in out
    assert err == f"error: cannot write {save}: Permission denied\n"


def test_model_that_cannot_be_read(tmp_path, capsys, penguin_model):
    status = main([penguin_model[1], "--model", str(tmp_path)])
    assert_one_line_error(capsys, status, f"cannot read {tmp_path}: ")


def test_save_into_a_folder_path_fails_before_any_fit(tmp_path, capsys):
    status = main(
        [_write(tmp_path, _blobs()), "--target", "species", "--save", str(tmp_path)]
    )
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""  # no report: nothing was fitted
    assert err == f"error: cannot write {tmp_path}: it is a folder\n"


class _ClosedPipe(io.StringIO):
    """Standard output whose reader has left: every write breaks the pipe."""

    def __init__(self, fd):
        super().__init__()
        self.fd = fd

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self):
        return self.fd


def test_broken_pipe_points_stdout_at_devnull(tmp_path, penguin_model, monkeypatch):
    # In process: the descriptor behind stdout (here a file's) is replaced by
    # devnull, so that the exit's flush cannot raise again.
    with open(tmp_path / "stdout", "wb") as target:
        monkeypatch.setattr(sys, "stdout", _ClosedPipe(target.fileno()))
        with pytest.raises(SystemExit) as exit_:
            main([penguin_model[1], "--model", penguin_model[0]])
        assert exit_.value.code == 1
        assert os.path.samestat(os.fstat(target.fileno()), os.stat(os.devnull))


def test_output_that_cannot_be_written(tmp_path, capsys, penguin_model, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_csv", _refuse)
    out = str(tmp_path / "predictions.csv")
    status = main([penguin_model[1], "--model", penguin_model[0], "--output", out])
    assert_one_line_error(capsys, status, f"cannot write {out}: Permission denied")


def test_predictions_piped_into_a_closed_reader_stop_quietly(tmp_path, penguin_model):
    # As `python -m skbareback new.csv --model m.skops | head -1`: the reader
    # leaves after one line, and the rest must not end in a traceback.
    rows = pd.concat([pd.read_csv(penguin_model[1], encoding="utf-8-sig")] * 200)
    path = tmp_path / "many.csv"
    rows.to_csv(path, index=False)
    command = [sys.executable, "-m", "skbareback", str(path), "--model"]
    process = subprocess.Popen(
        [*command, penguin_model[0]], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err


# ------------------------------------------------------------ bad training input


def test_missing_file(tmp_path, capsys):
    path = str(tmp_path / "nope.csv")
    status = main([path, "--target", "species"])
    assert_one_line_error(capsys, status, "no such file", "nope.csv")


def test_unreadable_path(tmp_path, capsys):
    status = main([str(tmp_path), "--target", "species"])
    assert_one_line_error(capsys, status, "cannot read")


def test_not_utf8(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"x,species\n1,caf\xe9\n")
    status = main([str(path), "--target", "species"])
    assert_one_line_error(capsys, status, "not a UTF-8 CSV file")


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_empty_file(tmp_path, capsys, text):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    status = main([str(path), "--target", "species"])
    assert_one_line_error(capsys, status, "empty.csv is empty")


def test_header_without_rows(tmp_path, capsys):
    status = main([_write(tmp_path, []), "--target", "species"])
    assert_one_line_error(capsys, status, "no data rows")


def test_missing_target_column(tmp_path, capsys):
    status = main([_write(tmp_path, _blobs()), "--target", "label"])
    assert_one_line_error(capsys, status, "no column 'label'", "'x1', 'x2', 'species'")


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_file_split_by_another_separator_says_so(tmp_path, capsys, sep):
    path = tmp_path / "data.csv"
    path.write_text(f"x1{sep}x2{sep}species\n1{sep}2{sep}a\n", encoding="utf-8")
    status = main([str(path), "--target", "species"])
    hint = f"(one column: are its fields separated by {sep!r}, not ','?)"
    assert_one_line_error(capsys, status, "no column 'species'", hint)


def test_missing_column_of_many_gets_no_separator_hint(tmp_path, capsys):
    status = main([_write(tmp_path, _blobs()), "--target", "label"])
    _, err = capsys.readouterr()
    assert status == 2 and "separated by" not in err


def test_drop_unknown_column(tmp_path, capsys):
    path = _write(tmp_path, _blobs())
    status = main([path, "--target", "species", "--drop", "x2", "id", "name"])
    assert_one_line_error(capsys, status, "no columns 'id', 'name' in")


def test_drop_the_target(tmp_path, capsys):
    path = _write(tmp_path, _blobs())
    status = main([path, "--target", "species", "--drop", "species"])
    assert_one_line_error(capsys, status, "--drop names the target column 'species'")


@pytest.mark.parametrize("duplicate", ["species", "x1"])
def test_duplicate_column(tmp_path, capsys, duplicate):
    rows = [row + [row[0]] for row in _blobs()]
    path = _write(tmp_path, rows, header=(*HEADER, duplicate))
    status = main([path, "--target", "species"])
    assert_one_line_error(capsys, status, f"2 columns named {duplicate!r}")


def test_row_with_too_many_fields(tmp_path, capsys):
    rows = _blobs()
    rows[2] = rows[2] + ["1"]
    status = main([_write(tmp_path, rows), "--target", "species"])
    assert_one_line_error(
        capsys,
        status,
        "not a well-formed CSV file",
        "Expected 3 fields in line 4, saw 4",
    )


def test_only_the_target_column(tmp_path, capsys):
    rows = [[label] for _, _, label in _blobs()]
    status = main([_write(tmp_path, rows, ("species",)), "--target", "species"])
    assert_one_line_error(capsys, status, "no feature columns besides 'species'")


@pytest.mark.parametrize(
    "cells, message",
    [
        (
            ["", "NA"],
            "column 'notes' is entirely empty; leave it out with --drop notes",
        ),
    ],
)
def test_entirely_empty_column(tmp_path, capsys, cells, message):
    rows = [[a, cells[i % 2], label] for i, (a, _, label) in enumerate(_blobs())]
    status = main(
        [_write(tmp_path, rows, ("x1", "notes", "species")), "--target", "species"]
    )
    assert_one_line_error(capsys, status, message)


def test_entirely_empty_target(tmp_path, capsys):
    rows = [[a, b, "NA"] for a, b, _ in _blobs()]
    status = main([_write(tmp_path, rows), "--target", "species"])
    assert_one_line_error(capsys, status, "target column 'species' is entirely empty")


def test_single_class(tmp_path, capsys):
    rows = [[a, b, "setosa"] for a, b, _ in _blobs()]
    status = main([_write(tmp_path, rows), "--target", "species"])
    assert_one_line_error(capsys, status, "single class, 'setosa'")


@pytest.mark.parametrize("cv", [None, "4"])
def test_too_few_rows_per_class(tmp_path, capsys, cv):
    rows = _blobs(n_per_class=6)[:-3] + [["0", "0", "rare"]] * 3
    args = [_write(tmp_path, rows), "--target", "species"]
    args += [] if cv is None else ["--cv", cv]
    status = main(args)
    k = cv or "5"
    assert_one_line_error(
        capsys, status, f"too few rows per class for {k}-fold", "class 'rare' has 3"
    )
