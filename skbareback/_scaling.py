"""The regressor's targets: their checks, and an affine map fitted by ``fit``.

Real targets come on their own scale (prices in thousands, counts in
hundreds); a network whose output starts near 0 under an L2 penalty cannot
reach them in its budget. Training on ``(y - offset) / scale`` and predicting
``offset + scale * output`` makes every table look alike to the optimizer.
"""

import numpy as np
import scipy.sparse
from sklearn.utils import check_array
from sklearn.utils.validation import column_or_1d

from ._losses import mean, weighted_mean
from ._xp_compat import array_api_compat, as_host, is_host, to_device


def real_targets(y):
    """Return ``y`` checked: dense, finite, numeric, a single column made 1d."""
    if scipy.sparse.issparse(y):
        y = y.toarray()
    y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
    # check_array refuses more than two dimensions.
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return y


def location_scale(Y, sw, loss, identity=False):
    """Return ``(offset, scale)``, one of each per output, in float64.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_outputs)
        The targets.
    sw : ndarray of shape (n_samples,) or None
        Sample weights: the offset and scale are weighted statistics, so that
        integer weights fit what repeated rows fit.
    loss : {'squared_error', 'poisson'}
        'squared_error' standardises each output (its weighted mean and
        standard deviation, rounded; a constant output keeps the scale 1).
        'poisson' only divides by the weighted mean, so that the exponential
        output's predictions stay positive and the deviance is only rescaled.
    identity : bool, default=False
        Whether to return the identity map (offset 0, scale 1) instead.

    Returns
    -------
    offset, scale : ndarray of shape (n_outputs,)
        The mean within ``scale / 512`` and the standard deviation (or the
        Poisson mean) within a factor of ``sqrt(2)``, rounded to a power of
        two; finite, whatever the targets' magnitude.

    Examples
    --------
    >>> import numpy as np
    >>> from skbareback._scaling import location_scale
    >>> location_scale(np.array([[1.0], [3.0]]), None, "squared_error")
    (array([2.]), array([1.]))
    >>> location_scale(np.array([[1000.0], [3000.0]]), None, "squared_error")
    (array([2000.]), array([1024.]))
    >>> location_scale(np.array([[0.0], [4.0]]), None, "poisson")
    (array([0.]), array([2.]))
    """
    Y = np.asarray(Y, dtype=np.float64)
    if identity:
        return np.zeros(Y.shape[1]), np.ones(Y.shape[1])
    # Statistics of Y / m, so that targets near float64's limit (1e300) do not
    # overflow the sums of squares.
    m = np.abs(Y).max(axis=0)
    m[m == 0] = 1.0
    Z = Y / m
    mean = np.average(Z, axis=0, weights=sw)
    if loss == "poisson":
        # All zeros: m is 1, and so is the scale.
        mean[mean == 0] = 1.0
        return np.zeros_like(mean), _power_of_two(mean * m)
    std = np.sqrt(np.average((Z - mean) ** 2, axis=0, weights=sw))
    # A constant output (as StandardScaler): only centred.
    constant = std < 10 * np.finfo(np.float64).eps
    scale = _power_of_two(np.where(constant, 1.0, std * m))
    # The offset on a grid of scale / 256: like the scale, the same number
    # whether the statistics were summed over weights or over repeated rows.
    return np.round(mean * (m / scale) * 256) * (scale / 256), scale


def _power_of_two(x):
    """The power of two nearest ``x`` (> 0) in log scale: it divides exactly.

    The scaled targets then carry no rounding of their own, and statistics
    that differ in their last bits (weights against repeated rows) give the
    same scale, so the same model.
    """
    return np.exp2(np.round(np.log2(x)))


def is_scaled(offset, scale_):
    """Whether ``(offset, scale_)`` is not the identity map."""
    offset, scale_ = as_host(offset), as_host(scale_)
    return bool((offset != 0).any() or (scale_ != 1).any())


def scale(Y, offset, scale_, dtype):
    """Return ``(Y - offset) / scale`` as ``dtype``, computed in float64."""
    offset, scale_ = as_host(offset), as_host(scale_)
    return ((np.asarray(Y, dtype=np.float64) - offset) / scale_).astype(dtype)


def unscale(outputs, offset, scale_):
    """Map the network's ``outputs`` back to the targets' scale, in place."""
    outputs *= scale_.astype(outputs.dtype, copy=False)
    outputs += offset.astype(outputs.dtype, copy=False)
    return outputs


def predictions(logits, exp, scaling):
    """The regressor's predictions from its output ``logits``.

    ``exp`` applies the exponential output; ``scaling``, if not None, is the
    ``(offset, scale)`` to map back. NumPy's are computed in place; other
    namespaces' in new arrays where the logits are.
    """
    # An overflow is reported below, once; array-api-strict computes in NumPy.
    with np.errstate(over="ignore"):
        if is_host(logits):
            if exp:
                np.exp(logits, out=logits)
            if scaling is not None:
                unscale(logits, *(as_host(a) for a in scaling))
            finite = np.isfinite(logits).all()
        else:
            logits, finite = _predictions_xp(logits, exp, scaling)
    if not finite:
        raise ValueError(
            "The network's outputs overflowed to infinity on this "
            "input: its values lie far outside the range seen in "
            "training; scale them."
        )
    return logits[:, 0] if logits.shape[1] == 1 else logits


def _predictions_xp(logits, exp, scaling):
    """:func:`predictions`' map in the namespace of ``logits``, and whether finite."""
    xp = array_api_compat.array_namespace(logits)
    if exp:
        logits = xp.exp(logits)
    if scaling is not None:
        where = array_api_compat.device(logits)
        offset, scale_ = (to_device(a, xp, where, logits.dtype) for a in scaling)
        logits = logits * scale_ + offset
    return logits, xp.all(xp.isfinite(logits))


def constant_loss(Y, sw, fit_intercept):
    """The squared error of the best constant prediction of ``Y``.

    A network with zero weights predicts its output bias: the weighted mean
    at best (0 without intercepts), at no penalty. L-BFGS ending above this
    has not trained.
    """
    center = np.average(Y, axis=0, weights=sw) if fit_intercept else 0.0
    return 0.5 * weighted_mean(mean((Y - center) ** 2, axis=1), sw)
