"""Fused numba kernels: one pass over memory for what NumPy does in several.

Bias + activation forward, mask x derivative x delta backward, the output
layer's activation + loss + delta, and the optimizers' steps with the L2
term. Built on :mod:`skbareback._numba`'s loader and vectorising
``exp``/``tanh``/logistic; the matrix products stay in BLAS.
"""

import math

import numpy as np

from ._numba import _exp, _flat, _jit, _logistic, _tanh, parallel, prange

# ---------------------------------------------------------------------------
# Each kernel below comes twice: serial, and parallel over rows (elements)
# with ``prange`` for fits on more than one thread, compiled on its first
# call only. A row is one thread's, so both give the same bits; the loss
# summed over rows is summed in row order after the parallel loop.

IDENTITY, RELU, TANH, LOGISTIC = 0, 1, 2, 3
ACTIVATION_CODES = {"identity": 0, "relu": 1, "tanh": 2, "logistic": 3}


def _twins(fn):
    """``(serial, parallel)`` compilations of ``fn``.

    Python never runs ``fn`` itself, so its definition is marked for coverage
    as the ``@_jit`` kernels are by pyproject's ``exclude_also``.
    """
    return _jit(fn), _jit(fn, parallel=True)


# ---------------------------------------------------------------------------
# Hidden layers: bias + activation forward, mask x derivative x delta back.
# The NumPy code makes two to four passes over the layer for each.


def _bias_activation_rows(Z, b, kind):  # pragma: no cover (numba)
    zero = Z.dtype.type(0)
    for i in prange(Z.shape[0]):
        z = Z[i]
        if kind == TANH:
            for j in range(z.size):
                z[j] = _tanh(z[j] + b[j])
        elif kind == LOGISTIC:
            for j in range(z.size):
                z[j] = _logistic(z[j] + b[j])
        elif kind == RELU:
            for j in range(z.size):
                v = z[j] + b[j]
                # NaN compares False and stays, as in np.maximum.
                z[j] = zero if v < zero else v
        else:
            for j in range(z.size):
                z[j] += b[j]


_bias_serial, _bias_parallel = _twins(_bias_activation_rows)


def bias_activation(Z, b, kind):
    """Add the intercepts ``b`` to every row of ``Z``, then apply ``kind``, in place.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_units), C-contiguous
        The layer's products ``A @ W``; overwritten with its activations.
    b : ndarray of shape (n_units,)
        The layer's intercepts.
    kind : {'identity', 'relu', 'tanh', 'logistic'}
        The activation.
    """
    _flat(Z)
    kernel = _bias_parallel if parallel(*Z.shape) else _bias_serial
    kernel(Z, b, ACTIVATION_CODES[kind])


# Each multiplies in NumPy's order (the mask first, then the derivative, as
# _network's backprop does), so that the results are NumPy's to the bit.


def _derivative_flat(a, d, mask, kind):  # pragma: no cover (numba)
    zero, one = d.dtype.type(0), d.dtype.type(1)
    if kind == TANH:
        for i in prange(d.size):
            g = d[i] if mask is None else d[i] * mask[i]
            d[i] = g * (one - a[i] * a[i])
    elif kind == LOGISTIC:
        for i in prange(d.size):
            g = d[i] if mask is None else d[i] * mask[i]
            d[i] = g * a[i] * (one - a[i])
    elif kind == RELU:
        for i in prange(d.size):
            g = d[i] if mask is None else d[i] * mask[i]
            d[i] = g * (one if a[i] > zero else zero)
    elif mask is not None:
        for i in prange(d.size):
            d[i] *= mask[i]


_derivative_serial, _derivative_parallel = _twins(_derivative_flat)


def activation_derivative_times_delta(A, D, mask, kind):
    """Multiply ``D`` in place by the dropout ``mask`` and by ``kind``'s derivative.

    Parameters
    ----------
    A : ndarray, C-contiguous
        The layer's activations (its forward output, as in ``_activations``).
    D : ndarray of A's shape, C-contiguous
        The delta back-propagated into the layer; overwritten.
    mask : ndarray of A's shape or None
        The layer's dropout mask; None for no dropout.
    kind : {'identity', 'relu', 'tanh', 'logistic'}
        The activation.
    """
    flat_mask = None if mask is None else np.ascontiguousarray(mask).reshape(-1)
    a, d, code = np.ascontiguousarray(A).reshape(-1), _flat(D), ACTIVATION_CODES[kind]
    kernel = _derivative_parallel if parallel(1, d.size) else _derivative_serial
    kernel(a, d, flat_mask, code)


