"""Inverted dropout: the masks, the thinned network's gradient, the estimators.

With the masks held fixed, the loss is a smooth function of the parameters:
its gradient is checked by central differences, and its value against a
forward pass written here from NumPy/SciPy and ``sklearn.metrics.log_loss``.
"""

import tracemalloc
from itertools import pairwise

import numpy as np
import pytest
import scipy.sparse
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from scipy.special import softmax as scipy_softmax
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_estimator

from skbareback import BareMLPClassifier, BareMLPRegressor
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
    # The regressor's outputs: one, where its squared error's reported mean
    # over outputs and the sum its gradient descends agree.
    "real": (1, "identity"),
    "counts": (1, "exp"),
}
OUT_ACTIVATIONS = {
    "logistic": expit,
    "softmax": lambda z: scipy_softmax(z, axis=1),
    "identity": lambda z: z,
    "exp": np.exp,
}
# (output, loss): every classification output with both classifier losses,
# and the regressor's two losses.
CASES = [
    *[
        (output, loss)
        for output in OUTPUTS
        if output not in ("real", "counts")
        for loss in ("log_loss", "squared_error")
    ],
    ("real", "squared_error"),
    ("counts", "poisson"),
]
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
    return pre, OUT_ACTIVATIONS[out_activation](a @ coefs[-1] + intercepts[-1])


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
    elif output == "multilabel":
        Y = rs.uniform(size=(N_SAMPLES, 3)) < 0.5
    elif output == "real":
        Y = rs.normal(size=(N_SAMPLES, 1))
    else:
        Y = rs.poisson(2.0, size=(N_SAMPLES, 1)).astype(float)
    sw = rs.uniform(0.2, 3.0, size=N_SAMPLES) if weighted else None
    P = oracle_forward(coefs, intercepts, X, activation, out_activation, masks)[1]
    return net, ws, masks, params, X, Y, sw, coefs, P


def loss_and_grad(net, ws, params, X, Y, sw, masks):
    grad = np.full_like(params, np.nan)
    return net.loss_grad(params, grad, X, Y, sw, ws, masks), grad


