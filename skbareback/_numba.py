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
(tests/test_numba_kernels.py), with or without FMA: exp 1.06 ulp, tanh 1.28,
logistic 1.93, in float64 and float32 (AMD EPYC with AVX2, compiled for it
and for a generic x86-64 without FMA); the tests assert ULP_BOUNDS.
"""

import math
import os
import tempfile
import threading
import types as pytypes
from contextlib import contextmanager

import numpy as np

try:
    import numba
    from llvmlite import ir
    from numba import prange
    from numba.core import types
    from numba.extending import intrinsic, overload
except ImportError as error:  # not installed, or built for another NumPy
    numba, _REASON = None, f"numba cannot be imported: {error}"
    prange = range
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


def _jit(fn=None, *, contract=False, parallel=False):
    """Compile ``fn`` with numba, cached on disk when a cache can be written.

    ``contract`` lets LLVM fuse ``a * b + c`` into an FMA: for the polynomial
    cores, where it halves the instructions; not for the kernels that must
    round as NumPy does. ``parallel`` shares ``fn``'s ``prange`` loops among
    numba's threads (without it they run as ``range``).

    numba checks a cached kernel against its own module's file only: one in
    ``_numba_fused`` that inlines this module's ``_tanh`` stays cached when
    only this file changes. An install or upgrade rewrites every file; in a
    working copy, delete the ``*.nbi`` and ``*.nbc`` files under
    ``__pycache__`` (or the cache directory) after editing this one.
    """
    if fn is None:
        return lambda fn: _jit(fn, contract=contract, parallel=parallel)
    if numba is None:
        return _missing(fn)
    # error_model='numpy': a float division by zero gives inf as in NumPy;
    # Python's ZeroDivisionError check is a branch that stops vectorisation.
    options = {"nogil": True, "error_model": "numpy"}
    if contract:
        options["fastmath"] = {"contract"}
    if parallel:
        options["parallel"] = True
        fn = _renamed(fn, "_parallel")
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:
        # numba found no writable cache directory (a read-only install and
        # home): compile per process instead of failing.
        return numba.njit(cache=False, **options)(fn)


def _renamed(fn, suffix):
    """A copy of ``fn`` whose qualified name ends in ``suffix``.

    numba's disk cache files a function under its name and bytecode, not its
    options: a serial and a parallel compilation of one function would
    overwrite each other's entries.
    """
    copy = pytypes.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )
    copy.__qualname__ = fn.__qualname__ + suffix
    copy.__module__ = fn.__module__
    return copy


# ---------------------------------------------------------------------------
# Threads. numba's thread count is its own (threadpoolctl does not see it)
# and per calling thread; the kernels run their parallel variants only inside
# thread_limit, on its thread, so threads of a caller's own pool (chunked
# prediction) stay serial and never launch numba's threads concurrently.

_local = threading.local()

# A parallel kernel costs a launch of a few microseconds: below this many
# elements (rows x units) its serial twin is faster (benchmarks/threads.py).
MIN_PARALLEL_ELEMENTS = 8192


def parallel(n_rows, n_units):
    """Whether a kernel over ``n_rows`` x ``n_units`` runs its parallel variant."""
    threads = getattr(_local, "threads", 1)
    return threads > 1 and n_rows * n_units >= MIN_PARALLEL_ELEMENTS


@contextmanager
def thread_limit(n_threads):
    """Run numba's kernels on ``n_threads`` threads, restoring numba's count after.

    Parameters
    ----------
    n_threads : int or None
        The threads; capped at ``NUMBA_NUM_THREADS``, the most numba
        launched. None keeps numba's count as configured.
    """
    if numba is None:
        yield
        return
    before, outer = numba.get_num_threads(), getattr(_local, "threads", 1)
    if n_threads is None:
        n_threads = before
    n_threads = min(n_threads, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(n_threads)
    _local.threads = n_threads
    try:
        yield
    finally:
        numba.set_num_threads(before)
        _local.threads = outer


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
# 1 / n! for n = 2 to 13: exp(r) = 1 + r + r**2 q(r) on |r| <= ln2 / 2 with
# q the Taylor polynomial of degree 11 (truncation error 4e-18, 0.04 ulp).
_EXP_TAYLOR = tuple(1.0 / math.factorial(n) for n in range(2, 14))

_LOG2E_32 = np.float32(_LOG2E)
_LN2_HI_32, _LN2_LO_32 = np.float32(0.693359375), np.float32(-2.12194440e-4)
_SHIFT_32, _SHIFT_BITS_32 = np.float32(12582912.0), 0x4B400000
_EXP_TAYLOR_32 = tuple(np.float32(1.0 / math.factorial(n)) for n in range(2, 8))
_ONE_32, _TWO_32 = np.float32(1.0), np.float32(2.0)

# q is evaluated by Estrin's scheme, not Horner's: its chain of dependent
# operations is 4 deep instead of 11, and a vectorised loop is bound by that
# chain, not by its operations' count (AMD EPYC, AVX2: bias + tanh on 4M
# float64 in 13.3 against 15.9 ms). The rounding of q barely matters: r**2 q
# is below 0.07 of the result.


@_jit(contract=True)
def _exp_reduced64(x):
    """``(t, 1 + (r + r**2 q(r)))``: x = k ln2 + r, with k in t's low bits."""
    t = x * _LOG2E + _SHIFT
    k = t - _SHIFT
    r = (x - k * _LN2_HI) - k * _LN2_LO
    c, r2 = _EXP_TAYLOR, r * r
    r4 = r2 * r2
    q = ((c[0] + c[1] * r) + (c[2] + c[3] * r) * r2) + (
        (c[4] + c[5] * r) + (c[6] + c[7] * r) * r2
    ) * r4
    q += ((c[8] + c[9] * r) + (c[10] + c[11] * r) * r2) * (r4 * r4)
    # 1 + (r + r**2 q): the last rounding is that of a small term added to 1.
    return t, 1.0 + (r + r2 * q)


