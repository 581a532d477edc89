"""Array API input to both estimators, against the NumPy engine, its oracle.

Under ``sklearn.config_context(array_api_dispatch=True)`` the estimators fit
and predict on arrays of array-api-strict (on its non-default ``device1``, so
that an array made on the wrong device fails; float64 and float32) and, where
it is installed, PyTorch CPU tensors, computing in their namespace: the same
loss curves, probabilities and predictions as the NumPy engine on the same
data. Measured here on array-api-strict (NumPy underneath): within 1e-15
relative in float64 (a few ulps: the namespace code allocates where NumPy's
works in place) and 1e-5 in float32. The asserted tolerances are the
issue's, 1e-10 and 1e-4.
"""

import importlib.util
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import clone, config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier, BareMLPRegressor
from skbareback._xp_compat import namespace_and_device, to_numpy

pytestmark = [
    pytest.mark.extras,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

HAS_TORCH = importlib.util.find_spec("torch") is not None
NAMESPACES = ["array_api_strict"] + (["torch"] if HAS_TORCH else [])
if HAS_TORCH:
    import torch

    # Where a CUDA device is there (the GPU check, benchmarks/README.md).
    NAMESPACES += ["torch-cuda"] if torch.cuda.is_available() else []
# Relative to the largest value compared.
TOL = {"float64": 1e-10, "float32": 1e-4}
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
SMALL = {"hidden_layer_sizes": (5, 4), "max_iter": 6, "random_state": 0}
TARGETS = ["binary", "multiclass", "multilabel"]


@pytest.fixture(params=NAMESPACES)
def space(request):
    """``(xp, device)``: array-api-strict's ``device1``, or torch's CPU."""
    if request.param.startswith("torch"):
        import torch

        device = "cuda" if request.param == "torch-cuda" else "cpu"
        return namespace_and_device(torch.zeros(1, device=device))
    import array_api_strict

    device1 = array_api_strict.Device("device1")
    return namespace_and_device(array_api_strict.zeros(1, device=device1))


def here(space, array):
    """The NumPy ``array`` (None stays None) moved to ``space``."""
    if array is None:
        return None
    xp, device = space
    return xp.asarray(array, device=device)


def host(space, array):
    return np.array(to_numpy(array, space[0]), copy=True)


def close(actual, expected, dtype):
    expected = np.asarray(expected, dtype=float)
    scale = max(np.abs(expected).max(), 1e-300)
    assert_allclose(actual, expected, rtol=TOL[dtype], atol=TOL[dtype] * scale)


def data(target, dtype, n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4)).astype(dtype)
    if target == "binary":
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
    elif target == "multiclass":
        y = np.digitize(X[:, 0] - X[:, 2], [-0.5, 0.5])
    elif target == "multilabel":
        y = np.stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 3] > 0], axis=1)
        y = y.astype(int)
    elif target == "counts":
        y = rng.poisson(np.exp(X[:, :2] / 2))
    else:  # two real outputs on their own scale (the target scaling's work)
        y = np.stack([100 * X[:, 0] - X[:, 1], X[:, 2] * X[:, 3] + 7], axis=1)
    return X, y


def fit_both(est, space, X, y, **fit):
    """Fit a clone of ``est`` on NumPy arrays and one on ``space``'s."""
    numpy_fit = clone(est).fit(X, y, **fit)
    moved = {k: here(space, v) for k, v in fit.items()}
    with config_context(array_api_dispatch=True):
        xp_fit = clone(est).fit(here(space, X), here(space, y), **moved)
    assert xp_fit.engine_ == "array_api"
    return numpy_fit, xp_fit


