"""
The defaults on real tables
===========================

``benchmarks/real_data.py`` cross-validates ``BareMLPClassifier()``,
``MLPClassifier()``, ``LogisticRegression`` and
``HistGradientBoostingClassifier`` on 29 real classification tables (150 to
22,272 rows; binary and multiclass; numeric and categorical columns; missing
values), each with the same preprocessing and otherwise default settings.
This example draws, per table, each model's accuracy and log-loss against
``MLPClassifier()``'s, and BareMLPClassifier's fit time as a fraction of
``MLPClassifier()``'s, measured fold by fold in the same run.

The example reads ``benchmarks/real_data.json``, written by
``benchmarks/real_data.py --json benchmarks/real_data.json``, or the file named
by the ``SKBAREBACK_REAL_DATA_JSON`` environment variable. It runs nothing, so
``SKBAREBACK_EXAMPLES_FAST=1`` changes nothing here; set
``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the figure there instead of
in ``images/`` next to this script.
"""

import json
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)
RESULTS = Path(
    os.environ.get("SKBAREBACK_REAL_DATA_JSON")
    or Path(__file__).resolve().parent / ".." / "benchmarks" / "real_data.json"
)

# %%
# The results file
# ----------------
# One entry per table (``tables``), each with every model's mean accuracy,
# log-loss and fit time over the folds, and the ratio of BareMLP's mean fit
# time to MLP's; ``summary`` holds the figures the defaults are judged by.

if not RESULTS.is_file():
    sys.exit(
        f"no results at {RESULTS}: run 'benchmarks/real_data.py --json {RESULTS}' first"
    )
with open(RESULTS) as f:
    results = json.load(f)
tables = results["tables"]
names = [t["table"] + (" *" if t["held_out"] else "") for t in tables]
models = {"BareMLP": "C0", "LogReg": "C2", "HGB": "C3"}


def against_mlp(metric, model):
    return np.array(
        [t["models"][model][metric] - t["models"]["MLP"][metric] for t in tables]
    )


# %%
# Accuracy, log-loss and time against MLPClassifier()
# ---------------------------------------------------
# Left: accuracy minus ``MLPClassifier()``'s (right of zero is better). Middle:
# log-loss minus its (left of zero is better). Right: BareMLPClassifier's fit
# time over its, on a log scale; the dashed lines mark the targets (median at
# most 0.25x, none above 0.6x). Tables marked * were held out while the
# default policy was chosen.

y = np.arange(len(tables))
fig, axes = plt.subplots(1, 3, figsize=(13, 0.32 * len(tables) + 1.5), sharey=True)
for offset, (model, color) in zip((-0.25, 0, 0.25), models.items()):
    axes[0].barh(y + offset, against_mlp("accuracy", model), 0.25, color=color)
    axes[1].barh(
        y + offset, against_mlp("log_loss", model), 0.25, color=color, label=model
    )
ratios = np.array([t["time_ratio"] for t in tables])
axes[2].barh(y, ratios, 0.5, color=models["BareMLP"])
axes[2].set_xscale("log")
ticks = [0.02, 0.05, 0.1, 0.25, 0.6, 1]
axes[2].set_xticks(ticks, [f"{t:g}x" for t in ticks], minor=False)
axes[2].set_xticks([], minor=True)
axes[2].set_xlim(min(0.02, ratios.min() / 1.2), max(1.2, ratios.max() * 1.2))
for target in (0.25, 0.6):
    axes[2].axvline(target, color="k", linestyle="--", linewidth=0.8)
for ax, label in zip(
    axes,
    (
        "accuracy - MLPClassifier()'s",
        "log-loss - MLPClassifier()'s",
        "BareMLP fit time / MLP's",
    ),
):
    ax.set_xlabel(label)
    ax.grid(axis="x", alpha=0.3)
for ax in axes[:2]:
    ax.axvline(0, color="k", linewidth=0.8)
axes[1].set_xlim(-1, 1)
axes[1].legend(loc="lower left", fontsize=8)
axes[0].set_yticks(y, names)
axes[0].invert_yaxis()
env = results["environment"]
fig.suptitle(
    f"Defaults on real tables, {results['folds']}-fold CV "
    f"({env['cpu']}, {env['cores']} cores)"
)
fig.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "real_data.png", dpi=80)

summary = results["summary"]
print(
    f"{len(tables)} tables: accuracy BareMLP - MLP mean "
    f"{summary['mean_accuracy_gain']:+.4f} (worst "
    f"{summary['worst_accuracy_gain']:+.4f}); mean log-loss "
    f"{summary['mean_log_loss']['BareMLP']:.3f} against "
    f"{summary['mean_log_loss']['MLP']:.3f}; time ratio median "
    f"{summary['median_time_ratio']:.2f}x, max {summary['max_time_ratio']:.2f}x"
)
