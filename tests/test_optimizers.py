"""Each optimizer step against its hand formula, and the schedule protocol."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skbareback._optimizers import OPTIMIZERS, SGD, Adam

N_PARAMS = 7
LR = 0.05


def params_and_grads(n_steps, dtype=np.float64, seed=0):
    rs = np.random.RandomState(seed)
    params = rs.normal(size=N_PARAMS).astype(dtype)
    grads = [rs.normal(scale=2.0, size=N_PARAMS).astype(dtype) for _ in range(n_steps)]
    return params, grads


def make_sgd(momentum=0.9, nesterov=True, schedule="constant", dtype=np.float64):
    return SGD(
        N_PARAMS,
        dtype,
        learning_rate_init=LR,
        learning_rate=schedule,
        momentum=momentum,
        nesterovs_momentum=nesterov,
        power_t=0.5,
    )


def make_adam(dtype=np.float64, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return Adam(
        N_PARAMS,
        dtype,
        learning_rate_init=LR,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
    )


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_two_steps_match_hand_formula(momentum, nesterov):
    params, grads = params_and_grads(2)
    expected, velocity = params.copy(), np.zeros(N_PARAMS)
    opt = make_sgd(momentum, nesterov)
    for grad in grads:
        velocity = momentum * velocity - LR * grad
        if nesterov:
            # Look ahead: one more momentum step from the new velocity.
            expected = expected + momentum * velocity - LR * grad
        else:
            expected = expected + velocity
        opt.step(params, grad)
        assert_allclose(params, expected, rtol=1e-12)
        assert_allclose(opt.state["velocity"], velocity, rtol=1e-12)


@pytest.mark.parametrize("beta_1, beta_2", [(0.9, 0.999), (0.5, 0.8)])
def test_adam_two_steps_match_hand_formula(beta_1, beta_2):
    params, grads = params_and_grads(2)
    eps = 1e-8
    expected, m, v = params.copy(), np.zeros(N_PARAMS), np.zeros(N_PARAMS)
    opt = make_adam(beta_1=beta_1, beta_2=beta_2, epsilon=eps)
    for t, grad in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad**2
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        # The folded form adds epsilon to sqrt(v) before the bias correction:
        # the textbook update with epsilon scaled by 1 / sqrt(1 - beta_2**t).
        eps_hat = eps / np.sqrt(1 - beta_2**t)
        expected = expected - LR * m_hat / (np.sqrt(v_hat) + eps_hat)
        opt.step(params, grad)
        assert_allclose(params, expected, rtol=1e-12)
        assert opt.state["t"] == t
        assert_allclose(opt.state["m"], m, rtol=1e-12)
        assert_allclose(opt.state["v"], v, rtol=1e-12)
        lr_t = LR * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        assert_allclose(opt.state["learning_rate"], lr_t, rtol=1e-12)


def test_adam_first_step_moves_every_param_by_about_lr():
    # With zero moments the bias-corrected first step is lr * sign(grad).
    params, (grad,) = params_and_grads(1)
    start = params.copy()
    make_adam().step(params, grad)
    assert_allclose(params - start, -LR * np.sign(grad), rtol=1e-5)


@pytest.mark.parametrize(
    "solver, kwargs",
    [
        ("sgd", dict(momentum=0.9, nesterovs_momentum=True, learning_rate="constant")),
        ("sgd", dict(momentum=0.5, nesterovs_momentum=False, learning_rate="constant")),
        (
            "sgd",
            dict(momentum=0.9, nesterovs_momentum=True, learning_rate="invscaling"),
        ),
        ("adam", dict(beta_1=0.9, beta_2=0.999, epsilon=1e-8)),
    ],
)
def test_steps_match_sklearn_optimizers(solver, kwargs):
    params, grads = params_and_grads(6)
    theirs = [params.copy()]
    if solver == "sgd":
        oracle = SGDOptimizer(
            theirs,
            learning_rate_init=LR,
            lr_schedule=kwargs["learning_rate"],
            momentum=kwargs["momentum"],
            nesterov=kwargs["nesterovs_momentum"],
            power_t=0.5,
        )
        kwargs = dict(kwargs, power_t=0.5)
    else:
        oracle = AdamOptimizer(theirs, learning_rate_init=LR, **kwargs)
    ours = OPTIMIZERS[solver](N_PARAMS, np.float64, learning_rate_init=LR, **kwargs)
    for t, grad in enumerate(grads):
        ours.step(params, grad)
        oracle.update_params(theirs, [grad])
        ours.iteration_ends(t)
        oracle.iteration_ends(t)
        assert_allclose(params, theirs[0], rtol=1e-12)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_state_handed_to_a_new_optimizer_continues_the_run(solver):
    make = make_sgd if solver == "sgd" else make_adam
    params, grads = params_and_grads(3)
    resumed = params.copy()
    one_run = make()
    for grad in grads:
        one_run.step(params, grad)
    first = make()
    first.step(resumed, grads[0])
    second = OPTIMIZERS[solver](
        N_PARAMS,
        np.float64,
        state=first.state,
        **{
            "learning_rate_init": LR,
            "learning_rate": "constant",
            "momentum": 0.9,
            "nesterovs_momentum": True,
            "power_t": 0.5,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-8,
        },
    )
    for grad in grads[1:]:
        second.step(resumed, grad)
    assert_array_equal(resumed, params)


@pytest.mark.parametrize("make", [make_sgd, make_adam], ids=["sgd", "adam"])
def test_float32_params_are_updated_in_place_and_stay_float32(make):
    params32, grads32 = params_and_grads(2, np.float32)
    params64 = params32.astype(np.float64)
    opt32, opt64 = make(dtype=np.float32), make(dtype=np.float64)
    before = params32.copy()
    buffer = params32
    for grad in grads32:
        opt32.step(params32, grad)
        opt64.step(params64, grad.astype(np.float64))
    assert params32 is buffer
    assert params32.dtype == np.float32
    assert not np.array_equal(params32, before)
    for value in opt32.state.values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32
    assert_allclose(params32, params64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
def test_invscaling_decays_learning_rate(power_t):
    opt = make_sgd(schedule="invscaling")
    opt.power_t = power_t
    for t in [0, 1, 2, 9, 99]:
        opt.iteration_ends(t)
        assert opt.state["learning_rate"] == pytest.approx(
            LR / (t + 1) ** power_t, rel=1e-15
        )


def test_invscaling_rate_is_used_by_the_next_step():
    params, (grad,) = params_and_grads(1)
    expected = params - LR / 4**0.5 * grad
    opt = make_sgd(momentum=0.0, nesterov=False, schedule="invscaling")
    opt.iteration_ends(3)
    opt.step(params, grad)
    assert_allclose(params, expected, rtol=1e-12)


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_other_schedules_keep_learning_rate_at_epoch_end(schedule):
    opt = make_sgd(schedule=schedule)
    for t in range(5):
        opt.iteration_ends(t)
    assert opt.state["learning_rate"] == LR


def test_adam_iteration_ends_changes_nothing():
    opt = make_adam()
    opt.iteration_ends(10)
    assert opt.state["t"] == 0
    assert opt.state["learning_rate"] == LR


def test_adaptive_divides_by_five_until_too_small():
    opt = make_sgd(schedule="adaptive")
    lr, n_false = LR, 0
    while lr > 1e-6:
        assert opt.trigger_stopping("Stalled.", verbose=False) is False
        lr /= 5.0
        n_false += 1
        assert opt.state["learning_rate"] == pytest.approx(lr, rel=1e-15)
    # 0.05 / 5**7 = 6.4e-7 is the first rate at or below 1e-6.
    assert n_false == 7
    assert opt.trigger_stopping("Stalled.", verbose=False) is True
    assert opt.state["learning_rate"] == pytest.approx(lr, rel=1e-15)


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_non_adaptive_sgd_stops_at_once(schedule):
    opt = make_sgd(schedule=schedule)
    assert opt.trigger_stopping("Stalled.", verbose=False) is True
    assert opt.state["learning_rate"] == LR


def test_adam_stops_at_once():
    assert make_adam().trigger_stopping("Stalled.", verbose=False) is True


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: make_sgd(schedule="constant"), "Stalled. Stopping.\n"),
        (lambda: make_sgd(schedule="invscaling"), "Stalled. Stopping.\n"),
        (make_adam, "Stalled. Stopping.\n"),
        (
            lambda: make_sgd(schedule="adaptive"),
            "Stalled. Setting learning rate to 0.010000\n",
        ),
    ],
    ids=["constant", "invscaling", "adam", "adaptive"],
)
def test_trigger_stopping_messages(capsys, make, expected):
    opt = make()
    opt.trigger_stopping("Stalled.", verbose=True)
    assert capsys.readouterr().out == expected
    opt.trigger_stopping("Stalled.", verbose=False)
    assert capsys.readouterr().out == ""


def test_adaptive_message_when_learning_rate_too_small(capsys):
    opt = make_sgd(schedule="adaptive")
    opt.state["learning_rate"] = 1e-6
    assert opt.trigger_stopping("Stalled.", verbose=True) is True
    assert capsys.readouterr().out == ("Stalled. Learning rate too small. Stopping.\n")
