"""Test-session setup shared by the tests and the doctests."""

import os

# scipy reads this once, at import: it lets sklearn's array-API conformance
# check run (with NumPy inputs) instead of skipping itself.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    # MLPClassifier, the oracle, would otherwise run multi-threaded BLAS,
    # which is many times slower on a shared 2-core CI machine.
    with threadpool_limits(1, user_api="blas"):
        yield
