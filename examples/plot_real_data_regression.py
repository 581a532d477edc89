"""
The regressor's defaults on real tables
=======================================

``benchmarks/real_data.py --task regression`` cross-validates
``BareMLPRegressor()``, ``MLPRegressor()``, ``Ridge`` and
``HistGradientBoostingRegressor`` on 31 real regression tables (102 to 20,000
rows; numeric and categorical columns; missing values; targets from hundredths
to hundreds of thousands, used as they are), each with the same preprocessing
and otherwise default settings. This example draws, per table, each model's R²
against ``MLPRegressor()``'s, its RMSE as a fraction of ``MLPRegressor()``'s,
and BareMLPRegressor's fit time as a fraction of ``MLPRegressor()``'s,
measured fold by fold in the same run.

The example reads ``benchmarks/real_data_regression.json``, written by
``benchmarks/real_data.py --task regression --json
benchmarks/real_data_regression.json``, or the file named by the
``SKBAREBACK_REAL_DATA_REGRESSION_JSON`` environment variable. It runs nothing,
so ``SKBAREBACK_EXAMPLES_FAST=1`` changes nothing here; set
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
    os.environ.get("SKBAREBACK_REAL_DATA_REGRESSION_JSON")
    or Path(__file__).resolve().parent
    / ".."
    / "benchmarks"
    / "real_data_regression.json"
)

# %%
# The results file
# ----------------
# One entry per table (``tables``), each with every model's mean R², RMSE and
# fit time over the folds, and the ratio of BareMLP's mean fit time to MLP's;
# ``summary`` holds the figures the defaults are judged by, over every table
# and over the held-out ones.

if not RESULTS.is_file():
    sys.exit(
        f"no results at {RESULTS}: run 'benchmarks/real_data.py --task regression "
        f"--json {RESULTS}' first"
    )
with open(RESULTS) as f:
    results = json.load(f)
tables = results["tables"]
names = [t["table"] + (" *" if t["held_out"] else "") for t in tables]
models = {"BareMLP": "C0", "Ridge": "C2", "HGB": "C3"}


def against_mlp(model):
    """R² minus MLP's, and RMSE over MLP's, per table."""
    scores = [(t["models"][model], t["models"]["MLP"]) for t in tables]
    return (
        np.array([s["r2"] - m["r2"] for s, m in scores]),
        np.array([s["rmse"] / m["rmse"] for s, m in scores]),
    )


# %%
# R², RMSE and time against MLPRegressor()
# ----------------------------------------
# Left: R² minus ``MLPRegressor()``'s (right of zero is better), cut at ±1: on
# targets in the thousands ``MLPRegressor()`` can score far below zero. Middle:
# RMSE over its, on a log scale (left of 1 is better). Right:
# BareMLPRegressor's fit time over its, on a log scale. Tables marked * were
# held out while the default policy was chosen.

y = np.arange(len(tables))
fig, axes = plt.subplots(1, 3, figsize=(13, 0.32 * len(tables) + 1.5), sharey=True)
rmse_ratios = []
for offset, (model, color) in zip((-0.25, 0, 0.25), models.items()):
    r2_gain, rmse_ratio = against_mlp(model)
    axes[0].barh(y + offset, np.clip(r2_gain, -1, 1), 0.25, color=color)
    axes[1].barh(y + offset, rmse_ratio, 0.25, color=color, label=model)
    rmse_ratios.append(rmse_ratio)
ratios = np.array([t["time_ratio"] for t in tables])
axes[2].barh(y, ratios, 0.5, color=models["BareMLP"])
axes[0].axvline(0, color="k", linewidth=0.8)
axes[0].set_xlim(-1.05, 1.05)
for ax, values, ticks in (
    (axes[1], np.concatenate(rmse_ratios), [0.1, 0.25, 0.5, 1, 2]),
    (axes[2], ratios, [0.02, 0.05, 0.1, 0.25, 0.6, 1, 2]),
):
    ax.set_xscale("log")
    ax.set_xticks(ticks, [f"{t:g}x" for t in ticks], minor=False)
    ax.set_xticks([], minor=True)
    ax.set_xlim(min(ticks[0], values.min()) / 1.2, max(ticks[-1], values.max()) * 1.2)
    ax.axvline(1, color="k", linewidth=0.8)
for ax, label in zip(
    axes,
    (
        "R² - MLPRegressor()'s (cut at ±1)",
        "RMSE / MLPRegressor()'s",
        "BareMLP fit time / MLP's",
    ),
):
    ax.set_xlabel(label)
    ax.grid(axis="x", alpha=0.3)
axes[1].legend(loc="lower left", fontsize=8)
axes[0].set_yticks(y, names)
axes[0].invert_yaxis()
env = results["environment"]
fig.suptitle(
    f"Regressor defaults on real tables, {results['folds']}-fold CV "
    f"({env['cpu']}, {env['cores']} cores)"
)
fig.tight_layout()
OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "real_data_regression.png", dpi=80)

summary = results["summary"]
gain, ridge = summary["r2_gain"], summary["r2_gain_over_ridge"]
print(
    f"{len(tables)} tables: R² BareMLP - MLP mean {gain['mean']:+.4f} (median "
    f"{gain['median']:+.4f}, worst {gain['worst']:+.4f}, {gain['worst_table']}); "
    f"BareMLP >= Ridge on {ridge['at_least_ridge']} of {len(tables)}; time ratio "
    f"median {summary['median_time_ratio']:.2f}x, max "
    f"{summary['max_time_ratio']:.2f}x"
)
