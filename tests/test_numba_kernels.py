"""The compiled kernels (skbareback/_numba.py, _numba_fused.py) against their oracles.

Elementwise functions against long-double references over millions of points,
fused kernels against the NumPy code they replace (the oracle every engine is
tested against), and the vectorisation the kernels exist for.
"""

import platform
import re
import subprocess
import sys

import numpy as np
import pytest

from skbareback import _numba as nb
from skbareback import _numba_fused as fused
from skbareback._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from skbareback._losses import LOSSES
from skbareback._optimizers import SGD, Adam
from skbareback._targets import probabilities

DTYPES = [np.float64, np.float32]
ELEMENTWISE = ["exp", "tanh", "logistic"]
# Where each function is neither 0, +-1 nor inf: sampled densely.
DENSE = {"exp": (-760, 720), "tanh": (-25, 25), "logistic": (-760, 50)}


def _points(name, dtype, n=2_000_000):
    """Dense points over the interesting range, random bit patterns, specials."""
    rng = np.random.default_rng(0)
    dense = rng.uniform(*DENSE[name], size=3 * n // 4).astype(dtype)
    ints = np.uint64 if dtype == np.float64 else np.uint32
    raw = rng.integers(0, np.iinfo(ints).max, size=n // 4, dtype=ints, endpoint=True)
    fi = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, fi.max, -fi.max, fi.tiny]
    special += [fi.smallest_subnormal, -fi.smallest_subnormal, 1e-30, -1e-30]
    return np.concatenate([dense, raw.view(dtype), np.array(special, dtype)])


def _oracle(name, x):
    """The function in long double."""
    with np.errstate(all="ignore"):
        xl = x.astype(np.longdouble)
        if name == "exp":
            return np.exp(xl)
        if name == "tanh":
            return np.tanh(xl)
        e = np.exp(-np.abs(xl))
        return np.where(xl >= 0, 1, e) / (1 + e)


def _max_ulp(approx, exact, dtype):
    """The largest error of ``approx`` in ulp of ``exact`` in ``dtype``.

    NaN must match NaN and results that round to +-inf must be exactly that.
    """
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        rounded = exact.astype(dtype)
    np.testing.assert_array_equal(np.isnan(approx), np.isnan(exact))
    inf = np.isinf(rounded)
    np.testing.assert_array_equal(approx[inf], rounded[inf])
    finite = np.isfinite(rounded)
    _, e = np.frexp(exact[finite])
    ulp = np.ldexp(np.longdouble(1), e - (fi.nmant + 1))
    ulp = np.maximum(ulp, np.longdouble(fi.smallest_subnormal))
    return float(
        (np.abs(approx[finite].astype(np.longdouble) - exact[finite]) / ulp).max()
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.skipif(
    np.finfo(np.longdouble).nmant < 63, reason="long double is no wider than double"
)
@pytest.mark.extras
def test_elementwise_within_its_ulp_bound(name, dtype):
    x = _points(name, dtype)
    y = x.copy()
    getattr(nb, name)(y)
    assert y.dtype == dtype
    error = _max_ulp(y, _oracle(name, x), dtype)
    print(f"{name} {np.dtype(dtype).name}: max error {error:.3f} ulp")
    assert error <= nb.ULP_BOUNDS[name]
    if name == "tanh":  # odd: the sign of zero is kept
        zeros = x == 0
        np.testing.assert_array_equal(np.signbit(y[zeros]), np.signbit(x[zeros]))


def _batch(dtype, shape=(37, 11), seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=3, size=shape).astype(dtype)


def _rtol(dtype):
    return 1e-12 if dtype == np.float64 else 1e-6


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["identity", "relu", "tanh", "logistic"])
@pytest.mark.extras
def test_bias_activation_matches_numpy(kind, dtype):
    Z, b = _batch(dtype), _batch(dtype, (11,), seed=1)
    expected = Z + b
    HIDDEN_ACTIVATIONS[kind][0](expected)
    fused.bias_activation(Z, b, kind)
    np.testing.assert_allclose(Z, expected, rtol=_rtol(dtype), atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["identity", "relu", "tanh", "logistic"])
@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.extras
def test_derivative_times_delta_is_numpys_to_the_bit(kind, dtype, dropout):
    forward, derivative = HIDDEN_ACTIVATIONS[kind]
    A, D = _batch(dtype), _batch(dtype, seed=1)
    forward(A)
    mask = None
    if dropout:
        mask = (_batch(dtype, seed=2) > 0) / dtype(0.75)
        mask = mask.astype(dtype)
    expected = D.copy()
    if mask is not None:
        expected *= mask
    derivative(A, expected, np.empty_like(A))
    fused.activation_derivative_times_delta(A, D, mask, kind)
    np.testing.assert_array_equal(D, expected)


def _targets(out_activation, shape, rng):
    if out_activation == "softmax":
        return np.eye(shape[1], dtype=bool)[rng.integers(0, shape[1], shape[0])]
    if out_activation == "logistic":
        return rng.random(shape) < 0.5
    return rng.normal(size=shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "out_activation, loss",
    [("softmax", "log_loss"), ("logistic", "log_loss"), ("identity", "squared_error")],
)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.extras
def test_output_loss_delta_matches_numpy(out_activation, loss, dtype, weighted):
    rng = np.random.default_rng(3)
    Z, b = _batch(dtype, (37, 4)), _batch(dtype, (4,), seed=1)
    Z[0] = 50  # probabilities clipped at 1 - eps, and at eps
    Y = _targets(out_activation, Z.shape, rng)
    sw = rng.random(Z.shape[0]) + 0.5 if weighted else None
    P = Z + b
    OUTPUT_ACTIVATIONS[out_activation][0](P)
    value, delta = LOSSES[loss]
    expected_delta = np.empty_like(P)
    delta(Y, P, sw, out_activation, expected_delta)
    expected = value(Y, P, sw, out_activation) * (len(Z) if sw is None else sw.sum())
    D = np.empty_like(Z)
    total = fused.output_loss_delta(Z, b, Y, sw, D, out_activation, loss)
    rtol = _rtol(dtype)
    np.testing.assert_allclose(Z, P, rtol=rtol, atol=0)
    np.testing.assert_allclose(total, expected, rtol=10 * rtol)
    # P - Y cancels: its error is P's, absolute.
    np.testing.assert_allclose(D, expected_delta, rtol=rtol, atol=rtol * 2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("out_activation", ["softmax", "logistic"])
@pytest.mark.parametrize("kernel", ["_probabilities_serial", "_probabilities_parallel"])
@pytest.mark.extras
def test_output_probabilities_match_numpys(out_activation, dtype, kernel):
    Z = _batch(dtype, (37, 4))
    Z[0] = [60, -60, 0, 1]  # clipped at 1 - epsneg and at epsneg
    expected = Z.copy()
    probabilities(expected, out_activation, multilabel=True)
    kind = fused.SOFTMAX if out_activation == "softmax" else fused.SIGMOID
    tiny = dtype(np.finfo(dtype).epsneg)
    getattr(fused, kernel)(Z, kind, tiny)
    np.testing.assert_allclose(Z, expected, rtol=_rtol(dtype), atol=0)
    assert Z.min() == tiny and Z.max() == 1 - tiny
    # The public entry point writes the same, in place.
    W = _batch(dtype, (37, 4))
    assert fused.output_probabilities(W, out_activation) is W
    np.testing.assert_allclose(
        W,
        probabilities(_batch(dtype, (37, 4)), out_activation, True),
        rtol=_rtol(dtype),
    )


@pytest.mark.extras
def test_output_loss_delta_names_an_unfused_pair():
    Z = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"no fused kernel.*'exp'"):
        fused.output_loss_delta(Z, Z[0], Z, None, Z.copy(), "exp", "poisson")


def _penalised(params, grad, alpha, n_coefs, scale):
    """Network.loss_grad's last lines: the L2 term, then the weight total."""
    grad = grad.copy()
    grad[:n_coefs] += alpha * params[:n_coefs]
    grad /= scale
    return grad


def _optimizer_case(dtype, scale_kind):
    rng = np.random.default_rng(5)
    params, n_coefs = rng.normal(size=103).astype(dtype), 80
    scale = 7 if scale_kind == "int" else np.float64(6.5)
    return params, n_coefs, scale, rng


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale_kind", ["int", "weights"])
@pytest.mark.extras
def test_adam_step_is_numpys_to_the_bit(dtype, scale_kind):
    params, n_coefs, scale, rng = _optimizer_case(dtype, scale_kind)
    hyper = dict(learning_rate_init=1e-2, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    opt = Adam(params.size, dtype, **hyper)
    expected = params.copy()
    m, v = np.zeros_like(params), np.zeros_like(params)
    for t in range(1, 4):
        grad = rng.normal(size=params.size).astype(dtype)
        opt.step(expected, _penalised(expected, grad, 1e-3, n_coefs, scale))
        lr = 1e-2 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        fused.adam_step(params, grad, m, v, lr, 0.9, 0.999, 1e-8, 1e-3, n_coefs, scale)
    np.testing.assert_array_equal(params, expected)
    np.testing.assert_array_equal(m, opt.state["m"])
    np.testing.assert_array_equal(v, opt.state["v"])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("scale_kind", ["int", "weights"])
@pytest.mark.extras
def test_sgd_momentum_step_is_numpys_to_the_bit(dtype, nesterov, scale_kind):
    params, n_coefs, scale, rng = _optimizer_case(dtype, scale_kind)
    opt = SGD(
        params.size,
        dtype,
        learning_rate_init=0.1,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=nesterov,
        power_t=0.5,
    )
    expected, velocity = params.copy(), np.zeros_like(params)
    for _ in range(3):
        grad = rng.normal(size=params.size).astype(dtype)
        penalised = _penalised(expected, grad, 1e-3, n_coefs, scale)
        opt.step(expected, penalised)
        fused.sgd_momentum_step(
            params, grad, velocity, 0.1, 0.9, nesterov, 1e-3, n_coefs, scale
        )
        np.testing.assert_array_equal(grad, penalised)
    np.testing.assert_array_equal(params, expected)
    np.testing.assert_array_equal(velocity, opt.state["velocity"])


def _has_avx2():
    if platform.machine() not in ("x86_64", "AMD64"):
        return False
    try:
        from llvmlite import binding
    except ImportError:  # no numba: the extras tests are deselected anyway
        return False
    return "+avx2" in binding.get_host_cpu_features().flatten()


# A packed multiply or FMA on 256- or 512-bit registers: what LLVM emits for
# these loops on any x86-64 with AVX2 (256 bits there, 256 or 512 with
# AVX-512), and never for a loop of scalar calls.
_PACKED = re.compile(r"\tv(?:mul|fn?madd\w*|fn?msub\w*)p[sd]\t[^\n]*%[yz]mm")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kernel, n_arrays",
    [
        ("_exp_flat", 1),
        ("_tanh_flat", 1),
        ("_logistic_flat", 1),
        ("_bias_serial", 2),
        ("_derivative_serial", 2),
        ("_probabilities_serial", 1),
    ],
)
@pytest.mark.skipif(not _has_avx2(), reason="needs an x86-64 CPU with AVX2")
@pytest.mark.extras
def test_kernel_vectorises(kernel, n_arrays, dtype):
    import numba

    # A fresh, uncached compilation: numba shows no assembly of cached code.
    module = nb if hasattr(nb, kernel) else fused
    fn = numba.njit(error_model="numpy")(getattr(module, kernel).py_func)
    arrays = [np.ones(64, dtype)] * n_arrays
    if kernel == "_bias_serial":
        arrays = [np.ones((8, 8), dtype), np.ones(8, dtype), fused.TANH]
    elif kernel == "_derivative_serial":
        arrays += [None, fused.TANH]
    elif kernel == "_probabilities_serial":
        arrays = [np.ones((8, 8), dtype), fused.SOFTMAX, dtype(1e-7)]
    fn(*arrays)
    assert _PACKED.search(fn.inspect_asm(fn.signatures[0]))


@pytest.mark.extras
def test_unwritable_cache_compiles_without_it(monkeypatch):
    from numba.core.dispatcher import Dispatcher

    def no_locator(self):
        raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setattr(Dispatcher, "enable_caching", no_locator)

    def double(x):
        return 2 * x

    assert nb._jit(double)(21) == 42


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def test_import_skbareback_leaves_numba_unimported():
    code = "import sys, skbareback; print('numba' in sys.modules)"
    assert _run(code).strip() == "False"


def test_without_numba_the_kernels_say_why():
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np\n"
        "from skbareback import _numba as nb\n"
        "print(nb.available())\n"
        "print(nb.unavailable_reason())\n"
        "try:\n"
        "    nb.tanh(np.ones(3))\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    available, reason, error = _run(code).splitlines()
    assert available == "False"
    assert "numba" in reason
    assert "needs numba" in error


@pytest.mark.extras
def test_without_numba_every_kernel_says_why(monkeypatch):
    import importlib

    monkeypatch.setitem(sys.modules, "numba", None)
    try:
        importlib.reload(nb)
        assert not nb.available()
        assert "numba cannot be imported" in nb.unavailable_reason()
        with pytest.raises(ImportError, match="needs numba: numba cannot be"):
            nb.exp(np.ones(3))
    finally:
        monkeypatch.undo()
        importlib.reload(nb)
    assert nb.available() and nb.unavailable_reason() is None


@pytest.mark.extras
def test_a_read_only_install_caches_in_the_temporary_directory(monkeypatch):
    import numba

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(nb.os, "access", lambda path, mode: False)
    try:
        nb._cache_dir_fallback()
        assert nb.os.environ["NUMBA_CACHE_DIR"].endswith("skbareback-numba")
    finally:
        monkeypatch.undo()
        numba.config.reload_config()


@pytest.mark.extras
def test_kernels_refuse_arrays_they_cannot_write_in_place():
    with pytest.raises(ValueError, match="C-contiguous"):
        nb.tanh(np.ones((4, 4))[:, ::2])
