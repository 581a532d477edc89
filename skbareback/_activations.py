"""Activation functions and their derivatives, side by side, in place.

Each forward function overwrites its argument with the activation. Each
derivative multiplies a back-propagated ``delta`` in place by the derivative,
written from the forward *output* ``a`` so that no pre-activation is kept, and
uses ``tmp`` (an array of ``a``'s shape) for its intermediate values: a fresh
temporary of a full-batch chunk is megabytes of fresh memory on every pass
(measured for tanh's derivative on 8192 x 100: 1.0 to 3.1 ms with temporaries,
0.74 to 0.79 ms with the scratch buffer; benchmarks/techniques.py).
"""

import os

import numpy as np
from scipy.special import expit


def identity(z):
    """Leave ``z`` unchanged."""


def identity_derivative(a, delta, tmp):
    """The identity's derivative is one: leave ``delta`` unchanged."""


def logistic(z):
    """Apply the logistic sigmoid in place (overflow-safe)."""
    expit(z, out=z)


def logistic_derivative(a, delta, tmp):
    """Multiply ``delta`` by ``a * (1 - a)`` in place."""
    np.subtract(1, a, out=tmp)
    delta *= a
    delta *= tmp


# NumPy's dispatch targets whose ``tanh`` loop is vectorised, by loop: float32
# on AVX2 with FMA3 and up, float64 only on AVX-512 (below that its float64
# loop, though compiled for AVX2, is scalar: measured on an AMD EPYC with
# AVX2, 8.0 ns per float64 against 1.5 per float32).
_SIMD_TANH_TARGETS = {
    "dd": ("X86_V4", "AVX512"),
    "ff": ("X86_V4", "AVX512", "X86_V3", "AVX2", "FMA3"),
}


def _simd_tanh(signature):
    """Whether NumPy's ``tanh`` loop for ``signature`` is vectorised here."""
    try:
        from numpy.lib.introspect import opt_func_info
    except ImportError:  # NumPy < 2.0
        return False
    loops = opt_func_info(func_name="^tanh$").get("tanh", {})
    current = loops.get(signature, {}).get("current", "")
    return current.startswith(_SIMD_TANH_TARGETS.get(signature, ()))


def tanh_native(z):
    """Apply NumPy's hyperbolic tangent in place."""
    np.tanh(z, out=z)


def tanh_exp(z):
    """Apply ``tanh(z) = 1 - 2 / (exp(2 z) + 1)`` in place."""
    # exp overflows to inf for z > ~355, which correctly gives tanh = 1.
    with np.errstate(over="ignore"):
        z *= 2
        np.exp(z, out=z)
    z += 1
    np.divide(2, z, out=z)
    np.subtract(1, z, out=z)


TANH_FORMS = {"native": tanh_native, "exp": tanh_exp}


def _tanh_choice(forced):
    """Return ``{dtype: use the native form}``, measured or forced.

    ``forced`` is the value of the environment variable ``SKBAREBACK_TANH``:
    'native' or 'exp' force that form for every dtype (a debugging aid, for
    reproducing on one machine what another CPU computes); empty or None keeps
    the per-CPU choice.
    """
    dtypes = {np.dtype(np.float64): "dd", np.dtype(np.float32): "ff"}
    if not forced:
        return {dtype: _simd_tanh(loop) for dtype, loop in dtypes.items()}
    if forced not in TANH_FORMS:
        raise ValueError(
            f"SKBAREBACK_TANH must be one of {sorted(TANH_FORMS)} or unset, "
            f"got {forced!r}."
        )
    return dict.fromkeys(dtypes, forced == "native")


# Where NumPy's tanh is vectorised it beats the exp form below (measured on
# an AMD EPYC with AVX-512: 3.4 against 3.8 ns per float64, 0.8 against 1.4
# ns per float32; on one with AVX2 only, float32: 1.5 against 1.8 ns in
# cache, 2.6 out of it); where it is scalar the exp form is faster (AVX2,
# float64: 6.6-7.2 against 7.9-8.3 ns). Chosen once per dtype, for the CPU
# this runs on, unless the environment variable SKBAREBACK_TANH forces a form.
_NATIVE_TANH = _tanh_choice(os.environ.get("SKBAREBACK_TANH"))


def tanh(z):
    """Apply the hyperbolic tangent in place, by the faster form for ``z``."""
    (tanh_native if _NATIVE_TANH.get(z.dtype, True) else tanh_exp)(z)


def tanh_derivative(a, delta, tmp):
    """Multiply ``delta`` by ``1 - a**2`` in place."""
    np.multiply(a, a, out=tmp)
    np.subtract(1, tmp, out=tmp)
    delta *= tmp


def relu(z):
    """Apply max(z, 0) in place."""
    np.maximum(z, 0, out=z)


def relu_derivative(a, delta, tmp):
    """Zero ``delta`` where the unit was inactive."""
    # An active unit's output is positive: multiplying by 1.0 is exact.
    np.greater(a, 0, out=tmp)
    delta *= tmp


def exp(z):
    """Apply the exponential in place: the Poisson loss's log link."""
    np.exp(z, out=z)


def softmax(z):
    """Apply the row-wise softmax in place.

    Subtracting the row maximum first keeps ``exp`` from overflowing.
    """
    # Near the largest floats the shift can overflow to -inf, whose exp is
    # the right answer, 0.
    with np.errstate(over="ignore"):
        z -= row_max(z)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)


# Up to this many columns, row_max goes a column at a time.
_FEW_COLUMNS = 32


def row_max(z):
    """Return the maximum of each row of ``z``, as a column."""
    # NumPy reduces one row at a time, slowly for a few class scores per row;
    # a column at a time is as exact and 8x faster (850 x 4 float64: 4 us
    # against 33 us on an AMD EPYC), which L-BFGS pays every iteration.
    if z.shape[1] > _FEW_COLUMNS:
        return z.max(axis=1, keepdims=True)
    out = z[:, :1].copy()
    for j in range(1, z.shape[1]):
        np.maximum(out, z[:, j : j + 1], out=out)
    return out


HIDDEN_ACTIVATIONS = {
    "identity": (identity, identity_derivative),
    "logistic": (logistic, logistic_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}

OUTPUT_ACTIVATIONS = {
    "identity": (identity, identity_derivative),
    "logistic": (logistic, logistic_derivative),
    "softmax": (softmax, None),
    "exp": (exp, None),
}
