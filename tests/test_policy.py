"""The 'auto' policy: each rule on its own, then as the estimator applies it."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier
from skbareback._policy import (
    ADAM_MIN_SAMPLES,
    ALPHA_PRIOR,
    ALPHA_WEAK,
    AUTO_MAX_ITER,
    LBFGS_PATIENCE_FACTOR,
    MIN_VALIDATION_SAMPLES,
    MLP_MAX_ITER,
    auto_early_stopping,
    auto_solver,
    max_iter_bound,
    plan,
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
    assert MIN_VALIDATION_SAMPLES == 10
    assert not auto_early_stopping(90, 0.1, has_validation_set=False)
    assert auto_early_stopping(91, 0.1, has_validation_set=False)
    assert auto_early_stopping(50, 0.2, has_validation_set=False)
    assert auto_early_stopping(4, 0.1, has_validation_set=True)


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
    # The best iteration's weights are restored: they scored the best loss.
    assert -clf.best_validation_score_ == pytest.approx(min(clf.validation_loss_curve_))
    assert clf.get_params() == AUTO | {"random_state": 0}
    assert not hasattr(clf, "_plan")


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
    from sklearn.metrics import log_loss

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