# ---------------------------------------------------------------------------
# The output layer: bias, activation, loss and delta in one kernel. Each
# returns the loss summed over samples (weighted by ``sw``), accumulated in
# float64, and writes the activations into Z and the canonical delta
# (P - Y) * sw into D. The logarithms of the log-loss are scalar libm calls,
# one per output, so they have a loop of their own, while the row is in cache.


@_jit
def _clipped_log_loss(p, eps):
    """-log(p) of a probability clipped to [eps, 1 - eps], as sklearn."""
    # 1 - eps is exact in float64 for either dtype's eps.
    p = eps if p < eps else p
    p = 1.0 - eps if p > 1.0 - eps else p
    return -math.log(p)


@_jit
def _weighted(loss, d, sw, i):
    """Row ``i``'s ``loss``, its delta ``d`` scaled in place by ``sw[i]``."""
    if sw is None:
        return loss
    for j in range(d.size):
        d[j] *= sw[i]
    return loss * sw[i]


@_jit
def _sum_in_order(losses):
    """The rows' losses summed in row order, whichever threads wrote them."""
    total = 0.0
    for i in range(losses.size):
        total += losses[i]
    return total


# Each writes row i's weighted loss into losses[i]. The rows' bodies are
# written out in the loops: as calls, they cost twice the time on narrow rows.


def _softmax_log_loss(Z, b, Y, sw, D, eps, losses):  # pragma: no cover (numba)
    zero, one = Z.dtype.type(0), Z.dtype.type(1)
    for i in prange(Z.shape[0]):
        z = Z[i]
        top = z[0] + b[0]
        for j in range(z.size):
            z[j] += b[j]
            top = z[j] if z[j] > top else top
        for j in range(z.size):
            z[j] -= top
    # The exponentials over the flat array, where they vectorise: a row of a
    # few classes is too narrow to.
    flat = Z.reshape(Z.size)
    for i in prange(flat.size):
        flat[i] = _exp(flat[i])
    for i in prange(Z.shape[0]):
        z, y, d = Z[i], Y[i], D[i]
        s = z.dtype.type(0)
        for j in range(z.size):
            s += z[j]
        p_true = zero
        for j in range(z.size):
            z[j] /= s
            p_true = z[j] if y[j] else p_true
            d[j] = z[j] - (one if y[j] else zero)
        loss = _clipped_log_loss(p_true, eps)
        losses[i] = _weighted(loss, d, sw, i)
    return _sum_in_order(losses)


def _logistic_log_loss(Z, b, Y, sw, D, eps, losses):  # pragma: no cover (numba)
    zero, one = Z.dtype.type(0), Z.dtype.type(1)
    for i in prange(Z.shape[0]):
        z, y, d = Z[i], Y[i], D[i]
        for j in range(z.size):
            p = _logistic(z[j] + b[j])
            z[j] = p
            d[j] = p - (one if y[j] else zero)
        loss = 0.0
        for j in range(z.size):
            loss += _clipped_log_loss(z[j] if y[j] else one - z[j], eps)
        losses[i] = _weighted(loss, d, sw, i)
    return _sum_in_order(losses)


def _identity_squared_error(Z, b, Y, sw, D, eps, losses):  # pragma: no cover (numba)
    for i in prange(Z.shape[0]):
        z, y, d = Z[i], Y[i], D[i]
        loss = 0.0
        for j in range(z.size):
            z[j] += b[j]
            d[j] = z[j] - y[j]
            loss += d[j] * d[j]
        loss *= 0.5 / z.size
        losses[i] = _weighted(loss, d, sw, i)
    return _sum_in_order(losses)


