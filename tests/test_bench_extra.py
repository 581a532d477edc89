"""The search and memory benchmarks run; fit and predict_proba copy no float32 X.

The memory tests measure with ``tracemalloc``, to which NumPy reports every
array it allocates: peak traced memory during a call, minus the traced memory
before it, is everything the call allocated at its worst moment.
"""

import gc
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import threadpoolctl
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier
from skbareback._base import _PREDICT_CHUNK_ROWS
from skbareback._network import chunk_rows

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
MIB = 2**20
N_FEATURES, N_CLASSES, HIDDEN, BATCH = 50, 5, 100, 200
FLOAT32 = 4


def _run_script(name, *args, timeout=120):
    """Run a benchmark script as the README says; return its stdout."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _table(stdout):
    """The rows of the markdown table in ``stdout``, as lists of cells."""
    lines = [line for line in stdout.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


@pytest.mark.extras  # dask
def test_bench_search_smoke(tmp_path):
    # 4 candidates, 2 folds, 3 epochs, one repetition: the full code path,
    # dask cluster included, in a few seconds.
    path = tmp_path / "search.json"
    stdout = _run_script("bench_search.py", "--smoke", "--json", str(path))
    assert stdout.startswith("CPU: ") and "NumPy SIMD: " in stdout
    header, *rows = _table(stdout)
    assert header[:2] == ["estimator", "mode"]
    modes = [(row[0], row[1]) for row in rows]
    assert modes == [
        ("BareMLPClassifier", "sequential"),
        ("BareMLPClassifier", "n_jobs=-1"),
        ("BareMLPClassifier", "dask"),
        ("MLPClassifier", "sequential"),
    ]
    for row in rows[:3]:
        assert row[-2:] == ["yes", "0"], row
    saved = json.loads(path.read_text())
    assert saved["blas_threads"]["dask"] == [1, 1]
    assert all(row["max_score_diff"] == 0 for row in saved["rows"][:3])


def test_bench_memory_quick():
    rows = _table(_run_script("bench_memory.py", "--quick"))
    fit_adam = next(
        r for r in rows[1:] if r[:3] == ["BareMLPClassifier", "fit", "adam"]
    )
    assert float(fit_adam[6].rstrip("x")) < 1.5


def _peak_extra(call):
    """Bytes allocated by ``call()`` at its peak, over what existed before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def _data(n_samples):
    X, y = make_classification(
        n_samples,
        N_FEATURES,
        n_informative=30,
        n_classes=N_CLASSES,
        random_state=0,
    )
    return X.astype(np.float32), y


def _model():
    return BareMLPClassifier(
        (HIDDEN,), solver="adam", batch_size=BATCH, max_iter=1, tol=0.0, random_state=0
    )


def test_adam_fit_makes_no_float64_copy_of_float32_X():
    X, y = _data(20_000)
    n = X.shape[0]
    model = _model()
    # What one epoch may hold at once: a permuted copy of X (X.nbytes); per
    # row, the boolean targets and their permuted copy (2 * k bytes) and two
    # int64 index arrays (the running order and the class indices): well
    # under the 0.5 * X.nbytes of headroom (26 against 100 bytes a row). Per
    # batch, activations and deltas (2 * B * (h + k) floats) and the scratch
    # of the derivatives (B * h floats, bounded by 2 * B * h). Plus 1 MiB for
    # Python objects. A float64 copy of X alone would add 2 * X.nbytes.
    assert n * (2 * N_CLASSES + 16) < 0.5 * X.nbytes
    batch = BATCH * (2 * (HIDDEN + N_CLASSES) + 2 * HIDDEN) * FLOAT32
    limit = 1.5 * X.nbytes + batch + MIB
    assert limit < 2 * X.nbytes
    # One epoch of adam stops at max_iter by design: expect the warning.
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        peak = _peak_extra(lambda: model.fit(X, y))
    assert peak < limit, (peak / MIB, limit / MIB)
    assert model.coefs_[0].dtype == np.float32


def test_predict_proba_makes_no_copy_of_float32_X():
    X, y = _data(100_000)
    with pytest.warns(ConvergenceWarning):
        model = _model().fit(X[:2_000], y[:2_000])
    n_threads = 2
    # The output (n * k floats) and its two row reductions of softmax (n
    # floats each, one at a time), and per prediction thread one chunk's
    # hidden and output activations; plus 1 MiB for Python objects. Even a
    # float32 copy of X would add X.nbytes, above this limit.
    rows = chunk_rows((N_FEATURES, HIDDEN, N_CLASSES), FLOAT32, _PREDICT_CHUNK_ROWS)
    chunk = rows * (HIDDEN + N_CLASSES) * FLOAT32
    output = X.shape[0] * (N_CLASSES + 1) * FLOAT32
    limit = output + n_threads * chunk + MIB
    assert limit < X.nbytes
    # Prediction shares its chunks among as many threads as BLAS has.
    with threadpoolctl.threadpool_limits(limits=n_threads, user_api="blas"):
        peak = _peak_extra(lambda: model.predict_proba(X))
    assert peak < limit, (peak / MIB, limit / MIB)
