"""Performance choices keep the behaviour: tanh forms, BLAS threads, fast predict."""

import importlib.util
import os
import subprocess
import sys
import threading
import types
import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_info, threadpool_limits

from skbareback import BareMLPClassifier, _activations, _base, _threads, _training
from skbareback._network import CHUNK_BYTES, _times_transpose, chunk_rows
from skbareback._training import held_out_rows

X = np.random.RandomState(0).normal(size=(300, 5))
Y = (X[:, 0] * X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_forms_agree(dtype):
    z = np.concatenate([np.linspace(-30, 30, 2001), [-1e300, 1e300, 800.0]])
    z = (
        z.astype(dtype)
        if dtype == np.float64
        else np.clip(z, -3e38, 3e38).astype(dtype)
    )
    expected = np.tanh(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for form in (_activations.tanh_native, _activations.tanh_exp):
            out = z.copy()
            form(out)
            np.testing.assert_allclose(out, expected, atol=4 * np.finfo(dtype).eps)


@pytest.mark.parametrize("native", [True, False])
def test_tanh_dispatches_on_the_measured_choice(monkeypatch, native):
    calls = []
    monkeypatch.setitem(_activations._NATIVE_TANH, np.dtype(np.float64), native)
    monkeypatch.setattr(_activations, "tanh_native", lambda z: calls.append("native"))
    monkeypatch.setattr(_activations, "tanh_exp", lambda z: calls.append("exp"))
    _activations.tanh(np.zeros(3))
    assert calls == ["native" if native else "exp"]


def test_tanh_choice_is_forced_by_name_or_measured():
    measured = _activations._tanh_choice(None)
    assert measured == {
        np.dtype(np.float64): _activations._simd_tanh("dd"),
        np.dtype(np.float32): _activations._simd_tanh("ff"),
    }
    assert _activations._tanh_choice("") == measured
    assert set(_activations._tanh_choice("exp").values()) == {False}
    assert set(_activations._tanh_choice("native").values()) == {True}
    with pytest.raises(ValueError, match="SKBAREBACK_TANH must be one of"):
        _activations._tanh_choice("fast")


def _import_choice(**env):
    code = (
        "from skbareback import _activations as a; "
        "print(sorted(map(bool, a._NATIVE_TANH.values())))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(("form", "native"), [("exp", False), ("native", True)])
def test_environment_variable_forces_the_tanh_form_at_import(form, native):
    result = _import_choice(SKBAREBACK_TANH=form)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([native, native])


def test_environment_variable_with_a_bad_form_fails_the_import_clearly():
    result = _import_choice(SKBAREBACK_TANH="fast")
    assert result.returncode != 0
    assert "SKBAREBACK_TANH must be one of ['exp', 'native']" in result.stderr


def test_without_avx512_loops_float64_takes_the_exp_form():
    # What an AVX2 CPU sees, reproduced on any x86 machine: NumPy told not to
    # dispatch to its AVX-512 loops. (On an AVX2 CPU nothing is disabled.)
    # Under a run that already disables them, they read as absent: keep those.
    # float64's tanh is then scalar; float32's stays vectorised where the CPU
    # has AVX2 (NumPy's X86_V3 target), and the native form is kept for it.
    already = os.environ.get("NPY_DISABLE_CPU_FEATURES", "").split()
    disabled = " ".join(already + avx512_dispatch_targets())
    code = (
        "import numpy as np; from skbareback import _activations as a; "
        "print(a._NATIVE_TANH[np.dtype('f8')], a._NATIVE_TANH[np.dtype('f4')])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "NPY_DISABLE_CPU_FEATURES": disabled},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # NumPy 1 cannot say which loop it dispatches to: the exp form, for both.
    introspects = importlib.util.find_spec("numpy.lib.introspect") is not None
    avx2 = introspects and bool(dispatch_targets(("X86_V3", "AVX2")))
    assert result.stdout.split() == ["False", str(avx2)]


@pytest.mark.parametrize(
    ("loop", "current", "vectorised"),
    [
        ("dd", "X86_V4", True),
        ("dd", "AVX512_SKX", True),
        ("dd", "X86_V3", False),
        ("dd", "baseline(X86_V2)", False),
        ("ff", "X86_V4", True),
        ("ff", "X86_V3", True),
        ("ff", "AVX2", True),
        ("ff", "baseline(X86_V2)", False),
        ("ff", "ASIMD", False),
        ("ee", "X86_V4", False),
    ],
)
def test_simd_probe_reads_the_dispatched_target_by_loop(
    monkeypatch, loop, current, vectorised
):
    # A stand-in for NumPy 2's introspection module, which NumPy 1 lacks.
    introspect = types.ModuleType("numpy.lib.introspect")
    info = {"tanh": {loop: {"current": current}}}
    introspect.opt_func_info = lambda func_name: info
    monkeypatch.setitem(sys.modules, "numpy.lib.introspect", introspect)
    assert _activations._simd_tanh(loop) is vectorised


def avx512_dispatch_targets():
    """NumPy's AVX-512 dispatch targets that this CPU supports."""
    return dispatch_targets(("X86_V4", "AVX512"))


def dispatch_targets(prefixes):
    """NumPy's dispatch targets named ``prefixes`` that this CPU supports."""
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # NumPy < 2.0
        from numpy.core import _multiarray_umath as umath

    return [
        name
        for name in umath.__cpu_dispatch__
        if name.startswith(prefixes) and umath.__cpu_features__[name]
    ]


def test_simd_probe_answers_a_bool():
    assert _activations._simd_tanh("dd") in (True, False)
    assert _activations._simd_tanh("no-such-loop") is False


def _blas_threads_seen_in_fit(**params):
    seen = []

    def spy(est, X, y):
        seen.extend(
            i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
        )
        return 0.0

    clf = BareMLPClassifier(solver="adam", max_iter=2, scoring=spy, **params)
    clf.fit(X, Y, X_val=X[:20], y_val=Y[:20])
    return set(seen)


def test_fit_runs_one_blas_thread_by_default():
    with threadpool_limits(2, user_api="blas"):
        assert _blas_threads_seen_in_fit() == {1}
        assert _blas_threads_seen_in_fit(blas_threads=None) == {2}
        assert {
            i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
        } == {2}


@pytest.mark.parametrize("bad", [0, -1, 1.5, "two"])
def test_bad_blas_threads(bad):
    with pytest.raises((ValueError, TypeError), match="blas_threads"):
        BareMLPClassifier(blas_threads=bad).fit(X, Y)


@pytest.fixture(scope="module")
def fitted():
    return BareMLPClassifier(random_state=0, max_iter=20).fit(X, Y)


def test_fast_path_matches_the_validated_path(fitted):
    for n_rows in (1, 5, 300):
        rows = X[:n_rows]
        np.testing.assert_array_equal(
            fitted.predict_proba(rows), fitted.predict_proba(rows.tolist())
        )
        np.testing.assert_array_equal(
            fitted.predict(rows), fitted.predict(rows.tolist())
        )
        np.testing.assert_array_equal(
            fitted.predict(np.asfortranarray(rows)), fitted.predict(rows.tolist())
        )


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fast_path_still_rejects_non_finite_input(fitted, bad):
    rows = X[:3].copy()
    rows[1, 2] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        fitted.predict(rows)


@pytest.mark.parametrize("value", [1e300, 1e308])
def test_huge_finite_input_is_finite_or_one_clear_error(fitted, value):
    rows = np.array([[value, -value, value, 0.5, -value]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            assert np.isfinite(fitted.predict_proba(rows)).all()
        except ValueError as error:
            assert "overflowed" in str(error)


def test_fast_path_still_checks_the_width(fitted):
    with pytest.raises(ValueError, match="expecting 5 features"):
        fitted.predict(X[:2, :4])


def test_unfitted_predict_is_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        BareMLPClassifier().predict(X)


def _record_chunks(n_rows, chunk_rows):
    seen = []

    def fn(rows):
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        seen.append((rows.start, threading.get_ident(), max(blas)))

    _threads.map_chunks(fn, n_rows, chunk_rows)
    return sorted(seen)


@pytest.mark.parametrize("budget", [1, 2])
def test_chunks_share_the_process_thread_budget(budget):
    with threadpool_limits(budget, user_api="blas"):
        seen = _record_chunks(n_rows=10, chunk_rows=3)
    assert [start for start, _, _ in seen] == [0, 3, 6, 9]
    # Never more threads than BLAS was given, and each runs BLAS on one.
    assert len({thread for _, thread, _ in seen}) <= budget
    assert {blas for _, _, blas in seen} == {1}
    if budget == 1:
        assert {thread for _, thread, _ in seen} == {threading.get_ident()}


def test_a_failing_chunk_raises_in_the_caller():
    def fn(rows):
        if rows.start == 4:
            raise ZeroDivisionError("chunk 4")

    with threadpool_limits(2, user_api="blas"), pytest.raises(ZeroDivisionError):
        _threads.map_chunks(fn, 8, 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threaded_prediction_equals_one_thread(monkeypatch, dtype):
    clf = BareMLPClassifier((7, 4), solver="adam", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X.astype(dtype), Y)
    X_big = np.random.RandomState(1).normal(size=(1000, 5)).astype(dtype)
    whole = clf.predict_proba(X_big)  # one chunk
    monkeypatch.setattr(_base, "_PREDICT_CHUNK_ROWS", (64, 64))
    with threadpool_limits(1, user_api="blas"):
        expected = clf.predict_proba(X_big)
    np.testing.assert_allclose(expected, whole, rtol=10 * np.finfo(dtype).eps)
    with threadpool_limits(2, user_api="blas"):
        np.testing.assert_array_equal(clf.predict_proba(X_big), expected)


def test_overflow_in_a_worker_thread_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(_base, "_PREDICT_CHUNK_ROWS", (64, 64))
    # Identity units do not saturate, so a huge row overflows the logits.
    clf = BareMLPClassifier(activation="identity", random_state=0).fit(X, Y)
    clf.coefs_[0][:] = 10.0
    X_big = np.random.RandomState(1).normal(size=(1000, 5))
    X_big[700] = np.finfo(np.float64).max / 2
    with (
        threadpool_limits(2, user_api="blas"),
        warnings.catch_warnings(),
        pytest.raises(ValueError, match="overflowed"),
    ):
        warnings.simplefilter("error")
        clf.predict_proba(X_big)


def test_chunked_sparse_prediction_equals_dense(monkeypatch):
    monkeypatch.setattr(_base, "_PREDICT_CHUNK_ROWS", (64, 64))
    clf = BareMLPClassifier(random_state=0).fit(X, Y)
    X_sparse = scipy.sparse.csc_matrix(np.where(np.abs(X) > 1, X, 0))
    np.testing.assert_allclose(
        clf.predict_proba(X_sparse), clf.predict_proba(X_sparse.toarray()), rtol=1e-12
    )


def test_chunks_hold_about_one_mib_of_arrays_within_their_bounds():
    # 100 hidden units and 5 outputs, float64, activations and deltas.
    rows = chunk_rows((50, 100, 5), 8, (256, 8192), arrays=2)
    per_row = 2 * 105 * 8
    assert rows * per_row <= CHUNK_BYTES < (rows + 1) * per_row
    # float32 rows are twice as many; wide layers and tiny ones meet the bounds.
    assert chunk_rows((50, 100, 5), 4, (256, 8192), arrays=2) == 2 * rows
    assert chunk_rows((50, 10_000, 5), 8, (256, 8192)) == 256
    assert chunk_rows((2, 2, 1), 4, (256, 8192)) == 8192


def test_chunked_lbfgs_fit_equals_one_pass(monkeypatch):
    expected = BareMLPClassifier(solver="lbfgs", max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected.fit(X, Y)
        monkeypatch.setattr(_training, "_LBFGS_CHUNK_ROWS", (64, 64))
        chunked = BareMLPClassifier(solver="lbfgs", max_iter=30, random_state=0)
        chunked.fit(X, Y)
    assert chunked.n_iter_ == expected.n_iter_
    np.testing.assert_allclose(chunked.loss_curve_, expected.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_backward_delta_is_the_matrix_product_to_the_bit(dtype, n_outputs):
    # One output unit takes the outer-product path: it must round each
    # element as the product does, so that parity with scikit-learn holds.
    rng = np.random.default_rng(0)
    delta = rng.standard_normal((37, n_outputs)).astype(dtype)
    coef = rng.standard_normal((11, n_outputs)).astype(dtype)
    out = np.empty((37, 11), dtype=dtype)
    assert _times_transpose(delta, coef, out) is out
    np.testing.assert_array_equal(out, delta @ coef.T)


@pytest.mark.parametrize("n_samples", [2, 10, 41, 100, 1001])
@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.5, 0.9])
def test_held_out_rows_are_train_test_splits(n_samples, fraction):
    # The unstratified draw skips train_test_split's checks: the same rows,
    # and the same random state after, or the same error where it has one.
    ours, theirs = np.random.RandomState(7), np.random.RandomState(7)
    try:
        expected = train_test_split(
            np.arange(n_samples), random_state=theirs, test_size=fraction
        )
    except ValueError as error:
        with pytest.raises(ValueError, match=str(error)[:40]):
            held_out_rows(ours, n_samples, fraction)
        return
    for got, want in zip(held_out_rows(ours, n_samples, fraction), expected):
        np.testing.assert_array_equal(got, want)
    assert ours.randint(1 << 30) == theirs.randint(1 << 30)


def test_held_out_rows_stratify_as_train_test_split():
    y = np.repeat([0, 1, 2], [20, 7, 13])
    ours, theirs = np.random.RandomState(3), np.random.RandomState(3)
    got = held_out_rows(ours, 40, 0.25, stratify=y)
    rows = np.arange(40)
    want = train_test_split(rows, random_state=theirs, test_size=0.25, stratify=y)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_mean_is_numpys_to_the_bit(dtype, axis):
    from skbareback._losses import mean

    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 8, 9, 129, 1000, 4097):
        for k in (1, 3, 5):
            scale = 10.0 ** rng.uniform(-8, 8)
            x = ((rng.standard_normal((n, k)) * scale) ** 2).astype(dtype)
            for a in (x, x[::2], x.T.copy().T):
                expected, got = a.mean(axis=axis), mean(a, axis)
                assert np.asarray(got).dtype == np.asarray(expected).dtype
                np.testing.assert_array_equal(got, expected)
