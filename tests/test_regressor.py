"""BareMLPRegressor's own behaviour: targets, outputs, losses, weights, safety.

Parity with MLPRegressor is in test_regressor_parity.py; the gradients of the
regression losses are checked in test_regressor_gradients.py.
"""

import importlib.util
import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse
from helpers import numpydoc_section
from sklearn.datasets import make_regression
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skbareback import BareMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
needs_callbacks = pytest.mark.sklearn_min("1.9", "sklearn.callback is tested")

SMALL = {"hidden_layer_sizes": (8,), "max_iter": 20, "random_state": 0}


def _data(n_targets=1, n=150):
    X, y = make_regression(n, 5, n_targets=n_targets, noise=2.0, random_state=0)
    return X / X.std(axis=0), (y - y.mean(axis=0)) / y.std(axis=0)


def _counts(n_targets=1):
    X, _ = _data(n_targets)
    rate = np.exp(0.4 * X[:, :n_targets] + 0.3)
    return X, np.random.RandomState(0).poisson(rate).astype(float).squeeze()


def test_documented_parameters_match_signature():
    signature = inspect.signature(BareMLPRegressor.__init__).parameters
    documented = [
        name for name, _ in numpydoc_section(BareMLPRegressor.__doc__, "Parameters")
    ]
    assert documented == [name for name in signature if name != "self"]


def test_documented_attributes_are_fitted():
    X, y = _data()
    reg = BareMLPRegressor(**SMALL).fit(X, y, X_val=X, y_val=y)
    documented = [
        name for name, _ in numpydoc_section(BareMLPRegressor.__doc__, "Attributes")
    ]
    fitted = {k for k in vars(reg) if k.endswith("_") and not k.startswith("_")}
    # feature_names_in_ exists only for string column names.
    assert set(documented) - {"feature_names_in_"} == fitted


def test_parameters_are_mlpregressors_and_the_policy_decides_the_rest():
    ours = BareMLPRegressor().get_params()
    theirs = MLPRegressor().get_params()
    assert set(theirs) <= set(ours)
    differing = {k: ours[k] for k in theirs if ours[k] != theirs[k]}
    policy = (
        "hidden_layer_sizes",
        "solver",
        "alpha",
        "max_iter",
        "early_stopping",
        "validation_fraction",
    )
    assert differing == {"activation": "tanh", **dict.fromkeys(policy, "auto")}
    assert ours["scale_target"] == "auto"


@pytest.mark.sklearn_min("1.7", "MLPRegressor's loss parameter is compared")
def test_positional_parameters_are_mlpregressors():
    # loss comes first, then hidden_layer_sizes and activation, as there.
    ours = list(inspect.signature(BareMLPRegressor).parameters)
    theirs = list(inspect.signature(MLPRegressor).parameters)
    assert ours[:3] == theirs[:3] == ["loss", "hidden_layer_sizes", "activation"]


def test_defaults_fit_a_smooth_function():
    X = np.linspace(-3, 3, 200).reshape(-1, 1)
    y = np.sin(X).ravel()
    reg = BareMLPRegressor(random_state=0).fit(X, y)
    assert reg.solver_ == "lbfgs"
    assert reg.out_activation_ == "identity"
    assert r2_score(y, reg.predict(X)) > 0.99


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_prediction_shapes(solver, n_targets):
    X, y = _data(n_targets)
    reg = BareMLPRegressor(solver=solver, **SMALL).fit(X, y)
    assert reg.n_outputs_ == n_targets
    expected = (len(X),) if n_targets == 1 else (len(X), n_targets)
    assert reg.predict(X).shape == expected


def test_column_target_is_raveled_with_a_warning():
    X, y = _data()
    with pytest.warns(DataConversionWarning):
        reg = BareMLPRegressor(**SMALL).fit(X, y[:, np.newaxis])
    assert reg.predict(X).shape == (len(X),)
    np.testing.assert_array_equal(
        reg.predict(X), BareMLPRegressor(**SMALL).fit(X, y).predict(X)
    )


def test_multi_output_learns_every_output():
    X, y = _data(3)
    reg = BareMLPRegressor(hidden_layer_sizes=(20,), random_state=0, max_iter=300).fit(
        X, y
    )
    assert r2_score(y, reg.predict(X), multioutput="raw_values").min() > 0.95


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_poisson_predicts_positive_means(solver):
    X, y = _counts()
    params = dict(SMALL, max_iter=200, learning_rate_init=0.01)
    reg = BareMLPRegressor(loss="poisson", solver=solver, **params).fit(X, y)
    assert reg.out_activation_ == "exp"
    pred = reg.predict(X)
    assert pred.min() > 0
    # The log link's fitted means are closer to the counts than their mean.
    assert np.mean((pred - y) ** 2) < np.var(y)


def test_poisson_rejects_negative_targets():
    X, y = _counts()
    with pytest.raises(ValueError, match="loss='poisson' needs non-negative"):
        BareMLPRegressor(loss="poisson").fit(X, y - 1)


def test_bad_loss_names_the_options():
    X, y = _data()
    with pytest.raises(ValueError, match=r"loss must be one of \['poisson', 'squared"):
        BareMLPRegressor(loss="log_loss").fit(X, y)


