"""``Network.loss_grad`` against finite differences and an independent oracle.

Every hidden activation, output type, loss, intercept setting and weighting is
checked: the gradient by central differences in float64, the loss value by a
forward pass written here from NumPy/SciPy and ``sklearn.metrics.log_loss``.
"""

from itertools import pairwise

import numpy as np
import pytest
import scipy.sparse
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as scipy_softmax
from sklearn.metrics import log_loss

from skbareback._network import Network, Workspace

HIDDEN = (4, 3)
N_FEATURES = 3
N_SAMPLES = 7
ALPHA = 0.3
# Rows whose hidden pre-activations come within this of zero are redrawn, so a
# relu kink is never within reach of the finite-difference step.
KINK_MARGIN = 0.05
STEP = 1e-5

OUTPUTS = {
    # name: (output units, output activation)
    "binary": (1, "logistic"),
    "multiclass": (3, "softmax"),
    "multilabel": (3, "logistic"),
}
ORACLE_HIDDEN = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}

grid = pytest.mark.parametrize
all_cases = [
    grid("activation", ["identity", "logistic", "tanh", "relu"]),
    grid("output", ["binary", "multiclass", "multilabel"]),
    grid("loss", ["log_loss", "squared_error"]),
    grid("fit_intercept", [True, False], ids=["intercept", "no_intercept"]),
    grid("weighted", [False, True], ids=["unweighted", "weighted"]),
]


def every_case(test):
    for mark in reversed(all_cases):
        test = mark(test)
    return test


def oracle_forward(coefs, intercepts, X, activation, out_activation):
    """Return the hidden pre-activations and the output probabilities."""
    a, pre = X, []
    for coef, intercept in zip(coefs[:-1], intercepts[:-1]):
        z = a @ coef + intercept
        pre.append(z)
        a = ORACLE_HIDDEN[activation](z)
    z = a @ coefs[-1] + intercepts[-1]
    P = expit(z) if out_activation == "logistic" else scipy_softmax(z, axis=1)
    return pre, P


def make_problem(activation, output, loss, fit_intercept, weighted, seed=0):
    """A small random net, its flat parameters in sklearn's order, and data."""
    rs = np.random.RandomState(seed)
    n_out, out_activation = OUTPUTS[output]
    units = [N_FEATURES, *HIDDEN, n_out]
    coefs = [rs.normal(scale=0.7, size=s) for s in pairwise(units)]
    intercepts = [
        rs.normal(scale=0.5, size=u) if fit_intercept else np.zeros(u)
        for u in units[1:]
    ]
    flat = np.concatenate([c.ravel() for c in coefs] + intercepts)
    rows = []
    while len(rows) < N_SAMPLES:
        x = rs.uniform(-1, 1, size=(1, N_FEATURES))
        pre, _ = oracle_forward(coefs, intercepts, x, activation, out_activation)
        if min(np.abs(z).min() for z in pre) > KINK_MARGIN:
            rows.append(x)
    X = np.vstack(rows)
    if output == "binary":
        Y = (np.arange(N_SAMPLES) % 2 == 0)[:, np.newaxis]
    elif output == "multiclass":
        Y = (np.arange(N_SAMPLES) % 3)[:, np.newaxis] == np.arange(3)
    else:
        Y = rs.uniform(size=(N_SAMPLES, 3)) < 0.5
    sw = rs.uniform(0.2, 3.0, size=N_SAMPLES) if weighted else None
    net = Network(units, activation, out_activation, loss, ALPHA, fit_intercept)
    oracle = oracle_forward(coefs, intercepts, X, activation, out_activation)[1]
    return net, flat, X, Y, sw, coefs, oracle


def loss_and_grad(net, params, X, Y, sw):
    # Garbage in the output buffer: loss_grad must overwrite every entry.
    grad = np.full_like(params, np.nan)
    ws = Workspace(net, X.shape[0] + 2, params.dtype)
    return net.loss_grad(params, grad, X, Y, sw, ws), grad


def central_differences(net, params, X, Y, sw, indices):
    numeric = np.empty(len(indices))
    for k, i in enumerate(indices):
        plus, minus = params.copy(), params.copy()
        plus[i] += STEP
        minus[i] -= STEP
        f_plus = loss_and_grad(net, plus, X, Y, sw)[0]
        f_minus = loss_and_grad(net, minus, X, Y, sw)[0]
        numeric[k] = (f_plus - f_minus) / (2 * STEP)
    return numeric


def relative_error(a, b):
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)


