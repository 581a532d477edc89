"""Parity with the oracle: MLPClassifier, given the same hyperparameters.

Every test fits ``MLPClassifier`` and ``BareMLPClassifier`` with identical
hyperparameters and ``random_state`` on float64 data and checks that the loss
curves agree to ``rtol=1e-6``, the probabilities to ``atol=1e-5`` and the
iteration counts exactly. ``activation`` and ``solver`` are always passed
explicitly, since the two estimators' defaults differ.

Largest deviations observed over this file (sklearn 1.9.1, NumPy 2.4.6,
SciPy 1.17.1, x86-64), i.e. a few ulps for the stochastic solvers:
  adam   loss_curve_ rel. 6.5e-16; predict_proba, coefs_ abs. 0 (bit-identical)
  sgd    loss_curve_ rel. 7.4e-16; predict_proba, coefs_ abs. 1.1e-16
  lbfgs  loss_ rel. 1.5e-13; predict_proba, coefs_ abs. 5.3e-12 (logistic hidden
         units: L-BFGS compounds last-bit gradient differences over its steps)
n_iter_, t_, validation_scores_ and best_validation_score_ were always equal.
"""

import numpy as np
import pytest
from helpers import ACTIVATIONS
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.neural_network import MLPClassifier

from skbareback import BareMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The oracle takes sample_weight from scikit-learn 1.7 on: on older versions
# (our lower bound is 1.6) these comparisons are deselected (conftest.py says
# so in the run's summary), and test_integer_weights_are_repeated_rows checks
# weighting against an oracle that every version has.
needs_weighted_oracle = pytest.mark.sklearn_min(
    "1.7", "MLPClassifier.fit(sample_weight=...) is the oracle"
)

TARGETS = ["binary", "multiclass", "multilabel"]
STOCHASTIC = ["sgd", "adam"]


def _data(target):
    if target == "multilabel":
        X, y = make_multilabel_classification(200, 6, n_classes=3, random_state=0)
        # Count features: centre and scale them so no unit saturates.
        X = (X - X.mean(axis=0)) / X.std(axis=0)
        return X, y
    n_classes = 2 if target == "binary" else 3
    return make_classification(
        200, 6, n_informative=4, n_classes=n_classes, random_state=0
    )


def _weights(n):
    # Integer-like weights, some zero, so weighting visibly changes the model.
    return np.random.RandomState(1).randint(0, 4, n).astype(float)


def _pair(**params):
    # alpha is explicit because the two estimators' defaults differ.
    params = {
        "hidden_layer_sizes": (8,),
        "random_state": 0,
        "max_iter": 30,
        "alpha": 1e-4,
        **params,
    }
    return MLPClassifier(**params), BareMLPClassifier(**params)


def _assert_same_model(ref, bare, X):
    assert bare.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(bare.loss_, ref.loss_, rtol=1e-6)
    if hasattr(ref, "loss_curve_"):
        np.testing.assert_allclose(bare.loss_curve_, ref.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(
        bare.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-5
    )
    np.testing.assert_array_equal(bare.predict(X), ref.predict(X))


@pytest.mark.parametrize("target", TARGETS)
@ACTIVATIONS
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stochastic_solvers_match(solver, activation, tanh_form, target):
    X, y = _data(target)
    ref, bare = _pair(
        solver=solver,
        activation=activation,
        hidden_layer_sizes=(8, 5),
        batch_size=64,
        learning_rate_init=0.01,
    )
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X)


@pytest.mark.parametrize("nesterovs_momentum", [True, False])
@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
def test_sgd_schedules_match(learning_rate, nesterovs_momentum):
    X, y = _data("multiclass")
    # A large step and a coarse tol make the stopping rule fire within
    # max_iter: 'constant' and 'invscaling' stop, 'adaptive' divides its rate.
    ref, bare = _pair(
        solver="sgd",
        activation="relu",
        learning_rate=learning_rate,
        nesterovs_momentum=nesterovs_momentum,
        learning_rate_init=0.5,
        tol=1e-2,
        n_iter_no_change=2,
        max_iter=40,
    )
    ref.fit(X, y)
    if learning_rate == "adaptive":
        assert ref._optimizer.learning_rate < 0.5  # the schedule was exercised
    _assert_same_model(ref, bare.fit(X, y), X)


@pytest.mark.parametrize("target", TARGETS)
@ACTIVATIONS
def test_lbfgs_matches(activation, tanh_form, target):
    X, y = _data(target)
    ref, bare = _pair(solver="lbfgs", activation=activation)
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X)


@needs_weighted_oracle
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_sample_weight_matches(solver, target, tanh_form):
    X, y = _data(target)
    sw = _weights(len(X))
    ref, bare = _pair(solver=solver, activation="tanh", learning_rate_init=0.01)
    ref.fit(X, y, sample_weight=sw)
    bare.fit(X, y, sample_weight=sw)
    _assert_same_model(ref, bare, X)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_integer_weights_are_repeated_rows(solver, target):
    # In full batches, integer weights are the same objective as rows
    # repeated that many times: the weighted mean loss over n rows is the
    # mean over sum(sw) rows, and alpha is divided by that same total. Only
    # the order of the sums differs, so trajectories agree to rounding.
    X, y = _data(target)
    sw = _weights(len(X)).astype(int)
    ref, bare = _pair(solver=solver, activation="tanh", learning_rate_init=0.01)
    ref.set_params(batch_size=int(sw.sum()))
    bare.set_params(batch_size=len(X))
    ref.fit(np.repeat(X, sw, axis=0), np.repeat(y, sw, axis=0))
    bare.fit(X, y, sample_weight=sw)
    _assert_same_model(ref, bare, X)


