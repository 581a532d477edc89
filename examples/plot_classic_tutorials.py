"""
The classic NumPy tutorial networks, reproduced exactly
=======================================================

Two tutorials from 2015 taught a generation how backpropagation works with a
dozen lines of NumPy: Andrew Trask's "A Neural Network in 11 lines of Python"
(a 2-layer net, then a 3-layer net that learns XOR) and Milo Spencer-Harper's
"How to build a simple neural network in 9 lines of Python code" (one neuron
in a ``NeuralNetwork`` class with ``think`` and ``train``). Each draws its
weights from ``np.random.seed(1)`` and adds the delta rule, summed over the
four training samples, to the weights once per iteration.

:class:`BareMLPClassifier` trains the same networks to the last digits: no
biases, logistic units, uniform weights drawn as the tutorials draw them, the
squared error, and plain full-batch gradient steps. This example runs each
tutorial's loop as written next to the estimator, compares the weights and
outputs every 1,000 iterations, and prints the final outputs side by side.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run with a tenth of the
iterations, and ``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the figure
there instead of in ``images/`` next to this script.
"""

import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT")
    or Path(__file__).resolve().parent / "images"
)

SCALE = 10 if FAST else 1
# Weights and outputs are compared after every LOG_EVERY iterations.
LOG_EVERY = 1000 // SCALE

# %%
# The estimator's side
# --------------------
# One configuration expresses every tutorial network. The tutorials add the
# gradient *summed* over their 4 samples, while the estimator averages it over
# the batch (all 4 samples, in order) and ``loss='squared_error'`` is half the
# squared error, whose gradient is the tutorials' ``(y - out)`` term. A step
# of ``learning_rate_init=4.0`` times the mean is therefore exactly the
# tutorials' step. ``weight_init='uniform'`` with ``random_state=1`` draws
# ``2 * random_sample(shape) - 1`` from ``RandomState(1)`` layer by layer, the
# tutorials' ``np.random.seed(1)`` draws. ``tol=0`` and an infinite
# ``n_iter_no_change`` never stop training early, and ``warm_start=True``
# makes every ``fit`` continue for another ``max_iter`` iterations.


def tutorial_estimator(hidden_layer_sizes):
    """The tutorials' training as a :class:`BareMLPClassifier`."""
    return BareMLPClassifier(
        hidden_layer_sizes,
        activation="logistic",
        solver="sgd",
        loss="squared_error",
        fit_intercept=False,
        weight_init="uniform",
        momentum=0,
        batch_size=4,
        shuffle=False,
        alpha=0,
        random_state=1,
        learning_rate_init=4.0,
        max_iter=LOG_EVERY,
        tol=0,
        n_iter_no_change=np.inf,
        warm_start=True,
    )


def train_estimator(hidden_layer_sizes, X, y, n_iter):
    """Fit for ``n_iter`` iterations; log weights and outputs every LOG_EVERY."""
    clf = tutorial_estimator(hidden_layer_sizes)
    history = []
    with warnings.catch_warnings():
        # Every fit runs its max_iter iterations on purpose (tol=0, as the
        # tutorials do): reaching max_iter is the plan, not a failed fit.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(n_iter // LOG_EVERY):
            clf.fit(X, y)
            coefs = [coef.copy() for coef in clf.coefs_]
            history.append((coefs, clf.predict_proba(X)[:, 1]))
    return clf, history


# %%
# Comparing the two
# -----------------
# A tutorial's loop logs its weights after every LOG_EVERY updates, with the
# output those weights give on the training inputs, computed by the
# tutorial's own sigmoid. The estimator's positive-class probability is that
# output; ``predict_proba`` clips to ``[eps, 1 - eps]``, which these outputs
# never reach. The error column is the tutorials' printed ``Error``, the mean
# absolute difference between target and output.

RESULTS = []


def report(name, X, target, hand, clf, estimator, print_every):
    """Print a tutorial-style table and the largest differences; keep them."""
    n_iter = LOG_EVERY * len(hand)
    weight_diff = np.array(
        [
            max(np.abs(h - e).max() for h, e in zip(h_coefs, e_coefs))
            for (h_coefs, _), (e_coefs, _) in zip(hand, estimator)
        ]
    )
    output_diff = np.array(
        [np.abs(h_out - e_out).max() for (_, h_out), (_, e_out) in zip(hand, estimator)]
    )
    print(f"\n{name}: {n_iter:,} iterations")
    print(f"  {'iteration':>9}  {'tutorial error':<22} estimator error")
    for k, ((_, h_out), (_, e_out)) in enumerate(zip(hand, estimator)):
        j = LOG_EVERY * (k + 1)
        if j % print_every == 0:
            h_err = np.mean(np.abs(target - h_out))
            e_err = np.mean(np.abs(target - e_out))
            print(f"  {j:>9,}  {h_err!s:<22} {e_err!s}")
    print(f"  {'input':<9}  {'target':>6}  {'tutorial':>10}  {'estimator':>10}")
    for x, t, h, e in zip(X, target, hand[-1][1], estimator[-1][1]):
        print(f"  {x!s:<9}  {t:>6}  {h:>10.8f}  {e:>10.8f}")
    print(
        f"  max |difference| at {len(hand)} logged iterations: weights "
        f"{weight_diff.max():.1e} (final {weight_diff[-1]:.1e}), outputs "
        f"{output_diff.max():.1e} (final {output_diff[-1]:.1e})"
    )
    RESULTS.append((name, clf.loss_curve_, hand, target, weight_diff, output_diff))


