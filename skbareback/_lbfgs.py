"""Limited-memory BFGS in NumPy, for the policy's fits.

SciPy's L-BFGS-B spends about 15 ns per stored pair and parameter on every
iteration (its bound handling runs even without bounds): 200 us an iteration
for a network of 3,400 weights, as long as the network's own forward and
backward passes on a few hundred rows. Without bounds L-BFGS-B's step is the
plain L-BFGS step: here two small triangular solves and three passes over
the stored pairs. The line search asks for the same strong Wolfe conditions
as L-BFGS-B's (sufficient decrease 1e-3, curvature 0.9) and the stopping
rules are SciPy's (``gtol`` on the largest gradient component, ``ftol`` on
the relative decrease of the loss, ``maxiter`` and ``maxfun``), so a fit
follows SciPy's path until a line search interpolates differently (the two
searches pick different points once the first trial fails) or rounding
parts them. An explicit ``solver='lbfgs'`` keeps SciPy's, and with it
MLPClassifier's models; so does the classifier's policy (see _policy).
"""

import math

import numpy as np
import scipy.optimize
from scipy.linalg import lapack
from scipy.optimize import OptimizeResult

# L-BFGS-B's defaults: the pairs kept, its relative decrease tolerance
# (factr=1e7 times the machine epsilon), the line search's conditions and
# its evaluation cap.
MAXCOR = 10
FTOL = 1e7 * np.finfo(np.float64).eps
SUFFICIENT_DECREASE, CURVATURE = 1e-3, 0.9
MAX_LINE_SEARCH_EVALS = 20
# A step may grow by at most this factor per trial while the slope is
# still steeply negative (L-BFGS-B's line search extrapolates by up to 4).
EXTRAPOLATION = 4.0
# An interpolated step keeps this share of the bracket's width from either end.
GUARD = 0.01


def minimize(fun, x0, *, maxiter, maxfun, gtol, callback=None, ftol=FTOL):
    """Minimise ``fun`` from ``x0`` by L-BFGS, as SciPy's L-BFGS-B without bounds.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (loss, gradient)``, both float64; the gradient is kept as
        returned, so it must be a new array on every call (as the training
        loop's, already a float64 copy, is).
    x0 : ndarray of shape (n,)
        The starting point.
    maxiter, maxfun : int
        The iteration and evaluation budgets (SciPy's meaning: the run stops
        after the first iteration that reaches either).
    gtol : float
        Stop when the largest absolute gradient component is at most this.
    callback : callable, default=None
        Called after each iteration with an ``OptimizeResult`` holding ``x``
        and ``fun``; raising ``StopIteration`` ends the run (status 99).
    ftol : float, default=FTOL
        Stop when the relative decrease of the loss is at most this.

    Returns
    -------
    result : OptimizeResult
        ``x``, ``fun``, ``jac``, ``nit``, ``nfev``, ``status`` (0 converged,
        1 a budget reached, 2 the line search failed, 99 stopped by the
        callback), ``success`` and ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> from skbareback._lbfgs import minimize
    >>> scales = np.array([1.0, 10.0, 100.0])
    >>> def quadratic(x):
    ...     return 0.5 * np.dot(scales * x, x), scales * x
    >>> result = minimize(quadratic, np.ones(3), maxiter=100, maxfun=100,
    ...                   gtol=1e-10)
    >>> result.status, result.nit
    (0, 11)
    >>> from scipy.optimize import minimize as scipy_minimize
    >>> scipys = scipy_minimize(quadratic, np.ones(3), jac=True,
    ...                         method="L-BFGS-B", options={"gtol": 1e-10})
    >>> scipys.nit, bool(np.allclose(result.x, scipys.x, rtol=0, atol=1e-15))
    (11, True)
    """
    run = _Run(fun, np.array(x0, dtype=np.float64))
    status, message = _iterate(run, maxiter, maxfun, gtol, ftol, callback)
    return OptimizeResult(
        x=run.x,
        fun=run.f,
        jac=run.g,
        nit=run.nit,
        nfev=run.nfev,
        status=status,
        success=status == 0,
        message=message,
    )


