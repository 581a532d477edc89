"""The policy's L-BFGS (skbareback/_lbfgs.py), against SciPy's L-BFGS-B."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier, BareMLPRegressor
from skbareback._lbfgs import (
    GUARD,
    MAXCOR,
    MINIMIZERS,
    _interpolate,
    _Run,
    _step,
    minimize,
)


def _quadratic(n, condition, seed=0):
    """A convex quadratic with eigenvalues from 1 to ``condition``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    hessian = (q * np.geomspace(1, condition, n)) @ q.T
    b = rng.standard_normal(n)

    def fun(x):
        hx = hessian @ x
        return 0.5 * x @ hx - b @ x, hx - b

    return fun, np.linalg.solve(hessian, b)


def _two_loop(g, pairs):
    """The textbook two-loop recursion: ``-H g`` from ``(s, y)`` oldest first."""
    q, alphas = g.copy(), []
    for s, y in reversed(pairs):
        alphas.append(np.dot(s, q) / np.dot(s, y))
        q -= alphas[-1] * y
    s, y = pairs[-1]
    q *= np.dot(s, y) / np.dot(y, y)
    for (s, y), a in zip(pairs, reversed(alphas)):
        q += (a - np.dot(y, q) / np.dot(s, y)) * s
    return -q


def test_direction_is_the_two_loop_recursion_as_the_ring_wraps():
    rng = np.random.default_rng(1)
    n = 40
    g = rng.standard_normal(n)
    run = _Run(lambda x: (0.0, g), np.zeros(n))
    np.testing.assert_array_equal(run.direction(), -g)
    pairs = []
    for k in range(2 * MAXCOR + 3):
        s = rng.standard_normal(n)
        y = s * rng.uniform(0.5, 2.0, n) + 0.1 * rng.standard_normal(n)
        if k == 5:
            run.store(s, -s)  # no curvature: skipped
            continue
        run.store(s, y)
        pairs.append((s, y))
        expected = _two_loop(g, pairs[-MAXCOR:])
        np.testing.assert_allclose(run.direction(), expected, rtol=1e-9, atol=1e-12)
    assert run.age.size == MAXCOR


# Up to which iteration the paths agree: where the first trial step fails
# the curvature condition, the two line searches interpolate differently
# (n=3, at iteration 4); elsewhere rounding parts them after 100 or more.
@pytest.mark.parametrize(
    "n, condition, agree", [(3, 100.0, 3), (50, 1e3, 100), (200, 1e4, 100)]
)
def test_follows_scipys_path_on_a_convex_quadratic(n, condition, agree):
    fun, solution = _quadratic(n, condition)
    x0 = np.zeros(n)
    ours, theirs = [], []

    def record(intermediate_result, losses):
        losses.append(intermediate_result.fun)

    result = minimize(
        fun,
        x0,
        maxiter=1000,
        maxfun=2000,
        gtol=1e-9,
        callback=lambda intermediate_result: record(intermediate_result, ours),
    )
    scipys = scipy.optimize.minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 1000, "gtol": 1e-9},
        callback=lambda intermediate_result: record(intermediate_result, theirs),
    )
    assert result.status == scipys.status == 0 and result.success
    # SciPy's wording (not its meaning) changed when L-BFGS-B left Fortran.
    assert "REDUCTION" in result.message and "REDUCTION" in scipys.message
    np.testing.assert_allclose(ours[:agree], theirs[:agree], rtol=1e-9)
    # Both stop on the relative reduction, where rounding decides exactly
    # when: each has closed the starting gap a millionfold.
    best, gap = fun(solution)[0], fun(x0)[0] - fun(solution)[0]
    assert result.fun - best <= 1e-6 * gap
    assert scipys.fun - best <= 1e-6 * gap
    assert abs(result.nit - scipys.nit) <= scipys.nit // 5 + 1
    assert result.nfev <= scipys.nfev + 5
    assert np.all(np.diff(ours) <= 0)


def test_solves_the_rosenbrock_valley_as_scipy_does():
    x0 = np.tile([-1.2, 1.0], 10)

    def rosen(x):
        return scipy.optimize.rosen(x), scipy.optimize.rosen_der(x)

    result = minimize(rosen, x0, maxiter=5000, maxfun=15000, gtol=1e-8)
    scipys = scipy.optimize.minimize(
        rosen, x0, jac=True, method="L-BFGS-B", options={"gtol": 1e-8}
    )
    np.testing.assert_allclose(result.x, np.ones(20), atol=1e-4)
    assert result.fun < 1e-8
    assert result.nit <= 1.3 * scipys.nit


def test_stopping_rules_and_their_statuses():
    fun, _ = _quadratic(30, 1e3)
    x0 = np.zeros(30)
    capped = minimize(fun, x0, maxiter=4, maxfun=100, gtol=1e-12)
    assert (capped.status, capped.nit) == (1, 4)
    assert "ITERATIONS" in capped.message and not capped.success
    starved = minimize(fun, x0, maxiter=100, maxfun=3, gtol=1e-12)
    assert starved.status == 1 and starved.nfev > 3
    assert "EVALUATIONS" in starved.message
    # Already converged: no iteration.
    at_minimum = minimize(fun, capped.x, maxiter=100, maxfun=100, gtol=1e3)
    assert (at_minimum.status, at_minimum.nit, at_minimum.nfev) == (0, 0, 1)
    assert "PGTOL" in at_minimum.message
    flat = minimize(fun, x0, maxiter=100, maxfun=100, gtol=0.0, ftol=1.0)
    assert (flat.status, flat.nit) == (0, 1)
    assert "REDUCTION" in flat.message


