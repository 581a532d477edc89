"""
Loss curves: sgd, momentum, adam and early stopping
===================================================

Every fit of :class:`BareMLPClassifier` records its training loss after each
epoch in ``loss_curve_``; when a validation set is in play it also records the
validation loss in ``validation_loss_curve_`` and the score that early
stopping watches in ``validation_scores_``. This example trains the same
network on the scaled digits with plain stochastic gradient descent, with
Nesterov's momentum and with adam for the same number of epochs, then shows
early stopping on the validation loss: training keeps going down while the
validation loss turns back up, and the model keeps the weights of its best
epoch.

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
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)

EPOCHS = 20 if FAST else 100
MAX_EPOCHS_EARLY = 60 if FAST else 300

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

# %%
# Three optimizers, the same epochs
# ---------------------------------
# ``tol=0`` and a huge ``n_iter_no_change`` switch the stopping rule off, so
# every run lasts exactly ``max_iter`` epochs of minibatches of 64 from the
# same initial weights. Both sgd runs step with ``learning_rate_init=0.01``,
# so that the only difference between them is the momentum; adam keeps its
# default 0.001.

COMMON = {
    "hidden_layer_sizes": (64,),
    "batch_size": 64,
    "max_iter": EPOCHS,
    "tol": 0.0,
    "n_iter_no_change": 10**9,
    "random_state": 0,
}
RUNS = {
    "sgd, momentum=0": {"solver": "sgd", "momentum": 0.0, "learning_rate_init": 0.01},
    "sgd, Nesterov momentum=0.9": {
        "solver": "sgd",
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "learning_rate_init": 0.01,
    },
    "adam": {"solver": "adam"},
}

curves = {}
with warnings.catch_warnings():
    # A fixed epoch budget is the point here, not convergence.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for label, params in RUNS.items():
        clf = BareMLPClassifier(**COMMON, **params).fit(X, y)
        curves[label] = clf.loss_curve_

print(f"digits, {len(X)} samples, {EPOCHS} epochs; training loss after epoch")
print(f"  {'':>27} {'1':>7} {EPOCHS // 2:>7} {EPOCHS:>7}")
for label, curve in curves.items():
    shown = (curve[0], curve[EPOCHS // 2 - 1], curve[-1])
    print(f"  {label:>27}" + "".join(f" {loss:>7.4f}" for loss in shown))

# %%
# Early stopping on the validation loss
# -------------------------------------
# With ``early_stopping=True`` the estimator holds out ``validation_fraction``
# of the data; ``scoring='loss'`` makes it watch the validation loss (stored
# negated in ``validation_scores_``, so that higher is better). It stops after
# ``n_iter_no_change`` epochs without an improvement of ``tol`` and restores
# the weights of the best epoch. The validation loss leaves out the L2 term
# that ``loss_curve_`` includes, negligible at ``alpha=1e-4``.

early = BareMLPClassifier(
    hidden_layer_sizes=(64,),
    solver="adam",
    learning_rate_init=0.01,
    alpha=1e-4,
    early_stopping=True,
    validation_fraction=0.2,
    scoring="loss",
    n_iter_no_change=20,
    max_iter=MAX_EPOCHS_EARLY,
    random_state=0,
)
with warnings.catch_warnings():
    # The quick run may reach max_iter before early stopping triggers.
    warnings.simplefilter("ignore", ConvergenceWarning)
    early.fit(X, y)
train_loss = np.asarray(early.loss_curve_)
val_loss = np.asarray(early.validation_loss_curve_)
best = int(np.argmax(early.validation_scores_))
print(
    f"early stopping: stopped after {early.n_iter_} epochs; best epoch {best + 1}, "
    f"validation loss {val_loss[best]:.4f} "
    f"(best_validation_score_ {early.best_validation_score_:.4f})"
)
print(
    f"  at the stop: training loss {train_loss[-1]:.4f}, validation {val_loss[-1]:.4f}"
)

# %%
# The figure
# ----------
# Left, the training loss of the three optimizers on a log scale. Right, the
# training and validation losses of the early-stopped fit, with its best
# epoch and the epoch it stopped at.

fig, (ax_opt, ax_early) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
epochs = np.arange(1, EPOCHS + 1)
for label, curve in curves.items():
    ax_opt.plot(epochs, curve, label=label)
ax_opt.set(yscale="log", xlabel="epoch", ylabel="training loss (log scale)")
ax_opt.set_title(f"Digits, (64,) hidden, batches of 64: {EPOCHS} epochs")
ax_opt.legend()

epochs = np.arange(1, len(train_loss) + 1)
ax_early.plot(epochs, train_loss, label="training loss_curve_")
ax_early.plot(epochs, val_loss, label="validation_loss_curve_")
ax_early.axvline(best + 1, color="k", ls="--", lw=1, label=f"best epoch ({best + 1})")
ax_early.axvline(
    len(epochs), color="gray", ls=":", lw=1, label=f"stopped ({len(epochs)})"
)
ax_early.plot(best + 1, val_loss[best], "ko")
ax_early.set(yscale="log", xlabel="epoch", ylabel="loss (log scale)")
ax_early.set_title("adam with early_stopping=True, scoring='loss'")
ax_early.legend()

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "loss_curves.png", dpi=80)
print(f"saved {OUT / 'loss_curves.png'}")
