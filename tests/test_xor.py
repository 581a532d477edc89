"""The network the library comes from: XOR, learned confidently."""

import numpy as np
import pytest

from skbareback import BareMLPClassifier

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("random_state", range(5))
def test_default_learns_xor_confidently(random_state):
    clf = BareMLPClassifier(random_state=random_state).fit(X_XOR, Y_XOR)
    proba = clf.predict_proba(X_XOR)
    assert np.all(proba[np.arange(4), Y_XOR] > 0.9)
    np.testing.assert_array_equal(clf.predict(X_XOR), Y_XOR)
