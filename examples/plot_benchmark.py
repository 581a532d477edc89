"""
Speed against MLPClassifier
===========================

``benchmarks/bench.py`` times :class:`BareMLPClassifier` and scikit-learn's
``MLPClassifier`` side by side, with matched hyperparameters, on five
workloads, three solvers and two input dtypes: the fit, one
``predict_proba`` call on many rows, and the latency of a single-row
``predict``. This example draws the ratio of the two median times, BareMLP
over MLP, for every row of its latest results: below 1 BareMLPClassifier is
faster (0.5: twice as fast), above 1 it is slower. Ratios, not absolute
times, are what carry over from one machine to another.

The example reads ``benchmarks/latest.json``, written by
``benchmarks/bench.py --json benchmarks/latest.json``, or the file named by
the ``SKBAREBACK_BENCH_JSON`` environment variable. It runs nothing, so
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
BENCH_JSON = Path(
    os.environ.get("SKBAREBACK_BENCH_JSON")
    or Path(__file__).resolve().parent / ".." / "benchmarks" / "latest.json"
)

# %%
# The results file
# ----------------
# ``bench.py --json`` saves the machine (``environment``: CPU, core count,
# versions, BLAS), the run's settings (``config``) and one entry per table
# row (``rows``), each with its two median times and their ``ratio``.

if not BENCH_JSON.is_file():
    sys.exit(
        f"no benchmark results at {BENCH_JSON}: run "
        f"'benchmarks/bench.py --json {BENCH_JSON}' first"
    )
with open(BENCH_JSON) as f:
    results = json.load(f)
env, config, rows = results["environment"], results["config"], results["rows"]

labels = [f"{r['workload']} {r['solver']} {r['dtype']} {r['metric']}" for r in rows]
ratios = np.array([r["ratio"] for r in rows])
metrics = list(dict.fromkeys(r["metric"] for r in rows))
run = "quick run" if config.get("quick") else "full run"

print(f"{BENCH_JSON.resolve()}: {len(rows)} rows, {run}, {config['reps']} reps")
simd = env.get("numpy_simd", "AVX-512" if env["avx512f"] else "no AVX-512")
print(f"CPU: {env['cpu']} ({env['cores']} cores, NumPy SIMD: {simd}), ", end="")
print(f"sklearn {env['sklearn']}")
print("geometric mean ratio BareMLP / MLP per metric (min - max):")
for metric in metrics:
    values = np.array([r["ratio"] for r in rows if r["metric"] == metric])
    print(
        f"  {metric:>28}: {np.exp(np.log(values).mean()):.2f}x "
        f"({values.min():.2f}x - {values.max():.2f}x)"
    )
print(f"faster in {np.sum(ratios < 1)} of {len(rows)} rows")

# %%
# The figure
# ----------
# One bar per row, in the table's order, coloured by metric, on a log scale
# so that twice as fast and twice as slow sit equally far from the line at 1.
# With a hundred labels, anti-aliased text would make the PNG five times
# larger; crisp pixel text keeps it small enough to commit.

plt.rcParams["text.antialiased"] = False
fig_height = 1.4 + 0.12 * len(rows)
fig, ax = plt.subplots(figsize=(8, fig_height), layout="constrained")
positions = np.arange(len(rows))[::-1]
colors = dict(zip(metrics, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
for metric in metrics:
    mask = np.array([r["metric"] == metric for r in rows])
    ax.barh(positions[mask], ratios[mask], color=colors[metric], label=metric)
for y, ratio in zip(positions, ratios):
    ax.text(ratio * 1.03, y, f"{ratio:.2f}", va="center", fontsize=6)
ax.axvline(1.0, color="k", lw=1)
ax.set_yticks(positions, labels, fontsize=7)
ax.set(xscale="log", ylim=(-0.7, len(rows) - 0.3))
ax.set_xlim(ratios.min() / 1.5, ratios.max() * 1.5)
ax.set_xlabel(
    "time ratio BareMLPClassifier / MLPClassifier (log scale; lower is better)"
)
ax.set_title(
    f"BareMLPClassifier vs MLPClassifier on {env['cpu']} ({env['cores']} cores, "
    f"NumPy SIMD: {simd}),\n"
    f"sklearn {env['sklearn']}, {run}"
)
fig.legend(loc="outside lower center", ncols=len(metrics), fontsize="small")

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "benchmark.png", dpi=80)
print(f"saved {OUT / 'benchmark.png'}")
