"""Tables for the command line: read a CSV, encode its columns, save the model.

pandas reads the file and skops saves and loads the fitted pipeline. Both come
with the ``cli`` extra and are imported only when a CSV file is given, so the
built-in demo runs without them.
"""

import functools
import io
import itertools
import json
import shlex
import warnings
import zipfile
from dataclasses import dataclass, field

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from . import _task
from ._classifier import BareMLPClassifier
from ._errors import DataError
from ._regressor import BareMLPRegressor

INSTALL = 'reading CSV files needs pandas and skops: pip install "skbareback[cli]"'

# A category seen in fewer training rows than this joins the column's one
# "infrequent" indicator, and a column keeps at most _MAX_CATEGORIES
# indicators: an ID-like column of unique strings then costs one input, not
# one per row. A category unseen in training is rare too: it joins that
# indicator, or, in a column without one, sets no indicator at all.
_MIN_FREQUENCY = 5
_MAX_CATEGORIES = 20

# How many names an error message lists before it summarises.
_MAX_NAMED = 5

# The estimator step's name in the pipeline of each task (make_pipeline's
# names); loading checks them.
_STEP = {"classification": "baremlpclassifier", "regression": "baremlpregressor"}


@dataclass
class TrainingTable:
    """The features and target of a training CSV, and what was done to them.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns: numeric ones as float64, categorical ones as
        Python strings, missing cells as NaN.
    y : ndarray of shape (n_samples,)
        The class labels, or the float64 quantities to regress on.
    task : {'classification', 'regression'}
        The task the target asks for (or ``--task`` chose).
    reason : str
        Why that task, in a few words.
    numeric, categorical : list of str
        The feature columns of each kind, in file order.
    missing : dict of str to int
        The number of missing cells of each feature column that has any.
    dropped : list of str
        The columns removed by ``--drop``.
    unlabeled : int
        The rows dropped because their target cell is empty.
    """

    X: object
    y: np.ndarray
    task: str = "classification"
    reason: str = ""
    numeric: list = field(default_factory=list)
    categorical: list = field(default_factory=list)
    missing: dict = field(default_factory=dict)
    dropped: list = field(default_factory=list)
    unlabeled: int = 0


def _pandas():
    try:
        import pandas as pd
        import skops.io  # noqa: F401  (checked here: saving and loading need it)
    except ImportError:
        raise DataError(INSTALL) from None
    return pd


def name_list(items):
    """Join ``items`` with commas, naming at most a few and counting the rest."""
    shown = ", ".join(items[:_MAX_NAMED])
    more = len(items) - _MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _columns(names):
    """``column 'a'`` or ``columns 'a', 'b'``, for messages."""
    noun = "column" if len(names) == 1 else "columns"
    return f"{noun} {name_list([repr(name) for name in names])}"


# ------------------------------------------------------------ reading


def read_csv(path, text_columns=()):
    """Read a CSV file with a header row into a DataFrame.

    Parameters
    ----------
    path : str
        The file; it must be UTF-8 (a byte order mark is dropped).
    text_columns : iterable of str, default=()
        Columns to keep as text rather than letting pandas infer a type.

    Returns
    -------
    frame : pandas.DataFrame
        The rows, with stripped column names and string cells; the usual
        missing-value markers (``NA``, empty cells, ...) are NaN.
    """
    pd = _pandas()
    options = {"encoding": "utf-8-sig", "skipinitialspace": True, "index_col": False}
    try:
        # The raw header first: pandas would rename a duplicate 'a' to 'a.1'.
        header = pd.read_csv(
            path, header=None, nrows=1, dtype=str, keep_default_na=False, **options
        )
        frame = pd.read_csv(path, dtype=dict.fromkeys(text_columns, str), **options)
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not a UTF-8 CSV file: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(
            f"{path} is not a well-formed CSV file: {_one_line(exc)}"
        ) from None
    _check_header([str(name).strip() for name in header.iloc[0]], path)
    frame.columns = [str(name).strip() for name in frame.columns]
    if frame.empty:
        raise DataError(f"{path} has a header row but no data rows")
    for name in frame.columns:
        if _is_text(frame[name]):
            frame[name] = _text(frame[name])
    return frame


