"""Micro-benchmark: each compiled kernel (skbareback/_numba.py) against NumPy.

For every kernel, the NumPy code it replaces and the kernel run interleaved,
each call on a fresh copy of the same input, and the table reports median
times and their ratio, for a mini-batch (200 x 100) and a full batch
(40000 x 100), in float64 and float32. The output kernel works on 10 class
scores per row; the optimizer steps on a flat vector of rows x 100 entries.

Run: ``python benchmarks/kernels.py [--repeats N]`` (needs numba: the fast extra).
"""

import argparse
import time

import numpy as np

from skbareback import _numba as nb
from skbareback import _numba_fused as fused
from skbareback._activations import HIDDEN_ACTIVATIONS, softmax
from skbareback._losses import canonical_delta, log_loss_value
from skbareback._optimizers import Adam

SHAPES = [(200, 100), (40000, 100)]
CLASSES = 10


def cpu():
    """The CPU's model name and its widest vector extension, from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return "unknown CPU"
    model = next(
        (ln.split(":", 1)[1].strip() for ln in lines if "model name" in ln), "?"
    )
    flags = next(
        (ln.split(":", 1)[1].split() for ln in lines if ln.startswith("flags")), []
    )
    simd = [f for f in ("avx512f", "avx2") if f in flags]
    return f"{model} ({', '.join(simd) or 'no avx2'})"


def _activation(name):
    numpy_form = {"exp": np.exp, "tanh": HIDDEN_ACTIVATIONS["tanh"][0]}
    numpy_form["logistic"] = HIDDEN_ACTIVATIONS["logistic"][0]

    def numpy_call(z):
        if name == "exp":
            np.exp(z, out=z)
        else:
            numpy_form[name](z)

    return numpy_call, getattr(nb, name)


def cases(n, dtype, rng):
    """``{kernel: (make_inputs, numpy_call, numba_call)}`` for ``n`` rows."""
    units = 100
    z = lambda: rng.normal(scale=2, size=(n, units)).astype(dtype)  # noqa: E731
    b = rng.normal(size=units).astype(dtype)
    mask = ((rng.random((n, units)) > 0.2) / 0.8).astype(dtype)
    out = {}
    for name in ("exp", "tanh", "logistic"):
        numpy_call, numba_call = _activation(name)
        out[name] = (lambda: (z(),), numpy_call, numba_call)

    def bias_tanh_numpy(Z):
        Z += b
        HIDDEN_ACTIVATIONS["tanh"][0](Z)

    out["bias + tanh"] = (
        lambda: (z(),),
        bias_tanh_numpy,
        lambda Z: fused.bias_activation(Z, b, "tanh"),
    )
    tmp = np.empty((n, units), dtype)

    def derivative_numpy(A, D):
        D *= mask
        HIDDEN_ACTIVATIONS["tanh"][1](A, D, tmp)

    out["mask x tanh' x delta"] = (
        lambda: (np.tanh(z()), z()),
        derivative_numpy,
        lambda A, D: fused.activation_derivative_times_delta(A, D, mask, "tanh"),
    )
    out.update(_output_case(n, dtype, rng))
    out.update(_adam_case(n * units, dtype, rng))
    return out


def _output_case(n, dtype, rng):
    b = rng.normal(size=CLASSES).astype(dtype)
    Y = np.eye(CLASSES, dtype=bool)[rng.integers(0, CLASSES, n)]
    D = np.empty((n, CLASSES), dtype)

    def numpy_call(Z):
        Z += b
        softmax(Z)
        loss = log_loss_value(Y, Z, None, "softmax")
        canonical_delta(Y, Z, None, "softmax", D)
        return loss

    def make():
        return (rng.normal(scale=2, size=(n, CLASSES)).astype(dtype),)

    def numba_call(Z):
        return fused.output_loss_delta(Z, b, Y, None, D, "softmax", "log_loss")

    return {
        f"softmax + log-loss + delta ({CLASSES} cls)": (make, numpy_call, numba_call)
    }


def _adam_case(size, dtype, rng):
    n_coefs, alpha, scale = size - 100, 1e-4, 200
    hyper = dict(learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    opt = Adam(size, dtype, **hyper)
    m, v = np.zeros(size, dtype), np.zeros(size, dtype)
    lr = 1e-3 * np.sqrt(1 - 0.999) / (1 - 0.9)

    def make():
        return (
            rng.normal(size=size).astype(dtype),
            rng.normal(size=size).astype(dtype),
        )

    def numpy_call(params, grad):
        grad[:n_coefs] += alpha * params[:n_coefs]
        grad /= scale
        opt.step(params, grad)

    def numba_call(params, grad):
        fused.adam_step(params, grad, m, v, lr, 0.9, 0.999, 1e-8, alpha, n_coefs, scale)

    return {"L2 + adam step": (make, numpy_call, numba_call)}


def median_times(make, calls, repeats):
    """Median seconds of each call, interleaved, each on fresh inputs."""
    for call in calls:  # compile, warm the caches
        call(*make())
    times = [[] for _ in calls]
    for _ in range(repeats):
        for call, record in zip(calls, times):
            args = make()
            start = time.perf_counter()
            call(*args)
            record.append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=51)
    args = parser.parse_args(argv)
    if not nb.available():
        raise SystemExit(f"numba is needed: {nb.unavailable_reason()}")
    print(
        f"CPU: {cpu()}; numba {__import__('numba').__version__}, numpy {np.__version__}"
    )
    head = ("kernel", "shape", "dtype", "numpy us", "numba us", "speedup")
    print("{:34} {:>10} {:>7} {:>9} {:>9} {:>7}".format(*head))
    rng = np.random.default_rng(0)
    for shape in SHAPES:
        for dtype in (np.float64, np.float32):
            for name, (make, numpy_call, numba_call) in cases(
                shape[0], dtype, rng
            ).items():
                repeats = (
                    args.repeats if shape[0] <= 1000 else max(5, args.repeats // 5)
                )
                t_np, t_nb = median_times(make, [numpy_call, numba_call], repeats)
                size = f"{shape[0]}x{shape[1]}"
                print(
                    f"{name:34} {size:>10} {np.dtype(dtype).name:>7} "
                    f"{t_np * 1e6:9.1f} {t_nb * 1e6:9.1f} {t_np / t_nb:6.2f}x"
                )


if __name__ == "__main__":
    main()
