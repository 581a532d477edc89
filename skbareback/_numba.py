"""Optional compiled kernels (numba): fused, vectorising passes of the network.

numba is optional (the ``fast`` extra): this module is the only one that
imports it, and nothing imports this module when ``skbareback`` is imported,
so a user without numba, or with a NumPy too new for their numba, pays
nothing. Without numba the kernels are the plain Python functions below,
correct but slow; :func:`available` says whether they are compiled, and
:func:`unavailable_reason` why not (MNE's ``_numba`` pattern, in one file).

Every kernel fuses what the NumPy code (the oracle: ``_activations``,
``_losses``, ``_optimizers``) does in several passes over memory into one,
and leaves the matrix products to BLAS. numba compiles ``np.tanh`` and
``np.exp`` to scalar libm calls, which stop LLVM from vectorising a loop;
so ``exp``, ``tanh`` and the logistic function are written here, branch-free
(selects only), to vectorise:

- ``exp``: Cody-Waite reduction ``x = k ln2 + r``, ``|r| <= ln2 / 2``, a
  Taylor polynomial for ``exp(r)`` (degree 13 in float64, 7 in float32,
  truncation below 0.1 ulp) and ``2**k`` built from its exponent bits, in two
  factors so that subnormal results and overflow come out right.
- ``tanh``: Cephes' rational (float64) or polynomial (float32) form for
  ``|x| < 0.625``, ``1 - 2 / (exp(2 |x|) + 1)`` above, one division for both.
- logistic: ``1 / (1 + e)`` or ``e / (1 + e)`` with ``e = exp(-|x|)``, which
  never overflows and keeps the subnormal tail of the negative side.

Error bounds, measured against a long-double oracle over millions of points
(tests/test_numba_kernels.py), with or without FMA: exp 1.02 ulp, tanh 1.28,
logistic 1.93, in float64 and float32; the tests assert ULP_BOUNDS.
"""

import math
import os
import tempfile

import numpy as np

try:
    import numba
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic, overload
except ImportError as error:  # not installed, or built for another NumPy
    numba, _REASON = None, f"numba cannot be imported: {error}"
else:
    _REASON = None

# The error bounds the tests assert, in ulp of the result's dtype.
ULP_BOUNDS = {"exp": 1.5, "tanh": 1.5, "logistic": 2.0}


def available():
    """Whether the kernels are compiled by numba (see :func:`unavailable_reason`)."""
    return numba is not None


def unavailable_reason():
    """Why numba cannot be used here, or None when it can."""
    return _REASON


def _missing(fn):
    """Stand in for ``fn`` where numba is missing: raise, saying why."""

    def missing(*args, **kwargs):
        raise ImportError(f"{fn.__name__} needs numba: {_REASON}")

    return missing


def _jit(fn=None, *, contract=False):
    """Compile ``fn`` with numba, cached on disk when a cache can be written.

    ``contract`` lets LLVM fuse ``a * b + c`` into an FMA: for the polynomial
    cores, where it halves the instructions; not for the kernels that must
    round as NumPy does.
    """
    if fn is None:
        return lambda fn: _jit(fn, contract=contract)
    if numba is None:
        return _missing(fn)
    # error_model='numpy': a float division by zero gives inf as in NumPy;
    # Python's ZeroDivisionError check is a branch that stops vectorisation.
    options = {"nogil": True, "error_model": "numpy"}
    if contract:
        options["fastmath"] = {"contract"}
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:
        # numba found no writable cache directory (a read-only install and
        # home): compile per process instead of failing.
        return numba.njit(cache=False, **options)(fn)


def _cache_dir_fallback():
    """Point numba's cache at a temporary directory if its default is read-only."""
    here = os.path.join(os.path.dirname(__file__), "__pycache__")
    if "NUMBA_CACHE_DIR" in os.environ or os.access(os.path.dirname(here), os.W_OK):
        return
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(
        tempfile.gettempdir(), "skbareback-numba"
    )
    if numba is not None:
        numba.config.reload_config()


_cache_dir_fallback()


# ---------------------------------------------------------------------------
# Scalar building blocks, inlined into the loops below where LLVM vectorises
# them: no calls, no data-dependent branches (a ``a if c else b`` is a
# select). Comparisons are written so that NaN falls through and propagates.

