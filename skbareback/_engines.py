"""The engines: which network and optimizers run a fit, chosen once per fit.

An engine is a :class:`~skbareback._network.Network` class (forward, loss and
gradient into the flat vector), the optimizer classes of the stochastic
solvers (their ``step``), the fused bias + activation and output
probabilities that prediction uses, and the limit of its own threads
(numba's, which ``blas_threads`` sets); :class:`~skbareback._training.Training`
runs whichever it is given and never asks which. ``'numpy'`` is the oracle; ``'numba'``
(:mod:`skbareback._engine_numba`) is loaded only when a fit chooses it, so
that importing skbareback never imports numba. ``'array_api'``
(:mod:`skbareback._engine_xp`) runs in the namespace and on the device of
the data: a fit on non-NumPy arrays under ``array_api_dispatch`` gets it.
"""

from typing import NamedTuple

from ._network import Network
from ._optimizers import OPTIMIZERS
from ._threads import no_kernel_threads

# 'auto' runs numba for fits whose passes are at least this many rows x hidden
# units (the adam row, 40,000 x 100). Measured on an AVX-512 Xeon
# (benchmarks/engine.py), numba saves about 2.5 ns per row x unit per L-BFGS
# iteration and, with its compiled epoch, about 3.5 ns per adam epoch (there:
# 46 -> 31 ms in float64, 28 -> 15 in float32), so at least 10 ms an epoch
# here: enough to repay, within 30 epochs, the 0.3 s that loading numba and
# its cached kernels costs a fresh process. Compiling them on a machine's
# first run costs more (about 1 s for L-BFGS, 5-6 s for adam or sgd), once.
AUTO_MIN_ROWS_X_UNITS = 4_000_000


class Engine(NamedTuple):
    name: str
    network: type
    optimizers: dict
    bias_activation: object = None
    kernel_threads: object = no_kernel_threads
    output_probabilities: object = None


def _numpy():
    return Engine("numpy", Network, OPTIMIZERS)


def _numba():
    from . import _engine_numba as engine
    from . import _numba_fused as fused
    from ._numba import thread_limit

    return Engine(
        "numba",
        engine.NumbaNetwork,
        engine.OPTIMIZERS,
        engine.bias_activation,
        thread_limit,
        fused.output_probabilities,
    )


def _array_api(xp=None, device=None):
    from . import _engine_xp as engine

    network, _, optimizers = engine.bind(xp, device)
    return Engine("array_api", network, optimizers)


ENGINES = {"numpy": _numpy, "numba": _numba, "array_api": _array_api}


def numba_reason():
    """Why numba cannot run here, or None when it can (imports numba)."""
    from . import _numba

    return None if _numba.available() else _numba.unavailable_reason()


def choose(engine, n_samples, hidden_units, xp=None, device=None):
    """The :class:`Engine` for a fit with ``engine`` ('auto', 'numpy', 'numba',
    'array_api').

    ``hidden_units`` is the sum of the hidden layers' sizes. An explicit
    'numba' without a working numba raises, naming the extra to install.
    ``xp`` and ``device`` are those of non-NumPy data (None for NumPy's),
    which only 'array_api' (and 'auto', choosing it) can train on.
    """
    if xp is not None:
        if engine in ("numpy", "numba"):
            raise ValueError(
                f"engine={engine!r} trains on NumPy arrays, but X is an array of "
                f"{xp.__name__} under sklearn.config_context(array_api_dispatch="
                "True). Use engine='auto' or 'array_api' to train in its namespace "
                "and on its device, or pass NumPy arrays."
            )
        return _array_api(xp, device)
    if engine == "array_api":
        return _array_api()
    if engine == "auto":
        large = n_samples * hidden_units >= AUTO_MIN_ROWS_X_UNITS
        engine = "numba" if large and numba_reason() is None else "numpy"
    elif engine == "numba" and numba_reason() is not None:
        raise ValueError(
            "engine='numba' needs numba, the fast extra: pip install "
            f"\"skbareback[fast]\" ({numba_reason()}). Use engine='numpy' or "
            "'auto' to run without it."
        )
    return ENGINES[engine]()


def for_prediction(name):
    """The engine a fitted ``engine_`` predicts with: NumPy where numba is gone."""
    if name == "numba" and numba_reason() is None:
        return ENGINES["numba"]()
    return ENGINES["numpy"]()
