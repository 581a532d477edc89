"""Train, evaluate, save and apply skbareback's MLPs from the command line.

With no file, fit built-in data (the XOR truth table, two moons, the digits
with BareMLPClassifier; the diabetes table with BareMLPRegressor) and report
accuracy or R², its cross-validated value, fit time and iterations.

With a CSV file and --target, fit a pipeline on it instead: numeric columns
are imputed with their median and scaled, text columns imputed with their most
frequent value and one-hot encoded (rare categories grouped), then the
classifier or the regressor. The target column decides which, and the report
says why: text, true/false values and integers with at most 20 distinct
values are classes; other numbers (a fraction, or more than 20 distinct
integers) are a quantity to regress on. --task overrides it. A classifier is
scored by accuracy, a regressor by R², RMSE and MAE. --save fits that
pipeline on every row and saves it with skops.

With a CSV file and --model, load a saved pipeline and predict every row: a
CSV with a 'prediction' column and, from a classifier, one 'proba_<class>'
column per class.
"""

import argparse
import contextlib
import itertools
import math
import os
import sys
import time
import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.datasets import load_diabetes, load_digits, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import _table, _task
from ._classifier import BareMLPClassifier
from ._regressor import BareMLPRegressor
from ._table import DataError

# The --grid search space, keyed by estimator parameter (both tasks).
_GRID = {"hidden_layer_sizes": [(16,), (64,)], "alpha": [1e-4, 1e-2]}

_DEFAULT_FOLDS = 5

# R² needs two held-out rows (one has no variance to explain), and the fit
# needs as many again.
_MIN_REGRESSION_ROWS = 4


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
    _check_usage(parser, args)
    progress = _Progress(sys.stderr)
    try:
        with _convergence_note():
            if args.csv is None:
                _report_builtin(args, progress)
            elif args.model is not None:
                _predict_csv(args, progress)
            else:
                _report_csv(args, progress)
    except DataError as exc:
        progress.clear()
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
    parser.add_argument("--target", metavar="COLUMN", help="the column to predict")
    parser.add_argument(
        "--task",
        choices=_task.TASKS,
        help="classification or regression; by default the target column "
        "decides (text or at most "
        f"{_task.MAX_CLASSES} distinct integers: classification)",
    )
    parser.add_argument(
        "--cv",
        type=_fold_count,
        metavar="K",
        help=f"cross-validation folds (default {_DEFAULT_FOLDS})",
    )
    parser.add_argument(
        "--grid",
        action="store_true",
        help="grid-search hidden_layer_sizes and alpha by cross-validation",
    )
    parser.add_argument(
        "--drop",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="columns to leave out of the features (IDs, leaks)",
    )
    parser.add_argument(
        "--save",
        metavar="MODEL",
        help="fit on every row after the report and save the pipeline here",
    )
    parser.add_argument(
        "--model",
        metavar="MODEL",
        help="a pipeline saved with --save: predict the CSV's rows with it",
    )
    parser.add_argument(
        "--output",
        metavar="OUT",
        help="with --model, write the predictions here (default: standard output)",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the splits and the weights (default 0)",
    )
    return parser


def _check_usage(parser, args):
    training = {
        "--target": args.target is not None,
        "--task": args.task is not None,
        "--grid": args.grid,
        "--drop": bool(args.drop),
        "--save": args.save is not None,
        "--cv": args.cv is not None,
    }
    if args.csv is None:
        given = [name for name, on in training.items() if on and name != "--cv"]
        if args.model is not None or args.output is not None:
            given += ["--model"]
        if given:
            verb = "needs" if len(given) == 1 else "need"
            parser.error(f"{' and '.join(given)} {verb} a CSV file")
    elif args.model is not None:
        given = [name for name, on in training.items() if on]
        if given:
            parser.error(f"--model predicts; it takes no {', '.join(given)}")
    elif args.output is not None:
        parser.error("--output goes with --model")
    elif args.target is None:
        parser.error(
            "a CSV file needs --target COLUMN (to train) or --model MODEL (to predict)"
        )
    if args.cv is None:
        args.cv = _DEFAULT_FOLDS


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


