"""The array API engine (``_engine_xp.py``) against the NumPy engine, its oracle.

On array-api-strict (on its non-default device ``device1``, so that an array
made on the wrong device fails) in float64 and float32, and on PyTorch CPU
tensors where torch is installed: loss values, gradients and outputs for
every hidden activation and output/loss pair, with and without sample
weights and dropout masks; the optimizer steps; a finite-difference check;
ten epochs of adam with the same loss curve; the GPU script's CPU smoke run.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbareback import _engine_xp
from skbareback._engine_xp import OPTIMIZERS as XP_OPTIMIZERS
from skbareback._engine_xp import XpNetwork, XpWorkspace, bind
from skbareback._network import Network, Workspace
from skbareback._optimizers import OPTIMIZERS
from skbareback._xp_compat import namespace_and_device, to_numpy

pytestmark = pytest.mark.extras

ROOT = Path(__file__).resolve().parent.parent
HAS_TORCH = importlib.util.find_spec("torch") is not None
NAMESPACES = ["array_api_strict"] + (["torch"] if HAS_TORCH else [])
# Relative to the largest value compared (loss, gradient entries, outputs).
TOL = {"float64": 1e-12, "float32": 1e-5}
HIDDEN = (4, 5)
N_FEATURES, N_SAMPLES = 3, 9

# name: (output activation, loss, output units, target kind)
PAIRS = {
    "binary": ("logistic", "log_loss", 1, "labels"),
    "multilabel": ("logistic", "log_loss", 3, "labels"),
    "multiclass": ("softmax", "log_loss", 3, "classes"),
    "logistic_se": ("logistic", "squared_error", 3, "labels"),
    "softmax_se": ("softmax", "squared_error", 3, "classes"),
    "identity_se": ("identity", "squared_error", 2, "real"),
    "identity_mse": ("identity", "mean_squared_error", 2, "real"),
    "poisson": ("exp", "poisson", 2, "counts"),
}
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
DROPOUT = (0.25, 0.5)

grid = pytest.mark.parametrize


@pytest.fixture(params=NAMESPACES)
def space(request):
    """``(xp, device)`` of a namespace on a device that is not its default."""
    if request.param == "torch":
        import torch

        return namespace_and_device(torch.zeros(1))
    import array_api_strict

    return namespace_and_device(
        array_api_strict.zeros(1, device=array_api_strict.Device("device1"))
    )


def here(space, array, dtype=None):
    """The NumPy ``array`` moved to ``space``, in ``dtype`` (a name) if given."""
    xp, device = space
    return xp.asarray(
        array, dtype=None if dtype is None else getattr(xp, dtype), device=device
    )


def host(space, array):
    """A NumPy copy of the ``space`` array (a view could change under the test)."""
    return np.array(to_numpy(array, space[0]), copy=True)


def targets(kind, n_outputs, rng, n=N_SAMPLES):
    if kind == "classes":
        return np.eye(n_outputs, dtype=bool)[rng.randint(n_outputs, size=n)]
    if kind == "labels":
        return rng.rand(n, n_outputs) < 0.5
    if kind == "counts":
        return rng.poisson(1.5, size=(n, n_outputs)).astype(np.float64)
    return rng.randn(n, n_outputs)


def problem(pair, activation, dtype, dropout=False, fit_intercept=True, seed=0):
    """Network arguments, ``(X, Y, sw)`` in NumPy and ``dropout`` masks or None."""
    out_activation, loss, n_outputs, kind = PAIRS[pair]
    rng = np.random.RandomState(seed)
    rates = list(DROPOUT) if dropout else None
    args = (
        [N_FEATURES, *HIDDEN, n_outputs],
        activation,
        out_activation,
        loss,
        0.3,
        fit_intercept,
        rates,
    )
    X = rng.randn(N_SAMPLES, N_FEATURES).astype(dtype)
    Y = targets(kind, n_outputs, rng)
    Y = Y if Y.dtype == bool else Y.astype(dtype)
    sw = (rng.rand(N_SAMPLES) + 0.5).astype(dtype)
    masks = None
    if dropout:
        masks = [
            ((rng.rand(N_SAMPLES, u) >= p) / (1 - p)).astype(dtype)
            for u, p in zip(HIDDEN, DROPOUT)
        ]
    return args, (X, Y, sw), masks


def assert_close(actual, expected, tol):
    """Entry by entry, within ``tol`` of the largest magnitude compared."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(np.max(np.abs(expected)), np.finfo(np.float64).tiny)
    assert_allclose(
        np.asarray(actual, dtype=np.float64), expected, rtol=tol, atol=tol * scale
    )


