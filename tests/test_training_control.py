"""Training control and safety: class weights, early stopping on a chosen
score, callbacks, decision_function, divergence, transactional fits, hygiene."""

import importlib.util
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import GridSearchCV
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from skbareback import BareMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
needs_callbacks = pytest.mark.sklearn_min("1.9", "sklearn.callback is tested")


@pytest.fixture(scope="module")
def imbalanced():
    return make_classification(300, 6, weights=[0.85, 0.15], random_state=0)


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_balanced_class_weight_is_balanced_sample_weight(imbalanced, solver):
    X, y = imbalanced
    kw = dict(solver=solver, max_iter=15, random_state=0, hidden_layer_sizes=(8,))
    a = BareMLPClassifier(class_weight="balanced", **kw).fit(X, y)
    b = BareMLPClassifier(**kw).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_class_weight_multiplies_sample_weight(imbalanced):
    X, y = imbalanced
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y))
    kw = dict(max_iter=15, random_state=0, hidden_layer_sizes=(8,))
    a = BareMLPClassifier(class_weight={0: 1.0, 1: 3.0}, **kw).fit(
        X, y, sample_weight=sw
    )
    b = BareMLPClassifier(**kw).fit(X, y, sample_weight=sw * np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-12)


def test_class_weight_raises_minority_recall(imbalanced):
    X, y = imbalanced
    kw = dict(hidden_layer_sizes=(4,), alpha=1.0, random_state=0)
    plain = BareMLPClassifier(**kw).fit(X, y)
    weighted = BareMLPClassifier(class_weight="balanced", **kw).fit(X, y)
    assert recall_score(y, weighted.predict(X)) > recall_score(y, plain.predict(X))


def test_partial_fit_class_weight_rules(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        BareMLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=y)
    clf = BareMLPClassifier(class_weight=dict(enumerate(weights)), random_state=0)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1]).partial_fit(X[100:], y[100:])
    assert clf.n_iter_ == 1 and clf.t_ == len(y)


@pytest.mark.parametrize(
    "class_weight, match",
    [({0: 1.0, 7: 2.0}, "not classes of y"), ("heavy", "class_weight must be")],
)
def test_bad_class_weight(imbalanced, class_weight, match):
    with pytest.raises(ValueError, match=match):
        BareMLPClassifier(class_weight=class_weight).fit(*imbalanced)


def test_scoring_loss_restores_the_best_validation_loss(imbalanced):
    X, y = imbalanced
    X_val, y_val = make_classification(120, 6, weights=[0.85, 0.15], random_state=1)
    clf = BareMLPClassifier(
        solver="adam",
        early_stopping=True,
        scoring="loss",
        n_iter_no_change=3,
        learning_rate_init=0.05,
        max_iter=200,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    np.testing.assert_allclose(
        clf.validation_scores_, -np.array(clf.validation_loss_curve_)
    )
    assert len(clf.validation_loss_curve_) == len(clf.loss_curve_) == clf.n_iter_
    assert clf.n_iter_ < 200  # it stopped early
    best = log_loss(y_val, clf.predict_proba(X_val))
    assert best == pytest.approx(-clf.best_validation_score_, rel=1e-9)
    assert best == pytest.approx(min(clf.validation_loss_curve_), rel=1e-9)


def test_validation_loss_is_sklearn_log_loss(imbalanced):
    X, y = imbalanced
    X_val, y_val = X[:60], y[:60]
    clf = BareMLPClassifier(solver="sgd", max_iter=1, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=np.arange(60) + 1.0)
    expected = log_loss(
        y_val, clf.predict_proba(X_val), sample_weight=np.arange(60) + 1.0
    )
    assert clf.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("scoring", ["roc_auc", "balanced_accuracy", "callable"])
def test_scoring_by_name_or_callable(imbalanced, scoring):
    X, y = imbalanced
    if scoring == "callable":

        def scoring(est, X, y):
            return -np.mean(est.predict(X) != y)

    clf = BareMLPClassifier(
        solver="adam", early_stopping=True, scoring=scoring, max_iter=20, random_state=0
    ).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_default_scoring_is_validation_accuracy(imbalanced):
    X, y = imbalanced
    clf = BareMLPClassifier(solver="adam", max_iter=3, random_state=0)
    clf.fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    assert clf.validation_scores_[-1] == pytest.approx(clf.score(X[200:], y[200:]))
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_x_val_replaces_the_internal_split(imbalanced):
    X, y = imbalanced
    kw = dict(solver="adam", early_stopping=True, max_iter=5, random_state=0)
    internal = BareMLPClassifier(**kw).fit(X, y)
    supplied = BareMLPClassifier(**kw).fit(X, y, X_val=X[:50], y_val=y[:50])
    # Training on all 300 samples, not 90% of them.
    assert supplied.t_ == 5 * 300 and internal.t_ == 5 * 270


def test_validation_set_errors(imbalanced):
    X, y = imbalanced
    clf = BareMLPClassifier(solver="adam", max_iter=2)
    with pytest.raises(ValueError, match="X_val and y_val must be passed together"):
        clf.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y, X_val=X[:, :2], y_val=y)
    with pytest.raises(ValueError, match="not in `classes_`"):
        clf.fit(X, y, X_val=X, y_val=y + 2)