class _Progress:
    """One self-overwriting status line on standard error, if it is a terminal.

    Elsewhere (a pipe, a log file) it writes nothing, so the output stays
    exactly the report.
    """

    def __init__(self, stream):
        self._stream = stream if stream.isatty() else None
        self._shown = False

    def show(self, message):
        if self._stream is not None:
            self._stream.write(f"\r\x1b[K{message}")
            self._stream.flush()
            self._shown = True

    def clear(self):
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = False

    @contextlib.contextmanager
    def step(self, message):
        """Show ``message`` while the block runs; clear it before the report."""
        self.show(message)
        try:
            yield
        finally:
            self.clear()

    def scorer(self, what, total):
        """The estimator's own score (accuracy or R²), counting the fits done."""
        done = itertools.count(1)
        self.show(f"{what}: 0/{total} fits")

        def score(estimator, X, y):
            self.show(f"{what}: {next(done)}/{total} fits")
            return estimator.score(X, y)

        return score


# ------------------------------------------------------------ built-in data


def _builtin_datasets():
    """Yield ``(name, X, y, holdout)``; XOR is too small to hold rows out."""
    X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    yield "xor", X_xor, np.array([0, 1, 1, 0]), False
    yield "moons", *make_moons(600, noise=0.2, random_state=0), True
    digits = load_digits()
    yield "digits", digits.data, digits.target, True


def _report_builtin(args, progress):
    datasets = list(_builtin_datasets())
    # Check every dataset first, so a bad --cv fails before any fit.
    for _, _, y, holdout in datasets:
        if holdout:
            _check_classes(y, args.cv)
    for name, X, y, holdout in datasets:
        summary = _builtin_summary(X, y, holdout, args, progress)
        print(f"{name:<8} n={len(y):<5} {summary}")
    X, y = load_diabetes(return_X_y=True)
    summary = _builtin_regression(X, y, args, progress)
    print(f"{'diabetes':<8} n={len(y):<5} {summary}")


def _builtin_summary(X, y, holdout, args, progress):
    model = _make_model(args.random_state)
    if not holdout:
        seconds = _timed_fit(model, X, y, progress)
        return f"accuracy={model.score(X, y):.3f} {_fit_summary(model, seconds)}"
    X_train, X_test, y_train, y_test = _split(X, y, args.random_state)
    seconds = _timed_fit(model, X_train, y_train, progress)
    cv = _cv_summary(model, X, y, args.cv, progress)
    return (
        f"accuracy={model.score(X_test, y_test):.3f} "
        f"{_fit_summary(model, seconds)}  {cv}"
    )


def _builtin_regression(X, y, args, progress):
    """The regressor's line: holdout R², fit, cross-validated R² (plain KFold)."""
    model = make_pipeline(
        StandardScaler(), BareMLPRegressor(random_state=args.random_state)
    )
    X_train, X_test, y_train, y_test = _split(X, y, args.random_state, "regression")
    seconds = _timed_fit(model, X_train, y_train, progress)
    cv = _cv_summary(model, X, y, args.cv, progress)
    return f"R2={model.score(X_test, y_test):.3f} {_fit_summary(model, seconds)}  {cv}"


# ------------------------------------------------------------ the user's CSV


def _report_csv(args, progress):
    _check_folder(args.save)
    with progress.step(f"reading {args.csv}"):
        frame = _table.read_csv(args.csv)
    table = _table.training_table(frame, args.target, args.drop, args.csv, args.task)
    X, y, task = table.X, table.y, table.task
    try:
        _check_target(y, task, args.cv)
    except DataError as exc:
        if args.task is not None or task != "classification":
            raise
        # Say why the rule chose classes; integers may be a quantity.
        hint = "; --task regression if it is a quantity" if y.dtype.kind == "i" else ""
        raise DataError(f"{exc} (classification, since {table.reason}{hint})") from None
    target = _target_summary(y, task, args.target)
    print(f"{args.csv}: {len(y)} rows, {X.shape[1]} features, {target}")
    why = table.reason if args.task else f"since {table.reason} (--task overrides)"
    print(f"task: {task}, {why}")
    print(_columns_summary(table, args.target))
    model = _table.make_model(table.numeric, table.categorical, args.random_state, task)
    X_train, X_test, y_train, y_test = _split(X, y, args.random_state, task)
    seconds = _timed_fit(model, X_train, y_train, progress)
    scores = _holdout_scores(model, X_train, X_test, y_train, y_test)
    print(f"{scores} ({len(y_test)} rows)  {_fit_summary(model, seconds)}")
    cv = _cv_summary(model, X, y, _folds(args, task), progress)
    print(f"cross-validation: {_metric(task)}{cv}")
    if args.grid:
        best = _report_grid(model, X, y, task, args, progress)
        model.set_params(**best)
    if args.save is not None:
        _save(model, X, y, args.save, progress)


