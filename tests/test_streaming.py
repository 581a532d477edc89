"""dask-ml's Incremental streams chunks of a dask array through partial_fit."""

import gc
import warnings
import weakref

import dask.array as da
import numpy as np
import pytest
from dask_ml import wrappers
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skbareback import BareMLPClassifier

N_SAMPLES = 200_000
CHUNK = 20_000
PASSES = 3
PARAMS = {
    "hidden_layer_sizes": (32,),
    "solver": "adam",
    "batch_size": 200,
    "random_state": 0,
}


@pytest.fixture(scope="module")
def split():
    X, y = make_classification(
        n_samples=N_SAMPLES, n_features=20, n_informative=10, random_state=0
    )
    return train_test_split(X, y, test_size=0.2, random_state=0)


def _chunked(X, y, chunk=CHUNK):
    return da.from_array(X, chunks=(chunk, X.shape[1])), da.from_array(y, chunks=chunk)


def test_three_passes_over_chunks_match_three_epochs_in_memory(split):
    X_train, X_test, y_train, y_test = split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory = BareMLPClassifier(max_iter=PASSES, **PARAMS).fit(X_train, y_train)
    X, y = _chunked(X_train, y_train)
    streamed = wrappers.Incremental(BareMLPClassifier(**PARAMS), random_state=0)
    for _ in range(PASSES):
        streamed.partial_fit(X, y, classes=[0, 1])
    assert streamed.estimator_.t_ == in_memory.t_ == PASSES * len(X_train)
    accuracy = streamed.score(X_test, y_test)
    assert accuracy > 0.9
    assert abs(accuracy - in_memory.score(X_test, y_test)) <= 0.01


def test_incremental_is_partial_fit_chunk_by_chunk(split):
    X_train, X_test, y_train, _ = split
    X_train, y_train = X_train[:20_000], y_train[:20_000]
    X, y = _chunked(X_train, y_train, chunk=5_000)
    streamed = wrappers.Incremental(BareMLPClassifier(**PARAMS), shuffle_blocks=False)
    streamed.fit(X, y, classes=[0, 1])
    by_hand = BareMLPClassifier(**PARAMS)
    for start in range(0, len(X_train), 5_000):
        rows = slice(start, start + 5_000)
        by_hand.partial_fit(X_train[rows], y_train[rows], classes=[0, 1])
    np.testing.assert_array_equal(
        streamed.predict_proba(X_test), by_hand.predict_proba(X_test)
    )


def test_predictions_on_a_dask_array_stay_lazy_and_match(split):
    X_train, X_test, y_train, y_test = split
    X, y = _chunked(X_train[:20_000], y_train[:20_000], chunk=5_000)
    streamed = wrappers.Incremental(BareMLPClassifier(**PARAMS), random_state=0)
    streamed.fit(X, y, classes=[0, 1])
    X_lazy, _ = _chunked(X_test, y_test, chunk=10_000)
    predicted = streamed.predict(X_lazy)
    assert isinstance(predicted, da.Array)
    np.testing.assert_array_equal(predicted.compute(), streamed.predict(X_test))


@pytest.mark.parametrize(
    "method, solver",
    [("partial_fit", "adam"), ("partial_fit", "sgd"), ("fit", "lbfgs")],
)
def test_a_chunk_is_freed_as_soon_as_the_caller_drops_it(method, solver):
    # Out of core, memory is bounded by one chunk only if training keeps no
    # reference to it, not even one that waits for the cyclic collector.
    X, y = make_classification(500, 20, random_state=0)
    model = BareMLPClassifier((8,), solver=solver, max_iter=5, random_state=0)
    kwargs = {"classes": [0, 1]} if method == "partial_fit" else {}
    refs = weakref.ref(X), weakref.ref(y)
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            getattr(model, method)(X, y, **kwargs)
        del X, y
        assert [ref() is None for ref in refs] == [True, True]
    finally:
        gc.enable()
