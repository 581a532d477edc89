"""Input handling and the estimator API: dtypes, labels, shapes, errors, docs."""

import ast
import inspect
import re

import numpy as np
import pytest
import scipy.sparse as sp
from helpers import numpydoc_section
from sklearn.datasets import make_classification, make_multilabel_classification

from skbareback import BareMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = ["lbfgs", "sgd", "adam"]
X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([0, 1, 1, 0])


def _data(n_classes=3, n_samples=100):
    return make_classification(
        n_samples, 5, n_informative=3, n_classes=n_classes, random_state=0
    )


def _clf(**params):
    params = {"hidden_layer_sizes": (6,), "max_iter": 20, "random_state": 0, **params}
    return BareMLPClassifier(**params)


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_input_gives_the_dense_model(solver, fmt):
    X, y = _data()
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    dense = _clf(solver=solver).fit(X, y)
    sparse = _clf(solver=solver).fit(Xs, y)
    assert sparse.n_iter_ == dense.n_iter_
    for s, d in zip(
        sparse.coefs_ + sparse.intercepts_, dense.coefs_ + dense.intercepts_
    ):
        np.testing.assert_allclose(s, d, rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        sparse.predict_proba(Xs), dense.predict_proba(X), rtol=0, atol=1e-10
    )
    np.testing.assert_array_equal(sparse.predict(Xs), dense.predict(X))


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_input_keeps_float32(solver):
    X, y = _data()
    X32 = X.astype(np.float32)
    clf = _clf(solver=solver).fit(X32, y)
    for w in clf.coefs_ + clf.intercepts_:
        assert w.dtype == np.float32
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf.predict_log_proba(X32).dtype == np.float32
    assert clf.decision_function(X32).dtype == np.float32
    if solver != "lbfgs":  # L-BFGS's line searches amplify float32 rounding
        ref = _clf(solver=solver).fit(X, y)
        np.testing.assert_allclose(
            clf.predict_proba(X32), ref.predict_proba(X), rtol=0, atol=1e-3
        )


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 7, 11]),
        np.array([-5, -2, 0]),
        np.array(["ant", "bee", "cat"]),
        np.array(["no", "yes"], dtype=object),
        np.array([-1.0, 0.5e1, 2e3]),
        np.array([False, True]),
    ],
    ids=["ints", "negative-ints", "strings", "object-strings", "floats", "bools"],
)
def test_labels_round_trip_through_predict(labels):
    # Sorted labels index classes_ exactly as 0..k-1 do, so the model is the
    # integer-label model with its outputs relabelled.
    X, y = _data(n_classes=len(labels))
    clf = _clf().fit(X, labels[y])
    np.testing.assert_array_equal(clf.classes_, labels)
    pred = clf.predict(X)
    if labels.dtype != object:  # object labels come back as str, as in sklearn
        assert pred.dtype.kind == labels.dtype.kind
    np.testing.assert_array_equal(pred, labels[_clf().fit(X, y).predict(X)])
    assert np.mean(pred == labels[y]) > 0.8


def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(100, 5, n_classes=4, random_state=0)
    # The training fit is what is checked here: no early stopping.
    clf = _clf(hidden_layer_sizes=(32,), max_iter=200, early_stopping=False)
    clf.fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    pred = clf.predict(X)
    assert pred.shape == (100, 4)
    assert set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == (100, 4)
    assert not np.allclose(proba.sum(axis=1), 1)  # independent sigmoids
    np.testing.assert_array_equal(pred, proba > 0.5)
    assert np.mean(pred == Y) > 0.85  # predicting the majority scores 0.55


# ----------------------------------------------------------- predictions


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_decision_function_shape_agrees_with_predict(target):
    if target == "multilabel":
        X, y = make_multilabel_classification(100, 5, n_classes=3, random_state=0)
    else:
        X, y = _data(n_classes=2 if target == "binary" else 3)
    clf = _clf().fit(X, y)
    scores = clf.decision_function(X)
    pred = clf.predict(X)
    if target == "binary":
        assert scores.shape == (100,)
        np.testing.assert_array_equal(pred, clf.classes_[(scores > 0).astype(int)])
    elif target == "multiclass":
        assert scores.shape == (100, 3)
        np.testing.assert_array_equal(pred, clf.classes_[scores.argmax(axis=1)])
    else:
        assert scores.shape == (100, 3)
        np.testing.assert_array_equal(pred, (scores > 0).astype(int))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_log_proba_is_the_finite_log_of_predict_proba(n_classes, dtype):
    X, y = _data(n_classes=n_classes)
    X = X.astype(dtype)
    clf = _clf().fit(X, y)
    # Far-out inputs saturate the output units: the log must stay finite.
    for Xt in (X, dtype(1e4) * X):
        proba = clf.predict_proba(Xt)
        log_proba = clf.predict_log_proba(Xt)
        assert log_proba.dtype == dtype
        assert np.isfinite(log_proba).all()
        np.testing.assert_allclose(log_proba, np.log(proba), rtol=1e-6)
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_feature_count_mismatch_at_predict_raises(method):
    X, y = _data()
    clf = _clf().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        getattr(clf, method)(X[:, :4])


