"""Time one 24-candidate grid search three ways: sequential, loky, dask.

Run from the repository root::

    .venv/bin/python benchmarks/bench_search.py --quick     # under a minute
    .venv/bin/python benchmarks/bench_search.py             # full run, ~5 minutes
    .venv/bin/python benchmarks/bench_search.py --reps 7 --json /tmp/search.json

The search is ``GridSearchCV`` over a ``StandardScaler`` + BareMLPClassifier
pipeline on ``load_digits``: 4 ``hidden_layer_sizes`` x 3 ``alpha`` x 2
``activation`` = 24 candidates, 5-fold (3-fold with ``--quick``), adam for a
fixed number of epochs (``tol=0`` and a huge ``n_iter_no_change``), so every
fit does the same work in every mode. The three modes:

- ``sequential``: ``n_jobs=None``, one process;
- ``n_jobs=-1``: joblib's default backend, loky, one worker per core;
- ``dask``: ``joblib.parallel_backend("dask")`` on a ``distributed.LocalCluster``
  of 2 worker processes with 1 thread each, started once before timing (its
  start time is reported, not counted).

The loky workers and the cluster are warmed up by one untimed tiny search, so
no timed run pays for spawning processes or importing modules. Repetitions
interleave the modes (sequential, n_jobs=-1, dask, sequential, ...) so that a
change in the machine's speed hits every mode alike; each cell is a median.
``ratio`` is a mode's median over the sequential median: below 1.00x the mode
is faster. Every mode must find the same ``best_params_`` and the same
``mean_test_score`` as the sequential run; the table shows the largest
absolute difference, and the script exits with an error if they differ.

Each BareMLPClassifier fit runs BLAS on ``blas_threads=1`` thread (its
default) in every mode; the footer lists the BLAS threads each kind of process
is configured with, which is what MLPClassifier uses. The MLPClassifier row
(the same search, sequential, skipped with ``--no-mlp``) is context.
"""

import argparse
import contextlib
import gc
import json
import statistics
import sys
import time
import warnings
from dataclasses import asdict, dataclass, replace

import joblib
import numpy as np
import threadpoolctl
from bench import cpu_label, environment
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

N_WORKERS = 2
THREADS_PER_WORKER = 1
RANDOM_STATE = 0
MODES = ("sequential", "n_jobs=-1", "dask")
# The sequential search of MLPClassifier, timed alongside for context.
MLP_MODE = "sequential (MLPClassifier)"

GRID = {
    "clf__hidden_layer_sizes": [(16,), (32,), (64,), (32, 32)],
    "clf__alpha": [1e-4, 1e-3, 1e-2],
    "clf__activation": ["tanh", "relu"],
}
# --smoke: the same code path on 4 candidates, for the test suite.
SMOKE_GRID = {
    "clf__hidden_layer_sizes": [(8,), (16,)],
    "clf__alpha": [1e-3],
    "clf__activation": ["tanh", "relu"],
}


@dataclass(frozen=True)
class Settings:
    """How much to measure: the grid, the folds, the epochs, the repetitions."""

    reps: int = 5
    cv: int = 5
    max_iter: int = 60
    grid: tuple = tuple(GRID.items())
    mlp: bool = True
    quick: bool = False
    smoke: bool = False

    @property
    def n_candidates(self):
        return int(np.prod([len(values) for _, values in self.grid]))


# ------------------------------------------------------------------ the search


def make_search(settings, estimator=BareMLPClassifier, n_jobs=None, grid=None):
    """The grid search of a scaled pipeline; fixed epochs, so fixed work."""
    clf = estimator(
        solver="adam",
        batch_size=200,
        max_iter=settings.max_iter,
        tol=0.0,
        # Never stop early: every fit runs exactly max_iter epochs.
        n_iter_no_change=10**9,
        random_state=RANDOM_STATE,
    )
    pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)])
    grid = dict(settings.grid) if grid is None else grid
    return GridSearchCV(pipe, grid, cv=settings.cv, n_jobs=n_jobs)


def _backend(mode):
    """The joblib context of a mode: dask's backend, or none."""
    if mode == "dask":
        return joblib.parallel_backend("dask", n_jobs=N_WORKERS)
    return contextlib.nullcontext()


def run_search(mode, settings, X, y, grid=None):
    """Fit the search of ``mode`` once; return its wall time and the search."""
    estimator = MLPClassifier if mode == MLP_MODE else BareMLPClassifier
    n_jobs = -1 if mode == "n_jobs=-1" else None
    search = make_search(settings, estimator, n_jobs, grid)
    gc.collect()
    with _backend(mode), warnings.catch_warnings():
        # Fixed-epoch fits end at max_iter by design. scikit-learn's Parallel
        # hands these filters on to the loky and dask workers.
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search.fit(X, y)
        elapsed = time.perf_counter() - start
    return elapsed, search


