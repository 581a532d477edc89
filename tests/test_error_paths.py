"""The less travelled paths: mismatched calls, sparse targets, verbose output."""

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier

X, y = make_classification(120, 5, n_informative=3, random_state=0)
X_ml, Y_ml = make_multilabel_classification(120, 5, n_classes=3, random_state=0)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_partial_fit_rejects_other_classes_later():
    clf = BareMLPClassifier(solver="adam", random_state=0)
    clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_warm_start_with_other_layer_shapes_is_an_error():
    clf = BareMLPClassifier(hidden_layer_sizes=(4,), max_iter=5, warm_start=True)
    clf.fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="do not match"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_sparse_multilabel_targets_equal_dense():
    params = {"solver": "adam", "max_iter": 5, "random_state": 0}
    dense = BareMLPClassifier(**params).fit(X_ml, Y_ml)
    sparse = BareMLPClassifier(**params).fit(X_ml, scipy.sparse.csr_matrix(Y_ml))
    np.testing.assert_array_equal(sparse.predict_proba(X_ml), dense.predict_proba(X_ml))


def test_partial_fit_rejects_another_label_count():
    clf = BareMLPClassifier(solver="adam", random_state=0).partial_fit(X_ml, Y_ml)
    with pytest.raises(ValueError, match="multilabel-indicator"):
        clf.partial_fit(X_ml, Y_ml[:, :2])


def test_validation_set_lengths_must_agree():
    clf = BareMLPClassifier(solver="adam", max_iter=3)
    with pytest.raises(ValueError, match="X_val has 10 samples but y_val has 9"):
        clf.fit(X, y, X_val=X[:10], y_val=y[:9])


def test_partial_fit_rejects_early_stopping():
    clf = BareMLPClassifier(solver="adam", early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support"):
        clf.partial_fit(X, y, classes=[0, 1])


def test_a_too_small_validation_split_is_an_error():
    clf = BareMLPClassifier(
        solver="adam", early_stopping=True, validation_fraction=0.01, max_iter=3
    )
    # Multilabel targets are split without stratification, down to one row.
    with pytest.raises(ValueError, match="validation set is too small"):
        clf.fit(X_ml[:40], Y_ml[:40])


def test_verbose_prints_validation_scores(capsys):
    clf = BareMLPClassifier(
        solver="adam", early_stopping=True, verbose=True, max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Validation score:") == clf.n_iter_ == 3
