"""
Hidden activations on two moons, in a pipeline
==============================================

:class:`BareMLPClassifier` is a scikit-learn estimator, so it slots into a
``Pipeline`` after a ``StandardScaler``, into ``cross_val_score`` and into
:class:`~sklearn.inspection.DecisionBoundaryDisplay` like any other. This
example trains the same pipeline on two interleaved half-moons with each of
the four hidden activations and draws the decision boundaries with their
5-fold cross-validated accuracies: ``'identity'`` makes the whole network
linear and cannot bend its boundary around the moons; the three non-linear
activations can.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run on fewer samples and a
coarser grid, and ``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the
figure there instead of in ``images/`` next to this script.
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)

N_SAMPLES = 200 if FAST else 600
GRID_RESOLUTION = 60 if FAST else 200
# L-BFGS stops on the validation loss well before 200 iterations; the quick
# run caps it sooner.
MAX_ITER = 50 if FAST else 200
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]

# %%
# Data and pipelines
# ------------------
# Every pipeline scales the two features, then fits the network with its
# defaults but for ``activation``: on 600 samples ``solver='auto'`` picks
# L-BFGS.

X, y = make_moons(N_SAMPLES, noise=0.2, random_state=0)


def pipeline(activation):
    """A scaler followed by a network with the given hidden activation."""
    return make_pipeline(
        StandardScaler(),
        BareMLPClassifier(activation=activation, max_iter=MAX_ITER, random_state=0),
    )


# %%
# Cross-validated accuracy
# ------------------------
# ``cross_val_score`` clones the pipeline for each of the 5 folds; the panel
# shows the model refitted on all the data. L-BFGS stops on the loss of a
# held-out tenth of each training set; the quick run's cap of 50 iterations
# can come first, so its ConvergenceWarnings are silenced here.

scores, models = {}, {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for activation in ACTIVATIONS:
        scores[activation] = cross_val_score(pipeline(activation), X, y, cv=5)
        models[activation] = pipeline(activation).fit(X, y)

print(f"make_moons({N_SAMPLES}, noise=0.2), 5-fold CV accuracy:")
for activation, cv in scores.items():
    n_iter = models[activation][-1].n_iter_
    print(
        f"  {activation:>8}: {cv.mean():.3f} +/- {cv.std():.3f} "
        f"(full fit: {n_iter} L-BFGS iterations)"
    )

# %%
# The figure
# ----------
# Each panel shades the predicted probability of the second moon, with the
# samples on top.

fig, axes = plt.subplots(
    1, len(ACTIVATIONS), figsize=(13, 3.6), layout="constrained", sharey=True
)
for ax, activation in zip(axes, ACTIVATIONS):
    DecisionBoundaryDisplay.from_estimator(
        models[activation],
        X,
        response_method="predict_proba",
        grid_resolution=GRID_RESOLUTION,
        cmap="RdBu_r",
        alpha=0.5,
        ax=ax,
        xlabel="$x_1$",
    )
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=12, lw=0.5)
    cv = scores[activation]
    ax.set_title(f"{activation}: CV accuracy {cv.mean():.3f}")
axes[0].set_ylabel("$x_2$")
fig.suptitle(f"StandardScaler + BareMLPClassifier on make_moons({N_SAMPLES})")

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "moons_pipeline.png", dpi=80)
print(f"saved {OUT / 'moons_pipeline.png'}")