def both_networks(space, args, dtype, seed=1):
    """The NumPy and xp networks with the same initial weights."""
    net = Network(*args)
    xnet = XpNetwork(*args, xp=space[0], device=space[1])
    params = net.init_params(np.random.RandomState(seed), "glorot", dtype)
    xparams = xnet.init_params(
        np.random.RandomState(seed), "glorot", getattr(space[0], dtype)
    )
    return net, params, xnet, xparams


def both_loss_grads(space, args, data, masks, dtype, weighted, n_rows=N_SAMPLES):
    """``(loss, grad)`` of the NumPy and the xp engines, both in NumPy."""
    X, Y, sw = data
    sw = sw if weighted else None
    net, params, xnet, xparams = both_networks(space, args, dtype)
    grad = np.empty_like(params)
    ws = Workspace(net, n_rows, dtype, np.random.default_rng(0))
    loss = net.loss_grad(params, grad, X, Y, sw, ws, masks)
    xgrad = space[0].zeros(xnet.n_params, dtype=xparams.dtype, device=space[1])
    xmasks = None if masks is None else [here(space, m) for m in masks]
    xsw = None if sw is None else here(space, sw)
    xloss = xnet.loss_grad(
        xparams,
        xgrad,
        here(space, X),
        here(space, Y),
        xsw,
        XpWorkspace(xnet, n_rows, xparams.dtype),
        xmasks,
    )
    assert isinstance(xloss, float)
    return (loss, grad), (xloss, host(space, xgrad))


@grid("dtype", ["float64", "float32"])
@grid("dropout", [False, True], ids=["no_dropout", "dropout"])
@grid("weighted", [False, True], ids=["unweighted", "weighted"])
@grid("pair", list(PAIRS))
@grid("activation", ACTIVATIONS)
def test_loss_grad_matches_numpy(space, activation, pair, weighted, dropout, dtype):
    args, data, masks = problem(pair, activation, dtype, dropout)
    (loss, grad), (xloss, xgrad) = both_loss_grads(
        space, args, data, masks, dtype, weighted
    )
    assert_close(xloss, loss, TOL[dtype])
    assert_close(xgrad, grad, TOL[dtype])


@grid("fit_intercept", [True, False], ids=["intercept", "no_intercept"])
@grid("pair", ["multiclass", "identity_se", "poisson"])
@grid("activation", ["tanh", "relu"])
def test_chunked_loss_grad_matches_numpy(space, activation, pair, fit_intercept):
    # 9 rows in chunks of 4: sums over chunks, as for full-batch L-BFGS.
    args, data, masks = problem(pair, activation, "float64", True, fit_intercept)
    (loss, grad), (xloss, xgrad) = both_loss_grads(
        space, args, data, masks, "float64", True, n_rows=4
    )
    assert_close(xloss, loss, TOL["float64"])
    assert_close(xgrad, grad, TOL["float64"])
    if not fit_intercept:
        assert not xgrad[-sum(args[0][1:]) :].any()


@grid("dtype", ["float64", "float32"])
@grid("dropout", [False, True], ids=["no_dropout", "dropout"])
@grid("pair", list(PAIRS))
@grid("activation", ACTIVATIONS)
def test_forward_matches_numpy(space, activation, pair, dropout, dtype):
    args, (X, _, _), masks = problem(pair, activation, dtype, dropout)
    net, params, xnet, xparams = both_networks(space, args, dtype)
    assert_close(host(space, xparams), params, 0)
    ws = Workspace(net, N_SAMPLES, dtype, np.random.default_rng(0))
    acts = ws.rows(N_SAMPLES)[0]
    expected = net.forward(params, X, acts, ws.dropout(masks))
    xmasks = None if masks is None else [here(space, m) for m in masks]
    actual = xnet.forward(xparams, here(space, X), xmasks)
    assert_close(host(space, actual), expected, TOL[dtype])


def test_unpack_gives_views_of_the_flat_vector(space):
    args, _, _ = problem("multiclass", "tanh", "float64")
    _, params, xnet, xparams = both_networks(space, args, "float64")
    coefs, intercepts = xnet.unpack(xparams)
    assert [tuple(c.shape) for c in coefs] == xnet.coef_shapes
    xparams += 1.0
    assert_close(host(space, coefs[0]), params[:12].reshape(3, 4) + 1, 0)
    assert_close(host(space, intercepts[-1]), params[-3:] + 1, 0)
    repacked = xnet.pack(coefs, intercepts, xparams.dtype)
    assert_close(host(space, repacked), params + 1, 0)


