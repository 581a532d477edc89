"""The engines (skbareback/_engines.py): the numba engine against the NumPy oracle.

The same fit under ``engine='numba'`` and ``engine='numpy'`` gives the same
loss curve and predictions, to ``F64_RTOL`` in float64 and ``F32_RTOL`` in
float32. Measured over these tests (AVX-512 Xeon): float64 loss curves
within 3e-13 and outputs within 7e-13 of the largest (the fused output
kernel sums the loss in another order; L-BFGS's line search carries it);
float32 within 2.1e-4 and 4.6e-4 (the fused kernel sums the float32 loss in
float64, and training carries the difference). Tests marked ``extras`` need
numba; the others (the 'auto' rule, the errors, the fallback) run in every
CI entry, the one without numba included.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier, BareMLPRegressor, _engines, _numba

F64_RTOL = 1e-9
F32_RTOL = 1e-3

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

needs_numba = pytest.mark.extras
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
SOLVERS = ["sgd", "adam", "lbfgs"]


def _fit_both(Estimator, X, y, sw=None, **params):
    """The same fit under each engine: ``(numpy's, numba's)``."""
    params = {"random_state": 0, "max_iter": 15, **params}
    fits = []
    for engine in ("numpy", "numba"):
        est = Estimator(engine=engine, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y, sample_weight=sw)
        assert est.engine_ == engine
        fits.append(est)
    return fits


def _assert_same(ref, new, X, rtol):
    np.testing.assert_allclose(new.loss_curve_, ref.loss_curve_, rtol=rtol)
    assert new.n_iter_ == ref.n_iter_
    predict = "predict_proba" if hasattr(ref, "predict_proba") else "predict"
    expected = getattr(ref, predict)(X)
    # Relative to the largest output: small probabilities carry the others'
    # absolute rounding.
    atol = rtol * np.abs(expected).max()
    np.testing.assert_allclose(getattr(new, predict)(X), expected, rtol=rtol, atol=atol)
    for a, b in zip(new.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def _classification(kind, dtype, n=120):
    X, y = make_classification(
        n, 6, n_informative=4, n_classes=3 if kind != "binary" else 2, random_state=0
    )
    if kind == "multilabel":
        y = np.stack([y == 0, y == 1, X[:, 0] > 0], axis=1).astype(int)
    return X.astype(dtype), y


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_numba_matches_numpy(solver, activation, dtype):
    X, y = _classification("multiclass", dtype)
    ref, new = _fit_both(
        BareMLPClassifier, X, y, solver=solver, activation=activation, alpha=1e-3
    )
    _assert_same(ref, new, X, F64_RTOL if dtype == np.float64 else F32_RTOL)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("tanh_form", ["native", "exp"], indirect=True)
@pytest.mark.parametrize("solver", SOLVERS)
def test_both_tanh_paths_match(solver, dtype, tanh_form):
    # 'exp' is a CPU without NumPy's vectorised tanh: there the numba engine
    # runs its fused bias + tanh kernel, checked here on every machine.
    X, y = _classification("multiclass", dtype)
    ref, new = _fit_both(BareMLPClassifier, X, y, solver=solver, activation="tanh")
    rtol = F64_RTOL if dtype == np.float64 else F32_RTOL
    _assert_same(ref, new, X, rtol)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_targets_and_sample_weights(solver, kind, dtype):
    X, y = _classification(kind, dtype)
    sw = np.random.default_rng(0).uniform(0.2, 2.0, X.shape[0])
    ref, new = _fit_both(BareMLPClassifier, X, y, sw, solver=solver, alpha=0.01)
    _assert_same(ref, new, X, F64_RTOL if dtype == np.float64 else F32_RTOL)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("Estimator", [BareMLPClassifier, BareMLPRegressor])
def test_dropout(Estimator, solver, dtype):
    if Estimator is BareMLPClassifier:
        X, y = _classification("multiclass", dtype)
    else:
        X, y = make_regression(120, 6, n_targets=2, random_state=0)
        X, y = X.astype(dtype), y / 100
    params = dict(solver=solver, dropout=[0.3, 0.1], hidden_layer_sizes=(12, 7))
    ref, new = _fit_both(Estimator, X, y, **params)
    _assert_same(ref, new, X, F64_RTOL if dtype == np.float64 else F32_RTOL)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", ["auto", *SOLVERS])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_regression(n_targets, solver, dtype):
    # solver='auto' trains the mean squared error (its delta divided by the
    # outputs), an explicit solver MLPRegressor's squared error.
    X, y = make_regression(150, 5, n_targets=n_targets, noise=1.0, random_state=0)
    sw = np.random.default_rng(1).uniform(0.5, 1.5, X.shape[0])
    ref, new = _fit_both(BareMLPRegressor, X.astype(dtype), y, sw, solver=solver)
    rtol = F64_RTOL if dtype == np.float64 else F32_RTOL
    _assert_same(ref, new, X.astype(dtype), rtol)


@needs_numba
@pytest.mark.parametrize(
    "Estimator, params",
    [
        (BareMLPClassifier, {"loss": "squared_error"}),
        (BareMLPRegressor, {"loss": "poisson"}),
    ],
)
def test_pairs_without_a_fused_kernel_run_numpys_code(Estimator, params):
    X, y = _classification("multiclass", np.float64)
    y = y if Estimator is BareMLPClassifier else y + 1.0
    ref, new = _fit_both(Estimator, X, y, solver="adam", **params)
    _assert_same(ref, new, X, F64_RTOL)


@needs_numba
def test_sparse_input_and_no_hidden_layer():
    X, y = _classification("multiclass", np.float64)
    X[np.abs(X) < 0.7] = 0
    for sizes in [(), (9,)]:
        ref, new = _fit_both(
            BareMLPClassifier,
            scipy.sparse.csr_matrix(X),
            y,
            solver="adam",
            hidden_layer_sizes=sizes,
        )
        _assert_same(ref, new, scipy.sparse.csr_matrix(X), F64_RTOL)


@needs_numba
def test_optimizer_state_carries_over_between_engines():
    # The numba optimizers keep the NumPy ones' state: partial_fit may switch.
    X, y = _classification("multiclass", np.float64)
    ref = BareMLPClassifier(solver="adam", engine="numpy", random_state=0)
    mixed = BareMLPClassifier(solver="adam", engine="numba", random_state=0)
    for est in (ref, mixed):
        est.partial_fit(X, y, classes=[0, 1, 2])
    mixed.set_params(engine="numpy")
    for est in (ref, mixed):
        est.partial_fit(X, y)
    assert mixed.engine_ == "numpy"
    _assert_same(ref, mixed, X, F64_RTOL)


# ----------------------------------------------------------------- no numba


def _without_numba(monkeypatch):
    monkeypatch.setattr(_numba, "available", lambda: False)
    monkeypatch.setattr(
        _numba, "unavailable_reason", lambda: "numba cannot be imported: test"
    )


def test_numba_without_numba_is_an_error_naming_the_extra(monkeypatch):
    _without_numba(monkeypatch)
    X, y = _classification("binary", np.float64)
    with pytest.raises(ValueError, match=r'pip install "skbareback\[fast\]"') as err:
        BareMLPClassifier(engine="numba", max_iter=2).fit(X, y)
    assert "numba cannot be imported: test" in str(err.value)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_auto_rule(solver, monkeypatch):
    X, y = _classification("binary", np.float64)
    params = dict(solver=solver, max_iter=2, hidden_layer_sizes=(10,))
    # The rule's threshold set here, not the module's (which conftest's
    # --auto-engine may have moved): rows x units just below it, NumPy.
    monkeypatch.setattr(_engines, "AUTO_MIN_ROWS_X_UNITS", X.shape[0] * 10 + 1)
    assert BareMLPClassifier(**params).fit(X, y).engine_ == "numpy"
    # Large enough: numba, where it imports.
    monkeypatch.setattr(_engines, "AUTO_MIN_ROWS_X_UNITS", X.shape[0] * 10)
    large = BareMLPClassifier(**params).fit(X, y)
    assert large.engine_ == ("numba" if _numba.available() else "numpy")
    small = dict(params, hidden_layer_sizes=(9,))
    assert BareMLPClassifier(**small).fit(X, y).engine_ == "numpy"
    _without_numba(monkeypatch)
    assert BareMLPClassifier(**params).fit(X, y).engine_ == "numpy"


def test_engine_is_validated():
    X, y = _classification("binary", np.float64)
    with pytest.raises(ValueError, match="engine must be one of"):
        BareMLPClassifier(engine="cuda").fit(X, y)


def test_a_numba_model_predicts_without_numba(monkeypatch):
    X, y = _classification("multiclass", np.float64)
    clf = BareMLPClassifier(solver="adam", max_iter=3, random_state=0, engine="numpy")
    expected = clf.fit(X, y).predict_proba(X)
    clf.engine_ = "numba"
    _without_numba(monkeypatch)
    np.testing.assert_array_equal(clf.predict_proba(X), expected)


def test_numpy_fits_never_import_numba():
    code = (
        "import sys, numpy as np\n"
        "from skbareback import BareMLPClassifier\n"
        "X = np.random.RandomState(0).normal(size=(300, 4))\n"
        "for solver in ('adam', 'lbfgs'):\n"
        "    BareMLPClassifier(solver=solver, max_iter=5).fit(X, X[:, 0] > 0)\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------- the compiled epoch
# Network.train_epoch, NumPy's loop against the numba engine's one compiled
# call per epoch (_numba_epoch), on every covered combination.

OUTPUT_PAIRS = [
    ("softmax", "log_loss"),
    ("logistic", "log_loss"),
    ("identity", "squared_error"),
    ("identity", "mean_squared_error"),
]
OPTIMIZER_PARAMS = {
    "adam": dict(learning_rate_init=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    "sgd": dict(
        learning_rate_init=0.05,
        learning_rate="invscaling",
        momentum=0.9,
        nesterovs_momentum=False,
        power_t=0.5,
    ),
    "nesterov": dict(
        learning_rate_init=0.05,
        learning_rate="constant",
        momentum=0.8,
        nesterovs_momentum=True,
        power_t=0.5,
    ),
}


@pytest.fixture
def compiled_calls(monkeypatch):
    """Count the compiled epochs the numba engine runs."""
    from skbareback import _numba_epoch

    calls, epoch = [], _numba_epoch._epoch

    def counted(*args):
        calls.append(1)
        return epoch(*args)

    monkeypatch.setattr(_numba_epoch, "_epoch", counted)
    return calls


def _train_epochs(engine, pair, activation, dtype, weighted, fit_intercept, solver):
    """Three epochs of ``Network.train_epoch``: ``(batch losses, params, state)``."""
    from skbareback import _engine_numba
    from skbareback._network import Network, Workspace
    from skbareback._optimizers import OPTIMIZERS

    numba_engine = engine == "numba"
    rs = np.random.RandomState(0)
    n, k = 101, 3
    X = rs.normal(size=(n, 5)).astype(dtype)
    if pair[1] == "log_loss":
        Y = rs.uniform(size=(n, k)) < 0.4
        if pair[0] == "softmax":
            Y = np.eye(k, dtype=bool)[rs.randint(k, size=n)]
    else:
        Y = rs.normal(size=(n, k)).astype(dtype)
    sw = rs.uniform(0.3, 2.0, n) if weighted else None
    Net = _engine_numba.NumbaNetwork if numba_engine else Network
    net = Net([5, 8, 6, k], activation, *pair, 1e-3, fit_intercept)
    params = net.init_params(np.random.RandomState(1), "glorot", dtype)
    opts = _engine_numba.OPTIMIZERS if numba_engine else OPTIMIZERS
    opt = opts["adam" if solver == "adam" else "sgd"](
        net.n_params, dtype, **OPTIMIZER_PARAMS[solver]
    )
    ws, grad, losses = Workspace(net, 20, dtype), np.empty_like(params), []
    # The first epoch in X's order, the others shuffled (the compiled epoch
    # gathers each batch's rows, NumPy's loop copies X in the new order).
    shuffles = np.random.RandomState(2)
    for epoch in range(3):
        order = None if epoch == 0 else shuffles.permutation(n)
        swo = sw if sw is None or order is None else sw[order]
        losses += list(net.train_epoch(params, grad, X, Y, swo, ws, opt, 20, order))
        opt.iteration_ends((epoch + 1) * n)
    return np.array(losses), params, opt.state


@needs_numba
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "nesterov"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pair", OUTPUT_PAIRS, ids="-".join)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_compiled_epoch_matches_numpys_loop(
    activation, pair, dtype, solver, weighted, fit_intercept, compiled_calls
):
    args = (pair, activation, dtype, weighted, fit_intercept, solver)
    ref_losses, ref_params, ref_state = _train_epochs("numpy", *args)
    losses, params, state = _train_epochs("numba", *args)
    assert len(compiled_calls) == 3
    rtol = F64_RTOL if dtype == np.float64 else F32_RTOL
    np.testing.assert_allclose(losses, ref_losses, rtol=rtol)
    np.testing.assert_allclose(
        params, ref_params, rtol=rtol, atol=rtol * np.abs(ref_params).max()
    )
    if not fit_intercept:
        assert not params[-(3 + 6 + 8) :].any()
    for key, value in ref_state.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_allclose(state[key], value, rtol=rtol, atol=rtol)
        else:
            assert state[key] == value and type(state[key]) is type(value)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "Estimator, params",
    [
        (BareMLPClassifier, dict(solver="adam", shuffle=False)),
        (BareMLPClassifier, dict(solver="sgd", learning_rate="adaptive", tol=0.5)),
        (BareMLPClassifier, dict(solver="sgd", hidden_layer_sizes=(), alpha=0.1)),
        (BareMLPRegressor, dict(solver="adam", hidden_layer_sizes=(9, 8, 7))),
        (BareMLPRegressor, dict(solver="sgd", batch_size=64, fit_intercept=False)),
    ],
)
def test_fits_run_the_compiled_epoch(Estimator, params, dtype, compiled_calls):
    if Estimator is BareMLPClassifier:
        X, y = _classification("multiclass", dtype, n=150)
    else:
        X, y = make_regression(150, 6, n_targets=2, random_state=0)
        X = X.astype(dtype)
    ref, new = _fit_both(Estimator, X, y, **params, n_iter_no_change=2)
    assert len(compiled_calls) == new.n_iter_
    _assert_same(ref, new, X, F64_RTOL if dtype == np.float64 else F32_RTOL)


@needs_numba
@pytest.mark.parametrize(
    "Estimator, params, data",
    [
        (BareMLPClassifier, dict(dropout=0.2), "dense"),
        (BareMLPClassifier, dict(loss="squared_error"), "dense"),
        (BareMLPRegressor, dict(loss="poisson"), "dense"),
        (BareMLPClassifier, {}, "sparse"),
        (BareMLPClassifier, dict(shuffle=False), "fortran"),
    ],
)
def test_uncovered_epochs_run_numpys_loop(Estimator, params, data, compiled_calls):
    X, y = _classification("multiclass", np.float64)
    y = y if Estimator is BareMLPClassifier else y + 1.0
    if data == "sparse":
        X[np.abs(X) < 0.7] = 0
        X = scipy.sparse.csr_matrix(X)
    elif data == "fortran":
        X = np.asfortranarray(X)
    ref, new = _fit_both(Estimator, X, y, solver="adam", **params)
    assert not compiled_calls
    _assert_same(ref, new, X, F64_RTOL)


@pytest.mark.parametrize("engine", ["numpy", pytest.param("numba", marks=needs_numba)])
def test_a_non_finite_batch_loss_stops_the_epoch(engine):
    # The epoch stops at the batch, before its step: same error either way.
    X, y = make_regression(400, 4, random_state=0)
    reg = BareMLPRegressor(
        solver="sgd",
        learning_rate_init=1e6,
        engine=engine,
        scale_target=False,
        random_state=0,
    )
    with pytest.raises(ValueError, match="Training diverged: the loss reached inf"):
        reg.fit(X, y * 1e150)