def _target_summary(y, task, target):
    """The end of the report's first line: the classes, or the target's spread."""
    if task == "classification":
        return f"{len(np.unique(y))} classes in {target!r}"
    return f"numeric target {target!r} (mean {y.mean():.4g}, std {y.std():.4g})"


def _holdout_scores(model, X_train, X_test, y_train, y_test):
    train, holdout = model.score(X_train, y_train), model.score(X_test, y_test)
    if is_classifier(model):
        return f"train accuracy={train:.3f}  holdout accuracy={holdout:.3f}"
    predicted = model.predict(X_test)
    rmse = root_mean_squared_error(y_test, predicted)
    mae = mean_absolute_error(y_test, predicted)
    errors = f"RMSE={rmse:.4g} MAE={mae:.4g}"
    return f"train R2={train:.3f}  holdout R2={holdout:.3f} {errors}"


def _metric(task):
    # Accuracy goes unnamed, as it always has; R² is named.
    return "R2 " if task == "regression" else ""


def _columns_summary(table, target):
    """One line: the categorical columns, those with missing cells, the dropped."""
    missing = [f"{name!r} ({n})" for name, n in table.missing.items()]
    dropped = [repr(name) for name in table.dropped]
    if table.unlabeled:
        rows = "row" if table.unlabeled == 1 else "rows"
        dropped.append(f"{table.unlabeled} {rows} with no {target!r}")
    categorical = [repr(name) for name in table.categorical]
    return (
        f"categorical: {_listed(categorical)}  missing values imputed: "
        f"{_listed(missing)}  dropped: {_listed(dropped)}"
    )


def _listed(items):
    return _table.name_list(items) if items else "none"


def _report_grid(model, X, y, task, args, progress):
    """Print the best grid point; return it as pipeline parameters."""
    step = model.steps[-1][0]
    grid = {f"{step}__{name}": values for name, values in _GRID.items()}
    n_fits = math.prod(len(values) for values in grid.values()) * args.cv
    with progress.step("grid search"):
        # refit=False: only the winner's parameters and score are reported.
        search = GridSearchCV(
            model,
            grid,
            cv=_folds(args, task),
            refit=False,
            scoring=progress.scorer("grid search", n_fits),
        ).fit(X, y)
    best = ", ".join(
        f"{key.split('__', 1)[1]}={value}" for key, value in search.best_params_.items()
    )
    score = f"{_metric(task)}cv{args.cv}={search.best_score_:.3f}"
    print(f"grid search: best {best}  {score}")
    return search.best_params_


def _save(model, X, y, path, progress):
    final = clone(model)
    with progress.step(f"fitting the model to save on all {len(y)} rows"):
        final.fit(X, y)
    _table.save_model(final, path)
    print(f"saved the pipeline fitted on all {len(y)} rows to {path}")


def _predict_csv(args, progress):
    with progress.step(f"loading {args.model}"):
        model = _table.load_model(args.model)
    import pandas as pd  # present: load_model checked

    _check_folder(args.output)
    _, categorical = _table.feature_columns(model)
    with progress.step(f"reading {args.csv}"):
        frame = _table.read_csv(args.csv, text_columns=categorical)
    X = _table.prediction_features(frame, model, args.csv)
    with progress.step(f"predicting {len(X)} rows"):
        columns = {"prediction": model.predict(X)}
        if is_classifier(model):
            proba = model.predict_proba(X)
            columns.update(
                (f"proba_{label}", proba[:, k])
                for k, label in enumerate(model.classes_)
            )
    out = pd.DataFrame(columns)
    _write_predictions(out, args.output)
    unseen = _table.unseen_categories(model, X)
    if unseen:
        counts = [f"{name!r} ({n})" for name, n in unseen.items()]
        print(
            "note: categories not seen in training (encoded as the column's "
            f"rare group, or as none): {_table.name_list(counts)}",
            file=sys.stderr,
        )
    if args.output is not None:
        print(f"wrote {len(out)} predictions to {args.output}")