if numba is not None:

    @intrinsic
    def _bits(typingctx, x):
        """The bits of a float, as the signed integer of its width."""
        out = types.int64 if x == types.float64 else types.int32

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.IntType(out.bitwidth))

        return out(x), codegen

    @intrinsic
    def _from_bits(typingctx, i):
        """The float whose bits are the integer ``i`` (int64 or int32)."""
        out, llvm = (
            (types.float64, ir.DoubleType())
            if i.bitwidth == 64
            else (types.float32, ir.FloatType())
        )

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm)

        return out(i), codegen


# Cody-Waite: k * LN2_HI is exact for the k of any finite result (LN2_HI has
# 32 significant bits in float64, 9 in float32).
_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
# Adding 1.5 * 2**52 rounds to an integer, which then sits in the low bits.
_SHIFT = 6755399441055744.0
_SHIFT_BITS = 0x4338000000000000
# 1 / n! for n = 13 down to 2: the Taylor polynomial of exp on |r| <= ln2 / 2
# (truncation error 4e-18, 0.04 ulp).
_EXP_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(13, 1, -1))

_LOG2E_32 = np.float32(_LOG2E)
_LN2_HI_32, _LN2_LO_32 = np.float32(0.693359375), np.float32(-2.12194440e-4)
_SHIFT_32, _SHIFT_BITS_32 = np.float32(12582912.0), 0x4B400000
_EXP_TAYLOR_32 = tuple(np.float32(1.0 / math.factorial(n)) for n in range(7, 1, -1))
_ONE_32, _TWO_32 = np.float32(1.0), np.float32(2.0)


@_jit(contract=True)
def _exp64(x):
    """exp(x) in float64 (see the module docstring)."""
    # Beyond these exp is 0 or inf; clamping keeps k in the range where the
    # two scale factors below are normal numbers.
    x = -746.0 if x < -746.0 else x
    x = 710.0 if x > 710.0 else x
    t = x * _LOG2E + _SHIFT
    k = t - _SHIFT
    r = (x - k * _LN2_HI) - k * _LN2_LO
    q = _EXP_TAYLOR[0]
    for c in _EXP_TAYLOR[1:]:
        q = q * r + c
    # 1 + (r + r**2 q): the last rounding is that of a small term added to 1.
    p = 1.0 + (r + r * r * q)
    # 2**k as 2**k1 * 2**k2: each factor is normal for |k| <= 2044, and the
    # last product rounds once, correctly, into the subnormals or to inf.
    ki = _bits(t) - _SHIFT_BITS
    k1 = ki >> 1
    s1 = _from_bits((k1 + 1023) << 52)
    s2 = _from_bits((ki - k1 + 1023) << 52)
    return p * s1 * s2


@_jit(contract=True)
def _exp32(x):
    """exp(x) in float32 arithmetic."""
    x = np.float32(-104.0) if x < np.float32(-104.0) else x
    x = np.float32(89.0) if x > np.float32(89.0) else x
    t = x * _LOG2E_32 + _SHIFT_32
    k = t - _SHIFT_32
    r = (x - k * _LN2_HI_32) - k * _LN2_LO_32
    q = _EXP_TAYLOR_32[0]
    for c in _EXP_TAYLOR_32[1:]:
        q = q * r + c
    p = _ONE_32 + (r + r * r * q)
    ki = _bits(t) - _SHIFT_BITS_32
    k1 = ki >> 1
    s1 = _from_bits(np.int32((k1 + 127) << 23))
    s2 = _from_bits(np.int32((ki - k1 + 127) << 23))
    return p * s1 * s2


# Cephes' tanh on |x| < 0.625: x + x z P(z) / Q(z), z = x**2 (Q monic).
_TANH_P = (
    -9.64399179425052238628e-1,
    -9.92877231001918586564e1,
    -1.61468768441708447952e3,
)
_TANH_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)
# Cephes' tanhf on |x| < 0.625: x + x z P(z).
_TANH_P_32 = tuple(
    np.float32(c)
    for c in (
        -5.70498872745e-3,
        2.06390887954e-2,
        -5.37397155531e-2,
        1.33314422036e-1,
        -3.33332819422e-1,
    )
)


