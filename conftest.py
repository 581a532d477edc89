"""Test-session setup shared by the tests and the doctests."""

import os

# scipy reads this once, at import: it lets sklearn's array-API conformance
# check run (with NumPy inputs) instead of skipping itself.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import subprocess
import sys
from pathlib import Path

import pytest
import sklearn
from packaging.version import parse as parse_version
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent

# Test modules that import an optional extra (or a test-only package beyond
# the test-core extra) at module level. ``pytest --core`` runs the core tests:
# it leaves these modules out and deselects tests marked ``extras``.
EXTRAS_MODULES = {
    "tests/test_distributed.py": "dask, ray",
    "tests/test_onnx.py": "onnx, onnxruntime",
    "tests/test_cli_csv.py": "pandas, skops (the cli extra)",
    "tests/test_cli_regression.py": "skops (the cli extra)",
    "tests/test_persistence.py": "skops",
    "tests/test_streaming.py": "dask",
    "tests/test_engine_xp.py": "array-api-strict",
    "tests/test_array_api.py": "array-api-strict",
    "skbareback/onnx.py": "onnx (its doctests)",
}


_TOO_NEW = pytest.StashKey[dict]()


def pytest_addoption(parser):
    parser.addoption(
        "--core",
        action="store_true",
        help="run only the core tests: no optional extra needed",
    )
    parser.addoption(
        "--auto-engine",
        choices=["numpy", "numba"],
        default=None,
        help="the engine that engine='auto' picks for every fit (default: its "
        "rule); explicit engines keep theirs",
    )


def pytest_report_header(config):
    if config.getoption("--core"):
        left_out = ", ".join(f"{m} ({why})" for m, why in EXTRAS_MODULES.items())
        return f"core tests: leaving out {left_out} and tests marked extras"
    return None


def pytest_ignore_collect(collection_path, config):
    if not config.getoption("--core"):
        return None
    try:
        relative = collection_path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # outside the repository
        return None
    return True if relative in EXTRAS_MODULES else None


def _too_new(item):
    """The reason ``item`` cannot run with this scikit-learn, or None."""
    marker = item.get_closest_marker("sklearn_min")
    if marker is None:
        return None
    version, why = marker.args
    if parse_version(sklearn.__version__) >= parse_version(version):
        return None
    return f"scikit-learn >= {version} ({why})"


def pytest_collection_modifyitems(config, items):
    core = config.getoption("--core")
    keep, dropped, reasons = [], [], {}
    for item in items:
        reason = _too_new(item)
        if reason is not None:
            reasons[reason] = reasons.get(reason, 0) + 1
        if reason is not None or (core and item.get_closest_marker("extras")):
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    config.stash[_TOO_NEW] = reasons


def pytest_terminal_summary(terminalreporter, config):
    # Say out loud what this scikit-learn cannot test: those tests run in the
    # CI entries with the newest scikit-learn.
    for reason, count in config.stash.get(_TOO_NEW, {}).items():
        terminalreporter.write_line(
            f"deselected {count} tests that need {reason}; installed: "
            f"scikit-learn {sklearn.__version__}"
        )


@pytest.fixture(autouse=True, scope="session")
def _auto_engine(request):
    """With ``--auto-engine=numba``, every fit left at engine='auto' runs numba.

    So that the whole suite, not only tests/test_engines.py, checks the
    compiled engine: CI runs it once so (.ci/run's numba-default entry).
    """
    engine = request.config.getoption("--auto-engine")
    if engine is None:
        yield
        return
    from skbareback import _engines

    if engine == "numba" and _engines.numba_reason() is not None:
        pytest.exit(f"--auto-engine=numba: {_engines.numba_reason()}", returncode=4)
    saved = _engines.AUTO_MIN_ROWS_X_UNITS
    _engines.AUTO_MIN_ROWS_X_UNITS = 0 if engine == "numba" else float("inf")
    yield
    _engines.AUTO_MIN_ROWS_X_UNITS = saved


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    # MLPClassifier, the oracle, would otherwise run multi-threaded BLAS,
    # which is many times slower on a shared 2-core CI machine.
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(params=["native", "exp"])
def tanh_form(request, monkeypatch):
    """Force each tanh form in turn, whichever one this CPU would pick.

    Parametrize it indirectly with None to leave the CPU's choice alone.
    """
    from skbareback import _activations

    if request.param is not None:
        native = request.param == "native"
        forced = dict.fromkeys(_activations._NATIVE_TANH, native)
        monkeypatch.setattr(_activations, "_NATIVE_TANH", forced)
    return request.param


@pytest.fixture
def run_example(tmp_path):
    """Run an ``examples/`` script headless and fast; figures go to tmp_path."""

    def run(path):
        env = dict(
            os.environ,
            SKBAREBACK_EXAMPLES_FAST="1",
            SKBAREBACK_EXAMPLES_OUT=str(tmp_path),
            MPLBACKEND="Agg",
        )
        return subprocess.run(
            # The same warning policy as the test suite's (pyproject.toml).
            [sys.executable, "-W", "error::RuntimeWarning", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
