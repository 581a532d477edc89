"""Parity with the oracle: MLPRegressor, given the same hyperparameters.

Every test fits ``MLPRegressor`` and ``BareMLPRegressor`` with identical
hyperparameters and ``random_state`` on float64 data and checks that the loss
curves agree to ``rtol=1e-6``, the predictions to ``atol=1e-5`` (L-BFGS
``1e-4``) and the iteration counts exactly. ``activation``, ``solver`` and
``alpha`` are always passed explicitly, since the two estimators' defaults
differ.

The largest deviations over this file are printed by
``python benchmarks/regressor_parity.py`` (see its docstring for a run).
"""

import numpy as np
import pytest
from helpers import ACTIVATIONS
from sklearn.datasets import make_regression
from sklearn.neural_network import MLPRegressor

from skbareback import BareMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# MLPRegressor takes loss='poisson' and fit(sample_weight=...) from
# scikit-learn 1.7 on: on older versions (our lower bound is 1.6) those
# comparisons are deselected, and reported (conftest.py).
needs_poisson_oracle = pytest.mark.sklearn_min(
    "1.7", "MLPRegressor(loss='poisson') is the oracle"
)
needs_weighted_oracle = pytest.mark.sklearn_min(
    "1.7", "MLPRegressor.fit(sample_weight=...) is the oracle"
)

OUTPUTS = ["single", "multi"]
LOSSES = ["squared_error", pytest.param("poisson", marks=needs_poisson_oracle)]
STOCHASTIC = ["sgd", "adam"]
ATOL = {"sgd": 1e-5, "adam": 1e-5, "lbfgs": 1e-4}


def _data(output, loss="squared_error"):
    n_targets = 1 if output == "single" else 3
    X, y, coef = make_regression(
        200,
        6,
        n_informative=4,
        n_targets=n_targets,
        noise=5.0,
        coef=True,
        random_state=0,
    )
    X = X / X.std(axis=0)
    if loss == "poisson":
        # Counts whose log-mean is linear in X: the log link's own model.
        rate = np.exp(0.3 * X @ (coef / np.abs(coef).max()) + 0.5)
        y = np.random.RandomState(0).poisson(rate).astype(float)
    else:
        y = (y - y.mean(axis=0)) / y.std(axis=0)
    return X, y


def _weights(n):
    # Integer-like weights, some zero, so weighting visibly changes the model.
    return np.random.RandomState(1).randint(0, 4, n).astype(float)


def _pair(**params):
    params = {
        "hidden_layer_sizes": (8,),
        "random_state": 0,
        "max_iter": 20,
        "alpha": 1e-4,
        **params,
    }
    # Before 1.7, MLPRegressor has no loss parameter: squared_error is its
    # only loss, and so its default still.
    ref = {k: v for k, v in params.items() if (k, v) != ("loss", "squared_error")}
    return MLPRegressor(**ref), BareMLPRegressor(**params)


def _assert_same_model(ref, bare, X, atol=1e-5):
    assert bare.n_iter_ == ref.n_iter_
    assert bare.out_activation_ == ref.out_activation_
    np.testing.assert_allclose(bare.loss_, ref.loss_, rtol=1e-6)
    if hasattr(ref, "loss_curve_"):  # MLPRegressor's L-BFGS keeps none
        np.testing.assert_allclose(bare.loss_curve_, ref.loss_curve_, rtol=1e-6)
    expected = ref.predict(X)
    got = bare.predict(X)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=atol)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("output", OUTPUTS)