def run_modes(modes, settings, X, y, log=None):
    """Time every mode ``settings.reps`` times, interleaved.

    Returns ``{mode: times}`` and ``{mode: search}`` (the first search of
    each mode, for the equality check).
    """
    times = {mode: [] for mode in modes}
    searches = {}
    for rep in range(settings.reps):
        for mode in modes:
            elapsed, search = run_search(mode, settings, X, y)
            times[mode].append(elapsed)
            searches.setdefault(mode, search)
        if log is not None:
            cells = ", ".join(f"{m} {times[m][-1]:.2f} s" for m in modes)
            log(f"rep {rep + 1}/{settings.reps}: {cells}")
    return times, searches


def warm_up(settings, X, y):
    """Run each parallel mode once on a tiny grid; return their wall times.

    The first loky call spawns the workers, the first dask call ships the
    code to them: one-off costs kept out of the timed repetitions.
    """
    tiny = replace(settings, max_iter=1)
    grid = {"clf__alpha": [1e-4, 1e-3]}
    return {mode: run_search(mode, tiny, X, y, grid)[0] for mode in MODES}


# ------------------------------------------------------------------ cluster


@contextlib.contextmanager
def dask_cluster():
    """A loopback LocalCluster of 2 one-thread worker processes, and a client.

    Yields the seconds it took to start both.
    """
    import distributed

    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=THREADS_PER_WORKER,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        yield time.perf_counter() - start


def _blas_threads():
    """The BLAS threads this process is configured with (what BLAS would use)."""
    info = threadpoolctl.threadpool_info()
    return max((p["num_threads"] for p in info if p["user_api"] == "blas"), default=0)


def blas_threads_by_mode():
    """The BLAS threads of the main process and of each loky and dask worker."""
    seen = {"sequential": [_blas_threads()]}
    for mode in ("n_jobs=-1", "dask"):
        n_jobs = -1 if mode == "n_jobs=-1" else None
        with _backend(mode):
            calls = (joblib.delayed(_blas_threads)() for _ in range(N_WORKERS))
            seen[mode] = joblib.Parallel(n_jobs=n_jobs)(calls)
    return seen


# ------------------------------------------------------------------ equality


def compare(search, reference):
    """Whether ``best_params_`` agree, and the largest score difference."""
    same_best = search.best_params_ == reference.best_params_
    diff = np.max(
        np.abs(
            search.cv_results_["mean_test_score"]
            - reference.cv_results_["mean_test_score"]
        )
    )
    return same_best, float(diff)


# ------------------------------------------------------------------ report


@dataclass
class Row:
    """One line of the table: a mode's median and its ratio to sequential."""

    estimator: str
    mode: str
    median: float
    spread: tuple
    ratio: float
    same_best: bool
    max_score_diff: float
    times: list


def make_rows(times, searches):
    """Rows for every mode; ratio and equality are against sequential Bare."""
    reference = searches["sequential"]
    base = statistics.median(times["sequential"])
    rows = []
    for mode, ts in times.items():
        estimator = "MLPClassifier" if mode == MLP_MODE else "BareMLPClassifier"
        median = statistics.median(ts)
        same_best, diff = compare(searches[mode], reference)
        rows.append(
            Row(
                estimator,
                mode.split(" ")[0],
                median,
                (min(ts), max(ts)),
                median / base,
                same_best,
                diff,
                list(ts),
            )
        )
    return rows


