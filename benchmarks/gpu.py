"""GPU check: the array API engine on a CUDA device against the CPU engines.

Run from the repository root, on a machine with a CUDA GPU and PyTorch or
CuPy (under 5 minutes)::

    .venv/bin/python benchmarks/gpu.py                    # torch, else cupy
    .venv/bin/python benchmarks/gpu.py --namespace cupy
    .venv/bin/python benchmarks/gpu.py --device cpu --smoke   # any machine, seconds

It checks parity first: 10 adam epochs in float32 on the device and with the
NumPy engine on the CPU, from the same initial weights and in the same
order, must give probabilities within 1e-4 of each other (the exit status is
1 if not). Then it times one adam epoch (batches of 200, the estimators'
default, shuffled as the estimators shuffle) at 40,000 x 50 and at
1,000,000 x 100 with 256 tanh units: on the device, with the NumPy engine on
this machine's CPU, and with the numba engine where ``skbareback._numba``
compiles and the engine seam's ``skbareback._engine_numba`` exists. It
prints one markdown table naming the GPU and the CPU.

Each epoch is the engines' own ``train_epoch``, the pass the estimators run:
the rows gathered in the shuffled order, then one ``loss_grad`` and one
optimizer step a batch (the numba engine compiles the whole pass); on a
device the batch losses stay there until the pass ends, so the device is
synchronised once an epoch. ``--smoke`` shrinks every size so that
tests/test_engine_xp.py can run the CPU path (``--device cpu``) on
array-api-strict or PyTorch.
"""

import argparse
import os
import platform
import sys
import time

# sklearn's get_namespace dispatches only with SciPy's array API support on,
# which SciPy reads once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np

from skbareback._engine_xp import bind
from skbareback._network import Network, Workspace
from skbareback._optimizers import OPTIMIZERS
from skbareback._xp_compat import namespace_and_device, to_device, to_numpy

ADAM = dict(learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
PARITY_TOL = 1e-4
# (rows, features) timed, and the parity problem: rows, features, hidden units.
SIZES = {False: [(40_000, 50), (1_000_000, 100)], True: [(400, 5), (1_000, 10)]}
HIDDEN = {False: 256, True: 16}
PARITY = {False: (20_000, 20, 64), True: (300, 6, 8)}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument(
        "--namespace",
        choices=["auto", "torch", "cupy", "array-api-strict"],
        default="auto",
        help="auto: torch if it imports, else cupy (array-api-strict on CPU only)",
    )
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes")
    return parser.parse_args(argv)


def _torch(device):
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name(0) if device == "cuda" else cpu_name()
    return torch.zeros(1, device=device), f"{name} (PyTorch {torch.__version__})"


def _cupy(device):
    import cupy

    if device == "cpu":
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return None
    except cupy.cuda.runtime.CUDARuntimeError:
        return None
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    return cupy.zeros(1), f"{name} (CuPy {cupy.__version__})"


def _strict(device):
    import array_api_strict

    if device == "cuda":
        return None
    version = array_api_strict.__version__
    return array_api_strict.zeros(1), f"{cpu_name()} (array-api-strict {version})"


BACKENDS = {"torch": _torch, "cupy": _cupy, "array-api-strict": _strict}


def find_device(namespace, device):
    """``(xp, device, description)``, or None when nothing asked for is here."""
    names = [namespace] if namespace != "auto" else ["torch", "cupy"]
    if namespace == "auto" and device == "cpu":
        names.append("array-api-strict")
    for name in names:
        try:
            found = BACKENDS[name](device)
        except ImportError:
            continue
        if found is not None:
            sample, description = found
            return (*namespace_and_device(sample), description)
    return None


def cpu_name():
    """The CPU's model name and core count."""
    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            models = [
                line.split(":", 1)[1].strip() for line in f if "model name" in line
            ]
        name = models[0] if models else name
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} cores"


def numba_engine():
    """``(network, optimizers)`` of the numba engine, or the reason it is missing."""
    from skbareback import _numba

    if not _numba.available():
        return f"numba unavailable: {_numba.unavailable_reason()}"
    try:
        from skbareback import _engine_numba
    except ImportError:
        return "no skbareback._engine_numba (the engine seam) in this checkout"
    return _engine_numba.NumbaNetwork, _engine_numba.OPTIMIZERS


class Engine:
    """One engine on one device: its classes and how data reaches it."""

    def __init__(self, name, where, network, workspace, optimizers, space=None):
        self.name, self.where, self.space = name, where, space
        self.network, self.workspace, self.optimizers = network, workspace, optimizers

    def array(self, a, dtype=None):
        if self.space is None:
            return a if dtype is None else a.astype(dtype)
        xp, device = self.space
        return to_device(a, xp, device, None if dtype is None else getattr(xp, dtype))

    def dtype(self, name):
        return np.dtype(name) if self.space is None else getattr(self.space[0], name)

    def forward(self, net, params, X):
        """The network's outputs for ``X``."""
        if self.space is not None:
            return net.forward(params, X)
        # The NumPy network writes its activations into buffers.
        n = X.shape[0]
        return net.forward(params, X, Workspace(net, n, X.dtype).rows(n)[0])

    def numpy(self, a):
        return a if self.space is None else to_numpy(a, self.space[0])


