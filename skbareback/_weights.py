"""Sample weights: validation, and the class weights that multiply them."""

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight


def check_sample_weight(sample_weight, X):
    """Return ``sample_weight`` as a validated 1d array of X's dtype, or None.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        The weights to check; a scalar applies to every sample.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The data the weights belong to.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        The weights, finite and non-negative with a positive sum; None for
        none or all ones.
    """
    if sample_weight is None:
        return None
    n_samples = X.shape[0]
    sw = np.asarray(sample_weight)
    if sw.ndim == 0:
        sw = np.full(n_samples, sw)
    if sw.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n_samples,)}.")
    try:
        sw = sw.astype(X.dtype)
    except (TypeError, ValueError):
        raise TypeError(
            f"sample_weight must be numeric, got dtype {sw.dtype}."
        ) from None
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight must be finite (no NaN or inf).")
    if (sw < 0).any():
        raise ValueError("sample_weight must be non-negative.")
    if sw.sum() <= 0:
        raise ValueError(
            "sample_weight must not be all zero: the weights must have a positive sum."
        )
    return unit_as_none(sw)


def unit_as_none(sw):
    """``sw``, or None where every weight is 1.

    Unit weights are no weights: the unweighted sums round differently, and
    L-BFGS would amplify that into another model.
    """
    return None if (sw == 1).all() else sw


def class_weighted(class_weight, y, classes, sample_weight, X, incremental):
    """Return the validated sample weights multiplied by the class weights.

    Parameters
    ----------
    class_weight : dict, 'balanced' or None
        Weight of each class; 'balanced' weights classes inversely to their
        frequency in ``y``, as ``compute_sample_weight('balanced', y)``.
    y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        The targets.
    classes : ndarray
        The classes known to the estimator.
    sample_weight : array-like of shape (n_samples,) or None
        The user's sample weights.
    X : ndarray or sparse matrix
        The data, for the weights' length and dtype.
    incremental : bool
        Whether this is ``partial_fit``, where 'balanced' cannot be estimated.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) or None
        None when there are neither sample nor class weights.
    """
    sw = check_sample_weight(sample_weight, X)
    if class_weight is None:
        return sw
    if class_weight == "balanced" and incremental:
        raise ValueError(
            "class_weight='balanced' is not supported by partial_fit: one batch "
            "cannot tell the class frequencies. Compute them once with "
            "sklearn.utils.class_weight.compute_class_weight('balanced', "
            "classes=classes, y=y_all) and pass the dict as class_weight."
        )
    if not (class_weight == "balanced" or isinstance(class_weight, dict)):
        raise ValueError(
            f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}."
        )
    if isinstance(class_weight, dict):
        unknown = set(class_weight) - set(classes.tolist())
        if unknown:
            raise ValueError(
                f"class_weight has labels {sorted(unknown, key=str)} that are not "
                f"classes of y: {classes}."
            )
    weights = compute_sample_weight(class_weight, y).astype(X.dtype)
    return weights if sw is None else sw * weights
