"""The array API engine: the network's passes written once against a namespace.

:class:`XpNetwork` has the protocol of :class:`~skbareback._network.Network`
(the flat parameter vector and its ``unpack`` views, ``init_params``,
``forward``, ``loss_grad`` writing into a gradient vector) for arrays of any
namespace that follows the Array API standard: NumPy, PyTorch and CuPy
through ``array_api_compat``, ``array_api_strict`` in the tests, each on its
own device. The standard has no ``out=`` arguments, so where the NumPy network
fills preallocated buffers this one makes new arrays; the flat vectors stay
single arrays, updated in place through ``__setitem__`` and the in-place
operators, so ``coefs_`` and ``intercepts_`` remain views of the parameters.

:class:`XpSGD` and :class:`XpAdam` keep the ``state`` dicts of
:class:`~skbareback._optimizers.SGD` and :class:`~skbareback._optimizers.Adam`
(their schedules are inherited) with arrays of the namespace. The NumPy
engine is the oracle: ``tests/test_engine_xp.py`` checks every pass against it.
"""

import math
from functools import partial

import numpy as np

from ._network import Network
from ._optimizers import SGD, Adam
from ._xp_compat import array_api_compat, take, to_device, to_numpy


def _zero(xp, like):
    """A 0-d zero of ``like``'s dtype on its device (scalars in ``where`` are new)."""
    # NumPy arrays have no ``device`` before NumPy 2: None is the CPU there.
    return xp.zeros((), dtype=like.dtype, device=getattr(like, "device", None))


def _namespace(xp):
    """``xp``, or NumPy's array API namespace for None."""
    if xp is not None:
        return xp
    if array_api_compat is None:
        raise ImportError(
            "The array API engine needs array_api_compat: recent scikit-learn "
            "releases vendor it, or pip install array-api-compat."
        )
    return array_api_compat.numpy


# Activations, each as (forward, derivative): the forward returns the
# activation of ``z``; the derivative returns ``delta`` times the derivative,
# written from the forward output ``a`` as in _activations.py.


def _identity(xp, z):
    return z


def _identity_derivative(xp, a, delta):
    return delta


def _logistic(xp, z):
    # exp(-|z|) <= 1 cannot overflow, on either side of zero.
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _logistic_derivative(xp, a, delta):
    return delta * a * (1 - a)


def _tanh(xp, z):
    return xp.tanh(z)


def _tanh_derivative(xp, a, delta):
    return delta * (1 - a * a)


def _relu(xp, z):
    return xp.maximum(z, _zero(xp, z))


def _relu_derivative(xp, a, delta):
    # Times 1.0 or 0.0, as the NumPy engine: an active unit's output is positive.
    return delta * xp.astype(a > 0, delta.dtype)


def _softmax(xp, z):
    # Shifting by the row maximum keeps exp from overflowing.
    e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
    return e / xp.sum(e, axis=1, keepdims=True)


def _exp(xp, z):
    return xp.exp(z)


