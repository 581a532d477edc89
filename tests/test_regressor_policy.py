"""BareMLPRegressor's 'auto' policy: targets on their own scale, and its defects.

The regressor trains on standardised targets under ``solver='auto'`` and maps
its outputs back in ``predict``; explicit settings keep MLPRegressor's model
(test_regressor_parity.py). These tests pin the scaling against an oracle (the
same fit on targets standardised by hand), the policy's fitted choices, the
features that must keep working under it, and the defects found by using the
regressor as a user would.
"""

import warnings

import numpy as np
import pytest
from scipy.linalg import lapack
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPRegressor, _policy
from skbareback._network import Network
from skbareback._output_layer import OUTPUT_ALPHAS, ridge_output_layers
from skbareback._scaling import location_scale

SMALL = {"hidden_layer_sizes": (8,), "random_state": 0}


def _friedman(n=300, scale=1.0, shift=0.0, n_targets=1):
    X, y = make_friedman1(n, 6, noise=0.3, random_state=0)
    Y = np.column_stack([y * (k + 1) for k in range(n_targets)])
    Y = shift + scale * Y
    return X, Y[:, 0] if n_targets == 1 else Y


def _assert_rounds(offset, scale, mean, std):
    # The scale is the power of two nearest the std; the offset the mean on
    # a grid of scale / 256.
    np.testing.assert_array_equal(np.frexp(scale)[0], 0.5)
    assert (np.abs(np.log2(scale / std)) <= 0.5).all()
    assert (np.abs(offset - mean) <= scale / 512).all()


def test_location_scale_is_the_weighted_mean_and_std_rounded():
    rng = np.random.RandomState(0)
    Y, sw = rng.normal(5, 3, size=(50, 2)), rng.uniform(0, 2, 50)
    offset, scale = location_scale(Y, sw, "squared_error")
    mean = np.average(Y, axis=0, weights=sw)
    std = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=sw))
    _assert_rounds(offset, scale, mean, std)


def test_location_scale_integer_weights_are_repeated_rows():
    rng = np.random.RandomState(0)
    Y, sw = rng.normal(size=(20, 1)), rng.randint(0, 4, 20)
    weighted = location_scale(Y, sw.astype(float), "squared_error")
    repeated = location_scale(np.repeat(Y, sw, axis=0), None, "squared_error")
    np.testing.assert_array_equal(weighted, repeated)


