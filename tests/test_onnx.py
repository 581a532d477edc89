"""ONNX export: the graph, run by onnxruntime, agrees with the estimator."""

import subprocess
import sys
from functools import cache

import numpy as np
import onnxruntime as rt
import pytest
import scipy.sparse
import skl2onnx
from onnx import TensorProto
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType
from sklearn.datasets import (
    load_digits,
    make_moons,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier, BareMLPRegressor
from skbareback.onnx import to_onnx

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
DATASETS = ["xor", "moons", "digits", "multilabel"]
# float32 graphs round differently from NumPy (and onnxruntime's float32
# sigmoid and tanh are approximations); float64 graphs agree to a few ulps.
ATOL = {np.float32: 1e-5, np.float64: 1e-10}
# Small, briefly trained networks: the tests compare two implementations of
# one model, whatever its quality.
SMALL = {"hidden_layer_sizes": (8,), "max_iter": 30, "random_state": 0}


@cache
def _data(name):
    if name == "xor":
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
        return X, np.array([0, 1, 1, 0])
    if name == "moons":
        return make_moons(n_samples=200, noise=0.2, random_state=0)
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return X[:300] / 16, y[:300]
    return make_multilabel_classification(
        n_samples=200, n_features=10, n_classes=4, random_state=0
    )


@cache
def _fit(name, dtype=np.float64, **params):
    # Cached: tests only read the models.
    X, y = _data(name)
    X = X.astype(dtype)
    return BareMLPClassifier(**(SMALL | params)).fit(X, y), X


def _run(onx, X):
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"X": X})


def _assert_graph_matches(clf, X, onx=None):
    if onx is None:
        onx = to_onnx(clf, X, options={"zipmap": False})
    labels, proba = _run(onx, X)
    np.testing.assert_array_equal(labels, clf.predict(X))
    assert proba.dtype == X.dtype
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=0, atol=ATOL[X.dtype.type])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("name", DATASETS)
def test_graph_matches_estimator(name, activation, dtype):
    clf, X = _fit(name, dtype, activation=activation)
    assert clf.coefs_[0].dtype == dtype
    _assert_graph_matches(clf, X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", DATASETS)
def test_graph_without_intercepts(name, dtype):
    clf, X = _fit(name, dtype, fit_intercept=False)
    onx = to_onnx(clf, X, options={"zipmap": False})
    assert "Add" not in {node.op_type for node in onx.graph.node}
    _assert_graph_matches(clf, X, onx)


@pytest.mark.parametrize("hidden_layer_sizes", [(), (12, 8, 6)])
@pytest.mark.parametrize("name", ["moons", "digits"])
def test_graph_depth(name, hidden_layer_sizes):
    clf, X = _fit(name, np.float32, hidden_layer_sizes=hidden_layer_sizes)
    _assert_graph_matches(clf, X)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["no", "yes"]),
        np.array(["cat", "dog", "émeu"], dtype=object),
        np.array([-5, 7]),
        np.array([2.0, 3.0, 4.0]),
        np.array([False, True]),
    ],
    ids=["str-binary", "str-multiclass", "int", "float", "bool"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_label_types(labels, dtype):
    X, y = _data("digits")
    X = X.astype(dtype)
    clf = BareMLPClassifier(**SMALL).fit(X, labels[y % len(labels)])
    _assert_graph_matches(clf, X)


@pytest.mark.parametrize("target_opset", [9, 13])
@pytest.mark.parametrize("name", ["moons", "digits"])
def test_target_opset(name, target_opset):
    clf, X = _fit(name)
    onx = to_onnx(clf, X, target_opset=target_opset, options={"zipmap": False})
    assert {o.domain: o.version for o in onx.opset_import}[""] == target_opset
    _assert_graph_matches(clf, X, onx)


def test_float64_model_in_float32_graph():
    # A number of features asks for a float32 graph whatever the model's dtype.
    clf, X = _fit("digits", np.float64)
    onx = to_onnx(clf, X.shape[1], options={"zipmap": False})
    _assert_graph_matches(clf, X.astype(np.float32), onx)


@pytest.mark.parametrize(
    ("X", "elem_type"),
    [
        (2, TensorProto.FLOAT),
        (np.zeros((1, 2), dtype=np.float32), TensorProto.FLOAT),
        (
            scipy.sparse.csr_matrix(np.zeros((1, 2), dtype=np.float32)),
            TensorProto.FLOAT,
        ),
        ([[0.0, 1.0]], TensorProto.DOUBLE),
        (np.zeros((1, 2), dtype=np.int64), TensorProto.DOUBLE),
    ],
    ids=["int", "float32", "sparse-float32", "list", "int64"],
)
def test_input_precision_follows_sample(X, elem_type):
    clf, _ = _fit("xor")
    onx = to_onnx(clf, X)
    (graph_input,) = onx.graph.input
    assert graph_input.name == "X"
    assert graph_input.type.tensor_type.elem_type == elem_type


@pytest.mark.parametrize("name", ["moons", "digits"])
def test_zipmap(name):
    clf, X = _fit(name, np.float32)
    labels, proba = _run(to_onnx(clf, X), X)
    np.testing.assert_array_equal(labels, clf.predict(X))
    expected = clf.predict_proba(X)
    assert [sorted(row) for row in proba] == [list(clf.classes_)] * len(X)
    got = np.array([[row[c] for c in clf.classes_] for row in proba])
    np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL[np.float32])