# %%
# The 2-layer network
# -------------------
# Part 1 of Trask's tutorial: three inputs (the third always 1, standing in
# for a bias), one sigmoid output, and a target that copies the first input.
# The loop is the tutorial's, with one line added to log the weights. The
# tutorial then prints ``l1`` of its last pass, computed before the last
# update, ``[0.00966449 0.00786506 0.99358898 0.99211957]``; the table shows
# the outputs of the weights after all 10,000 updates.


def two_layer_tutorial(n_iter):
    # sigmoid function
    def nonlin(x, deriv=False):
        if deriv:
            return x * (1 - x)
        return 1 / (1 + np.exp(-x))

    # input dataset
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    # output dataset
    y = np.array([[0, 0, 1, 1]]).T
    # seed random numbers to make calculation deterministic
    np.random.seed(1)  # noqa: NPY002 (the tutorial's legacy global RNG)
    # initialize weights randomly with mean 0
    syn0 = 2 * np.random.random((3, 1)) - 1  # noqa: NPY002
    history = []
    for j in range(n_iter):
        # forward propagation
        l0 = X
        l1 = nonlin(np.dot(l0, syn0))
        # how much did we miss?
        l1_error = y - l1
        # multiply how much we missed by the slope of the sigmoid at l1
        l1_delta = l1_error * nonlin(l1, True)
        # update weights
        syn0 += np.dot(l0.T, l1_delta)
        if (j + 1) % LOG_EVERY == 0:
            history.append(([syn0.copy()], nonlin(np.dot(X, syn0))[:, 0]))
    return history


X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
y = np.array([0, 0, 1, 1])
n_iter = 10_000 // SCALE
hand = two_layer_tutorial(n_iter)
clf, estimator = train_estimator((), X, y, n_iter)
report("2-layer network", X, y, hand, clf, estimator, print_every=2 * LOG_EVERY)

# %%
# The 3-layer network
# -------------------
# Part 2: a hidden layer of sigmoid units lets the network learn XOR of the
# first two inputs, which no single unit can. The delta is propagated back
# through ``syn1`` to the hidden layer. The tutorial uses 4 hidden units and
# prints its error every 10,000 of its 60,000 iterations; 5 units train just
# as exactly.


def three_layer_tutorial(n_hidden, n_iter):
    def nonlin(x, deriv=False):
        if deriv:
            return x * (1 - x)
        return 1 / (1 + np.exp(-x))

    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])
    np.random.seed(1)  # noqa: NPY002 (the tutorial's legacy global RNG)
    # randomly initialize our weights with mean 0
    syn0 = 2 * np.random.random((3, n_hidden)) - 1  # noqa: NPY002
    syn1 = 2 * np.random.random((n_hidden, 1)) - 1  # noqa: NPY002
    history = []
    for j in range(n_iter):
        # Feed forward through layers 0, 1, and 2
        l0 = X
        l1 = nonlin(np.dot(l0, syn0))
        l2 = nonlin(np.dot(l1, syn1))
        # how much did we miss the target value?
        l2_error = y - l2
        # in what direction is the target value?
        l2_delta = l2_error * nonlin(l2, deriv=True)
        # how much did each l1 value contribute to the l2 error?
        l1_error = l2_delta.dot(syn1.T)
        # in what direction is the target l1?
        l1_delta = l1_error * nonlin(l1, deriv=True)
        syn1 += l1.T.dot(l2_delta)
        syn0 += l0.T.dot(l1_delta)
        if (j + 1) % LOG_EVERY == 0:
            out = nonlin(np.dot(nonlin(np.dot(X, syn0)), syn1))[:, 0]
            history.append(([syn0.copy(), syn1.copy()], out))
    return history


y = np.array([0, 1, 1, 0])
n_iter = 60_000 // SCALE
for n_hidden in (4, 5):
    hand = three_layer_tutorial(n_hidden, n_iter)
    clf, estimator = train_estimator((n_hidden,), X, y, n_iter)
    name = f"3-layer network, {n_hidden} hidden units"
    report(name, X, y, hand, clf, estimator, print_every=10 * LOG_EVERY)