def test_lbfgs_warns_that_it_ignores_early_stopping(imbalanced):
    with pytest.warns(
        UserWarning, match="early_stopping=True is ignored by solver='lbfgs'"
    ):
        BareMLPClassifier(solver="lbfgs", early_stopping=True, max_iter=5).fit(
            *imbalanced
        )


def test_lbfgs_records_a_validation_curve(imbalanced):
    X, y = imbalanced
    clf = BareMLPClassifier(solver="lbfgs", max_iter=10, random_state=0)
    clf.fit(X, y, X_val=X[:40], y_val=y[:40])
    assert len(clf.validation_loss_curve_) == len(clf.loss_curve_) == clf.n_iter_


@needs_callbacks
def test_scoring_monitor_logs_one_score_per_epoch(imbalanced):
    from sklearn import callback

    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = BareMLPClassifier(solver="adam", max_iter=4, random_state=0)
    clf.set_callbacks(monitor).fit(*imbalanced)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert len(epochs) == 4
    assert epochs[-1]["accuracy"] == pytest.approx(clf.score(*imbalanced))


@needs_callbacks
def test_scoring_monitor_follows_lbfgs_iterations(imbalanced):
    from sklearn import callback

    monitor = callback.ScoringMonitor(scoring="neg_log_loss")
    clf = BareMLPClassifier(solver="lbfgs", max_iter=6, random_state=0)
    clf.set_callbacks(monitor).fit(*imbalanced)
    epochs = [r for r in monitor.get_logs().data if r["task_name"] == "epoch"]
    assert len(epochs) == clf.n_iter_


@needs_callbacks
def test_progress_bar_shows_training(imbalanced, capsys):
    from sklearn import callback

    clf = BareMLPClassifier(solver="adam", max_iter=3, random_state=0)
    clf.set_callbacks(callback.ProgressBar()).fit(*imbalanced)
    assert "BareMLPClassifier" in capsys.readouterr().out


def test_set_callbacks_exists_exactly_with_sklearn_callback():
    # Before scikit-learn 1.9 there is no sklearn.callback, and no
    # set_callbacks to call: fit runs with the do-nothing context.
    has_callback_api = importlib.util.find_spec("sklearn.callback") is not None
    assert hasattr(BareMLPClassifier(), "set_callbacks") == has_callback_api


def test_verbose_prints_every_epoch(imbalanced, capsys):
    BareMLPClassifier(solver="sgd", max_iter=3, verbose=True).fit(*imbalanced)
    lines = [
        ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Iteration")
    ]
    assert len(lines) == 3


def test_decision_function_is_the_logits(imbalanced):
    X, y = imbalanced
    clf = BareMLPClassifier(random_state=0, max_iter=20).fit(X, y)
    z = clf.decision_function(X)
    assert z.shape == (len(y),)
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), clf.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(clf.classes_[(z > 0).astype(int)], clf.predict(X))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_is_an_error(imbalanced, solver):
    with pytest.raises(
        ValueError, match=r"Training diverged.*Lower learning_rate_init"
    ):
        BareMLPClassifier(solver=solver, learning_rate_init=1e6, random_state=0).fit(
            *imbalanced
        )


def test_divergence_fails_one_grid_search_candidate(imbalanced):
    grid = GridSearchCV(
        BareMLPClassifier(solver="sgd", max_iter=20, random_state=0),
        {"learning_rate_init": [0.01, 1e6]},
        cv=2,
        error_score=np.nan,
    )
    with pytest.warns(FitFailedWarning):
        grid.fit(*imbalanced)
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert grid.best_params_ == {"learning_rate_init": 0.01}


