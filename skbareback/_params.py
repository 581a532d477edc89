"""Hyperparameter validation, run at the start of ``fit`` and ``partial_fit``.

Each rule names the parameter at fault and what was expected: a ``TypeError``
for a value of the wrong kind, a ``ValueError`` for one out of range.
"""

from numbers import Integral, Real

import numpy as np

from ._activations import HIDDEN_ACTIVATIONS
from ._network import WEIGHT_INITS

_OPTIONS = {
    "activation": set(HIDDEN_ACTIVATIONS),
    "solver": {"auto", "lbfgs", "sgd", "adam"},
    "learning_rate": {"constant", "invscaling", "adaptive"},
    "weight_init": set(WEIGHT_INITS),
    "engine": {"auto", "numpy", "numba", "array_api"},
}

# name: (kind, low, high, low_closed, high_closed)
_NUMBERS = {
    "alpha": (Real, 0, None, True, False),
    "learning_rate_init": (Real, 0, None, False, False),
    "power_t": (Real, 0, None, True, False),
    "max_iter": (Integral, 1, None, True, False),
    "tol": (Real, 0, None, True, False),
    "momentum": (Real, 0, 1, True, True),
    "validation_fraction": (Real, 0, 1, False, False),
    "beta_1": (Real, 0, 1, True, False),
    "beta_2": (Real, 0, 1, True, False),
    "epsilon": (Real, 0, None, False, False),
    "max_fun": (Integral, 1, None, True, False),
}

_BOOLEANS = (
    "shuffle",
    "warm_start",
    "nesterovs_momentum",
    "fit_intercept",
)

# Settings that may be left to the 'auto' policy (see _policy.py).
_AUTO = ("alpha", "max_iter", "early_stopping", "validation_fraction")

# Booleans that may be left to the policy too (only the regressor has
# scale_target).
_AUTO_BOOLEANS = ("early_stopping", "scale_target")


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def is_auto(value):
    """Whether a parameter is the string 'auto' (not an array compared to it)."""
    return isinstance(value, str) and value == "auto"


def _check_number(name, value, kind, low, high, low_closed, high_closed):
    if _is_bool(value) or not isinstance(value, kind):
        what = "an int" if kind is Integral else "a real number"
        raise TypeError(f"{name} must be {what}, got {value!r}.")
    too_low = value < low if low_closed else value <= low
    too_high = high is not None and (value > high if high_closed else value >= high)
    if too_low or too_high or np.isnan(value):
        left, right = "[("[not low_closed], "])"[not high_closed]
        upper = "inf" if high is None else high
        raise ValueError(
            f"{name} must be in the range {left}{low}, {upper}{right}, got {value!r}."
        )


def hidden_layer_sizes(value):
    """Return ``hidden_layer_sizes`` as a list of positive ints, or raise."""
    sizes = [value] if isinstance(value, Integral) else value
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError(
            f"hidden_layer_sizes must be an int or a sequence of ints, got {value!r}."
        ) from None
    for size in sizes:
        if _is_bool(size) or not isinstance(size, Integral):
            raise TypeError(f"hidden_layer_sizes must hold ints, got {value!r}.")
        if size < 1:
            raise ValueError(f"hidden_layer_sizes must be > 0, got {value!r}.")
    return [int(size) for size in sizes]


def n_hidden_layers(value):
    """The number of hidden layers ``hidden_layer_sizes`` asks for, or raise.

    'auto' (see ``_policy.AUTO_HIDDEN_LAYER_SIZES``) is one layer.
    """
    return 1 if is_auto(value) else len(hidden_layer_sizes(value))


def dropout_rates(value, n_hidden):
    """Return ``dropout`` as one rate in [0, 1) per hidden layer, or raise.

    A single number applies to every hidden layer; a sequence gives one rate
    per hidden layer and must have one entry for each.
    """
    if isinstance(value, Real) and not _is_bool(value):
        rates = [value] * n_hidden
        _check_number("dropout", value, Real, 0, 1, True, False)
    else:
        if isinstance(value, str) or not np.iterable(value):
            raise TypeError(
                "dropout must be a float or a sequence of floats (one per hidden "
                f"layer), got {value!r}."
            )
        rates = list(value)
        if len(rates) != n_hidden:
            raise ValueError(
                f"dropout must have one rate per hidden layer: got {len(rates)} "
                f"rates for {n_hidden} hidden layers (hidden_layer_sizes)."
            )
        for k, rate in enumerate(rates):
            _check_number(f"dropout[{k}]", rate, Real, 0, 1, True, False)
    return [float(rate) for rate in rates]


def has_dropout(est):
    """Whether ``est`` drops any hidden unit (its parameters checked before)."""
    n_hidden = n_hidden_layers(est.hidden_layer_sizes)
    return any(dropout_rates(est.dropout, n_hidden))


def check_params(est):
    """Validate every hyperparameter of ``est``; raise on the first bad one."""
    n_hidden = n_hidden_layers(est.hidden_layer_sizes)
    if any(dropout_rates(est.dropout, n_hidden)) and est.solver == "lbfgs":
        raise ValueError(
            f"dropout={est.dropout!r} needs a stochastic solver: solver='lbfgs' "
            "minimises one fixed objective, which random masks would change at "
            "every evaluation. Use solver='adam' or 'sgd', or dropout=0."
        )
    # Each estimator has its own losses.
    for name, options in [*_OPTIONS.items(), ("loss", set(est._loss_options))]:
        value = getattr(est, name)
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}.")
    for name, rule in _NUMBERS.items():
        if name in _AUTO and is_auto(getattr(est, name)):
            continue
        _check_number(name, getattr(est, name), *rule)
    for name in _AUTO_BOOLEANS:
        value = getattr(est, name, False)
        if not (_is_bool(value) or is_auto(value)):
            raise TypeError(f"{name} must be a bool or 'auto', got {value!r}.")
    for name in _BOOLEANS:
        if not _is_bool(getattr(est, name)):
            raise TypeError(f"{name} must be a bool, got {getattr(est, name)!r}.")
    if est.n_iter_no_change != np.inf:
        _check_number(
            "n_iter_no_change", est.n_iter_no_change, Integral, 1, None, True, False
        )
    batch_size = est.batch_size
    if batch_size != "auto":
        _check_number("batch_size", batch_size, Integral, 1, None, True, False)
    if est.blas_threads is not None:
        _check_number("blas_threads", est.blas_threads, Integral, 1, None, True, False)
    if not (_is_bool(est.verbose) or isinstance(est.verbose, Integral)):
        raise TypeError(f"verbose must be a bool or an int, got {est.verbose!r}.")