@_jit(contract=True)
def _tanh64(x):
    """tanh(x) in float64."""
    ax = abs(x)
    small = ax < 0.625
    # tanh(x) rounds to +-1 beyond 19.1: the clamp keeps exp finite.
    a = 20.0 if ax > 20.0 else ax
    s = _exp64(2.0 * a)
    z = x * x
    p = (_TANH_P[0] * z + _TANH_P[1]) * z + _TANH_P[2]
    q = ((z + _TANH_Q[0]) * z + _TANH_Q[1]) * z + _TANH_Q[2]
    # One division serves both forms: P / Q, or 1 / (s + 1).
    ratio = (p if small else 1.0) / (q if small else s + 1.0)
    # copysign: x + x z P / Q is +0 for x = -0.
    near_zero = math.copysign(x + x * z * ratio, x)
    large = 1.0 - 2.0 * ratio
    large = -large if x < 0.0 else large
    return near_zero if small else large


@_jit(contract=True)
def _tanh32(x):
    """tanh(x) in float32 arithmetic."""
    ax = abs(x)
    a = np.float32(10.0) if ax > np.float32(10.0) else ax
    large = _ONE_32 - _TWO_32 / (_exp32(_TWO_32 * a) + _ONE_32)
    large = -large if x < np.float32(0.0) else large
    z = x * x
    p = _TANH_P_32[0]
    for c in _TANH_P_32[1:]:
        p = p * z + c
    near_zero = math.copysign(x + x * z * p, x)
    return near_zero if ax < np.float32(0.625) else large


@_jit(contract=True)
def _logistic64(x):
    """1 / (1 + exp(-x)) in float64."""
    e = _exp64(-abs(x))
    # 1 + e = hi + lo exactly (Fast2Sum): dividing by hi alone would add up to
    # 1 ulp of error, the correction -q lo / hi costs 0.06 ulp with
    # 1.5 - hi / 2 for 1 / hi on [1, 2].
    hi = 1.0 + e
    lo = (1.0 - hi) + e
    q = (1.0 if x >= 0.0 else e) / hi
    return q - q * lo * (1.5 - 0.5 * hi)


@_jit(contract=True)
def _logistic32(x):
    """1 / (1 + exp(-x)) in float32 arithmetic."""
    e = _exp32(-abs(x))
    hi = _ONE_32 + e
    lo = (_ONE_32 - hi) + e
    q = (_ONE_32 if x >= np.float32(0.0) else e) / hi
    return q - q * lo * (np.float32(1.5) - np.float32(0.5) * hi)


# Dtype-generic names for the loops: numba picks the float32 or float64 form
# when it compiles a loop for an array's dtype.
def _exp(x):
    """exp(x) in the precision of ``x``."""


def _tanh(x):
    """tanh(x) in the precision of ``x``."""


def _logistic(x):
    """The logistic function in the precision of ``x``."""


if numba is not None:

    @overload(_exp)
    def _exp_typed(x):
        return (lambda x: _exp32(x)) if x == types.float32 else (lambda x: _exp64(x))

    @overload(_tanh)
    def _tanh_typed(x):
        return (lambda x: _tanh32(x)) if x == types.float32 else (lambda x: _tanh64(x))

    @overload(_logistic)
    def _logistic_typed(x):
        if x == types.float32:
            return lambda x: _logistic32(x)
        return lambda x: _logistic64(x)


# ---------------------------------------------------------------------------
# Elementwise kernels, in place on a flat contiguous view.


@_jit
def _exp_flat(x):
    for i in range(x.size):
        x[i] = _exp(x[i])


@_jit
def _tanh_flat(x):
    for i in range(x.size):
        x[i] = _tanh(x[i])


@_jit
def _logistic_flat(x):
    for i in range(x.size):
        x[i] = _logistic(x[i])


def _flat(z):
    """The flat view of a contiguous ``z`` (a copy would lose the result)."""
    if not (z.flags.c_contiguous and z.flags.writeable):
        raise ValueError("the kernels write in place: z must be C-contiguous.")
    return z.reshape(-1)


