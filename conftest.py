"""Test-session setup shared by the tests and the doctests."""

import os

# scipy reads this once, at import: it lets sklearn's array-API conformance
# check run (with NumPy inputs) instead of skipping itself.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
