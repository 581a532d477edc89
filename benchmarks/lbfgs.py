"""The policy's NumPy L-BFGS against SciPy's L-BFGS-B, per iteration and per fit.

Two measurements, the two implementations interleaved, medians of ``--reps``,
on one BLAS thread:

1. 200 iterations on a convex quadratic of n weights, whose loss and
   gradient cost a few microseconds, so that the time is the optimizer's:
   n = 1,201, 3,401 and 6,401 (100 tanh units on 10, 32 and 62 features,
   one output). Microseconds an iteration.
2. ``BareMLPRegressor()`` fits (its policy: L-BFGS stopped on a held-out
   fifth) on scikit-learn's diabetes (353 rows of 10 features, one fold's
   training rows) and on ``make_regression(2000, 30)``, with either
   L-BFGS: milliseconds a fit, and the iterations run.

Usage::

    .venv/bin/python benchmarks/lbfgs.py
    .venv/bin/python benchmarks/lbfgs.py --reps 9
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_regression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skbareback import BareMLPRegressor
from skbareback._lbfgs import MINIMIZERS
from skbareback._policy import NUMPY_LBFGS

SIZES = (1201, 3401, 6401)
ITERATIONS = 200


def quadratic(n, seed=0):
    """A separable quadratic with curvatures from 1 to 100, and its start."""
    rng = np.random.default_rng(seed)
    curvature = rng.uniform(1.0, 100.0, n)
    gradient = np.empty(n)

    def fun(x):
        np.multiply(curvature, x, out=gradient)
        return 0.5 * float(x @ gradient), gradient.copy()

    return fun, rng.standard_normal(n)


def per_iteration(name, n):
    """Microseconds an iteration of the minimizer ``name`` on the quadratic."""
    fun, x0 = quadratic(n)
    start = time.perf_counter()
    result = MINIMIZERS[name](
        fun, x0, maxiter=ITERATIONS, maxfun=10 * ITERATIONS, gtol=0.0
    )
    return (time.perf_counter() - start) / result.nit * 1e6


def fit_time(name, X, y):
    """Milliseconds of one ``BareMLPRegressor()`` fit with the L-BFGS ``name``."""
    saved = NUMPY_LBFGS[True]
    NUMPY_LBFGS[True] = name
    try:
        start = time.perf_counter()
        model = BareMLPRegressor(random_state=0).fit(X, y)
        return (time.perf_counter() - start) * 1e3, model.n_iter_
    finally:
        NUMPY_LBFGS[True] = saved


def datasets():
    X, y = load_diabetes(return_X_y=True)
    rows = np.random.default_rng(0).permutation(len(y))[:353]
    yield "diabetes, 353 x 10", StandardScaler().fit_transform(X[rows]), y[rows]
    X, y = make_regression(2000, 30, n_informative=10, noise=10.0, random_state=0)
    yield "make_regression, 2,000 x 30", X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    names = ("scipy", "numpy")
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ftol=0 runs to the iteration cap
        print("| weights | SciPy's L-BFGS-B | NumPy L-BFGS | ratio |")
        print("|---|---|---|---|")
        for n in SIZES:
            times = {name: [] for name in names}
            for _ in range(args.reps):
                for name in names:
                    times[name].append(per_iteration(name, n))
            scipy_us, numpy_us = (statistics.median(times[k]) for k in names)
            print(
                f"| {n:,} | {scipy_us:.1f} us | {numpy_us:.1f} us "
                f"| {numpy_us / scipy_us:.2f} |"
            )
        print()
        print("| BareMLPRegressor() fit | SciPy's L-BFGS-B | NumPy L-BFGS | ratio |")
        print("|---|---|---|---|")
        for label, X, y in datasets():
            times, iters = {name: [] for name in names}, {}
            for _ in range(args.reps):
                for name in names:
                    ms, iters[name] = fit_time(name, X, y)
                    times[name].append(ms)
            scipy_ms, numpy_ms = (statistics.median(times[k]) for k in names)
            print(
                f"| {label} | {scipy_ms:.1f} ms ({iters['scipy']} iterations) "
                f"| {numpy_ms:.1f} ms ({iters['numpy']} iterations) "
                f"| {numpy_ms / scipy_ms:.2f} |"
            )


if __name__ == "__main__":
    main()