def test_a_callback_stops_the_run_at_its_iterate():
    fun, _ = _quadratic(20, 10.0)
    seen = []

    def callback(intermediate):
        seen.append(intermediate.x.copy())
        if len(seen) == 3:
            raise StopIteration

    result = minimize(
        fun, np.zeros(20), maxiter=100, maxfun=100, gtol=0, callback=callback
    )
    assert (result.status, result.nit) == (99, 3)
    np.testing.assert_array_equal(result.x, seen[-1])


def test_a_loss_that_cannot_be_lowered_ends_abnormally():
    start = np.ones(4)

    def nowhere(x):
        # Finite only at the start: no step can satisfy the line search.
        value = 1.0 if np.array_equal(x, start) else math.nan
        return value, np.ones(4)

    result = minimize(nowhere, start, maxiter=100, maxfun=1000, gtol=0)
    assert result.status == 2 and "ABNORMAL" in result.message
    assert result.nit == 0 and result.nfev == 21
    np.testing.assert_array_equal(result.x, start)
    broken = minimize(lambda x: (math.inf, x), start, maxiter=5, maxfun=5, gtol=0)
    assert broken.status == 2 and "not finite" in broken.message


def test_a_failed_line_search_forgets_the_pairs_before_giving_up():
    fun, _ = _quadratic(10, 100.0)
    calls = []

    def failing_later(x):
        calls.append(1)
        return (math.nan, x) if len(calls) > 6 else fun(x)

    result = minimize(failing_later, np.zeros(10), maxiter=100, maxfun=1000, gtol=0)
    # The quasi-Newton step's 20 trials, then the steepest descent's 20.
    assert result.status == 2 and result.nit >= 2
    assert len(calls) - 6 == 2 * 20


def test_no_descent_direction_ends_the_run():
    fun, _ = _quadratic(5, 10.0)
    run = _Run(fun, np.ones(5))
    run.direction = lambda: run.g.copy()  # uphill, as rounding could make it
    assert _step(run) is None and run.nfev == 1


def test_interpolation_stays_inside_its_bracket():
    # A cubic with its minimum inside the bracket, found exactly.
    def cubic(t):
        return (t - 0.3) ** 2 * (t + 2), 2 * (t - 0.3) * (t + 2) + (t - 0.3) ** 2

    t = _interpolate((0.0, *cubic(0.0)), (1.0, *cubic(1.0)))
    assert t == pytest.approx(0.3)
    # The same cubic, whichever end of the bracket is lo.
    assert _interpolate((0.0, 0.0, -1.0), (2.0, 10.0, 1.0)) == pytest.approx(
        _interpolate((2.0, 10.0, 1.0), (0.0, 0.0, -1.0))
    )
    # A trial far too long: the cubic's minimum near lo, clipped to the
    # guard, a hundredth of the bracket from it (not halved trial by trial).
    assert _interpolate((0.0, 1.0, -1.0), (221.0, 1e6, 1e4)) == pytest.approx(
        GUARD * 221.0
    )
    # A cubic without a minimum: the midpoint.
    assert _interpolate((0.0, 0.0, -1.0), (1.0, -0.999, -0.999)) == 0.5
    assert _interpolate((0.0, 0.0, 1.0), (1.0, 2 / 3, 1.0)) == 0.5
    # A double root (no unique minimum): the midpoint, not a division by 0.
    assert _interpolate((0.0, 0.0, 1.0), (1.0, 1 / 3, 1.0)) == 0.5
    # A trial whose loss overflowed: a tenth of the way from lo.
    assert _interpolate((0.0, 0.0, -1.0), (1.0, math.nan, math.nan)) == 0.1
    assert _interpolate((2.0, 0.0, 1.0), (0.0, math.inf, -1.0)) == 1.8


def test_the_policy_runs_the_numpy_lbfgs_and_an_explicit_solver_scipys(monkeypatch):
    calls = []
    for name, run in list(MINIMIZERS.items()):

        def counted(*args, name=name, run=run, **kwargs):
            calls.append(name)
            return run(*args, **kwargs)

        monkeypatch.setitem(MINIMIZERS, name, counted)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    y = X[:, 0] - X[:, 1] ** 2
    policy = BareMLPRegressor(random_state=0).fit(X, y)
    assert set(calls) == {"numpy"} and policy.solver_ == "lbfgs"
    assert policy.score(X, y) > 0.9
    calls.clear()
    explicit = BareMLPRegressor(solver="lbfgs", max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning):
        explicit.fit(X, y)
    assert calls == ["scipy"]
    # The classifier's policy keeps SciPy's (see _policy.NUMPY_LBFGS).
    calls.clear()
    classes = BareMLPClassifier(random_state=0).fit(X, y > 0)
    assert set(calls) == {"scipy"} and classes.score(X, y > 0) > 0.9


def test_the_benchmark_script_times_both_minimizers():
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "lbfgs.py"
    result = subprocess.run(
        [sys.executable, str(script), "--reps", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in result.stdout.splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    weights = [row for row in rows if row[0].replace(",", "").isdigit()]
    fits = [row for row in rows if "x" in row[0] and "iterations" in row[1]]
    assert [row[0] for row in weights] == ["1,201", "3,401", "6,401"]
    assert len(fits) == 2
    for row in weights + fits:
        assert float(row[3]) > 0
