"""Activations against NumPy/SciPy, derivatives against finite differences."""

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as scipy_softmax

from skbareback._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, softmax

ORACLES = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}
STEP = 1e-6


def grid_away_from_zero(seed=0):
    # Pre-activations at least 0.1 from zero, so relu's kink is out of reach.
    rs = np.random.RandomState(seed)
    z = rs.uniform(0.1, 4.0, size=(6, 5))
    return z * rs.choice([-1.0, 1.0], size=z.shape)


def apply(forward, z):
    out = np.array(z, copy=True)
    assert forward(out) is None
    return out


@pytest.mark.parametrize("name", sorted(ORACLES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_matches_oracle_in_place(name, dtype):
    z = grid_away_from_zero().astype(dtype)
    forward = HIDDEN_ACTIVATIONS[name][0]
    out = apply(forward, z)
    assert out.dtype == dtype
    assert_allclose(out, ORACLES[name](z), rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_derivative_matches_finite_differences(name):
    forward, derivative = HIDDEN_ACTIVATIONS[name]
    z = grid_away_from_zero()
    a = apply(forward, z)
    delta = np.random.RandomState(1).normal(size=z.shape)
    numeric = (apply(forward, z + STEP) - apply(forward, z - STEP)) / (2 * STEP)
    expected = delta * numeric
    assert derivative(a, delta, np.full_like(a, np.nan)) is None
    assert_allclose(delta, expected, rtol=1e-8, atol=1e-10)


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
