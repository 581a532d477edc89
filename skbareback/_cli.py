"""Train and evaluate BareMLPClassifier from the command line.

With no file, fit built-in data (the XOR truth table, two moons, the digits)
and report accuracy, cross-validated accuracy, fit time and iterations. With a
CSV file (a header row, numeric feature columns, one target column of class
labels), fit a StandardScaler + BareMLPClassifier pipeline on it instead.
"""

import argparse
import contextlib
import csv
import math
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._classifier import BareMLPClassifier

# The --grid search space, keyed by BareMLPClassifier parameter.
_GRID = {"hidden_layer_sizes": [(16,), (64,)], "alpha": [1e-4, 1e-2]}

# How many offending columns an error message names before it summarises.
_MAX_NAMED = 5


class _DataError(Exception):
    """A problem with the user's data: one line on stderr, exit status 2."""


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; None reads ``sys.argv``.

    Returns
    -------
    status : int
        The process exit status: 0 on success, 2 for bad input data. Usage
        errors exit with status 2 through :class:`argparse.ArgumentParser`.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.csv is None and (args.target is not None or args.grid):
        parser.error("--target and --grid need a CSV file")
    if args.csv is not None and args.target is None:
        parser.error("a CSV file needs --target COLUMN")
    try:
        with _convergence_note():
            if args.csv is None:
                _report_builtin(args)
            else:
                _report_csv(args)
    except _DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skbareback",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("csv", nargs="?", help="CSV file with a header row")
    parser.add_argument("--target", metavar="COLUMN", help="the class label column")
    parser.add_argument(
        "--cv",
        type=_fold_count,
        default=5,
        metavar="K",
        help="cross-validation folds (default 5)",
    )
    parser.add_argument(
        "--grid",
        action="store_true",
        help="grid-search hidden_layer_sizes and alpha by cross-validation",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the splits and the weights (default 0)",
    )
    return parser


def _fold_count(text):
    try:
        k = int(text)
    except ValueError:
        k = 0
    if k < 2:
        raise argparse.ArgumentTypeError(f"expected an integer >= 2, got {text!r}")
    return k


