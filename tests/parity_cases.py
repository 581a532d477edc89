"""Parametrizations shared by the parity tests of both estimators."""

import pytest

# Parity must hold whichever tanh form the CPU picks: tanh runs with each form
# forced in turn (conftest's tanh_form), the other activations as they are.
ACTIVATIONS = pytest.mark.parametrize(
    ("activation", "tanh_form"),
    [
        ("identity", None),
        ("logistic", None),
        ("tanh", "native"),
        ("tanh", "exp"),
        ("relu", None),
    ],
    indirect=["tanh_form"],
)
