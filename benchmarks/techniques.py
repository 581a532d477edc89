"""What each speed technique gives, measured in isolation (medians of 7).

Compares, one at a time, the choices BareMLPClassifier makes against what
MLPClassifier does: an Adam step on one flat buffer against sklearn's
per-layer ``AdamOptimizer``; slicing a batch from a once-per-epoch permuted
copy against ``_safe_indexing``; the gathered log-loss against sklearn's;
NumPy's tanh against the exp form; tanh's derivative with a scratch buffer
against fresh temporaries.

Usage::

    .venv/bin/python benchmarks/techniques.py
"""

import statistics
import timeit

import numpy as np
from sklearn.neural_network._base import log_loss as sklearn_log_loss
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer
from sklearn.utils import _safe_indexing

from skbareback._activations import tanh_exp, tanh_native
from skbareback._losses import log_loss_value
from skbareback._optimizers import Adam

RNG = np.random.default_rng(0)


def _us(call, number=200):
    return (
        statistics.median(timeit.repeat(call, number=number, repeat=7)) / number * 1e6
    )


def adam_step():
    shapes = [(64, 100), (100, 10), (100,), (10,)]
    params = [RNG.standard_normal(s) for s in shapes]
    grads = [RNG.standard_normal(s) for s in shapes]
    theirs = AdamOptimizer(params, 1e-3)
    flat = np.concatenate([p.ravel() for p in params])
    grad = np.concatenate([g.ravel() for g in grads])
    ours = Adam(
        flat.size,
        flat.dtype,
        learning_rate_init=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    )
    t_theirs = _us(lambda: theirs.update_params(params, grads))
    t_ours = _us(lambda: ours.step(flat, grad))
    print(f"Adam step, 64-100-10 net: sklearn {t_theirs:.1f} us, flat {t_ours:.1f} us")


def batch_rows():
    X = RNG.standard_normal((200_000, 50))
    order = RNG.permutation(len(X))
    batch = order[1000:1200]
    permuted = X[order]
    copy_ms = _us(lambda: X[order], number=5) / 1e3
    t_index = _us(lambda: _safe_indexing(X, batch))
    t_slice = _us(lambda: permuted[1000:1200])
    print(
        f"200-row batch of 200k x 50: _safe_indexing {t_index:.1f} us, slice of "
        f"the permuted copy {t_slice:.2f} us + the copy {copy_ms:.1f} ms per "
        f"epoch ({copy_ms:.1f} us per batch over 1000)"
    )


def log_loss():
    P = RNG.dirichlet(np.ones(10), 200)
    Y = np.eye(10, dtype=bool)[RNG.integers(0, 10, 200)]
    Yf = Y.astype(float)
    theirs = _us(lambda: sklearn_log_loss(Yf, P))
    ours = _us(lambda: log_loss_value(Y, P, None, "softmax"))
    same = np.isclose(sklearn_log_loss(Yf, P), log_loss_value(Y, P, None, "softmax"))
    print(f"log-loss 200 x 10: sklearn {theirs:.1f} us, gathered {ours:.1f} us")
    print(f"  (values equal: {same})")


def tanh_forms():
    for dtype in (np.float64, np.float32):
        for n in (20_000, 1_000_000):
            z = (RNG.standard_normal(n) * 2).astype(dtype)
            work = z.copy()
            copy = _us(lambda: np.copyto(work, z), 20)  # noqa: B023
            native = _us(lambda: (np.copyto(work, z), tanh_native(work)), 20)  # noqa: B023
            exp = _us(lambda: (np.copyto(work, z), tanh_exp(work)), 20)  # noqa: B023
            per_native = (native - copy) * 1e3 / n
            per_exp = (exp - copy) * 1e3 / n
            print(
                f"tanh {dtype.__name__}, {n:,} elements: native {per_native:.2f} "
                f"ns, exp form {per_exp:.2f} ns per element"
            )


def tanh_derivative_scratch():
    a = np.tanh(RNG.standard_normal((8192, 100)))
    delta0 = RNG.standard_normal(a.shape)
    delta, tmp = delta0.copy(), np.empty_like(a)

    def fresh():
        np.copyto(delta, delta0)
        delta.__imul__(1 - a**2)

    def scratch():
        np.copyto(delta, delta0)
        np.multiply(a, a, out=tmp)
        np.subtract(1, tmp, out=tmp)
        delta.__imul__(tmp)

    copy = _us(lambda: np.copyto(delta, delta0), 50)
    t_fresh, t_scratch = _us(fresh, 50) - copy, _us(scratch, 50) - copy
    print(
        f"tanh derivative 8192 x 100: fresh temporaries {t_fresh:.0f} us, "
        f"scratch buffer {t_scratch:.0f} us"
    )


if __name__ == "__main__":
    adam_step()
    batch_rows()
    log_loss()
    tanh_forms()
    tanh_derivative_scratch()
