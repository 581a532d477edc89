"""The numba engine: the NumPy network with its slow passes fused by numba.

:class:`NumbaNetwork` is :class:`~skbareback._network.Network` with three
passes replaced by the kernels of :mod:`skbareback._numba_fused`, each only
where it wins on the CPU this runs on (``benchmarks/kernels.py``):

- backprop's dropout mask x activation derivative x delta, one pass instead
  of two to four (2.5x);
- the output layer's bias, activation, loss and delta, one pass per row, for
  the canonical pairs that have a kernel (softmax or logistic with the
  log-loss, identity with the squared error); other pairs run the NumPy code;
- the hidden layers' bias + tanh, only where NumPy's ``tanh`` is not
  vectorised for the dtype (``_activations._NATIVE_TANH``): where it is
  (AVX-512; float32 from AVX2 on), NumPy's is as fast as the compiled one
  or faster;
- a stochastic solver's whole epoch, where :mod:`skbareback._numba_epoch`
  covers it: one compiled call runs every mini-batch step with these kernels
  (and its own bias + activation, NumPy's ``tanh`` being out of its reach),
  instead of some thirty NumPy calls per batch.

:class:`NumbaSGD` and :class:`NumbaAdam` keep their parents' ``state`` dict,
so pickles, ``partial_fit`` and ``warm_start`` move between engines, and run
each step as one pass over the flat vector. The L2 term stays in
``Network.loss_grad``, which L-BFGS needs whole.

Importing this module imports numba: only :mod:`skbareback._engines` does,
once a fit has chosen this engine.
"""

import math

import numpy as np

from . import _activations
from . import _numba_epoch as compiled
from . import _numba_fused as fused
from ._network import Network, _matmul, forward_hidden
from ._optimizers import SGD, Adam

# The fused output kernels' (out_activation, loss) pairs, by the network's
# training loss. 'mean_squared_error' is the squared error whose delta is
# divided by the number of outputs (_losses.mean_squared_error_delta).
_FUSED_OUTPUT = {
    ("softmax", "log_loss"): "log_loss",
    ("logistic", "log_loss"): "log_loss",
    ("identity", "squared_error"): "squared_error",
    ("identity", "mean_squared_error"): "squared_error",
}


def bias_activation(z, b, activation):
    """``z += b`` then the hidden activation, fused where NumPy's tanh is scalar."""
    if activation == "tanh" and not _activations._NATIVE_TANH.get(z.dtype, True):
        fused.bias_activation(z, b, "tanh")
        return
    z += b
    _activations.HIDDEN_ACTIVATIONS[activation][0](z)


class NumbaNetwork(Network):
    """:class:`~skbareback._network.Network` with fused numba passes (see module)."""

    bias_activation = staticmethod(bias_activation)

    def _output_loss_delta(self, params, X, Y, sw, acts, delta, dropout):
        loss = _FUSED_OUTPUT.get((self.out_activation, self.loss))
        if loss is None:
            return super()._output_loss_delta(params, X, Y, sw, acts, delta, dropout)
        coefs, intercepts = self.unpack(params)
        a = forward_hidden(
            coefs, intercepts, X, self.activation, acts, dropout, bias_activation
        )
        z = _matmul(a, coefs[-1], acts[-1])
        total = fused.output_loss_delta(
            z, intercepts[-1], Y, sw, delta, self.out_activation, loss
        )
        if self.loss == "mean_squared_error" and z.shape[1] > 1:
            delta /= z.shape[1]
        return total / (X.shape[0] if sw is None else sw.sum())

    def _derivative_times_delta(self, a, delta, mask, ws):
        fused.activation_derivative_times_delta(a, delta, mask, self.activation)

    def train_epoch(
        self, params, grad, X, Y, sw, ws, optimizer, batch_size, order=None
    ):
        """The epoch in one compiled call where it is covered (_numba_epoch)."""
        if not compiled.supports(self, X, ws, optimizer, params):
            return super().train_epoch(
                params, grad, X, Y, sw, ws, optimizer, batch_size, order
            )
        return compiled.train_epoch(
            self, params, grad, X, Y, sw, ws, optimizer, batch_size, order
        )


class NumbaSGD(SGD):
    """:class:`~skbareback._optimizers.SGD` whose step is one compiled pass."""

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        fused.sgd_momentum_step(
            params,
            grad,
            self.state["velocity"],
            self.state["learning_rate"],
            self.momentum,
            self.nesterov,
        )

    def compiled_plan(self, n_steps):
        """``(kind, state arrays, step sizes, hyperparameters)`` of a compiled epoch."""
        v = self.state["velocity"]
        lrs = np.full(n_steps, self.state["learning_rate"], dtype=v.dtype)
        hyper = (self.momentum, 0, 0, 0, 0, bool(self.nesterov))
        return compiled.SGD, (v, v), lrs, hyper

    def steps_taken(self, n_steps):
        """The schedule is per epoch: the steps leave the state as it was."""


class NumbaAdam(Adam):
    """:class:`~skbareback._optimizers.Adam` whose step is one compiled pass."""

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        s = self.state
        s["t"] += 1
        # As Adam.step, to the bit: a NumPy float64 step size.
        lr = (
            self.learning_rate_init
            * np.sqrt(1 - self.beta_2 ** s["t"])
            / (1 - self.beta_1 ** s["t"])
        )
        s["learning_rate"] = lr
        fused.adam_step(
            params, grad, s["m"], s["v"], lr, self.beta_1, self.beta_2, self.epsilon
        )

    def compiled_plan(self, n_steps):
        """``(kind, state arrays, step sizes, hyperparameters)`` of a compiled epoch.

        The step sizes are :meth:`step`'s, negated, one per step, in the
        precision NumPy multiplies ``m`` by them (see ``fused._as_numpy``).
        """
        s, t = self.state, self.state["t"]
        # math.sqrt rounds as np.sqrt does (correctly).
        self._lrs = [
            self.learning_rate_init
            * math.sqrt(1 - self.beta_2 ** (t + i))
            / (1 - self.beta_1 ** (t + i))
            for i in range(1, n_steps + 1)
        ]
        dtype = np.result_type(s["m"], np.float64(1.0))
        lrs = -np.array(self._lrs, dtype=dtype)
        b1, b2 = self.beta_1, self.beta_2
        return (
            compiled.ADAM,
            (s["m"], s["v"]),
            lrs,
            (b1, 1 - b1, b2, 1 - b2, self.epsilon, 0),
        )

    def steps_taken(self, n_steps):
        """Advance ``t`` and the step size over the steps a compiled epoch took."""
        if n_steps:
            self.state["t"] += n_steps
            self.state["learning_rate"] = np.float64(self._lrs[n_steps - 1])


OPTIMIZERS = {"sgd": NumbaSGD, "adam": NumbaAdam}