def assert_same_classifier(ref, est, space, X, dtype):
    close(est.loss_curve_, ref.loss_curve_, dtype)
    for c, c_ref in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        close(host(space, c), c_ref, dtype)
    with config_context(array_api_dispatch=True):
        proba = est.predict_proba(here(space, X))
        labels = est.predict(here(space, X))
    close(host(space, proba), ref.predict_proba(X), dtype)
    if dtype == "float64":
        assert_array_equal(host(space, labels), ref.predict(X))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_classifier_matches_numpy(space, solver, activation, target, dtype):
    X, y = data(target, dtype)
    est = BareMLPClassifier(solver=solver, activation=activation, **SMALL)
    ref, fitted = fit_both(est, space, X, y)
    assert_same_classifier(ref, fitted, space, X, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "loss, target", [("squared_error", "real"), ("poisson", "counts")]
)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_regressor_matches_numpy(space, solver, loss, target, dtype):
    X, y = data(target, dtype)
    kwargs = {**SMALL, "learning_rate_init": 1e-3} if solver == "sgd" else SMALL
    est = BareMLPRegressor(solver=solver, loss=loss, scale_target=True, **kwargs)
    ref, fitted = fit_both(est, space, X, y)
    with config_context(array_api_dispatch=True):
        pred = fitted.predict(here(space, X))
    close(fitted.loss_curve_, ref.loss_curve_, dtype)
    close(host(space, pred), ref.predict(X), dtype)
    assert namespace_and_device(fitted.target_scale_) == space


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("target", ["binary", "multiclass"])
def test_dropout_weights_and_class_weights_match(space, target, dtype):
    X, y = data(target, dtype)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y)).astype(dtype)
    est = BareMLPClassifier(
        solver="adam", dropout=0.3, class_weight="balanced", **SMALL
    )
    ref, fitted = fit_both(est, space, X, y, sample_weight=sw)
    assert_same_classifier(ref, fitted, space, X, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("target", ["multiclass", "multilabel"])
def test_early_stopping_matches(space, target, dtype):
    X, y = data(target, dtype, n=120)
    sw = np.random.RandomState(2).uniform(0.5, 2.0, size=len(y)).astype(dtype)
    est = BareMLPClassifier(
        solver="adam", early_stopping=True, n_iter_no_change=2, **SMALL
    ).set_params(max_iter=30)
    ref, fitted = fit_both(est, space, X, y, sample_weight=sw)
    close(fitted.validation_scores_, ref.validation_scores_, dtype)
    close(fitted.validation_loss_curve_, ref.validation_loss_curve_, dtype)
    assert fitted.n_iter_ == ref.n_iter_
    assert_same_classifier(ref, fitted, space, X, dtype)


def test_policy_early_stopping_and_validation_set_match(space):
    X, y = data("multiclass", "float64", n=300)
    X_val, y_val = data("multiclass", "float64", n=40, seed=3)
    # solver='auto' on array API data: adam, stopping on the validation loss.
    est = BareMLPClassifier(hidden_layer_sizes=(6,), max_iter=15, random_state=0)
    ref_est = clone(est).set_params(solver="adam")
    ref = clone(ref_est).fit(X, y, X_val=X_val, y_val=y_val)
    with config_context(array_api_dispatch=True):
        fitted = est.fit(
            here(space, X), here(space, y), X_val=here(space, X_val), y_val=y_val
        )
    assert fitted.solver_ == "adam"
    close(fitted.validation_loss_curve_, ref.validation_loss_curve_, "float64")
    assert_same_classifier(ref, fitted, space, X, "float64")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_partial_fit_and_warm_start_match(space, dtype):
    X, y = data("multiclass", dtype)
    classes = np.unique(y)
    ref = BareMLPClassifier(solver="adam", **SMALL)
    est = clone(ref)
    with config_context(array_api_dispatch=True):
        for start in (0, 20, 40):
            rows = slice(start, start + 20)
            ref.partial_fit(X[rows], y[rows], classes=classes)
            est.partial_fit(here(space, X[rows]), here(space, y[rows]), classes=classes)
    assert_same_classifier(ref, est, space, X, dtype)
    ref.set_params(warm_start=True).fit(X, y)
    with config_context(array_api_dispatch=True):
        est.set_params(warm_start=True).fit(here(space, X), here(space, y))
    assert_same_classifier(ref, est, space, X, dtype)


def test_outputs_live_in_the_namespace_and_on_the_device(space):
    xp, device = space
    X, y = data("multiclass", "float32")
    Xd = here(space, X)
    with config_context(array_api_dispatch=True):
        clf = BareMLPClassifier(**SMALL).fit(Xd, here(space, y))
        outputs = [
            clf.predict(Xd),
            clf.predict_proba(Xd),
            clf.predict_log_proba(Xd),
            clf.decision_function(Xd),
        ]
        score = clf.score(Xd, here(space, y))
        X_r, y_r = data("real", "float32")
        reg = BareMLPRegressor(**SMALL).fit(here(space, X_r), here(space, y_r))
        outputs.append(reg.predict(here(space, X_r)))
        r2 = reg.score(here(space, X_r), here(space, y_r))
    assert isinstance(score, float) and isinstance(r2, float)
    assert clf.solver_ == reg.solver_ == "adam"
    for array in outputs + clf.coefs_ + clf.intercepts_ + reg.coefs_:
        assert namespace_and_device(array) == (xp, device)
    assert outputs[1].dtype == xp.float32
    assert isinstance(clf.classes_, np.ndarray)


def test_string_labels_predict_on_the_host(space):
    X, y = data("binary", "float64")
    labels = np.array(["no", "yes"])[y]
    with config_context(array_api_dispatch=True):
        clf = BareMLPClassifier(**SMALL).fit(here(space, X), labels)
        predicted = clf.predict(here(space, X))
    assert isinstance(predicted, np.ndarray)
    assert set(predicted) <= {"no", "yes"}


@pytest.mark.parametrize("Estimator", [BareMLPClassifier, BareMLPRegressor])
def test_to_numpy_predicts_the_same(space, Estimator):
    X, y = data("multiclass" if Estimator is BareMLPClassifier else "real", "float64")
    with config_context(array_api_dispatch=True):
        est = Estimator(solver="adam", **SMALL).fit(here(space, X), here(space, y))
        expected = host(space, est.predict(here(space, X)))
    model = pickle.loads(pickle.dumps(est.to_numpy()))
    assert model.engine_ == "numpy"
    assert all(isinstance(c, np.ndarray) for c in model.coefs_ + model.intercepts_)
    assert est.engine_ == "array_api"  # the original is untouched
    close(model.predict(X), expected, "float64")
    if Estimator is BareMLPClassifier:
        with config_context(array_api_dispatch=True):
            proba = host(space, est.predict_proba(here(space, X)))
        assert_allclose(model.predict_proba(X), proba, rtol=1e-12)
    # A moved model trains on NumPy again (warm start from its weights).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(warm_start=True, max_iter=2).fit(X, y)


# StandardScaler's first running variance divides 0 by 0 under
# array-api-strict, which has no np.errstate to silence it.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_pipeline_with_a_scaler(space):
    X, y = data("multiclass", "float32")
    pipe = make_pipeline(StandardScaler(), BareMLPClassifier(**SMALL))
    with config_context(array_api_dispatch=True):
        pipe.fit(here(space, X), here(space, y))
        proba = pipe.predict_proba(here(space, X))
    assert namespace_and_device(proba) == space
    assert pipe[-1].engine_ == "array_api"


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_engines_on_numpy_only_raise(space, engine):
    X, y = data("binary", "float64")
    with (
        config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="array_api_dispatch"),
    ):
        BareMLPClassifier(engine=engine).fit(here(space, X), here(space, y))