class _Run:
    """The iterate, its loss and gradient, the stored pairs and the counts."""

    def __init__(self, fun, x):
        self.fun, self.x, self.nit, self.nfev = fun, x, 0, 0
        self.f, self.g = self.evaluate(x)
        # The pairs s_i (first half) and y_i (second) in a ring of rows;
        # their inner products s_i . y_j (sy) and y_i . y_j (yy) by age,
        # oldest first, so that a direction takes two matrix-vector products
        # and two small triangular solves rather than four inner products
        # per pair.
        self.pairs = np.zeros((2 * MAXCOR, x.shape[0]))
        self.age = np.zeros(0, dtype=np.intp)
        self.sy = self.yy = np.zeros((0, 0))

    def evaluate(self, x):
        self.nfev += 1
        f, g = self.fun(x)
        return float(f), np.asarray(g, dtype=np.float64)

    def direction(self):
        """``-H g`` by the two-loop recursion, its inner products expanded.

        The loops' inner products with the evolving vector expand into
        those with ``g`` (``S g``, ``Y g``) and between the pairs (``sy``,
        ``yy``): each loop is then a triangular system in ``sy``.
        """
        age, sy = self.age, self.sy
        if not age.size:
            return -self.g
        products = self.pairs @ self.g
        # First loop: alpha_i s_i . y_i + sum over newer j of alpha_j s_i . y_j
        # = s_i . g, the upper triangle of sy (all that LAPACK reads).
        alphas, _ = lapack.dtrtrs(sy, products[age])
        gamma = sy[-1, -1] / self.yy[-1, -1]
        # Second loop: with r_0 = gamma (g - Y' alpha) and c_i = alpha_i -
        # beta_i, c_i s_i . y_i + sum over older j of c_j s_j . y_i =
        # alpha_i s_i . y_i - y_i . r_0: the transposed system.
        yr = gamma * (products[MAXCOR + age] - self.yy @ alphas)
        coefs, _ = lapack.dtrtrs(sy, np.diag(sy) * alphas - yr, trans=1)
        # -r = -gamma (g - Y' alpha) - S' c, in one pass over the pairs.
        weights = np.zeros(2 * MAXCOR)
        weights[age], weights[MAXCOR + age] = -coefs, gamma * alphas
        r = weights @ self.pairs
        r -= gamma * self.g
        return r

    def store(self, s, y):
        """Keep the pair ``(s, y)`` unless its curvature is not positive."""
        if not np.dot(s, y) > np.finfo(np.float64).eps * np.dot(y, y):
            return  # as L-BFGS-B: a pair without curvature is skipped
        kept = self.age.size - (self.age.size == MAXCOR)
        slot = self.age[0] if kept < self.age.size else self.age.size
        self.age = np.append(self.age[self.age.size - kept :], slot)
        self.pairs[slot], self.pairs[MAXCOR + slot] = s, y
        # One pass over the pairs for both new rows of products.
        with_s, with_y = (self.pairs @ np.stack([s, y], axis=1)).T
        self.sy = self._grown(
            self.sy, kept, with_s[MAXCOR + self.age], with_y[self.age]
        )
        self.yy = self._grown(self.yy, kept, with_y[MAXCOR + self.age], None)

    @staticmethod
    def _grown(products, kept, row, column):
        """``products`` less all but its ``kept`` newest pairs, plus the new."""
        grown = np.empty((kept + 1, kept + 1))
        grown[:kept, :kept] = products[
            products.shape[0] - kept :, products.shape[0] - kept :
        ]
        grown[-1, :] = row
        grown[:, -1] = row if column is None else column
        return grown

    def forget(self):
        self.age = np.zeros(0, dtype=np.intp)
        self.sy = self.yy = np.zeros((0, 0))


