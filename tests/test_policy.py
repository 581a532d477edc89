"""The 'auto' policy: each rule on its own, then as the estimator applies it."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier, BareMLPRegressor
from skbareback._policy import (
    ADAM_MIN_SAMPLES,
    ALPHA_CONTINUATION,
    ALPHA_PRIOR,
    ALPHA_WEAK,
    AUTO_MAX_ITER,
    CONTINUATION_MIN_EXPLAINED,
    FIRST_STAGE_MAX_ITER,
    LBFGS_PATIENCE_FACTOR,
    MIN_VALIDATION_SAMPLES,
    MLP_MAX_ITER,
    MLP_VALIDATION_FRACTION,
    VALIDATION_FRACTION,
    auto_early_stopping,
    auto_solver,
    max_iter_bound,
    plan,
    significantly_lower,
    validation_size,
)

AUTO = BareMLPClassifier().get_params()


def test_defaults_are_left_to_the_policy():
    for name in ("solver", "alpha", "max_iter", "early_stopping", "batch_size"):
        assert AUTO[name] == "auto", name


@pytest.mark.parametrize(
    "n_samples, incremental, expected",
    [
        (4, False, "lbfgs"),
        (ADAM_MIN_SAMPLES - 1, False, "lbfgs"),
        (ADAM_MIN_SAMPLES, False, "adam"),
        (4, True, "adam"),
    ],
)
def test_auto_solver(n_samples, incremental, expected):
    assert auto_solver(n_samples, incremental) == expected


def test_dropout_needs_a_stochastic_solver():
    assert auto_solver(500, False, dropout=True) == "adam"
    p = plan(AUTO, n_samples=500, dropout=True)
    assert (p.solver, p.early_stopping, p.alpha) == ("adam", True, ALPHA_WEAK)


def test_validation_size_rounds_up_as_train_test_split():
    from sklearn.model_selection import train_test_split

    for n in (9, 91, 100, 101, 1234):
        _, held_out = train_test_split(np.arange(n), test_size=0.1)
        assert validation_size(n, 0.1) == len(held_out)


def test_early_stopping_needs_a_large_enough_validation_set():
    # ceil(0.1 * 90) = 9 samples are too few to stop on; ceil(0.1 * 91) = 10.
    # The regressor's continuous errors need 9 of its fifth: from 41 samples.
    assert MIN_VALIDATION_SAMPLES == {False: 10, True: 9}
    assert not auto_early_stopping(90, 0.1, has_validation_set=False)
    assert auto_early_stopping(91, 0.1, has_validation_set=False)
    assert not auto_early_stopping(40, 0.2, False, regression=True)
    assert auto_early_stopping(41, 0.2, False, regression=True)
    assert auto_early_stopping(50, 0.2, has_validation_set=False)
    assert auto_early_stopping(4, 0.1, has_validation_set=True)


def test_the_regressors_policy_holds_out_a_fifth():
    regressor = {**AUTO, "validation_fraction": "auto"}
    assert VALIDATION_FRACTION == {False: 0.1, True: 0.2}
    assert plan(regressor, 500, regression=True).validation_fraction == 0.2
    assert plan(regressor, 500).validation_fraction == 0.1
    # Tiny data train on everything, from the same 41 samples on as before.
    assert not plan(regressor, 40, regression=True).early_stopping
    assert plan(regressor, 41, regression=True).early_stopping
    # Outside the policy, 'auto' is MLPRegressor's 0.1; a number is kept.
    for change in ({"solver": "lbfgs"}, {"early_stopping": True}):
        p = plan({**regressor, **change}, 500, regression=True)
        assert p.validation_fraction == MLP_VALIDATION_FRACTION == 0.1
    kept = plan({**AUTO, "validation_fraction": 0.3}, 500, regression=True)
    assert kept.validation_fraction == 0.3


def test_tiny_data_converge_with_the_weak_penalty():
    p = plan(AUTO, n_samples=4)
    assert (p.solver, p.early_stopping, p.alpha) == ("lbfgs", False, ALPHA_WEAK)
    assert p.max_iter == AUTO_MAX_ITER["lbfgs"]
    assert p.scoring is None


def test_small_data_stop_on_the_validation_loss_under_a_normal_prior():
    p = plan(AUTO, n_samples=500)
    assert (p.solver, p.early_stopping, p.scoring) == ("lbfgs", True, "loss")
    assert p.alpha == ALPHA_PRIOR == 1.0
    assert p.patience == LBFGS_PATIENCE_FACTOR * AUTO["n_iter_no_change"]
    assert p.continuation == ALPHA_CONTINUATION == (0.3,)
    assert p.first_stage_max_iter == FIRST_STAGE_MAX_ITER == MLP_MAX_ITER


@pytest.mark.parametrize(
    "change",
    [{"alpha": 1.0}, {"scoring": "accuracy"}, {"solver": "lbfgs"}, {"solver": "adam"}],
)
def test_only_the_policy_continues_at_a_weaker_penalty(change):
    # An explicit alpha is kept, and the rule needs per-sample losses.
    p = plan({**AUTO, **change}, n_samples=500)
    assert (p.continuation, p.first_stage_max_iter) == ((), None)


@pytest.mark.parametrize("k, lower", [(1.01, True), (0.99, False), (-2.0, False)])
def test_significantly_lower_is_the_one_standard_error_rule(k, lower):
    # Paired gains with a mean of exactly k standard errors.
    z = np.random.default_rng(0).normal(size=50)
    gain = (z - z.mean()) / z.std(ddof=1) + k / np.sqrt(z.size)
    baseline = np.random.default_rng(1).exponential(size=z.size) + 3
    assert significantly_lower(baseline - gain, baseline) is lower


def test_one_sample_is_never_significantly_lower():
    assert not significantly_lower([0.1], [5.0])
    assert not significantly_lower([0.1, 0.2], [5.0, 5.0], [1.0, 0.0])


def test_significantly_lower_weights_as_kish_effective_samples():
    rng = np.random.default_rng(0)
    baseline = rng.exponential(size=40) + 1
    for shift in np.linspace(-0.3, 0.3, 13):
        losses = baseline - shift + rng.normal(scale=0.5, size=40)
        plain = significantly_lower(losses, baseline)
        # Equal weights change nothing; a zero weight drops its sample.
        assert significantly_lower(losses, baseline, np.full(40, 3.0)) is plain
        w = np.r_[np.ones(40), 0.0]
        extra = significantly_lower(np.r_[losses, 9.0], np.r_[baseline, 0.0], w)
        assert extra is plain


def test_large_data_use_adam_with_early_stopping_and_the_weak_penalty():
    p = plan(AUTO, n_samples=ADAM_MIN_SAMPLES)
    assert (p.solver, p.early_stopping, p.scoring) == ("adam", True, "loss")
    assert p.alpha == ALPHA_WEAK
    assert p.max_iter == AUTO_MAX_ITER["adam"]
    assert p.patience == AUTO["n_iter_no_change"]


def test_partial_fit_runs_adam_without_early_stopping():
    p = plan(AUTO, n_samples=500, incremental=True)
    assert (p.solver, p.early_stopping, p.alpha) == ("adam", False, ALPHA_WEAK)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_an_explicit_solver_gets_mlpclassifier_meanings(solver):
    p = plan({**AUTO, "solver": solver}, n_samples=500)
    assert p.solver == solver
    assert (p.max_iter, p.early_stopping, p.scoring) == (MLP_MAX_ITER, False, None)
    assert p.alpha == ALPHA_WEAK
    assert p.patience == AUTO["n_iter_no_change"]


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "adam"])
def test_explicit_settings_are_kept(solver):
    explicit = dict(
        solver=solver, alpha=1e-4, max_iter=37, early_stopping=True, scoring="f1"
    )
    p = plan({**AUTO, **explicit}, n_samples=500)
    assert (p.alpha, p.max_iter, p.early_stopping, p.scoring) == (
        1e-4,
        37,
        True,
        "f1",
    )


def test_explicit_no_early_stopping_under_auto_converges_with_the_weak_penalty():
    p = plan({**AUTO, "early_stopping": False}, n_samples=500)
    assert (p.solver, p.early_stopping, p.alpha) == ("lbfgs", False, ALPHA_WEAK)


def test_max_iter_bound():
    assert max_iter_bound(7) == 7
    assert max_iter_bound("auto") >= max(AUTO_MAX_ITER.values())


# ------------------------------------------------ applied by the estimator


@pytest.fixture(scope="module")
def noisy():
    return make_classification(300, 8, flip_y=0.2, random_state=0)


def test_auto_fit_stops_on_the_validation_loss_and_keeps_its_params(noisy):
    clf = BareMLPClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(*noisy)
    assert clf.solver_ == "lbfgs"
    assert len(clf.validation_loss_curve_) == clf.n_iter_
    # The kept weights are those of one of the iterations.
    assert -clf.best_validation_score_ in clf.validation_loss_curve_
    assert clf.get_params() == AUTO | {"random_state": 0}
    assert not hasattr(clf, "_plan")


@pytest.fixture(scope="module")
def moons_split():
    # The split (of eight) on which alpha=1 holds the network near-linear.
    X, y = make_moons(600, noise=0.2, random_state=3)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=3)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def test_the_continuation_frees_a_network_held_near_linear(moons_split):
    X_train, X_test, y_train, y_test = moons_split
    held = BareMLPClassifier(alpha=1.0, random_state=3).fit(X_train, y_train)
    freed = BareMLPClassifier(random_state=3).fit(X_train, y_train)
    assert held.alpha_ == 1.0 and held.score(X_test, y_test) < 0.9
    assert freed.alpha_ == 0.3 and freed.score(X_test, y_test) > 0.95
    assert freed.n_iter_ > held.n_iter_


@pytest.mark.parametrize("data", ["moons", "noisy"])
def test_the_kept_weights_score_the_best_validation_score(data, moons_split, noisy):
    # Kept on moons, rejected on noisy labels: either way the model returned
    # is the one whose validation loss best_validation_score_ reports.
    if data == "moons":
        (X, _, y, _), n, kept = moons_split, 400, 0.3
    else:
        (X, y), n, kept = noisy, 240, 1.0
    clf = BareMLPClassifier(random_state=3).fit(X[:n], y[:n], X_val=X[n:], y_val=y[n:])
    assert clf.alpha_ == kept
    assert -clf.best_validation_score_ == pytest.approx(
        log_loss(y[n:], clf.predict_proba(X[n:]))
    )


def test_the_regressor_continues_only_a_well_explained_fit():
    # Weighted too, and reproducibly: a noisy target stays under the unit
    # prior (the first stage uncapped); a noiseless curve is continued.
    from skbareback import BareMLPRegressor

    auto = BareMLPRegressor().get_params()
    regression = plan(auto, 500, regression=True)
    assert regression.continuation == ALPHA_CONTINUATION
    assert regression.continuation_min_explained == CONTINUATION_MIN_EXPLAINED[True]
    assert regression.first_stage_max_iter is None
    assert plan(auto, 500).continuation_min_explained == 0.0
    X, y = make_moons(400, noise=0.2, random_state=0)
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    a, b = (BareMLPRegressor(random_state=0).fit(X, y, sample_weight=sw) for _ in "ab")
    assert (a.alpha_, a.solver_) == (1.0, "lbfgs")
    assert -a.best_validation_score_ > 0.1 * 0.5  # explains under 90%
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.score(X, y) > 0.5
    X = np.linspace(-2, 2, 50).reshape(-1, 1)
    curve = BareMLPRegressor(hidden_layer_sizes=(10,), random_state=0)
    curve.fit(X, 1000 + 50 * X[:, 0] ** 2)
    assert curve.alpha_ == ALPHA_CONTINUATION[0]


def test_the_continuation_stays_within_max_iter(moons_split):
    X_train, _, y_train, _ = moons_split
    with pytest.warns(ConvergenceWarning, match="after 5 iteration"):
        clf = BareMLPClassifier(max_iter=5, random_state=3).fit(X_train, y_train)
    assert (clf.n_iter_, clf.alpha_, len(clf.loss_curve_)) == (5, 1.0, 5)


def test_auto_fit_is_reproducible(noisy):
    X, y = noisy
    a = BareMLPClassifier(random_state=3).fit(X, y).predict_proba(X)
    b = BareMLPClassifier(random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_auto_probabilities_are_calmer_than_a_converged_fit(noisy):
    # On noisy labels a converged fit is sure of its training mistakes; the
    # policy's stopped, penalised fit is not.
    X, y = noisy
    stopped = BareMLPClassifier(random_state=0).fit(X[:240], y[:240])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        converged = BareMLPClassifier(
            random_state=0, early_stopping=False, alpha=1e-4
        ).fit(X[:240], y[:240])
    test = slice(240, None)
    assert log_loss(y[test], stopped.predict_proba(X[test])) < log_loss(
        y[test], converged.predict_proba(X[test])
    )


@pytest.mark.parametrize(
    "name, value, error",
    [
        ("early_stopping", "yes", TypeError),
        ("max_iter", "many", TypeError),
        ("alpha", "strong", TypeError),
        ("alpha", -1.0, ValueError),
    ],
)
def test_auto_settings_reject_bad_values(noisy, name, value, error):
    with pytest.raises(error, match=name):
        BareMLPClassifier(**{name: value}).fit(*noisy)


def test_a_halted_fit_runs_no_continuation(moons_split, monkeypatch):
    # A callback that stops training ends the fit there: the iterations are
    # those of the first stage, counted once, and no warning is raised.
    from skbareback import _training

    ends = []

    def stop_at_the_fourth(hooks):
        ends.append(1)
        return len(ends) == 4

    monkeypatch.setattr(_training.EpochHooks, "end", stop_at_the_fourth)
    X_train, _, y_train, _ = moons_split
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = BareMLPClassifier(random_state=3).fit(X_train, y_train)
    assert (clf.n_iter_, len(clf.loss_curve_), clf.alpha_) == (4, 4, 1.0)


def test_the_continuation_takes_over_after_the_first_stage_budget():
    # With a patience longer than the budget, the first stage runs exactly
    # FIRST_STAGE_MAX_ITER iterations under alpha=1, as an explicit alpha=1
    # fit does, then the continuation goes on; no warning either way.
    X, y = make_classification(600, 20, n_informative=10, random_state=0)
    params = dict(n_iter_no_change=1000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auto = BareMLPClassifier(**params).fit(X, y)
        held = BareMLPClassifier(alpha=1.0, **params).fit(X, y)
    n = FIRST_STAGE_MAX_ITER
    assert held.n_iter_ > n and auto.n_iter_ > n
    assert auto.loss_curve_[:n] == held.loss_curve_[:n]
    assert auto.loss_curve_[n] != held.loss_curve_[n]


def test_array_api_data_train_with_adam():
    # SciPy's L-BFGS needs host arrays: 'auto' picks adam for array API data
    # of any size, and an explicit 'lbfgs' is refused.
    from skbareback import BareMLPClassifier
    from skbareback._policy import auto_solver, plan

    assert auto_solver(100, incremental=False, array_api=True) == "adam"
    params = BareMLPClassifier().get_params()
    assert plan(params, 100, array_api=True).solver == "adam"
    assert plan(params, 100).solver == "lbfgs"
    with pytest.raises(ValueError, match="solver='lbfgs'"):
        plan({**params, "solver": "lbfgs"}, 100, array_api=True)


def _weighted_data(n=300):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 4))
    y = 3 * X[:, 0] + np.sin(2 * X[:, 1]) + 0.1 * rng.normal(size=n)
    # Interleaved zeros, and integer weights on the other rows.
    weights = (rng.uniform(size=n) < 0.4) * rng.randint(1, 3, n).astype(float)
    return X, y, weights


def _outputs(est, X):
    return est.predict(X) if isinstance(est, BareMLPRegressor) else est.predict_proba(X)


@pytest.mark.parametrize("Estimator", [BareMLPClassifier, BareMLPRegressor])
@pytest.mark.parametrize("solver", ["auto", "adam"])
def test_zero_weights_under_auto_are_rows_left_out(Estimator, solver):
    X, y, weights = _weighted_data()
    y = y if Estimator is BareMLPRegressor else (y > 0).astype(int)
    kept = weights > 0
    params = {"hidden_layer_sizes": (5,), "random_state": 0, "solver": solver}
    if solver == "adam":
        params["max_iter"] = 30  # an explicit solver: MLPClassifier's rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = Estimator(**params).fit(X, y, sample_weight=weights)
        left_out = Estimator(**params).fit(X[kept], y[kept], weights[kept])
    same = np.array_equal(_outputs(weighted, X), _outputs(left_out, X))
    # Under 'auto' the same model bit for bit (stopped early on a validation
    # split of the weighted rows); an explicit solver keeps the zero-weight
    # rows in its split and minibatches, as MLPClassifier, so another model.
    assert same == (solver == "auto")
    if solver == "auto":
        assert weighted.validation_scores_ == left_out.validation_scores_


@pytest.mark.parametrize("Estimator", [BareMLPClassifier, BareMLPRegressor])
def test_a_few_weighted_rows_among_many_zeros_train(Estimator):
    # Only 3 rows of 200 weigh anything: 'auto' trains on them alone, without the
    # early stopping that 200 rows would get (its validation set had only
    # zero weights: the regressor divided by their sum).
    X, y, _ = _weighted_data(200)
    y = y if Estimator is BareMLPRegressor else (y > 0).astype(int)
    weights = np.zeros(200)
    weights[[0, 1, 5]] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = Estimator(random_state=0).fit(X, y, sample_weight=weights)
        alone = Estimator(random_state=0).fit(X[[0, 1, 5]], y[[0, 1, 5]])
    assert est.validation_scores_ is None
    np.testing.assert_array_equal(_outputs(est, X), _outputs(alone, X))
