"""scikit-learn's callback API (``sklearn.callback``, 1.9+), and stand-ins before it.

With an older scikit-learn, ``set_callbacks`` does not exist and the training
loop talks to a context that does nothing.
"""

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
    estimator : BareMLPClassifier
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
