"""skbareback: scikit-learn compatible multilayer perceptrons in plain NumPy."""

from ._classifier import BareMLPClassifier
from ._regressor import BareMLPRegressor

# The public names, which pickle and skops record: a user's list of trusted
# types must not break when a class moves between private modules.
BareMLPClassifier.__module__ = __name__
BareMLPRegressor.__module__ = __name__

__all__ = ["BareMLPClassifier", "BareMLPRegressor"]
__version__ = "0.1.0"