def markdown_table(rows):
    """Render rows as a markdown table; ratio = mode / sequential BareMLP."""
    lines = [
        "| estimator | mode | median | min - max | ratio vs sequential Bare "
        "| best_params_ = sequential Bare | max abs diff mean_test_score |",
        "|" + "---|" * 7,
    ]
    for r in rows:
        cells = (
            r.estimator,
            r.mode,
            f"{r.median:.2f} s",
            f"{r.spread[0]:.2f} - {r.spread[1]:.2f} s",
            f"{r.ratio:.2f}x",
            "yes" if r.same_best else "no",
            f"{r.max_score_diff:.1e}" if r.max_score_diff else "0",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def full_environment():
    """bench.py's environment plus the versions of the parallel stack."""
    import dask
    import distributed

    env = environment()
    env.update(
        dask=dask.__version__,
        distributed=distributed.__version__,
        joblib=joblib.__version__,
    )
    return env


def header_line(env, settings, n_samples):
    """One line naming the machine, the versions and the search."""
    return (
        f"CPU: {cpu_label(env)} | Python {env['python']} | "
        f"numpy {env['numpy']} | sklearn {env['sklearn']} | dask {env['dask']} | "
        f"distributed {env['distributed']} | joblib {env['joblib']} | "
        f"GridSearchCV: {settings.n_candidates} candidates x {settings.cv}-fold "
        f"on load_digits ({n_samples} rows), adam {settings.max_iter} epochs | "
        f"reps {settings.reps}{' | quick' if settings.quick else ''}"
        f"{' | smoke' if settings.smoke else ''}"
    )


def footer(rows, blas, cluster_start, warm):
    """The lines under the table: Bare/MLP, BLAS threads, one-off costs."""
    by_mode = {r.mode if r.estimator.startswith("Bare") else "mlp": r for r in rows}
    lines = []
    if "mlp" in by_mode:
        ratio = by_mode["sequential"].median / by_mode["mlp"].median
        lines.append(f"BareMLP / MLP, sequential: {ratio:.2f}x.")
    lines.append(
        "BLAS threads configured: main process "
        f"{blas['sequential'][0]}, loky workers {blas['n_jobs=-1']}, dask "
        f"workers {blas['dask']}. BareMLPClassifier's default blas_threads=1 "
        "limits each of its fits to 1 BLAS thread in every mode; "
        "MLPClassifier uses the configured count."
    )
    lines.append(
        f"Not timed: cluster start {cluster_start:.2f} s; first (warm-up) call "
        f"n_jobs=-1 {warm['n_jobs=-1']:.2f} s, dask {warm['dask']:.2f} s. "
        "GridSearchCV's final refit runs in the main process in every mode."
    )
    return "\n".join(lines)


# ------------------------------------------------------------------ main


def parse_args(argv=None):
    """The command line, documented by ``--help``."""
    parser = argparse.ArgumentParser(
        description="Time a 24-candidate GridSearchCV: sequential, loky, dask.",
    )
    parser.add_argument("--quick", action="store_true", help="a run under a minute")
    parser.add_argument("--reps", type=int, help="repetitions (default 5, quick 3)")
    parser.add_argument(
        "--no-mlp", action="store_true", help="skip the MLPClassifier context row"
    )
    parser.add_argument("--json", metavar="PATH", help="also save the results")
    # A few seconds of the same code path, for the test suite.
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reps is not None and args.reps < 1:
        parser.error("--reps must be at least 1")
    return args


def settings_from_args(args):
    """The Settings that the command line asks for."""
    settings = Settings(mlp=not args.no_mlp)
    if args.quick:
        settings = replace(settings, reps=3, cv=3, max_iter=10, quick=True)
    if args.smoke:
        smoke = {"reps": 1, "cv": 2, "max_iter": 3, "grid": tuple(SMOKE_GRID.items())}
        settings = replace(settings, smoke=True, **smoke)
    if args.reps is not None:
        settings = replace(settings, reps=args.reps)
    return settings


def _log(message):
    """Progress goes to stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    """Run the searches, print the table; exit 1 if the modes disagree."""
    args = parse_args(argv)
    settings = settings_from_args(args)
    X, y = load_digits(return_X_y=True)
    env = full_environment()
    print(header_line(env, settings, X.shape[0]), flush=True)
    modes = MODES + ((MLP_MODE,) if settings.mlp else ())
    start = time.perf_counter()
    with dask_cluster() as cluster_start:
        _log(f"cluster started in {cluster_start:.2f} s")
        warm = warm_up(settings, X, y)
        blas = blas_threads_by_mode()
        times, searches = run_modes(modes, settings, X, y, _log)
    rows = make_rows(times, searches)
    print()
    print(markdown_table(rows))
    print()
    print(footer(rows, blas, cluster_start, warm))
    print(f"Total {time.perf_counter() - start:.1f} s.")
    if args.json:
        payload = {
            "environment": env,
            "settings": asdict(settings),
            "cluster_start": cluster_start,
            "warm_up": warm,
            "blas_threads": blas,
            "rows": [asdict(row) for row in rows],
        }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=2)
    bare = [r for r in rows if r.estimator == "BareMLPClassifier"]
    if not all(r.same_best and r.max_score_diff <= 1e-12 for r in bare):
        sys.exit("The modes disagree: see best_params_ and mean_test_score above.")


if __name__ == "__main__":
    main()
