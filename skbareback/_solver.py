"""The ``solver='auto'`` policy: which solver a fit runs."""

from ._params import has_dropout

# Below this many training samples, solver='auto' uses L-BFGS: on small data it
# converges in far fewer passes than adam and to a sharper optimum.
AUTO_LBFGS_MAX_SAMPLES = 1000


def resolve_solver(est, n_samples, incremental):
    """Return the solver that ``est`` uses on ``n_samples`` training samples.

    Parameters
    ----------
    est : BaseBareMLP
        The estimator being fitted; its ``solver``, ``early_stopping`` and
        ``dropout`` decide.
    n_samples : int
        Number of training samples of this call.
    incremental : bool
        Whether this is ``partial_fit``, which always runs a stochastic solver.

    Returns
    -------
    solver : {'lbfgs', 'sgd', 'adam'}
        The solver to run.
    """
    if est.solver != "auto":
        return est.solver
    small = n_samples < AUTO_LBFGS_MAX_SAMPLES
    # Random masks change the objective at every step: L-BFGS cannot drop.
    stochastic = incremental or est.early_stopping or has_dropout(est)
    return "lbfgs" if small and not stochastic else "adam"
