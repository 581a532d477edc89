"""The task a CSV's target column asks for, and the values to fit.

The rule, stated by the report in one line: text, true/false and categorical
columns hold class labels; a numeric column holds a quantity to regress on if
it has a non-integer value or more than :data:`MAX_CLASSES` distinct values,
and class labels (codes) otherwise. ``--task`` overrides the rule.
"""

import re

import numpy as np

from ._errors import DataError

TASKS = ("classification", "regression")

# An integer column with up to this many distinct values reads as class codes
# (grades, ratings, 0/1 flags); with more, as a quantity (counts, prices in
# whole units). Twenty classes already need a hundred rows for five stratified
# folds, so a CSV rarely holds a classification with more.
MAX_CLASSES = 20


def choose(column, name, requested=None):
    """Pick the task for a target column and say why.

    Parameters
    ----------
    column : pandas.Series
        The target's non-missing cells.
    name : str
        The column's name, for the reason.
    requested : {'classification', 'regression'}, default=None
        The task given by ``--task``; None applies the rule.

    Returns
    -------
    task : {'classification', 'regression'}
    reason : str
        Why, in a few words: ``"'price' holds non-integer numbers"``.
    """
    if requested is not None:
        return requested, "chosen by --task"
    kind = _kind(column)
    if kind == "text":
        example, mixed = _non_number(column)
        if _decorated_numbers(column):
            return "classification", (
                f"{name!r} holds text such as {example!r}: write numbers without "
                "currency signs, thousands separators or '%' to regress on them"
            )
        if mixed:
            return "classification", f"{name!r} holds text: {example!r} is not a number"
    if kind != "numbers":
        return "classification", f"{name!r} holds {kind}"
    values = column.to_numpy(np.float64)
    if not _integral(values):
        return "regression", f"{name!r} holds non-integer numbers"
    distinct = len(np.unique(values))
    if distinct > MAX_CLASSES:
        return "regression", (
            f"{name!r} holds {distinct} distinct integers, more than {MAX_CLASSES}"
        )
    return "classification", (
        f"{name!r} holds {distinct} distinct integers, at most {MAX_CLASSES}"
    )


def values(column, name, task):
    """The target as the estimator of ``task`` takes it.

    Parameters
    ----------
    column : pandas.Series
        The target's non-missing cells.
    name : str
        The column's name, for messages.
    task : {'classification', 'regression'}

    Returns
    -------
    y : ndarray of shape (n_samples,)
        Class labels (integers or strings), or float64 quantities.
    """
    kind = _kind(column)
    if task == "regression":
        if kind != "numbers":
            example = _non_number(column)[0] if kind == "text" else _example(column)
            raise DataError(
                f"--task regression needs a numeric target, but {name!r} holds "
                f"{kind}, such as {example!r}"
            )
        return _quantities(column, name)
    if kind == "numbers" and not _integral(column.to_numpy(np.float64)):
        raise DataError(
            f"--task classification needs class labels, but {name!r} holds "
            f"non-integer numbers, such as {_example(column, integral=False)}"
        )
    return _labels(column, kind)


def _kind(column):
    """``'numbers'``, ``'text'``, ``'true/false values'`` or ``'categories'``."""
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if is_bool_dtype(column):
        return "true/false values"
    if is_numeric_dtype(column):
        return "numbers"
    if isinstance(column.dtype, pd.CategoricalDtype):
        return "categories"
    # A true/false column with missing cells arrives as objects.
    if all(isinstance(v, bool | np.bool_) for v in column):
        return "true/false values"
    return "text"


def _non_number(column):
    """``(cell, mixed)``: a text column's first non-number, and whether it has numbers.

    A column of numbers but for one '?' is mixed; without any non-number, the
    cell is the first.
    """
    import pandas as pd

    numbers = pd.to_numeric(column, errors="coerce").notna().to_numpy()
    others = column[~numbers]
    return (others if len(others) else column).iloc[0], bool(numbers.any())


# A number as spreadsheets write it: '$1,234.50', '12.5%', '(1,000)', '-3 €'.
_DECORATED = re.compile(
    r"\(?[-+]?\s*[$€£¥]?\s*[-+]?\d{1,3}(,?\d{3})*(\.\d*)?\s*[%€$£¥]?\)?"
)


def _decorated_numbers(column):
    """Whether every cell is a number, some with a currency sign, ',' or '%'."""
    cells = column.astype(str).str.strip()
    decorated = cells.str.contains(r"[$€£¥,%()]")
    return bool(cells.str.fullmatch(_DECORATED).all() and decorated.any())


def _integral(values):
    return bool((values == np.round(values)).all())


def _example(column, integral=True):
    values = column.to_numpy()
    if not integral:
        values = values[values != np.round(values)]
    # Python scalars, so messages show 2.5 rather than np.float64(2.5).
    return values[0].item() if isinstance(values[0], np.generic) else values[0]


def _quantities(column, name):
    y = column.to_numpy(np.float64)
    if (y == y[0]).all():
        raise DataError(
            f"target column {name!r} is constant ({y[0]:g} in every row): "
            "there is nothing to predict"
        )
    if not np.std(y) > 0:
        # Squares of deviations below 1e-154 underflow: R² would read 1.
        raise DataError(
            f"target column {name!r} varies too little to score: its standard "
            "deviation underflows to 0 in float64; multiply it by a power of ten"
        )
    return y


def _labels(column, kind):
    if kind == "numbers":
        y = column.to_numpy(np.float64)
        # pandas reads an integer column with empty cells as floats: 1.0, 2.0.
        if (np.abs(y) < 2.0**63).all():
            return y.astype(np.int64)
        # Codes beyond int64 (1e20) would wrap around: their digits instead.
        return np.array([str(int(code)) for code in y], dtype=str)
    # A NumPy string array, which skops stores as plain data; 'True', not 1.
    return np.array([str(label) for label in column], dtype=str)
