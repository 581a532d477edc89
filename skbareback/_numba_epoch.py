"""One compiled call per epoch: the mini-batch steps of the numba engine.

:func:`train_epoch` runs what ``Network.train_epoch`` runs (forward,
loss, backprop, the L2 term and the optimizer step, batch after batch) in a
single numba call, so that an epoch pays Python's and NumPy's per-call
overhead once instead of some thirty times per batch. The matrix products
go through ``np.dot`` with an output array, which numba lowers to BLAS's
gemm on the workspace's buffers; the rest are the fused kernels of
:mod:`skbareback._numba_fused`, the compiled ``tanh`` included (NumPy's,
which the per-batch path keeps on AVX-512, cannot be called from here).
Nothing is allocated inside the loop. The sums of the sample weights run in
order, not pairwise as NumPy's: in float64 the batch losses and weights
stay within 1e-15 of NumPy's loop (tests/test_engines.py).

Covered: dense C-contiguous X of the parameters' dtype, no dropout, the
hidden activations of ``_numba_fused`` and its fused output pairs, Adam and
SGD (momentum, Nesterov); :func:`supports` says whether a pass is, and the
network falls back to the NumPy loop where it is not.
"""

import numpy as np

from . import _numba_fused as fused
from ._numba import _jit, parallel

ACTIVATION_CODES = fused.ACTIVATION_CODES
OUTPUT_CODES = {"softmax": 0, "logistic": 1, "identity": 2}
ADAM, SGD = 0, 1
# The output pairs with a fused kernel ('mean_squared_error' divides the
# squared error's delta by the number of outputs).
_FUSED_OUTPUT = {
    ("softmax", "log_loss"),
    ("logistic", "log_loss"),
    ("identity", "squared_error"),
    ("identity", "mean_squared_error"),
}


# ``par`` is None for the serial kernels (numba then compiles no parallel
# one: a None argument prunes the other branch), True for the parallel ones.


@_jit
def _bias_activation(Z, b, kind, par):
    if par is None:
        fused._bias_serial(Z, b, kind)
    else:
        fused._bias_parallel(Z, b, kind)


@_jit
def _derivative(A, D, kind, par):
    a, d = A.reshape(A.size), D.reshape(D.size)
    if par is None:
        fused._derivative_serial(a, d, None, kind)
    else:
        fused._derivative_parallel(a, d, None, kind)


@_jit
def _output(Z, b, Y, sw, D, kind, eps, losses, par):
    if par is None:
        if kind == 0:
            return fused._softmax_serial(Z, b, Y, sw, D, eps, losses)
        if kind == 1:
            return fused._logistic_serial(Z, b, Y, sw, D, eps, losses)
        return fused._squared_serial(Z, b, Y, sw, D, eps, losses)
    if kind == 0:
        return fused._softmax_parallel(Z, b, Y, sw, D, eps, losses)
    if kind == 1:
        return fused._logistic_parallel(Z, b, Y, sw, D, eps, losses)
    return fused._squared_parallel(Z, b, Y, sw, D, eps, losses)


@_jit
def _column_sums(D, out):
    """``np.sum(D, axis=0, out=out)``: row after row, as NumPy reduces C order."""
    out[:] = 0
    for i in range(D.shape[0]):
        for j in range(D.shape[1]):
            out[j] += D[i, j]


@_jit
def _backprop(Xb, m, coefs, coef_grads, intercept_grads, acts, deltas, kind, par):
    """Write the summed gradient of one batch whose output delta is in place."""
    for i in range(len(coefs) - 1, -1, -1):
        d = deltas[i][:m]
        a_prev = Xb if i == 0 else acts[i - 1][:m]
        np.dot(a_prev.T, d, coef_grads[i])
        _column_sums(d, intercept_grads[i])
        if i > 0:
            below = deltas[i - 1][:m]
            np.dot(d, coefs[i].T, below)
            _derivative(acts[i - 1][:m], below, kind, par)


@_jit
def _batch_loss(Xb, Yb, swb, layers, codes, hyper, row_losses, par):
    """Forward and backprop one batch; return its loss as ``Network.loss_grad``."""
    coefs, intercepts, coef_grads, intercept_grads, acts, deltas = layers
    kind, out_kind, divide = codes[0], codes[1], codes[4]
    m, a = Xb.shape[0], Xb
    for i in range(len(coefs) - 1):
        z = acts[i][:m]
        np.dot(a, coefs[i], z)
        _bias_activation(z, intercepts[i], kind, par)
        a = z
    z, d = acts[-1][:m], deltas[-1][:m]
    np.dot(a, coefs[-1], z)
    total = _output(
        z, intercepts[-1], Yb, swb, d, out_kind, hyper[7], row_losses[:m], par
    )
    if divide:
        # 'mean_squared_error': the delta divided by the number of outputs.
        k, flat = d.dtype.type(d.shape[1]), d.reshape(d.size)
        for j in range(flat.size):
            flat[j] /= k
    _backprop(Xb, m, coefs, coef_grads, intercept_grads, acts, deltas, kind, par)
    sw_sum = swb.sum()
    return total, sw_sum