def test_lbfgs_raises(space):
    X, y = data("real", "float64")
    with (
        config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match=r"solver='lbfgs'.*array_api_dispatch"),
    ):
        BareMLPRegressor(solver="lbfgs").fit(here(space, X), here(space, y))


def test_predicting_another_namespace_raises(space):
    X, y = data("binary", "float64")
    with config_context(array_api_dispatch=True):
        clf = BareMLPClassifier(**SMALL).fit(here(space, X), here(space, y))
        with pytest.raises(ValueError, match=r"predict_proba.*same namespace"):
            clf.predict_proba(X)
        numpy_clf = BareMLPClassifier(**SMALL).fit(X, y)
        assert numpy_clf.engine_ in ("numpy", "numba")
        with pytest.raises(ValueError, match=r"decision_function.*same namespace"):
            numpy_clf.decision_function(here(space, X))


def test_array_api_engine_on_numpy_matches():
    # engine='array_api' on NumPy arrays: the namespace code on NumPy's.
    X, y = data("multiclass", "float64")
    est = BareMLPClassifier(solver="adam", **SMALL)
    ref = clone(est).fit(X, y)
    fitted = clone(est).set_params(engine="array_api").fit(X, y)
    assert fitted.engine_ == "array_api"
    close(fitted.loss_curve_, ref.loss_curve_, "float64")
    close(fitted.predict_proba(X), ref.predict_proba(X), "float64")