# ----------------------------------------------------------- partial_fit


def test_partial_fit_needs_classes_on_first_call():
    X, y = _data()
    clf = _clf(solver="sgd")
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "coefs_")
    clf.partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X[:10], y[:10])  # classes not needed afterwards


@pytest.mark.parametrize("solver", ["sgd", "adam", "auto"])
def test_partial_fit_rejects_unknown_labels(solver):
    X, y = _data()
    clf = _clf(solver=solver)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert clf.solver_ == ("adam" if solver == "auto" else solver)
    coefs = [c.copy() for c in clf.coefs_]
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, np.where(y == 0, 9, y))
    for before, after in zip(coefs, clf.coefs_):
        np.testing.assert_array_equal(before, after)  # a failed call changes nothing


def test_partial_fit_is_absent_for_lbfgs():
    clf = BareMLPClassifier(solver="lbfgs")
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        clf.partial_fit(*_data())
    assert hasattr(BareMLPClassifier(solver="auto"), "partial_fit")


@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_continues(solver):
    X, y = _data()
    clf = _clf(solver=solver, warm_start=True, max_iter=5, tol=0)
    clf.fit(X, y)
    first_curve, first_t = list(clf.loss_curve_), clf.t_
    clf.fit(X, y)
    # As in MLPClassifier, n_iter_ counts the last call's epochs; the history
    # (loss_curve_, t_) accumulates across calls.
    assert clf.n_iter_ == 5
    assert len(clf.loss_curve_) == 10
    assert clf.loss_curve_[:5] == first_curve
    assert clf.loss_curve_[5] < first_curve[0]  # started from the fitted weights
    assert clf.t_ == (2 * first_t if solver != "lbfgs" else 0)


# ------------------------------------------------------ fitted attributes


@pytest.mark.parametrize(
    ("solver", "early_stopping"),
    [("lbfgs", False), ("sgd", False), ("adam", False), ("adam", True)],
)
def test_documented_fitted_attributes_exist(solver, early_stopping):
    import pandas as pd

    X, y = _data()
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = _clf(
        solver=solver,
        hidden_layer_sizes=(6, 4),
        early_stopping=early_stopping,
        max_iter=50,
    ).fit(X, y)
    documented = [
        name for name, _ in numpydoc_section(BareMLPClassifier.__doc__, "Attributes")
    ]
    assert documented
    missing = [name for name in documented if not hasattr(clf, name)]
    assert not missing, f"documented but not set after fit: {missing}"

    assert clf.n_layers_ == 4
    assert clf.n_outputs_ == 3
    assert clf.out_activation_ == "softmax"
    assert clf.solver_ == solver
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.loss_ == pytest.approx(clf.loss_curve_[-1])
    n_train = len(X) - (10 if early_stopping else 0)
    assert clf.t_ == (0 if solver == "lbfgs" else clf.n_iter_ * n_train)
    if early_stopping:
        assert clf.best_loss_ is None
        assert len(clf.validation_scores_) == clf.n_iter_
        assert clf.best_validation_score_ == max(clf.validation_scores_)
    else:
        assert clf.best_loss_ == pytest.approx(min(clf.loss_curve_))
        assert clf.validation_scores_ is None
        assert clf.best_validation_score_ is None


def test_binary_output_layer():
    clf = _clf().fit(*_data(n_classes=2))
    assert clf.n_outputs_ == 1
    assert clf.out_activation_ == "logistic"
    assert clf.coefs_[-1].shape == (6, 1)


