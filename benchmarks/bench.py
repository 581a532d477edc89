"""Time BareMLPClassifier against MLPClassifier, side by side, in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench.py --quick         # under a minute
    .venv/bin/python benchmarks/bench.py                 # full run, ~10+ minutes
    .venv/bin/python benchmarks/bench.py --only moons,digits --solvers adam
    .venv/bin/python benchmarks/bench.py --busy --json /tmp/bench.json

Both estimators get the same hyperparameters (tanh, ``alpha=1e-4``,
``batch_size=200``, ``tol=0`` and a huge ``n_iter_no_change`` so that both run
exactly ``max_iter`` epochs, one ``random_state``, an explicit solver) and the
same input, already cast to the dtype under test. Repetitions alternate
MLPClassifier, BareMLPClassifier, MLPClassifier, ... so that drift in the
machine's speed (turbo, a noisy neighbour) hits both alike; each cell is the
median of its repetitions.

How to read the table: every metric is a time, and ``ratio`` is the
BareMLPClassifier median divided by the MLPClassifier median. Below 1.00x
BareMLPClassifier is faster (0.50x: twice as fast), above 1.00x it is slower.
Absolute times depend on the machine; the ratios are what to compare across
runs. ``epochs`` shows both estimators ran the same number of epochs (or
L-BFGS iterations), and ``accuracy`` is the test accuracy of each (parity
check, MLP / Bare). ``--busy`` runs everything next to a process that spins
one core, to see how each behaves under contention.

One asymmetry is MLPClassifier's own: after ``solver='lbfgs'`` on float32
input its weights are float64, so its float32 prediction rows for lbfgs run in
float64 while BareMLPClassifier's stay in float32. Parameters that only
BareMLPClassifier has keep their defaults (listed in the header) unless set
with ``--bare-param``; ``--bare-param blas_threads=None`` gives both
estimators the same BLAS threads.
"""

import argparse
import ast
import contextlib
import gc
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    make_classification,
    make_moons,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier, _activations

SOLVERS = ("adam", "sgd", "lbfgs")
DTYPES = ("float64", "float32")
RANDOM_STATE = 0
# The neighbour of --busy stops by itself after this long, even if orphaned.
BUSY_MAX_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Workload:
    """A train/test split and the ``max_iter`` per solver that keeps fits short."""

    name: str
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    max_iter: dict


@dataclass(frozen=True)
class Config:
    """How much to measure: repetitions, solvers, dtypes and call counts."""

    reps: int = 5
    solvers: tuple = SOLVERS
    dtypes: tuple = DTYPES
    predict_rows: int = 100_000
    latency_calls: int = 200
    # Seconds of quiet before each timed fit or predict_proba call: OpenBLAS's
    # threads keep spinning on a core for a while after MLPClassifier's
    # multi-threaded calls, which would bill the next call for them.
    settle: float = 0.1
    quick: bool = False
    # Extra BareMLPClassifier-only parameters, e.g. {"blas_threads": None}.
    bare_params: dict = field(default_factory=dict)


@dataclass
class Row:
    """One line of the table: a metric's medians for both estimators."""

    workload: str
    solver: str
    dtype: str
    metric: str
    mlp: float
    bare: float
    epochs: tuple = ()
    accuracy: tuple = ()
    ratio: float = field(init=False)

    def __post_init__(self):
        self.ratio = self.bare / self.mlp


# ------------------------------------------------------------------ workloads


def _split(X, y):
    """Stratified 80/20 split, seeded."""
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=RANDOM_STATE)