OPTIMIZER_PARAMS = {
    "sgd": dict(
        learning_rate_init=0.1,
        learning_rate="constant",
        momentum=0.9,
        nesterovs_momentum=True,
        power_t=0.5,
    ),
    "sgd_plain": dict(
        learning_rate_init=0.1,
        learning_rate="invscaling",
        momentum=0.5,
        nesterovs_momentum=False,
        power_t=0.5,
    ),
    "adam": dict(learning_rate_init=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
}


@grid("dtype", ["float64", "float32"])
@grid("name", list(OPTIMIZER_PARAMS))
def test_optimizer_steps_match_numpy(space, name, dtype):
    solver = name.split("_")[0]
    rng = np.random.RandomState(0)
    params = rng.randn(20).astype(dtype)
    grads = [rng.randn(20).astype(dtype) for _ in range(6)]
    opt = OPTIMIZERS[solver](20, params.dtype, **OPTIMIZER_PARAMS[name])
    xopt = XP_OPTIMIZERS[solver](
        20,
        getattr(space[0], dtype),
        xp=space[0],
        device=space[1],
        **OPTIMIZER_PARAMS[name],
    )
    xparams = here(space, params)
    for t, grad in enumerate(grads):
        opt.step(params, grad)
        xopt.step(xparams, here(space, grad))
        opt.iteration_ends(t)
        xopt.iteration_ends(t)
    assert_close(host(space, xparams), params, TOL[dtype])
    assert opt.state.keys() == xopt.state.keys()
    for key, value in opt.state.items():
        if isinstance(value, np.ndarray):
            assert_close(host(space, xopt.state[key]), value, TOL[dtype])
        else:
            assert xopt.state[key] == pytest.approx(value, rel=1e-15)


@grid("pair", list(PAIRS))
@grid("activation", ACTIVATIONS)
def test_loss_grad_against_finite_differences(space, activation, pair):
    args, (X, Y, sw), masks = problem(pair, activation, "float64", True, seed=2)
    _, params, xnet, _ = both_networks(space, args, "float64")
    data = [here(space, a) for a in (X, Y, sw)]
    xmasks = [here(space, m) for m in masks]
    ws = XpWorkspace(xnet, N_SAMPLES, space[0].float64)
    scratch = here(space, np.empty_like(params))

    def loss_grad(p):
        loss = xnet.loss_grad(here(space, p), scratch, *data, ws, xmasks)
        return loss, host(space, scratch)

    _, grad = loss_grad(params)
    step, numeric = 1e-6, np.empty_like(params)
    for j in range(params.size):
        shift = np.zeros_like(params)
        shift[j] = step
        numeric[j] = (loss_grad(params + shift)[0] - loss_grad(params - shift)[0]) / (
            2 * step
        )
    out_activation, loss, n_outputs, _ = PAIRS[pair]
    if (out_activation, loss) == ("identity", "squared_error"):
        # MLPRegressor's gradient: that of the error summed over the outputs,
        # n_outputs times the reported mean's; the L2 term's is not scaled.
        penalty = np.zeros_like(params)
        penalty[: xnet.n_coefs] = xnet.alpha * params[: xnet.n_coefs] / sw.sum()
        numeric = n_outputs * (numeric - penalty) + penalty
    assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def train(net, ws, optimizer, params, data, take, rs, epochs=10, batch=4):
    """A minibatch loop of ``epochs`` adam epochs; return the loss curve."""
    X, Y, sw = data
    n = X.shape[0]
    grad = params * 0
    curve = []
    for _ in range(epochs):
        order = rs.permutation(n)
        total = 0.0
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            masks = ws.draw_masks(rows.size) if ws.dropping else None
            batch_data = [take(a, rows) for a in (X, Y, sw)]
            loss = net.loss_grad(params, grad, *batch_data, ws, masks)
            optimizer.step(params, grad)
            total += loss * rows.size
        curve.append(total / n)
    return curve


# Ten epochs leave the float32 curves this far apart, relative.
CURVE_TOL = {"float64": 1e-10, "float32": 1e-5}


@grid("dtype", ["float64", "float32"])
@grid("dropout", [False, True], ids=["no_dropout", "dropout"])
@grid("pair", ["multiclass", "identity_se"])
@grid("activation", ACTIVATIONS)
def test_adam_loss_curve_matches_numpy(space, activation, pair, dropout, dtype):
    args, data, _ = problem(pair, activation, dtype, dropout)
    net, params, xnet, xparams = both_networks(space, args, dtype)
    adam = OPTIMIZER_PARAMS["adam"]
    xp, device = space

    def numpy_take(a, rows):
        return a[rows]

    def xp_take(a, rows):
        return xp.take(a, xp.asarray(rows, device=device), axis=0)

    curve = train(
        net,
        Workspace(net, 4, params.dtype, np.random.default_rng(7)),
        OPTIMIZERS["adam"](net.n_params, params.dtype, **adam),
        params,
        data,
        numpy_take,
        np.random.RandomState(3),
    )
    xcurve = train(
        xnet,
        XpWorkspace(xnet, 4, xparams.dtype, np.random.default_rng(7)),
        XP_OPTIMIZERS["adam"](
            xnet.n_params, xparams.dtype, xp=xp, device=device, **adam
        ),
        xparams,
        [here(space, a) for a in data],
        xp_take,
        np.random.RandomState(3),
    )
    assert_allclose(xcurve, curve, rtol=CURVE_TOL[dtype])
    assert_close(host(space, xparams), params, 100 * CURVE_TOL[dtype])


def test_gpu_script_smoke_run_on_cpu():
    # No CUDA here: the script's CPU path, on the namespace the tests have.
    namespace = "torch" if HAS_TORCH else "array-api-strict"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "gpu.py"),
            "--device",
            "cpu",
            "--smoke",
            "--namespace",
            namespace,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "| engine |" in result.stdout
    assert "parity" in result.stdout