def _one_line(exc):
    return " ".join(str(exc).split())


def _check_header(names, path):
    seen = set()
    for name in names:
        if name and name in seen:
            raise DataError(f"{path} has {names.count(name)} columns named {name!r}")
        seen.add(name)


def _is_text(column):
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if is_numeric_dtype(column) or is_bool_dtype(column):
        return False
    # A true/false column with missing cells arrives as objects: still numbers.
    present = column.dropna()
    return not (len(present) and all(isinstance(v, bool | np.bool_) for v in present))


def _text(column):
    """Stripped Python strings, with blank cells missing (NaN)."""
    values = column.astype(object)
    present = values.notna()
    values[present] = [str(v).strip() for v in values[present]]
    return values.where(present & (values != ""), np.nan).astype(object)


def _numbers(column):
    import pandas as pd

    return pd.to_numeric(column, errors="coerce").astype(np.float64)


# ------------------------------------------------------------ training


def training_table(frame, target, drop, path, task=None):
    """Split a CSV's DataFrame into encoded-ready features and a target.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`read_csv`.
    target : str
        The column to predict; rows where it is empty are dropped.
    drop : list of str
        Columns to leave out of the features.
    path : str
        The file's name, for messages.
    task : {'classification', 'regression'}, default=None
        The task; None lets the target column decide (:func:`_task.choose`).

    Returns
    -------
    table : TrainingTable
    """
    _check_columns([target, *drop], frame, path)
    if target in drop:
        raise DataError(f"--drop names the target column {target!r}")
    # Before any row is dropped, so that data row numbers are the file's.
    check_finite(frame, [name for name in frame if name not in drop], path)
    labeled = frame[target].notna()
    if not labeled.any():
        raise DataError(f"target column {target!r} is entirely empty")
    frame = frame[labeled.to_numpy()]
    features = _features(frame.drop(columns=[target, *drop]), target, path)
    task, reason = _task.choose(frame[target], target, task)
    table = TrainingTable(
        X=features,
        y=_task.values(frame[target], target, task),
        task=task,
        reason=reason,
        dropped=list(drop),
        unlabeled=int((~labeled).sum()),
    )
    for name in features:
        kind = table.categorical if _is_text(features[name]) else table.numeric
        kind.append(name)
        n_missing = int(features[name].isna().sum())
        if n_missing:
            table.missing[name] = n_missing
    table.X = _typed(features, table.numeric)
    return table


def _features(features, target, path):
    """Refuse a table without features, or with an entirely empty one."""
    if features.shape[1] == 0:
        raise DataError(f"{path} has no feature columns besides {target!r}")
    empty = [name for name in features if features[name].isna().all()]
    if empty:
        raise DataError(
            f"{_columns(empty)} {'is' if len(empty) == 1 else 'are'} entirely "
            f"empty; leave it out with --drop {shlex.join(empty)}"
        )
    return features


def _check_columns(names, frame, path):
    absent = [name for name in names if name not in frame.columns]
    if absent:
        raise DataError(
            f"no {_columns(absent)} in {path}; its columns are "
            f"{name_list([repr(name) for name in frame.columns])}"
            f"{_separator_hint(frame.columns)}"
        )


def _separator_hint(columns):
    """A hint when a one-column header looks split by another separator."""
    if len(columns) != 1:
        return ""
    found = [sep for sep in (";", "\t", "|") if sep in str(columns[0])]
    if not found:
        return ""
    return f" (one column: are its fields separated by {found[0]!r}, not ','?)"


# The largest magnitude a numeric cell may hold: the scaler squares the
# values (1e300 would overflow to inf, and its mean and variance to NaN), and
# so do the regression metrics.
MAX_MAGNITUDE = 1e150