@_jit(contract=True)
def _exp64(x):
    """exp(x) in float64 (see the module docstring)."""
    # Beyond these exp is 0 or inf; clamping keeps k in the range where the
    # two scale factors below are normal numbers.
    x = -746.0 if x < -746.0 else x
    x = 710.0 if x > 710.0 else x
    t, p = _exp_reduced64(x)
    # 2**k as 2**k1 * 2**k2: each factor is normal for |k| <= 2044, and the
    # last product rounds once, correctly, into the subnormals or to inf.
    ki = _bits(t) - _SHIFT_BITS
    k1 = ki >> 1
    s1 = _from_bits((k1 + 1023) << 52)
    s2 = _from_bits((ki - k1 + 1023) << 52)
    return p * s1 * s2


@_jit(contract=True)
def _exp_small64(x):
    """exp(x) for 0 <= x <= 700, where one scale factor 2**k is normal."""
    t, p = _exp_reduced64(x)
    return p * _from_bits((_bits(t) - _SHIFT_BITS + 1023) << 52)


@_jit(contract=True)
def _exp_reduced32(x):
    """:func:`_exp_reduced64` in float32 arithmetic (q of degree 5)."""
    t = x * _LOG2E_32 + _SHIFT_32
    k = t - _SHIFT_32
    r = (x - k * _LN2_HI_32) - k * _LN2_LO_32
    c, r2 = _EXP_TAYLOR_32, r * r
    q = ((c[0] + c[1] * r) + (c[2] + c[3] * r) * r2) + (c[4] + c[5] * r) * (r2 * r2)
    return t, _ONE_32 + (r + r2 * q)


@_jit(contract=True)
def _exp32(x):
    """exp(x) in float32 arithmetic."""
    x = np.float32(-104.0) if x < np.float32(-104.0) else x
    x = np.float32(89.0) if x > np.float32(89.0) else x
    t, p = _exp_reduced32(x)
    ki = _bits(t) - _SHIFT_BITS_32
    k1 = ki >> 1
    s1 = _from_bits(np.int32((k1 + 127) << 23))
    s2 = _from_bits(np.int32((ki - k1 + 127) << 23))
    return p * s1 * s2


@_jit(contract=True)
def _exp_small32(x):
    """exp(x) for 0 <= x <= 80 in float32 arithmetic."""
    t, p = _exp_reduced32(x)
    return p * _from_bits(np.int32((_bits(t) - _SHIFT_BITS_32 + 127) << 23))


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
    s = _exp_small64(2.0 * a)
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
    large = _ONE_32 - _TWO_32 / (_exp_small32(_TWO_32 * a) + _ONE_32)
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
