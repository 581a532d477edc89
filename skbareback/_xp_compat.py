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

from sklearn import config_context
from sklearn.utils._array_api import _convert_to_numpy, device, get_namespace

try:
    from sklearn.externals import array_api_compat
except ImportError:  # scikit-learn without the vendored copy (1.6)
    try:
        import array_api_compat
    except ImportError:
        array_api_compat = None

__all__ = [
    "array_api_compat",
    "device",
    "get_namespace",
    "namespace_and_device",
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
