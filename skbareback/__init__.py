"""skbareback: a scikit-learn compatible multilayer perceptron in plain NumPy."""

from ._classifier import BareMLPClassifier

# The public name, which pickle and skops record: a user's list of trusted
# types must not break when the class moves between private modules.
BareMLPClassifier.__module__ = __name__

__all__ = ["BareMLPClassifier"]
__version__ = "0.1.0"
