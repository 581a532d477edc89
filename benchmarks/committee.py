"""Five 10-unit BareMLPRegressors averaged, against the default and MLPRegressor().

The regression guide offers the committee to users who can spend more time
than the default does; this script measures the figures it quotes. Every
table of ``real_data.py``'s regression side, its preprocessing and its
shuffled folds; per fold the four models are fitted one after the other on
one BLAS thread, so their time ratios come from one run:

- ``default``: ``BareMLPRegressor(random_state=0)``;
- ``committee``: ``VotingRegressor`` of ``BareMLPRegressor(hidden_layer_sizes=
  (10,), random_state=k)`` for k in 0..4 (each its own start and validation
  fifth);
- ``MLPRegressor(random_state=0)`` and ``Ridge()``.

Usage::

    .venv/bin/python benchmarks/committee.py                 # the 31 tables
    .venv/bin/python benchmarks/committee.py --fresh         # the 26 fresh ones
    .venv/bin/python benchmarks/committee.py --only diabetes --folds 2
"""

import argparse
import time
import warnings

import numpy as np
from real_data import (
    FRESH_REGRESSION_TABLES,
    REGRESSION_TABLES,
    SEED,
    cpu_name,
    load,
    preprocessing,
)
from sklearn.ensemble import VotingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from threadpoolctl import threadpool_limits

from skbareback import BareMLPRegressor

MEMBERS, UNITS = 5, 10


def committee(members=MEMBERS, units=UNITS):
    """The guide's committee: ``members`` networks of ``units``, averaged."""
    return VotingRegressor(
        [
            (f"net{k}", BareMLPRegressor(hidden_layer_sizes=(units,), random_state=k))
            for k in range(members)
        ]
    )


MODELS = {
    "default": lambda: BareMLPRegressor(random_state=SEED),
    "committee": committee,
    "MLP": lambda: MLPRegressor(random_state=SEED),
    "Ridge": Ridge,
}


def evaluate(table, n_folds):
    """Mean R² and fit time of every model on one table."""
    X, y = load(table, regression=True)
    r2 = {name: [] for name in MODELS}
    seconds = {name: [] for name in MODELS}
    for train, test in KFold(n_folds, shuffle=True, random_state=SEED).split(X):
        prep = preprocessing(X).fit(X.iloc[train])
        X_train, X_test = prep.transform(X.iloc[train]), prep.transform(X.iloc[test])
        for name, make in MODELS.items():
            model = make()
            start = time.perf_counter()
            model.fit(X_train, y[train])
            seconds[name].append(time.perf_counter() - start)
            r2[name].append(r2_score(y[test], model.predict(X_test)))
    return {
        name: {
            "r2": float(np.mean(r2[name])),
            "fit_time": float(np.mean(seconds[name])),
        }
        for name in MODELS
    }


def summary(results):
    """Per BareMLP model: >= Ridge, mean R², worst against MLP, time ratios."""
    lines = []
    for name in ("default", "committee"):
        r2 = {t: r[name]["r2"] for t, r in results.items()}
        ratios = [r[name]["fit_time"] / r["MLP"]["fit_time"] for r in results.values()]
        worst = min(results, key=lambda t: r2[t] - results[t]["MLP"]["r2"])
        lines.append(
            f"{name}: >= Ridge on {sum(r2[t] >= results[t]['Ridge']['r2'] for t in r2)}"
            f" of {len(r2)}, mean R2 {np.mean(list(r2.values())):.4f}, worst vs MLP "
            f"{r2[worst] - results[worst]['MLP']['r2']:+.4f} ({worst}), fit time "
            f"ratio to MLP median {np.median(ratios):.3f}, max {max(ratios):.2f}"
        )
    return lines


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="the 26 fresh tables")
    parser.add_argument("--only", help="comma-separated table names")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    tables = FRESH_REGRESSION_TABLES if args.fresh else REGRESSION_TABLES
    names = [t.name for t in tables]
    only = args.only.split(",") if args.only else names
    unknown = sorted(set(only) - set(names))
    if unknown:
        parser.error(f"unknown tables {unknown}; choose from {names}")
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    args.tables = [t for t in tables if t.name in only]
    return args


def main(argv=None):
    args = parse_args(argv)
    print(f"CPU: {cpu_name()} | {args.folds}-fold CV, one BLAS thread")
    print("| table | R² default / committee / MLP / Ridge | time ratio to MLP |")
    print("|---|---|---|")
    results = {}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # MLPRegressor's
        for table in args.tables:
            r = results[table.name] = evaluate(table, args.folds)
            r2 = " / ".join(f"{r[name]['r2']:.3f}" for name in MODELS)
            ratio = " / ".join(
                f"{r[name]['fit_time'] / r['MLP']['fit_time']:.2f}x"
                for name in ("default", "committee")
            )
            print(f"| {table.name} | {r2} | {ratio} |", flush=True)
    print()
    print("\n".join(summary(results)))
    return results


if __name__ == "__main__":
    main()