@pytest.mark.parametrize(
    ("what", "match"),
    [
        ("nan y", "Input y contains NaN"),
        ("inf y", "Input y contains infinity"),
        ("string y", "numeric"),
        ("nan X", "Input X contains NaN"),
        ("nan weight", "sample_weight must be finite"),
        ("negative weight", "non-negative"),
    ],
)
def test_bad_input_is_a_clear_error(what, match):
    X, y = _data()
    sw = None
    if what == "nan y":
        y = np.where(np.arange(len(y)) == 3, np.nan, y)
    elif what == "inf y":
        y = np.where(np.arange(len(y)) == 3, np.inf, y)
    elif what == "string y":
        y = y.astype(str)
    elif what == "nan X":
        X = np.where(X > 1, np.nan, X)
    else:
        sw = np.ones(len(y))
        sw[2] = np.nan if what == "nan weight" else -1.0
    with pytest.raises(ValueError, match=match):
        BareMLPRegressor(**SMALL).fit(X, y, sample_weight=sw)


def test_integer_weights_equal_repeated_rows():
    X, y = _data()
    sw = np.arange(len(y)) % 3 + 1.0
    params = dict(SMALL, solver="lbfgs")
    weighted = BareMLPRegressor(**params).fit(X, y, sample_weight=sw)
    repeat = sw.astype(int)
    repeated = BareMLPRegressor(**params).fit(
        np.repeat(X, repeat, axis=0), np.repeat(y, repeat)
    )
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), atol=1e-8)


@pytest.mark.parametrize("n_targets", [1, 2])
def test_sparse_targets_give_the_dense_model(n_targets):
    X, y = _data(n_targets)
    Y = y.reshape(len(y), -1)
    dense = BareMLPRegressor(**SMALL).fit(X, y)
    with warnings.catch_warnings():
        # One sparse column is a column vector: made 1d, with sklearn's warning.
        warnings.simplefilter("ignore", DataConversionWarning)
        sparse = BareMLPRegressor(**SMALL).fit(X, scipy.sparse.csr_matrix(Y))
    np.testing.assert_array_equal(sparse.predict(X), dense.predict(X))


def test_targets_of_three_dimensions_are_refused():
    X, _ = _data()
    with pytest.raises(ValueError, match="dim 3"):
        BareMLPRegressor(**SMALL).fit(X, np.zeros((len(X), 2, 2)))


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_sparse_input_gives_the_dense_model(solver):
    X, y = _data()
    X[X < 0] = 0
    dense = BareMLPRegressor(solver=solver, **SMALL).fit(X, y)
    sparse = BareMLPRegressor(solver=solver, **SMALL).fit(scipy.sparse.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(
        sparse.predict(scipy.sparse.csc_matrix(X)), dense.predict(X), atol=1e-10
    )


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_float32_is_kept_through_every_solver(solver, loss):
    X, y = _counts() if loss == "poisson" else _data()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    reg = BareMLPRegressor(loss=loss, solver=solver, **SMALL).fit(X32, y32)
    assert {c.dtype for c in reg.coefs_ + reg.intercepts_} == {np.dtype(np.float32)}
    assert reg.predict(X32).dtype == np.float32
    ref = BareMLPRegressor(loss=loss, solver=solver, **SMALL).fit(X, y)
    np.testing.assert_allclose(reg.predict(X32), ref.predict(X), atol=2e-3)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_continues_one_epoch_at_a_time(solver):
    X, y = _data(2)
    reg = BareMLPRegressor(solver=solver, **SMALL)
    for k in range(1, 4):
        reg.partial_fit(X, y)
        assert len(reg.loss_curve_) == k
        assert reg.t_ == k * len(X)
    with pytest.raises(ValueError, match="y has 1 outputs, but the model was fitted"):
        reg.partial_fit(X, y[:, 0])


def test_partial_fit_is_absent_for_lbfgs():
    assert not hasattr(BareMLPRegressor(solver="lbfgs"), "partial_fit")
    assert hasattr(BareMLPRegressor(), "partial_fit")


def test_warm_start_continues_and_refuses_another_loss():
    X, y = _counts()
    reg = BareMLPRegressor(solver="adam", warm_start=True, **SMALL).fit(X, y)
    first = list(reg.loss_curve_)
    reg.fit(X, y)
    assert reg.loss_curve_[: len(first)] == first
    assert len(reg.loss_curve_) == 2 * len(first)
    before = reg.predict(X)
    with pytest.raises(ValueError, match="needs the 'exp' output"):
        reg.set_params(loss="poisson").fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), before)


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_failed_fit_leaves_the_model_untouched(how):
    X, y = _data()
    reg = BareMLPRegressor(solver="sgd", warm_start=True, **SMALL).fit(X, y)
    before, state = reg.predict(X), dict(vars(reg))
    with pytest.raises(ValueError, match="NaN"):
        getattr(reg, how)(X, np.where(y > 1, np.nan, y))
    np.testing.assert_array_equal(reg.predict(X), before)
    assert vars(reg).keys() == state.keys()
    assert reg.loss_curve_ == state["loss_curve_"]


