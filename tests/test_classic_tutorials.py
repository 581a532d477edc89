"""The classic NumPy tutorial networks, reproduced by the estimator to 1e-10.

The oracles are the tutorials' own loops, written out below, and the numbers
the tutorials published. ``examples/plot_classic_tutorials.py`` runs the same
comparison at the tutorials' full iteration counts.
"""

import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from skbareback import BareMLPClassifier

# Each fit of the tutorials' training runs all its max_iter iterations on
# purpose (tol=0): the ConvergenceWarning it then raises is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plot_classic_tutorials.py"
ATOL = 1e-10
N_ITER = 2000
LOG_EVERY = 250

# Trask's inputs; Spencer-Harper's class orders the same rows differently.
X_TRASK = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
X_CLASS = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])

NETWORKS = {
    "2-layer": (X_TRASK, [0, 0, 1, 1], ()),
    "3-layer, 4 hidden": (X_TRASK, [0, 1, 1, 0], (4,)),
    "3-layer, 5 hidden": (X_TRASK, [0, 1, 1, 0], (5,)),
    "single neuron class": (X_CLASS, [0, 1, 1, 0], ()),
}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def tutorial_loop(X, y, hidden_layer_sizes, n_iter, log_every):
    """Train as the tutorials do; return the per-pass losses and a log.

    ``losses[j]`` is half the mean squared error of the outputs of the weights
    after ``j`` updates (what ``loss_curve_[j]`` records); ``log[j]``, for
    ``j`` a multiple of ``log_every``, holds those weights and outputs.
    """
    y = np.asarray(y)[:, np.newaxis]
    np.random.seed(1)  # noqa: NPY002 (the tutorials' legacy global RNG)
    sizes = [X.shape[1], *hidden_layer_sizes, 1]
    syn = [2 * np.random.random(shape) - 1 for shape in pairwise(sizes)]  # noqa: NPY002

    def forward(syn):
        layers = [X]
        for w in syn:
            layers.append(sigmoid(np.dot(layers[-1], w)))
        return layers

    losses, log = [], {}
    for j in range(1, n_iter + 1):
        layers = forward(syn)
        error = y - layers[-1]
        losses.append(0.5 * np.mean(error**2))
        # The delta rule, summed over the samples, back through every layer.
        delta = error * (layers[-1] * (1 - layers[-1]))
        for i in range(len(syn) - 1, -1, -1):
            step = layers[i].T.dot(delta)
            if i > 0:
                delta = delta.dot(syn[i].T) * (layers[i] * (1 - layers[i]))
            syn[i] += step
        if j % log_every == 0:
            log[j] = [w.copy() for w in syn], forward(syn)[-1][:, 0]
    return np.array(losses), log


def tutorial_estimator(hidden_layer_sizes, max_iter, **params):
    return BareMLPClassifier(
        hidden_layer_sizes,
        activation="logistic",
        solver="sgd",
        loss="squared_error",
        fit_intercept=False,
        weight_init="uniform",
        momentum=0,
        batch_size=4,
        shuffle=False,
        alpha=0,
        random_state=1,
        # The tutorials sum the gradient over their 4 samples; sgd averages.
        learning_rate_init=4.0,
        max_iter=max_iter,
        tol=0,
        n_iter_no_change=np.inf,
        **params,
    )


@pytest.mark.parametrize("network", NETWORKS)
def test_weights_and_outputs_match_the_tutorial_loop(network):
    X, y, hidden = NETWORKS[network]
    losses, log = tutorial_loop(X, y, hidden, N_ITER, LOG_EVERY)
    clf = tutorial_estimator(hidden, LOG_EVERY, warm_start=True)
    for j in range(LOG_EVERY, N_ITER + 1, LOG_EVERY):
        clf.fit(X, y)
        weights, outputs = log[j]
        assert [c.shape for c in clf.coefs_] == [w.shape for w in weights]
        for coef, w in zip(clf.coefs_, weights):
            np.testing.assert_allclose(coef, w, rtol=0, atol=ATOL, err_msg=f"j={j}")
        proba = clf.predict_proba(X)[:, 1]
        np.testing.assert_allclose(proba, outputs, rtol=0, atol=ATOL, err_msg=f"j={j}")
    # The warm starts continue one loss curve: one entry per pass.
    np.testing.assert_allclose(clf.loss_curve_, losses, rtol=0, atol=ATOL)


def test_two_layer_reproduces_the_published_output():
    # Trask prints l1 of the last of 10,000 passes: the weights after 9,999
    # updates.
    clf = tutorial_estimator((), 9999).fit(X_TRASK, [0, 0, 1, 1])
    published = [0.00966449, 0.00786506, 0.99358898, 0.99211957]
    np.testing.assert_allclose(
        clf.predict_proba(X_TRASK)[:, 1], published, rtol=0, atol=5e-9
    )


def test_three_layer_reproduces_the_published_error():
    # "Error:0.00858452565325" is printed at j = 10,000, before that pass's
    # update, with 12 significant digits.
    y = np.array([0, 1, 1, 0])
    clf = tutorial_estimator((4,), 10_000).fit(X_TRASK, y)
    error = np.mean(np.abs(y - clf.predict_proba(X_TRASK)[:, 1]))
    assert error == pytest.approx(0.00858452565325, rel=1e-11)


def test_neuron_class_reproduces_the_published_weights_and_answer():
    clf = tutorial_estimator((), 10_000).fit(X_CLASS, [0, 1, 1, 0])
    published = [9.67299303, -0.2078435, -4.62963669]
    np.testing.assert_allclose(clf.coefs_[0][:, 0], published, rtol=0, atol=5e-9)
    # "Considering new situation [1, 0, 0] -> ?: [ 0.99993704]"
    new_situation = clf.predict_proba([[1, 0, 0]])[0, 1]
    assert new_situation == pytest.approx(0.99993704, abs=5e-9)


@pytest.mark.extras  # matplotlib
def test_example_runs_and_reports_agreement(tmp_path, run_example):
    result = run_example(EXAMPLE)
    assert result.returncode == 0, result.stderr
    png = tmp_path / "classic_tutorials.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ConvergenceWarning" not in result.stderr
    # One tutorial-style table per network, with its largest differences.
    assert result.stdout.count("  input      target    tutorial   estimator") == 4
    number = r"(\d\.\de[+-]\d\d)"
    diffs = re.findall(
        rf"weights {number} \(final {number}\), outputs {number} \(final {number}\)",
        result.stdout,
    )
    assert len(diffs) == 4
    assert max(float(d) for row in diffs for d in row) < ATOL
    answer = re.search(r"tutorial (\S+), estimator (\S+)", result.stdout)
    assert answer[1] == answer[2]