# %%
# The single neuron in a class
# ----------------------------
# Spencer-Harper's version wraps one neuron in a class whose ``think`` is the
# forward pass and whose ``train`` runs the update loop. Its samples come in
# another order, its target is again the first input, and it ends by asking
# the neuron about a new situation, ``[1, 0, 0]``. Here it trains for 15,000
# iterations (the post uses 10,000); training in chunks of LOG_EVERY
# iterations continues the same loop, so it needs no logging line.


class NeuralNetwork:
    def __init__(self):
        # Seed the random number generator, so it generates the same numbers
        # every time the program runs.
        np.random.seed(1)  # noqa: NPY002 (the tutorial's legacy global RNG)
        # A single neuron with 3 input connections and 1 output connection,
        # random weights in [-1, 1) and mean 0.
        self.synaptic_weights = 2 * np.random.random((3, 1)) - 1  # noqa: NPY002

    # The Sigmoid function, which describes an S shaped curve.
    def __sigmoid(self, x):
        return 1 / (1 + np.exp(-x))

    # The gradient of the Sigmoid curve: how confident we are about the
    # existing weight.
    def __sigmoid_derivative(self, x):
        return x * (1 - x)

    def train(self, training_set_inputs, training_set_outputs, number_of_iterations):
        for _ in range(number_of_iterations):
            # Pass the training set through our neural network.
            output = self.think(training_set_inputs)
            # Calculate the error.
            error = training_set_outputs - output
            # Multiply the error by the input and again by the gradient of
            # the Sigmoid curve: less confident weights adjust more.
            adjustment = np.dot(
                training_set_inputs.T, error * self.__sigmoid_derivative(output)
            )
            # Adjust the weights.
            self.synaptic_weights += adjustment

    # The neural network thinks.
    def think(self, inputs):
        return self.__sigmoid(np.dot(inputs, self.synaptic_weights))


training_set_inputs = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
training_set_outputs = np.array([[0, 1, 1, 0]]).T
neural_network = NeuralNetwork()
n_iter = 15_000 // SCALE
hand = []
for _ in range(n_iter // LOG_EVERY):
    neural_network.train(training_set_inputs, training_set_outputs, LOG_EVERY)
    weights = neural_network.synaptic_weights.copy()
    hand.append(([weights], neural_network.think(training_set_inputs)[:, 0]))

y = training_set_outputs[:, 0]
clf, estimator = train_estimator((), training_set_inputs, y, n_iter)
name = "Single neuron (NeuralNetwork class)"
report(name, training_set_inputs, y, hand, clf, estimator, print_every=3 * LOG_EVERY)
new_situation = np.array([1, 0, 0])
print(
    f"  new situation {new_situation}: tutorial "
    f"{neural_network.think(new_situation)[0]:.8f}, estimator "
    f"{clf.predict_proba(new_situation[np.newaxis])[0, 1]:.8f}"
)

# %%
# The figure
# ----------
# Top, the training loss (half the mean squared error) of every iteration as
# the estimator records it in ``loss_curve_``, and the loss of the tutorial's
# logged outputs on top. Bottom, the largest differences in weights and
# outputs at every logged iteration: zero (bit-identical, drawn at the bottom
# of the axis) or a few units in the last place of a float64, five orders of
# magnitude under the 1e-10 the tests demand.

ZERO = 1e-19

fig, axes = plt.subplots(
    2, len(RESULTS), figsize=(3.6 * len(RESULTS), 6), layout="constrained"
)
for (name, loss_curve, hand, target, weight_diff, output_diff), top, bottom in zip(
    RESULTS, axes[0], axes[1]
):
    logged = LOG_EVERY * np.arange(1, len(hand) + 1)
    # loss_curve_[j] is the loss of the weights after j updates.
    top.loglog(np.arange(1, len(loss_curve)), loss_curve[1:], label="estimator")
    hand_loss = [0.5 * np.mean((target - out) ** 2) for _, out in hand]
    top.loglog(logged, hand_loss, "x", color="k", label="tutorial loop")
    top.set_title(name.replace(" (", "\n("), fontsize=10)
    top.set(xlabel="iteration", ylabel="half mean squared error")
    bottom.semilogy(logged, np.maximum(weight_diff, ZERO), "o-", label="weights")
    bottom.semilogy(logged, np.maximum(output_diff, ZERO), "s-", label="outputs")
    bottom.axhline(1e-10, color="k", linestyle="--", label="test tolerance")
    bottom.set_yticks([ZERO, 1e-16, 1e-13, 1e-10], ["0", "1e-16", "1e-13", "1e-10"])
    bottom.set_ylim(ZERO / 3, 1e-9)
    bottom.set(xlabel="iteration", ylabel="max |tutorial - estimator|")
axes[0, 0].legend()
axes[1, 0].legend()

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "classic_tutorials.png", dpi=80)
print(f"\nsaved {OUT / 'classic_tutorials.png'}")
