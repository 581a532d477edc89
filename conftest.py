"""Test-session setup shared by the tests and the doctests."""

import os

# scipy reads this once, at import: it lets sklearn's array-API conformance
# check run (with NumPy inputs) instead of skipping itself.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import subprocess
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    # MLPClassifier, the oracle, would otherwise run multi-threaded BLAS,
    # which is many times slower on a shared 2-core CI machine.
    with threadpool_limits(1, user_api="blas"):
        yield


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
