"""The command line: a report on built-in data, or a fit on the user's CSV."""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_moons
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._mlp import BareMLPClassifier


def _builtin_datasets():
    X_xor = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    yield "xor", X_xor, np.array([0, 1, 1, 0]), None
    yield "moons", *make_moons(600, noise=0.2, random_state=0), 5
    digits = load_digits()
    yield "digits", digits.data, digits.target, 5


def _report(name, X, y, cv):
    model = make_pipeline(StandardScaler(), BareMLPClassifier(random_state=0))
    if cv is None:
        X_train, X_test, y_train, y_test = X, X, y, y
    else:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0
        )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    clf = model[-1]
    line = (
        f"{name:<8} n={len(y):<5} accuracy={model.score(X_test, y_test):.3f} "
        f"fit={seconds * 1000:.1f} ms  iterations={clf.n_iter_} solver={clf.solver_}"
    )
    if cv is not None:
        scores = cross_val_score(model, X, y, cv=cv)
        line += f"  cv{cv}={scores.mean():.3f}+/-{scores.std():.3f}"
    print(line)


def main(argv=None):
    """Run the command line; return the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m skbareback", description=__doc__)
    parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, X, y, cv in _builtin_datasets():
            _report(name, X, y, cv)
    return 0
