"""Speed-up from 1 to 2 threads: ``blas_threads=2`` against ``blas_threads=1``.

The two rows of ``benchmarks/engine.py`` (an adam epoch on 40,000 x 50, an
L-BFGS iteration on 20,000 x 24; 100 tanh units), for ``engine='numpy'``
(BLAS threads only) and ``engine='numba'`` (BLAS and numba's threads, its
kernels parallel over rows), in float64 and float32. Each time is a marginal
cost as in engine.py; every column runs once per repetition, in turn, and the
table shows medians as ratios: time with 2 threads / time with 1 (below 1 is
faster). The last two columns tell the two pools apart: numba on 2 threads
with BLAS on 1 (``blas_threads=None`` under those limits). On a machine
shared with other processes, two threads wait on the busier core: run it
twice.

Run: ``python benchmarks/threads.py [--reps 5]`` (needs numba: the fast extra).
"""

import numba
from engine import ROWS, _common, _data, _fit_time, _interleaved, parse_args
from kernels import cpu
from threadpoolctl import threadpool_limits

from skbareback import BareMLPClassifier

LABELS = {
    "adam": "adam epoch, 40,000 x 50, 100 tanh units, 5 classes, batch 200",
    "lbfgs": "L-BFGS iteration, 20,000 x 24, 100 tanh units, 3 classes",
}
COLUMNS = [(e, dt) for e in ("numpy", "numba") for dt in ("f8", "f4")]
NUMBA_ONLY = "numba 2, BLAS 1"


def _numba_only(fit):
    """``fit`` on 2 numba threads and 1 BLAS thread; numba's count restored."""
    before = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(1, user_api="blas"):
            return fit()
    finally:
        numba.set_num_threads(before)


def _calls(solver, more):
    """``{(engine, dtype, threads): timing call}`` for one row.

    ``threads`` is 1, 2, or None for numba's 2 threads with BLAS's 1.
    """
    shape = ROWS[solver]
    data = {dt: _data(shape["n"], shape["d"], shape["k"], dt) for dt in ("f8", "f4")}

    def fit(engine, dt, threads):
        params = {**_common(solver, 1), "engine": engine, "blas_threads": threads}
        return _fit_time(BareMLPClassifier, params, *data[dt], more)

    calls = {}
    for engine, dt in COLUMNS:
        for threads in (1, 2):
            calls[engine, dt, threads] = lambda a=(engine, dt, threads): fit(*a)
    for dt in ("f8", "f4"):
        calls["numba", dt, None] = lambda d=dt: _numba_only(
            lambda: fit("numba", d, None)
        )
    return calls


def main(argv=None):
    args = parse_args(argv, __doc__.splitlines()[0])
    print(f"CPU: {cpu()}; medians of {args.reps}, interleaved")
    print("time with blas_threads=2 / time with blas_threads=1\n")
    names = [f"{e} {dt}" for e, dt in COLUMNS]
    names += [f"numba {dt} ({NUMBA_ONLY})" for dt in ("f8", "f4")]
    print("| work | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for solver in ("adam", "lbfgs"):
        more = args.epochs if solver == "adam" else args.lbfgs_iter
        t = _interleaved(_calls(solver, more), args.reps)
        cells = []
        for engine, dt in COLUMNS:
            one, two = t[engine, dt, 1], t[engine, dt, 2]
            cells.append(f"{two / one:.2f} ({one * 1e3:.1f} -> {two * 1e3:.1f} ms)")
        for dt in ("f8", "f4"):
            one, two = t["numba", dt, 1], t["numba", dt, None]
            cells.append(f"{two / one:.2f} ({one * 1e3:.1f} -> {two * 1e3:.1f} ms)")
        print(f"| {LABELS[solver]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