def exp(z):
    """Apply the exponential in place (float32 or float64, C-contiguous)."""
    _exp_flat(_flat(z))


def tanh(z):
    """Apply the hyperbolic tangent in place (float32 or float64, C-contiguous)."""
    _tanh_flat(_flat(z))


def logistic(z):
    """Apply the logistic sigmoid in place (float32 or float64, C-contiguous)."""
    _logistic_flat(_flat(z))


# ---------------------------------------------------------------------------
# Hidden layers: bias + activation forward, mask x derivative x delta back.
# The NumPy code makes two to four passes over the layer for each.


@_jit
def _bias_identity(Z, b):
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] += b[j]


@_jit
def _bias_relu(Z, b):
    zero = Z.dtype.type(0)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[i, j] + b[j]
            # NaN compares False and stays, as in np.maximum.
            Z[i, j] = zero if z < zero else z


@_jit
def _bias_tanh(Z, b):
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] = _tanh(Z[i, j] + b[j])


@_jit
def _bias_logistic(Z, b):
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] = _logistic(Z[i, j] + b[j])


_BIAS_ACTIVATIONS = {
    "identity": _bias_identity,
    "relu": _bias_relu,
    "tanh": _bias_tanh,
    "logistic": _bias_logistic,
}


def bias_activation(Z, b, kind):
    """Add the intercepts ``b`` to every row of ``Z``, then apply ``kind``, in place.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_units), C-contiguous
        The layer's products ``A @ W``; overwritten with its activations.
    b : ndarray of shape (n_units,)
        The layer's intercepts.
    kind : {'identity', 'relu', 'tanh', 'logistic'}
        The activation.
    """
    _flat(Z)
    _BIAS_ACTIVATIONS[kind](Z, b)


# Each multiplies in NumPy's order (the mask first, then the derivative, as
# _network's backprop does), so that the results are NumPy's to the bit.


@_jit
def _d_identity(a, d, mask):
    if mask is not None:
        for i in range(d.size):
            d[i] *= mask[i]


@_jit
def _d_relu(a, d, mask):
    zero, one = d.dtype.type(0), d.dtype.type(1)
    for i in range(d.size):
        g = d[i] if mask is None else d[i] * mask[i]
        d[i] = g * (one if a[i] > zero else zero)


@_jit
def _d_tanh(a, d, mask):
    one = d.dtype.type(1)
    for i in range(d.size):
        g = d[i] if mask is None else d[i] * mask[i]
        d[i] = g * (one - a[i] * a[i])


@_jit
def _d_logistic(a, d, mask):
    one = d.dtype.type(1)
    for i in range(d.size):
        g = d[i] if mask is None else d[i] * mask[i]
        d[i] = g * a[i] * (one - a[i])


_DERIVATIVES = {
    "identity": _d_identity,
    "relu": _d_relu,
    "tanh": _d_tanh,
    "logistic": _d_logistic,
}


def activation_derivative_times_delta(A, D, mask, kind):
    """Multiply ``D`` in place by the dropout ``mask`` and by ``kind``'s derivative.

    Parameters
    ----------
    A : ndarray, C-contiguous
        The layer's activations (its forward output, as in ``_activations``).
    D : ndarray of A's shape, C-contiguous
        The delta back-propagated into the layer; overwritten.
    mask : ndarray of A's shape or None
        The layer's dropout mask; None for no dropout.
    kind : {'identity', 'relu', 'tanh', 'logistic'}
        The activation.
    """
    flat_mask = None if mask is None else np.ascontiguousarray(mask).reshape(-1)
    _DERIVATIVES[kind](np.ascontiguousarray(A).reshape(-1), _flat(D), flat_mask)


# ---------------------------------------------------------------------------
# The output layer: bias, activation, loss and delta in one kernel. Each
# returns the loss summed over samples (weighted by ``sw``), accumulated in
# float64, and writes the activations into Z and the canonical delta
# (P - Y) * sw into D. The logarithms of the log-loss are scalar libm calls,
# one per output, so they have a loop of their own, while the row is in cache.


