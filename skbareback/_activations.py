"""Activation functions and their derivatives, side by side, in place.

Each forward function overwrites its argument with the activation. Each
derivative multiplies a back-propagated ``delta`` in place by the derivative,
written from the forward *output* ``a`` so that no pre-activation is kept.
"""

import numpy as np
from scipy.special import expit


def identity(z):
    """Leave ``z`` unchanged."""


def identity_derivative(a, delta):
    """The identity's derivative is one: leave ``delta`` unchanged."""


def logistic(z):
    """Apply the logistic sigmoid in place (overflow-safe)."""
    expit(z, out=z)


def logistic_derivative(a, delta):
    """Multiply ``delta`` by ``a * (1 - a)`` in place."""
    delta *= a
    delta *= 1 - a


def tanh(z):
    """Apply the hyperbolic tangent in place."""
    np.tanh(z, out=z)


def tanh_derivative(a, delta):
    """Multiply ``delta`` by ``1 - a**2`` in place."""
    delta *= 1 - a**2


def relu(z):
    """Apply max(z, 0) in place."""
    np.maximum(z, 0, out=z)


def relu_derivative(a, delta):
    """Zero ``delta`` where the unit was inactive."""
    delta[a == 0] = 0


def softmax(z):
    """Apply the row-wise softmax in place.

    Subtracting the row maximum first keeps ``exp`` from overflowing.
    """
    # Near the largest floats the shift can overflow to -inf, whose exp is
    # the right answer, 0.
    with np.errstate(over="ignore"):
        z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)


HIDDEN_ACTIVATIONS = {
    "identity": (identity, identity_derivative),
    "logistic": (logistic, logistic_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}

OUTPUT_ACTIVATIONS = {
    "logistic": (logistic, logistic_derivative),
    "softmax": (softmax, None),
}