def _iterate(run, maxiter, maxfun, gtol, ftol, callback):
    """Iterate until a stopping rule holds; return ``(status, message)``."""
    if not math.isfinite(run.f):
        return 2, "the loss at the starting point is not finite"
    while True:
        if np.abs(run.g).max() <= gtol:
            return 0, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"
        f_old = run.f
        if _step(run) is None:
            return 2, "ABNORMAL: the line search found no lower loss"
        run.nit += 1
        if callback is not None:
            try:
                callback(OptimizeResult(x=run.x, fun=run.f))
            except StopIteration:
                return 99, "`callback` raised `StopIteration`."
        if run.nit >= maxiter:
            return 1, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
        if run.nfev > maxfun:
            return 1, "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
        if f_old - run.f <= ftol * max(abs(f_old), abs(run.f), 1.0):
            return 0, "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"


def _step(run):
    """Move ``run`` along its direction; None where no step is found.

    As L-BFGS-B: a failed line search forgets the stored pairs and tries
    the steepest descent; only its failure ends the run.
    """
    while True:
        d = run.direction()
        slope = float(np.dot(run.g, d))
        # Not a descent direction only by rounding, or at a zero gradient.
        if slope < 0:
            # The first step has no curvature to scale it: unit length.
            t = 1.0 if run.age.size else 1.0 / math.sqrt(float(np.dot(d, d)))
            found = _line_search(run, d, slope, t)
            if found is not None:
                x, f, g = found
                run.store(x - run.x, g - run.g)
                run.x, run.f, run.g = x, f, g
                return True
        if not run.age.size:
            return None
        run.forget()


def _line_search(run, d, slope, t):
    """A step along ``d`` meeting the strong Wolfe conditions, or None.

    Nocedal and Wright's bracketing and zoom (Algorithms 3.5 and 3.6), with
    safeguarded cubic interpolation; returns ``(x, f, g)`` at the step.
    """
    f0 = run.f
    lo = (0.0, f0, slope)
    hi = None
    for _ in range(MAX_LINE_SEARCH_EVALS):
        if hi is not None:
            t = _interpolate(lo, hi)
        x = run.x + t * d
        f, g = run.evaluate(x)
        dphi = float(np.dot(g, d)) if math.isfinite(f) else math.nan
        trial = (t, f, dphi)
        if not f <= f0 + SUFFICIENT_DECREASE * t * slope or f >= lo[1]:
            hi = trial  # too long: the minimum lies between lo and t
            continue
        if abs(dphi) <= -CURVATURE * slope:
            return x, f, g
        # The slope's sign tells which end of the bracket the trial replaces
        # (before a bracket: whether the minimum is passed).
        if dphi * ((t - lo[0]) if hi is None else (hi[0] - lo[0])) >= 0:
            hi = lo
        lo = trial
        if hi is None:
            t *= EXTRAPOLATION
    return None


def _interpolate(lo, hi):
    """The minimiser of the cubic through two trials, kept inside the bracket.

    It is clipped to the bracket less ``GUARD`` of its width at each end, so
    that one trial far too long (a first step of unit length along a small
    gradient) costs one more trial, not one per halving. Where the cubic has
    no minimum: the midpoint; where ``hi``'s loss or slope is not finite
    (an overflow: far too long), a tenth of the way from ``lo``.
    """
    (a, fa, da), (b, fb, db) = lo, hi
    if not all(map(math.isfinite, (fb, db))):
        return a + 0.1 * (b - a)
    lower, upper = sorted((a + GUARD * (b - a), b - GUARD * (b - a)))
    d1 = da + db - 3 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0:
        return 0.5 * (a + b)
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = db - da + 2 * d2
    if denominator == 0:
        return 0.5 * (a + b)
    t = b - (b - a) * (db + d2 - d1) / denominator
    return min(max(t, lower), upper)


def scipy_lbfgs_b(fun, x0, *, maxiter, maxfun, gtol, callback=None):
    """SciPy's L-BFGS-B, with :func:`minimize`'s signature: MLPClassifier's solver."""
    return scipy.optimize.minimize(
        fun,
        x0,
        method="L-BFGS-B",
        jac=True,
        options={"maxfun": maxfun, "maxiter": maxiter, "gtol": gtol},
        callback=callback,
    )


# Keyed by the plan's ``minimizer``: 'scipy' for an explicit solver='lbfgs'
# (the same models as scikit-learn's), 'numpy' under the regressor's policy.
MINIMIZERS = {"scipy": scipy_lbfgs_b, "numpy": minimize}
