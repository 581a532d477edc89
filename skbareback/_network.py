"""The network itself: a flat parameter layout, initialisation, forward and backprop.

All weights live in one flat vector: first every layer's coefficients, then
every layer's intercepts (sklearn's packing order). ``coefs_`` and
``intercepts_`` are views into it, so optimizers update the vector in place
and L-BFGS needs no packing.
"""

import numpy as np

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ._losses import LOSSES


def _glorot(rs, fan_in, fan_out, activation):
    # Glorot & Bengio (2010), with sklearn's factor for the logistic function.
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    return (
        lambda shape: rs.uniform(-bound, bound, shape),
        lambda shape: rs.uniform(-bound, bound, shape),
    )


def _uniform(rs, fan_in, fan_out, activation):
    # The classic tutorials' ``2 * np.random.random(shape) - 1``, verbatim.
    def draw(shape):
        return 2 * rs.random_sample(shape) - 1

    return draw, draw


WEIGHT_INITS = {"glorot": _glorot, "uniform": _uniform}


class Network:
    """Layer shapes, the flat-vector layout, and the passes that use them.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, input and output included.
    activation : str
        Key of ``HIDDEN_ACTIVATIONS``.
    out_activation : str
        Key of ``OUTPUT_ACTIVATIONS``: the output layer's activation.
    loss : str
        Key of ``LOSSES``.
    alpha : float
        L2 penalty on the coefficients.
    fit_intercept : bool
        Whether intercepts are trained; if not, they stay at zero.
    """

    def __init__(
        self, layer_units, activation, out_activation, loss, alpha, fit_intercept
    ):
        self.layer_units = list(layer_units)
        self.activation = activation
        self.out_activation = out_activation
        self.loss = loss
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.coef_shapes = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.n_coefs = sum(i * o for i, o in self.coef_shapes)
        self.n_params = self.n_coefs + sum(self.layer_units[1:])
        self._views = {}

    def unpack(self, flat):
        """Return ``(coefs, intercepts)`` as lists of views into ``flat``.

        The views of the last few vectors are cached: training unpacks the
        same parameter and gradient vectors on every batch.
        """
        cached = self._views.get(id(flat))
        if cached is not None and cached[0] is flat:
            return cached[1]
        views = self._unpack(flat)
        if len(self._views) >= 4:
            self._views.clear()
        self._views[id(flat)] = (flat, views)
        return views

    def _unpack(self, flat):
        coefs, intercepts, start = [], [], 0
        for shape in self.coef_shapes:
            end = start + shape[0] * shape[1]
            coefs.append(flat[start:end].reshape(shape))
            start = end
        for _, fan_out in self.coef_shapes:
            intercepts.append(flat[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """Return a new flat vector holding ``coefs`` then ``intercepts``."""
        flat = np.empty(self.n_params, dtype=dtype)
        views = [v for part in self.unpack(flat) for v in part]
        for view, value in zip(views, coefs + intercepts):
            view[...] = value
        return flat

    def init_params(self, rs, weight_init, dtype):
        """Draw initial weights layer by layer: coefficients, then intercepts."""
        flat = np.zeros(self.n_params, dtype=dtype)
        coefs, intercepts = self.unpack(flat)
        for (fan_in, fan_out), coef, intercept in zip(
            self.coef_shapes, coefs, intercepts
        ):
            draw_coef, draw_intercept = WEIGHT_INITS[weight_init](
                rs, fan_in, fan_out, self.activation
            )
            coef[...] = draw_coef((fan_in, fan_out))
            if self.fit_intercept:
                intercept[...] = draw_intercept(fan_out)
        return flat

    def forward(self, params, X, acts):
        """Fill ``acts`` (one array per non-input layer) with the activations.

        Returns ``acts[-1]``, the output probabilities.
        """
        coefs, intercepts = self.unpack(params)
        z = forward_logits(coefs, intercepts, X, self.activation, acts)
        OUTPUT_ACTIVATIONS[self.out_activation][0](z)
        return z

    def loss_grad(self, params, grad, X, Y, sw, ws):
        """Return the penalised mean loss and write its gradient into ``grad``.

        ``ws`` is a :class:`Workspace`; data longer than its ``n_rows`` is
        processed in chunks of that many rows whose sums are added up, so
        full-batch passes need memory for one chunk only.
        """
        n = X.shape[0]
        sw_sum = n if sw is None else sw.sum()
        if n <= ws.n_rows:
            loss = self._backprop(params, grad, X, Y, sw, ws, accumulate=False)
        else:
            grad[:] = 0
            total = 0.0
            for start in range(0, n, ws.n_rows):
                rows = slice(start, min(start + ws.n_rows, n))
                sw_rows = None if sw is None else sw[rows]
                mean = self._backprop(params, grad, X[rows], Y[rows], sw_rows, ws, True)
                total += mean * (rows.stop - start if sw is None else sw_rows.sum())
            loss = total / sw_sum
        w = params[: self.n_coefs]
        if not self.fit_intercept:
            grad[self.n_coefs :] = 0
        # (A.T @ delta + alpha * W) / sw_sum, for all layers at once.
        grad[: self.n_coefs] += self.alpha * w
        grad /= sw_sum
        return float(loss + 0.5 * self.alpha * np.dot(w, w) / sw_sum)

    def _backprop(self, params, grad, X, Y, sw, ws, accumulate):
        """Return the mean loss on ``X``; write (or add) its summed gradient."""
        acts, deltas = ws.rows(X.shape[0])
        P = self.forward(params, X, acts)
        value, delta = LOSSES[self.loss]
        loss = value(Y, P, sw, self.out_activation)
        delta(Y, P, sw, self.out_activation, deltas[-1])
        coefs = self.unpack(params)[0]
        coef_grads, intercept_grads = self.unpack(grad)
        derivative = HIDDEN_ACTIVATIONS[self.activation][1]
        for i in range(len(coefs) - 1, -1, -1):
            a_prev = X if i == 0 else acts[i - 1]
            if accumulate:
                coef_grads[i] += a_prev.T @ deltas[i]
                intercept_grads[i] += deltas[i].sum(axis=0)
            else:
                _matmul(a_prev.T, deltas[i], coef_grads[i])
                np.sum(deltas[i], axis=0, out=intercept_grads[i])
            if i > 0:
                np.matmul(deltas[i], coefs[i].T, out=deltas[i - 1])
                derivative(acts[i - 1], deltas[i - 1], ws.tmp(acts[i - 1].shape))
        return loss


def forward_logits(coefs, intercepts, X, activation, acts=None):
    """Return the output layer's pre-activation (logits) for ``X``.

    Hidden activations are written into ``acts`` when given (training keeps
    them for backprop), else into new arrays.
    """
    hidden = HIDDEN_ACTIVATIONS[activation][0]
    last = len(coefs) - 1
    a = X
    for i in range(last + 1):
        z = a @ coefs[i] if acts is None else _matmul(a, coefs[i], acts[i])
        z += intercepts[i]
        if i < last:
            hidden(z)
        a = z
    return a


def _matmul(a, b, out):
    """``out[...] = a @ b`` for a dense or sparse ``a``; returns ``out``."""
    if isinstance(a, np.ndarray):
        return np.matmul(a, b, out=out)
    out[...] = a @ b
    return out


class Workspace:
    """Preallocated activations and deltas for up to ``n_rows`` samples."""

    def __init__(self, net, n_rows, dtype):
        self.n_rows = n_rows
        self.acts = [np.empty((n_rows, u), dtype=dtype) for u in net.layer_units[1:]]
        self.deltas = [np.empty_like(a) for a in self.acts]
        # Scratch for the activations' derivatives, one hidden layer at a time.
        self._tmp = np.empty(n_rows * max(net.layer_units[1:]), dtype=dtype)

    def rows(self, n):
        """Views of the first ``n`` rows of every buffer."""
        return [a[:n] for a in self.acts], [d[:n] for d in self.deltas]

    def tmp(self, shape):
        """A contiguous scratch array of ``shape`` (at most ``n_rows`` rows)."""
        return self._tmp[: shape[0] * shape[1]].reshape(shape)
