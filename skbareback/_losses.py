"""Losses of the output probabilities and their deltas at the output logits.

A loss is a pair ``(value, delta)``. ``value(Y, P, sw, out_activation)`` is the
(weighted) mean loss over samples; ``delta(Y, P, sw, out_activation, out)``
writes into ``out`` the gradient, with respect to the output logits, of the
loss *summed* over the samples (the caller divides by the weight total).
"""

import numpy as np


def _weighted_mean(per_sample, sw):
    if sw is None:
        return float(per_sample.mean())
    return float(np.dot(sw, per_sample) / sw.sum())


def log_loss_value(Y, P, sw, out_activation):
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
    if per_sample.ndim == 2:
        per_sample = per_sample.sum(axis=1)
    return _weighted_mean(per_sample, sw)


def log_loss_delta(Y, P, sw, out_activation, out):
    """Canonical link: the delta at the logits is ``P - Y`` for both outputs."""
    np.subtract(P, Y, out=out)
    if sw is not None:
        out *= sw[:, np.newaxis]


def squared_error_value(Y, P, sw, out_activation):
    """Half the squared error of the output probabilities, averaged over outputs."""
    per_sample = ((Y - P) ** 2).mean(axis=1)
    return 0.5 * _weighted_mean(per_sample, sw)


def squared_error_delta(Y, P, sw, out_activation, out):
    """Chain the squared error's gradient through the output activation."""
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


LOSSES = {
    "log_loss": (log_loss_value, log_loss_delta),
    "squared_error": (squared_error_value, squared_error_delta),
}
