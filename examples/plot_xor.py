"""
XOR and its hidden units
========================

XOR is the smallest problem that no linear model solves: the two classes sit
on the diagonals of the unit square. A :class:`BareMLPClassifier` with its
default settings (one hidden layer of 100 ``tanh`` units, ``solver='auto'``,
which picks L-BFGS for four samples) learns it from the four rows of the
truth table. This example draws the probability of class 1 over the square,
then what every hidden unit computes there: each one is a ``tanh`` ridge, a
soft line across the plane, and the output layer adds them up into the two
diagonal bands.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run on coarser grids, and
``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the figure there instead of
in ``images/`` next to this script.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)

GRID = 60 if FAST else 200
UNIT_GRID = 20 if FAST else 40
LOW, HIGH = -0.25, 1.25
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8}

# %%
# Fit the truth table
# -------------------
# Only ``random_state`` is set, so that the figure is reproducible; every other
# parameter keeps its default.

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([0, 1, 1, 0])
clf = BareMLPClassifier(random_state=0).fit(X, y)

print(f"solver {clf.solver_}, {clf.n_iter_} iterations, final loss {clf.loss_:.4f}")
for row, target, proba in zip(X, y, clf.predict_proba(X)[:, 1]):
    print(f"  x = {row.astype(int)}  y = {target}  P(y=1) = {proba:.3f}")
print(f"training accuracy {clf.score(X, y):.2f}")

# %%
# The hidden layer over the square
# --------------------------------
# A hidden unit's activation is ``tanh(x @ coefs_[0][:, j] + intercepts_[0][j])``:
# the same computation the network runs, done here by hand on a grid. The
# units are sorted by their weight into the output unit, from the most
# positive (votes for class 1) to the most negative.


def grid(n):
    """An ``n`` by ``n`` grid over the square, as coordinates and as rows."""
    xx, yy = np.meshgrid(np.linspace(LOW, HIGH, n), np.linspace(LOW, HIGH, n))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


xx, yy, points = grid(GRID)
proba = clf.predict_proba(points)[:, 1].reshape(xx.shape)

_, _, unit_points = grid(UNIT_GRID)
hidden = np.tanh(unit_points @ clf.coefs_[0] + clf.intercepts_[0])
out_weights = clf.coefs_[1][:, 0]
order = np.argsort(-out_weights)
print(
    f"{len(order)} hidden units; output weights from {out_weights.min():+.2f} "
    f"to {out_weights.max():+.2f}, output bias {clf.intercepts_[1][0]:+.2f}"
)
active = np.abs(out_weights) >= 0.05
print(f"{active.sum()} units with |output weight| >= 0.05; the L2 penalty")
print("shrinks the others' weights, so they hardly vary over the square")

# %%
# The figure
# ----------
# Left, the probability of class 1 with the four training points. Right, one
# small map per hidden unit over the same square, labelled with its output
# weight.

fig = plt.figure(figsize=(11, 5.2), layout="constrained")
left, right = fig.subfigures(1, 2, width_ratios=[1, 1.25])

ax = left.subplots()
image = ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
for target, marker, color in [(0, "o", "white"), (1, "s", "black")]:
    rows = X[y == target]
    ax.scatter(
        *rows.T, marker=marker, c=color, edgecolors="k", s=120, label=f"y = {target}"
    )
ax.legend(loc="center left", framealpha=0.9)
ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
ax.set_title("P(y = 1): XOR learnt by BareMLPClassifier()")
left.colorbar(image, ax=ax, shrink=0.8)

# One image for all the units: tiles of UNIT_GRID pixels, NaN gaps between.
n_side = int(np.ceil(np.sqrt(len(order))))
step = UNIT_GRID + 2
mosaic = np.full((n_side * step, n_side * step), np.nan)
ax = right.subplots()
for k, unit in enumerate(order):
    top, col = (k // n_side) * step, (k % n_side) * step
    tile = hidden[:, unit].reshape(UNIT_GRID, UNIT_GRID)[::-1]
    mosaic[top : top + UNIT_GRID, col : col + UNIT_GRID] = tile
    if abs(out_weights[unit]) >= 0.05:
        ax.text(
            col, top, f"{out_weights[unit]:+.1f}", fontsize=7, va="top", bbox=LABEL_BOX
        )
cmap = plt.get_cmap("PuOr_r").with_extremes(bad="white")
image = ax.imshow(mosaic, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
ax.set_axis_off()
ax.set_title(
    "tanh activation of each hidden unit over the same square\n"
    "sorted by output weight (labelled where |weight| >= 0.05)"
)
right.colorbar(image, ax=ax, shrink=0.8)

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "xor.png", dpi=80)
print(f"saved {OUT / 'xor.png'}")