@_jit
def _step(params, grad, state, lr, opt, hyper, n_coefs, scale):
    """The optimizer step with the L2 term and the weight total folded in."""
    first, second = state
    alpha = hyper[6]
    if opt == ADAM:
        fused._adam(
            params,
            grad,
            first,
            second,
            lr,
            hyper[0],
            hyper[1],
            hyper[2],
            hyper[3],
            hyper[4],
            alpha,
            n_coefs,
            scale,
        )
    else:
        fused._sgd(
            params, grad, first, lr, hyper[0], hyper[5] != 0, alpha, n_coefs, scale
        )


@_jit
def _rows(A, order, start, stop, buffer):
    """``A[start:stop]``, or its rows ``order[start:stop]`` gathered in ``buffer``."""
    if order is None:
        return A[start:stop]
    for r in range(stop - start):
        source, target = A[order[start + r]], buffer[r]
        for c in range(target.size):
            target[c] = source[c]
    return buffer[: stop - start]


@_jit
def _epoch(
    X, Y, sw, order, params, grad, layers, codes, state, lrs, hyper, batch, losses, par
):
    """Every mini-batch step of one pass; return the number of losses written."""
    n, n_coefs, fit_intercept = X.shape[0], codes[2], codes[3]
    w = params[:n_coefs]
    alpha = hyper[6]
    count = 0
    row_losses = np.empty(batch)
    # A shuffled pass gathers each batch's rows here, where the products find
    # them in cache, instead of copying all of X in its new order first.
    X_rows = np.empty((batch, X.shape[1]), X.dtype)
    Y_rows = np.empty((batch, Y.shape[1]), Y.dtype)
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        swb = sw[start:stop]
        total, sw_sum = _batch_loss(
            _rows(X, order, start, stop, X_rows),
            _rows(Y, order, start, stop, Y_rows),
            swb,
            layers,
            codes,
            hyper,
            row_losses,
            par,
        )
        loss = total / sw_sum + 0.5 * alpha * np.dot(w, w) / sw_sum
        losses[count] = loss
        count += 1
        if not np.isfinite(loss):
            break
        if not fit_intercept:
            grad[n_coefs:] = 0
        _step(params, grad, state, lrs[count - 1], codes[5], hyper, n_coefs, sw_sum)
    return count


def supports(net, X, ws, optimizer, params):
    """Whether :func:`train_epoch` covers this pass (else run the NumPy loop)."""
    return (
        isinstance(X, np.ndarray)
        and X.flags.c_contiguous
        and X.dtype == params.dtype
        and not ws.dropping
        and not any(net.dropout)
        and net.activation in ACTIVATION_CODES
        and (net.out_activation, net.loss) in _FUSED_OUTPUT
        and hasattr(optimizer, "compiled_plan")
    )


def train_epoch(net, params, grad, X, Y, sw, ws, optimizer, batch_size, order=None):
    """``Network.train_epoch`` in one compiled call (see :func:`supports`)."""
    n_batches = -(-X.shape[0] // batch_size)
    opt, state, lrs, hyper = optimizer.compiled_plan(n_batches)
    dtype = params.dtype
    if sw is None:
        # Unit weights: each multiplication by 1 is exact, each total is n.
        sw = np.ones(X.shape[0], dtype=dtype)
    coefs, intercepts = net.unpack(params)
    coef_grads, intercept_grads = net.unpack(grad)
    layers = tuple(
        tuple(v)
        for v in (coefs, intercepts, coef_grads, intercept_grads, ws.acts, ws.deltas)
    )
    divide = net.loss == "mean_squared_error" and net.layer_units[-1] > 1
    codes = (
        ACTIVATION_CODES[net.activation],
        OUTPUT_CODES[net.out_activation],
        net.n_coefs,
        bool(net.fit_intercept),
        divide,
        opt,
    )
    eps = np.finfo(dtype).eps
    hyper = np.array([*hyper, net.alpha, eps], dtype=dtype)
    losses = np.empty(n_batches)
    rows = min(batch_size, X.shape[0])
    par = True if parallel(rows, max(net.layer_units[1:])) else None
    count = _epoch(
        X,
        Y,
        sw,
        order,
        params,
        grad,
        layers,
        codes,
        state,
        lrs,
        hyper,
        batch_size,
        losses,
        par,
    )
    optimizer.steps_taken(count - (not np.isfinite(losses[count - 1])))
    return losses[:count]