_softmax_serial, _softmax_parallel = _twins(_softmax_log_loss)
_logistic_serial, _logistic_parallel = _twins(_logistic_log_loss)
_squared_serial, _squared_parallel = _twins(_identity_squared_error)
_OUTPUT_LOSSES = {
    ("softmax", "log_loss"): (_softmax_serial, _softmax_parallel),
    ("logistic", "log_loss"): (_logistic_serial, _logistic_parallel),
    ("identity", "squared_error"): (_squared_serial, _squared_parallel),
}


def output_loss_delta(Z, b, Y, sw, D, out_activation, loss):
    """The output layer's activation, summed loss and delta, in one pass.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs), C-contiguous
        The output products ``A @ W``; overwritten with the outputs ``P``.
    b : ndarray of shape (n_outputs,)
        The output intercepts.
    Y : ndarray of shape (n_samples, n_outputs)
        The targets: bool (or 0/1) for the log-loss, numbers for the squared
        error.
    sw : ndarray of shape (n_samples,) or None
        Sample weights; None for unit weights.
    D : ndarray of Z's shape, C-contiguous
        Receives the delta at the logits, ``(P - Y) * sw`` (see
        ``_losses.canonical_delta``).
    out_activation, loss : str
        One of the pairs ``('softmax', 'log_loss')``, ``('logistic',
        'log_loss')``, ``('identity', 'squared_error')``: the canonical links.

    Returns
    -------
    total : float
        The loss summed over the samples, weighted by ``sw``: divided by the
        weight total it is ``_losses.LOSSES[loss][0]``'s value.
    """
    kernels = _OUTPUT_LOSSES.get((out_activation, loss))
    if kernels is None:
        raise ValueError(
            f"no fused kernel for out_activation={out_activation!r} with "
            f"loss={loss!r}; expected one of {sorted(_OUTPUT_LOSSES)}."
        )
    _flat(Z), _flat(D)
    eps = Z.dtype.type(np.finfo(Z.dtype).eps)
    kernel = kernels[parallel(*Z.shape)]
    return float(kernel(Z, b, Y, sw, D, eps, np.empty(Z.shape[0])))


# Prediction's probabilities: the output activation and sklearn's clip to
# [tiny, 1 - tiny] in at most four passes, where NumPy makes six. The exponentials
# and logistics run over the flat array, so that they vectorise whatever the
# number of classes; only the rows' maxima and sums go row by row.
SOFTMAX, SIGMOID = 0, 1


def _probabilities_rows(Z, kind, tiny):  # pragma: no cover (numba)
    flat = Z.reshape(Z.size)
    if kind == SOFTMAX:
        for i in prange(Z.shape[0]):
            z = Z[i]
            top = z[0]
            for j in range(z.size):
                top = z[j] if z[j] > top else top
            for j in range(z.size):
                z[j] -= top
        for i in prange(flat.size):
            flat[i] = _exp(flat[i])
        for i in prange(Z.shape[0]):
            z = Z[i]
            s = z.dtype.type(0)
            for j in range(z.size):
                s += z[j]
            for j in range(z.size):
                z[j] /= s
    else:
        for i in prange(flat.size):
            flat[i] = _logistic(flat[i])
    high = Z.dtype.type(1) - tiny
    for i in prange(flat.size):
        p = tiny if flat[i] < tiny else flat[i]
        flat[i] = high if p > high else p


_probabilities_serial, _probabilities_parallel = _twins(_probabilities_rows)


def output_probabilities(Z, out_activation):
    """Apply the output activation to the logits ``Z`` and clip, in place.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs), C-contiguous, finite
        The output layer's logits; overwritten with the probabilities.
    out_activation : {'softmax', 'logistic'}
        The classifier's output activation.

    Returns
    -------
    Z : ndarray
        The probabilities, clipped as ``_targets.probabilities`` clips
        NumPy's: to ``[epsneg, 1 - epsneg]`` of the dtype.
    """
    _flat(Z)
    kind = SOFTMAX if out_activation == "softmax" else SIGMOID
    kernel = _probabilities_parallel if parallel(*Z.shape) else _probabilities_serial
    kernel(Z, kind, Z.dtype.type(np.finfo(Z.dtype).epsneg))
    return Z


