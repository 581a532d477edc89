"""
Dropout on a small, noisy problem
=================================

A network with far more weights than training samples can learn the noise
in its labels by heart: its training loss goes to zero while its loss on new
data climbs. Dropout (``dropout=p``) sets each hidden unit's output to zero
with probability ``p`` at every training step, and scales the others by
``1 / (1 - p)``; at prediction every unit is kept. No unit can rely on the
presence of particular others, which makes memorising single samples hard.

This example trains a two-layer network of 256 + 256 ReLU units (85,002
weights and biases) on 200 handwritten digits, a fifth of whose labels were
replaced by random ones, and records the loss on 800 other digits after every
epoch (``fit(..., X_val=, y_val=)`` fills ``validation_loss_curve_``), for a
few dropout rates and several seeds.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run with a smaller network,
fewer epochs, rates and seeds, and ``SKBAREBACK_EXAMPLES_OUT`` to a directory
to save the figure there instead of in ``images/`` next to this script.
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

HIDDEN = (64, 64) if FAST else (256, 256)
EPOCHS = 20 if FAST else 100
RATES = [0.0, 0.5] if FAST else [0.0, 0.3, 0.5, 0.7]
SEEDS = range(1 if FAST else 5)
N_TRAIN, N_VAL, LABEL_NOISE = 200, 800, 0.2

# %%
# A small, noisy training set
# ---------------------------
# 200 digits to train on, with 20% of their labels redrawn at random, and
# 800 other digits, with their true labels, to measure the loss on new data.

X, y = load_digits(return_X_y=True)
rs = np.random.RandomState(0)
order = rs.permutation(len(y))[: N_TRAIN + N_VAL]
X, y = X[order], y[order]
X_train, X_val = X[:N_TRAIN], X[N_TRAIN:]
y_train, y_val = y[:N_TRAIN].copy(), y[N_TRAIN:]
noisy = rs.uniform(size=N_TRAIN) < LABEL_NOISE
y_train[noisy] = rs.randint(10, size=noisy.sum())
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

# %%
# The same network with and without dropout
# -----------------------------------------
# Every run lasts exactly ``EPOCHS`` epochs of adam on minibatches of 32
# (``tol=0`` and a huge ``n_iter_no_change`` switch the stopping rule off)
# with a weak L2 penalty, so that dropout is the only regulariser that
# matters. The training loss recorded with dropout is that of the thinned
# networks each batch trained, not of the full network.

val_curves = {rate: [] for rate in RATES}
train_curves = {rate: [] for rate in RATES}
with warnings.catch_warnings():
    # A fixed epoch budget is the point here, not convergence.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for rate in RATES:
        for seed in SEEDS:
            clf = BareMLPClassifier(
                HIDDEN,
                activation="relu",
                solver="adam",
                alpha=1e-4,
                batch_size=32,
                max_iter=EPOCHS,
                tol=0.0,
                n_iter_no_change=10**9,
                dropout=rate,
                random_state=seed,
            ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
            val_curves[rate].append(clf.validation_loss_curve_)
            train_curves[rate].append(clf.loss_curve_)

val_curves = {rate: np.array(c) for rate, c in val_curves.items()}
train_curves = {rate: np.array(c) for rate, c in train_curves.items()}

print(
    f"{HIDDEN} ReLU network, {N_TRAIN} training digits ({LABEL_NOISE:.0%} of labels "
    f"random), {N_VAL} validation digits, {EPOCHS} epochs, {len(SEEDS)} seed(s).\n"
    "validation log-loss, mean over seeds [min, max]:"
)
for rate, curves in val_curves.items():
    final, best = curves[:, -1], curves.min(axis=1)
    print(
        f"  dropout={rate:.1f}: after the last epoch {final.mean():.3f} "
        f"[{final.min():.3f}, {final.max():.3f}], at its best epoch "
        f"{best.mean():.3f} [{best.min():.3f}, {best.max():.3f}]"
    )

# %%
# The curves
# ----------
# Left, the validation loss (mean over the seeds, with the range of the seeds
# shaded); right, the training loss. Without dropout the training loss falls
# to almost zero: the network has memorised the random labels, and its
# validation loss turns back up after a few epochs. With dropout the training
# loss stays higher; the validation loss falls more slowly but further, and
# at the highest rate it stays down to the last epoch.

fig, (ax_val, ax_train) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
epochs = np.arange(1, EPOCHS + 1)
for rate in RATES:
    val, train = val_curves[rate], train_curves[rate]
    (line,) = ax_val.plot(epochs, val.mean(axis=0), label=f"dropout={rate:.1f}")
    ax_val.fill_between(
        epochs, val.min(axis=0), val.max(axis=0), color=line.get_color(), alpha=0.2
    )
    ax_train.plot(epochs, train.mean(axis=0), color=line.get_color())
# The first epochs' losses, far above the rest, would flatten the curves.
lowest = min(curves.mean(axis=0).min() for curves in val_curves.values())
ax_val.set_ylim(0.8 * lowest, 2.5 * lowest)
ax_val.set(xlabel="epoch", ylabel="validation log-loss", title="New digits")
ax_train.set(
    xlabel="epoch",
    ylabel="training log-loss",
    yscale="log",
    title=f"Training digits ({LABEL_NOISE:.0%} random labels)",
)
ax_val.legend()

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "dropout.png", dpi=80)
print(f"saved {OUT / 'dropout.png'}")
