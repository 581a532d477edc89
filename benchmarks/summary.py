"""Condense a ``bench.py --json`` file into the README's table.

One row per workload and solver; each cell is the median-time ratio
BareMLPClassifier / MLPClassifier (below 1.00x BareMLPClassifier is faster).

Usage::

    .venv/bin/python benchmarks/summary.py benchmarks/latest.json
"""

import argparse
import json
import sys
from pathlib import Path

# benchmarks/ is not a package: bench.py beside this file names the CPU.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import cpu_label

COLUMNS = [
    ("fit", "float64", "fit"),
    ("fit", "float32", "fit f32"),
    ("predict_proba", "float64", "predict_proba"),
    ("predict_proba", "float32", "predict_proba f32"),
    ("predict 1 row", "float64", "1-row predict"),
]


def summarize(results):
    """Return the markdown table (with a header line naming the machine)."""
    env = results["environment"]
    lines = [
        f"CPU: {cpu_label(env)}; Python {env['python']}, "
        f"numpy {env['numpy']}, scikit-learn {env['sklearn']}"
        + ("; next to a busy neighbour process" if results.get("busy") else ""),
        "",
        "| workload | solver | "
        + " | ".join(c[2] for c in COLUMNS)
        + " | same accuracy (float64) |",
        "|---|---|" + "---|" * (len(COLUMNS) + 1),
    ]
    cells = {}
    for row in results["rows"]:
        metric = (
            row["metric"].split(" 1")[0] if "proba" in row["metric"] else row["metric"]
        )
        key = (row["workload"], row["solver"])
        cells.setdefault(key, {})[(metric, row["dtype"])] = row
    for (workload, solver), by_metric in cells.items():
        ratios = []
        for metric, dtype, _ in COLUMNS:
            row = by_metric.get((metric, dtype))
            ratios.append(f"{row['ratio']:.2f}x" if row else "")
        # Parity is a float64 promise: MLPClassifier's L-BFGS upcasts float32.
        fits = [r for (m, d), r in by_metric.items() if m == "fit" and d == "float64"]
        same = all(r["accuracy"][0] == r["accuracy"][1] for r in fits)
        lines.append(
            f"| {workload} | {solver} | "
            + " | ".join(ratios)
            + f" | {'yes' if same else 'no'} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a bench.py --json file")
    args = parser.parse_args(argv)
    print(summarize(json.loads(args.path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    sys.exit(main())
