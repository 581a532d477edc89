"""Stochastic optimizers that update one flat parameter vector in place.

An optimizer keeps its whole state in ``self.state``, a dict of NumPy arrays
and numbers, so a fitted estimator holds no custom objects. The protocol is
``step(params, grad)`` per batch, ``iteration_ends(t)`` per epoch and
``trigger_stopping(msg, verbose)`` when progress stalls.
"""

import numpy as np


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum and lr schedules.

    The update is, with velocity ``v``: ``v = momentum * v - lr * grad``, then
    ``params += v`` or, with Nesterov, ``params += momentum * v - lr * grad``.
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
        **_,
    ):
        self.learning_rate_init = learning_rate_init
        self.schedule = learning_rate
        self.momentum = momentum
        self.nesterov = nesterovs_momentum
        self.power_t = power_t
        self.state = state or {
            "velocity": np.zeros(n_params, dtype=dtype),
            "learning_rate": float(learning_rate_init),
        }
        self._scaled_grad = np.empty(n_params, dtype=dtype)

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        v, lr_grad = self.state["velocity"], self._scaled_grad
        np.multiply(grad, self.state["learning_rate"], out=lr_grad)
        v *= self.momentum
        v -= lr_grad
        if self.nesterov:
            params += self.momentum * v - lr_grad
        else:
            params += v

    def iteration_ends(self, time_step):
        """Decay the learning rate for ``'invscaling'``."""
        if self.schedule == "invscaling":
            self.state["learning_rate"] = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """Stop, or for ``'adaptive'`` divide the learning rate by 5 and go on."""
        lr = self.state["learning_rate"]
        if self.schedule != "adaptive" or lr <= 1e-6:
            if verbose:
                extra = (
                    " Learning rate too small." if self.schedule == "adaptive" else ""
                )
                print(msg + extra + " Stopping.")
            return True
        self.state["learning_rate"] = lr / 5.0
        if verbose:
            print(f"{msg} Setting learning rate to {self.state['learning_rate']:f}")
        return False


class Adam:
    """Adam (Kingma & Ba, 2014) with its bias correction folded into the step size."""

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
        **_,
    ):
        self.learning_rate_init = learning_rate_init
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.state = state or {
            "m": np.zeros(n_params, dtype=dtype),
            "v": np.zeros(n_params, dtype=dtype),
            "t": 0,
            "learning_rate": float(learning_rate_init),
        }
        self._tmp = np.empty(n_params, dtype=dtype)
        self._update = np.empty(n_params, dtype=dtype)

    def step(self, params, grad):
        """Apply one update to ``params`` in place."""
        s, tmp, update = self.state, self._tmp, self._update
        s["t"] += 1
        s["m"] *= self.beta_1
        s["m"] += np.multiply(grad, 1 - self.beta_1, out=tmp)
        s["v"] *= self.beta_2
        np.square(grad, out=tmp)
        tmp *= 1 - self.beta_2
        s["v"] += tmp
        lr = (
            self.learning_rate_init
            * np.sqrt(1 - self.beta_2 ** s["t"])
            / (1 - self.beta_1 ** s["t"])
        )
        s["learning_rate"] = lr
        np.sqrt(s["v"], out=tmp)
        tmp += self.epsilon
        np.multiply(s["m"], -lr, out=update)
        update /= tmp
        params += update

    def iteration_ends(self, time_step):
        """Adam keeps no per-epoch schedule."""

    def trigger_stopping(self, msg, verbose):
        """Adam always stops when progress stalls."""
        if verbose:
            print(msg + " Stopping.")
        return True


OPTIMIZERS = {"sgd": SGD, "adam": Adam}