HIDDEN_ACTIVATIONS = {
    "identity": (_identity, _identity_derivative),
    "logistic": (_logistic, _logistic_derivative),
    "tanh": (_tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
}

OUTPUT_ACTIVATIONS = {
    "identity": _identity,
    "logistic": _logistic,
    "softmax": _softmax,
    "exp": _exp,
}


# Losses, as in _losses.py: (per_sample, delta). ``per_sample(xp, Y, P,
# out_activation)`` is each sample's loss; ``delta(xp, Y, P, sw,
# out_activation)`` the gradient at the output logits of the loss summed
# over the samples. ``Y`` is boolean (classifier) or real (regressor).


def _real(xp, Y, dtype):
    """``Y`` in the floating ``dtype`` of the outputs."""
    return Y if Y.dtype == dtype else xp.astype(Y, dtype)


def _weighted(xp, delta, sw):
    return delta if sw is None else delta * xp.expand_dims(sw, axis=1)


def _log_loss_per_sample(xp, Y, P, out_activation):
    """Cross-entropy, probabilities clipped to ``[eps, 1 - eps]`` as sklearn."""
    eps = xp.finfo(P.dtype).eps
    hit = Y if Y.dtype == xp.bool else Y != 0
    if out_activation == "logistic":
        # One binary cross-entropy per column (binary, multilabel).
        p_true = xp.clip(xp.where(hit, P, 1 - P), eps, 1 - eps)
        return xp.sum(-xp.log(p_true), axis=1)
    # Softmax: the true class's probability, the one True of its row.
    p_true = xp.sum(xp.where(hit, P, _zero(xp, P)), axis=1)
    return -xp.log(xp.clip(p_true, eps, 1 - eps))


def _canonical_delta(xp, Y, P, sw, out_activation):
    """Canonical link (sigmoid/softmax + log-loss, exp + Poisson): ``P - Y``."""
    return _weighted(xp, P - _real(xp, Y, P.dtype), sw)


def _squared_error_per_sample(xp, Y, P, out_activation):
    """Half the squared error, averaged over the outputs."""
    return 0.5 * xp.mean((_real(xp, Y, P.dtype) - P) ** 2, axis=1)


def _squared_error_delta(xp, Y, P, sw, out_activation):
    """The squared error's gradient chained through the output activation."""
    if out_activation == "identity":
        # MLPRegressor's: the gradient of the error summed over the outputs
        # (see _losses.squared_error_delta).
        return _canonical_delta(xp, Y, P, sw, out_activation)
    delta = _weighted(xp, (P - _real(xp, Y, P.dtype)) / P.shape[1], sw)
    if out_activation == "logistic":
        return delta * P * (1 - P)
    # Softmax Jacobian-vector product: p * (g - <g, p>).
    return (delta - xp.sum(delta * P, axis=1, keepdims=True)) * P


def _mean_squared_error_delta(xp, Y, P, sw, out_activation):
    """The exact gradient of the squared error averaged over the outputs."""
    delta = _canonical_delta(xp, Y, P, sw, out_activation)
    return delta / P.shape[1] if P.shape[1] > 1 else delta


def _poisson_per_sample(xp, Y, P, out_activation):
    """Half the Poisson deviance, ``y log(y / p) - y + p``, summed over outputs."""
    Y = _real(xp, Y, P.dtype)
    # 0 log 0 is 0: where y is 0 the logarithm's argument is set to 1.
    ratio = xp.where(Y > 0, Y / P, xp.ones_like(P))
    return xp.sum(Y * xp.log(ratio) - Y + P, axis=1)


def _weighted_mean(xp, per_sample, sw):
    """The mean of ``per_sample`` weighted by ``sw``, as a 0-d array."""
    if sw is None:
        return xp.mean(per_sample)
    return xp.sum(sw * per_sample) / xp.sum(sw)


LOSSES = {
    "log_loss": (_log_loss_per_sample, _canonical_delta),
    "squared_error": (_squared_error_per_sample, _squared_error_delta),
    "poisson": (_poisson_per_sample, _canonical_delta),
    "mean_squared_error": (_squared_error_per_sample, _mean_squared_error_delta),
}


def forward_logits(xp, coefs, intercepts, X, activation, masks=None, seen=None):
    """Return the output layer's pre-activation (logits) for ``X``.

    ``masks``, if given, holds for each hidden layer None or an inverted
    dropout mask: the next layer sees the activations times the mask. If
    ``seen`` is a list, each hidden layer appends to it the pair (its
    activations, what the next layer saw), which backprop needs.
    """
    hidden = HIDDEN_ACTIVATIONS[activation][0]
    a = X
    for i in range(len(coefs) - 1):
        act = hidden(xp, a @ coefs[i] + intercepts[i])
        a = act if masks is None or masks[i] is None else act * masks[i]
        if seen is not None:
            seen.append((act, a))
    return a @ coefs[-1] + intercepts[-1]


def predict_logits(X, coefs, intercepts, activation):
    """The logits of ``X`` in its namespace, with parameters on its device."""
    xp = array_api_compat.array_namespace(X)
    return forward_logits(xp, coefs, intercepts, X, activation)


class XpNetwork:
    """:class:`~skbareback._network.Network`'s protocol in an array namespace.

    Parameters
    ----------
    layer_units, activation, out_activation, loss, alpha, fit_intercept, dropout
        As for :class:`~skbareback._network.Network`.
    xp : namespace, default=None
        The array API namespace of the data and parameters (from
        ``get_namespace``); None for NumPy's (``array_api_compat.numpy``).
    device : device, default=None
        Where the parameters are made; None for the namespace's default.
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
        *,
        xp=None,
        device=None,
    ):
        # The NumPy network checks the layout and draws the initial weights.
        self._host = Network(
            layer_units, activation, out_activation, loss, alpha, fit_intercept, dropout
        )
        for name in ("layer_units", "dropout", "coef_shapes", "n_coefs", "n_params"):
            setattr(self, name, getattr(self._host, name))
        self.activation, self.out_activation = activation, out_activation
        self.loss, self.alpha, self.fit_intercept = loss, alpha, fit_intercept
        self.xp = _namespace(xp)
        self.device = device

    def unpack(self, flat):
        """Return ``(coefs, intercepts)`` as lists of views into ``flat``."""
        xp, coefs, intercepts, start = self.xp, [], [], 0
        for shape in self.coef_shapes:
            end = start + shape[0] * shape[1]
            coefs.append(xp.reshape(flat[start:end], shape))
            start = end
        for _, fan_out in self.coef_shapes:
            intercepts.append(flat[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype):
        """Return a new flat vector of ``dtype`` holding ``coefs`` then ``intercepts``.

        The arrays may be NumPy's (a model fitted on the host) or the namespace's.
        """
        xp = self.xp
        parts = [to_device(a, xp, self.device, dtype) for a in coefs + intercepts]
        return xp.concat([xp.reshape(a, (-1,)) for a in parts])

    def init_params(self, rs, weight_init, dtype):
        """Draw the NumPy engine's initial weights from ``rs``; move them here."""
        flat = self._host.init_params(rs, weight_init, np.float64)
        # Rounding the float64 draws to ``dtype`` is what the NumPy engine does.
        return to_device(flat, self.xp, self.device, dtype)

    def forward(self, params, X, masks=None):
        """Return the network's outputs (probabilities, means) for ``X``."""
        coefs, intercepts = self.unpack(params)
        masks = self._masks(masks, params.dtype)
        z = forward_logits(self.xp, coefs, intercepts, X, self.activation, masks)
        return OUTPUT_ACTIVATIONS[self.out_activation](self.xp, z)

    def loss_grad(self, params, grad, X, Y, sw, ws, masks=None):
        """Return the penalised mean loss and write its gradient into ``grad``.

        As :meth:`Network.loss_grad <skbareback._network.Network.loss_grad>`:
        data longer than ``ws.n_rows`` goes in chunks of that many rows, and
        ``masks`` (None, or one mask or None per hidden layer, NumPy's or the
        namespace's) applies dropout. The loss is a Python float: the one
        device-to-host transfer of the pass.
        """
        return float(self._loss_grad(params, grad, X, Y, sw, ws, masks))

    def _loss_grad(self, params, grad, X, Y, sw, ws, masks):
        """:meth:`loss_grad`, its loss left on the device as a 0-d array."""
        xp, n = self.xp, X.shape[0]
        masks = self._masks(masks, params.dtype)
        # Sample weights stay on the host with the shuffled order: each
        # batch's move here with its masks.
        sw = None if sw is None else to_device(sw, xp, self.device, params.dtype)
        if n <= ws.n_rows:
            loss, grads = self._backprop(params, X, Y, sw, masks)
        else:
            loss, grads = self._chunked(params, X, Y, sw, masks, ws.n_rows)
        sw_sum = n if sw is None else xp.sum(sw)
        w = params[: self.n_coefs]
        n_layers = len(self.coef_shapes)
        # (A.T @ delta + alpha * W) / sw_sum, for all layers at once.
        coef_part = xp.concat([xp.reshape(g, (-1,)) for g in grads[:n_layers]])
        parts = [coef_part + self.alpha * w]
        if self.fit_intercept:
            parts += grads[n_layers:]
        else:
            n_intercepts = params.shape[0] - self.n_coefs
            parts.append(xp.zeros(n_intercepts, dtype=params.dtype, device=self.device))
        grad[...] = xp.concat(parts) / sw_sum
        return loss + 0.5 * self.alpha * xp.vecdot(w, w) / sw_sum

    def train_epoch(
        self, params, grad, X, Y, sw, ws, optimizer, batch_size, order=None
    ):
        """Run one pass of mini-batch steps; return the batch losses.

        As :meth:`Network.train_epoch <skbareback._network.Network.train_epoch>`,
        the batches sliced as the standard indexes 2-d arrays.
        """
        if order is not None:
            X, Y = take(X, order), take(Y, order)
        n, losses = X.shape[0], []
        for start in range(0, n, batch_size):
            rows = slice(start, min(start + batch_size, n))
            sw_rows = None if sw is None else sw[rows]
            masks = ws.draw_masks(rows.stop - start) if ws.dropping else None
            losses.append(
                self._loss_grad(
                    params, grad, X[rows, ...], Y[rows, ...], sw_rows, ws, masks
                )
            )
            optimizer.step(params, grad)
        # One transfer an epoch, not one a batch: a device keeps queueing
        # steps instead of waiting on each loss. A non-finite batch poisons
        # the steps after it, which the caller's divergence check discards.
        losses = to_numpy(self.xp.stack(losses), self.xp).tolist()
        finite = [math.isfinite(loss) for loss in losses]
        return losses if all(finite) else losses[: finite.index(False) + 1]

    def workspace(self, n_rows, dtype, rng=None):
        """The :class:`XpWorkspace` of passes over at most ``n_rows`` rows."""
        return XpWorkspace(self, n_rows, dtype, rng)

    def _masks(self, masks, dtype):
        """``masks`` (NumPy's or the namespace's) as arrays of ``dtype`` here."""
        if masks is None:
            return None
        return [
            None if m is None else to_device(m, self.xp, self.device, dtype)
            for m in masks
        ]

    def _chunked(self, params, X, Y, sw, masks, n_rows):
        """The mean loss and the summed gradients, ``n_rows`` rows at a time."""
        xp, n = self.xp, X.shape[0]
        total, sums = 0.0, None
        for start in range(0, n, n_rows):
            rows = slice(start, min(start + n_rows, n))
            sw_rows = None if sw is None else sw[rows]
            masks_rows = None
            if masks is not None:
                masks_rows = [None if m is None else m[rows, ...] for m in masks]
            mean, grads = self._backprop(
                params, X[rows, ...], Y[rows, ...], sw_rows, masks_rows
            )
            total = total + mean * (
                rows.stop - start if sw is None else xp.sum(sw_rows)
            )
            sums = grads if sums is None else [s + g for s, g in zip(sums, grads)]
        return total / (n if sw is None else xp.sum(sw)), sums

    def _backprop(self, params, X, Y, sw, masks):
        """Return the mean loss on ``X`` and its summed gradients.

        The gradients are a list: every layer's coefficients, then every
        layer's intercepts.
        """
        xp = self.xp
        coefs, intercepts = self.unpack(params)
        seen = []
        z = forward_logits(xp, coefs, intercepts, X, self.activation, masks, seen)
        P = OUTPUT_ACTIVATIONS[self.out_activation](xp, z)
        per_sample, delta_of = LOSSES[self.loss]
        loss = _weighted_mean(xp, per_sample(xp, Y, P, self.out_activation), sw)
        delta = delta_of(xp, Y, P, sw, self.out_activation)
        # What each layer saw: X, then the (masked) hidden activations.
        inputs = [X] + [a for _, a in seen]
        derivative = HIDDEN_ACTIVATIONS[self.activation][1]
        n_layers = len(coefs)
        grads = [None] * (2 * n_layers)
        for i in range(n_layers - 1, -1, -1):
            grads[i] = inputs[i].T @ delta
            grads[n_layers + i] = xp.sum(delta, axis=0)
            if i > 0:
                delta = delta @ coefs[i].T
                if masks is not None and masks[i - 1] is not None:
                    # The mask is the chain rule's factor of a thinned unit.
                    delta = delta * masks[i - 1]
                delta = derivative(xp, seen[i - 1][0], delta)
        return loss, grads


class XpWorkspace:
    """What :class:`~skbareback._network.Workspace` is to an :class:`XpNetwork`.

    The passes allocate their own arrays, so this holds only the chunk size
    ``n_rows`` and, with ``rng`` and a network with dropout, draws the masks.
    """

    def __init__(self, net, n_rows, dtype, rng=None):
        self.n_rows, self.rates, self._net = n_rows, net.dropout, net
        self._dtype, self._rng = dtype, rng
        self.dropping = rng is not None and any(self.rates)

    def draw_masks(self, n):
        """Draw dropout masks for ``n`` rows, one per hidden layer (None: no dropout).

        The uniforms come from the NumPy stream, in float64 whatever the
        dtype, exactly as :meth:`Workspace.draw_masks
        <skbareback._network.Workspace.draw_masks>` draws them, so both
        engines drop the same units; the masks then move to the device.
        """
        net, masks = self._net, []
        for p, units in zip(self.rates, net.layer_units[1:-1]):
            if not p:
                masks.append(None)
                continue
            kept = to_device(self._rng.random((n, units)) >= p, net.xp, net.device)
            masks.append(net.xp.astype(kept, self._dtype) * (1 / (1 - p)))
        return masks


class XpSGD(SGD):
    """:class:`~skbareback._optimizers.SGD` on a flat vector of a namespace.

    ``xp`` and ``device`` are as for :class:`XpNetwork`; the other parameters
    and the ``state`` keys are SGD's, the schedules its inherited methods.
    """

    def __init__(
        self,
        n_params,
        dtype,
        *,
        learning_rate_init,
        learning_rate,
        momentum,
        nesterovs_momentum,
        power_t,
        state=None,
        xp=None,
        device=None,
        **_,
    ):
        # Not SGD.__init__, which allocates NumPy scratch of a NumPy dtype.
        self.learning_rate_init = learning_rate_init
        self.schedule = learning_rate
        self.momentum = momentum
        self.nesterov = nesterovs_momentum
        self.power_t = power_t
        xp = _namespace(xp)
        self.state = state or {
            "velocity": xp.zeros(n_params, dtype=dtype, device=device),
            "learning_rate": float(learning_rate_init),
        }

    def step(self, params, grad):
        """Apply one update to ``params`` in place (SGD's formula)."""
        v = self.state["velocity"]
        lr_grad = grad * self.state["learning_rate"]
        v *= self.momentum
        v -= lr_grad
        if self.nesterov:
            params += self.momentum * v - lr_grad
        else:
            params += v


class XpAdam(Adam):
    """:class:`~skbareback._optimizers.Adam` on a flat vector of a namespace.

    ``xp`` and ``device`` are as for :class:`XpNetwork`; the other parameters
    and the ``state`` keys are Adam's.
    """

    def __init__(
        self,
        n_params,
        dtype,
        *,
        learning_rate_init,
        beta_1,
        beta_2,
        epsilon,
        state=None,
        xp=None,
        device=None,
        **_,
    ):
        # Not Adam.__init__, which allocates NumPy scratch of a NumPy dtype.
        self.learning_rate_init = learning_rate_init
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.xp = xp = _namespace(xp)
        self.state = state or {
            "m": xp.zeros(n_params, dtype=dtype, device=device),
            "v": xp.zeros(n_params, dtype=dtype, device=device),
            "t": 0,
            "learning_rate": float(learning_rate_init),
        }

    def step(self, params, grad):
        """Apply one update to ``params`` in place (Adam's formula)."""
        s = self.state
        s["t"] += 1
        s["m"] *= self.beta_1
        s["m"] += grad * (1 - self.beta_1)
        s["v"] *= self.beta_2
        s["v"] += grad * grad * (1 - self.beta_2)
        # Bias correction folded into the step size, as Adam.
        lr = (
            self.learning_rate_init
            * math.sqrt(1 - self.beta_2 ** s["t"])
            / (1 - self.beta_1 ** s["t"])
        )
        s["learning_rate"] = lr
        params += s["m"] * -lr / (self.xp.sqrt(s["v"]) + self.epsilon)


OPTIMIZERS = {"sgd": XpSGD, "adam": XpAdam}


def bind(xp, device):
    """The network, workspace and optimizer classes of a fit on ``xp``, ``device``.

    Returns ``(network, workspace, optimizers)``, called as the NumPy
    engine's: what an engine registry records for a fit on these arrays.
    """
    network = partial(XpNetwork, xp=xp, device=device)
    optimizers = {
        name: partial(cls, xp=xp, device=device) for name, cls in OPTIMIZERS.items()
    }
    return network, XpWorkspace, optimizers