def _failures(X, y):
    return {
        "features": (X[:, :3], y, None),
        "negative weight": (X, y, -np.ones(len(y))),
        "nan weight": (X, y, np.full(len(y), np.nan)),
        "unknown class": (X, y + 5, None),
        "nan input": (np.where(X > 2, np.nan, X), y, None),
    }


@pytest.mark.parametrize("failure", list(_failures(np.zeros((1, 6)), np.zeros(1))))
@pytest.mark.parametrize("how", ["warm_start fit", "partial_fit"])
def test_failed_fit_leaves_the_model_untouched(imbalanced, failure, how):
    X, y = imbalanced
    clf = BareMLPClassifier(solver="sgd", max_iter=5, random_state=0, warm_start=True)
    clf.fit(X, y)
    before = clf.predict_proba(X)
    state = {k: v for k, v in vars(clf).items()}
    X_bad, y_bad, sw = _failures(X, y)[failure]
    method = clf.fit if how == "warm_start fit" else clf.partial_fit
    with pytest.raises(ValueError):
        method(X_bad, y_bad, sample_weight=sw)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert vars(clf).keys() == state.keys()
    assert clf.loss_curve_ == state["loss_curve_"]


@pytest.mark.parametrize("warm_start", [False, True])
def test_diverged_fit_leaves_the_model_untouched(imbalanced, warm_start):
    X, y = imbalanced
    clf = BareMLPClassifier(
        solver="sgd", max_iter=5, random_state=0, warm_start=warm_start
    )
    clf.fit(X, y)
    before, n_iter = clf.predict_proba(X), clf.n_iter_
    clf.set_params(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="diverged"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.n_iter_ == n_iter


@pytest.mark.parametrize(
    "sample_weight, match",
    [(-1.0, "non-negative"), (np.nan, "finite"), (np.inf, "finite"), (0.0, "all zero")],
)
def test_bad_sample_weight(imbalanced, sample_weight, match):
    X, y = imbalanced
    sw = np.ones(len(y))
    sw[:3] = sample_weight if sample_weight else 1.0
    if sample_weight == 0.0:
        sw[:] = 0.0
    with pytest.raises(ValueError, match=match):
        BareMLPClassifier().fit(X, y, sample_weight=sw)


def test_scalar_sample_weight_weighs_every_sample(imbalanced):
    X, y = imbalanced
    params = dict(solver="sgd", max_iter=3, random_state=0)
    scalar = BareMLPClassifier(**params).fit(X, y, sample_weight=2.0)
    full = BareMLPClassifier(**params).fit(X, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_array_equal(scalar.predict_proba(X), full.predict_proba(X))
    assert scalar.loss_curve_ == full.loss_curve_


@pytest.mark.parametrize("sample_weight", [["heavy"], [{"w": 1}]])
def test_non_numeric_sample_weight_is_a_type_error(imbalanced, sample_weight):
    X, y = imbalanced
    with pytest.raises(TypeError, match="sample_weight must be numeric, got dtype"):
        BareMLPClassifier().fit(X, y, sample_weight=sample_weight * len(y))


def test_single_class_needs_two(imbalanced):
    X, _ = imbalanced
    with pytest.raises(ValueError, match="at least 2 classes"):
        BareMLPClassifier().fit(X, np.ones(len(X)))
    clf = BareMLPClassifier(random_state=0).partial_fit(
        X, np.ones(len(X)), classes=[0, 1]
    )
    assert clf.predict_proba(X).shape == (len(X), 2)


@pytest.mark.parametrize("scale", [1e300, -1e300])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_huge_logits_give_finite_probabilities(scale, n_classes):
    X, y = make_classification(
        60, 4, n_informative=3, n_redundant=0, n_classes=n_classes, random_state=0
    )
    clf = BareMLPClassifier(hidden_layer_sizes=(), random_state=0, max_iter=5).fit(X, y)
    clf.coefs_[0][...] = scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(np.abs(X) + 1)
        log_proba = clf.predict_log_proba(np.abs(X) + 1)
    assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)


def test_no_convergence_warning_flood_on_divergence(imbalanced):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            BareMLPClassifier(solver="sgd", learning_rate_init=1e9).fit(*imbalanced)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