# --------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("activation", "bad"),
        ("activation", None),
        ("solver", "bad"),
        ("solver", "LBFGS"),
        ("learning_rate", "bad"),
        ("loss", "bad"),
        ("weight_init", "bad"),
        ("alpha", -1),
        ("alpha", "a"),
        ("alpha", float("nan")),
        ("max_iter", 0),
        ("max_iter", 1.5),
        ("max_fun", 0),
        ("momentum", 2),
        ("momentum", -0.1),
        ("learning_rate_init", 0),
        ("power_t", -1),
        ("tol", -1),
        ("beta_1", 1),
        ("beta_2", 1),
        ("beta_2", -0.5),
        ("epsilon", 0),
        ("hidden_layer_sizes", (0,)),
        ("hidden_layer_sizes", 0),
        ("hidden_layer_sizes", (10, -1)),
        ("hidden_layer_sizes", (2.5,)),
        ("hidden_layer_sizes", "a"),
        ("hidden_layer_sizes", None),
        ("batch_size", 0),
        ("batch_size", "big"),
        ("batch_size", 2.5),
        ("validation_fraction", 1),
        ("validation_fraction", 0),
        ("n_iter_no_change", 0),
        ("shuffle", "yes"),
        ("warm_start", 1),
        ("nesterovs_momentum", None),
        ("early_stopping", "no"),
        ("fit_intercept", 0),
        ("verbose", "loud"),
    ],
)
def test_invalid_hyperparameter_raises_naming_it(param, value):
    X, y = _data()
    clf = BareMLPClassifier(**{param: value})  # __init__ only stores
    with pytest.raises((ValueError, TypeError), match=re.escape(param)):
        clf.fit(X, y)
    if value != "LBFGS" and hasattr(clf, "partial_fit"):
        with pytest.raises((ValueError, TypeError), match=re.escape(param)):
            clf.partial_fit(X, y, classes=[0, 1, 2])
    assert not hasattr(clf, "coefs_")


def test_documented_parameters_match_signature():
    signature = inspect.signature(BareMLPClassifier.__init__).parameters
    expected = [name for name in signature if name != "self"]
    documented = numpydoc_section(BareMLPClassifier.__doc__, "Parameters")
    assert [name for name, _ in documented] == expected
    for name, header in documented:
        default = re.search(r"default=(.+)$", header)
        assert default, f"{name}: no 'default=' in the docstring"
        assert ast.literal_eval(default.group(1)) == signature[name].default, name


# ---------------------------------------------------------------- options


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_hidden_layer(solver):
    X, y = _data()
    clf = _clf(
        solver=solver, hidden_layer_sizes=(), learning_rate_init=0.1, max_iter=200
    ).fit(X, y)
    assert clf.n_layers_ == 2
    assert [c.shape for c in clf.coefs_] == [(5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(3,)]
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize("solver", SOLVERS)
def test_fit_intercept_false_keeps_intercepts_zero(solver):
    X, y = _data()
    clf = _clf(
        solver=solver,
        fit_intercept=False,
        hidden_layer_sizes=(6, 4),
        learning_rate_init=0.05,
        max_iter=50,
    ).fit(X, y)
    for intercept in clf.intercepts_:
        np.testing.assert_array_equal(intercept, 0)
    clf.set_params(warm_start=True).fit(X, y)
    for intercept in clf.intercepts_:
        np.testing.assert_array_equal(intercept, 0)
    assert clf.score(X, y) > 0.7


@pytest.mark.parametrize("seed", [0, 42])
def test_uniform_weight_init_draws_the_tutorial_weights(seed):
    X, y = _data()
    # One SGD step of size 1e-300 leaves every weight at its initial value.
    clf = _clf(
        solver="sgd",
        weight_init="uniform",
        hidden_layer_sizes=(4, 3),
        learning_rate_init=1e-300,
        momentum=0,
        max_iter=1,
        shuffle=False,
        random_state=seed,
    ).fit(X, y)
    rs = np.random.RandomState(seed)
    np.testing.assert_array_equal(clf.coefs_[0], 2 * rs.random_sample((5, 4)) - 1)
    # "Layer by layer": each layer's coefficients, then its intercepts.
    np.testing.assert_array_equal(clf.intercepts_[0], 2 * rs.random_sample(4) - 1)
    np.testing.assert_array_equal(clf.coefs_[1], 2 * rs.random_sample((4, 3)) - 1)
    assert np.abs(np.concatenate([c.ravel() for c in clf.coefs_])).max() <= 1


@pytest.mark.parametrize("random_state", range(3))
def test_squared_error_loss_learns_xor(random_state):
    clf = BareMLPClassifier(loss="squared_error", random_state=random_state)
    clf.fit(X_XOR, Y_XOR)
    np.testing.assert_array_equal(clf.predict(X_XOR), Y_XOR)
    assert clf.loss_ < 0.05
