"""Class targets: the label set, its checks, and the indicator matrix.

The classifier's outputs are one unit per class (one in all for two classes)
or per label of a multilabel indicator; these functions map the user's ``y``
to those units and reject targets that do not fit the labels already known.
"""

import numpy as np
import scipy.sparse
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from ._activations import OUTPUT_ACTIVATIONS
from ._engine_xp import OUTPUT_ACTIVATIONS as XP_OUTPUT_ACTIVATIONS
from ._xp_compat import array_api_compat, as_host, is_host

MULTILABEL = "multilabel-indicator"


def class_targets(y):
    """Return ``(y, y_type)``: ``y`` dense, a single column made 1d, checked."""
    if scipy.sparse.issparse(y):
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    return y, type_of_target(y)


def class_labels(y, y_type, classes):
    """Return the sorted labels of ``classes`` (or of ``y``); at least two."""
    if y_type == MULTILABEL:
        return np.arange(y.shape[1])
    labels = unique_labels(y if classes is None else classes)
    if len(labels) < 2:
        raise ValueError(
            "BareMLPClassifier needs samples of at least 2 classes in the "
            f"data, but the data contains only one class: {labels[0]}."
        )
    return labels


def check_classes(y, y_type, fitted_type, classes, exact):
    """Raise unless ``y`` fits the known ``classes`` (all of them if ``exact``)."""
    if MULTILABEL in (y_type, fitted_type):
        if y_type != fitted_type or y.shape[1] != len(classes):
            raise ValueError(
                f"y is {y_type} but the model was fitted on "
                f"{fitted_type} targets with {len(classes)} columns."
            )
        return
    labels = unique_labels(y)
    if exact and set(labels) != set(classes):
        raise ValueError(
            "warm_start can only be used where `y` has the same classes as "
            f"in the previous call to fit. Previously got {classes}, "
            f"`y` has {labels}."
        )
    unknown = np.setdiff1d(labels, classes)
    if len(unknown):
        raise ValueError(f"`y` has classes {unknown} not in `classes_` {classes}.")


def check_partial_fit_classes(y, classes, fitted_classes):
    """Raise if ``partial_fit``'s ``classes`` is missing or changed."""
    y, classes = as_host(y), as_host(classes)
    if not scipy.sparse.issparse(y) and np.ndim(y) == 2:
        return  # multilabel: the labels are the indicator's columns
    if fitted_classes is None and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if (
        fitted_classes is not None
        and classes is not None
        and not np.array_equal(unique_labels(classes), fitted_classes)
    ):
        raise ValueError(
            f"classes={classes!r} is not the same as on the first call to "
            f"partial_fit, which gave {fitted_classes!r}."
        )


def indicator(y, classes, multilabel):
    """Return the boolean targets of the output units, one column per unit."""
    if multilabel:
        return y.astype(bool)
    index = np.searchsorted(classes, y)
    if len(classes) == 2:
        return (index == 1)[:, np.newaxis]
    return index[:, np.newaxis] == np.arange(len(classes))


def decode(logits, classes, multilabel):
    """Return the predicted labels (or label indicator matrix) of ``logits``.

    For ``logits`` of another namespace, the labels are arrays of it on their
    device, but for labels that are not numbers: NumPy arrays of them.
    """
    if not is_host(logits):
        return _decode_xp(logits, classes, multilabel)
    if multilabel:
        return (logits > 0).astype(int)
    if logits.shape[1] == 1:
        return classes[(logits[:, 0] > 0).astype(int)]
    return classes[logits.argmax(axis=1)]


def _decode_xp(logits, classes, multilabel):
    xp = array_api_compat.array_namespace(logits)
    if multilabel:
        return xp.astype(logits > 0, xp.int64)
    if logits.shape[1] == 1:
        index = xp.astype(logits[:, 0] > 0, xp.int64)
    else:
        index = xp.argmax(logits, axis=1)
    if classes.dtype.kind not in "biuf":
        return classes[as_host(index)]
    return xp.take(xp.asarray(classes, device=array_api_compat.device(logits)), index)


def probabilities(z, out_activation, multilabel, log=False, fused=None):
    """The class probabilities (or their logs) from the logits ``z``.

    NumPy's are computed in place in ``z``, by ``fused(z, out_activation)``
    (an engine's activation and clip in one kernel) if given; other
    namespaces' in new arrays.
    """
    if not is_host(z):
        xp = array_api_compat.array_namespace(z)
        z = XP_OUTPUT_ACTIVATIONS[out_activation](xp, z)
        # Kept in (0, 1): a saturated unit's 0 or 1 has an infinite log.
        single = z.dtype == xp.float32
        tiny = float(np.finfo(np.float32 if single else np.float64).epsneg)
        z = xp.clip(z, tiny, 1 - tiny)
        if z.shape[1] == 1 and not multilabel:
            z = xp.concat([1 - z, z], axis=1)
        return xp.log(z) if log else z
    if fused is not None and z.flags.c_contiguous:
        fused(z, out_activation)
    else:
        OUTPUT_ACTIVATIONS[out_activation][0](z)
        # Kept in (0, 1): a saturated unit's 0 or 1 has an infinite log.
        tiny = np.finfo(z.dtype).epsneg
        np.clip(z, tiny, 1 - tiny, out=z)
    if z.shape[1] == 1 and not multilabel:
        z = np.hstack([1 - z, z])
    return np.log(z, out=z) if log else z
