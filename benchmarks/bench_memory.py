"""Peak memory of fit and predict_proba on float32 data, against X.nbytes.

Run from the repository root::

    .venv/bin/python benchmarks/bench_memory.py --quick    # 50k rows, seconds
    .venv/bin/python benchmarks/bench_memory.py            # 200k rows
    .venv/bin/python benchmarks/bench_memory.py --json /tmp/memory.json

The data is ``make_classification(200_000, 50, n_informative=30,
n_classes=5)`` cast to float32 (40 MB; 50k rows with ``--quick``). Each call
is measured with ``tracemalloc``, to which NumPy reports every array it
allocates: the peak of traced memory during the call minus the traced memory
before it. So the peak extra memory counts every copy, temporary and buffer
the call makes, and nothing that existed before.

The calls, for BareMLPClassifier and (context) MLPClassifier with the same
hyperparameters:

- ``fit`` with adam, ``batch_size=200``, ``hidden_layer_sizes=(100,)``,
  2 epochs, ``tol=0``;
- ``predict_proba`` on all the training rows, with the model just fitted;
- ``fit`` with L-BFGS, 3 iterations, on the first 50k rows (20k with
  ``--quick``): a full-batch pass over every row per loss evaluation.

``peak / X`` is the peak extra over ``X.nbytes`` of the call's input. A
float64 copy of float32 input would add 2 x X.nbytes on its own. For
BareMLPClassifier the ``expected`` column is the model of its allocations
described in ``expected_mb``: one permuted copy of X per epoch for the
stochastic solvers, chunk-sized activations for full-batch passes and
prediction. Not traced: buffers that BLAS allocates for itself, and the
interpreter's own memory outside Python objects.
"""

import argparse
import gc
import json
import time
import tracemalloc
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import threadpoolctl
from bench import cpu_label, environment
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skbareback import BareMLPClassifier

# Private, and read here so that the model follows the library: full-batch
# passes and predictions go through the data this many rows at a time.
from skbareback._base import _PREDICT_CHUNK_ROWS
from skbareback._network import chunk_rows
from skbareback._training import _LBFGS_CHUNK_ROWS

RANDOM_STATE = 0
N_FEATURES = 50
N_CLASSES = 5
HIDDEN = 100
BATCH_SIZE = 200
MB = 1e6


@dataclass
class Row:
    """One measured call."""

    estimator: str
    call: str
    solver: str
    n_rows: int
    x_mb: float
    peak_mb: float
    retained_mb: float
    seconds: float
    expected_mb: float | None = None

    @property
    def ratio(self):
        return self.peak_mb / self.x_mb


def make_data(n_rows):
    """The float32 data set; labels as int64."""
    X, y = make_classification(
        n_rows,
        N_FEATURES,
        n_informative=30,
        n_classes=N_CLASSES,
        random_state=RANDOM_STATE,
    )
    return X.astype(np.float32), y


def make_estimator(cls, solver, max_iter):
    """BareMLPClassifier or MLPClassifier with the benchmark's settings."""
    return cls(
        hidden_layer_sizes=(HIDDEN,),
        activation="tanh",
        solver=solver,
        alpha=1e-4,
        batch_size=BATCH_SIZE,
        max_iter=max_iter,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=RANDOM_STATE,
    )