def _check_folder(path):
    """Fail before any work if ``path`` lacks its folder or is one."""
    if path is None:
        return
    if os.path.isdir(path):
        raise DataError(f"cannot write {path}: it is a folder")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise DataError(f"cannot write {path}: no folder {folder}")


def _write_predictions(out, path):
    if path is None:
        try:
            out.to_csv(sys.stdout, index=False)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader (such as `head`) has had enough: stop quietly, and
            # point stdout at devnull so that Python's exit flush cannot fail.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        return
    try:
        out.to_csv(path, index=False)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None


# ------------------------------------------------------------ evaluation


def _check_target(y, task, cv):
    if task == "classification":
        _check_classes(y, cv)
    elif len(y) < cv:
        raise DataError(
            f"too few rows for {cv}-fold cross-validation: {len(y)}; "
            "lower --cv or add rows"
        )
    elif len(y) < _MIN_REGRESSION_ROWS:
        raise DataError(
            f"too few rows to hold 2 out and fit on the rest: {len(y)}; "
            f"regression needs {_MIN_REGRESSION_ROWS}"
        )
    elif len(y) < 2 * cv:
        # R² needs 2 rows in every fold: with 1 it is NaN.
        raise DataError(
            f"too few rows for {cv}-fold cross-validated R²: {len(y)}, where "
            f"each fold needs 2 ({2 * cv} in all); lower --cv or add rows"
        )


def _check_classes(y, cv):
    """Refuse targets that a stratified split or ``cv`` folds cannot handle."""
    labels, counts = np.unique(y, return_counts=True)
    # Python scalars, so messages show 'a' rather than np.str_('a').
    labels = labels.tolist()
    if len(labels) < 2:
        raise DataError(f"the target holds a single class, {labels[0]!r}")
    rarest = counts.argmin()
    if counts[rarest] < cv:
        raise DataError(
            f"too few rows per class for {cv}-fold cross-validation: class "
            f"{labels[rarest]!r} has {counts[rarest]}; lower --cv or add rows"
        )


def _make_model(random_state):
    return make_pipeline(StandardScaler(), BareMLPClassifier(random_state=random_state))


def _split(X, y, random_state, task="classification"):
    if task == "regression":
        n_test = max(math.ceil(len(y) / 4), 2)
        return train_test_split(X, y, test_size=n_test, random_state=random_state)
    # Hold out a quarter, but at least one row per class: a stratified split
    # needs every class on both sides (each class has >= 2 rows by now).
    n_test = max(math.ceil(len(y) / 4), len(np.unique(y)))
    return train_test_split(
        X, y, test_size=n_test, stratify=y, random_state=random_state
    )


def _folds(args, task):
    # Shuffle: user files are often sorted, and unshuffled folds then differ.
    # (The built-in data is not sorted, and keeps the plain folds.)
    folds = KFold if task == "regression" else StratifiedKFold
    return folds(args.cv, shuffle=True, random_state=args.random_state)


def _timed_fit(model, X, y, progress):
    with progress.step(f"fitting on {len(y)} rows"):
        start = time.perf_counter()
        model.fit(X, y)
        return time.perf_counter() - start


def _fit_summary(model, seconds):
    clf = model[-1]
    return f"fit={seconds * 1000:.1f} ms  iterations={clf.n_iter_} solver={clf.solver_}"


def _cv_summary(model, X, y, cv, progress):
    k = cv if isinstance(cv, int) else cv.get_n_splits()
    with progress.step("cross-validation"):
        scores = cross_val_score(
            model, X, y, cv=cv, scoring=progress.scorer("cross-validation", k)
        )
    return f"cv{len(scores)}={scores.mean():.3f}+/-{scores.std():.3f}"
