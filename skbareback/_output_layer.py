"""The regressor's last step under its policy: the output layer, solved.

For the squared error after an identity output, the penalised training loss
is a ridge regression in the output layer's weights once the hidden layers
are fixed. Early stopping leaves that layer wherever the iterations were
when the validation loss was lowest, fitted on the rows it trained on. Here
it is solved exactly for the chosen hidden units on every row the fit was
given (the held-out ones too, as a linear model would use them), for each
penalty of RidgeCV's default grid; each solution's held-out error is its
leave-one-out error, exact for a ridge regression, and out of sample in both
layers on the held-out rows. Training keeps the best of them if its
held-out loss is lower than that of the trained output layer.
"""

import numpy as np
from scipy.linalg import lapack

from ._losses import weighted_mean
from ._network import forward_hidden

# sklearn.linear_model.RidgeCV's default alphas, in the network's units (the
# penalty's weight against the summed squared errors of a single output).
OUTPUT_ALPHAS = (0.1, 1.0, 10.0)


def keep_best_output(est, net, params, fit, val, val_in_fit, rows):
    """Keep the solved output layer whose held-out loss is lowest, if lower.

    ``fit = (X, Y, y, sw)`` are all the rows the fit was given and ``val =
    (X, Y, y, sw, X_raw)`` its validation rows (split from ``fit`` where
    ``val_in_fit``). The layers of :func:`ridge_output_layers`, one per
    ``est._plan.output_alphas``, are judged by the weighted mean of their
    held-out losses against that of the trained layer in ``params``
    (``-est.best_validation_score_``, early stopping on the loss); the best
    replaces it if lower, recorded in ``est.output_alpha_`` and
    ``est.best_validation_score_``.
    """
    X, Y, _, sw = fit
    X_val, Y_val, _, sw_val, _ = val
    # The trained layer's validation loss, which early stopping recorded.
    best = -est.best_validation_score_
    solutions = ridge_output_layers(
        net,
        params,
        (X, Y, sw),
        (X_val, Y_val, sw_val),
        val_in_fit,
        est._plan.output_alphas,
        rows,
    )
    for alpha, coef, intercept, predictions in solutions:
        loss = weighted_mean(est._sample_losses(predictions, Y_val), sw_val)
        if loss < best:
            best, est.output_alpha_, kept = loss, alpha, (coef, intercept)
    if est.output_alpha_ is not None:
        coefs, intercepts = net.unpack(params)
        coefs[-1][...], intercepts[-1][...] = kept
        est.best_validation_score_ = -best


def ridge_output_layers(net, params, fit, val, val_in_fit, alphas, rows):
    """Yield ``(alpha, coef, intercept, val_predictions)`` for each penalty.

    ``coef`` and ``intercept`` minimise, on ``fit = (X, Y, sw)`` and with
    the hidden layers of ``params`` fixed, ``net``'s mean over the samples and
    outputs of half the squared error plus ``0.5 * alpha * ||coef||^2`` over
    the summed sample weights: they solve ``(Hc' S Hc + alpha * k I) coef =
    Hc' S Yc``, with ``H`` the last hidden layer's activations, ``c`` centred
    by the weighted means, ``S`` the weights and ``k`` the outputs. The
    predictions are those for the rows of ``val = (X, Y, sw)``, left out of
    the fit one by one where ``val_in_fit`` (its rows are also in ``fit``).
    Sums go ``rows`` rows at a time, in float64. ``net.fit_intercept`` must
    be true.

    Examples
    --------
    >>> import numpy as np
    >>> from skbareback._network import Network
    >>> from skbareback._output_layer import ridge_output_layers
    >>> net = Network([2, 3, 1], "tanh", "identity", "squared_error", 1.0, True)
    >>> params = net.init_params(np.random.RandomState(0), "glorot", np.float64)
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> Y = X.sum(axis=1, keepdims=True)
    >>> fit = val = (X, Y, None)
    >>> [(alpha, coef, intercept, _)] = ridge_output_layers(
    ...     net, params, fit, val, True, [1.0], rows=3)
    >>> coefs, intercepts = net.unpack(params)
    >>> coefs[-1][...], intercepts[-1][...] = coef, intercept
    >>> grad = np.empty_like(params)
    >>> _ = net.loss_grad(params, grad, X, Y, None, net.workspace(4, np.float64))
    >>> # The output layer's weights and intercept: zero gradient, to rounding.
    >>> bool(np.abs(grad[np.r_[6:9, 12]]).max() < 1e-12)
    True
    """
    coefs, intercepts = net.unpack(params)
    k = coefs[-1].shape[1]
    gram, cross, h_mean, y_mean, w_sum = _centred_moments(net, params, *fit, rows)
    X, Y, sw = val
    H = forward_hidden(coefs, intercepts, X, net.activation)
    H = np.asarray(H, dtype=np.float64) - h_mean
    Y = np.asarray(Y, dtype=np.float64)
    w = np.ones(H.shape[0]) if sw is None else np.asarray(sw, dtype=np.float64)
    # One triangular solve serves the weights and the rows' leverages.
    rhs = np.hstack([cross, H.T])
    for alpha in alphas:
        penalised = gram.copy()
        penalised.flat[:: gram.shape[0] + 1] += alpha * k
        # LAPACK itself: scipy.linalg's checks cost more than the solves here.
        factor, info = lapack.dpotrf(penalised, lower=1)
        if info:
            continue  # the penalty lost in rounding against huge weights
        root, _ = lapack.dtrtrs(factor, rhs, lower=1)
        coef, _ = lapack.dtrtrs(factor, root[:, :k], lower=1, trans=1)
        predictions = H @ coef + y_mean
        if val_in_fit:
            # A ridge fit's leave-one-out residual is its residual over one
            # minus the row's leverage (the intercept's share is w / sum w).
            root = root[:, k:]
            leverage = w * np.einsum("ij,ij->j", root, root) + w / w_sum
            residuals = (Y - predictions) / (1.0 - leverage)[:, None]
            predictions = Y - residuals
        yield alpha, coef, y_mean - h_mean @ coef, predictions


def _centred_moments(net, params, X, Y, sw, rows):
    """The weighted Gram and cross products of the last hidden layer, centred."""
    coefs, intercepts = net.unpack(params)
    n_hidden, n_outputs = coefs[-1].shape
    gram = np.zeros((n_hidden, n_hidden))
    cross = np.zeros((n_hidden, n_outputs))
    h_sum, y_sum, w_sum = np.zeros(n_hidden), np.zeros(n_outputs), 0.0
    for start in range(0, X.shape[0], rows):
        chunk = slice(start, start + rows)
        H = forward_hidden(coefs, intercepts, X[chunk], net.activation)
        H, Yc = np.asarray(H, dtype=np.float64), np.asarray(Y[chunk], np.float64)
        w = np.ones(H.shape[0]) if sw is None else np.asarray(sw[chunk], float)
        Hw = H * w[:, None]
        gram += Hw.T @ H
        cross += Hw.T @ Yc
        h_sum += Hw.sum(axis=0)
        y_sum += w @ Yc
        w_sum += w.sum()
    h_mean, y_mean = h_sum / w_sum, y_sum / w_sum
    gram -= np.outer(h_sum, h_mean)
    cross -= np.outer(h_sum, y_mean)
    return gram, cross, h_mean, y_mean, w_sum
