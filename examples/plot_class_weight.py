"""
Class weights on an imbalanced problem
======================================

When one class is rare, a classifier that minimises the average loss gives
it little room: the overlap between the classes goes to the common one, and
most of the rare class's samples there are missed. ``class_weight='balanced'``
weighs each sample by the inverse of its class's frequency, so that both
classes count alike in the loss. This example fits :class:`BareMLPClassifier`
with and without it on two overlapping blobs of 1900 and 100 samples, draws
both decision boundaries and compares the recall of each class, measured by
5-fold cross-validation.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run with fewer folds, and
``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the figure there instead of
in ``images/`` next to this script.
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_blobs
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import cross_val_predict

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)

N_PER_CLASS = [1900, 100]
CV = 2 if FAST else 5
GRID_RESOLUTION = 60 if FAST else 200

# %%
# Two overlapping blobs, one rare
# -------------------------------
# The rare class is 5% of the data; the blobs' centres are about three
# standard deviations apart, so they overlap. With 2000 samples (and 1600 in
# each training fold) ``solver='auto'`` picks L-BFGS, stopped on the loss of
# a held-out tenth of each training fold.

X, y = make_blobs(
    N_PER_CLASS, centers=[[0, 0], [2.5, 2.5]], cluster_std=1.2, random_state=0
)
MODELS = {
    "class_weight=None": BareMLPClassifier(random_state=0),
    "class_weight='balanced'": BareMLPClassifier(
        class_weight="balanced", random_state=0
    ),
}

# %%
# Recall per class
# ----------------
# ``cross_val_predict`` predicts every sample from a model that did not see
# it; ``recall_score(average=None)`` is then the fraction of each class that
# is found.

recalls = {}
print(f"{N_PER_CLASS[0]} + {N_PER_CLASS[1]} samples, {CV}-fold CV predictions:")
for name, model in MODELS.items():
    predicted = cross_val_predict(model, X, y, cv=CV)
    recalls[name] = recall_score(y, predicted, average=None)
    print(
        f"  {name:>23}: recall class 0 {recalls[name][0]:.3f}, "
        f"class 1 {recalls[name][1]:.3f}; balanced accuracy "
        f"{balanced_accuracy_score(y, predicted):.3f}, "
        f"accuracy {np.mean(predicted == y):.3f}"
    )
    model.fit(X, y)

# %%
# The figure
# ----------
# Left and middle, the probability of the rare class from each model fitted
# on all the data, with its 0.5 contour: the balanced model moves the
# boundary into the common class. Right, the cross-validated recalls.

fig, axes = plt.subplots(
    1, 3, figsize=(12, 3.8), layout="constrained", width_ratios=[1, 1, 0.8]
)
for ax, (name, model) in zip(axes, MODELS.items()):
    display = DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict_proba",
        grid_resolution=GRID_RESOLUTION,
        cmap="RdBu_r",
        alpha=0.5,
        vmin=0,
        vmax=1,
        ax=ax,
        xlabel="$x_1$",
        ylabel="$x_2$",
    )
    ax.contour(display.xx0, display.xx1, display.response, levels=[0.5], colors="k")
    for label, color, size in [(0, "tab:blue", 6), (1, "tab:red", 14)]:
        ax.scatter(*X[y == label].T, c=color, s=size, edgecolors="k", lw=0.3)
    ax.set_title(name)

width = 0.38
classes = np.arange(2)
for k, (name, recall) in enumerate(recalls.items()):
    bars = axes[2].bar(classes + (k - 0.5) * width, recall, width, label=name)
    axes[2].bar_label(bars, fmt="%.2f")
axes[2].set_xticks(
    classes, [f"class {c}\n({n} samples)" for c, n in zip(classes, N_PER_CLASS)]
)
axes[2].set(ylim=(0, 1.35), ylabel=f"recall ({CV}-fold CV)")
axes[2].set_title("Recall per class")
axes[2].legend(loc="upper center", fontsize="small")

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "class_weight.png", dpi=80)
print(f"saved {OUT / 'class_weight.png'}")
