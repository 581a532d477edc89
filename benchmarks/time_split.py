"""Where an adam epoch's time goes: the hidden activation, matrix products, the rest.

Times one ``BareMLPClassifier`` adam fit on ``make_classification`` data with
the activation and every matrix product of the training passes wrapped in a
timer, and reports each one's share of the fit. Run it once per CPU kind to
compare; to see what an AVX2 CPU computes on an AVX-512 machine, cap NumPy's
and OpenBLAS's dispatch::

    .venv/bin/python benchmarks/time_split.py
    NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL" OPENBLAS_CORETYPE=Haswell \\
        .venv/bin/python benchmarks/time_split.py

The timers add a few microseconds per call, billed to "the rest".
"""

import argparse
import time
import warnings

import numpy as np
from bench import cpu_label, environment
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier, _activations, _network


class _Timed:
    """``np`` for the network module, with ``matmul`` timed."""

    def __init__(self, totals):
        self._totals = totals

    def __getattr__(self, name):
        return getattr(np, name)

    def matmul(self, *args, **kwargs):
        start = time.perf_counter()
        out = np.matmul(*args, **kwargs)
        self._totals["matrix products"] += time.perf_counter() - start
        return out


def _timed(fn, totals, key):
    def wrapper(*args):
        start = time.perf_counter()
        fn(*args)
        totals[key] += time.perf_counter() - start

    return wrapper


def split(n_samples, n_features, hidden, epochs, activation):
    """Return ``{part: seconds}`` for one timed fit, and the fit's seconds."""
    X, y = make_classification(n_samples, n_features, random_state=0)
    totals = dict.fromkeys(["activation", "derivative", "matrix products"], 0.0)
    forward, derivative = _activations.HIDDEN_ACTIVATIONS[activation]
    saved = _activations.HIDDEN_ACTIVATIONS[activation], _network.np
    _activations.HIDDEN_ACTIVATIONS[activation] = (
        _timed(forward, totals, "activation"),
        _timed(derivative, totals, "derivative"),
    )
    _network.np = _Timed(totals)
    try:
        # The NumPy engine's passes are what this splits (_network.np).
        clf = BareMLPClassifier(
            (hidden,),
            activation,
            solver="adam",
            max_iter=epochs,
            tol=0.0,
            engine="numpy",
        )
        start = time.perf_counter()
        with warnings.catch_warnings():
            # tol=0: every epoch runs, as the timing wants.
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        total = time.perf_counter() - start
    finally:
        _activations.HIDDEN_ACTIVATIONS[activation], _network.np = saved
    return totals, total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--activation", default="tanh")
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_label(environment())}")
    totals, total = split(
        args.rows, args.features, args.hidden, args.epochs, args.activation
    )
    print(
        f"adam, {args.rows:,} x {args.features}, hidden ({args.hidden},), "
        f"{args.epochs} epochs: fit {total:.2f} s"
    )
    rest = total - sum(totals.values())
    for part, seconds in [*totals.items(), ("the rest", rest)]:
        print(f"  {part:>16}: {seconds:6.2f} s  {seconds / total:5.1%}")


if __name__ == "__main__":
    main()
