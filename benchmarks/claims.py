"""Re-measure the README's headline figures in one run.

Prints: XOR with default settings over 50 seeds (confident seeds, worst-point
probability, median fit time, ConvergenceWarnings); the scaled two-moons
pipeline's 5-fold accuracy and a small grid search; digits test accuracy; the
largest deviations from MLPClassifier over every solver, activation and
target type; and the largest ONNX-versus-estimator probability difference.
The tests assert each of these; this script prints the values.

Usage::

    .venv/bin/python benchmarks/claims.py
"""

import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_moons,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([0, 1, 1, 0])


def xor_defaults(seeds=50):
    """Fit ``BareMLPClassifier()`` on XOR once per seed."""
    worst, times, warned = [], [], 0
    for seed in range(seeds):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            clf = BareMLPClassifier(random_state=seed).fit(X_XOR, Y_XOR)
            times.append(time.perf_counter() - start)
        warned += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        worst.append(clf.predict_proba(X_XOR)[np.arange(4), Y_XOR].min())
    confident = sum(w > 0.9 for w in worst)
    print(
        f"XOR, defaults: {confident}/{seeds} seeds confident (> 0.9), lowest "
        f"true-class probability {min(worst):.4f}, median fit "
        f"{statistics.median(times) * 1e3:.1f} ms, ConvergenceWarnings {warned}"
    )


def small_data():
    """The moons pipeline, its grid search and digits, with defaults."""
    X, y = make_moons(600, noise=0.2, random_state=0)
    pipe = make_pipeline(StandardScaler(), BareMLPClassifier())
    grid = {
        "baremlpclassifier__hidden_layer_sizes": [(4,), (16,)],
        "baremlpclassifier__alpha": [1e-4, 1e-2],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = cross_val_score(pipe, X, y, cv=5).mean()
        search = GridSearchCV(pipe, grid, cv=5).fit(X, y)
        X, y = load_digits(return_X_y=True)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
        digits = make_pipeline(StandardScaler(), BareMLPClassifier(random_state=0))
        accuracy = digits.fit(X_tr, y_tr).score(X_te, y_te)
    print(f"moons pipeline, 5-fold accuracy: {cv:.4f}")
    print(f"moons grid search, best: {search.best_score_:.4f} {search.best_params_}")
    print(f"digits, test accuracy: {accuracy:.4f} (solver {digits[-1].solver_})")


def _parity_data(target):
    if target == "multilabel":
        X, y = make_multilabel_classification(200, 6, n_classes=3, random_state=0)
        return (X - X.mean(axis=0)) / X.std(axis=0), y
    n_classes = 2 if target == "binary" else 3
    return make_classification(
        200, 6, n_informative=4, n_classes=n_classes, random_state=0
    )


def parity():
    """Largest deviations from MLPClassifier, per solver."""
    for solver in ("adam", "sgd", "lbfgs"):
        loss_dev = proba_dev = 0.0
        same_iters = True
        for activation in ("identity", "logistic", "tanh", "relu"):
            for target in ("binary", "multiclass", "multilabel"):
                X, y = _parity_data(target)
                params = {
                    "hidden_layer_sizes": (8, 5),
                    "solver": solver,
                    "activation": activation,
                    "alpha": 1e-4,
                    "batch_size": 64,
                    "learning_rate_init": 0.01,
                    "max_iter": 30,
                    "random_state": 0,
                }
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    ref = MLPClassifier(**params).fit(X, y)
                    bare = BareMLPClassifier(**params).fit(X, y)
                ref_loss = np.array(getattr(ref, "loss_curve_", [ref.loss_]))
                bare_loss = np.array(
                    bare.loss_curve_ if solver != "lbfgs" else [bare.loss_]
                )
                loss_dev = max(loss_dev, np.max(np.abs(bare_loss / ref_loss - 1)))
                diff = np.abs(bare.predict_proba(X) - ref.predict_proba(X)).max()
                proba_dev = max(proba_dev, diff)
                same_iters &= bare.n_iter_ == ref.n_iter_
        print(
            f"parity, {solver}: loss rel. {loss_dev:.1e}, predict_proba abs. "
            f"{proba_dev:.1e}, n_iter_ equal: {same_iters}"
        )


def onnx():
    """Largest probability difference of the exported graphs."""
    import onnxruntime

    from skbareback.onnx import to_onnx

    digits = load_digits()
    sets = [
        (X_XOR, Y_XOR),
        make_moons(300, noise=0.2, random_state=0),
        (digits.data / 16, digits.target),
        make_multilabel_classification(200, 6, n_classes=3, random_state=0),
    ]
    for dtype in (np.float32, np.float64):
        worst, labels_equal = 0.0, True
        for X, y in sets:
            X = X.astype(dtype)
            for activation in ("identity", "logistic", "tanh", "relu"):
                clf = BareMLPClassifier(activation=activation, max_iter=50)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    clf.set_params(random_state=0).fit(X, y)
                graph = to_onnx(clf, X, options={"zipmap": False})
                session = onnxruntime.InferenceSession(
                    graph.SerializeToString(), providers=["CPUExecutionProvider"]
                )
                labels, proba = session.run(None, {"X": X})
                worst = max(worst, np.abs(proba - clf.predict_proba(X)).max())
                labels_equal &= bool((labels == clf.predict(X)).all())
        print(
            f"ONNX, {dtype.__name__}: max |probability difference| {worst:.1e}, "
            f"labels equal: {labels_equal}"
        )


if __name__ == "__main__":
    xor_defaults()
    small_data()
    parity()
    onnx()