@contextlib.contextmanager
def _convergence_note():
    """Count ConvergenceWarnings and note them in one line, not a stack of them.

    Other warnings are recorded and dropped, as the report always has: the
    cross-validation folds would otherwise repeat each one K times.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        yield
    n = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    if n:
        print(f"note: {n} fit(s) stopped before converging", file=sys.stderr)


# ------------------------------------------------------------ built-in data


def _builtin_datasets():
    """Yield ``(name, X, y, holdout)``; XOR is too small to hold rows out."""
    X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    yield "xor", X_xor, np.array([0, 1, 1, 0]), False
    yield "moons", *make_moons(600, noise=0.2, random_state=0), True
    digits = load_digits()
    yield "digits", digits.data, digits.target, True


def _report_builtin(args):
    datasets = list(_builtin_datasets())
    # Check every dataset first, so a bad --cv fails before any fit.
    for _, _, y, holdout in datasets:
        if holdout:
            _check_classes(y, args.cv)
    for name, X, y, holdout in datasets:
        print(f"{name:<8} n={len(y):<5} {_builtin_summary(X, y, holdout, args)}")


def _builtin_summary(X, y, holdout, args):
    model = _make_model(args.random_state)
    if not holdout:
        seconds = _timed_fit(model, X, y)
        return f"accuracy={model.score(X, y):.3f} {_fit_summary(model, seconds)}"
    X_train, X_test, y_train, y_test = _split(X, y, args.random_state)
    seconds = _timed_fit(model, X_train, y_train)
    return (
        f"accuracy={model.score(X_test, y_test):.3f} "
        f"{_fit_summary(model, seconds)}  {_cv_summary(model, X, y, args.cv)}"
    )


# ------------------------------------------------------------ the user's CSV


def _report_csv(args):
    X, y = _load_csv(args.csv, args.target)
    _check_classes(y, args.cv)
    print(
        f"{args.csv}: {len(y)} rows, {X.shape[1]} features, "
        f"{len(np.unique(y))} classes in {args.target!r}"
    )
    model = _make_model(args.random_state)
    X_train, X_test, y_train, y_test = _split(X, y, args.random_state)
    seconds = _timed_fit(model, X_train, y_train)
    print(
        f"train accuracy={model.score(X_train, y_train):.3f}  "
        f"holdout accuracy={model.score(X_test, y_test):.3f} "
        f"({len(y_test)} rows)  {_fit_summary(model, seconds)}"
    )
    print(f"cross-validation: {_cv_summary(model, X, y, _folds(args))}")
    if args.grid:
        _report_grid(model, X, y, args)


def _report_grid(model, X, y, args):
    step = model.steps[-1][0]
    grid = {f"{step}__{name}": values for name, values in _GRID.items()}
    # refit=False: only the winner's parameters and score are reported.
    search = GridSearchCV(model, grid, cv=_folds(args), refit=False).fit(X, y)
    best = ", ".join(
        f"{key.split('__', 1)[1]}={value}" for key, value in search.best_params_.items()
    )
    print(f"grid search: best {best}  cv{args.cv}={search.best_score_:.3f}")


def _load_csv(path, target):
    """Return the numeric features and the labels of a CSV file.

    Parameters
    ----------
    path : str
        The CSV file; its first non-blank row names the columns.

    target : str
        The name of the column holding the class labels.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Every column but the target, as float64.

    y : ndarray of shape (n_samples,)
        The target column, as stripped strings.
    """
    (_, header), *rows = _read_rows(path)
    names = [name.strip() for name in header]
    if not rows:
        raise _DataError(f"{path} has a header row but no data rows")
    _check_widths(rows, len(names), path)
    t = _target_index(names, target, path)
    lines = [line for line, _ in rows]
    cells = [row for _, row in rows]
    columns = list(zip(*cells))
    y = _labels(columns.pop(t), lines, target)
    del names[t]
    if not names:
        raise _DataError(f"{path} has no feature columns besides {target!r}")
    return _features(columns, names, lines), y


def _read_rows(path):
    """Return ``(line number, fields)`` for each non-blank row of a CSV file."""
    try:
        # utf-8-sig drops the byte order mark that spreadsheet exports add.
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            rows = [(reader.line_num, row) for row in reader if "".join(row).strip()]
    except FileNotFoundError:
        raise _DataError(f"no such file: {path}") from None
    except OSError as exc:
        raise _DataError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _DataError(f"{path} is not a UTF-8 CSV file: {exc}") from None
    if not rows:
        raise _DataError(f"{path} is empty")
    return rows


def _check_widths(rows, width, path):
    for line, row in rows:
        if len(row) != width:
            raise _DataError(
                f"{path} line {line} has {len(row)} fields, but the header has {width}"
            )


def _target_index(names, target, path):
    matches = [i for i, name in enumerate(names) if name == target]
    if len(matches) > 1:
        raise _DataError(f"{path} has {len(matches)} columns named {target!r}")
    if not matches:
        raise _DataError(
            f"no column {target!r} in {path}; its columns are "
            f"{_name_list([repr(name) for name in names])}"
        )
    return matches[0]


def _labels(column, lines, target):
    y = np.array([label.strip() for label in column])
    empty = np.flatnonzero(y == "")
    if len(empty):
        raise _DataError(
            f"target column {target!r} has an empty cell on line {lines[empty[0]]}"
        )
    return y


def _features(columns, names, lines):
    """Convert the feature columns to floats; name every column that fails."""
    X = np.array([[_to_float(cell) for cell in col] for col in columns]).T
    bad = ~np.isfinite(X)
    problems = []
    for j in np.flatnonzero(bad.any(axis=0)):
        i = bad[:, j].argmax()
        cell = columns[j][i].strip()
        what = repr(cell) if cell else "an empty cell"
        problems.append(f"{names[j]!r} ({what} on line {lines[i]})")
    if problems:
        raise _DataError(
            f"feature columns must hold finite numbers: {_name_list(problems)}"
        )
    return X


def _to_float(text):
    try:
        return float(text)
    except ValueError:
        return np.nan


def _name_list(items):
    shown = ", ".join(items[:_MAX_NAMED])
    more = len(items) - _MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


# ------------------------------------------------------------ evaluation


def _check_classes(y, cv):
    """Refuse targets that a stratified split or ``cv`` folds cannot handle."""
    labels, counts = np.unique(y, return_counts=True)
    # Python scalars, so messages show 'a' rather than np.str_('a').
    labels = labels.tolist()
    if len(labels) < 2:
        raise _DataError(f"the target holds a single class, {labels[0]!r}")
    rarest = counts.argmin()
    if counts[rarest] < cv:
        raise _DataError(
            f"too few rows per class for {cv}-fold cross-validation: class "
            f"{labels[rarest]!r} has {counts[rarest]}; lower --cv or add rows"
        )


def _make_model(random_state):
    return make_pipeline(StandardScaler(), BareMLPClassifier(random_state=random_state))


def _split(X, y, random_state):
    # Hold out a quarter, but at least one row per class: a stratified split
    # needs every class on both sides (each class has >= 2 rows by now).
    n_test = max(math.ceil(len(y) / 4), len(np.unique(y)))
    return train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=random_state
    )


def _folds(args):
    # Shuffle: user files are often sorted, and unshuffled folds then differ.
    # (The built-in data is not sorted, and keeps the plain stratified folds.)
    return StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)


def _timed_fit(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def _fit_summary(model, seconds):
    clf = model[-1]
    return f"fit={seconds * 1000:.1f} ms  iterations={clf.n_iter_} solver={clf.solver_}"


def _cv_summary(model, X, y, cv):
    scores = cross_val_score(model, X, y, cv=cv)
    return f"cv{len(scores)}={scores.mean():.3f}+/-{scores.std():.3f}"
