"""Model selection runs unchanged on dask and Ray workers, with equal results.

Each backend starts a real local cluster once for the module, two worker
processes of one core each, bound to the loopback address only.
"""

import contextlib
import functools
import os
import warnings

import joblib
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import load_iris, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

from skbareback import BareMLPClassifier

N_WORKERS = 2
CORES_PER_WORKER = 1
SCORING = ["accuracy", "neg_log_loss"]


@contextlib.contextmanager
def _dask_cluster():
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=CORES_PER_WORKER,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        yield


@contextlib.contextmanager
def _ray_cluster():
    # Ray reads these at import. Without the second, it advertises the
    # machine's network address instead of the loopback one; the first keeps
    # it from reporting usage statistics.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    import ray
    from ray.util.joblib import register_ray

    register_ray()
    ray.init(
        num_cpus=N_WORKERS * CORES_PER_WORKER,
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        addresses = {node["NodeManagerAddress"] for node in ray.nodes()}
        assert addresses == {"127.0.0.1"}, addresses
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module", params=["dask", "ray"])
def backend(request):
    """The name of a joblib backend whose cluster is up for the module."""
    start = {"dask": _dask_cluster, "ray": _ray_cluster}[request.param]
    with start():
        yield request.param


# The three model selections, written once: the sequential reference and the
# cluster runs execute exactly this code; only the joblib backend differs.


# The workers are other processes, which conftest's --auto-engine does not
# reach: an explicit engine runs the same one on both sides.
ENGINE = "numpy"


def _grid_search():
    X, y = make_moons(300, noise=0.3, random_state=0)
    grid = {
        "hidden_layer_sizes": [(4,), (8,)],
        "alpha": [1e-4, 1e-1],
        "solver": ["lbfgs", "adam"],
    }
    model = BareMLPClassifier(max_iter=40, random_state=0, engine=ENGINE)
    search = GridSearchCV(model, grid, cv=3, scoring=SCORING, refit="neg_log_loss")
    return search.fit(X, y)


def _randomized_search():
    X, y = load_iris(return_X_y=True)
    distributions = {
        "hidden_layer_sizes": [(3,), (6,), (6, 4)],
        "activation": ["tanh", "relu", "logistic"],
        "alpha": loguniform(1e-5, 1e-1),
        "learning_rate_init": loguniform(1e-3, 1e-1),
    }
    model = BareMLPClassifier(solver="adam", max_iter=30, random_state=0, engine=ENGINE)
    search = RandomizedSearchCV(
        model,
        distributions,
        n_iter=8,
        cv=3,
        scoring=SCORING,
        refit="neg_log_loss",
        random_state=0,
    )
    return search.fit(X, y)


def _cross_validate():
    X, y = make_moons(300, noise=0.3, random_state=1)
    model = BareMLPClassifier((8,), max_iter=60, random_state=0, engine=ENGINE)
    return cross_validate(model, X, y, cv=6, scoring=SCORING, return_estimator=True)


RUNS = {
    "grid": _grid_search,
    "randomized": _randomized_search,
    "cross_validate": _cross_validate,
}


def _run(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return RUNS[name]()


@functools.cache
def _sequential(name):
    return _run(name)


def _assert_same_search(got, expected):
    assert got.best_params_ == expected.best_params_
    assert got.cv_results_["params"] == expected.cv_results_["params"]
    for key, value in expected.cv_results_.items():
        if "_test_" in key and not key.startswith("rank_"):
            np.testing.assert_allclose(
                got.cv_results_[key], value, rtol=0, atol=1e-12, err_msg=key
            )
        elif key.startswith("rank_"):
            np.testing.assert_array_equal(got.cv_results_[key], value, err_msg=key)


@pytest.mark.parametrize("search", ["grid", "randomized"])
def test_search_on_cluster_equals_sequential(backend, search):
    expected = _sequential(search)
    with joblib.parallel_backend(backend, n_jobs=N_WORKERS):
        got = _run(search)
    _assert_same_search(got, expected)


def test_cross_validate_on_cluster_equals_sequential(backend):
    expected = _sequential("cross_validate")
    with joblib.parallel_backend(backend, n_jobs=N_WORKERS):
        got = _run("cross_validate")
    for metric in SCORING:
        key = f"test_{metric}"
        np.testing.assert_allclose(
            got[key], expected[key], rtol=0, atol=1e-12, err_msg=key
        )
    # The models fitted on the workers are the sequential ones, bit for bit.
    for a, b in zip(got["estimator"], expected["estimator"]):
        for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            np.testing.assert_array_equal(u, v)


def test_blas_inside_fit_uses_no_more_threads_than_the_worker_has(backend):
    def fit_and_read_blas_threads():
        # Runs on a worker, so it imports what it needs itself. It spies on
        # the per-batch kernel, where the BLAS work happens, to read the
        # thread pools as fit sees them.
        import warnings
        from unittest import mock

        import threadpoolctl
        from sklearn.datasets import make_moons
        from sklearn.exceptions import ConvergenceWarning

        from skbareback import BareMLPClassifier, _network

        seen = []
        kernel = _network.Network.loss_grad

        def spy(self, *args, **kwargs):
            info = threadpoolctl.threadpool_info()
            seen.extend(p["num_threads"] for p in info if p["user_api"] == "blas")
            return kernel(self, *args, **kwargs)

        X, y = make_moons(400, noise=0.3, random_state=0)
        model = BareMLPClassifier((16,), solver="adam", max_iter=2, random_state=0)
        with (
            mock.patch.object(_network.Network, "loss_grad", spy),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return seen

    with joblib.parallel_backend(backend, n_jobs=N_WORKERS):
        runs = joblib.Parallel()(
            joblib.delayed(fit_and_read_blas_threads)() for _ in range(N_WORKERS)
        )
    for seen in runs:
        assert seen, "fit never reached the spied kernel"
        assert max(seen) <= CORES_PER_WORKER, seen
