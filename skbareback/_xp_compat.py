"""The one place that imports scikit-learn's private array API helpers.

``sklearn.utils._array_api`` is private: its names can move between releases,
so every other module imports them from here, and a release that moves them
needs one fix. Tested with scikit-learn 1.9.1; ``get_namespace``, ``device``
and ``_convert_to_numpy(array, xp)`` are in 1.6.0, the oldest supported,
too (checked in its wheel). ``array_api_compat``, which wraps NumPy, PyTorch
and CuPy into namespaces that follow the standard, is vendored by recent
scikit-learn releases (1.9.1 here) but not by 1.6.0, which imports the
standalone package when array API dispatch is on: so it is looked up in both
places, and None where neither has it (array API inputs cannot be dispatched
there anyway). Importing this module never fails for want of it.
"""

import math

import numpy as np
import scipy.sparse
from sklearn import config_context, get_config
from sklearn.utils._array_api import _convert_to_numpy, device, get_namespace

try:
    from sklearn.externals import array_api_compat
except ImportError:  # scikit-learn without the vendored copy (1.6)
    try:
        import array_api_compat
    except ImportError:
        array_api_compat = None

__all__ = [
    "all_finite",
    "array_api_compat",
    "as_host",
    "check_same_namespace",
    "copy",
    "device",
    "empty_like",
    "fitted_to_numpy",
    "float_dtypes",
    "get_namespace",
    "host_like",
    "input_namespace",
    "is_host",
    "namespace_and_device",
    "place_fitted_arrays",
    "take",
    "to_device",
    "to_numpy",
]


def namespace_and_device(*arrays):
    """Return the array API namespace and the device of ``arrays``.

    Unlike ``get_namespace`` alone, this looks at the arrays whatever the
    ``array_api_dispatch`` setting, for code (the tests, the benchmarks) that
    chose its namespace itself. Dispatch needs SciPy's array API support:
    the environment variable ``SCIPY_ARRAY_API=1`` set before SciPy is
    imported.
    """
    with config_context(array_api_dispatch=True):
        xp, _ = get_namespace(*arrays)
        return xp, device(*arrays)


def to_device(array, xp, device, dtype=None):
    """Return the NumPy (or ``xp``) ``array`` as an ``xp`` array on ``device``."""
    return xp.asarray(array, dtype=dtype, device=device)


def to_numpy(array, xp):
    """Return the ``xp`` ``array`` as a NumPy array in host memory."""
    return _convert_to_numpy(array, xp)


# What the estimators and the training loop use: each helper takes NumPy (and
# SciPy sparse) arrays down their old path unchanged, and the arrays of any
# other namespace (PyTorch, CuPy, array-api-strict) down the standard's.


def is_host(a):
    """Whether ``a`` is not an array of a non-NumPy namespace.

    True for NumPy arrays and scalars, sparse matrices, lists and None: what
    the NumPy code paths take.
    """
    return (
        a is None
        or isinstance(a, (np.ndarray, np.generic))
        or scipy.sparse.issparse(a)
        or array_api_compat is None
        or not array_api_compat.is_array_api_obj(a)
    )


def as_host(a):
    """``a`` as a NumPy array if it is an array of another namespace, else ``a``."""
    if is_host(a):
        return a
    return to_numpy(a, array_api_compat.array_namespace(a))


def input_namespace(X):
    """``(xp, device)`` of a fit's or prediction's ``X``; ``(None, None)`` for NumPy.

    Only under ``sklearn.config_context(array_api_dispatch=True)`` is an input
    of another namespace computed on in its namespace, as scikit-learn does.
    """
    if is_host(X) or not get_config()["array_api_dispatch"]:
        return None, None
    return namespace_and_device(X)


def float_dtypes(xp):
    """The floating dtypes training keeps, of ``xp`` (None: NumPy's)."""
    return (np.float64, np.float32) if xp is None else (xp.float64, xp.float32)


def host_like(X):
    """``X``, or for a non-NumPy ``X`` an empty NumPy stand-in of its rows and dtype.

    Sample weights are checked and made on the host against it: only the
    number of rows and the floating dtype are read.
    """
    if is_host(X):
        return X
    xp = array_api_compat.array_namespace(X)
    dtype = np.float32 if X.dtype == xp.float32 else np.float64
    return np.empty((X.shape[0], 0), dtype=dtype)


def copy(a):
    """A copy of the array ``a``, in its namespace and on its device."""
    if is_host(a):
        # NumPy scalars (adam's step count) are immutable: no copy needed.
        return a.copy() if isinstance(a, np.ndarray) else a
    return array_api_compat.array_namespace(a).asarray(a, copy=True)


def empty_like(a):
    """An uninitialised array like ``a``, in its namespace and on its device."""
    if is_host(a):
        return np.empty_like(a)
    return array_api_compat.array_namespace(a).empty_like(a)


def take(a, index):
    """The rows ``index`` (a NumPy integer array) of ``a``, where ``a`` lives."""
    if is_host(a):
        return a[index]
    xp = array_api_compat.array_namespace(a)
    return xp.take(a, xp.asarray(index, device=array_api_compat.device(a)), axis=0)


def all_finite(a):
    """Whether every value of the floating array ``a`` is finite."""
    if is_host(a):
        # A finite sum proves a finite array in one cheap pass; only an
        # overflowing sum needs the full check.
        return math.isfinite(a.sum()) or bool(np.isfinite(a).all())
    xp = array_api_compat.array_namespace(a)
    return bool(xp.all(xp.isfinite(a)))


def check_same_namespace(X, fitted, estimator, method):
    """Raise unless ``X`` is in the namespace and on the device of ``fitted``.

    As scikit-learn's ``check_same_namespace`` (and with its message), under
    ``array_api_dispatch`` only: a model predicts where it was fitted.
    """
    if not get_config()["array_api_dispatch"]:
        return
    if is_host(X) or is_host(fitted):
        if is_host(X) and is_host(fitted):
            return
    elif namespace_and_device(X) == namespace_and_device(fitted):
        return
    where = "NumPy" if is_host(fitted) else namespace_and_device(fitted)[0].__name__
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        "same namespace and the same device as those passed to fit() (the model "
        f"was fitted on {where} arrays). Move X there, or the model to NumPy "
        "with to_numpy()."
    )


def place_fitted_arrays(estimator, xp, device):
    """Move the NumPy array attributes fitted on the host to ``xp``'s ``device``.

    Fitted arrays follow X, as scikit-learn's checks expect, except
    ``classes_`` (labels can be strings) and arrays that are not numbers
    (``feature_names_in_``). A no-op for NumPy data (``xp`` None).
    """
    if xp is None:
        return
    for name, value in vars(estimator).items():
        numeric = isinstance(value, np.ndarray) and value.dtype.kind in "biuf"
        if numeric and name != "classes_":
            setattr(estimator, name, to_device(value, xp, device))


def _host_copy(value):
    """``value`` with every array in it (in lists, tuples, dicts) a NumPy copy."""
    if isinstance(value, dict):
        return {k: _host_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_host_copy(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value if is_host(value) else as_host(value)


def fitted_to_numpy(estimator):
    """A copy of the fitted ``estimator`` whose arrays are all NumPy arrays."""
    model = object.__new__(type(estimator))
    model.__dict__.update(_host_copy(vars(estimator)))
    if getattr(model, "engine_", None) == "array_api":
        model.engine_ = "numpy"
    return model
