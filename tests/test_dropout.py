"""Inverted dropout: the masks, the thinned network's gradient, the validation.

With the masks held fixed, the loss is a smooth function of the parameters:
its gradient is checked by central differences, and its value against a
forward pass written here from NumPy/SciPy and ``sklearn.metrics.log_loss``.
"""

import tracemalloc
from itertools import pairwise

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as scipy_softmax
from sklearn.metrics import log_loss

from skbareback._network import Network, Workspace, mask_stream
from skbareback._params import dropout_rates

HIDDEN = (5, 4)
N_FEATURES = 3
N_SAMPLES = 9
ALPHA = 0.3
KINK_MARGIN = 0.05
STEP = 1e-5

OUTPUTS = {
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
RATES = {"both": [0.5, 0.3], "second": [0.0, 0.4]}


def oracle_forward(coefs, intercepts, X, activation, out_activation, masks):
    """Return the hidden pre-activations and the output probabilities."""
    a, pre = X, []
    for coef, intercept, mask in zip(coefs[:-1], intercepts[:-1], masks):
        z = a @ coef + intercept
        pre.append(z)
        a = ORACLE_HIDDEN[activation](z)
        if mask is not None:
            a = a * mask
    z = a @ coefs[-1] + intercepts[-1]
    P = expit(z) if out_activation == "logistic" else scipy_softmax(z, axis=1)
    return pre, P


def make_problem(activation, output, loss, rates, weighted=False, seed=0):
    """A small net with dropout, fixed masks drawn by a Workspace, and data."""
    rs = np.random.RandomState(seed)
    n_out, out_activation = OUTPUTS[output]
    units = [N_FEATURES, *HIDDEN, n_out]
    net = Network(units, activation, out_activation, loss, ALPHA, True, rates)
    ws = Workspace(net, N_SAMPLES, np.float64, rng=mask_stream(rs))
    masks = [None if m is None else m.copy() for m in ws.draw_masks(N_SAMPLES)]
    coefs = [rs.normal(scale=0.7, size=s) for s in pairwise(units)]
    intercepts = [rs.normal(scale=0.5, size=u) for u in units[1:]]
    params = np.concatenate([c.ravel() for c in coefs] + intercepts)
    # Rows whose relu kinks lie within the finite-difference step are redrawn.
    rows = []
    while len(rows) < N_SAMPLES:
        k = len(rows)
        row_masks = [None if m is None else m[k : k + 1] for m in masks]
        x = rs.uniform(-1, 1, size=(1, N_FEATURES))
        pre, _ = oracle_forward(
            coefs, intercepts, x, activation, out_activation, row_masks
        )
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
    P = oracle_forward(coefs, intercepts, X, activation, out_activation, masks)[1]
    return net, ws, masks, params, X, Y, sw, coefs, P


def loss_and_grad(net, ws, params, X, Y, sw, masks):
    grad = np.full_like(params, np.nan)
    return net.loss_grad(params, grad, X, Y, sw, ws, masks), grad


@pytest.mark.parametrize("rates", RATES.values(), ids=RATES.keys())
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", list(ORACLE_HIDDEN))
def test_gradient_with_fixed_masks_matches_central_differences(
    activation, output, loss, weighted, rates
):
    net, ws, masks, params, X, Y, sw, _, _ = make_problem(
        activation, output, loss, rates, weighted
    )
    _, grad = loss_and_grad(net, ws, params, X, Y, sw, masks)
    numeric = np.empty_like(params)
    for i in range(net.n_params):
        plus, minus = params.copy(), params.copy()
        plus[i] += STEP
        minus[i] -= STEP
        f_plus = loss_and_grad(net, ws, plus, X, Y, sw, masks)[0]
        f_minus = loss_and_grad(net, ws, minus, X, Y, sw, masks)[0]
        numeric[i] = (f_plus - f_minus) / (2 * STEP)
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("rates", RATES.values(), ids=RATES.keys())
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_loss_with_fixed_masks_matches_oracle(activation, output, rates):
    net, ws, masks, params, X, Y, sw, coefs, P = make_problem(
        activation, output, "log_loss", rates, weighted=True
    )
    if output == "multilabel":
        expected = sum(
            log_loss(Y[:, k], P[:, k], sample_weight=sw, labels=[False, True])
            for k in range(Y.shape[1])
        )
    elif output == "binary":
        expected = log_loss(Y[:, 0], P[:, 0], sample_weight=sw, labels=[False, True])
    else:
        expected = log_loss(Y.argmax(axis=1), P, sample_weight=sw, labels=[0, 1, 2])
    expected += 0.5 * ALPHA * sum((c**2).sum() for c in coefs) / sw.sum()
    value, _ = loss_and_grad(net, ws, params, X, Y, sw, masks)
    assert_allclose(value, expected, rtol=1e-12)


def test_a_dropped_unit_passes_no_gradient_back():
    net, ws, masks, params, X, Y, _, _, _ = make_problem(
        "tanh", "multiclass", "log_loss", [0.5, 0.0]
    )
    masks[0][:, 2] = 0  # unit 2 of the first hidden layer dropped in every row
    _, grad = loss_and_grad(net, ws, params, X, Y, None, masks)
    coefs = net.unpack(params)[0]
    coef_grads, intercept_grads = net.unpack(grad)
    # Only the L2 penalty moves the weights into and out of the dropped unit.
    assert_allclose(coef_grads[0][:, 2], ALPHA * coefs[0][:, 2] / N_SAMPLES)
    assert_allclose(coef_grads[1][2], ALPHA * coefs[1][2] / N_SAMPLES)
    assert intercept_grads[0][2] == 0
    # A unit kept in some row is moved by the data too.
    kept = np.flatnonzero(masks[0].any(axis=0))
    assert len(kept) > 0
    for unit in kept:
        l2 = ALPHA * coefs[1][unit] / N_SAMPLES
        assert np.abs(coef_grads[1][unit] - l2).max() > 1e-3


def test_masks_of_ones_give_exactly_the_network_without_dropout():
    net, ws, masks, params, X, Y, sw, _, _ = make_problem(
        "tanh", "multiclass", "log_loss", [0.5, 0.3], weighted=True
    )
    ones = [np.ones_like(m) for m in masks]
    expected = loss_and_grad(net, ws, params, X, Y, sw, None)
    value, grad = loss_and_grad(net, ws, params, X, Y, sw, ones)
    assert value == expected[0]
    assert_array_equal(grad, expected[1])


@pytest.mark.parametrize("chunk_rows", [1, 4])
def test_chunked_pass_with_masks_equals_one_pass(chunk_rows):
    net, ws, masks, params, X, Y, sw, _, _ = make_problem(
        "relu", "binary", "log_loss", [0.5, 0.3], weighted=True
    )
    expected = loss_and_grad(net, ws, params, X, Y, sw, masks)
    chunked = Workspace(
        net, chunk_rows, np.float64, rng=mask_stream(np.random.RandomState(1))
    )
    value, grad = loss_and_grad(net, chunked, params, X, Y, sw, masks)
    assert_allclose(value, expected[0], rtol=1e-13)
    assert_allclose(grad, expected[1], rtol=1e-12, atol=1e-15)


def test_float32_masks_drop_the_units_float64_masks_drop():
    net = Network([4, 50, 1], "relu", "logistic", "log_loss", 0.0, True, [0.4])
    masks = [
        Workspace(net, 300, dtype, rng=np.random.default_rng(0)).draw_masks(300)[0]
        for dtype in (np.float64, np.float32)
    ]
    assert masks[1].dtype == np.float32
    assert_array_equal(masks[1] != 0, masks[0] != 0)
    assert_allclose(masks[1], masks[0], rtol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masks_are_inverted_dropout_masks(dtype):
    units, rates = [4, 50, 30, 20, 1], [0.3, 0.0, 0.8]
    net = Network(units, "relu", "logistic", "log_loss", 0.0, True, rates)
    ws = Workspace(net, 2000, dtype, rng=mask_stream(np.random.RandomState(0)))
    masks = ws.draw_masks(2000)
    assert masks[1] is None
    for mask, p in [(masks[0], 0.3), (masks[2], 0.8)]:
        assert mask.dtype == dtype and mask.shape[0] == 2000
        kept = mask != 0
        assert_array_equal(mask[kept], dtype(1 / (1 - p)))
        # 40,000 or 60,000 Bernoulli draws: 4 standard deviations < 0.01.
        assert abs(1 - kept.mean() - p) < 0.01
        assert abs(mask.mean() - 1) < 0.01 / (1 - p)


def test_masks_are_reproducible_and_fresh_on_every_draw():
    net = Network([3, 8, 6, 1], "tanh", "logistic", "log_loss", 0.0, True, [0.5, 0.5])

    def draws(seed):
        ws = Workspace(
            net, 10, np.float64, rng=mask_stream(np.random.RandomState(seed))
        )
        return [
            np.concatenate([m.copy() for m in ws.draw_masks(10)], axis=1)
            for _ in range(3)
        ]

    first = draws(0)
    for again, mask in zip(draws(0), first):
        assert_array_equal(again, mask)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(draws(1)[0], first[0])


def test_drawing_masks_writes_into_the_workspace():
    net = Network([3, 100, 100, 1], "tanh", "logistic", "log_loss", 0, True, [0.5, 0.2])
    ws = Workspace(net, 200, np.float64, rng=mask_stream(np.random.RandomState(0)))
    first = ws.draw_masks(200)
    tracemalloc.start()
    again = ws.draw_masks(200)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # One mask is 160 kB; a draw allocates none of that size, only the
    # comparison's fixed cast buffer (8192 bools) and a few Python objects.
    assert peak < 16_000, peak
    for a, b in zip(first, again):
        assert a.base is b.base is not None


def test_zero_rates_allocate_and_draw_nothing():
    rng = np.random.default_rng(0)
    net = Network([3, 8, 6, 1], "tanh", "logistic", "log_loss", 0.0, True, [0, 0])
    ws = Workspace(net, 10, np.float64, rng=rng)
    assert ws.dropout(None) == [None, None]
    assert ws._masks is None and ws._dropped is None
    assert rng.random() == np.random.default_rng(0).random()


def test_mask_stream_is_seeded_by_the_random_state():
    first = mask_stream(np.random.RandomState(3)).random(5)
    assert_array_equal(mask_stream(np.random.RandomState(3)).random(5), first)
    assert not np.array_equal(mask_stream(np.random.RandomState(4)).random(5), first)


def test_network_rejects_a_rate_count_unlike_its_hidden_layers():
    with pytest.raises(ValueError, match="1 rates for 2 hidden layers"):
        Network([3, 8, 6, 1], "tanh", "logistic", "log_loss", 0.0, True, [0.5])


@pytest.mark.parametrize(
    "value, n_hidden, expected",
    [
        (0.0, 2, [0.0, 0.0]),
        (0.5, 3, [0.5, 0.5, 0.5]),
        (0, 1, [0.0]),
        ((0.1, 0.0), 2, [0.1, 0.0]),
        (np.array([0.25, 0.5]), 2, [0.25, 0.5]),
        ([], 0, []),
        (0.3, 0, []),
    ],
)
def test_dropout_rates_accepts(value, n_hidden, expected):
    assert dropout_rates(value, n_hidden) == expected


@pytest.mark.parametrize(
    "value, error, message",
    [
        (1.0, ValueError, r"dropout must be in the range \[0, 1\), got 1.0"),
        (-0.1, ValueError, r"dropout must be in the range \[0, 1\)"),
        (np.nan, ValueError, r"dropout must be in the range \[0, 1\), got nan"),
        (True, TypeError, "dropout must be a float or a sequence"),
        ("0.5", TypeError, "dropout must be a float or a sequence"),
        (None, TypeError, "dropout must be a float or a sequence"),
        ((0.5,), ValueError, "got 1 rates for 2 hidden layers"),
        ((0.5, 0.1, 0.1), ValueError, "got 3 rates for 2 hidden layers"),
        ((0.5, 1.0), ValueError, r"dropout\[1\] must be in the range \[0, 1\)"),
        ((0.5, "x"), TypeError, r"dropout\[1\] must be a real number"),
        ((False, 0.5), TypeError, r"dropout\[0\] must be a real number"),
    ],
)
def test_dropout_rates_rejects(value, error, message):
    with pytest.raises(error, match=message):
        dropout_rates(value, 2)
