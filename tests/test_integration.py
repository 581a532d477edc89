"""BareMLPClassifier inside scikit-learn's tooling: meta-estimators, clone, pickle."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.ensemble import StackingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(n_classes=2):
    X, y = make_classification(
        150, 5, n_informative=3, n_classes=n_classes, random_state=0
    )
    # Offset and spread the features so scaling visibly matters.
    return X * [1, 10, 100, 0.1, 1] + 5, y


def _clf(**params):
    return BareMLPClassifier(
        **{"hidden_layer_sizes": (8,), "max_iter": 50, "random_state": 0, **params}
    )


def test_pipeline_with_standard_scaler():
    X, y = _data()
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", _clf())]).fit(X, y)
    Xs = StandardScaler().fit_transform(X)
    direct = _clf().fit(Xs, y)
    np.testing.assert_array_equal(pipe.predict_proba(X), direct.predict_proba(Xs))
    assert pipe.score(X, y) > 0.85
    assert pipe.classes_.tolist() == [0, 1]


def test_grid_search():
    X, y = _data(n_classes=3)
    grid = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("mlp", _clf())]),
        {"mlp__hidden_layer_sizes": [(4,), (8, 4)], "mlp__alpha": [1e-4, 1.0]},
        cv=3,
    ).fit(X, y)
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert grid.best_score_ > 0.7
    best = grid.best_estimator_.named_steps["mlp"]
    assert best.hidden_layer_sizes == grid.best_params_["mlp__hidden_layer_sizes"]
    assert best.alpha == grid.best_params_["mlp__alpha"]
    assert grid.predict_proba(X).shape == (150, 3)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_cross_val_score_matches_a_manual_loop(solver):
    X, y = _data()
    X = StandardScaler().fit_transform(X)
    cv = KFold(3, shuffle=True, random_state=0)
    clf = _clf(solver=solver, learning_rate_init=0.1)
    scores = cross_val_score(clf, X, y, cv=cv)
    manual = [
        clone(clf).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in cv.split(X)
    ]
    np.testing.assert_array_equal(scores, manual)
    assert scores.mean() > 0.8


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibrated_classifier(method):
    X, y = _data(n_classes=3)
    X = StandardScaler().fit_transform(X)
    cal = CalibratedClassifierCV(_clf(), method=method, cv=3).fit(X, y)
    proba = cal.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert cal.score(X, y) > 0.7


@pytest.mark.parametrize("stack_method", ["auto", "predict_proba", "decision_function"])
def test_stacking_classifier(stack_method):
    X, y = _data(n_classes=3)
    X = StandardScaler().fit_transform(X)
    stack = StackingClassifier(
        [("mlp", _clf()), ("deep", _clf(hidden_layer_sizes=(6, 4)))],
        final_estimator=LogisticRegression(),
        stack_method=stack_method,
        cv=3,
    ).fit(X, y)
    assert stack.transform(X).shape == (150, 6)
    assert stack.score(X, y) > 0.7


def test_clone_copies_params_and_drops_the_fit():
    X, y = _data()
    clf = _clf(solver="sgd", weight_init="uniform", fit_intercept=False).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    # The clone trains the same model.
    np.testing.assert_array_equal(copy.fit(X, y).predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_pickle_round_trip_predicts_identically(solver):
    X, y = _data(n_classes=3)
    clf = _clf(solver=solver).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    for method in ("predict", "predict_proba", "decision_function"):
        np.testing.assert_array_equal(
            getattr(restored, method)(X), getattr(clf, method)(X)
        )
    assert restored.get_params() == clf.get_params()


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_continues_identically_after_unpickling(solver):
    # The optimizer state (momentum velocity, adam moments and step count)
    # must survive pickling for the next partial_fit to be the same step.
    X, y = _data(n_classes=3)
    clf = _clf(solver=solver, learning_rate_init=0.01)
    for batch in np.array_split(np.arange(150), 3):
        clf.partial_fit(X[batch], y[batch], classes=[0, 1, 2])
    restored = pickle.loads(pickle.dumps(clf))
    for batch in np.array_split(np.arange(150), 2):
        clf.partial_fit(X[batch], y[batch])
        restored.partial_fit(X[batch], y[batch])
    for a, b in zip(
        restored.coefs_ + restored.intercepts_, clf.coefs_ + clf.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert restored.loss_curve_ == clf.loss_curve_
    assert restored.t_ == clf.t_


def test_pandas_dataframe_sets_feature_names():
    import pandas as pd

    X, y = _data()
    columns = [f"feature_{i}" for i in range(5)]
    df = pd.DataFrame(X, columns=columns)
    labels = pd.Series(np.where(y == 1, "yes", "no"))
    clf = _clf().fit(df, labels)
    np.testing.assert_array_equal(clf.feature_names_in_, columns)
    assert clf.n_features_in_ == 5
    assert clf.classes_.tolist() == ["no", "yes"]
    np.testing.assert_array_equal(clf.predict(df), _clf().fit(X, labels).predict(X))
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[columns[::-1]])
    assert not hasattr(_clf().fit(X, y), "feature_names_in_")
