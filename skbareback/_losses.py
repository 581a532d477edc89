"""Losses of the network's outputs and their deltas at the output logits.

A loss is a pair ``(value, delta)``. ``value(Y, P, sw, out_activation)`` is the
(weighted) mean loss over samples; ``delta(Y, P, sw, out_activation, out)``
writes into ``out`` the gradient, with respect to the output logits, of the
loss *summed* over the samples (the caller divides by the weight total).
``PER_SAMPLE[loss](Y, P, out_activation)`` is each sample's loss, whose
weighted mean is the value.
"""

import numpy as np
from scipy.special import xlogy


def mean(x, axis=None):
    """``x.mean(axis)`` to the bit, without the Python wrapper around it.

    The wrapper costs about 10 us a call (AMD EPYC), 3 to 6% of a small
    L-BFGS fit, which takes a few means an iteration. The sum is the same
    reduction; dividing by the count as NumPy does (in float64, then rounded
    to float32 for float32 data) and dividing in float32 round alike. The
    count takes the data's type, so that NumPy 1's promotion (a float32
    scalar over a Python int is a float64) cannot make the result wider.
    """
    count = x.size if axis is None else x.shape[axis]
    return np.add.reduce(x, axis=axis) / x.dtype.type(count)


def weighted_mean(per_sample, sw):
    """The mean of ``per_sample`` weighted by ``sw`` (None: unweighted)."""
    if sw is None:
        return float(mean(per_sample))
    return float(np.dot(sw, per_sample) / sw.sum())


def log_loss_per_sample(Y, P, out_activation):
    """Cross-entropy, with probabilities clipped to ``[eps, 1 - eps]`` as sklearn.

    Sigmoid outputs (binary, multilabel) add one binary cross-entropy per
    column; a softmax gathers the true class's probability.
    """
    eps = np.finfo(P.dtype).eps
    # The probability given to the observed outcome (of every label).
    p_true = np.where(Y, P, 1 - P) if out_activation == "logistic" else P[Y]
    # Clipping the gathered values equals clipping P first, on less data.
    np.clip(p_true, eps, 1 - eps, out=p_true)
    per_sample = -np.log(p_true)
    return per_sample.sum(axis=1) if per_sample.ndim == 2 else per_sample


def log_loss_value(Y, P, sw, out_activation):
    """The mean cross-entropy (see :func:`log_loss_per_sample`)."""
    return weighted_mean(log_loss_per_sample(Y, P, out_activation), sw)


def canonical_delta(Y, P, sw, out_activation, out):
    """Canonical link: the delta at the logits is ``P - Y``.

    So it is for cross-entropy after a sigmoid or a softmax, for the squared
    error after the identity, and for the Poisson deviance after ``exp``.
    """
    np.subtract(P, Y, out=out)
    if sw is not None:
        out *= sw[:, np.newaxis]


def squared_error_per_sample(Y, P, out_activation):
    """Half the squared error of the outputs, averaged over the outputs."""
    return 0.5 * mean((Y - P) ** 2, axis=1)


def squared_error_value(Y, P, sw, out_activation):
    """The mean of :func:`squared_error_per_sample`."""
    return weighted_mean(squared_error_per_sample(Y, P, out_activation), sw)


def squared_error_delta(Y, P, sw, out_activation, out):
    """Chain the squared error's gradient through the output activation."""
    if out_activation == "identity":
        # MLPRegressor's gradient: that of the error summed over the outputs,
        # n_outputs times the gradient of the mean it reports. Kept, for the
        # same steps and so the same models as MLPRegressor.
        canonical_delta(Y, P, sw, out_activation, out)
        return
    np.subtract(P, Y, out=out)
    out /= P.shape[1]
    if sw is not None:
        out *= sw[:, np.newaxis]
    if out_activation == "logistic":
        out *= P
        out *= 1 - P
    else:
        # Softmax Jacobian-vector product: p * (g - <g, p>).
        out -= (out * P).sum(axis=1, keepdims=True)
        out *= P


def mean_squared_error_delta(Y, P, sw, out_activation, out):
    """The exact gradient of :func:`squared_error_value` after the identity.

    That is, of the error averaged over the outputs, as it is reported; with
    several outputs L-BFGS's line search needs the two to agree.
    """
    canonical_delta(Y, P, sw, out_activation, out)
    if P.shape[1] > 1:
        out /= P.shape[1]


def poisson_per_sample(Y, P, out_activation):
    """Half the Poisson deviance of the means ``P``, summed over the outputs.

    As MLPRegressor: ``y log(y / p) - y + p`` per output, 0 log 0 being 0.
    """
    # A mean that underflowed to 0 under a positive count costs inf: the
    # divergence check reports it.
    with np.errstate(divide="ignore", invalid="ignore"):
        return (xlogy(Y, Y / P) - Y + P).sum(axis=1)


def poisson_value(Y, P, sw, out_activation):
    """The mean of :func:`poisson_per_sample`."""
    return weighted_mean(poisson_per_sample(Y, P, out_activation), sw)


LOSSES = {
    "log_loss": (log_loss_value, canonical_delta),
    "squared_error": (squared_error_value, squared_error_delta),
    "poisson": (poisson_value, canonical_delta),
    # The regressor's policy trains exactly the loss it reports (see
    # BareMLPRegressor._training_loss); "squared_error" keeps MLPRegressor's.
    "mean_squared_error": (squared_error_value, mean_squared_error_delta),
}

PER_SAMPLE = {
    "log_loss": log_loss_per_sample,
    "squared_error": squared_error_per_sample,
    "poisson": poisson_per_sample,
}
