"""What both estimators share: input validation, transactional fits, prediction.

:class:`BaseBareMLP` validates the hyperparameters and the data, builds the
network and its parameter vector, and hands them to one
:class:`~skbareback._training.Training` for ``fit``, ``partial_fit`` and
``warm_start`` alike. A subclass says what its targets are: how they are
encoded (``_encode_targets``), weighted (``_sample_weight``) and scaled
(``_scale_targets``), which output activation and losses fit them, and how a
validation set is scored.
"""

import math
import threading
import warnings

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, is_regressor
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ._activations import OUTPUT_ACTIVATIONS
from ._callbacks import CALLBACK_MIXINS, fit_context, with_callbacks
from ._engine_xp import predict_logits
from ._engines import choose, for_prediction
from ._losses import PER_SAMPLE, weighted_mean
from ._network import chunk_rows, forward_logits
from ._params import (
    check_params,
    dropout_rates,
    has_dropout,
    hidden_layer_sizes,
    is_auto,
)
from ._policy import drops_zero_weights, max_iter_bound, plan
from ._threads import map_chunks, thread_limit
from ._training import Training
from ._weights import unit_as_none
from ._xp_compat import (
    all_finite,
    as_host,
    check_same_namespace,
    fitted_to_numpy,
    float_dtypes,
    host_like,
    input_namespace,
    is_host,
    place_fitted_arrays,
    take,
    to_device,
)

# Predictions go chunk by chunk (see _network.chunk_rows), the chunks shared
# among threads: chunks of fewer rows than this lose more to the GIL than they
# gain, and predict_proba on 100,000 x 50 with 100 tanh units took 10% less
# time in chunks of 1,024 rows than of 8,192, 4% less in chunks of 2,048
# (Xeon, AVX-512, one thread; the rule gives 1,248 there).
_PREDICT_CHUNK_ROWS = (1024, 8192)


def _chunk_size(X, coefs):
    """Rows per chunk of a prediction on ``X``: all of them where they are few.

    Validation predicts at every iteration of a fit: small data skips sizing.
    """
    if X.shape[0] <= _PREDICT_CHUNK_ROWS[0]:
        return X.shape[0]
    units = [X.shape[1]] + [c.shape[1] for c in coefs]
    itemsize = np.result_type(X.dtype, coefs[0].dtype).itemsize
    return chunk_rows(units, itemsize, _PREDICT_CHUNK_ROWS)