def check_finite(frame, names, path):
    """Refuse numeric columns that hold infinities or numbers too large to scale.

    pandas reads ``inf`` and numbers beyond float64's range (``1e400``) as
    infinite floats, which no scaler, imputer or fit can take; beyond
    ``MAX_MAGNITUDE`` their squares overflow.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows, in the file's order.
    names : list of str
        The columns to check; those that are not numeric are skipped.
    path : str
        The file's name, for messages.
    """
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    rows = {}
    for name in names:
        column = frame[name]
        if is_numeric_dtype(column) and not is_bool_dtype(column):
            # NaN (a missing cell) compares False: the imputers fill it.
            values = np.abs(column.to_numpy(np.float64))
            too_large = np.flatnonzero(values > MAX_MAGNITUDE)
            if len(too_large):
                rows[name] = too_large + 1
    if rows:
        raise DataError(_infinite_message(rows, path))


def _infinite_message(rows, path):
    what = f"infinite or too large values (inf, or beyond ±{MAX_MAGNITUDE:g})"
    if len(rows) == 1:
        ((name, found),) = rows.items()
        numbers = name_list([str(row) for row in found])
        return (
            f"column {name!r} holds {what} in {_rows(len(found))} of {path} "
            f"(data {'row' if len(found) == 1 else 'rows'} {numbers})"
        )
    counts = [f"{name!r} ({_rows(len(found))})" for name, found in rows.items()]
    return f"columns {name_list(counts)} hold {what} in {path}"


def _rows(n):
    return f"{n} row" if n == 1 else f"{n} rows"


def _typed(features, numeric):
    """Numeric columns as float64, the others as Python strings."""
    features = features.copy()
    for name in numeric:
        features[name] = _numbers(features[name])
    return features


def make_model(numeric, categorical, random_state, task="classification"):
    """The pipeline the command line fits: impute, scale or one-hot, then the MLP.

    Parameters
    ----------
    numeric, categorical : list of str
        The feature columns of each kind.
    random_state : int
        The estimator's seed.
    task : {'classification', 'regression'}, default='classification'
        Ends the pipeline in BareMLPClassifier or in BareMLPRegressor.

    Returns
    -------
    model : sklearn.pipeline.Pipeline
    """
    transformers = []
    if numeric:
        scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        transformers.append(("numeric", scale, list(numeric)))
    if categorical:
        one_hot = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            min_frequency=_MIN_FREQUENCY,
            max_categories=_MAX_CATEGORIES,
            sparse_output=False,
        )
        encode = make_pipeline(SimpleImputer(strategy="most_frequent"), one_hot)
        transformers.append(("categorical", encode, list(categorical)))
    columns = ColumnTransformer(transformers, sparse_threshold=0)
    # Looked up here, not in a table built at import: tests swap the classes.
    estimator = BareMLPRegressor if task == "regression" else BareMLPClassifier
    return Pipeline(
        [("columns", columns), (_STEP[task], estimator(random_state=random_state))]
    )


# ------------------------------------------------------------ prediction


def feature_columns(model):
    """Return the numeric and the categorical columns a fitted model reads."""
    kinds = {"numeric": [], "categorical": []}
    for name, _, columns in model.named_steps["columns"].transformers_:
        if name in kinds:
            kinds[name] = list(columns)
    return kinds["numeric"], kinds["categorical"]


def prediction_features(frame, model, path):
    """Select and type the columns ``model`` was trained on; ignore the rest."""
    numeric, categorical = feature_columns(model)
    absent = [name for name in numeric + categorical if name not in frame.columns]
    if absent:
        raise DataError(
            f"{path} lacks the feature {_columns(absent)} that the model was trained on"
        )
    X = frame[numeric + categorical].copy()
    for name in numeric:
        X[name] = _numbers(frame[name])
        bad = X[name].isna() & frame[name].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"column {name!r} held numbers in training, but {path} has "
                f"{frame[name].iloc[row]!r} in data row {row + 1}"
            )
    for name in categorical:
        X[name] = _text(frame[name])
    check_finite(X, numeric, path)
    return X


