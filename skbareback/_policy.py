"""The 'auto' policy: which solver, budget, penalty and stopping rule a fit gets.

Pure functions of the data's shape and the estimator's explicit settings, so
the rules can be read and tested on their own. An explicit setting always
keeps its MLPClassifier meaning; only the values left at 'auto' are decided
here. The figures behind each rule are measured by ``benchmarks/real_data.py``
and quoted in the estimator's docstring.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._output_layer import OUTPUT_ALPHAS
from ._params import is_auto

# With early_stopping set explicitly (True or False), solver='auto' keeps its
# first rule: L-BFGS below this many samples without early stopping, else adam.
# BareMLPRegressor, whose early_stopping defaults to False, runs by it.
EXPLICIT_LBFGS_MAX_SAMPLES = 1000

# From this many training samples on, 'auto' uses adam: one epoch then makes
# at least 250 updates of 200 samples, so early stopping ends training within
# a few full passes, where L-BFGS needs tens to hundreds of them.
ADAM_MIN_SAMPLES = 50_000

# validation_fraction='auto': MLPRegressor's 0.1 outside the policy; under
# it, the regressor holds out a fifth. Its validation loss is a mean of
# squared errors, whose spread on heavy-tailed targets is large: with a tenth
# held out, a few rows decide when to stop, and L-BFGS stopped early on
# Labour (one fold at R2 0.12; 5-fold 0.628 against MLPRegressor's 0.763).
# A fifth halves the variance of that mean for an eighth fewer training rows
# (Labour 0.746; benchmarks/real_data.py --task regression, all 31 tables:
# >= Ridge on 21 against 20, 6 of the 10 held out against 5). Keyed by
# whether the estimator is the regressor; the classifier's stays 0.1.
VALIDATION_FRACTION = {False: 0.1, True: 0.2}
MLP_VALIDATION_FRACTION = 0.1

# A validation set smaller than this cannot measure a loss to stop on: below
# it, 'auto' trains to convergence on all the data instead. Keyed by whether
# the estimator is the regressor, whose validation samples each measure a
# continuous error, not a 0/1 outcome: from 41 samples on, as 5 in a tenth
# were before the regressor held out a fifth.
MIN_VALIDATION_SAMPLES = {False: 10, True: 9}

# Under solver='auto', L-BFGS waits this many times n_iter_no_change
# iterations for the validation loss to improve: under alpha=1 it can sit on a
# plateau for tens of iterations before it falls again (Yogurt, one fold: flat
# from iteration 20 to 75, then from 0.973 to 0.928 by iteration 400; with a
# patience of 10, Males loses 0.007 in 5-fold accuracy).
LBFGS_PATIENCE_FACTOR = 3

# alpha='auto' for L-BFGS with early stopping: the full-batch penalty is
# divided by the sample count, so alpha=1 is exactly a standard normal prior on
# every weight (for standardised inputs), and the validation loss decides how
# far to fit.
ALPHA_PRIOR = 1.0
# A penalty that strong can hold a small network in a near-linear minimum
# (two moons, one split in eight: 0.85 where others reach 0.95). So training
# then continues from the chosen weights at this weaker penalty, and keeps the
# continuation only if it lowers the validation loss by more than one standard
# error: the one-standard-error rule, which prefers the stronger penalty
# unless the validation data show otherwise, as a few dozen samples rarely can.
ALPHA_CONTINUATION = (0.3,)
# The regressor tries it only where the unit prior, not the noise, may be what
# limits the fit: where its validation loss is at most a tenth of the best
# constant's (90% of the validation variance explained, on the standardised
# targets). A noiseless parabola (the regressor's docstring) reaches R2 0.99
# with it, 0.97 without. On the benchmark's noisy tables it was kept in 7 of
# 155 fits, moved no table's 5-fold R2 by more than 0.003, and spent 12-18%
# of the iterations (benchmarks/real_data.py --task regression, same folds).
CONTINUATION_MIN_EXPLAINED = {False: 0.0, True: 0.9}

# Otherwise (no prior) the weak penalty: it lets tiny data without a validation set (the
# XOR truth table) be learned confidently, and adam divides the penalty by the
# minibatch's size, not the data's, so a strong one would swamp large data
# (make_classification(80000, 20): 0.950 with alpha=1, 0.964 with 0.01).

ALPHA_WEAK = 0.01

# Which L-BFGS the policy runs (see _lbfgs), keyed by whether the estimator
# is the regressor: the NumPy one, which takes 0.38-0.84x of SciPy's
# L-BFGS-B's time per iteration (1,201 to 6,401 weights, with and without
# AVX-512; benchmarks/lbfgs.py), on the regressor's policy fits. The
# classifier's policy stays on SciPy's, whose paths its benchmark figures
# were measured on: the NumPy one moved accuracies by up to 0.013 either
# way, rounding carried through hundreds of iterations, Yogurt past the
# 0.02 margin to MLPClassifier (0.534 against 0.557), for 8% of its time.
NUMPY_LBFGS = {False: "scipy", True: "numpy"}

# hidden_layer_sizes='auto', the regressor's default: half MLPRegressor's
# 100 units where the policy stops early on its own (solver and
# early_stopping 'auto'), MLPRegressor's 100 otherwise. Under the unit prior
# and early stopping half the units fitted the tables about as well, and
# every pass costs in proportion to them (NumPy's float64 tanh is scalar below
# AVX-512: about a third of a small fit there). With 50 rather than 100,
# benchmarks/real_data.py --task regression on an AMD EPYC: median time
# 0.157x MLPRegressor()'s against 0.219x (0.215x against 0.295x with AVX2
# emulated); R2 at least Ridge's on 23 of 31 tables as before, and on 21 of
# the 26 --fresh ones against 18. Over random_state 0, 1 and 2 (--bare-param
# random_state=...) its mean R2 was 0.002 below 100 units' on the 31 tables
# and 0.001 on the 26, within the seeds' spread (0.008 to 0.014), losing
# most on small tables with few inputs (Labour -0.09, PatentsRD -0.04,
# Ornstein -0.02) and gaining elsewhere (Bids +0.10, Cigar +0.03).
# Where it trains without stopping early (below 41 samples, partial_fit, an
# explicit early_stopping) no narrower network was measured, and
# MLPRegressor's width stays.
MLP_HIDDEN_LAYER_SIZES = (100,)
AUTO_HIDDEN_LAYER_SIZES = {False: MLP_HIDDEN_LAYER_SIZES, True: (50,)}

# max_iter='auto': MLPClassifier's 200 for an explicit solver; under
# solver='auto' a cap that the stopping rules, not the budget, should reach.
MLP_MAX_ITER = 200
AUTO_MAX_ITER = {"lbfgs": 15000, "adam": 1000}

# Under the unit prior, L-BFGS runs at most MLPClassifier's whole budget
# before a continuation takes over from its best weights: a validation loss
# still falling after that many iterations shows more structure than the
# strong penalty lets the network fit quickly (Fishing: 0.20 to 0.11 between
# iterations 100 and 400 under alpha=1, to 0.075 within 35 more under 0.3).
FIRST_STAGE_MAX_ITER = MLP_MAX_ITER


@dataclass(frozen=True)
class Plan:
    """What one call to ``fit`` or ``partial_fit`` runs, with 'auto' resolved.

    Attributes
    ----------
    solver : {'lbfgs', 'sgd', 'adam'}
        The solver to run.
    max_iter : int
        The epoch (or L-BFGS iteration) budget.
    alpha : float
        The L2 penalty.
    early_stopping : bool
        Whether a validation set stops training and picks the weights.
    scoring : str, callable or None
        What early stopping watches (see the estimator's ``scoring``).
    patience : int
        Epochs (or iterations) without improvement before stopping.
    continuation : tuple of float
        The weaker penalties L-BFGS continues with, each for at most
        ``n_iter_no_change`` iterations without improvement, kept by
        :func:`significantly_lower` (empty: no continuation).
    first_stage_max_iter : int or None
        With a continuation, the iterations L-BFGS may run under ``alpha``
        before the continuation takes over.
    continuation_min_explained : float
        The share of the validation loss of the best constant prediction
        that the first stage must explain for the continuation to run.
    validation_fraction : float
        The share of the samples early stopping holds out.
    output_alphas : tuple of float
        The penalties for which the fit ends by solving the output layer
        exactly (see _output_layer), kept if the held-out loss prefers one
        (empty: the trained layer stays).
    minimizer : {'scipy', 'numpy'}
        Which L-BFGS runs (see _lbfgs): SciPy's for an explicit
        ``solver='lbfgs'``, ``NUMPY_LBFGS`` under ``solver='auto'``.
    hidden_layer_sizes : object
        The estimator's ``hidden_layer_sizes``, 'auto' resolved by
        ``AUTO_HIDDEN_LAYER_SIZES`` (validated by the estimator).
    """

    solver: str
    max_iter: int
    alpha: float
    early_stopping: bool
    scoring: object
    patience: int
    continuation: tuple = ()
    first_stage_max_iter: int | None = None
    continuation_min_explained: float = 0.0
    validation_fraction: float = MLP_VALIDATION_FRACTION
    output_alphas: tuple = ()
    minimizer: str = "scipy"
    hidden_layer_sizes: object = MLP_HIDDEN_LAYER_SIZES


def drops_zero_weights(params):
    """Whether a fit drops its rows of zero weight first: under solver='auto'.

    A fit is then exactly the fit without them. Kept, they would still be
    drawn into the early-stopping split (a validation set of them alone has
    no loss to stop on) and the minibatches, and adding their zeros rounds
    the other rows' sums differently, which L-BFGS amplifies into another
    model. An explicit solver keeps them, as MLPClassifier does: the same
    split and minibatches, so the same model.
    """
    return params["solver"] == "auto"


def validation_size(n_samples, validation_fraction):
    """Samples the ``validation_fraction`` split holds out (as sklearn rounds)."""
    return math.ceil(validation_fraction * n_samples)


def auto_solver(
    n_samples, incremental, early_stopping="auto", dropout=False, array_api=False
):
    """'adam' for ``partial_fit``, dropout, array API data and large data, else 'lbfgs'.

    ``early_stopping`` is the estimator's setting: 'auto' for the policy's
    thresholds, an explicit bool for the first rule (see
    ``EXPLICIT_LBFGS_MAX_SAMPLES``).
    """
    # Random masks change the objective at every step: L-BFGS cannot drop.
    # SciPy's L-BFGS runs on host arrays: data on another namespace's device
    # (a GPU) trains with adam there rather than travel to the host and back
    # at every iteration.
    if incremental or dropout or array_api:
        return "adam"
    if early_stopping == "auto":
        large = n_samples >= ADAM_MIN_SAMPLES
    else:
        large = early_stopping or n_samples >= EXPLICIT_LBFGS_MAX_SAMPLES
    return "adam" if large else "lbfgs"


def auto_early_stopping(
    n_samples, validation_fraction, has_validation_set, regression=False
):
    """Whether 'auto' stops on a validation loss: when it can measure one."""
    if has_validation_set:
        return True
    held_out = validation_size(n_samples, validation_fraction)
    return held_out >= MIN_VALIDATION_SAMPLES[regression]


def max_iter_bound(max_iter):
    """An upper bound on the epochs (or iterations) of a fit, before it starts."""
    return (
        max(MLP_MAX_ITER, *AUTO_MAX_ITER.values()) if max_iter == "auto" else max_iter
    )


def plan(
    params,
    n_samples,
    incremental=False,
    has_validation_set=False,
    dropout=False,
    regression=False,
    array_api=False,
):
    """Resolve every 'auto' setting of one fit.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params()``: ``solver``, ``max_iter``, ``alpha``,
        ``early_stopping``, ``validation_fraction``, ``scoring`` and
        ``n_iter_no_change`` are read (a ``validation_fraction`` left at
        'auto' becomes ``VALIDATION_FRACTION`` under the policy, else 0.1).
    n_samples : int
        Number of training samples of this call.
    incremental : bool, default=False
        Whether the call is ``partial_fit`` (one epoch, no early stopping).
    has_validation_set : bool, default=False
        Whether ``fit`` was given ``X_val`` and ``y_val``.
    dropout : bool, default=False
        Whether any hidden unit is dropped (which needs a stochastic solver).
    regression : bool, default=False
        Whether the estimator is the regressor, which stops early on fewer
        validation samples (see ``MIN_VALIDATION_SAMPLES``) and continues
        only well-explained fits (see ``CONTINUATION_MIN_EXPLAINED``).
    array_api : bool, default=False
        Whether the data are arrays of a non-NumPy namespace (array API
        dispatch). 'auto' then picks adam, and 'lbfgs' (SciPy's, on the
        host) raises a ``ValueError``.

    Returns
    -------
    plan : Plan
        The solver, epoch budget, penalty, early stopping and what it watches.

    Examples
    --------
    >>> from skbareback._policy import plan
    >>> from skbareback import BareMLPClassifier
    >>> auto = BareMLPClassifier().get_params()
    >>> plan(auto, n_samples=4)
    Plan(solver='lbfgs', max_iter=15000, alpha=0.01, early_stopping=False, \
scoring=None, patience=10, continuation=(), first_stage_max_iter=None, \
continuation_min_explained=0.0, validation_fraction=0.1, \
output_alphas=(), minimizer='scipy', hidden_layer_sizes=(100,))
    >>> plan(auto, n_samples=500)
    Plan(solver='lbfgs', max_iter=15000, alpha=1.0, early_stopping=True, \
scoring='loss', patience=30, continuation=(0.3,), first_stage_max_iter=200, \
continuation_min_explained=0.0, validation_fraction=0.1, \
output_alphas=(), minimizer='scipy', hidden_layer_sizes=(100,))
    >>> plan({**auto, "solver": "adam"}, n_samples=500)
    Plan(solver='adam', max_iter=200, alpha=0.01, early_stopping=False, \
scoring=None, patience=10, continuation=(), first_stage_max_iter=None, \
continuation_min_explained=0.0, validation_fraction=0.1, \
output_alphas=(), minimizer='scipy', hidden_layer_sizes=(100,))
    >>> plan(auto, n_samples=500, array_api=True).solver
    'adam'
    """
    automatic = params["solver"] == "auto"
    early_stopping = params["early_stopping"]
    solver = params["solver"]
    if automatic:
        solver = auto_solver(n_samples, incremental, early_stopping, dropout, array_api)
    elif array_api and solver == "lbfgs":
        raise ValueError(
            "solver='lbfgs' runs SciPy's L-BFGS on NumPy arrays, but X is an "
            "array of another namespace under sklearn.config_context("
            "array_api_dispatch=True). Use solver='adam', 'sgd' or 'auto' "
            "(adam there), or pass NumPy arrays."
        )
    # The policy proper: the solver and the stopping rule both left to it.
    policy = automatic and early_stopping == "auto"
    fraction = params["validation_fraction"]
    if fraction == "auto":
        fraction = (
            VALIDATION_FRACTION[regression] if policy else MLP_VALIDATION_FRACTION
        )
    if early_stopping == "auto":
        early_stopping = (
            policy
            and not incremental
            and auto_early_stopping(n_samples, fraction, has_validation_set, regression)
        )
    stops = policy and early_stopping
    # The policy's early stopping watches the loss, so that the probabilities,
    # not only the labels, are what the validation set selects.
    scoring = params["scoring"]
    if stops and scoring is None:
        scoring = "loss"
    alpha, continuation = params["alpha"], ()
    if alpha == "auto":
        prior = stops and solver == "lbfgs"
        alpha = ALPHA_PRIOR if prior else ALPHA_WEAK
        # The rule compares losses sample by sample: only the loss has them.
        if prior and scoring == "loss":
            continuation = ALPHA_CONTINUATION
    max_iter = params["max_iter"]
    if max_iter == "auto":
        max_iter = AUTO_MAX_ITER[solver] if automatic else MLP_MAX_ITER
    patience = params["n_iter_no_change"]
    if stops and solver == "lbfgs":
        patience = LBFGS_PATIENCE_FACTOR * patience
    # A continuation that may not run must not cut the first stage short.
    gated = CONTINUATION_MIN_EXPLAINED[regression]
    first_stage = FIRST_STAGE_MAX_ITER if continuation and not gated else None
    hidden = params.get("hidden_layer_sizes", MLP_HIDDEN_LAYER_SIZES)
    if is_auto(hidden):
        hidden = AUTO_HIDDEN_LAYER_SIZES[stops and regression]
    # The squared error makes the output layer a ridge regression on the
    # hidden units, solved exactly on the host; its solutions are judged by
    # their losses sample by sample, which only the loss has.
    solved = regression and stops and scoring == "loss" and not array_api
    solved = solved and params.get("loss") == "squared_error"
    solved = solved and params.get("fit_intercept", True)
    return Plan(
        solver,
        max_iter,
        alpha,
        bool(early_stopping),
        scoring,
        patience,
        continuation,
        first_stage,
        gated,
        fraction,
        OUTPUT_ALPHAS if solved else (),
        NUMPY_LBFGS[regression] if automatic else "scipy",
        hidden,
    )


def significantly_lower(losses, baseline, sample_weight=None):
    """Whether ``losses`` are lower than ``baseline`` by over one standard error.

    Both hold the per-sample losses of one validation set; the test is on
    their paired differences, weighted by ``sample_weight`` (with Kish's
    effective sample size standing for the count).

    Examples
    --------
    >>> from skbareback._policy import significantly_lower
    >>> significantly_lower([0.1, 0.2, 0.1, 0.3], [0.5, 0.6, 0.4, 0.7])
    True
    >>> significantly_lower([0.1, 0.9, 0.1, 0.9], [0.5, 0.6, 0.4, 0.7])
    False
    """
    gain = np.asarray(baseline, dtype=float) - np.asarray(losses, dtype=float)
    w = np.ones_like(gain) if sample_weight is None else np.asarray(sample_weight)
    n = w.sum() ** 2 / np.dot(w, w)
    if n <= 1:
        return False  # one sample has no spread to measure an error by
    mean = np.average(gain, weights=w)
    variance = np.average((gain - mean) ** 2, weights=w) * n / (n - 1)
    return bool(mean > math.sqrt(variance / n))