@ACTIVATIONS
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stochastic_solvers_match(solver, activation, tanh_form, output, loss):
    X, y = _data(output, loss)
    ref, bare = _pair(
        loss=loss,
        solver=solver,
        activation=activation,
        hidden_layer_sizes=(8, 5),
        batch_size=64,
        learning_rate_init=0.01,
    )
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("nesterovs_momentum", [True, False])
@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
def test_sgd_schedules_match(learning_rate, nesterovs_momentum, output):
    X, y = _data(output)
    # A coarse tol makes the stopping rule fire within max_iter: 'constant'
    # and 'invscaling' stop, 'adaptive' divides its rate.
    ref, bare = _pair(
        solver="sgd",
        activation="relu",
        learning_rate=learning_rate,
        nesterovs_momentum=nesterovs_momentum,
        learning_rate_init=0.05,
        tol=5e-2,
        n_iter_no_change=2,
        max_iter=40,
    )
    ref.fit(X, y)
    if learning_rate == "adaptive":
        assert ref._optimizer.learning_rate < 0.05  # the schedule was exercised
    _assert_same_model(ref, bare.fit(X, y), X)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("output", OUTPUTS)
@ACTIVATIONS
def test_lbfgs_matches(activation, tanh_form, output, loss):
    X, y = _data(output, loss)
    ref, bare = _pair(loss=loss, solver="lbfgs", activation=activation)
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X, atol=ATOL["lbfgs"])


@needs_weighted_oracle
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_sample_weight_matches(solver, output):
    X, y = _data(output)
    sw = _weights(len(X))
    ref, bare = _pair(solver=solver, activation="tanh", learning_rate_init=0.01)
    ref.fit(X, y, sample_weight=sw)
    bare.fit(X, y, sample_weight=sw)
    _assert_same_model(ref, bare, X, atol=ATOL[solver])


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_integer_weights_are_repeated_rows(solver, output):
    # In full batches, integer weights are the same objective as rows
    # repeated that many times, an oracle that every scikit-learn has.
    X, y = _data(output)
    sw = _weights(len(X)).astype(int)
    ref, bare = _pair(solver=solver, activation="tanh", learning_rate_init=0.01)
    ref.set_params(batch_size=int(sw.sum()))
    bare.set_params(batch_size=len(X))
    ref.fit(np.repeat(X, sw, axis=0), np.repeat(y, sw, axis=0))
    bare.fit(X, y, sample_weight=sw)
    _assert_same_model(ref, bare, X, atol=ATOL[solver])


@pytest.mark.parametrize(
    "weighted", [False, pytest.param(True, marks=needs_weighted_oracle)]
)
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_early_stopping_matches(solver, output, weighted):
    X, y = _data(output)
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
    np.testing.assert_allclose(bare.validation_scores_, ref.validation_scores_)
    assert bare.best_validation_score_ == pytest.approx(ref.best_validation_score_)
    assert bare.best_loss_ is None


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start_matches(solver, tanh_form):
    X, y = _data("multi")
    ref, bare = _pair(solver=solver, activation="tanh", warm_start=True, max_iter=10)
    for _ in range(3):
        ref.fit(X, y)
        bare.fit(X, y)
        _assert_same_model(ref, bare, X, atol=ATOL[solver])


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_sequence_matches(solver, output):
    X, y = _data(output)
    ref, bare = _pair(solver=solver, activation="relu", learning_rate_init=0.01)
    for start in range(0, 200, 40):
        batch = slice(start, start + 40)
        ref.partial_fit(X[batch], y[batch])
        bare.partial_fit(X[batch], y[batch])
        assert bare.t_ == ref.t_
        np.testing.assert_allclose(bare.loss_curve_, ref.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(bare.predict(X), ref.predict(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    ("solver", "params"),
    [
        ("lbfgs", {"hidden_layer_sizes": ()}),
        ("adam", {"hidden_layer_sizes": ()}),
        ("sgd", {"hidden_layer_sizes": [7, 6, 5]}),
        ("sgd", {"momentum": 0.0, "shuffle": False}),
        ("adam", {"alpha": 1.0, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-4}),
        ("lbfgs", {"max_fun": 7}),
    ],
)
def test_other_configurations_match(solver, params, tanh_form):
    X, y = _data("multi")
    ref, bare = _pair(solver=solver, activation="tanh", **params)
    _assert_same_model(ref.fit(X, y), bare.fit(X, y), X, atol=ATOL[solver])