# ---------------------------------------------------------------------------
# Optimizer steps: one pass over the flat parameter vector. Each first turns
# the summed data gradient into the training gradient as Network.loss_grad
# does, (grad + alpha * W) / scale with the L2 term on the coefficients only
# (the first n_coefs entries), writes it back into grad, then updates, with
# _optimizers' operations in its order, so the result is NumPy's to the bit
# (numba does not contract a * b + c into an FMA unless asked).


@_jit
def _penalised(params, grad, i, alpha, n_coefs, scale):
    g = grad[i] + alpha * params[i]
    grad[i] = (g if i < n_coefs else grad[i]) / scale
    return grad[i]


@_jit
def _adam(
    params,
    grad,
    m,
    v,
    neg_lr,
    beta1,
    one_minus_beta1,
    beta2,
    one_minus_beta2,
    eps,
    alpha,
    n_coefs,
    scale,
):
    for i in range(params.size):
        g = _penalised(params, grad, i, alpha, n_coefs, scale)
        m[i] = m[i] * beta1 + g * one_minus_beta1
        v[i] = v[i] * beta2 + g * g * one_minus_beta2
        # m * -lr in lr's precision, rounded to the dtype, as NumPy does.
        step = params.dtype.type(m[i] * neg_lr)
        params[i] += step / (np.sqrt(v[i]) + eps)


@_jit
def _sgd(params, grad, velocity, lr, momentum, nesterov, alpha, n_coefs, scale):
    for i in range(params.size):
        g = _penalised(params, grad, i, alpha, n_coefs, scale)
        lr_g = g * lr
        velocity[i] = velocity[i] * momentum - lr_g
        nudge = momentum * velocity[i] - lr_g
        params[i] += nudge if nesterov else velocity[i]


def _scalars(dtype, *values):
    """``values`` as NumPy computes them with arrays of ``dtype`` (NEP 50)."""
    return tuple(dtype.type(v) for v in values)


def _as_numpy(array, scalar):
    """``scalar`` in the precision NumPy computes ``array * scalar`` in.

    A Python number is weak (NEP 50), but a NumPy float64, such as a total
    of sample weights or Adam's step size from ``np.sqrt``, turns a float32
    product into a float64 one, rounded when stored: do the same.
    """
    return np.dtype(np.result_type(array, scalar)).type(scalar)


def adam_step(params, grad, m, v, lr, beta1, beta2, eps, alpha=0.0, n_coefs=0, scale=1):
    """One Adam step of ``_optimizers.Adam`` on the penalised gradient, in place.

    Parameters
    ----------
    params, grad, m, v : ndarray of shape (n_params,), contiguous
        The parameters, the summed data gradient (overwritten with the
        training gradient ``(grad + alpha * W) / scale``) and Adam's moments.
    lr : float
        The bias-corrected step size of this step (``Adam.step``'s ``lr``, a
        NumPy float64: its precision matters for float32 parameters).
    beta1, beta2, eps : float
        Adam's hyperparameters.
    alpha : float, default=0.0
        The L2 penalty of the first ``n_coefs`` parameters (the coefficients).
    n_coefs : int, default=0
        How many leading parameters ``alpha`` penalises.
    scale : float, default=1
        The weight total that divides the gradient.
    """
    dt = params.dtype
    _adam(
        _flat(params),
        _flat(grad),
        _flat(m),
        _flat(v),
        _as_numpy(m, -lr),
        *_scalars(dt, beta1, 1 - beta1, beta2, 1 - beta2, eps, alpha),
        n_coefs,
        _as_numpy(grad, scale),
    )


def sgd_momentum_step(
    params, grad, velocity, lr, momentum, nesterov, alpha=0.0, n_coefs=0, scale=1
):
    """One step of ``_optimizers.SGD`` (Nesterov or not) on the penalised gradient.

    Parameters are as :func:`adam_step`'s; ``velocity`` is the momentum
    buffer, updated in place, and ``nesterov`` whether the step looks ahead.
    """
    lr, momentum, alpha = _scalars(params.dtype, lr, momentum, alpha)
    _sgd(
        _flat(params),
        _flat(grad),
        _flat(velocity),
        lr,
        momentum,
        bool(nesterov),
        alpha,
        n_coefs,
        _as_numpy(grad, scale),
    )
