"""scikit-learn's full estimator check suite, one pytest item per check."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbareback import BareMLPClassifier, BareMLPRegressor


@parametrize_with_checks([BareMLPClassifier(), BareMLPRegressor()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
