"""The regression losses' gradients against finite differences and an oracle.

MLPRegressor's conventions are kept, and checked here: the squared error is
reported as the mean over outputs while its gradient is that of the sum over
outputs (the objective its steps descend), and the Poisson deviance is summed
over outputs after an ``exp`` output, with a consistent gradient.
"""

from itertools import pairwise

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import xlogy

from skbareback._losses import LOSSES
from skbareback._network import Network, Workspace

HIDDEN = (4, 3)
N_FEATURES = 3
N_SAMPLES = 7
ALPHA = 0.3
STEP = 1e-5
OUT_ACTIVATION = {"squared_error": "identity", "poisson": "exp"}
ORACLE_HIDDEN = {
    "identity": lambda z: z,
    "logistic": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
}

grid = pytest.mark.parametrize
every_case = [
    grid("activation", list(ORACLE_HIDDEN)),
    grid("loss", list(OUT_ACTIVATION)),
    grid("n_outputs", [1, 3]),
    grid("weighted", [False, True], ids=["unweighted", "weighted"]),
]


def cases(test):
    for mark in reversed(every_case):
        test = mark(test)
    return test


def make_problem(activation, loss, n_outputs, weighted, seed=0):
    """A small random net, its flat parameters, data, and the oracle's outputs."""
    rs = np.random.RandomState(seed)
    units = [N_FEATURES, *HIDDEN, n_outputs]
    coefs = [rs.normal(scale=0.7, size=s) for s in pairwise(units)]
    intercepts = [rs.normal(scale=0.5, size=u) for u in units[1:]]
    params = np.concatenate([c.ravel() for c in coefs] + intercepts)
    # Rows far from relu's kink at 0 in every hidden unit.
    rows = []
    while len(rows) < N_SAMPLES:
        x = rs.uniform(-1, 1, size=(1, N_FEATURES))
        a, near_kink = x, False
        for c, b in zip(coefs[:-1], intercepts[:-1]):
            z = a @ c + b
            near_kink |= np.abs(z).min() < 0.05
            a = ORACLE_HIDDEN[activation](z)
        if not near_kink:
            rows.append(x)
    X = np.vstack(rows)
    a = X
    for c, b in zip(coefs[:-1], intercepts[:-1]):
        a = ORACLE_HIDDEN[activation](a @ c + b)
    z = a @ coefs[-1] + intercepts[-1]
    P = np.exp(z) if loss == "poisson" else z
    if loss == "poisson":
        Y = rs.poisson(2.0, size=(N_SAMPLES, n_outputs)).astype(float)
    else:
        Y = rs.normal(size=(N_SAMPLES, n_outputs))
    sw = rs.uniform(0.2, 3.0, size=N_SAMPLES) if weighted else None
    net = Network(units, activation, OUT_ACTIVATION[loss], loss, ALPHA, True)
    return net, params, X, Y, sw, coefs, P


def loss_and_grad(net, params, X, Y, sw):
    grad = np.full_like(params, np.nan)
    ws = Workspace(net, X.shape[0], params.dtype)
    return net.loss_grad(params, grad, X, Y, sw, ws), grad


def objective(net, params, X, Y, sw, loss):
    """What the gradient descends: for the squared error, summed over outputs."""
    value = loss_and_grad(net, params, X, Y, sw)[0]
    if loss == "poisson":
        return value
    w = params[: net.n_coefs]
    sw_sum = len(X) if sw is None else sw.sum()
    penalty = 0.5 * ALPHA * np.dot(w, w) / sw_sum
    return Y.shape[1] * (value - penalty) + penalty


@cases
def test_gradient_matches_central_differences(activation, loss, n_outputs, weighted):
    net, params, X, Y, sw, _, _ = make_problem(activation, loss, n_outputs, weighted)
    _, grad = loss_and_grad(net, params, X, Y, sw)
    numeric = np.empty_like(params)
    for i in range(len(params)):
        plus, minus = params.copy(), params.copy()
        plus[i] += STEP
        minus[i] -= STEP
        f_plus = objective(net, plus, X, Y, sw, loss)
        f_minus = objective(net, minus, X, Y, sw, loss)
        numeric[i] = (f_plus - f_minus) / (2 * STEP)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def oracle_loss(loss, Y, P, sw):
    """MLPRegressor's losses as its documentation and source define them."""
    if loss == "squared_error":
        return 0.5 * np.average((Y - P) ** 2, weights=sw, axis=0).mean()
    return np.average(xlogy(Y, Y / P) - Y + P, weights=sw, axis=0).sum()


@cases
def test_loss_value_is_mlpregressors(activation, loss, n_outputs, weighted):
    net, params, X, Y, sw, coefs, P = make_problem(
        activation, loss, n_outputs, weighted
    )
    expected = oracle_loss(loss, Y, P, sw)
    sw_sum = N_SAMPLES if sw is None else sw.sum()
    expected += 0.5 * ALPHA * sum((c**2).sum() for c in coefs) / sw_sum
    value, _ = loss_and_grad(net, params, X, Y, sw)
    assert_allclose(value, expected, rtol=1e-12)


def test_poisson_value_by_hand():
    # y log(y / p) - y + p per output, 0 log 0 = 0; summed over outputs.
    Y = np.array([[0.0, 2.0], [3.0, 1.0]])
    P = np.array([[0.5, 2.0], [1.0, 4.0]])
    rows = [0.5 + 0.0, (3 * np.log(3) - 3 + 1) + (np.log(1 / 4) - 1 + 4)]
    value = LOSSES["poisson"][0](Y, P, None, "exp")
    assert_allclose(value, np.mean(rows), rtol=1e-15)
    weighted = LOSSES["poisson"][0](Y, P, np.array([1.0, 3.0]), "exp")
    assert_allclose(weighted, (rows[0] + 3 * rows[1]) / 4, rtol=1e-15)