# scikit-learn's own array API checks, with values compared and sample
# weights (parametrize_with_checks in test_common.py runs them without): an
# explicit solver, since 'auto' runs L-BFGS on NumPy input and adam on others.
STRICT = [("CPU_DEVICE", "float64"), ("device1", "float32")]


@pytest.mark.sklearn_min("1.9", "its array API estimator checks")
@pytest.mark.parametrize("device_name, dtype_name", STRICT)
@pytest.mark.parametrize("Estimator", [BareMLPClassifier, BareMLPRegressor])
def test_sklearn_array_api_check_with_values(Estimator, device_name, dtype_name):
    from sklearn.utils.estimator_checks import check_array_api_input

    check_array_api_input(
        Estimator.__name__,
        Estimator(solver="adam", **SMALL),
        array_namespace="array_api_strict",
        device_name=device_name,
        dtype_name=dtype_name,
        check_values=True,
        check_sample_weight=True,
    )


@pytest.mark.sklearn_min("1.9", "its array API estimator checks")
@pytest.mark.parametrize("Estimator", [BareMLPClassifier, BareMLPRegressor])
def test_sklearn_mixed_inputs_check(Estimator):
    from sklearn.utils.estimator_checks import (
        NamespaceAndDevice,
        check_array_api_mixed_inputs,
    )

    # X on array-api-strict's device1, y and sample weights NumPy's.
    check_array_api_mixed_inputs(
        Estimator.__name__,
        Estimator(**SMALL),
        X_ns_and_device=NamespaceAndDevice("array_api_strict", "device1"),
        other_ns_and_device=NamespaceAndDevice("numpy", None),
    )


@pytest.mark.skipif(
    not hasattr(BareMLPRegressor(), "set_callbacks"),
    reason="sklearn.callback is scikit-learn 1.9's",
)
def test_callbacks_see_the_namespace_fit(space):
    from sklearn import callback

    X, y = data("real", "float64")
    monitor = callback.ScoringMonitor(scoring="r2")
    reg = BareMLPRegressor(solver="adam", **{**SMALL, "max_iter": 4})
    with config_context(array_api_dispatch=True):
        reg.set_callbacks(monitor).fit(here(space, X), here(space, y))
        r2 = reg.score(here(space, X), here(space, y))
    epochs = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(epochs) == 4
    assert epochs[-1]["r2"] == pytest.approx(r2)


# A row that overflows in the hidden layers, and one whose outputs are
# finite until they are mapped back to the targets' scale (about 100).
@pytest.mark.parametrize("huge", [np.finfo(np.float64).max / 2, 1e303])
def test_regressor_output_overflow_is_one_clear_error(space, huge):
    X, y = data("real", "float64")
    X_big = X.copy()
    X_big[3] = huge
    with config_context(array_api_dispatch=True):
        # Identity units do not saturate, so a huge row overflows the output.
        reg = BareMLPRegressor(activation="identity", **SMALL)
        reg.fit(here(space, X), here(space, y))
        for coef in reg.coefs_:
            coef[...] = 10.0
        with warnings.catch_warnings(), pytest.raises(ValueError, match="overflowed"):
            warnings.simplefilter("error")
            reg.predict(here(space, X_big))
