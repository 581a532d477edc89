"""The BLAS thread policy of fit and predict.

A small network's matrix products are too small to share among threads: BLAS
threads then mostly wait on each other, and under a busy neighbour process
they wait far longer (measured: L-BFGS on ``load_digits`` ran 14 times slower
with two BLAS threads than with one on a loaded 2-core machine). So fit and
large predictions run with ``blas_threads`` BLAS threads, 1 by default.
"""

from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

# Fewer rows than this give products that BLAS runs on one thread anyway, so
# prediction skips even the few microseconds of setting a limit.
_MIN_ROWS_TO_LIMIT = 256

_controller = None


def blas_limit(n_threads, n_rows=None):
    """Return a context manager that runs BLAS with ``n_threads`` threads.

    Parameters
    ----------
    n_threads : int or None
        The number of BLAS threads; None leaves BLAS as it is configured.
    n_rows : int or None, default=None
        Rows of the products to come; small products skip the limit.

    Returns
    -------
    context : context manager
        The limit, or a no-op context.
    """
    if n_threads is None or (n_rows is not None and n_rows < _MIN_ROWS_TO_LIMIT):
        return nullcontext()
    global _controller
    if _controller is None:
        # Built once: inspecting the loaded libraries costs ~0.2 ms, a limit
        # on a built controller ~7 us.
        _controller = ThreadpoolController()
    return _controller.limit(limits=n_threads, user_api="blas")