def _budget(quick, stochastic, lbfgs):
    """``max_iter`` per solver; ``--quick`` halves epochs, quarters iterations."""
    if quick:
        stochastic, lbfgs = max(1, stochastic // 2), max(1, lbfgs // 4)
    return {"adam": stochastic, "sgd": stochastic, "lbfgs": lbfgs}


def xor(quick=False):
    """The XOR truth table, trained and tested on its four rows."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    return Workload("xor", X, X, y, y, _budget(quick, 200, 200))


def moons(quick=False):
    """``make_moons(1000, noise=0.2)``."""
    X, y = make_moons(1000, noise=0.2, random_state=RANDOM_STATE)
    return Workload("moons", *_split(X, y), _budget(quick, 50, 100))


def digits(quick=False):
    """``load_digits``, pixels scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return Workload("digits", *_split(X / 16.0, y), _budget(quick, 30, 100))


def breast_cancer(quick=False):
    """``load_breast_cancer``, standard-scaled on the training part."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = _split(X, y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return Workload(
        "breast_cancer", X_train, X_test, y_train, y_test, _budget(quick, 50, 100)
    )


def classification(quick=False):
    """``make_classification``: 200k rows (20k with ``--quick``), 50 features."""
    n_samples = 20_000 if quick else 200_000
    X, y = make_classification(
        n_samples=n_samples,
        n_features=50,
        n_informative=30,
        n_classes=5,
        random_state=RANDOM_STATE,
    )
    budget = {"adam": 2, "sgd": 2, "lbfgs": 5} if quick else _budget(False, 3, 10)
    return Workload("classification", *_split(X, y), budget)


WORKLOADS = {
    "xor": xor,
    "moons": moons,
    "digits": digits,
    "breast_cancer": breast_cancer,
    "classification": classification,
}


# ------------------------------------------------------------------ timing


def _time_call(fn):
    """Return the wall time of one ``fn()`` in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _interleaved(call_a, call_b, reps, warmup=True, settle=0.0):
    """Time ``call_a`` and ``call_b`` alternately; return both medians.

    The garbage collector is paused during the loop, as ``timeit`` does, so a
    collection triggered by one estimator is not billed to the other. Each
    timed call starts after ``settle`` seconds of sleep.
    """
    if warmup:
        call_a()
        call_b()
    times_a, times_b = [], []
    gc.disable()
    try:
        for _ in range(reps):
            # Not even sleep(0) when there is no pause: the system call alone
            # slows a microsecond-scale call that follows it.
            if settle:
                time.sleep(settle)
            times_a.append(_time_call(call_a))
            if settle:
                time.sleep(settle)
            times_b.append(_time_call(call_b))
    finally:
        gc.enable()
    return statistics.median(times_a), statistics.median(times_b)


def make_pair(solver, max_iter, bare_params=None):
    """An MLPClassifier and a BareMLPClassifier with matched hyperparameters.

    ``bare_params`` go to BareMLPClassifier only (parameters MLPClassifier
    lacks); BareMLPClassifier's defaults apply to those not given.
    """
    params = {
        "hidden_layer_sizes": (100,),
        "activation": "tanh",
        "solver": solver,
        "alpha": 1e-4,
        "batch_size": 200,
        "max_iter": max_iter,
        "tol": 0.0,
        # Never stop early: both run exactly max_iter epochs.
        "n_iter_no_change": 10**9,
        "random_state": RANDOM_STATE,
    }
    bare = BareMLPClassifier(**params).set_params(**(bare_params or {}))
    return MLPClassifier(**params), bare


@contextlib.contextmanager
def _quiet_fits():
    """Silence the warnings that short, fixed-budget fits raise by design."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # XOR has 4 rows: both estimators warn that batch_size=200 is clipped.
        warnings.filterwarnings("ignore", message=".*batch_size", category=UserWarning)
        yield


def bench_fit(workload, solver, dtype, config):
    """Time ``fit`` of both estimators; return the row and the fitted pair."""
    mlp, bare = make_pair(solver, workload.max_iter[solver], config.bare_params)
    X, y = workload.X_train.astype(dtype), workload.y_train
    X_test = workload.X_test.astype(dtype)
    with _quiet_fits():
        # No warm-up: run_benchmarks warms both up once, on a tiny problem.
        t_mlp, t_bare = _interleaved(
            lambda: mlp.fit(X, y),
            lambda: bare.fit(X, y),
            config.reps,
            warmup=False,
            settle=config.settle,
        )
    row = Row(
        workload.name,
        solver,
        dtype,
        "fit",
        t_mlp,
        t_bare,
        epochs=(mlp.n_iter_, bare.n_iter_),
        accuracy=(
            mlp.score(X_test, workload.y_test),
            bare.score(X_test, workload.y_test),
        ),
    )
    return row, (mlp, bare)


def predict_rows(workload, n_rows, dtype):
    """``n_rows`` random rows shaped like the workload's training features."""
    rng = np.random.default_rng(RANDOM_STATE)
    X = workload.X_train
    noise = rng.standard_normal((n_rows, X.shape[1]))
    return (X.mean(axis=0) + X.std(axis=0) * noise).astype(dtype)


def bench_predict_proba(workload, solver, dtype, pair, config):
    """Time ``predict_proba`` on ``config.predict_rows`` rows."""
    mlp, bare = pair
    X = predict_rows(workload, config.predict_rows, dtype)
    t_mlp, t_bare = _interleaved(
        lambda: mlp.predict_proba(X),
        lambda: bare.predict_proba(X),
        config.reps,
        settle=config.settle,
    )
    metric = f"predict_proba {config.predict_rows:,} rows"
    return Row(workload.name, solver, dtype, metric, t_mlp, t_bare)


def bench_latency(workload, solver, dtype, pair, config):
    """Median single-row ``predict`` latency over ``config.latency_calls`` calls."""
    mlp, bare = pair
    x = workload.X_test[:1].astype(dtype)
    t_mlp, t_bare = _interleaved(
        lambda: mlp.predict(x), lambda: bare.predict(x), config.latency_calls
    )
    return Row(workload.name, solver, dtype, "predict 1 row", t_mlp, t_bare)


def bench_workload(workload, config):
    """All rows of one workload: each solver and dtype, each metric."""
    rows = []
    for solver in config.solvers:
        for dtype in config.dtypes:
            fit_row, pair = bench_fit(workload, solver, dtype, config)
            rows.append(fit_row)
            rows.append(bench_predict_proba(workload, solver, dtype, pair, config))
            rows.append(bench_latency(workload, solver, dtype, pair, config))
    return rows


def warm_up(config):
    """Fit both estimators once per solver and dtype on a tiny problem.

    The first fit of a process pays for lazy imports and BLAS start-up; this
    keeps that cost out of the first timed workload.
    """
    tiny = xor()
    with _quiet_fits():
        for solver in config.solvers:
            for dtype in config.dtypes:
                for est in make_pair(solver, 5, config.bare_params):
                    est.fit(tiny.X_train.astype(dtype), tiny.y_train)
                    est.predict_proba(tiny.X_test.astype(dtype))


def run_benchmarks(workloads, config, log=None):
    """Benchmark each workload in turn; return all rows."""
    warm_up(config)
    rows = []
    for workload in workloads:
        start = time.perf_counter()
        rows.extend(bench_workload(workload, config))
        if log is not None:
            log(f"{workload.name}: {time.perf_counter() - start:.1f} s")
    return rows


# ------------------------------------------------------------------ report


def _seconds(value):
    """Format a duration with a unit that keeps 3-4 significant digits."""
    if value < 1e-3:
        return f"{value * 1e6:.1f} µs"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.3f} s"


