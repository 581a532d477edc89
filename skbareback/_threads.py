"""The thread policy of fit and predict: BLAS's and the compiled kernels'.

A small network's matrix products are too small to share among threads: BLAS
threads then mostly wait on each other, and under a busy neighbour process
they wait far longer (measured: L-BFGS on ``load_digits`` ran 14 times slower
with two BLAS threads than with one on a loaded 2-core machine). So fit and
predictions of up to one chunk of rows (1024 to 8192) run with
``blas_threads`` BLAS threads, 1 by default. Larger predictions share their
chunks among threads instead (see
:func:`map_chunks`): every thread does its own share of every elementwise
operation, not just of the products.

The same count governs the engine's own threads (numba's, which threadpoolctl
does not see): :func:`thread_limit` applies both.
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext

from threadpoolctl import ThreadpoolController

# Fewer rows than this give products that BLAS runs on one thread anyway (and
# kernels too small to share), so prediction skips even the few microseconds
# of setting the limits.
_MIN_ROWS_TO_LIMIT = 256

_controller = None
_NO_LIMIT = nullcontext()


def blas_limit(n_threads):
    """Return a context manager that runs BLAS with ``n_threads`` threads.

    Parameters
    ----------
    n_threads : int or None
        The number of BLAS threads; None leaves BLAS as it is configured.

    Returns
    -------
    context : context manager
        The limit, or a no-op context.
    """
    if n_threads is None:
        return _NO_LIMIT
    return _blas().limit(limits=n_threads, user_api="blas")


def thread_limit(n_threads, engine_limit, n_rows=None):
    """Return a context manager that runs BLAS and the engine on ``n_threads``.

    Parameters
    ----------
    n_threads : int or None
        The number of threads; None leaves BLAS and the engine as configured.
    engine_limit : callable
        ``engine_limit(n_threads)`` is the context manager that limits the
        engine's compiled kernels (``Engine.kernel_threads``).
    n_rows : int or None, default=None
        Rows of the passes to come; small ones skip the limits.

    Returns
    -------
    context : context manager
        The limits, or a no-op context.
    """
    if n_rows is not None and n_rows < _MIN_ROWS_TO_LIMIT:
        return _NO_LIMIT
    return _both(blas_limit(n_threads), engine_limit(n_threads))


@contextmanager
def _both(blas, engine):
    with blas, engine:
        yield


def no_kernel_threads(n_threads):
    """The ``engine_limit`` of an engine without threads of its own."""
    return _NO_LIMIT


def map_chunks(fn, n_rows, chunk_rows):
    """Call ``fn(rows)`` for consecutive slices of ``chunk_rows`` rows.

    Chunks are shared among as many threads as BLAS is configured to use in
    this process (so ``threadpool_limits``, ``OMP_NUM_THREADS`` and the limits
    of dask, loky or Ray workers all apply), each running BLAS on one thread.
    Whole chunks balance the load: under a busy neighbour process the thread
    on the free core simply takes more of them, where BLAS's own threads
    split every product evenly and wait for the slowest.

    Parameters
    ----------
    fn : callable
        Called once per chunk with a ``slice``; it must write its own output
        and set its own ``np.errstate`` (a thread does not inherit it).
    n_rows : int
        The number of rows to cover.
    chunk_rows : int
        Rows per chunk.
    """
    chunks = [
        slice(start, start + chunk_rows) for start in range(0, n_rows, chunk_rows)
    ]
    controller = _blas()
    budget = max((lib.num_threads for lib in controller.lib_controllers), default=1)
    n_threads = min(len(chunks), budget)
    if n_threads <= 1:
        for rows in chunks:
            fn(rows)
        return
    with (
        controller.limit(limits=1, user_api="blas"),
        ThreadPoolExecutor(n_threads) as pool,
    ):
        # list() waits for every chunk and re-raises the first error.
        list(pool.map(fn, chunks))


def _blas():
    global _controller
    if _controller is None:
        # Built once: inspecting the loaded libraries costs ~0.2 ms, a limit
        # on a built controller ~7 us.
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller
