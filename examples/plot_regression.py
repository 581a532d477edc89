"""
Regression with BareMLPRegressor
================================

:class:`BareMLPRegressor` is the regressor on the classifier's core: it takes
MLPRegressor's parameters and, for the same hyperparameters and
``random_state``, trains MLPRegressor's model. This example fits it three
ways. First a noisy curve, with the regressor's defaults (L-BFGS on
standardised targets, stopped on the validation loss under a unit prior)
beside ``MLPRegressor()``'s. Then counts,
with ``loss='poisson'``, whose exponential output keeps the predicted means
positive. Last, three targets at once, trained by adam on a separate
validation set whose loss ``validation_loss_curve_`` records every epoch.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run with fewer epochs, and
``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the figure there instead of
in ``images/`` next to this script.
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor

from skbareback import BareMLPRegressor

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)
EPOCHS = 30 if FAST else 200

rs = np.random.RandomState(0)

# %%
# A noisy curve
# -------------
# 300 points of ``sin(3x)`` plus Gaussian noise, half for training. The
# defaults fit it with L-BFGS on 50 tanh units, stopped on the loss of a
# held-out fifth (116 iterations, no warning); ``MLPRegressor()`` with 200
# epochs of adam, which leave it under-trained (it warns, silenced here).
# The true curve itself scores 0.82 on the test half: the rest is noise.

x = np.sort(rs.uniform(-2, 2, 300))
y = np.sin(3 * x) + rs.normal(scale=0.3, size=x.size)
X_train, X_test, y_train, y_test = train_test_split(
    x[:, np.newaxis], y, test_size=0.5, random_state=0
)
curve = {
    "BareMLPRegressor()": BareMLPRegressor(random_state=0),
    "MLPRegressor()": MLPRegressor(random_state=0),
}
print("noisy sin(3x), test R^2:")
print(f"  {'the true curve':>18}: {r2_score(y_test, np.sin(3 * X_test[:, 0])):.3f}")
for name, model in curve.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    print(f"  {name:>18}: {r2_score(y_test, model.predict(X_test)):.3f}")

# %%
# Counts
# ------
# Counts drawn from a Poisson law whose mean ``exp(2.5 sin(2x))`` runs from
# 0.08 to 12. With ``loss='poisson'`` the network's output is ``exp`` of its
# last layer, a mean that is positive by construction, fitted by the Poisson
# deviance. The squared error's identity output is not kept positive, and it
# weighs every count's error alike, so the large, noisy counts pull hardest.

x_counts = np.sort(rs.uniform(-2, 2, 400))
mean = np.exp(2.5 * np.sin(2 * x_counts))
counts = rs.poisson(mean)
Xc_train, Xc_test, c_train, c_test = train_test_split(
    x_counts[:, np.newaxis], counts, test_size=0.5, random_state=0
)
poisson = {}
for loss in ["poisson", "squared_error"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BareMLPRegressor(loss=loss, random_state=0)
        poisson[loss] = model.fit(Xc_train, c_train)
true_mean = np.exp(2.5 * np.sin(2 * Xc_test[:, 0]))
print("Poisson counts, test mean Poisson deviance (lower is better):")
print(f"  {'the true mean':>21}: {mean_poisson_deviance(c_test, true_mean):.3f}")
for loss, model in poisson.items():
    # The squared error's predictions can dip below zero, where the Poisson
    # deviance is undefined: they are clipped to a small positive mean.
    pred = model.predict(Xc_test)
    deviance = mean_poisson_deviance(c_test, np.maximum(pred, 1e-3))
    print(f"  loss={loss!r:>15}: {deviance:.3f} (lowest mean {pred.min():.2f})")

# %%
# Three targets and a validation set
# ----------------------------------
# ``fit(X, y, X_val=, y_val=)`` scores a held-out set after every epoch of
# adam: ``validation_loss_curve_`` is its loss beside the training
# ``loss_curve_``, and ``validation_scores_`` its R².

X3, Y3 = make_regression(1200, 10, n_targets=3, noise=20.0, random_state=0)
Y3 = (Y3 - Y3.mean(axis=0)) / Y3.std(axis=0)
X3_train, X3_val, Y3_train, Y3_val = train_test_split(X3, Y3, random_state=0)
multi = BareMLPRegressor(
    hidden_layer_sizes=(50,), solver="adam", max_iter=EPOCHS, random_state=0
)
with warnings.catch_warnings():
    # The fast run stops adam before its tol.
    warnings.simplefilter("ignore", ConvergenceWarning)
    multi.fit(X3_train, Y3_train, X_val=X3_val, y_val=Y3_val)
print(
    f"3 targets, solver_={multi.solver_!r}: {multi.n_iter_} epochs, validation "
    f"R^2 {multi.validation_scores_[-1]:.3f}"
)

# %%
# The figure
# ----------
# Left, the two fits of the noisy curve; middle, the counts with the true
# mean and the two losses' fits; right, the loss curves of the three-target
# fit.

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
grid = np.linspace(-2, 2, 200)[:, np.newaxis]
axes[0].scatter(X_train, y_train, s=6, c="0.6", label="training data")
for name, model in curve.items():
    axes[0].plot(grid, model.predict(grid), lw=2, label=name)
axes[0].set(xlabel="x", ylabel="y", title="A noisy curve")
axes[0].legend(fontsize="small")

axes[1].scatter(Xc_train, c_train, s=6, c="0.6", label="counts")
axes[1].plot(x_counts, mean, "k--", lw=1, label="true mean")
for loss, model in poisson.items():
    axes[1].plot(grid, model.predict(grid), lw=2, label=f"loss={loss!r}")
axes[1].set(xlabel="x", ylabel="count", title="Counts")
axes[1].legend(fontsize="small")

axes[2].plot(multi.loss_curve_, label="training loss")
axes[2].plot(multi.validation_loss_curve_, label="validation loss")
axes[2].set(xlabel="epoch", ylabel="half squared error", yscale="log")
axes[2].set_title("Three targets")
axes[2].legend(fontsize="small")

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "regression.png", dpi=80)
print(f"saved {OUT / 'regression.png'}")