def test_zipmap_columns():
    clf, X = _fit("digits", np.float32)
    labels, *columns = _run(to_onnx(clf, X, options={"zipmap": "columns"}), X)
    np.testing.assert_array_equal(labels, clf.predict(X))
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(np.column_stack(columns), expected, atol=1e-5)


def test_multilabel_zipmap():
    clf, X = _fit("multilabel", np.float32)
    labels, proba = _run(to_onnx(clf, X), X)
    np.testing.assert_array_equal(labels, clf.predict(X))
    got = np.array([[row[c] for c in clf.classes_] for row in proba])
    np.testing.assert_allclose(got, clf.predict_proba(X), rtol=0, atol=1e-5)


@pytest.mark.parametrize("labels", [np.array(["b", "a"]), np.array(list("zyx"))])
def test_nocl_outputs_class_indices(labels):
    X, y = _data("digits")
    X = X.astype(np.float32)
    clf = BareMLPClassifier(**SMALL).fit(X, labels[y % len(labels)])
    onx = to_onnx(clf, X, options={"zipmap": False, "nocl": True})
    indices, _ = _run(onx, X)
    np.testing.assert_array_equal(
        indices, np.searchsorted(clf.classes_, clf.predict(X))
    )


def test_pipeline_through_skl2onnx():
    # Importing skbareback.onnx registers the converter with skl2onnx itself.
    X, y = _data("digits")
    X = X.astype(np.float32)
    pipe = make_pipeline(StandardScaler(), BareMLPClassifier(**SMALL))
    pipe.fit(X, y)
    onx = skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False})
    _assert_graph_matches(pipe, X, onx)
    _assert_graph_matches(pipe, X, to_onnx(pipe, X, options={"zipmap": False}))


def test_wrong_number_of_features():
    clf, _ = _fit("xor")
    with pytest.raises(ValueError, match="X has 3 features, but BareMLPClassifier"):
        to_onnx(clf, 3)
    with pytest.raises(ValueError, match="The ONNX input has 3 features"):
        skl2onnx.convert_sklearn(clf, initial_types=[("X", FloatTensorType([None, 3]))])


def test_bad_inputs():
    clf, X = _fit("xor")
    with pytest.raises(ValueError, match="X must be a 2d sample"):
        to_onnx(clf, X[0])
    with pytest.raises(RuntimeError, match="FloatTensorType"):
        skl2onnx.convert_sklearn(clf, initial_types=[("X", Int64TensorType([None, 2]))])
    with pytest.raises(NotFittedError):
        to_onnx(BareMLPClassifier(), 2)


def test_import_skbareback_leaves_onnx_alone():
    code = "import sys, skbareback; print('skl2onnx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ------------------------------------------------------------------ regressor


@cache
def _fit_regressor(loss, n_outputs, dtype=np.float64, **params):
    X, y = make_regression(200, 6, n_targets=n_outputs, noise=1.0, random_state=0)
    X = (X / X.std(axis=0)).astype(dtype)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    if loss == "poisson":
        y = np.round(np.exp(y / 2))
    reg = BareMLPRegressor(loss=loss, **(SMALL | params)).fit(X, y.astype(dtype))
    return reg, X


def _assert_regressor_graph_matches(reg, X, onx=None):
    (pred,) = _run(to_onnx(reg, X) if onx is None else onx, X)
    assert pred.dtype == X.dtype
    assert pred.shape == (len(X), reg.n_outputs_)
    expected = reg.predict(X).reshape(len(X), -1)
    np.testing.assert_allclose(pred, expected, rtol=1e-6, atol=ATOL[X.dtype.type])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_regressor_graph_matches_estimator(activation, loss, n_outputs, dtype):
    reg, X = _fit_regressor(loss, n_outputs, dtype, activation=activation)
    assert reg.coefs_[0].dtype == dtype
    _assert_regressor_graph_matches(reg, X)


@pytest.mark.parametrize("hidden_layer_sizes", [(), (12, 8, 6)])
def test_regressor_graph_depth_and_no_intercepts(hidden_layer_sizes):
    reg, X = _fit_regressor(
        "squared_error",
        2,
        hidden_layer_sizes=hidden_layer_sizes,
        fit_intercept=False,
        scale_target=False,
    )
    onx = to_onnx(reg, X)
    assert "Add" not in {node.op_type for node in onx.graph.node}
    _assert_regressor_graph_matches(reg, X, onx)


def test_regressor_pipeline_through_skl2onnx():
    reg, X = _fit_regressor("poisson", 1, np.float32)
    pipe = make_pipeline(StandardScaler(), BareMLPRegressor(**SMALL))
    pipe.fit(X, reg.predict(X))
    _assert_regressor_graph_matches(pipe[-1], pipe[0].transform(X))
    onx = skl2onnx.to_onnx(pipe, X[:1])
    (pred,) = _run(onx, X)
    np.testing.assert_allclose(pred[:, 0], pipe.predict(X), atol=1e-5)


def test_regressor_wrong_number_of_features():
    reg, _ = _fit_regressor("squared_error", 1)
    with pytest.raises(ValueError, match="X has 3 features, but BareMLPRegressor"):
        to_onnx(reg, 3)
    with pytest.raises(ValueError, match="but BareMLPRegressor was fitted with 6"):
        skl2onnx.convert_sklearn(reg, initial_types=[("X", FloatTensorType([None, 3]))])
