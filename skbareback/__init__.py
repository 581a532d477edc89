"""skbareback: a scikit-learn compatible multilayer perceptron in plain NumPy."""

from ._mlp import BareMLPClassifier

__all__ = ["BareMLPClassifier"]
__version__ = "0.1.0"