@_jit
def _clipped_log_loss(p, eps):
    """-log(p) of a probability clipped to [eps, 1 - eps], as sklearn."""
    # 1 - eps is exact in float64 for either dtype's eps.
    p = eps if p < eps else p
    p = 1.0 - eps if p > 1.0 - eps else p
    return -math.log(p)


@_jit
def _softmax_log_loss(Z, b, Y, sw, D, eps):
    zero, one = Z.dtype.type(0), Z.dtype.type(1)
    total = 0.0
    for i in range(Z.shape[0]):
        z, y, d = Z[i], Y[i], D[i]
        top = z[0] + b[0]
        for j in range(z.size):
            z[j] += b[j]
            top = z[j] if z[j] > top else top
        for j in range(z.size):
            z[j] = _exp(z[j] - top)
        s = z.dtype.type(0)
        for j in range(z.size):
            s += z[j]
        p_true = zero
        for j in range(z.size):
            z[j] /= s
            p_true = z[j] if y[j] else p_true
            d[j] = z[j] - (one if y[j] else zero)
        loss = _clipped_log_loss(p_true, eps)
        if sw is not None:
            for j in range(z.size):
                d[j] *= sw[i]
            loss *= sw[i]
        total += loss
    return total


@_jit
def _logistic_log_loss(Z, b, Y, sw, D, eps):
    zero, one = Z.dtype.type(0), Z.dtype.type(1)
    total = 0.0
    for i in range(Z.shape[0]):
        z, y, d = Z[i], Y[i], D[i]
        for j in range(z.size):
            p = _logistic(z[j] + b[j])
            z[j] = p
            d[j] = p - (one if y[j] else zero)
        loss = 0.0
        for j in range(z.size):
            loss += _clipped_log_loss(z[j] if y[j] else one - z[j], eps)
        if sw is not None:
            for j in range(z.size):
                d[j] *= sw[i]
            loss *= sw[i]
        total += loss
    return total


@_jit
def _identity_squared_error(Z, b, Y, sw, D, eps):
    total = 0.0
    for i in range(Z.shape[0]):
        z, y, d = Z[i], Y[i], D[i]
        loss = 0.0
        for j in range(z.size):
            z[j] += b[j]
            d[j] = z[j] - y[j]
            loss += d[j] * d[j]
        loss *= 0.5 / z.size
        if sw is not None:
            for j in range(z.size):
                d[j] *= sw[i]
            loss *= sw[i]
        total += loss
    return total


_OUTPUT_LOSSES = {
    ("softmax", "log_loss"): _softmax_log_loss,
    ("logistic", "log_loss"): _logistic_log_loss,
    ("identity", "squared_error"): _identity_squared_error,
}


def output_loss_delta(Z, b, Y, sw, D, out_activation, loss):
    """The output layer's activation, summed loss and delta, in one pass.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs), C-contiguous
        The output products ``A @ W``; overwritten with the outputs ``P``.
    b : ndarray of shape (n_outputs,)
        The output intercepts.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets: bool (or 0/1) for the log-loss, numbers for the squared
        error.
    sw : ndarray of shape (n_samples,) or None
        Sample weights; None for unit weights.
    D : ndarray of Z's shape, C-contiguous
        Receives the delta at the logits, ``(P - Y) * sw`` (see
        ``_losses.canonical_delta``).
    out_activation, loss : str
        One of the pairs ``('softmax', 'log_loss')``, ``('logistic',
        'log_loss')``, ``('identity', 'squared_error')``: the canonical links.

    Returns
    -------
    total : float
        The loss summed over the samples, weighted by ``sw``: divided by the
        weight total it is ``_losses.LOSSES[loss][0]``'s value.
    """
    kernel = _OUTPUT_LOSSES.get((out_activation, loss))
    if kernel is None:
        raise ValueError(
            f"no fused kernel for out_activation={out_activation!r} with "
            f"loss={loss!r}; expected one of {sorted(_OUTPUT_LOSSES)}."
        )
    _flat(Z), _flat(D)
    eps = Z.dtype.type(np.finfo(Z.dtype).eps)
    return float(kernel(Z, b, Y, sw, D, eps))