def _pair(values, fmt):
    """``'a / b'`` for a pair of values, or empty for none."""
    return " / ".join(fmt.format(v) for v in values)


def markdown_table(rows):
    """Render rows as a markdown table, ratio = BareMLP / MLP."""
    header = (
        "| workload | solver | dtype | metric | MLP median | BareMLP median "
        "| ratio | epochs MLP / Bare | accuracy MLP / Bare |"
    )
    lines = [header, "|" + "---|" * 9]
    for r in rows:
        cells = (
            r.workload,
            r.solver,
            r.dtype,
            r.metric,
            _seconds(r.mlp),
            _seconds(r.bare),
            f"{r.ratio:.2f}x",
            _pair(r.epochs, "{}"),
            _pair(r.accuracy, "{:.3f}"),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu():
    """The CPU's model name and whether it has AVX-512F, from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return platform.processor() or "unknown CPU", False
    name, avx512 = "unknown CPU", False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and name == "unknown CPU":
            name = value.strip()
        if key.strip() == "flags":
            avx512 = avx512 or "avx512f" in value.split()
    return name, avx512


def _blas():
    """One description per BLAS library loaded, from threadpoolctl."""
    return [
        f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')}, "
        f"{i['num_threads']} threads, {i['prefix']})"
        for i in threadpoolctl.threadpool_info()
        if i["user_api"] == "blas"
    ]


def _numpy_simd():
    """The SIMD level of NumPy's float64 loops here, from its tanh loop."""
    try:
        from numpy.lib.introspect import opt_func_info
    except ImportError:  # NumPy < 2.0
        return "unknown (NumPy < 2)"
    loops = opt_func_info(func_name="^tanh$").get("tanh", {})
    target = loops.get("dd", {}).get("current", "") or "baseline"
    if target.startswith(("X86_V4", "AVX512")):
        return f"AVX-512 ({target})"
    if target.startswith(("X86_V3", "AVX2")):
        return f"AVX2 ({target})"
    return target


def environment():
    """The facts that make timings comparable: CPU, SIMD level, versions, BLAS."""
    name, avx512 = _cpu()
    native = _activations._NATIVE_TANH[np.dtype(np.float64)]
    return {
        "cpu": name,
        "avx512f": avx512,
        "numpy_simd": _numpy_simd(),
        "tanh_form": "native" if native else "exp",
        # Set to reproduce another CPU's code paths on this one (the README's
        # AVX2 table): they must be named beside its figures.
        "dispatch_limits": {
            var: os.environ[var]
            for var in ("NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE")
            if os.environ.get(var)
        },
        "cores": multiprocessing.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "blas": _blas(),
    }


def cpu_label(env):
    """The CPU, its cores and the SIMD level NumPy runs on it, in words."""
    simd = env.get("numpy_simd") or ("AVX-512" if env["avx512f"] else "unknown")
    limits = env.get("dispatch_limits") or {}
    label = (
        f"{env['cpu']} ({env['cores']} cores; CPU flags: "
        f"{'AVX-512' if env['avx512f'] else 'no AVX-512'}; NumPy SIMD: {simd}"
        f"{'; tanh: ' + env['tanh_form'] + ' form' if 'tanh_form' in env else ''})"
    )
    if limits:
        label += " with " + ", ".join(f"{k}={v!r}" for k, v in limits.items())
    return label


def header_line(env, config, busy):
    """One line naming the machine, the versions and the run's settings."""
    return (
        f"CPU: {cpu_label(env)} | Python {env['python']} | "
        f"numpy {env['numpy']} | sklearn {env['sklearn']} | BLAS: "
        f"{'; '.join(env['blas']) or 'none found'} | reps {config.reps}"
        f" | settle {config.settle:g} s"
        f"{' | quick' if config.quick else ''}"
        f"{' | busy neighbour' if busy else ''} | BareMLP only: "
        f"{_bare_only_params(config.bare_params)}"
    )


def _bare_only_params(bare_params):
    """BareMLPClassifier's parameters that MLPClassifier lacks, as set."""
    params = BareMLPClassifier().set_params(**bare_params).get_params()
    extra = sorted(set(params) - set(MLPClassifier().get_params()))
    return ", ".join(f"{name}={params[name]!r}" for name in extra) or "none"


# ------------------------------------------------------------------ main


def _spin(seconds):
    """Burn one core in a pure-Python loop until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


@contextlib.contextmanager
def busy_neighbour(enabled):
    """Run a spinning neighbour process for the duration of the block."""
    if not enabled:
        yield
        return
    proc = multiprocessing.Process(target=_spin, args=(BUSY_MAX_SECONDS,), daemon=True)
    proc.start()
    try:
        yield
    finally:
        proc.terminate()
        proc.join()


def _csv(choices):
    """An argparse type: a comma-separated subset of ``choices``, as a tuple."""

    def parse(text):
        items = tuple(item.strip() for item in text.split(",") if item.strip())
        unknown = [item for item in items if item not in choices]
        if unknown or not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated subset of {', '.join(choices)}, "
                f"got {text!r}"
            )
        return items

    return parse


def _bare_param(text):
    """An argparse type: ``NAME=VALUE`` with a Python literal VALUE."""
    name, sep, value = text.partition("=")
    if sep and name.strip():
        with contextlib.suppress(ValueError, SyntaxError):
            return name.strip(), ast.literal_eval(value.strip())
    raise argparse.ArgumentTypeError(
        f"expected NAME=VALUE with a Python literal VALUE, got {text!r}"
    )


def parse_args(argv=None):
    """The command line, documented by ``--help``."""
    parser = argparse.ArgumentParser(
        description="Time BareMLPClassifier against MLPClassifier (ratios).",
    )
    parser.add_argument("--quick", action="store_true", help="a run under a minute")
    parser.add_argument("--reps", type=int, help="repetitions (default 5, quick 3)")
    parser.add_argument(
        "--only", type=_csv(tuple(WORKLOADS)), help="workloads, comma-separated"
    )
    parser.add_argument(
        "--solvers", type=_csv(SOLVERS), default=SOLVERS, help="solvers to time"
    )
    parser.add_argument(
        "--dtypes", type=_csv(DTYPES), default=DTYPES, help="input dtypes to time"
    )
    parser.add_argument("--busy", action="store_true", help="spin a neighbour core")
    parser.add_argument(
        "--settle",
        type=float,
        metavar="SECONDS",
        help="quiet before each timed fit/predict_proba call (default 0.1)",
    )
    parser.add_argument(
        "--threads", type=int, help="cap BLAS/OpenMP threads (default: no cap)"
    )
    parser.add_argument("--json", metavar="PATH", help="also save the results")
    parser.add_argument(
        "--bare-param",
        metavar="NAME=VALUE",
        type=_bare_param,
        action="append",
        default=[],
        help="a BareMLPClassifier-only parameter, e.g. blas_threads=None",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "numpy", "numba"),
        help="BareMLPClassifier's engine (shown in the header); numba: the fast extra",
    )
    args = parser.parse_args(argv)
    if args.engine is not None:
        args.bare_param.append(("engine", args.engine))
    for name in ("reps", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    try:
        BareMLPClassifier().set_params(**dict(args.bare_param))
    except ValueError as exc:
        parser.error(f"--bare-param: {exc}")
    return args


def config_from_args(args):
    """The Config that the command line asks for."""
    config = Config(
        solvers=args.solvers,
        dtypes=args.dtypes,
        quick=args.quick,
        bare_params=dict(args.bare_param),
    )
    if args.quick:
        config = replace(config, reps=3, predict_rows=20_000, latency_calls=100)
    if args.settle is not None:
        config = replace(config, settle=args.settle)
    if args.reps is not None:
        config = replace(config, reps=args.reps)
    return config


def save_json(path, env, config, rows, busy):
    """Write the environment, the settings and every row to ``path``."""
    payload = {
        "environment": env,
        "config": asdict(config),
        "busy": busy,
        "rows": [asdict(row) for row in rows],
    }
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)


def _log(message):
    """Progress goes to stderr, so stdout holds only the header and the table."""
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    """Run the benchmarks the command line asks for and print the table."""
    args = parse_args(argv)
    config = config_from_args(args)
    names = args.only or tuple(WORKLOADS)
    start = time.perf_counter()
    with threadpoolctl.threadpool_limits(limits=args.threads):
        env = environment()
        print(header_line(env, config, args.busy), flush=True)
        with busy_neighbour(args.busy):
            workloads = [WORKLOADS[name](config.quick) for name in names]
            rows = run_benchmarks(workloads, config, _log)
    print()
    print(markdown_table(rows))
    print(f"\nTotal {time.perf_counter() - start:.1f} s; ratio = BareMLP / MLP.")
    if args.json:
        save_json(args.json, env, config, rows, args.busy)


if __name__ == "__main__":
    main()
