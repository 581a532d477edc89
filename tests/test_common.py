"""scikit-learn's full estimator check suite, one pytest item per check.

The array API checks come one per namespace and device that scikit-learn
knows; those whose library (or device) this machine lacks are left out here,
by what CI installs, rather than collected and skipped.
"""

import importlib
import importlib.util

import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from skbareback import BareMLPClassifier, BareMLPRegressor
from skbareback._xp_compat import array_api_compat


def _spaces(check):
    """The ``(namespace, device)`` pairs an array API check asks for."""
    keywords = getattr(check, "keywords", {})
    spaces = [(keywords.get("array_namespace"), keywords.get("device_name"))]
    # check_array_api_mixed_inputs names its two spaces as NamespaceAndDevice.
    spaces += [(v.xp, v.device) for v in keywords.values() if hasattr(v, "xp")]
    return [(xp, device) for xp, device in spaces if xp is not None]


def _here(namespace, device):
    # Every namespace, NumPy's too, goes through array_api_compat, which
    # scikit-learn 1.6 does not vendor.
    if array_api_compat is None:
        return False
    if namespace == "numpy":
        return True
    if importlib.util.find_spec(namespace) is None:
        return False
    if namespace != "torch" or device in (None, "cpu"):
        return True
    backend = getattr(importlib.import_module("torch"), device, None)
    return backend is not None and backend.is_available()


def _runnable(check):
    """Whether the libraries and devices an array API check asks for are here."""
    return all(_here(*space) for space in _spaces(check))


def _name(check):
    keywords = getattr(check, "keywords", {})
    func = getattr(check, "func", check)
    args = ",".join(f"{k}={v}" for k, v in keywords.items())
    return f"{func.__name__}({args})" if args else func.__name__


CHECKS = [
    (estimator, check)
    for est in (BareMLPClassifier(), BareMLPRegressor())
    for estimator, check in estimator_checks_generator(est, mark=None)
    if _runnable(check)
]


@pytest.mark.parametrize(
    "estimator, check",
    CHECKS,
    ids=[f"{type(e).__name__}-{_name(c)}" for e, c in CHECKS],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_every_check_a_missing_library_leaves_out_is_an_array_api_check():
    left_out = [
        check
        for est in (BareMLPClassifier(), BareMLPRegressor())
        for _, check in estimator_checks_generator(est, mark=None)
        if not _runnable(check)
    ]
    assert all(_spaces(check) for check in left_out)
    assert len(CHECKS) > 100


def test_tags_say_what_the_estimators_fit():
    # As MLPClassifier's: multilabel indicators, not multiclass-multioutput.
    classifier = BareMLPClassifier().__sklearn_tags__()
    assert classifier.classifier_tags.multi_label
    assert not classifier.target_tags.multi_output
    assert BareMLPRegressor().__sklearn_tags__().target_tags.multi_output
    # So scikit-learn's multilabel checks are among those run above.
    ran = {_name(c) for e, c in CHECKS if isinstance(e, BareMLPClassifier)}
    multilabel = {name for name in ran if "multilabel" in name}
    assert len(multilabel) == 4, multilabel
