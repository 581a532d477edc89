"""Activations against NumPy/SciPy, derivatives against finite differences."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as scipy_softmax

from skbareback._activations import (
    HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    TANH_FORMS,
    softmax,
)

ORACLES = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}
# Every hidden activation, with tanh's per-CPU forms each on its own: both
# forms are tested whichever one this CPU would pick.
FORWARDS = {
    **{name: pair[0] for name, pair in HIDDEN_ACTIVATIONS.items() if name != "tanh"},
    **{f"tanh_{form}": forward for form, forward in TANH_FORMS.items()},
}
# A power of two: z + STEP and z - STEP are then exact for these z, so the
# only rounding in a difference quotient is the function's own.
STEP = 2.0**-20

# Largest absolute error of each forward function, in units of the dtype's
# eps (an ulp of a value of size up to 1 is at most eps). Measured against
# long-double tanh and logistic over 2 million points in [-6, 6], half of them
# in [-0.2, 0.2], with NumPy's AVX-512 and AVX2 loops alike: NumPy's tanh
# 0.42, expit 0.74, the exp form 1.50 (it rounds exp, a sum, a quotient and a
# difference, each of a value up to 2 in size). The exp form's error does not
# shrink with tanh(z), so near zero its *relative* error grows without bound
# (1e11 eps at z = 1e-12): every tolerance here is absolute.
ABS_ERROR_EPS = {
    "identity": 0,
    "relu": 0,
    "logistic": 1,
    "tanh_native": 1,
    "tanh_exp": 2,
}


def grid_away_from_zero(seed=0):
    # Pre-activations at least 0.1 from zero, so relu's kink is out of reach.
    rs = np.random.RandomState(seed)
    z = rs.uniform(0.1, 4.0, size=(6, 5))
    return z * rs.choice([-1.0, 1.0], size=z.shape)


def apply(forward, z):
    out = np.array(z, copy=True)
    assert forward(out) is None
    return out


def oracle(name):
    return ORACLES[name.split("_")[0]]


@pytest.mark.parametrize("name", sorted(FORWARDS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_matches_oracle_in_place(name, dtype):
    # Values near zero too, where the exp form's relative error is largest.
    z = np.concatenate([grid_away_from_zero().ravel(), [1e-12, -3e-5, 0.0]])
    z = z.astype(dtype)
    out = apply(FORWARDS[name], z)
    assert out.dtype == dtype
    atol = ABS_ERROR_EPS[name] * np.finfo(dtype).eps
    expected = oracle(name)(z.astype(np.longdouble))
    assert_allclose(out.astype(np.longdouble), expected, rtol=0, atol=atol)


def test_exp_form_is_absolutely_not_relatively_accurate_near_zero():
    # Why the tolerances are absolute: a relative one once failed this suite
    # on an AVX2 machine, where the exp form is the default.
    out = apply(TANH_FORMS["exp"], np.array([1e-12]))
    assert abs(out[0] - 1e-12) > 1e-6 * 1e-12
    assert abs(out[0] - 1e-12) <= ABS_ERROR_EPS["tanh_exp"] * np.finfo(float).eps


@pytest.mark.parametrize("name", sorted(FORWARDS))
def test_derivative_matches_finite_differences(name):
    forward = FORWARDS[name]
    derivative = HIDDEN_ACTIVATIONS[name.split("_")[0]][1]
    z = grid_away_from_zero()
    assert_array_equal((z + STEP) - (z - STEP), 2 * STEP)
    a = apply(forward, z)
    computed = np.ones_like(z)
    assert derivative(a, computed, np.full_like(a, np.nan)) is None
    numeric = (apply(forward, z + STEP) - apply(forward, z - STEP)) / (2 * STEP)
    # A central difference with step h errs by h**2 / 6 * |f'''| (truncation;
    # |f'''| <= 2 here) plus the rounding of its two evaluations, each off by
    # at most K eps, divided by 2h: K eps / h. With h ~ 1e-6 that is
    # K * 2.3e-10, far above the truncation's 3e-13. The derivative computed
    # from the rounded output errs by another ~3 K eps.
    eps = np.finfo(z.dtype).eps
    k = ABS_ERROR_EPS[name]
    atol = k * eps / STEP + STEP**2 / 3 + 3 * k * eps
    assert_allclose(computed, numeric, rtol=0, atol=max(atol, eps))


@pytest.mark.parametrize("name", sorted(HIDDEN_ACTIVATIONS))
def test_derivative_multiplies_delta_in_place(name):
    forward, derivative = HIDDEN_ACTIVATIONS[name]
    a = apply(forward, grid_away_from_zero())
    factor = np.ones_like(a)
    derivative(a, factor, np.empty_like(a))
    delta = np.random.RandomState(1).normal(size=a.shape)
    expected = delta * factor
    assert derivative(a, delta, np.full_like(a, np.nan)) is None
    # Equal up to the order of the multiplications.
    assert_allclose(delta, expected, rtol=2 * np.finfo(float).eps, atol=0)


def test_relu_derivative_zeroes_inactive_units_only():
    a = apply(HIDDEN_ACTIVATIONS["relu"][0], np.array([[-2.0, 0.5], [3.0, -0.1]]))
    delta = np.array([[1.0, 2.0], [3.0, 4.0]])
    HIDDEN_ACTIVATIONS["relu"][1](a, delta, np.empty_like(a))
    assert_array_equal(delta, [[0.0, 2.0], [3.0, 0.0]])


def test_output_logistic_is_the_hidden_logistic():
    assert OUTPUT_ACTIVATIONS["logistic"] == HIDDEN_ACTIVATIONS["logistic"]
    # The softmax only ever meets the log loss through its canonical link.
    assert OUTPUT_ACTIVATIONS["softmax"] == (softmax, None)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_matches_scipy_and_rows_sum_to_one(dtype):
    z = grid_away_from_zero().astype(dtype)
    out = apply(softmax, z)
    assert out.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    assert_allclose(out, scipy_softmax(z.astype(np.float64), axis=1), rtol=rtol)
    assert_allclose(out.sum(axis=1), 1.0, rtol=rtol)


def test_softmax_is_shift_invariant():
    z = grid_away_from_zero()
    shift = np.arange(len(z), dtype=float)[:, np.newaxis] * 1e3
    assert_allclose(apply(softmax, z + shift), apply(softmax, z), rtol=1e-12)


EXTREME_ROWS = [
    [1e300, -1e300, 0.0],
    [-1e300, -1e300, -1e300],
    [1e300, 1e300, 0.0],
    [1e300, 800.0, -800.0],
    [-1e300, -800.0, 800.0],
    [750.0, -750.0, 0.0],
]
EXTREME_SOFTMAX = [
    [1.0, 0.0, 0.0],
    [1 / 3, 1 / 3, 1 / 3],
    [0.5, 0.5, 0.0],
    [1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0],
    [1.0, 0.0, 0.0],
]


@contextmanager
def no_runtime_warning():
    # pyproject turns RuntimeWarning into errors too; this keeps the tests
    # strict when run without it.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("output", ["logistic", "softmax"])
def test_output_activations_are_overflow_safe(output):
    z = np.array(EXTREME_ROWS)
    with no_runtime_warning():
        out = apply(OUTPUT_ACTIVATIONS[output][0], z)
    assert np.all(np.isfinite(out))
    assert np.all((out >= 0) & (out <= 1))
    if output == "softmax":
        assert_allclose(out, EXTREME_SOFTMAX, atol=1e-300)
    else:
        assert_array_equal(out[z >= 750], 1.0)
        assert_array_equal(out[z <= -750], 0.0)
        assert_array_equal(out[z == 0], 0.5)


@pytest.mark.parametrize("output", ["logistic", "softmax"])
def test_output_activations_are_overflow_safe_float32(output):
    big = np.finfo(np.float32).max / 4
    z = np.array([[big, -big, 0.0], [-big, -big, -big], [100.0, -100.0, 0.0]])
    z = z.astype(np.float32)
    with no_runtime_warning():
        out = apply(OUTPUT_ACTIVATIONS[output][0], z)
    assert out.dtype == np.float32
    assert np.all(np.isfinite(out))
    assert np.all((out >= 0) & (out <= 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_overflow_safe_at_the_largest_floats(dtype):
    # A logit gap beyond the float range: z - max(z) overflows to -inf,
    # whose exp is the correct 0, but it must not warn on the way.
    big = np.finfo(dtype).max
    z = np.array([[big, -big, 0.0]], dtype=dtype)
    with no_runtime_warning():
        out = apply(softmax, z)
    assert_array_equal(out, [[1.0, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_columns", [1, 2, 4, 10, 32, 33, 60])
def test_row_max_is_numpys(dtype, n_columns):
    # Column by column for few columns, NumPy's reduction for many: the same
    # values either way, infinities and NaN included.
    from skbareback._activations import row_max

    z = np.random.default_rng(n_columns).normal(size=(50, n_columns)).astype(dtype)
    z[0, -1], z[1, 0], z[2, :] = np.inf, -np.inf, -np.inf
    z[3, n_columns // 2] = np.nan
    expected = z.max(axis=1, keepdims=True)
    assert_array_equal(row_max(z), expected)
    assert row_max(z).dtype == dtype