def traced_peak(call):
    """Run ``call()``; return peak and retained extra bytes, and seconds.

    Both are relative to the traced memory just before the call, so arrays
    that already exist (X, a fitted model) do not count.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
        current, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak - before, current - before, seconds


def expected_mb(call, solver, n_rows, itemsize=4):
    """BareMLPClassifier's allocations during ``call``, modelled, in MB.

    ``fit``, stochastic: one permuted copy of X and of the boolean targets
    per epoch, the int64 running order, and for one batch the activations
    and deltas plus the derivatives' scratch buffer.
    ``fit``, L-BFGS: the same per-chunk buffers for one chunk of rows, the
    boolean targets, and scipy's L-BFGS-B state: about 30 float64 vectors of
    the parameters' length (10 correction pairs and its work vectors).
    ``predict_proba``: the output, plus one chunk's hidden and output
    activations per thread.
    """
    units = HIDDEN + N_CLASSES
    layers = (N_FEATURES, HIDDEN, N_CLASSES)
    if call == "predict_proba":
        rows = chunk_rows(layers, itemsize, _PREDICT_CHUNK_ROWS)
        threads = min(-(-n_rows // rows), _blas_threads())
        chunk = min(n_rows, rows) * units * itemsize
        return (n_rows * N_CLASSES * itemsize + threads * chunk) / MB
    chunk = chunk_rows(layers, itemsize, _LBFGS_CHUNK_ROWS, arrays=2)
    rows = BATCH_SIZE if solver != "lbfgs" else min(n_rows, chunk)
    buffers = rows * (2 * units + HIDDEN) * itemsize
    if solver == "lbfgs":
        n_params = (N_FEATURES + 1) * HIDDEN + (HIDDEN + 1) * N_CLASSES
        return (buffers + n_rows * N_CLASSES + 30 * 8 * n_params) / MB
    permuted = n_rows * (N_FEATURES * itemsize + 2 * N_CLASSES + 8)
    return (permuted + buffers) / MB


def _blas_threads():
    info = threadpoolctl.threadpool_info()
    return max((p["num_threads"] for p in info if p["user_api"] == "blas"), default=1)


def warm_up(X, y):
    """Import and compile the engine 'auto' picks, so no row counts it.

    The numba engine's first fit imports the compiler and compiles its
    kernels (tens of MB, once per process): memory of the process, not of
    the fit.
    """
    from skbareback import _numba

    if _numba.available():
        for solver in ("adam", "lbfgs"):
            est = make_estimator(BareMLPClassifier, solver, max_iter=1)
            est.set_params(engine="numba").fit(X[:1000], y[:1000])


def measure(cls, X, y, X_lbfgs, y_lbfgs):
    """The three rows of one estimator: fit adam, predict_proba, fit lbfgs."""
    name = cls.__name__
    bare = cls is BareMLPClassifier
    rows = []
    if bare:
        warm_up(X, y)
    est = make_estimator(cls, "adam", max_iter=2)
    plan = (
        ("fit", "adam", X, lambda: est.fit(X, y)),
        ("predict_proba", "adam", X, lambda: est.predict_proba(X)),
    )
    lbfgs = make_estimator(cls, "lbfgs", max_iter=3)
    plan += (("fit", "lbfgs", X_lbfgs, lambda: lbfgs.fit(X_lbfgs, y_lbfgs)),)
    for call, solver, data, run in plan:
        peak, retained, seconds = traced_peak(run)
        expected = expected_mb(call, solver, data.shape[0]) if bare else None
        rows.append(
            Row(
                name,
                call,
                solver,
                data.shape[0],
                data.nbytes / MB,
                peak / MB,
                retained / MB,
                seconds,
                expected,
            )
        )
    return rows


def markdown_table(rows):
    """Render rows as a markdown table; peak / X = peak extra / X.nbytes."""
    lines = [
        "| estimator | call | solver | rows | X MB | peak extra MB | peak / X "
        "| expected MB | retained MB | time (traced) |",
        "|" + "---|" * 10,
    ]
    for r in rows:
        cells = (
            r.estimator,
            r.call,
            r.solver,
            f"{r.n_rows:,}",
            f"{r.x_mb:.1f}",
            f"{r.peak_mb:.1f}",
            f"{r.ratio:.2f}x",
            "-" if r.expected_mb is None else f"{r.expected_mb:.1f}",
            f"{r.retained_mb:.1f}",
            f"{r.seconds:.2f} s",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def header_line(env, n_rows, n_lbfgs):
    """One line naming the machine, the versions and the data."""
    return (
        f"CPU: {cpu_label(env)} | Python {env['python']} | "
        f"numpy {env['numpy']} | sklearn {env['sklearn']} | data: "
        f"make_classification {n_rows:,} x {N_FEATURES} float32 "
        f"(lbfgs: first {n_lbfgs:,} rows) | hidden ({HIDDEN},), batch_size "
        f"{BATCH_SIZE}, adam 2 epochs, lbfgs 3 iterations | BLAS threads "
        f"{_blas_threads()} (BareMLP fit: 1)"
    )


def parse_args(argv=None):
    """The command line, documented by ``--help``."""
    parser = argparse.ArgumentParser(
        description="Peak extra memory of fit and predict_proba (tracemalloc).",
    )
    parser.add_argument("--quick", action="store_true", help="50k rows (lbfgs 20k)")
    parser.add_argument("--json", metavar="PATH", help="also save the results")
    return parser.parse_args(argv)


def main(argv=None):
    """Measure both estimators and print the table."""
    args = parse_args(argv)
    n_rows, n_lbfgs = (50_000, 20_000) if args.quick else (200_000, 50_000)
    X, y = make_data(n_rows)
    X_lbfgs, y_lbfgs = X[:n_lbfgs], y[:n_lbfgs]
    env = environment()
    print(header_line(env, n_rows, n_lbfgs), flush=True)
    start = time.perf_counter()
    rows = []
    with warnings.catch_warnings():
        # Two epochs and three iterations stop short of convergence by design.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for cls in (BareMLPClassifier, MLPClassifier):
            rows.extend(measure(cls, X, y, X_lbfgs, y_lbfgs))
    print()
    print(markdown_table(rows))
    print(
        f"\nA float64 copy of X would add {2 * X.nbytes / MB:.0f} MB "
        f"(2 x X.nbytes) to a fit on all {n_rows:,} rows. "
        f"Total {time.perf_counter() - start:.1f} s."
    )
    if args.json:
        payload = {
            "environment": env,
            "n_rows": n_rows,
            "n_rows_lbfgs": n_lbfgs,
            "rows": [dict(asdict(r), ratio=r.ratio) for r in rows],
        }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=2)


if __name__ == "__main__":
    main()
