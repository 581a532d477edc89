"""Fitted models round-trip through skops with one trusted type, bit for bit."""

import warnings

import numpy as np
import pytest
import skops.io as sio
from sklearn.datasets import (
    make_classification,
    make_moons,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier, BareMLPRegressor

# The one name a user passes as ``trusted``: moving the class to another
# module changes it, and breaks every caller's trusted list.
TRUSTED = ["skbareback.BareMLPClassifier"]


def _data(target):
    if target == "binary":
        return make_moons(120, noise=0.3, random_state=0)
    if target == "multiclass":
        return make_classification(
            150, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=0
        )
    return make_multilabel_classification(120, 5, n_classes=3, random_state=0)


def _fitted(target, mode, dtype=np.float64):
    """A model fitted on ``target`` data by ``mode``; also the data."""
    X, y = _data(target)
    X = X.astype(dtype)
    classes = None if target == "multilabel" else np.unique(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mode == "lbfgs":
            # 'auto' fits small data with L-BFGS and still allows partial_fit.
            clf = BareMLPClassifier((6,), max_iter=30, random_state=0).fit(X, y)
            assert clf.solver_ == "lbfgs"
        elif mode == "adam":
            clf = BareMLPClassifier(
                (6,), solver="adam", max_iter=5, random_state=0
            ).fit(X, y)
        else:
            clf = BareMLPClassifier((6,), solver="adam", batch_size=32, random_state=0)
            for half in np.array_split(np.arange(len(X)), 2):
                clf.partial_fit(X[half], y[half], classes=classes)
    return clf, X, y


def _round_trip(clf, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    assert sio.get_untrusted_types(file=path) == TRUSTED
    return sio.load(path, trusted=TRUSTED)


def _assert_same(a, b, where="estimator"):
    """Assert ``a`` and ``b`` hold the same values, of the same types, bit for bit."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where, strict=True)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b)):
            _assert_same(u, v, f"{where}[{i}]")
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def _assert_same_model(a, b, X):
    _assert_same(vars(a), vars(b))
    np.testing.assert_array_equal(a.predict(X), b.predict(X), strict=True)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X), strict=True)


@pytest.mark.parametrize("mode", ["adam", "lbfgs", "partial_fit"])
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_round_trip_trusts_one_type_and_keeps_predictions(target, mode, tmp_path):
    clf, X, _ = _fitted(target, mode)
    loaded = _round_trip(clf, tmp_path)
    _assert_same_model(clf, loaded, X)


@pytest.mark.parametrize("mode", ["adam", "lbfgs", "partial_fit"])
@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_partial_fit_continues_identically_after_loading(target, mode, tmp_path):
    clf, X, y = _fitted(target, mode)
    loaded = _round_trip(clf, tmp_path)
    for model in (clf, loaded):
        model.partial_fit(X[::-1], y[::-1])
        model.partial_fit(X, y)
    _assert_same_model(clf, loaded, X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_float32_and_string_labels_survive(tmp_path):
    X, y = _data("multiclass")
    X = X.astype(np.float32)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = BareMLPClassifier((4,), max_iter=20, random_state=0).fit(X, labels)
    loaded = _round_trip(clf, tmp_path)
    assert loaded.coefs_[0].dtype == np.float32
    _assert_same_model(clf, loaded, X)


def test_load_refuses_the_estimator_until_trusted(tmp_path):
    clf, _, _ = _fitted("binary", "adam")
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)


# ------------------------------------------------------------------ regressor


def _fitted_regressor(loss, n_outputs, mode, dtype=np.float64):
    X, y = make_regression(120, 5, n_targets=n_outputs, noise=1.0, random_state=0)
    X, y = X.astype(dtype), ((y - y.mean(axis=0)) / y.std(axis=0)).astype(dtype)
    if loss == "poisson":
        y = np.round(np.exp(y / 2))
    params = {"loss": loss, "hidden_layer_sizes": (6,), "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if mode == "partial_fit":
            reg = BareMLPRegressor(solver="adam", batch_size=32, **params)
            for half in np.array_split(np.arange(len(X)), 2):
                reg.partial_fit(X[half], y[half])
        else:
            reg = BareMLPRegressor(solver=mode, max_iter=20, **params).fit(X, y)
    return reg, X, y


@pytest.mark.parametrize("mode", ["adam", "lbfgs", "partial_fit"])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_round_trip_and_continues_identically(
    loss, n_outputs, mode, tmp_path
):
    reg, X, y = _fitted_regressor(loss, n_outputs, mode)
    path = tmp_path / "model.skops"
    sio.dump(reg, path)
    assert sio.get_untrusted_types(file=path) == ["skbareback.BareMLPRegressor"]
    loaded = sio.load(path, trusted=["skbareback.BareMLPRegressor"])
    _assert_same(vars(reg), vars(loaded))
    np.testing.assert_array_equal(reg.predict(X), loaded.predict(X), strict=True)
    if mode != "lbfgs":
        for model in (reg, loaded):
            model.partial_fit(X[::-1], y[::-1])
        _assert_same(vars(reg), vars(loaded))


def test_regressor_float32_survives(tmp_path):
    reg, X, _ = _fitted_regressor("squared_error", 2, "lbfgs", np.float32)
    path = tmp_path / "model.skops"
    sio.dump(reg, path)
    loaded = sio.load(path, trusted=["skbareback.BareMLPRegressor"])
    assert loaded.coefs_[0].dtype == np.float32
    np.testing.assert_array_equal(reg.predict(X), loaded.predict(X), strict=True)
