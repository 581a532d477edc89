"""
Grid search over width and L2 penalty
=====================================

:class:`BareMLPClassifier` stores only strings, numbers and tuples as
hyperparameters, so ``GridSearchCV`` clones it and sets ``hidden_layer_sizes``
and ``alpha`` through a pipeline like any scikit-learn estimator. This example
searches five widths of a single hidden layer against seven L2 penalties on
noisy half-moons and draws the mean cross-validated accuracy of every pair: two
hidden units are too few to bend the boundary, a penalty of 10 flattens every
network back to a line, and between them a stronger penalty makes the wider
networks generalise better.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run on a smaller grid, and
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
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)

if FAST:
    N_SAMPLES, CV = 150, 3
    SIZES = [(2,), (8,), (32,)]
    ALPHAS = [1e-4, 1e-2, 1e0]
else:
    N_SAMPLES, CV = 300, 5
    SIZES = [(2,), (4,), (8,), (16,), (32,)]
    ALPHAS = list(np.logspace(-5, 1, 7))

# %%
# The search
# ----------
# The pipeline's step is named ``baremlpclassifier``, so its parameters are
# ``baremlpclassifier__alpha`` and so on. Every fit uses L-BFGS and stops on
# the loss of a held-out tenth of its training set; the grid's ``alpha``
# replaces the 'auto' penalty. ConvergenceWarnings, if any, are silenced to
# keep the output short.

X, y = make_moons(N_SAMPLES, noise=0.3, random_state=0)
pipe = make_pipeline(StandardScaler(), BareMLPClassifier(random_state=0))
grid = {
    "baremlpclassifier__hidden_layer_sizes": SIZES,
    "baremlpclassifier__alpha": ALPHAS,
}
search = GridSearchCV(pipe, grid, cv=CV)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)

best = search.best_params_
print(
    f"make_moons({N_SAMPLES}, noise=0.3), {len(SIZES) * len(ALPHAS)} candidates, "
    f"{CV}-fold CV"
)
print(
    f"best: hidden_layer_sizes={best['baremlpclassifier__hidden_layer_sizes']}, "
    f"alpha={best['baremlpclassifier__alpha']:g}, "
    f"mean CV accuracy {search.best_score_:.3f}"
)

# %%
# From ``cv_results_`` to a table
# -------------------------------
# ``cv_results_`` lists one candidate per entry; a dictionary keyed by the two
# parameters turns it into a widths-by-penalties table.

results = search.cv_results_
by_params = {
    (p["baremlpclassifier__hidden_layer_sizes"], p["baremlpclassifier__alpha"]): s
    for p, s in zip(results["params"], results["mean_test_score"])
}
table = np.array([[by_params[size, alpha] for alpha in ALPHAS] for size in SIZES])
print(f"  {'':>7}" + "".join(f"{alpha:>8.0e}" for alpha in ALPHAS))
for size, row in zip(SIZES, table):
    print(f"  {size!s:>7}" + "".join(f"{score:>8.3f}" for score in row))
n_tied = np.isclose(table, search.best_score_).sum()
if n_tied > 1:
    print(f"{n_tied} candidates tie for the best score; GridSearchCV keeps the first")

# %%
# The figure
# ----------
# One cell per candidate, annotated with its mean accuracy; the best one is
# outlined.

fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
image = ax.imshow(table, cmap="viridis", aspect="auto")
threshold = table.min() + 0.6 * (table.max() - table.min())
for (i, j), score in np.ndenumerate(table):
    color = "black" if score > threshold else "white"
    ax.text(j, i, f"{score:.3f}", ha="center", va="center", color=color)
i_best = SIZES.index(best["baremlpclassifier__hidden_layer_sizes"])
j_best = ALPHAS.index(best["baremlpclassifier__alpha"])
ax.add_patch(
    plt.Rectangle((j_best - 0.5, i_best - 0.5), 1, 1, fill=False, ec="red", lw=2.5)
)
ax.set_xticks(range(len(ALPHAS)), [f"{alpha:g}" for alpha in ALPHAS])
ax.set_yticks(range(len(SIZES)), [str(size) for size in SIZES])
ax.set(xlabel="alpha (L2 penalty)", ylabel="hidden_layer_sizes")
ax.set_title(
    f"GridSearchCV: mean {CV}-fold accuracy, make_moons({N_SAMPLES}, noise=0.3)"
)
fig.colorbar(image, ax=ax, label="mean_test_score")

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "grid_search.png", dpi=80)
print(f"saved {OUT / 'grid_search.png'}")
