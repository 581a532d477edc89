"""
Out-of-core learning with partial_fit
=====================================

A data set too large for memory can still train a :class:`BareMLPClassifier`:
read it one chunk at a time and hand each chunk to ``partial_fit``, which runs
one epoch of adam over it and keeps the optimizer's state for the next. This
example streams chunks from a generator, so the full data set never exists,
scores the model after every pass over the stream, and measures the peak
memory of one pass as the data grows: it stays at the size of a chunk, while
fitting the same data in memory grows with it.

Set ``SKBAREBACK_EXAMPLES_FAST=1`` for a quick run on smaller data, and
``SKBAREBACK_EXAMPLES_OUT`` to a directory to save the figure there instead of
in ``images/`` next to this script.
"""

import os
import time
import tracemalloc
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from skbareback import BareMLPClassifier

FAST = os.environ.get("SKBAREBACK_EXAMPLES_FAST") == "1"
OUT = Path(
    os.environ.get("SKBAREBACK_EXAMPLES_OUT") or Path(__file__).parent / "images"
)

N_FEATURES = 20
CLASSES = np.arange(3)
CHUNK = 10_000
N_TRAIN = 40_000 if FAST else 400_000
PASSES = 3 if FAST else 5
SIZES = [20_000, 40_000, 80_000] if FAST else [50_000 * 2**i for i in range(6)]

# %%
# A stream of chunks
# ------------------
# The data come from a fixed "teacher" network with noisy outputs: every chunk
# is drawn afresh from its own seed, so a chunk costs memory only while it is
# being used, and a pass over the stream can be replayed exactly.

TEACHER = np.random.default_rng(0)
W_HIDDEN = TEACHER.normal(size=(N_FEATURES, 16)) / np.sqrt(N_FEATURES)
W_OUT = TEACHER.normal(size=(16, len(CLASSES))) * 3


def make_chunk(seed, n_samples):
    """Draw ``n_samples`` labelled samples from the teacher, reproducibly."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES))
    logits = np.tanh(X @ W_HIDDEN) @ W_OUT
    logits += rng.gumbel(size=logits.shape)
    return X, logits.argmax(axis=1)


def stream(n_samples, seed=1):
    """Yield ``(X, y)`` chunks of at most ``CHUNK`` samples, ``n_samples`` in all."""
    for i, start in enumerate(range(0, n_samples, CHUNK)):
        yield make_chunk((seed, i), min(CHUNK, n_samples - start))


def new_model():
    return BareMLPClassifier((32,), solver="adam", batch_size=200, random_state=0)


X_test, y_test = make_chunk(seed=(2, 0), n_samples=20_000)

# %%
# Score per pass
# --------------
# Each pass hands every chunk to ``partial_fit`` in turn. For reference, the
# same data held in memory get one ``partial_fit`` per pass over all of it:
# one epoch each, the same number of adam steps, shuffled across chunks.

streamed, in_memory = new_model(), new_model()
X_all, y_all = (np.concatenate(part) for part in zip(*stream(N_TRAIN)))
scores = {"streamed": [], "in memory": []}
start = time.perf_counter()
for _ in range(PASSES):
    for X, y in stream(N_TRAIN):
        streamed.partial_fit(X, y, classes=CLASSES)
    in_memory.partial_fit(X_all, y_all, classes=CLASSES)
    scores["streamed"].append(streamed.score(X_test, y_test))
    scores["in memory"].append(in_memory.score(X_test, y_test))
del X_all, y_all
print(f"{N_TRAIN} samples in chunks of {CHUNK}, {PASSES} passes: ", end="")
print(f"{time.perf_counter() - start:.1f} s")
for name, values in scores.items():
    print(f"  test accuracy {name:>9}: " + " ".join(f"{v:.4f}" for v in values))

# %%
# Peak memory against the data's size
# -----------------------------------
# ``tracemalloc`` records the peak of the memory allocated through Python,
# NumPy's arrays included, while one pass runs. Streaming holds one chunk, its
# shuffled copy and the minibatch buffers at a time; in memory, the whole data
# set and its shuffled copy are there at once.


def peak_mib(run):
    """Return the peak traced memory of ``run()``, in MiB."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def one_pass_streamed(n_samples):
    model = new_model()
    for X, y in stream(n_samples):
        model.partial_fit(X, y, classes=CLASSES)


def one_pass_in_memory(n_samples):
    X, y = make_chunk((1, 0), n_samples)
    new_model().partial_fit(X, y, classes=CLASSES)


data_mib = [n * N_FEATURES * 8 / 2**20 for n in SIZES]
peaks = {
    "streamed": [peak_mib(lambda n=n: one_pass_streamed(n)) for n in SIZES],
    "in memory": [peak_mib(lambda n=n: one_pass_in_memory(n)) for n in SIZES],
}
chunk_mib = CHUNK * N_FEATURES * 8 / 2**20
print(f"peak MiB for one pass (one chunk of X is {chunk_mib:.2f} MiB):")
print(f"  {'samples':>9} {'data':>8} {'streamed':>9} {'in memory':>10}")
for n, size, a, b in zip(SIZES, data_mib, *peaks.values()):
    print(f"  {n:>9} {size:>8.1f} {a:>9.2f} {b:>10.1f}")

# %%
# The figure
# ----------
# Left, the test accuracy after each pass: streaming learns as fast as the
# in-memory epochs. Right, the peak memory: flat at a few chunks' worth for
# the stream, a multiple of the data's size in memory.

fig, (ax_score, ax_mem) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
passes = np.arange(1, PASSES + 1)
for name, marker in zip(scores, "os"):
    ax_score.plot(passes, scores[name], marker=marker, label=name)
ax_score.set(xlabel="pass over the data", ylabel="test accuracy", xticks=passes)
ax_score.set_title(f"{N_TRAIN:,} samples, chunks of {CHUNK:,}")
ax_score.legend()

for name, marker in zip(peaks, "os"):
    ax_mem.plot(data_mib, peaks[name], marker=marker, label=name)
ax_mem.plot(data_mib, data_mib, "k--", lw=1, label="size of the data")
ax_mem.axhline(chunk_mib, color="gray", ls=":", lw=1, label="size of one chunk")
ax_mem.set(xscale="log", yscale="log", xlabel="data size (MiB)")
ax_mem.set(ylabel="peak traced memory of one pass (MiB)")
ax_mem.set_title("Peak memory against the data's size")
ax_mem.legend()

OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "out_of_core.png", dpi=100)
print(f"saved {OUT / 'out_of_core.png'}")