def test_divergence_raises_and_leaves_the_model_untouched():
    X, y = _data()
    reg = BareMLPRegressor(solver="sgd", **SMALL).fit(X, y)
    before = reg.predict(X)
    with pytest.raises(ValueError, match=r"Training diverged.*learning_rate_init"):
        reg.set_params(learning_rate_init=10.0).fit(X, 100 * y)
    np.testing.assert_array_equal(reg.predict(X), before)


def test_validation_set_records_loss_and_r2():
    X, y = _data(2)
    X_val, y_val = X[:40] + 0.1, y[:40]
    reg = BareMLPRegressor(solver="adam", **SMALL).fit(X, y, X_val=X_val, y_val=y_val)
    assert len(reg.validation_loss_curve_) == len(reg.validation_scores_) == 20
    # The last entries describe the final model: MLPRegressor's loss and R².
    pred = reg.predict(X_val)
    assert reg.validation_loss_curve_[-1] == pytest.approx(
        0.5 * np.mean((pred - y_val) ** 2)
    )
    assert reg.validation_scores_[-1] == pytest.approx(r2_score(y_val, pred))
    assert reg.best_validation_score_ == max(reg.validation_scores_)


def test_early_stopping_on_the_loss_keeps_the_best_weights():
    X, y = _data()
    reg = BareMLPRegressor(
        solver="adam",
        early_stopping=True,
        scoring="loss",
        learning_rate_init=0.05,
        n_iter_no_change=3,
        **dict(SMALL, max_iter=100),
    ).fit(X, y, X_val=X[:30], y_val=y[:30])
    assert reg.validation_scores_ == [-v for v in reg.validation_loss_curve_]
    assert reg.n_iter_ < 100
    best = max(reg.validation_scores_)
    assert -0.5 * np.mean((reg.predict(X[:30]) - y[:30]) ** 2) == pytest.approx(best)


def test_validation_set_errors():
    X, y = _data()
    reg = BareMLPRegressor(solver="adam", **SMALL)
    with pytest.raises(ValueError, match="X_val and y_val must be passed together"):
        reg.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="X_val has 150 samples but y_val has 10"):
        reg.fit(X, y, X_val=X, y_val=y[:10])
    with pytest.raises(ValueError, match="y has 2 outputs"):
        reg.fit(X, y, X_val=X, y_val=np.column_stack([y, y]))


@needs_callbacks
def test_scoring_monitor_logs_one_score_per_epoch():
    from sklearn import callback

    X, y = _data()
    monitor = callback.ScoringMonitor(scoring="r2")
    reg = BareMLPRegressor(solver="adam", **dict(SMALL, max_iter=4))
    reg.set_callbacks(monitor).fit(X, y)
    epochs = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(epochs) == 4
    assert epochs[-1]["r2"] == pytest.approx(reg.score(X, y))


def _blas_threads_seen_in_fit(**params):
    X, y = _data()
    seen = set()

    def spy(est, X, y):
        seen.update(
            i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
        )
        return 0.0

    reg = BareMLPRegressor(solver="adam", scoring=spy, **dict(SMALL, max_iter=2))
    reg.set_params(**params).fit(X, y, X_val=X[:20], y_val=y[:20])
    return seen


def test_fit_runs_one_blas_thread_by_default():
    with threadpool_limits(2, user_api="blas"):
        assert _blas_threads_seen_in_fit() == {1}
        assert _blas_threads_seen_in_fit(blas_threads=None) == {2}


def test_fit_intercept_false_keeps_intercepts_zero():
    X, y = _data()
    params = dict(SMALL, max_iter=200)
    reg = BareMLPRegressor(fit_intercept=False, solver="lbfgs", **params).fit(X, y)
    assert all(not b.any() for b in reg.intercepts_)
    assert reg.score(X, y) > 0.9


def test_uniform_weight_init_draws_from_minus_one_to_one():
    X, y = _data()
    # A vanishing step leaves the initial weights as they were drawn.
    reg = BareMLPRegressor(
        weight_init="uniform", solver="sgd", learning_rate_init=1e-12, **SMALL
    ).partial_fit(X, y)
    weights = np.concatenate([w.ravel() for w in reg.coefs_ + reg.intercepts_])
    assert np.abs(weights).max() <= 1 and np.abs(weights).max() > 0.9
    assert weights.min() < -0.9


def test_in_a_pipeline_with_cross_validation():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), BareMLPRegressor(random_state=0))
    assert cross_val_score(pipe, X, y, cv=3).min() > 0.9


@needs_callbacks
def test_progress_bar_shows_training(capsys):
    from sklearn import callback

    X, y = _data()
    reg = BareMLPRegressor(solver="adam", **dict(SMALL, max_iter=3))
    reg.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert "BareMLPRegressor" in capsys.readouterr().out


def test_set_callbacks_exists_exactly_with_sklearn_callback():
    has_callback_api = importlib.util.find_spec("sklearn.callback") is not None
    assert hasattr(BareMLPRegressor(), "set_callbacks") == has_callback_api