@pytest.mark.parametrize(
    "weighted", [False, pytest.param(True, marks=needs_weighted_oracle)]
)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_matches(solver, target, weighted):
    X, y = _data(target)
    sw = _weights(len(X)) if weighted else None
    weights = {} if sw is None else {"sample_weight": sw}
    ref, bare = _pair(
        solver=solver,
        activation="relu",
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate_init=0.05,
        max_iter=40,
    )
    ref.fit(X, y, **weights)
    bare.fit(X, y, **weights)
    _assert_same_model(ref, bare, X)
    assert bare.validation_scores_ == ref.validation_scores_
    assert bare.best_validation_score_ == ref.best_validation_score_
    assert bare.best_loss_ is None


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_no_shuffle_matches(solver, target):
    X, y = _data(target)
    ref, bare = _pair(
        solver=solver, activation="logistic", shuffle=False, batch_size=50
    )
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X)


@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start_matches(solver, target, tanh_form):
    X, y = _data(target)
    ref, bare = _pair(solver=solver, activation="tanh", warm_start=True, max_iter=10)
    for _ in range(3):
        ref.fit(X, y)
        bare.fit(X, y)
        _assert_same_model(ref, bare, X)
        for b, r in zip(bare.coefs_ + bare.intercepts_, ref.coefs_ + ref.intercepts_):
            np.testing.assert_allclose(b, r, rtol=0, atol=1e-10)


@pytest.mark.parametrize("target", ["binary", "multiclass"])
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_sequence_matches(solver, target):
    X, y = _data(target)
    ref, bare = _pair(solver=solver, activation="relu", learning_rate_init=0.01)
    classes = np.unique(y)
    for start in range(0, 200, 40):
        batch = slice(start, start + 40)
        ref.partial_fit(X[batch], y[batch], classes=classes)
        bare.partial_fit(X[batch], y[batch], classes=classes)
        assert bare.t_ == ref.t_
        np.testing.assert_allclose(bare.loss_curve_, ref.loss_curve_, rtol=1e-6)
        for b, r in zip(bare.coefs_, ref.coefs_):
            np.testing.assert_allclose(b, r, rtol=0, atol=1e-10)
        for b, r in zip(bare.intercepts_, ref.intercepts_):
            np.testing.assert_allclose(b, r, rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        bare.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-5
    )


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_after_fit_matches(solver, tanh_form):
    # partial_fit carries on with the optimizer state that fit left behind.
    X, y = _data("multiclass")
    ref, bare = _pair(solver=solver, activation="tanh", learning_rate_init=0.01)
    ref.fit(X, y)
    bare.fit(X, y)
    for batch in (slice(0, 120), slice(120, 200)):
        ref.partial_fit(X[batch], y[batch])
        bare.partial_fit(X[batch], y[batch])
    assert bare.t_ == ref.t_
    for b, r in zip(bare.coefs_ + bare.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(b, r, rtol=0, atol=1e-10)
    np.testing.assert_allclose(bare.loss_curve_, ref.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_with_warm_start_matches(solver):
    X, y = _data("multiclass")
    ref, bare = _pair(
        solver=solver,
        activation="relu",
        early_stopping=True,
        warm_start=True,
        n_iter_no_change=3,
        learning_rate_init=0.05,
        max_iter=15,
    )
    best_score, best_proba = -np.inf, None
    # Two calls: with sgd the second never improves, with adam it does. After
    # a call that does not improve the two models differ (see below).
    for _ in range(2):
        ref.fit(X, y)
        bare.fit(X, y)
        assert bare.n_iter_ == ref.n_iter_
        np.testing.assert_allclose(bare.loss_curve_, ref.loss_curve_, rtol=1e-6)
        assert bare.validation_scores_ == ref.validation_scores_
        assert bare.best_validation_score_ == ref.best_validation_score_
        if bare.best_validation_score_ > best_score:
            _assert_same_model(ref, bare, X)
            best_score, best_proba = bare.best_validation_score_, bare.predict_proba(X)
        else:
            # A call that never beats the earlier best keeps the earlier best
            # weights. MLPClassifier (1.9.1) does not: after early stopping its
            # coefs_ *is* its _best_coefs list, so the next warm-started call
            # trains the "best" arrays in place and returns its last weights.
            np.testing.assert_array_equal(bare.predict_proba(X), best_proba)


@pytest.mark.parametrize(
    ("solver", "params"),
    [
        ("lbfgs", {"hidden_layer_sizes": ()}),
        ("adam", {"hidden_layer_sizes": ()}),
        ("sgd", {"hidden_layer_sizes": 5}),
        ("sgd", {"hidden_layer_sizes": [7, 6, 5]}),
        ("sgd", {"momentum": 0.0}),
        ("adam", {"alpha": 1.0, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-4}),
        ("adam", {"tol": 0.5, "n_iter_no_change": 1}),
        ("lbfgs", {"max_fun": 7}),
        ("lbfgs", {"alpha": 1.0, "tol": 1e-2}),
        pytest.param(
            "adam",
            {"batch_size": 500},
            marks=pytest.mark.filterwarnings("ignore:Got `batch_size`"),
        ),
    ],
)
def test_other_configurations_match(solver, params, tanh_form):
    X, y = _data("multiclass")
    ref, bare = _pair(solver=solver, activation="tanh", **params)
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X)
