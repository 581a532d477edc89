"""scikit-learn's callback API (``sklearn.callback``, 1.9+), and stand-ins before it.

With an older scikit-learn, ``set_callbacks`` does not exist and the training
loop talks to a context that does nothing.
"""

from ._xp_compat import copy

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9
    CALLBACK_MIXINS = ()

    def with_callbacks(method):
        """Return ``method`` unchanged: there are no callbacks to manage."""
        return method

else:
    CALLBACK_MIXINS = (CallbackSupportMixin,)


class NullContext:
    """A callback context with no callbacks: every hook is a no-op."""

    def subcontext(self, **kwargs):
        return self

    def call_on_fit_task_begin(self, **kwargs):
        return self

    def call_on_fit_task_end(self, **kwargs):
        return False


def fit_context(estimator, max_subtasks):
    """Return the root callback context of a fit, or a :class:`NullContext`.

    Parameters
    ----------
    estimator : BaseBareMLP
        The estimator being fitted.
    max_subtasks : int
        Upper bound on the number of epochs (or L-BFGS iterations) to come.

    Returns
    -------
    context : CallbackContext or NullContext
        The context whose hooks the training loop calls.
    """
    if not getattr(estimator, "_skl_callbacks", None):
        return NullContext()
    return estimator._init_callback_context(max_subtasks=max_subtasks)


class EpochHooks:
    """Calls the sklearn callback hooks: one fit task, one sub-task per epoch.

    Parameters
    ----------
    training : Training
        The training call whose epochs are reported.
    train : tuple
        ``(X, Y, y, sw)``, the training data the hooks are given.
    """

    def __init__(self, training, train):
        # Keep the pieces, not the training: it holds these hooks, and a
        # cycle would keep the training data alive until the next gc pass.
        self.est, self.net, self.params = training.est, training.net, training.params
        self.owner, self.ctx = training.callback_owner, training.ctx
        self.current = None
        X, _, y, sw = train
        metadata = None if sw is None else {"sample_weight": sw}
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.ctx.call_on_fit_task_begin(estimator=self.owner, **self.data)

    def _snapshot(self):
        # The fitted state as of now, copied: training goes on in place.
        state = dict(self.est.__dict__)
        coefs, intercepts = self.net.unpack(copy(self.params))
        state.update(coefs_=coefs, intercepts_=intercepts)
        return state

    def begin(self):
        """Open the sub-task of the next epoch."""
        self.current = self.ctx.subcontext(task_name="epoch")
        self.current.call_on_fit_task_begin(estimator=self.owner, **self.data)

    def end(self):
        """Close the current epoch's sub-task; return True if a callback stops."""
        stop = self.current.call_on_fit_task_end(
            estimator=self.owner,
            reconstruction_attributes=self._snapshot,
            **self.data,
        )
        self.current = None
        return bool(stop)

    def close(self):
        """Close the fit task (and an epoch opened but never run)."""
        if self.current is not None:
            # L-BFGS opens one iteration more than it runs; end it empty.
            self.current.call_on_fit_task_end(estimator=self.owner)
        self.ctx.call_on_fit_task_end(
            estimator=self.owner,
            reconstruction_attributes=self._snapshot,
            **self.data,
        )
