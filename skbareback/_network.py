"""The network itself: a flat parameter layout, initialisation, forward and backprop.

All weights live in one flat vector: first every layer's coefficients, then
every layer's intercepts (sklearn's packing order). ``coefs_`` and
``intercepts_`` are views into it, so optimizers update the vector in place
and L-BFGS needs no packing.

Inverted dropout (Srivastava et al., 2014) multiplies each hidden layer's
activations by a mask of zeros (probability ``p``) and ``1 / (1 - p)``: the
next layer sees the masked activations, backprop multiplies the deltas by
the same mask, and prediction needs no rescaling.
"""

import math

import numpy as np

from ._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ._losses import LOSSES
from ._xp_compat import as_host, take


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
    dropout : list of float, default=None
        Dropout rate of each hidden layer, in [0, 1); None for no dropout.
        Masks are drawn by :meth:`Workspace.draw_masks`.
    """

    def __init__(
        self,
        layer_units,
        activation,
        out_activation,
        loss,
        alpha,
        fit_intercept,
        dropout=None,
    ):
        self.layer_units = list(layer_units)
        n_hidden = len(self.layer_units) - 2
        self.dropout = [0.0] * n_hidden if dropout is None else list(dropout)
        if len(self.dropout) != n_hidden:
            raise ValueError(
                f"dropout has {len(self.dropout)} rates for {n_hidden} hidden layers."
            )
        self.activation = activation
        self.out_activation = out_activation
        self.loss = loss
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.coef_shapes = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        self.n_coefs = sum(i * o for i, o in self.coef_shapes)
        self.n_params = self.n_coefs + sum(self.layer_units[1:])
        self._views = {}

    # An engine's fused bias + hidden activation for forward_logits; None: NumPy's.
    bias_activation = None

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
        # A model fitted in another namespace continues here from host copies.
        for view, value in zip(views, coefs + intercepts):
            view[...] = as_host(value)
        return flat

    def workspace(self, n_rows, dtype, rng=None):
        """The :class:`Workspace` of passes over at most ``n_rows`` rows."""
        return Workspace(self, n_rows, dtype, rng)

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

    def forward(self, params, X, acts, dropout=None):
        """Fill ``acts`` (one array per non-input layer) with the activations.

        ``dropout``, if given, is as in :func:`forward_logits`. Returns
        ``acts[-1]``, the output probabilities.
        """
        coefs, intercepts = self.unpack(params)
        z = forward_logits(
            coefs, intercepts, X, self.activation, acts, dropout, self.bias_activation
        )
        OUTPUT_ACTIVATIONS[self.out_activation][0](z)
        return z

    def loss_grad(self, params, grad, X, Y, sw, ws, masks=None):
        """Return the penalised mean loss and write its gradient into ``grad``.

        ``ws`` is a :class:`Workspace`; data longer than its ``n_rows`` is
        processed in chunks of that many rows whose sums are added up, so
        full-batch passes need memory for one chunk only. ``masks``, from
        :meth:`Workspace.draw_masks`, applies dropout: the loss and gradient
        are those of the network thinned by these fixed masks.
        """
        n = X.shape[0]
        sw_sum = n if sw is None else sw.sum()
        if n <= ws.n_rows:
            loss = self._backprop(params, grad, X, Y, sw, ws, masks, accumulate=False)
        else:
            grad[:] = 0
            total = 0.0
            for start in range(0, n, ws.n_rows):
                rows = slice(start, min(start + ws.n_rows, n))
                sw_rows = None if sw is None else sw[rows]
                masks_rows = None if masks is None else [m[rows] for m in masks]
                mean = self._backprop(
                    params, grad, X[rows], Y[rows], sw_rows, ws, masks_rows, True
                )
                total += mean * (rows.stop - start if sw is None else sw_rows.sum())
            loss = total / sw_sum
        w = params[: self.n_coefs]
        if not self.fit_intercept:
            grad[self.n_coefs :] = 0
        # (A.T @ delta + alpha * W) / sw_sum, for all layers at once.
        grad[: self.n_coefs] += self.alpha * w
        grad /= sw_sum
        return float(loss + 0.5 * self.alpha * np.dot(w, w) / sw_sum)

    def train_epoch(
        self, params, grad, X, Y, sw, ws, optimizer, batch_size, order=None
    ):
        """Run one pass of mini-batch steps over the rows of ``X`` in ``order``.

        ``order`` is an index array (None: X's own order); ``sw`` is already
        in it. Each batch of ``batch_size`` rows (the last may be shorter) has its
        loss and gradient computed into ``grad`` (with fresh dropout masks
        when ``ws`` draws them), then ``optimizer.step`` updates ``params``.
        Returns the batch losses in order; the pass stops at the first one
        that is not finite, before its step, which ends the returned list.
        An engine may run the same pass compiled.
        """
        if order is not None:
            X, Y = take(X, order), take(Y, order)
        n, losses = X.shape[0], []
        for start in range(0, n, batch_size):
            batch = slice(start, min(start + batch_size, n))
            sw_batch = None if sw is None else sw[batch]
            masks = ws.draw_masks(batch.stop - start) if ws.dropping else None
            loss = self.loss_grad(params, grad, X[batch], Y[batch], sw_batch, ws, masks)
            losses.append(loss)
            if not math.isfinite(loss):
                break
            optimizer.step(params, grad)
        return losses

    def _backprop(self, params, grad, X, Y, sw, ws, masks, accumulate):
        """Return the mean loss on ``X``; write (or add) its summed gradient."""
        acts, deltas = ws.rows(X.shape[0])
        dropout = ws.dropout(masks)
        loss = self._output_loss_delta(params, X, Y, sw, acts, deltas[-1], dropout)
        # What each layer saw: X, then the (masked) hidden activations.
        inputs = [X] + [a if d is None else d[1] for a, d in zip(acts, dropout)]
        coefs = self.unpack(params)[0]
        coef_grads, intercept_grads = self.unpack(grad)
        for i in range(len(coefs) - 1, -1, -1):
            a_prev = inputs[i]
            if accumulate:
                coef_grads[i] += a_prev.T @ deltas[i]
                intercept_grads[i] += deltas[i].sum(axis=0)
            else:
                _matmul(a_prev.T, deltas[i], coef_grads[i])
                np.add.reduce(deltas[i], axis=0, out=intercept_grads[i])
            if i > 0:
                _times_transpose(deltas[i], coefs[i], deltas[i - 1])
                mask = None if dropout[i - 1] is None else dropout[i - 1][0]
                self._derivative_times_delta(acts[i - 1], deltas[i - 1], mask, ws)
        return loss

    # The passes an engine may replace (see _engines.py): each is NumPy here.

    def _output_loss_delta(self, params, X, Y, sw, acts, delta, dropout):
        """Forward ``X``; return the mean loss and write the output delta."""
        P = self.forward(params, X, acts, dropout)
        value, delta_into = LOSSES[self.loss]
        loss = value(Y, P, sw, self.out_activation)
        delta_into(Y, P, sw, self.out_activation, delta)
        return loss

    def _derivative_times_delta(self, a, delta, mask, ws):
        """Multiply ``delta`` by the dropout ``mask`` (or None), then by f'(a)."""
        if mask is not None:
            # A dropped unit passed nothing on; a kept one its output times
            # 1 / (1 - p): the mask is the chain rule's factor.
            delta *= mask
        HIDDEN_ACTIVATIONS[self.activation][1](a, delta, ws.tmp(a.shape))


def forward_logits(
    coefs, intercepts, X, activation, acts=None, dropout=None, bias_activation=None
):
    """Return the output layer's pre-activation (logits) for ``X``.

    Hidden activations are written into ``acts`` when given (training keeps
    them for backprop), else into new arrays. ``dropout``, if given, holds
    for each hidden layer None or a pair ``(mask, out)``: the next layer then
    gets ``acts[i] * mask``, written into ``out``, while ``acts[i]`` keeps the
    activations themselves, from which backprop takes the derivative.
    ``bias_activation(z, b, activation)``, if given, replaces the hidden
    layers' ``z += b`` and activation (an engine's fused pass).
    """
    a = forward_hidden(coefs, intercepts, X, activation, acts, dropout, bias_activation)
    z = a @ coefs[-1] if acts is None else _matmul(a, coefs[-1], acts[-1])
    z += intercepts[-1]
    return z


def forward_hidden(
    coefs, intercepts, X, activation, acts=None, dropout=None, bias_activation=None
):
    """The hidden layers of :func:`forward_logits`: return the last layer's input."""
    hidden = HIDDEN_ACTIVATIONS[activation][0]
    a = X
    for i in range(len(coefs) - 1):
        z = a @ coefs[i] if acts is None else _matmul(a, coefs[i], acts[i])
        if bias_activation is None:
            z += intercepts[i]
            hidden(z)
        else:
            bias_activation(z, intercepts[i], activation)
        if dropout and dropout[i] is not None:
            mask, out = dropout[i]
            z = np.multiply(z, mask, out=out)
        a = z
    return a


def _times_transpose(delta, coef, out):
    """``out[...] = delta @ coef.T``: the delta a layer passes back."""
    if coef.shape[1] == 1:
        # One output unit: an outer product. np.multiply rounds each element
        # as the product does, in 0.7 of its time (800 x 100 rows x units:
        # 68 against 97 us, Xeon AVX-512), 3-4% of an L-BFGS fit on the
        # regression tables (BudgetFood, Computers, diamonds, Crime).
        return np.multiply(delta, coef.T, out=out)
    return np.matmul(delta, coef.T, out=out)


def _matmul(a, b, out):
    """``out[...] = a @ b`` for a dense or sparse ``a``; returns ``out``."""
    if isinstance(a, np.ndarray):
        return np.matmul(a, b, out=out)
    out[...] = a @ b
    return out


# Passes over many rows go chunk by chunk, each chunk's arrays about this
# large: small enough to stay in a core's cache between the passes over them.
CHUNK_BYTES = 2**20


def chunk_rows(layer_units, itemsize, bounds, arrays=1):
    """The rows of a chunk whose ``arrays`` arrays per layer take CHUNK_BYTES.

    A pass over a chunk goes through each layer's arrays (activations, and in
    training deltas) several times: the products, the activation, the
    derivative. Where they stay in cache, each pass runs at the cache's speed
    instead of memory's. ``bounds`` is the ``(low, high)`` range of the rows.
    """
    low, high = bounds
    rows = CHUNK_BYTES // (arrays * sum(layer_units[1:]) * itemsize)
    return min(max(rows, low), high)


def mask_stream(rs, start=0):
    """Return a ``Generator`` for dropout masks, seeded from ``rs`` and ``start``.

    ``rs`` is the estimator's ``RandomState``, so that ``random_state``
    reproduces the masks; ``start`` (the samples seen before) gives
    successive training calls different streams. A ``Generator`` draws into
    the mask buffers in place, where a ``RandomState`` allocates every draw,
    and its PCG64 stream is faster: 200 x 100 float64 masks in 111 us against
    218 us from ``RandomState.random_sample`` (AMD EPYC, AVX-512).
    """
    return np.random.default_rng([rs.randint(np.iinfo(np.int32).max), start])


class Workspace:
    """Preallocated activations and deltas for up to ``n_rows`` samples.

    With ``rng`` (from :func:`mask_stream`) and a network with dropout, it
    also holds the dropout masks, drawn from ``rng``, and the masked
    activations of every hidden layer whose rate is above zero.
    """

    def __init__(self, net, n_rows, dtype, rng=None):
        self.n_rows = n_rows
        self.acts = [np.empty((n_rows, u), dtype=dtype) for u in net.layer_units[1:]]
        self.deltas = [np.empty_like(a) for a in self.acts]
        # Scratch for the activations' derivatives, one hidden layer at a time.
        self._tmp = np.empty(n_rows * max(net.layer_units[1:]), dtype=dtype)
        self.rates = net.dropout
        self._masks = self._dropped = self._rng = self._uniform = None
        self.dropping = rng is not None and any(self.rates)
        if self.dropping:
            units = net.layer_units[1:-1]
            self._masks = [
                np.empty((n_rows, u), dtype=dtype) if p else None
                for u, p in zip(units, self.rates)
            ]
            self._dropped = [
                None if m is None else np.empty_like(m) for m in self._masks
            ]
            self._rng = rng
            # Uniforms are drawn in float64 whatever the dtype, so that a
            # float32 fit drops the same units as a float64 one.
            size = n_rows * max(m.shape[1] for m in self._masks if m is not None)
            self._uniform = np.empty(size) if dtype != np.float64 else None

    def draw_masks(self, n):
        """Draw fresh dropout masks for ``n`` rows; return them, one per hidden layer.

        A mask holds 0 where a unit is dropped (with its layer's rate ``p``)
        and ``1 / (1 - p)`` where it is kept; layers without dropout get None.
        The arrays are the workspace's own, overwritten by the next draw.
        """
        masks = []
        for p, buffer in zip(self.rates, self._masks):
            if buffer is None:
                masks.append(None)
                continue
            mask = buffer[:n]
            uniform = mask
            if self._uniform is not None:
                uniform = self._uniform[: mask.size].reshape(mask.shape)
            self._rng.random(out=uniform)
            # U[0, 1) >= p with probability 1 - p; True counts as 1.
            np.greater_equal(uniform, p, out=mask)
            mask *= 1 / (1 - p)
            masks.append(mask)
        return masks

    def dropout(self, masks):
        """Pair ``masks`` with output buffers for :func:`forward_logits`.

        Without masks, a None for every hidden layer: no dropout anywhere.
        """
        if masks is None:
            return [None] * len(self.rates)
        return [
            None if m is None else (m, out[: m.shape[0]])
            for m, out in zip(masks, self._dropped)
        ]

    def rows(self, n):
        """Views of the first ``n`` rows of every buffer."""
        return [a[:n] for a in self.acts], [d[:n] for d in self.deltas]

    def tmp(self, shape):
        """A contiguous scratch array of ``shape`` (at most ``n_rows`` rows)."""
        return self._tmp[: shape[0] * shape[1]].reshape(shape)
