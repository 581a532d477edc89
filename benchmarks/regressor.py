"""Re-measure the README's regression figures: defaults and parity.

Prints the largest deviations from MLPRegressor over every solver,
activation, loss and output count, on the data of
tests/test_regressor_parity.py; then, on three small problems in a
``StandardScaler`` pipeline over 10 seeds, the 5-fold cross-validated R² of
``BareMLPRegressor()`` (L-BFGS, tanh, alpha=0.01), of the same with
MLPRegressor's ``alpha=1e-4`` or its ``relu``, and of ``MLPRegressor()``.
The parity tests assert the tolerances; this script prints the values.

Usage::

    .venv/bin/python benchmarks/regressor.py
"""

import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbareback import BareMLPRegressor

MODELS = {
    "BareMLPRegressor()": lambda seed: BareMLPRegressor(random_state=seed),
    "  with alpha=1e-4": lambda seed: BareMLPRegressor(alpha=1e-4, random_state=seed),
    "  with activation='relu'": lambda seed: BareMLPRegressor(
        activation="relu", random_state=seed
    ),
    "MLPRegressor()": lambda seed: MLPRegressor(random_state=seed),
}


def _noisy_sine(seed):
    rs = np.random.RandomState(seed)
    x = rs.uniform(-2, 2, (300, 1))
    return x, np.sin(3 * x[:, 0]) + rs.normal(scale=0.3, size=300)


def _diabetes(seed):
    return load_diabetes(return_X_y=True)


DATASETS = {
    "make_friedman1(300, noise=1.0)": lambda seed: make_friedman1(
        300, noise=1.0, random_state=seed
    ),
    "sin(3x) + N(0, 0.3^2), 300 rows": _noisy_sine,
    "load_diabetes (442 rows)": _diabetes,
}


def defaults(seeds=10):
    """5-fold CV R² of each model per dataset, one dataset draw per seed."""
    for title, make_data in DATASETS.items():
        scores = {name: [] for name in MODELS}
        for seed in range(seeds):
            X, y = make_data(seed)
            for name, make in MODELS.items():
                model = make_pipeline(StandardScaler(), make(seed))
                scores[name].append(cross_val_score(model, X, y, cv=5).mean())
        print(f"{title}, 5-fold CV R^2 over {seeds} seeds:")
        for name, s in scores.items():
            print(
                f"  {name:<26} median {np.median(s):.3f}  min {np.min(s):.3f}  "
                f"max {np.max(s):.3f}"
            )


def _data(n_outputs, loss):
    X, y, coef = make_regression(
        200,
        6,
        n_informative=4,
        n_targets=n_outputs,
        noise=5.0,
        coef=True,
        random_state=0,
    )
    X = X / X.std(axis=0)
    if loss == "poisson":
        rate = np.exp(0.3 * X @ (coef / np.abs(coef).max()) + 0.5)
        return X, np.random.RandomState(0).poisson(rate).astype(float)
    return X, (y - y.mean(axis=0)) / y.std(axis=0)


def parity():
    """Largest deviations from MLPRegressor, per solver and activation."""
    print(
        "largest deviations from MLPRegressor (200 rows, 8-5 hidden units, "
        "20 iterations; both losses, 1 and 3 outputs):"
    )
    print(
        f"  {'solver':<6} {'activation':<9} {'loss_curve_ rel.':>17} "
        f"{'predict abs.':>13}"
    )
    for solver in ["sgd", "adam", "lbfgs"]:
        for activation in ["identity", "logistic", "tanh", "relu"]:
            rel = pred = 0.0
            for loss in ["squared_error", "poisson"]:
                for n_outputs in [1, 3]:
                    X, y = _data(n_outputs, loss)
                    params = dict(
                        loss=loss,
                        solver=solver,
                        activation=activation,
                        hidden_layer_sizes=(8, 5),
                        max_iter=20,
                        alpha=1e-4,
                        batch_size=64,
                        learning_rate_init=0.01,
                        random_state=0,
                    )
                    ref = MLPRegressor(**params).fit(X, y)
                    bare = BareMLPRegressor(**params).fit(X, y)
                    curve = getattr(ref, "loss_curve_", [ref.loss_])
                    ours = bare.loss_curve_ if len(curve) > 1 else [bare.loss_]
                    rel = max(
                        rel, np.max(np.abs(np.subtract(ours, curve)) / np.abs(curve))
                    )
                    pred = max(pred, np.abs(bare.predict(X) - ref.predict(X)).max())
            print(f"  {solver:<6} {activation:<9} {rel:17.1e} {pred:13.1e}")


if __name__ == "__main__":
    warnings.simplefilter("ignore", ConvergenceWarning)
    parity()
    defaults()