class BaseBareMLP(*CALLBACK_MIXINS, BaseEstimator):
    """Base class of the multilayer perceptrons; not for direct use.

    Subclasses define ``__init__`` (their parameters), the ``LOSSES`` keys
    their ``loss`` may take (``_loss_options``), the validation
    ``_score_function`` (for ``scoring=None``), and the target hooks
    ``_encode_targets``, ``_sample_weight``, ``_out_activation`` and
    ``_decode`` (from logits to predictions).
    """

    @with_callbacks
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets: class labels or a multilabel indicator matrix for
            the classifier, real values for the regressor.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite sample weights. Under ``solver='auto'`` the
            rows of zero weight are dropped first, so the fit is the one
            without them (the early-stopping split is drawn from the others).

        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set. It replaces the internal ``validation_fraction``
            split of early stopping, and its loss and score are recorded after
            every epoch in ``validation_loss_curve_`` and
            ``validation_scores_``.

        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of the validation set; required with ``X_val``.

        sample_weight_val : array-like of shape (n_val,), default=None
            Sample weights of the validation set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        val = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, val=val)

    def _fit(self, X, y, sample_weight, incremental, classes=None, val=None):
        check_params(self)
        # Train a shallow copy and adopt its state only on success, so a fit
        # that raises leaves a fitted model untouched. Training never writes
        # into the old arrays: it works on a freshly packed parameter vector.
        trial = object.__new__(type(self))
        trial.__dict__.update(self.__dict__)
        # Callbacks see this estimator, not the trial, so that their setup and
        # teardown pair up whether or not the fit succeeds.
        ctx = fit_context(self, 1 if incremental else max_iter_bound(self.max_iter) + 1)
        # Overflow only happens when training diverges, which raises below.
        with np.errstate(over="ignore", invalid="ignore"):
            trial._fit_trial(
                X, y, sample_weight, incremental, classes, val, (self, ctx)
            )
        self.__dict__.update(trial.__dict__)
        return self

    def _fit_trial(self, X, y, sample_weight, incremental, classes, val, callbacks):
        first = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        xp, device = input_namespace(X)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=float_dtypes(xp),
            reset=first,
        )
        # Labels, weights and target scales are made on the host (y is small);
        # the targets then move to X's device, the weights batch by batch.
        y, sample_weight, classes = as_host(y), as_host(sample_weight), as_host(classes)
        host = host_like(X)
        Y, y = self._encode_targets(y, host.dtype, first, incremental, classes)
        sw = self._sample_weight(y, sample_weight, host, incremental)
        params = self.get_params()
        if drops_zero_weights(params):
            X, Y, y, sw = _weighted_rows(X, Y, y, sw)
        Y = self._scale_targets(Y, sw, first)
        Y = Y if xp is None else to_device(Y, xp, device)
        val = self._validation_set(val, X.dtype, incremental)
        self._plan = plan(
            params,
            X.shape[0],
            incremental,
            has_validation_set=val is not None,
            dropout=has_dropout(self),
            regression=is_regressor(self),
            array_api=xp is not None,
        )
        self.solver_, self.alpha_ = self._plan.solver, self._plan.alpha
        if is_regressor(self):
            self.output_alpha_ = None  # until Training solves the output layer
        self.validation_fraction_ = self._plan.validation_fraction
        rs = check_random_state(self.random_state)
        sizes = self._hidden_sizes(first)
        self.hidden_layer_sizes_ = tuple(sizes)
        engine = choose(self.engine, X.shape[0], sum(sizes), xp, device)
        self.engine_ = engine.name
        net = self._network(engine.network, [X.shape[1], *sizes, Y.shape[1]])
        if first:
            params = self._initialize(net, rs, X.dtype)
        else:
            params = self._continue(net, X.dtype)
        self.coefs_, self.intercepts_ = net.unpack(params)
        training = Training(self, net, params, rs, callbacks, engine.optimizers)
        self._start_tracking(val is not None or self._plan.early_stopping, first)
        with thread_limit(self.blas_threads, engine.kernel_threads):
            training.run((X, Y, y, sw), val, incremental)
        self._check_finite(params)
        place_fitted_arrays(self, xp, device)
        # The plan lives for one call: a fitted model holds only arrays and
        # builtins (so skops trusts it as one type).
        del self._plan

    def _hidden_sizes(self, first):
        """The hidden layers' sizes: the plan's, or those of the fit continued."""
        # 'auto' is resolved by the call that starts a model: warm_start and
        # partial_fit continue its units whatever this call's plan.
        if not first and is_auto(self.hidden_layer_sizes):
            return [coef.shape[1] for coef in self.coefs_[:-1]]
        return hidden_layer_sizes(self._plan.hidden_layer_sizes)

    def _network(self, network, layer_units):
        return network(
            layer_units,
            self.activation,
            self._out_activation(layer_units[-1]),
            self._training_loss(),
            self._plan.alpha,
            self.fit_intercept,
            dropout_rates(self.dropout, len(layer_units) - 2),
        )

    def _initialize(self, net, rs, dtype):
        self.n_layers_ = len(net.layer_units)
        self.n_outputs_ = net.layer_units[-1]
        self.out_activation_ = net.out_activation
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._optimizer_state = self._reference_loss = None
        self.best_loss_ = None if self._plan.early_stopping else np.inf
        return net.init_params(rs, self.weight_init, dtype)

    def _continue(self, net, dtype):
        shapes = [c.shape for c in self.coefs_]
        if shapes != net.coef_shapes:
            raise ValueError(
                f"The fitted layer shapes {shapes} do not match the shapes "
                f"{net.coef_shapes} implied by hidden_layer_sizes; refit without "
                "warm_start."
            )
        if net.out_activation != self.out_activation_:
            raise ValueError(
                f"loss={self.loss!r} needs the {net.out_activation!r} output, but "
                f"the model was fitted with {self.out_activation_!r}; refit "
                "without warm_start."
            )
        self.loss_curve_ = list(self.loss_curve_)
        return net.pack(self.coefs_, self.intercepts_, dtype)

    def _start_tracking(self, validating, first):
        """Reset, or carry over from the previous call, the validation records."""
        if not validating:
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None
        elif first or getattr(self, "validation_scores_", None) is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
            self.best_validation_score_ = -np.inf
        else:
            self.validation_scores_ = list(self.validation_scores_)
            self.validation_loss_curve_ = list(self.validation_loss_curve_)

    def _check_finite(self, params):
        if not all_finite(params):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )

    def _validation_set(self, val, dtype, incremental):
        """Validate a user-supplied validation set: ``(X, Y, y, sw, X_raw)``."""
        X_raw, y, sw = val if val is not None else (None, None, None)
        if X_raw is None and y is None and sw is None:
            return None
        if X_raw is None or y is None:
            raise ValueError("X_val and y_val must be passed together.")
        X = validate_data(
            self, X_raw, accept_sparse=["csr", "csc"], dtype=dtype, reset=False
        )
        y = y if scipy.sparse.issparse(y) else np.asarray(as_host(y))
        Y, y = self._encode_targets(y, host_like(X).dtype, False, True, None)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(
                f"X_val has {X.shape[0]} samples but y_val has {Y.shape[0]}."
            )
        Y = self._scale_targets(Y, None, False)
        sw = self._sample_weight(y, as_host(sw), host_like(X), incremental)
        return X, Y, y, sw, X_raw

    def _constant_loss(self, Y, sw):
        """The training loss of the best constant prediction (inf: unknown)."""
        return math.inf

    def _scale_hint(self):
        """What a fit that the data's scale defeats advises, beyond scaling X."""
        return ""

    def _training_loss(self):
        """The ``LOSSES`` key whose value and gradient the network trains."""
        return self.loss

    def _scale_targets(self, Y, sw, first):
        """The targets the network trains on (the regressor rescales them)."""
        return Y

    def _default_score(self, logits, y, sw):
        """The validation score with ``scoring=None``, as scikit-learn's."""
        if not np.isfinite(logits).all():
            return np.nan
        return self._score_function(y, self._decode(logits), sample_weight=sw)

    def _validation_metrics(self, val, scorer):
        """Return the validation score (higher is better) and loss."""
        X, Y, y, sw, X_raw = val
        # Validation is scored on the host: the logits travel, not the data.
        logits, Y, sw = as_host(self._logits(X)), as_host(Y), as_host(sw)
        val_loss = weighted_mean(self._sample_losses(logits.copy(), Y), sw)
        if self._plan.scoring is None:
            return self._default_score(logits, y, sw), val_loss
        if self._plan.scoring == "loss":
            return -val_loss, val_loss
        kwargs = {} if sw is None else {"sample_weight": sw}
        with warnings.catch_warnings():
            # The internal split holds arrays; the scorer re-validates them.
            warnings.filterwarnings("ignore", message="X does not have valid feature")
            return float(scorer(self, as_host(X_raw), y, **kwargs)), val_loss

    def _validation_losses(self, val):
        """Each validation sample's loss under the current weights, on the host."""
        return self._sample_losses(as_host(self._logits(val[0])), as_host(val[1]))

    def _sample_losses(self, logits, Y):
        """Each sample's loss, from its logits (overwritten by the outputs)."""
        OUTPUT_ACTIVATIONS[self.out_activation_][0](logits)
        return PER_SAMPLE[self.loss](Y, logits, self.out_activation_)

    # -------------------------------------------------------- prediction

    def _prediction_engine(self):
        """The engine that predicts: the fit's, NumPy where numba is gone."""
        # Models fitted before engines existed ran NumPy's.
        return for_prediction(getattr(self, "engine_", "numpy"))

    def _logits(self, X):
        if not is_host(X):
            return predict_logits(X, self.coefs_, self.intercepts_, self.activation)
        # A model fitted in another namespace predicts NumPy input on the host.
        coefs = [as_host(c) for c in self.coefs_]
        intercepts = [as_host(b) for b in self.intercepts_]
        n_samples = X.shape[0]
        engine = self._prediction_engine()
        fused = engine.bias_activation
        size = _chunk_size(X, coefs)
        if n_samples <= size:
            with thread_limit(self.blas_threads, engine.kernel_threads, n_samples):
                return forward_logits(
                    coefs, intercepts, X, self.activation, None, None, fused
                )
        if scipy.sparse.issparse(X):
            X = X.tocsr()
        dtype = np.result_type(X.dtype, coefs[0].dtype)
        logits = np.empty((n_samples, self.n_outputs_), dtype=dtype)
        # One set of hidden buffers per thread, reused chunk after chunk, and
        # the output layer written in place: no allocation or copy per chunk.
        local = threading.local()

        def fill(rows):
            if not hasattr(local, "hidden"):
                local.hidden = [
                    np.empty((size, c.shape[1]), dtype=dtype) for c in coefs[:-1]
                ]
            chunk = X[rows]
            acts = [h[: chunk.shape[0]] for h in local.hidden] + [logits[rows]]
            with np.errstate(all="ignore"):
                forward_logits(
                    coefs,
                    intercepts,
                    chunk,
                    self.activation,
                    acts,
                    None,
                    fused,
                )

        map_chunks(fill, n_samples, size)
        return logits

    def _validated_logits(self, X, method="predict"):
        if "coefs_" not in self.__dict__:
            check_is_fitted(self)
        check_same_namespace(X, self.coefs_[0], self, method)
        # The fast path: a float ndarray of the right width needs only the
        # finiteness check of all that validate_data does; it is done below.
        plain = (
            _is_plain(X, self.n_features_in_)
            and "feature_names_in_" not in self.__dict__
        )
        if not plain:
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=float_dtypes(input_namespace(X)[0]),
                reset=False,
            )
        # Inputs far outside the training range can overflow the products:
        # that is an error to report once, not a warning per layer.
        with np.errstate(all="ignore"):
            # A finite sum proves a finite array in one pass (a float, so the
            # test is cheap); only an overflowing sum needs the full check.
            if plain and not math.isfinite(X.sum()) and not np.isfinite(X).all():
                raise ValueError("Input X contains NaN or infinity.")
            logits = self._logits(X)
            if all_finite(logits):
                return logits
        raise ValueError(
            "The network's outputs overflowed to NaN or infinity on this input: "
            "its values lie far outside the range seen in training; scale them."
        )

    def predict(self, X):
        """Predict with the fitted network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted classes (or label indicator matrix) of the
            classifier, the predicted values of the regressor.
        """
        return self._decode(self._validated_logits(X))

    def to_numpy(self):
        """Return a copy of the fitted model whose arrays are NumPy arrays.

        For a model fitted on another namespace's arrays (under
        ``array_api_dispatch``): the copy predicts NumPy input with the NumPy
        engine, and pickle, skops and ONNX export take it.

        Returns
        -------
        model : estimator
            A new estimator: the same parameters, fitted arrays in host memory.
        """
        return fitted_to_numpy(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Array API inputs are computed on in their namespace (see _engine_xp).
        tags.array_api_support = True
        return tags


def _weighted_rows(X, Y, y, sw):
    """Drop the rows of zero weight (see ``_policy.drops_zero_weights``)."""
    if sw is None or (sw > 0).all():
        return X, Y, y, sw
    rows = np.flatnonzero(sw > 0)
    # What is left may be unit weights, which are no weights.
    return take(X, rows), Y[rows], y[rows], unit_as_none(sw[rows])


def _is_plain(X, n_features):
    return (
        type(X) is np.ndarray
        and X.dtype in (np.float64, np.float32)
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] == n_features
    )
