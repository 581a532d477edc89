"""The floor: a minimal NumPy adam loop against both estimators.

``minimal_adam`` is the least a NumPy implementation of the same training can
do: one tanh hidden layer, softmax output, batches of 200 sliced from a
once-per-epoch permuted copy, preallocated buffers, in-place Adam, one BLAS
thread. Where BareMLPClassifier's fit time equals it, the rest of the time is
BLAS and NumPy's ufuncs, which no NumPy code can skip. Prints a markdown table
of medians of interleaved repetitions and the ratios to MLPClassifier.

Usage::

    .venv/bin/python benchmarks/floor.py [--reps 5]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from skbareback import BareMLPClassifier

BETA_1, BETA_2, EPS = 0.9, 0.999, 1e-8


def _init(rs, fan_in, fan_out, dtype):
    # MLPClassifier's Glorot bound for tanh: coefficients, then intercepts.
    bound = np.sqrt(6 / (fan_in + fan_out))
    coef = rs.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
    return coef, rs.uniform(-bound, bound, fan_out).astype(dtype)


def minimal_adam(X, y, epochs, hidden=100, batch=200, lr=1e-3, alpha=1e-4, seed=0):
    """Train the network with adam; return its parameters [W0, c0, W1, c1]."""
    n, k, dtype = X.shape[0], y.max() + 1, X.dtype
    rs = np.random.RandomState(seed)
    W0, c0 = _init(rs, X.shape[1], hidden, dtype)
    W1, c1 = _init(rs, hidden, k, dtype)
    params = [W0, c0, W1, c1]
    grads = [np.empty_like(p) for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    Y = np.eye(k, dtype=dtype)[y]
    H, Z = np.empty((batch, hidden), dtype), np.empty((batch, k), dtype)
    D = np.empty((batch, hidden), dtype)
    t = 0
    with threadpool_limits(1, user_api="blas"):
        for _ in range(epochs):
            order = rs.permutation(n)
            Xp, Yp = X[order], Y[order]
            for start in range(0, n, batch):
                xb, yb = Xp[start : start + batch], Yp[start : start + batch]
                rows = xb.shape[0]
                h, z, d = H[:rows], Z[:rows], D[:rows]
                np.matmul(xb, W0, out=h)
                h += c0
                np.tanh(h, out=h)
                np.matmul(h, W1, out=z)
                z += c1
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                z /= z.sum(axis=1, keepdims=True)
                z -= yb
                np.matmul(h.T, z, out=grads[2])
                np.sum(z, axis=0, out=grads[3])
                np.matmul(z, W1.T, out=d)
                d *= 1 - h * h
                np.matmul(xb.T, d, out=grads[0])
                np.sum(d, axis=0, out=grads[1])
                grads[0] += alpha * W0
                grads[2] += alpha * W1
                t += 1
                step = lr * np.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
                for p, g, mi, vi in zip(params, grads, m, v):
                    g /= rows
                    mi *= BETA_1
                    mi += (1 - BETA_1) * g
                    vi *= BETA_2
                    vi += (1 - BETA_2) * g * g
                    p -= step * mi / (np.sqrt(vi) + EPS)
    return params


def _medians(calls, reps):
    times = [[] for _ in calls]
    for _ in range(reps):
        for i, call in enumerate(calls):
            start = time.perf_counter()
            call()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    X_digits, y_digits = load_digits(return_X_y=True)
    X_cls, y_cls = make_classification(
        200_000, 50, n_informative=30, n_classes=5, random_state=0
    )
    print("| workload | dtype | MLP | BareMLP | minimal loop | Bare/MLP | min/MLP |")
    print("|---|---|---|---|---|---|---|")
    workloads = [
        ("digits", X_digits / 16, y_digits, 30),
        ("classification", X_cls, y_cls, 3),
    ]
    for name, X, y, epochs in workloads:
        for dtype in (np.float64, np.float32):
            _row(name, X.astype(dtype), y, epochs, args.reps)


def _row(name, X, y, epochs, reps):
    params = {
        "hidden_layer_sizes": (100,),
        "activation": "tanh",
        "solver": "adam",
        "alpha": 1e-4,
        "batch_size": 200,
        "max_iter": epochs,
        "tol": 0,
        "n_iter_no_change": 10**9,
        "random_state": 0,
    }
    mlp, bare, floor = _medians(
        [
            lambda: MLPClassifier(**params).fit(X, y),
            lambda: BareMLPClassifier(**params).fit(X, y),
            lambda: minimal_adam(X, y, epochs),
        ],
        reps,
    )
    print(
        f"| {name} | {X.dtype} | {mlp * 1e3:.0f} ms | {bare * 1e3:.0f} ms | "
        f"{floor * 1e3:.0f} ms | {bare / mlp:.2f}x | {floor / mlp:.2f}x |",
        flush=True,
    )


if __name__ == "__main__":
    main()