@pytest.mark.parametrize("rates", RATES.values(), ids=RATES.keys())
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("output, loss", CASES)
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
@pytest.mark.parametrize("output", ["binary", "multiclass", "multilabel"])
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_drawing_masks_writes_into_the_workspace(dtype):
    n_rows = 2000
    net = Network([3, 100, 100, 1], "tanh", "logistic", "log_loss", 0, True, [0.5, 0.2])
    ws = Workspace(net, n_rows, dtype, rng=mask_stream(np.random.RandomState(0)))
    first = ws.draw_masks(n_rows)
    tracemalloc.start()
    again = ws.draw_masks(n_rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # A draw allocates nothing the size of a mask (0.8 or 1.6 MB), only the
    # comparison's cast buffer, which NumPy caps at 8192 elements whatever
    # the batch (about 10 kB with NumPy 2.4, 75 kB with NumPy 1.24).
    assert peak < first[0].nbytes / 8, peak
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


# ------------------------------------------------------------- estimators

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_CLF, Y_CLF = make_classification(150, 6, n_informative=4, n_classes=3, random_state=0)
X_REG, Y_REG = make_regression(150, 6, n_informative=4, noise=5.0, random_state=0)
Y_REG /= Y_REG.std()
DATA = {
    BareMLPClassifier: (X_CLF, Y_CLF),
    BareMLPRegressor: (X_REG, Y_REG),
}
both = pytest.mark.parametrize(
    "Estimator", [BareMLPClassifier, BareMLPRegressor], ids=["clf", "reg"]
)


def _est(Estimator, **params):
    params = {
        "hidden_layer_sizes": (16, 8),
        "solver": "adam",
        "learning_rate_init": 0.01,
        "max_iter": 8,
        "dropout": 0.3,
        "random_state": 0,
        **params,
    }
    return Estimator(**params)


def _predict(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


def _partial_fit(est, X, y):
    kwargs = {"classes": [0, 1, 2]} if isinstance(est, BareMLPClassifier) else {}
    return est.partial_fit(X, y, **kwargs)


@pytest.fixture
def drawn_masks(monkeypatch):
    """Copies of every set of masks that training draws, in order."""
    drawn = []
    draw = Workspace.draw_masks

    def spy(ws, n):
        masks = draw(ws, n)
        drawn.append([None if m is None else m.copy() for m in masks])
        return masks

    monkeypatch.setattr(Workspace, "draw_masks", spy)
    return drawn


@both
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_fit_with_dropout_differs_from_fit_without(Estimator, solver):
    X, y = DATA[Estimator]
    with_dropout = _est(Estimator, solver=solver).fit(X, y)
    without = _est(Estimator, solver=solver, dropout=0.0).fit(X, y)
    difference = np.abs(_predict(with_dropout, X) - _predict(without, X)).max()
    assert difference > 1e-3
    # With the units' outputs thinned out, the training loss stays higher.
    assert with_dropout.loss_curve_[-1] > without.loss_curve_[-1]


@both
@pytest.mark.parametrize("dropout", [0.3, [0.5, 0.0], (0.0, 0.2)])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_two_fits_with_the_same_seed_are_identical(Estimator, solver, dropout):
    X, y = DATA[Estimator]
    first = _est(Estimator, solver=solver, dropout=dropout).fit(X, y)
    second = _est(Estimator, solver=solver, dropout=dropout).fit(X, y)
    assert first.loss_curve_ == second.loss_curve_
    for a, b in zip(
        first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_
    ):
        assert_array_equal(a, b)
    other = _est(Estimator, solver=solver, dropout=dropout, random_state=1).fit(X, y)
    assert other.loss_curve_ != first.loss_curve_


@both
@pytest.mark.parametrize("zero", [0, 0.0, [0.0, 0.0], np.zeros(2)])
def test_zero_dropout_trains_exactly_the_model_without_it(Estimator, zero):
    X, y = DATA[Estimator]
    params = {k: v for k, v in _est(Estimator).get_params().items() if k != "dropout"}
    default = Estimator(**params).fit(X, y)  # the default dropout
    zero_rate = clone(default).set_params(dropout=zero).fit(X, y)
    assert zero_rate.loss_curve_ == default.loss_curve_
    assert_array_equal(_predict(zero_rate, X), _predict(default, X))


def test_a_rate_only_in_one_layer_drops_only_there(drawn_masks):
    clf = _est(BareMLPClassifier, dropout=[0.0, 0.5], batch_size=50, max_iter=2)
    clf.fit(X_CLF, Y_CLF)
    assert len(drawn_masks) == 2 * 3  # one draw per batch
    for first, second in drawn_masks:
        assert first is None
        assert second.shape == (50, 8)
        assert set(np.unique(second)) == {0.0, 2.0}


@both
def test_every_partial_fit_call_draws_fresh_masks(Estimator, drawn_masks):
    X, y = DATA[Estimator]

    def two_calls():
        est = _est(Estimator, shuffle=False, batch_size=150)
        _partial_fit(est, X, y)
        return est.partial_fit(X, y)

    est = two_calls()
    assert est.solver_ == "adam"
    assert len(drawn_masks) == 2
    assert not np.array_equal(drawn_masks[0][0], drawn_masks[1][0])
    # The sequence of calls is reproducible from the seed.
    again = two_calls()
    for first, second in zip(drawn_masks[:2], drawn_masks[2:]):
        assert_array_equal(first[0], second[0])
        assert_array_equal(first[1], second[1])
    assert again.loss_curve_ == est.loss_curve_


@both
def test_warm_start_continues_with_fresh_masks(Estimator, drawn_masks):
    X, y = DATA[Estimator]
    params = {"max_iter": 3, "batch_size": 150, "shuffle": False, "tol": 0}
    est = _est(Estimator, warm_start=True, **params).fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert len(est.loss_curve_) == 6 and est.loss_curve_[:3] == first_curve
    assert est.loss_curve_[3] < first_curve[0]  # from the fitted weights
    assert est.t_ == 2 * 3 * 150
    assert len(drawn_masks) == 6
    assert not np.array_equal(drawn_masks[0][0], drawn_masks[3][0])
    cold = _est(Estimator, **params).fit(X, y)
    assert cold.loss_curve_ == first_curve


def _full_network(est, X):
    """Oracle: the forward pass with every unit kept and unscaled."""
    a = X
    for coef, intercept in zip(est.coefs_[:-1], est.intercepts_[:-1]):
        a = np.tanh(a @ coef + intercept)
    return a @ est.coefs_[-1] + est.intercepts_[-1]


@both
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_prediction_and_validation_use_the_whole_network(Estimator, solver):
    X, y = DATA[Estimator]
    X_val, y_val = X[:40], y[:40]
    est = _est(Estimator, solver=solver, dropout=0.5)
    est.fit(X, y, X_val=X_val, y_val=y_val)
    out = _full_network(est, X_val)
    if Estimator is BareMLPClassifier:
        out = scipy_softmax(out, axis=1)
        val_loss = log_loss(y_val, out)
    else:
        out = out[:, 0]
        val_loss = mean_squared_error(y_val, out) / 2
    assert_allclose(_predict(est, X_val), out, rtol=1e-12)
    assert_array_equal(_predict(est, X_val), _predict(est, X_val))
    # The last epoch's validation loss is the fitted model's loss.
    assert est.validation_loss_curve_[-1] == pytest.approx(val_loss, rel=1e-12)


@both
def test_early_stopping_keeps_the_best_full_network(Estimator):
    X, y = DATA[Estimator]
    est = _est(Estimator, early_stopping=True, scoring="loss", max_iter=30)
    est.fit(X, y)
    assert est.solver_ == "adam"
    assert est.best_validation_score_ == max(est.validation_scores_)


@both
def test_sparse_and_float32_inputs_train_with_dropout(Estimator):
    X, y = DATA[Estimator]
    dense = _est(Estimator).fit(X, y)
    sparse = _est(Estimator).fit(scipy.sparse.csr_matrix(X), y)
    assert_allclose(_predict(sparse, X), _predict(dense, X), rtol=1e-10)
    # float32 drops the same units: the same model, to float32 precision.
    f32 = _est(Estimator).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in f32.coefs_)
    assert_allclose(_predict(f32, X), _predict(dense, X), atol=1e-4, rtol=1e-4)


@both
def test_lbfgs_with_dropout_is_an_error(Estimator):
    X, y = DATA[Estimator]
    est = _est(Estimator, solver="lbfgs", dropout=[0.0, 0.1])
    with pytest.raises(ValueError, match=r"dropout=\[0.0, 0.1\] needs a stochastic"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
    # A zero rate is no dropout: lbfgs is fine.
    assert _est(Estimator, solver="lbfgs", dropout=0.0).fit(X, y).solver_ == "lbfgs"


@both
def test_auto_solver_resolves_to_adam_with_dropout(Estimator):
    # Below 1,000 samples 'auto' would pick lbfgs, which cannot drop units.
    X, y = DATA[Estimator]
    assert _est(Estimator, solver="auto", dropout=0.2).fit(X, y).solver_ == "adam"
    assert _est(Estimator, solver="auto", dropout=0.0).fit(X, y).solver_ == "lbfgs"


@both
@pytest.mark.parametrize(
    "dropout, error, message",
    [
        (1.0, ValueError, r"dropout must be in the range \[0, 1\)"),
        ("high", TypeError, "dropout must be a float or a sequence"),
        ((0.1,), ValueError, "got 1 rates for 2 hidden layers"),
        ((0.1, -0.5), ValueError, r"dropout\[1\] must be in the range"),
    ],
)
def test_invalid_dropout_is_an_error_that_leaves_the_model_untouched(
    Estimator, dropout, error, message
):
    X, y = DATA[Estimator]
    est = _est(Estimator, dropout=0.0).fit(X, y)
    before = _predict(est, X)
    est.set_params(dropout=dropout)
    with pytest.raises(error, match=message):
        est.fit(X, y)
    with pytest.raises(error, match=message):
        est.partial_fit(X, y)
    assert_array_equal(_predict(est, X), before)


@both
def test_clone_and_grid_search_carry_dropout(Estimator):
    X, y = DATA[Estimator]
    assert Estimator().get_params()["dropout"] == 0.0
    est = _est(Estimator, dropout=[0.5, 0.25])
    assert clone(est).get_params()["dropout"] == [0.5, 0.25]
    search = GridSearchCV(_est(Estimator), {"dropout": [0.0, 0.5]}, cv=2).fit(X, y)
    assert search.best_estimator_.dropout in (0.0, 0.5)
    assert search.best_estimator_.solver_ == "adam"


# Checks a dropout model fails by design: a mask is drawn per row, so a row
# of weight 2 is one thinned sample counted twice, where two copies of it are
# two independently thinned samples.
_PER_ROW_MASKS = "a dropout mask per row: weight 2 differs from two copies"
FAILING_BY_DESIGN = {
    "check_sample_weight_equivalence_on_dense_data": _PER_ROW_MASKS,
    "check_sample_weight_equivalence_on_sparse_data": _PER_ROW_MASKS,
}
FAILING_BY_DESIGN_CLASSIFIER = {
    **FAILING_BY_DESIGN,
    # Measured: class 0 predicted on 0.82 of the check's unscaled 3-class
    # blobs with dropout=0.2, 0.86 with adam and no dropout; it wants 0.87.
    "check_class_weight_classifiers": "adam on unscaled, very noisy blobs",
}


@pytest.mark.parametrize(
    "estimator, failing",
    [
        (BareMLPClassifier(dropout=0.2), FAILING_BY_DESIGN_CLASSIFIER),
        (BareMLPRegressor(dropout=0.2), FAILING_BY_DESIGN),
    ],
    ids=["clf", "reg"],
)
def test_sklearn_checks_pass_with_dropout_but_those_failing_by_design(
    estimator, failing
):
    results = check_estimator(
        estimator, expected_failed_checks=failing, on_fail=None, on_skip=None
    )
    status = {}
    for result in results:
        status.setdefault(result["status"], set()).add(result["check_name"])
    assert "failed" not in status, status.get("failed")
    # Each listed check really fails (else it would be "passed").
    assert status["xfail"] == set(failing)
    assert len(status["passed"]) > 50