# ---------------------------------------------------------------------------
# Optimizer steps: one pass over the flat parameter vector. Each first turns
# the summed data gradient into the training gradient as Network.loss_grad
# does, (grad + alpha * W) / scale with the L2 term on the coefficients only
# (the first n_coefs entries), writes it back into grad, then updates, with
# _optimizers' operations in its order, so the result is NumPy's to the bit
# (numba does not contract a * b + c into an FMA unless asked).


@_jit
def _penalised(params, grad, i, alpha, n_coefs, scale):
    g = grad[i] + alpha * params[i]
    grad[i] = (g if i < n_coefs else grad[i]) / scale
    return grad[i]


@_jit
def _adam(
    params,
    grad,
    m,
    v,
    neg_lr,
    beta1,
    one_minus_beta1,
    beta2,
    one_minus_beta2,
    eps,
    alpha,
    n_coefs,
    scale,
):
    for i in range(params.size):
        g = _penalised(params, grad, i, alpha, n_coefs, scale)
        m[i] = m[i] * beta1 + g * one_minus_beta1
        v[i] = v[i] * beta2 + g * g * one_minus_beta2
        # m * -lr in lr's precision, rounded to the dtype, as NumPy does.
        step = params.dtype.type(m[i] * neg_lr)
        params[i] += step / (np.sqrt(v[i]) + eps)


@_jit
def _sgd(params, grad, velocity, lr, momentum, nesterov, alpha, n_coefs, scale):
    for i in range(params.size):
        g = _penalised(params, grad, i, alpha, n_coefs, scale)
        lr_g = g * lr
        velocity[i] = velocity[i] * momentum - lr_g
        nudge = momentum * velocity[i] - lr_g
        params[i] += nudge if nesterov else velocity[i]


def _scalars(dtype, *values):
    """``values`` as NumPy computes them with arrays of ``dtype`` (NEP 50)."""
    return tuple(dtype.type(v) for v in values)


def _as_numpy(array, scalar):
    """``scalar`` in the precision NumPy computes ``array * scalar`` in.

    A Python number is weak (NEP 50), but a NumPy float64, such as a total
    of sample weights or Adam's step size from ``np.sqrt``, turns a float32
    product into a float64 one, rounded when stored: do the same.
    """
    return np.dtype(np.result_type(array, scalar)).type(scalar)


def adam_step(params, grad, m, v, lr, beta1, beta2, eps, alpha=0.0, n_coefs=0, scale=1):
    """One Adam step of ``_optimizers.Adam`` on the penalised gradient, in place.

    Parameters
    ----------
    params, grad, m, v : ndarray of shape (n_params,), contiguous
        The parameters, the summed data gradient (overwritten with the
        training gradient ``(grad + alpha * W) / scale``) and Adam's moments.
    lr : float
        The bias-corrected step size of this step (``Adam.step``'s ``lr``, a
        NumPy float64: its precision matters for float32 parameters).
    beta1, beta2, eps : float
        Adam's hyperparameters.
    alpha : float, default=0.0
        The L2 penalty of the first ``n_coefs`` parameters (the coefficients).
    n_coefs : int, default=0
        How many leading parameters ``alpha`` penalises.
    scale : float, default=1
        The weight total that divides the gradient.
    """
    dt = params.dtype
    _adam(
        _flat(params),
        _flat(grad),
        _flat(m),
        _flat(v),
        _as_numpy(m, -lr),
        *_scalars(dt, beta1, 1 - beta1, beta2, 1 - beta2, eps, alpha),
        n_coefs,
        _as_numpy(grad, scale),
    )


def sgd_momentum_step(
    params, grad, velocity, lr, momentum, nesterov, alpha=0.0, n_coefs=0, scale=1
):
    """One step of ``_optimizers.SGD`` (Nesterov or not) on the penalised gradient.

    Parameters are as :func:`adam_step`'s; ``velocity`` is the momentum
    buffer, updated in place, and ``nesterov`` whether the step looks ahead.
    """
    lr, momentum, alpha = _scalars(params.dtype, lr, momentum, alpha)
    _sgd(
        _flat(params),
        _flat(grad),
        _flat(velocity),
        lr,
        momentum,
        bool(nesterov),
        alpha,
        n_coefs,
        _as_numpy(grad, scale),
    )