def unseen_categories(model, X):
    """Count, per categorical column, the cells whose category training never saw."""
    _, categorical = feature_columns(model)
    if not categorical:
        return {}
    encoder = model.named_steps["columns"].named_transformers_["categorical"][-1]
    counts = {}
    for name, known in zip(categorical, encoder.categories_):
        values = X[name].dropna()
        n = int((~values.isin(set(known))).sum())
        if n:
            counts[name] = n
    return counts


# ------------------------------------------------------------ saving, loading


def save_model(model, path):
    """Save a fitted pipeline with skops."""
    import skops.io as sio

    try:
        sio.dump(model, path)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None


def load_model(path):
    """Load a pipeline saved by :func:`save_model`, trusting only its types.

    Every type named in the file must be one that the pipeline of
    :func:`make_model` saves; the check reads the file's schema before skops
    builds anything, and skops itself never unpickles.

    Parameters
    ----------
    path : str
        A file written by :func:`save_model`.

    Returns
    -------
    model : sklearn.pipeline.Pipeline
    """
    _pandas()
    import skops.io as sio

    not_ours = f"{path} is not a model saved by 'python -m skbareback --save'"
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataError(f"{not_ours} (not a skops file: {_one_line(exc)})") from None
    trusted = _trusted_types()
    foreign = sorted(_schema_types(schema) - trusted)
    if foreign:
        raise DataError(
            f"{not_ours}: it holds {name_list(foreign)}; refusing to load it"
        )
    try:
        model = sio.load(path, trusted=sorted(_type_names(trusted)))
    # A damaged archive can fail in zipfile, zlib, json, NumPy or skops; each
    # means the same thing here.
    except Exception as exc:
        raise DataError(f"{not_ours} (damaged: {_one_line(exc)})") from None
    if not _is_our_model(model):
        raise DataError(f"{not_ours} (a skops file holding another model)")
    return model


def _is_our_model(model):
    """A fitted pipeline of :func:`make_model`, for either task."""
    if not (isinstance(model, Pipeline) and len(model.steps) == 2):
        return False
    (first, columns), (last, estimator) = model.steps
    cls = {
        _STEP["classification"]: BareMLPClassifier,
        _STEP["regression"]: BareMLPRegressor,
    }.get(last, type(None))
    return (
        first == "columns"
        and isinstance(columns, ColumnTransformer)
        and hasattr(columns, "transformers_")
        and isinstance(estimator, cls)
        and hasattr(estimator, "n_iter_")
    )


def _type_names(found):
    return {name for name in found if not name.startswith("loader:")}


def _schema_types(schema):
    """Every ``module.class`` a skops schema names, and every loader it uses."""
    found = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__loader__" in node:
                found.add(f"{node.get('__module__')}.{node.get('__class__')}")
                found.add(f"loader:{node.get('__loader__')}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


@functools.cache
def _trusted_types():
    """The types (and skops loaders) in the schema of the pipelines we save.

    Computed from :func:`make_model` fitted, for each task and by each solver
    family, on a small table with both kinds of column, missing cells and a
    rare category; never from the file being loaded.
    """
    import pandas as pd
    import skops.io as sio

    words = ["a"] * 10 + ["b"] * 10 + ["rare"] * 2 + [np.nan] * 2
    numbers = np.linspace(0, 1, len(words))
    numbers[::7] = np.nan
    X = pd.DataFrame({"number": numbers, "word": np.array(words, dtype=object)})
    targets = {
        "classification": np.array(["x", "y"] * (len(words) // 2)),
        "regression": np.linspace(-1.0, 2.0, len(words)),
    }
    found = set()
    for (task, y), solver in itertools.product(targets.items(), ("lbfgs", "adam")):
        model = make_model(["number"], ["word"], 0, task)
        model[-1].set_params(solver=solver, max_iter=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        with zipfile.ZipFile(io.BytesIO(sio.dumps(model))) as archive:
            found |= _schema_types(json.loads(archive.read("schema.json")))
    return frozenset(found)