@every_case
def test_gradient_matches_central_differences(
    activation, output, loss, fit_intercept, weighted
):
    net, params, X, Y, sw, _, _ = make_problem(
        activation, output, loss, fit_intercept, weighted
    )
    _, grad = loss_and_grad(net, params, X, Y, sw)
    assert np.all(np.isfinite(grad))
    # Without intercepts only the coefficients are free parameters.
    free = np.arange(net.n_params if fit_intercept else net.n_coefs)
    numeric = central_differences(net, params, X, Y, sw, free)
    if not fit_intercept:
        assert_array_equal(grad[net.n_coefs :], 0.0)
    assert relative_error(grad[free], numeric).max() < 1e-6
    assert_allclose(grad[free], numeric, rtol=1e-6, atol=1e-9)


@every_case
def test_loss_value_matches_oracle(activation, output, loss, fit_intercept, weighted):
    net, params, X, Y, sw, coefs, P = make_problem(
        activation, output, loss, fit_intercept, weighted
    )
    if loss == "squared_error":
        expected = 0.5 * np.average(((Y - P) ** 2).mean(axis=1), weights=sw)
    elif output == "multilabel":
        expected = sum(
            log_loss(Y[:, k], P[:, k], sample_weight=sw, labels=[False, True])
            for k in range(Y.shape[1])
        )
    elif output == "binary":
        expected = log_loss(Y[:, 0], P[:, 0], sample_weight=sw, labels=[False, True])
    else:
        expected = log_loss(Y.argmax(axis=1), P, sample_weight=sw, labels=[0, 1, 2])
    sw_sum = N_SAMPLES if sw is None else sw.sum()
    expected += 0.5 * ALPHA * sum((c**2).sum() for c in coefs) / sw_sum
    value, _ = loss_and_grad(net, params, X, Y, sw)
    assert_allclose(value, expected, rtol=1e-12)


@grid("output", ["binary", "multiclass", "multilabel"])
def test_unit_weights_equal_no_weights(output):
    net, params, X, Y, _, _, _ = make_problem("tanh", output, "log_loss", True, False)
    value, grad = loss_and_grad(net, params, X, Y, None)
    value_ones, grad_ones = loss_and_grad(net, params, X, Y, np.ones(N_SAMPLES))
    assert_allclose(value_ones, value, rtol=1e-14)
    assert_allclose(grad_ones, grad, rtol=1e-13, atol=1e-16)


@grid("output", ["binary", "multiclass", "multilabel"])
def test_integer_weights_equal_repeated_rows(output):
    net, params, X, Y, _, _, _ = make_problem("relu", output, "log_loss", True, False)
    sw = np.arange(1, N_SAMPLES + 1) % 3 + 1.0
    repeat = sw.astype(int)
    value, grad = loss_and_grad(net, params, X, Y, sw)
    expected = loss_and_grad(
        net, params, np.repeat(X, repeat, axis=0), np.repeat(Y, repeat, axis=0), None
    )
    assert_allclose(value, expected[0], rtol=1e-13)
    assert_allclose(grad, expected[1], rtol=1e-12, atol=1e-15)


@grid("loss", ["log_loss", "squared_error"])
def test_sparse_input_gives_the_dense_loss_and_gradient(loss):
    net, params, X, Y, sw, _, _ = make_problem("relu", "multiclass", loss, True, True)
    X[X < 0] = 0
    dense = loss_and_grad(net, params, X, Y, sw)
    sparse = loss_and_grad(net, params, scipy.sparse.csr_matrix(X), Y, sw)
    assert_allclose(sparse[0], dense[0], rtol=1e-14)
    assert_allclose(sparse[1], dense[1], rtol=1e-12, atol=1e-15)


@grid("output", ["binary", "multiclass", "multilabel"])
@grid("loss", ["log_loss", "squared_error"])
def test_float32_gives_float32_gradient_close_to_float64(output, loss):
    net, params, X, Y, sw, _, _ = make_problem("tanh", output, loss, True, True)
    value, grad = loss_and_grad(net, params, X, Y, sw)
    f32 = [a.astype(np.float32) for a in (params, X, sw)]
    value32, grad32 = loss_and_grad(net, f32[0], f32[1], Y, f32[2])
    assert grad32.dtype == np.float32
    assert_allclose(value32, value, rtol=1e-5)
    assert_allclose(grad32, grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("chunk_rows", [1, 4, 7])
def test_chunked_full_batch_pass_equals_one_pass(chunk_rows, output, weighted):
    # L-BFGS on large data sums the loss and gradient chunk by chunk.
    net, params, X, Y, sw, _, _ = make_problem(
        "tanh", output, "log_loss", True, weighted
    )
    expected_loss, expected_grad = loss_and_grad(net, params, X, Y, sw)
    grad = np.full_like(params, np.nan)
    loss = net.loss_grad(params, grad, X, Y, sw, Workspace(net, chunk_rows, X.dtype))
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-13)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)