def test_numpy_namespace_by_default():
    # xp=None: NumPy's array API namespace, on plain NumPy arrays.
    args, (X, Y, sw), masks = problem("multiclass", "relu", "float64", True)
    net = Network(*args)
    xnet = XpNetwork(*args)
    params = net.init_params(np.random.RandomState(1), "glorot", np.float64)
    xparams = xnet.init_params(np.random.RandomState(1), "glorot", np.float64)
    assert type(xparams) is np.ndarray
    grad, xgrad = np.empty_like(params), np.empty_like(params)
    ws = Workspace(net, N_SAMPLES, np.float64, np.random.default_rng(0))
    loss = net.loss_grad(params, grad, X, Y, sw, ws, masks)
    xws = XpWorkspace(xnet, N_SAMPLES, np.float64)
    assert xnet.loss_grad(xparams, xgrad, X, Y, sw, xws, masks) == pytest.approx(loss)
    assert_close(xgrad, grad, TOL["float64"])
    adam = XP_OPTIMIZERS["adam"](xnet.n_params, np.float64, **OPTIMIZER_PARAMS["adam"])
    adam.step(xparams, xgrad)
    assert type(adam.state["m"]) is np.ndarray


HYPERPARAMETERS = {**OPTIMIZER_PARAMS["sgd"], **OPTIMIZER_PARAMS["adam"], "alpha": 0.1}


def test_bind_gives_classes_called_as_the_numpy_engines(space):
    network, workspace, optimizers = bind(*space)
    args, _, _ = problem("binary", "tanh", "float64")
    net = network(*args)
    assert (net.xp, net.device) == space
    ws = workspace(net, 4, space[0].float32)
    assert ws.n_rows == 4 and not ws.dropping
    for name in ("sgd", "adam"):
        # As Training: every hyperparameter of the estimator, each takes its own.
        opt = optimizers[name](net.n_params, space[0].float32, **HYPERPARAMETERS)
        state = next(v for v in opt.state.values() if hasattr(v, "shape"))
        assert state.dtype == space[0].float32 and state.device == space[1]


def test_workspace_draws_the_numpy_workspaces_masks(space):
    args, _, _ = problem("binary", "tanh", "float32")
    args = (*args[:-1], [0.5, 0.0])
    net, xnet = Network(*args), XpNetwork(*args, xp=space[0], device=space[1])
    masks = Workspace(net, 6, np.float32, np.random.default_rng(5)).draw_masks(6)
    ws = XpWorkspace(xnet, 6, space[0].float32, np.random.default_rng(5))
    xmasks = ws.draw_masks(6)
    assert ws.dropping and masks[1] is None and xmasks[1] is None
    assert_close(host(space, xmasks[0]), masks[0], 0)


def test_missing_array_api_compat_is_named(monkeypatch):
    monkeypatch.setattr(_engine_xp, "array_api_compat", None)
    args, _, _ = problem("binary", "tanh", "float64")
    with pytest.raises(ImportError, match="pip install array-api-compat"):
        XpNetwork(*args)
