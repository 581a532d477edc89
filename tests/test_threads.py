"""``blas_threads`` governs numba's threads too (skbareback/_threads.py, _numba.py).

numba's thread count is set for the fit and restored after it, also when
the fit raises; None leaves it alone; more threads than numba launched are
capped. Two threads give the model of one: the parallel kernels share rows
among threads, and the loss summed over rows is summed in row order. Tests
marked ``extras`` need numba.
"""

import threading

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skbareback import BareMLPClassifier, _numba

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

needs_numba = pytest.mark.extras
X, Y = make_classification(600, 10, n_informative=6, n_classes=3, random_state=0)


def _numba_threads_seen_in_fit(**params):
    """numba's thread count and whether kernels run in parallel, during a fit."""
    seen = []

    def spy(est, X, y):
        import numba

        seen.append((numba.get_num_threads(), _numba.parallel(10**6, 1)))
        return 0.0

    clf = BareMLPClassifier(
        engine="numba", solver="adam", max_iter=2, scoring=spy, **params
    )
    clf.fit(X, Y, X_val=X[:20], y_val=Y[:20])
    return set(seen)


@pytest.fixture
def numba_threads():
    """numba set to one thread for the test; its count restored after."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield numba
    numba.set_num_threads(before)


@needs_numba
def test_fit_sets_numbas_threads_and_restores_them(numba_threads):
    two = min(2, numba_threads.config.NUMBA_NUM_THREADS)
    assert _numba_threads_seen_in_fit(blas_threads=2) == {(two, two > 1)}
    assert numba_threads.get_num_threads() == 1
    assert _numba_threads_seen_in_fit() == {(1, False)}


@needs_numba
def test_none_leaves_numbas_threads_as_configured(numba_threads):
    assert _numba_threads_seen_in_fit(blas_threads=None) == {(1, False)}
    numba_threads.set_num_threads(numba_threads.config.NUMBA_NUM_THREADS)
    most = numba_threads.config.NUMBA_NUM_THREADS
    assert _numba_threads_seen_in_fit(blas_threads=None) == {(most, most > 1)}


@needs_numba
def test_more_threads_than_numba_launched_are_capped(numba_threads):
    most = numba_threads.config.NUMBA_NUM_THREADS
    assert _numba_threads_seen_in_fit(blas_threads=most + 5) == {(most, most > 1)}
    assert numba_threads.get_num_threads() == 1


@needs_numba
def test_a_fit_that_raises_restores_numbas_threads(numba_threads):
    def spy(est, X, y):
        raise RuntimeError("scorer failed")

    clf = BareMLPClassifier(engine="numba", blas_threads=2, max_iter=2, scoring=spy)
    with pytest.raises(RuntimeError, match="scorer failed"):
        clf.fit(X, Y, X_val=X[:20], y_val=Y[:20])
    assert numba_threads.get_num_threads() == 1
    assert not _numba.parallel(10**6, 1)


@needs_numba
def test_other_threads_run_the_serial_kernels():
    # Chunked prediction's threads, for one: numba's count is per thread.
    seen = []
    with _numba.thread_limit(2):
        worker = threading.Thread(target=lambda: seen.append(_numba.parallel(10**6, 1)))
        worker.start()
        worker.join()
    assert seen == [False]


def _fit(solver, threads, dtype=np.float64, **params):
    clf = BareMLPClassifier(
        engine="numba",
        solver=solver,
        hidden_layer_sizes=(40, 30),
        batch_size=100,
        max_iter=8,
        random_state=0,
        blas_threads=threads,
        **params,
    )
    return clf.fit(X.astype(dtype), Y)


@needs_numba
@pytest.mark.parametrize("activation", ["tanh", "relu", "logistic"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_two_threads_give_the_model_of_one(solver, activation, monkeypatch):
    # Every kernel in parallel, however few its rows.
    monkeypatch.setattr(_numba, "MIN_PARALLEL_ELEMENTS", 1)
    one = _fit(solver, 1, activation=activation)
    two = _fit(solver, 2, activation=activation)
    np.testing.assert_allclose(two.loss_curve_, one.loss_curve_, rtol=1e-12)
    for a, b in zip(two.coefs_ + two.intercepts_, one.coefs_ + one.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        two.predict_proba(X), one.predict_proba(X), rtol=1e-12, atol=1e-15
    )


@needs_numba
def test_parallel_kernels_match_serial_ones_to_the_bit(monkeypatch):
    from skbareback import _numba_fused as fused

    monkeypatch.setattr(_numba, "MIN_PARALLEL_ELEMENTS", 1)
    rng = np.random.default_rng(0)
    Z, D, b = rng.normal(size=(50, 7)), rng.normal(size=(50, 7)), rng.normal(size=7)
    P = np.eye(7, dtype=bool)[rng.integers(0, 7, 50)]
    sw = rng.random(50)
    results = []
    for threads in (1, 2):
        z, d = Z.copy(), D.copy()
        with _numba.thread_limit(threads):
            fused.bias_activation(z, b, "tanh")
            fused.activation_derivative_times_delta(z, d, None, "tanh")
            total = fused.output_loss_delta(z, b, P, sw, d, "softmax", "log_loss")
        results.append((z, d, total))
    (z1, d1, t1), (z2, d2, t2) = results
    np.testing.assert_array_equal(z2, z1)
    np.testing.assert_array_equal(d2, d1)
    assert t2 == t1