@pytest.mark.parametrize("magnitude", [1e-300, 1.0, 1e200, 1e307])
def test_location_scale_is_finite_at_any_magnitude(magnitude):
    Y = magnitude * np.array([[1.0], [2.0], [4.0], [-1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        offset, scale = location_scale(Y, None, "squared_error")
    assert np.isfinite(offset).all() and np.isfinite(scale).all()
    Z = Y / magnitude
    _assert_rounds(offset, scale, magnitude * Z.mean(0), magnitude * Z.std(0))


def test_location_scale_of_constant_and_poisson_targets():
    offset, scale = location_scale(np.full((5, 1), 7.0), None, "squared_error")
    assert (offset, scale) == (7.0, 1.0)
    counts = np.array([[0.0], [2.0], [4.0]])
    offset, scale = location_scale(counts, None, "poisson")
    assert (offset, scale) == (0.0, 2.0)
    assert location_scale(np.zeros((3, 1)), None, "poisson")[1] == 1.0


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_scaled_fit_is_the_fit_on_standardised_targets(solver):
    # The oracle: the same network trained on targets standardised by hand,
    # its predictions mapped back.
    X, y = _friedman(scale=1000.0, shift=5e4)
    params = dict(SMALL, solver=solver, max_iter=30)
    scaled = BareMLPRegressor(scale_target=True, **params).fit(X, y)
    (m,), (s,) = scaled.target_offset_, scaled.target_scale_
    _assert_rounds(m, s, y.mean(), y.std())
    by_hand = BareMLPRegressor(**params).fit(X, (y - m) / s)
    np.testing.assert_allclose(
        scaled.predict(X), m + s * by_hand.predict(X), rtol=1e-12
    )
    assert scaled.loss_curve_ == pytest.approx(by_hand.loss_curve_, rel=1e-10)


def test_explicit_solver_trains_on_raw_targets():
    X, y = _friedman(scale=10.0)
    reg = BareMLPRegressor(solver="adam", max_iter=5, **SMALL).fit(X, y)
    assert (reg.target_offset_, reg.target_scale_) == (0.0, 1.0)
    off = BareMLPRegressor(scale_target=False, **SMALL).fit(X, y)
    assert (off.target_offset_, off.target_scale_) == (0.0, 1.0)


def test_scale_target_is_validated():
    X, y = _friedman()
    with pytest.raises(TypeError, match="scale_target must be a bool or 'auto'"):
        BareMLPRegressor(scale_target="yes").fit(X, y)


@pytest.mark.parametrize("scale, shift", [(1.0, 0.0), (1e4, 1e6), (1e-4, -3.0)])
def test_defaults_learn_targets_on_any_scale(scale, shift):
    X, y = _friedman(600, scale, shift)
    # Standardised inputs, which the unit prior assumes. On Friedman's raw
    # [0, 1] inputs L-BFGS can stop on the linear fit's plateau (the user
    # guide's regression page): with scale 1e4 and shift 1e6, seeds 1 to 4
    # reach R2 0.68-0.78 there, seed 0 0.90; standardised, all five 0.98.
    X = StandardScaler().fit(X[:500]).transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = BareMLPRegressor(random_state=0).fit(X[:500], y[:500])
    assert (reg.solver_, reg.alpha_ in (1.0, 0.3)) == ("lbfgs", True)
    assert r2_score(y[500:], reg.predict(X[500:])) > 0.95


def test_defaults_beat_a_linear_model_on_a_curved_table():
    X, y = _friedman(600, 1e3, 1e4)
    ridge = cross_val_score(Ridge(), X, y, cv=3).mean()
    ours = cross_val_score(BareMLPRegressor(random_state=0), X, y, cv=3).mean()
    assert ours > ridge + 0.1


def test_defaults_on_diabetes_match_a_linear_model_without_warnings():
    # MLPRegressor() scores about -1 here (raw targets in the hundreds).
    X, y = load_diabetes(return_X_y=True)
    model = make_pipeline(StandardScaler(), BareMLPRegressor(random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        score = cross_val_score(model, X, y, cv=5).mean()
    assert score > 0.44


@pytest.mark.parametrize("magnitude", [1e9, 1e200])
def test_defaults_train_on_huge_targets(magnitude):
    X, y = _friedman(300)
    reg = BareMLPRegressor(random_state=0).fit(X, magnitude * y)
    assert np.isfinite(reg.loss_)
    # Trained, not stalled at a constant (R2 about -1 before the scaling);
    # where early stopping ends varies with the last bits of the targets.
    assert r2_score(y, reg.predict(X) / magnitude) > 0.7


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_explicit_solver_on_overflowing_targets_says_why(solver):
    X, y = _friedman(100)
    reg = BareMLPRegressor(solver=solver, **SMALL)
    with pytest.raises(ValueError, match=r"Cannot train.*scale_target=True"):
        reg.fit(X, 1e200 * y)


def test_lbfgs_stalled_by_huge_targets_says_so():
    # SciPy calls it converged after one iteration: the saturated network
    # predicts no better than a constant.
    X, y = _friedman(200)
    reg = BareMLPRegressor(solver="lbfgs", **SMALL)
    with pytest.warns(ConvergenceWarning, match="no lower than predicting a const"):
        reg.fit(X, 1e9 * y)
    assert reg.n_iter_ == 1


def test_lbfgs_out_of_budget_names_the_scaling():
    X, y = _friedman(200)
    with pytest.warns(ConvergenceWarning, match="scale_target=True"):
        BareMLPRegressor(solver="lbfgs", max_iter=3, **SMALL).fit(X, 1e6 * y)


def test_a_batch_of_large_targets_is_no_divergence():
    # Two targets 5000 times the others: the batch holding one costs tens of
    # thousands of times the first batch, while training goes well.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1000, 4))
    y = X[:, 0] + 0.1 * rng.normal(size=1000)
    y[[500, 900]] = 5000.0
    reg = BareMLPRegressor(solver="adam", max_iter=3, **SMALL).fit(X, y)
    assert reg.n_iter_ == 3
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


def test_divergence_is_still_caught_by_the_trend():
    X, y = _friedman(300)
    reg = BareMLPRegressor(solver="sgd", learning_rate_init=1.0, max_iter=50, **SMALL)
    with pytest.raises(ValueError, match="Training diverged"):
        reg.fit(X, 100 * y)


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "adam"])
def test_unit_weights_are_no_weights(solver):
    X, y = _friedman(300)
    params = dict(SMALL, solver=solver)
    if solver != "auto":
        params["max_iter"] = 50
    plain = BareMLPRegressor(**params).fit(X, y)
    unit = BareMLPRegressor(**params).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(plain.predict(X), unit.predict(X))
    assert plain.loss_curve_ == unit.loss_curve_


def test_sample_weights_scale_and_train_under_the_policy():
    X, y = _friedman(400, 100.0)
    sw = np.where(np.arange(400) < 200, 3.0, 1.0)
    reg = BareMLPRegressor(**SMALL).fit(X, y, sample_weight=sw)
    mean = np.average(y, weights=sw)
    std = np.sqrt(np.average((y - mean) ** 2, weights=sw))
    _assert_rounds(reg.target_offset_, reg.target_scale_, mean, std)
    assert r2_score(y, reg.predict(X), sample_weight=sw) > 0.85
    # Zero weights leave those rows out of the fit, scale included.
    zero = np.where(np.arange(400) < 200, 1.0, 0.0)
    reg = BareMLPRegressor(early_stopping=False, **SMALL).fit(X, y, sample_weight=zero)
    _assert_rounds(reg.target_offset_, reg.target_scale_, y[:200].mean(), y[:200].std())


def test_multi_output_targets_on_different_scales():
    X, Y = _friedman(400, n_targets=3)
    Y = Y * np.array([1.0, 1e3, 1e-3])
    reg = BareMLPRegressor(**SMALL).fit(X, Y)
    assert reg.target_scale_.shape == (3,)
    assert r2_score(Y, reg.predict(X), multioutput="raw_values").min() > 0.85


def test_poisson_scaled_by_the_mean_stays_positive():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    y = rng.poisson(200 * np.exp(0.5 * X[:, 0])).astype(float)
    reg = BareMLPRegressor(loss="poisson", **SMALL).fit(X, y)
    assert reg.target_offset_ == 0.0
    _assert_rounds(0.0, reg.target_scale_, 0.0, y.mean())
    pred = reg.predict(X)
    assert pred.min() > 0
    assert r2_score(y, pred) > 0.8


def test_partial_fit_keeps_the_first_calls_scale():
    X, y = _friedman(400, 50.0, 200.0)
    reg = BareMLPRegressor(**SMALL).partial_fit(X[:200], y[:200])
    assert reg.solver_ == "adam"
    offset = reg.target_offset_.copy()
    _assert_rounds(offset, reg.target_scale_, y[:200].mean(), y[:200].std())
    for _ in range(3):
        reg.partial_fit(X[200:], y[200:])
    np.testing.assert_array_equal(reg.target_offset_, offset)
    assert reg.t_ == 800


def test_warm_start_keeps_the_scale_and_continues():
    X, y = _friedman(300, 20.0)
    reg = BareMLPRegressor(warm_start=True, **SMALL).fit(X, y)
    scale, n_before = reg.target_scale_.copy(), len(reg.loss_curve_)
    reg.fit(X, 2 * y)
    np.testing.assert_array_equal(reg.target_scale_, scale)
    assert len(reg.loss_curve_) > n_before


def test_user_validation_set_is_scaled_like_the_training_targets():
    X, y = _friedman(400, 1e3, 1e5)
    reg = BareMLPRegressor(**SMALL).fit(X[:300], y[:300], X_val=X[300:], y_val=y[300:])
    # The validation loss is half the squared error on the standardised scale.
    err = (reg.predict(X[300:]) - y[300:]) / reg.target_scale_
    assert -reg.best_validation_score_ == pytest.approx(0.5 * np.mean(err**2))


def test_random_state_reproduces_a_default_fit():
    X, y = _friedman(300, 10.0)
    a = BareMLPRegressor(random_state=3).fit(X, y).predict(X)
    b = BareMLPRegressor(random_state=3).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


def test_default_fit_holds_out_a_fifth():
    X, y = _friedman(300, 10.0)
    auto = BareMLPRegressor(**SMALL).fit(X, y)
    assert auto.validation_fraction_ == 0.2
    fifth = BareMLPRegressor(**SMALL, validation_fraction=0.2).fit(X, y)
    tenth = BareMLPRegressor(**SMALL, validation_fraction=0.1).fit(X, y)
    np.testing.assert_array_equal(auto.predict(X), fifth.predict(X))
    assert auto.validation_scores_ == fifth.validation_scores_
    assert auto.validation_scores_ != tenth.validation_scores_
    assert tenth.validation_fraction_ == 0.1
    # An explicit solver keeps MLPRegressor's tenth.
    explicit = BareMLPRegressor(**SMALL, solver="adam", early_stopping=True)
    assert explicit.fit(X, y).validation_fraction_ == 0.1


@pytest.mark.parametrize(
    "n_samples, params, sizes",
    [
        (120, {}, (50,)),
        (40, {}, (100,)),  # too few to stop early: trained to convergence
        (120, {"early_stopping": False}, (100,)),
        (120, {"early_stopping": True}, (100,)),
        (120, {"solver": "lbfgs"}, (100,)),
        (120, {"solver": "adam", "max_iter": 5}, (100,)),
        (120, {"hidden_layer_sizes": (7, 3)}, (7, 3)),
        (120, {"hidden_layer_sizes": 9, "solver": "sgd", "max_iter": 5}, (9,)),
    ],
)
def test_auto_hidden_layer_sizes_halve_where_the_policy_stops_early(
    n_samples, params, sizes
):
    X, y = _friedman(n_samples, 10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = BareMLPRegressor(random_state=0, **params).fit(X, y)
    assert reg.get_params()["hidden_layer_sizes"] == params.get(
        "hidden_layer_sizes", "auto"
    )
    assert reg.hidden_layer_sizes_ == sizes
    assert [c.shape[1] for c in reg.coefs_[:-1]] == list(sizes)


def test_auto_hidden_layer_sizes_are_the_explicit_ones():
    # 'auto' names a size; it is the same model as that size given.
    X, y = _friedman(200, 10.0)
    auto = BareMLPRegressor(random_state=1).fit(X, y)
    given = BareMLPRegressor(hidden_layer_sizes=(50,), random_state=1).fit(X, y)
    np.testing.assert_array_equal(auto.predict(X), given.predict(X))
    mlp = BareMLPRegressor(solver="lbfgs", max_iter=30, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = mlp.fit(X, y).predict(X)
        b = mlp.set_params(hidden_layer_sizes=(100,)).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


def test_auto_hidden_layer_sizes_are_kept_by_the_calls_that_continue():
    X, y = _friedman(300, 10.0)
    online = BareMLPRegressor(random_state=0).partial_fit(X, y)
    assert online.hidden_layer_sizes_ == (100,)
    warm = BareMLPRegressor(random_state=0, warm_start=True).fit(X, y)
    n_iter = len(warm.loss_curve_)
    # Each continues the 50 units of the first fit, whatever its own plan:
    # partial_fit and an explicit solver train without early stopping.
    warm.partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.set_params(solver="adam", max_iter=3).fit(X, y)
    assert warm.hidden_layer_sizes_ == (50,) and warm.coefs_[0].shape == (6, 50)
    assert len(warm.loss_curve_) == n_iter + 4
    # Explicit sizes that differ from the fitted ones still refuse to go on.
    with pytest.raises(ValueError, match="implied by hidden_layer_sizes"):
        warm.set_params(hidden_layer_sizes=(100,)).fit(X, y)
    # A fresh fit resolves 'auto' again: for adam, MLPRegressor's 100.
    warm.set_params(hidden_layer_sizes="auto", warm_start=False, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert warm.fit(X, y).hidden_layer_sizes_ == (100,)


def test_auto_hidden_layer_sizes_are_one_layer_for_dropout():
    X, y = _friedman(120, 10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = BareMLPRegressor(dropout=[0.1], max_iter=2, random_state=0).fit(X, y)
    assert (reg.solver_, reg.hidden_layer_sizes_) == ("adam", (50,))
    with pytest.raises(ValueError, match="got 2 rates for 1 hidden layers"):
        BareMLPRegressor(dropout=[0.1, 0.1]).fit(X, y)


def test_classifier_auto_hidden_layer_sizes_are_mlpclassifiers():
    from skbareback import BareMLPClassifier

    X, y = _friedman(200)
    clf = BareMLPClassifier(hidden_layer_sizes="auto", random_state=0)
    assert clf.fit(X, y > y.mean()).hidden_layer_sizes_ == (100,)


def test_regression_stops_early_from_41_samples():
    # From 41 samples a fifth is 9 validation samples: each a continuous
    # error, enough to stop on (the classifier waits for 10, from 91).
    X, y = _friedman(80, 100.0)
    reg = BareMLPRegressor(random_state=0).fit(X, y)
    assert (reg.solver_, reg.alpha_ in (1.0, 0.3)) == ("lbfgs", True)
    assert len(reg.validation_scores_) == reg.n_iter_
    tiny = BareMLPRegressor(random_state=0).fit(X[:40], y[:40])
    assert (tiny.solver_, tiny.alpha_, tiny.validation_scores_) == ("lbfgs", 0.01, None)


def test_no_constant_loss_warning_on_noise_under_early_stopping():
    # The early-stopped weights on pure noise can lose to a constant on the
    # training loss: that is the validation set's choice, not a stall.
    # (Unscaled inputs around 100, as scikit-learn's check_fit_idempotent.)
    rng = np.random.RandomState(0)
    X, y = rng.normal(loc=100, size=(80, 2)), rng.normal(size=80)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = BareMLPRegressor(random_state=0).fit(X, y)
    assert reg.validation_scores_ is not None


# ------------------------------------------------ the solved output layer


def _curved(n_targets=1, weighted=False):
    X, y = make_friedman1(300, 6, noise=0.3, random_state=0)
    X = StandardScaler().fit_transform(X)
    Y = y if n_targets == 1 else np.column_stack([y, -2 * y + X[:, 0]])
    sw = np.random.RandomState(5).uniform(0.5, 2, 300) if weighted else None
    return X, Y, sw


def _hidden(reg, X):
    return np.tanh(X @ reg.coefs_[0] + reg.intercepts_[0])


@pytest.mark.parametrize("n_targets", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_solved_output_layer_is_ridge_on_every_training_row(n_targets, weighted):
    X, Y, sw = _curved(n_targets, weighted)
    reg = BareMLPRegressor(hidden_layer_sizes=(8,), random_state=5)
    reg.fit(X, Y, sample_weight=sw)
    assert reg.output_alpha_ in OUTPUT_ALPHAS
    Ys = (Y.reshape(len(X), -1) - reg.target_offset_) / reg.target_scale_
    # The loss averages over the outputs, the penalty does not: per output,
    # a ridge regression with the penalty times the number of outputs.
    oracle = Ridge(alpha=reg.output_alpha_ * n_targets)
    oracle.fit(_hidden(reg, X), Ys, sample_weight=sw)
    coef = np.reshape(oracle.coef_.T, reg.coefs_[-1].shape)
    np.testing.assert_allclose(reg.coefs_[-1], coef, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(reg.intercepts_[-1], np.ravel(oracle.intercept_))


@pytest.mark.parametrize("weighted", [False, True])
def test_held_out_predictions_are_leave_one_out_refits(weighted):
    rng = np.random.RandomState(0)
    net = Network([3, 5, 2], "tanh", "identity", "squared_error", 1.0, True)
    params = net.init_params(rng, "glorot", np.float64)
    X, Y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    sw = rng.uniform(0.5, 2, 12) if weighted else None
    held = slice(0, 4)
    val = (X[held], Y[held], None if sw is None else sw[held])
    coefs, intercepts = net.unpack(params)
    H = np.tanh(X @ coefs[0] + intercepts[0])
    solutions = ridge_output_layers(net, params, (X, Y, sw), val, True, (0.1, 3.0), 5)
    for alpha, coef, intercept, predictions in solutions:
        whole = Ridge(alpha=2 * alpha).fit(H, Y, sample_weight=sw)
        np.testing.assert_allclose(coef, whole.coef_.T, rtol=1e-10)
        np.testing.assert_allclose(intercept, whole.intercept_, rtol=1e-10)
        for i in range(4):
            keep = np.arange(12) != i
            oracle = Ridge(alpha=2 * alpha).fit(
                H[keep], Y[keep], sample_weight=None if sw is None else sw[keep]
            )
            np.testing.assert_allclose(predictions[i], oracle.predict(H[i : i + 1])[0])
    # Rows outside the fit (a user's validation set) are predicted as they are.
    [(_, coef, intercept, predictions)] = ridge_output_layers(
        net, params, (X, Y, sw), val, False, (1.0,), 5
    )
    np.testing.assert_allclose(predictions, H[held] @ coef + intercept)


@pytest.mark.parametrize("seed", range(4))
def test_kept_output_layer_never_raises_the_held_out_loss(seed, monkeypatch):
    X, Y, _ = _curved()
    reg = BareMLPRegressor(hidden_layer_sizes=(8,), random_state=seed).fit(X, Y)
    # The same fit without the step: its validation loss is the trained
    # layer's (not the curve's minimum, which holds a rejected continuation).
    monkeypatch.setattr(_policy, "OUTPUT_ALPHAS", ())
    trained = BareMLPRegressor(hidden_layer_sizes=(8,), random_state=seed).fit(X, Y)
    assert trained.output_alpha_ is None
    for a, b in zip(reg.coefs_[:-1], trained.coefs_[:-1]):
        np.testing.assert_array_equal(a, b)
    if reg.output_alpha_ is None:
        assert reg.best_validation_score_ == trained.best_validation_score_
        np.testing.assert_array_equal(reg.coefs_[-1], trained.coefs_[-1])
    else:
        assert reg.best_validation_score_ > trained.best_validation_score_


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "lbfgs", "max_iter": 30},
        {"loss": "poisson"},
        {"scoring": "r2"},
        {"early_stopping": False},
    ],
)
def test_output_layer_is_solved_only_under_the_squared_error_policy(params):
    X, Y, _ = _curved()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = BareMLPRegressor(hidden_layer_sizes=(8,), random_state=5, **params)
        reg.fit(X, np.abs(Y))
    assert reg.output_alpha_ is None


def test_partial_fit_forgets_the_solved_output_layer():
    X, Y, _ = _curved()
    reg = BareMLPRegressor(hidden_layer_sizes=(8,), random_state=5).fit(X, Y)
    assert reg.output_alpha_ is not None
    assert reg.partial_fit(X, Y).output_alpha_ is None


def test_a_penalty_lost_in_rounding_is_skipped(monkeypatch):
    # Against huge sample weights a penalty can vanish in rounding and leave
    # the matrix unfactorable: that penalty yields no layer, the others do.
    rng = np.random.RandomState(0)
    net = Network([3, 4, 1], "tanh", "identity", "squared_error", 1.0, True)
    params = net.init_params(rng, "glorot", np.float64)
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    factor, calls = lapack.dpotrf, []

    def dpotrf(a, lower):
        calls.append(a)
        if len(calls) == 2:
            return a, 3  # LAPACK: the leading minor of order 3 is not positive
        return factor(a, lower=lower)

    monkeypatch.setattr(lapack, "dpotrf", dpotrf)
    fit = val = (X, Y, None)
    solutions = ridge_output_layers(net, params, fit, val, True, OUTPUT_ALPHAS, 4)
    assert [alpha for alpha, *_ in solutions] == [0.1, 10.0]
