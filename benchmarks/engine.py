"""The engines side by side: NumPy and numba against MLPClassifier and the GEMM floor.

Two rows of issue 21, measured in one run, interleaved (every column once per
repetition, in turn), medians of ``--reps``:

- one adam epoch on 40,000 x 50, 100 tanh units, 5 classes, batches of 200;
- one L-BFGS iteration on 20,000 x 24, 100 tanh units, 3 classes.

Each is a marginal cost: the time of a fit of ``1 + --epochs`` epochs (or
``1 + --lbfgs-iter`` iterations) less that of a fit of one, over the epochs
(iterations) between them, so that validation and the first pass's setup are
left out on both sides.

Columns: MLPClassifier's time, then ratios to it of ours with
``engine='numpy'`` and ``engine='numba'`` in float64 and float32, and of
"GEMM-only": the five matrix products of the same forward and backward
passes (X W0, H W1, H^T D1, D1 W1^T, X^T D0) over the same batches, nothing
else, the floor no engine that leaves the products to BLAS can go under;
"GEMM+tanh": the same with the compiled bias + tanh on the hidden layer, the
floor of one that also computes tanh to its error bound.
Then ``predict_proba`` on 100,000 rows, numpy against numba. One BLAS thread.

Run: ``python benchmarks/engine.py [--reps 5]`` (needs numba: the fast extra).
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from kernels import cpu
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from skbareback import BareMLPClassifier

HIDDEN = 100
ROWS = {
    "adam": dict(n=40_000, d=50, k=5, batch=200),
    "lbfgs": dict(n=20_000, d=24, k=3, batch=20_000),
}


def _data(n, d, k, dtype):
    X, y = make_classification(
        n, d, n_informative=min(d, 20), n_classes=k, random_state=0
    )
    return X.astype(dtype), y


def _common(solver, max_iter):
    return dict(
        hidden_layer_sizes=(HIDDEN,),
        activation="tanh",
        solver=solver,
        alpha=1e-4,
        batch_size=200,
        max_iter=max_iter,
        random_state=0,
        tol=0.0,
        n_iter_no_change=10**6,
        early_stopping=False,
    )


def _fit_time(Estimator, params, X, y, more):
    """Seconds per epoch (or L-BFGS iteration): a fit of 1 + ``more`` less one of 1."""
    seconds, n_iter = [], []
    for max_iter in (1, 1 + more):
        est = Estimator(**{**params, "max_iter": max_iter})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            est.fit(X, y)
            seconds.append(time.perf_counter() - start)
        n_iter.append(est.n_iter_)
    return (seconds[1] - seconds[0]) / (n_iter[1] - n_iter[0])


def _gemm_only(X, k, batch, dtype, tanh=False):
    """The five matrix products of one epoch (one full-batch pass for L-BFGS).

    With ``tanh``, also the compiled bias + tanh on the hidden layer after
    its product: the least that any engine with a vectorised tanh and the
    products in BLAS must spend (one Python call per batch included).
    """
    activate = None
    if tanh:
        from skbareback import _numba_fused

        b0 = np.zeros(HIDDEN, dtype)

        def activate(H):
            _numba_fused.bias_activation(H, b0, "tanh")

    rs = np.random.RandomState(0)
    W0 = rs.uniform(-0.1, 0.1, (X.shape[1], HIDDEN)).astype(dtype)
    W1 = rs.uniform(-0.1, 0.1, (HIDDEN, k)).astype(dtype)
    H = np.empty((batch, HIDDEN), dtype)
    Z, D1 = np.empty((batch, k), dtype), np.ones((batch, k), dtype)
    D0, G0, G1 = np.empty_like(H), np.empty_like(W0), np.empty_like(W1)

    def run():
        start = time.perf_counter()
        for i in range(0, X.shape[0], batch):
            x = X[i : i + batch]
            np.matmul(x, W0, out=H)
            if activate is not None:
                activate(H)
            np.matmul(H, W1, out=Z)
            np.matmul(H.T, D1, out=G1)
            np.matmul(D1, W1.T, out=D0)
            np.matmul(x.T, D0, out=G0)
        return time.perf_counter() - start

    return run


def _columns(solver, more):
    """``{column: timing call}`` for one row."""
    shape = ROWS[solver]
    common = _common(solver, 1)
    data = {dt: _data(shape["n"], shape["d"], shape["k"], dt) for dt in ("f8", "f4")}
    calls = {
        "MLPClassifier": lambda: _fit_time(MLPClassifier, common, *data["f8"], more)
    }
    for engine in ("numpy", "numba"):
        for dt in ("f8", "f4"):
            params = {**common, "engine": engine}
            calls[f"{engine} {dt}"] = lambda p=params, d=dt: _fit_time(
                BareMLPClassifier, p, *data[d], more
            )
    for dt in ("f8", "f4"):
        run = _gemm_only(data[dt][0], shape["k"], shape["batch"], dt)
        calls[f"GEMM-only {dt}"] = run
    for dt in ("f8", "f4"):
        run = _gemm_only(data[dt][0], shape["k"], shape["batch"], dt, tanh=True)
        calls[f"GEMM+tanh {dt}"] = run
    return calls


def _interleaved(calls, reps):
    """Median seconds of each call, every call once per repetition, in turn."""
    for call in calls.values():
        call()  # warm-up: numba's kernels load (or compile) here
    times = {name: [] for name in calls}
    for _ in range(reps):
        for name, call in calls.items():
            times[name].append(call())
    return {name: statistics.median(t) for name, t in times.items()}


def _predict_proba(reps, n=100_000):
    """Median seconds of predict_proba on ``n`` rows, by engine and dtype."""
    X, y = _data(n, 50, 5, np.float64)
    result = {}
    for dt in ("f8", "f4"):
        clf = BareMLPClassifier(solver="adam", max_iter=1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[:2000].astype(dt), y[:2000])
        Xd = X.astype(dt)

        def call(engine, clf=clf, Xd=Xd):
            clf.engine_ = engine
            start = time.perf_counter()
            clf.predict_proba(Xd)
            return time.perf_counter() - start

        calls = {f"{e} {dt}": (lambda e=e: call(e)) for e in ("numpy", "numba")}
        result.update(_interleaved(calls, reps))
    return result


def parse_args(argv, description):
    """The repetitions and the work per timing (shared with threads.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lbfgs-iter", type=int, default=10)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0])
    names = [
        "numpy f8",
        "numpy f4",
        "numba f8",
        "numba f4",
        "GEMM-only f8",
        "GEMM-only f4",
        "GEMM+tanh f8",
        "GEMM+tanh f4",
    ]
    labels = {
        "adam": "adam epoch, 40,000 x 50, 100 tanh units, 5 classes, batch 200",
        "lbfgs": "L-BFGS iteration, 20,000 x 24, 100 tanh units, 3 classes",
    }
    print(f"CPU: {cpu()}; one BLAS thread; medians of {args.reps}, interleaved\n")
    head = "| work | MLPClassifier | " + " | ".join(names) + " |"
    print(head)
    print("|---" * (len(names) + 2) + "|")
    with threadpool_limits(1, user_api="blas"):
        for solver in ("adam", "lbfgs"):
            more = args.epochs if solver == "adam" else args.lbfgs_iter
            t = _interleaved(_columns(solver, more), args.reps)
            base = t["MLPClassifier"]
            ratios = " | ".join(f"{t[n] / base:.3f}" for n in names)
            print(f"| {labels[solver]} | {base * 1e3:.1f} ms (1.0) | {ratios} |")
        p = _predict_proba(args.reps)
    print("\n| predict_proba, 100,000 rows | numpy | numba | numpy / numba |")
    print("|---|---|---|---|")
    for dt in ("f8", "f4"):
        a, b = p[f"numpy {dt}"], p[f"numba {dt}"]
        dtype = "float64" if dt == "f8" else "float32"
        print(f"| {dtype} | {a * 1e3:.1f} ms | {b * 1e3:.1f} ms | {a / b:.2f} |")


if __name__ == "__main__":
    main()
