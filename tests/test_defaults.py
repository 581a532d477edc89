"""Issue acceptance: the default BareMLPClassifier() works out of the box.

Run with ``pytest -s`` to see the measured numbers.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([0, 1, 1, 0])


@pytest.fixture(scope="module")
def moons():
    return make_moons(600, noise=0.2, random_state=0)


def test_default_learns_xor_confidently_without_warnings():
    confident, warned, worst = [], [], 1.0
    for seed in range(50):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            try:
                clf = BareMLPClassifier(random_state=seed).fit(X_XOR, Y_XOR)
            except ConvergenceWarning:
                warned.append(seed)
                continue
        true_class_proba = clf.predict_proba(X_XOR)[np.arange(4), Y_XOR]
        worst = min(worst, true_class_proba.min())
        if np.all(true_class_proba > 0.9):
            confident.append(seed)
    print(
        f"\nXOR: {len(confident)}/50 seeds confident (every p(true) > 0.9), "
        f"lowest p(true) {worst:.4f}, ConvergenceWarning for seeds {warned}"
    )
    assert not warned
    assert len(confident) >= 49


def test_default_pipeline_cross_validates_on_moons(moons):
    X, y = moons
    # random_state fixes the run; every other parameter is the default.
    pipe = make_pipeline(StandardScaler(), BareMLPClassifier(random_state=0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=5)
    n_warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    print(
        f"\nmoons 5-fold accuracy: mean {scores.mean():.4f}, folds "
        f"{np.round(scores, 4).tolist()}, ConvergenceWarnings {n_warned}/5"
    )
    assert scores.mean() >= 0.95


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_default_pipeline_grid_search_on_moons(moons):
    X, y = moons
    pipe = make_pipeline(StandardScaler(), BareMLPClassifier(random_state=0))
    grid = GridSearchCV(
        pipe,
        {
            "baremlpclassifier__hidden_layer_sizes": [(4,), (16,)],
            "baremlpclassifier__alpha": [1e-4, 1e-2],
        },
        cv=5,
    ).fit(X, y)
    print(f"\nmoons grid search: best_score_ {grid.best_score_:.4f}")
    for params, score in zip(
        grid.cv_results_["params"], grid.cv_results_["mean_test_score"]
    ):
        print(f"  {params}: {score:.4f}")
    assert grid.best_score_ >= 0.95