def engines(space, description):
    """The NumPy engine, the numba one (or why not) and the array API one."""
    cpu = cpu_name()
    found = [Engine("numpy", cpu, Network, Workspace, OPTIMIZERS)]
    numba = numba_engine()
    if isinstance(numba, str):
        found.append(numba)
    else:
        found.append(Engine("numba", cpu, numba[0], Workspace, numba[1]))
    network, workspace, optimizers = bind(*space)
    found.append(
        Engine("array API", description, network, workspace, optimizers, space)
    )
    return found


def problem(n, f, seed=0):
    """A binary classification table: float64 features, boolean targets."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, f))
    y = X @ rng.standard_normal(f) + rng.standard_normal(n) > 0
    return X, y[:, None]


def setup(engine, n_features, hidden, n_outputs, dtype, batch, seed=0):
    net = engine.network(
        [n_features, hidden, n_outputs], "tanh", "logistic", "log_loss", 1e-4, True
    )
    params = net.init_params(np.random.RandomState(seed), "glorot", engine.dtype(dtype))
    ws = engine.workspace(net, batch, engine.dtype(dtype))
    opt = engine.optimizers["adam"](net.n_params, engine.dtype(dtype), **ADAM)
    return net, params, ws, opt


def epoch(state, X, Y, order, batch):
    """One shuffled pass of adam steps, the estimators' own; returns the mean loss."""
    net, params, ws, opt = state
    grad = params * 0
    # The engine's train_epoch gathers the rows in ``order`` and, on a device,
    # keeps the batch losses there until the pass ends: one transfer an epoch.
    losses = net.train_epoch(params, grad, X, Y, None, ws, opt, batch, order)
    sizes = [min(batch, X.shape[0] - start) for start in range(0, X.shape[0], batch)]
    return float(np.dot(losses, sizes[: len(losses)]) / sum(sizes[: len(losses)]))


def parity(cpu, device, sizes, batch):
    """Max |P_device - P_cpu| after 10 float32 adam epochs from the same start."""
    n, f, hidden = sizes
    X, Y = problem(n, f, seed=1)
    probabilities = []
    for engine in (cpu, device):
        state = setup(engine, f, hidden, 1, "float32", batch)
        Xe, Ye = engine.array(X, "float32"), engine.array(Y)
        rs = np.random.RandomState(0)
        for _ in range(10):
            epoch(state, Xe, Ye, rs.permutation(n), batch)
        P = engine.numpy(engine.forward(state[0], state[1], Xe))
        probabilities.append(np.asarray(P, dtype=np.float64))
    return float(np.max(np.abs(probabilities[1] - probabilities[0])))


def time_epoch(engine, X, Y, hidden, dtype, batch):
    """Seconds of one adam epoch, after a warm-up (compilation, device setup)."""
    n = X.shape[0]
    state = setup(engine, X.shape[1], hidden, 1, dtype, batch)
    Xe, Ye = engine.array(X, dtype), engine.array(Y)
    warm = min(n, 20 * batch)
    epoch(state, Xe[:warm, ...], Ye[:warm, ...], np.arange(warm), batch)
    order = np.random.RandomState(0).permutation(n)
    start = time.perf_counter()
    epoch(state, Xe, Ye, order, batch)
    # The batch losses came back to the host: the device has finished.
    return time.perf_counter() - start


def table(found, sizes, times, dtype, batch, hidden):
    """The markdown table: one row per engine, one column per size."""
    size_names = [f"{n:,} x {f}" for n, f in sizes]
    head = ["engine", "where"] + [f"{s} epoch (s)" for s in size_names]
    head.append(f"numpy / engine at {size_names[-1]}")
    lines = [
        f"One adam epoch, {hidden} tanh units, batches of {batch}, {dtype}:",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    numpy_last = times["numpy"][-1]
    for engine in found:
        if isinstance(engine, str):
            lines.append(f"| numba | {engine} |" + " |" * (len(head) - 2))
            continue
        cells = [f"{t:.4g}" for t in times[engine.name]]
        ratio = numpy_last / times[engine.name][-1]
        lines.append(
            f"| {engine.name} | {engine.where} | "
            + " | ".join(cells)
            + f" | {ratio:.1f}x |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    begun = time.perf_counter()
    found_device = find_device(args.namespace, args.device)
    if found_device is None:
        what = "CUDA device" if args.device == "cuda" else "namespace"
        sys.exit(
            f"gpu.py: no {what} found for --namespace {args.namespace} "
            f"--device {args.device}: this check needs PyTorch or CuPy with a "
            "CUDA GPU (or run --device cpu --smoke for the CPU path)."
        )
    xp, device, description = found_device
    found = engines((xp, device), description)
    usable = [e for e in found if not isinstance(e, str)]
    gap = parity(usable[0], usable[-1], PARITY[args.smoke], args.batch_size)
    ok = gap <= PARITY_TOL
    n, f, hidden = PARITY[args.smoke]
    print(
        f"parity (float32, 10 adam epochs, {n:,} x {f}, {hidden} tanh units): "
        f"max |P_device - P_numpy| = {gap:.2e}, tolerance {PARITY_TOL:g}: "
        + ("ok" if ok else "FAILED")
    )
    sizes, hidden = SIZES[args.smoke], HIDDEN[args.smoke]
    times = {e.name: [] for e in usable}
    for n, f in sizes:
        X, Y = problem(n, f)
        for engine in usable:
            times[engine.name].append(
                time_epoch(engine, X, Y, hidden, args.dtype, args.batch_size)
            )
    print()
    print(table(found, sizes, times, args.dtype, args.batch_size, hidden))
    print(f"\n({time.perf_counter() - begun:.0f} s in all)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
