"""BareMLPClassifier: validation, one training loop, L-BFGS through scipy."""

import math
import threading
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._activations import OUTPUT_ACTIVATIONS
from ._callbacks import CALLBACK_MIXINS, fit_context, with_callbacks
from ._losses import LOSSES
from ._network import Network, Workspace, forward_logits
from ._optimizers import OPTIMIZERS
from ._params import check_params, hidden_layer_sizes
from ._policy import max_iter_bound, plan
from ._threads import blas_limit, map_chunks
from ._weights import class_weighted

# Full-batch passes over more rows than these go chunk by chunk: activations
# of one chunk instead of all the data. Prediction shares its chunks among
# threads; smaller chunks than this lose more to the GIL than they gain.
_LBFGS_CHUNK_ROWS = 8192
_PREDICT_CHUNK_ROWS = 8192

# A stochastic training loss this many times above where training started
# (or above 1) means the steps are too large: training has diverged.
_DIVERGENCE_FACTOR = 1e3


class BareMLPClassifier(ClassifierMixin, *CALLBACK_MIXINS, BaseEstimator):
    """Multilayer perceptron classifier trained by backpropagation in NumPy.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters with the same meanings, and for the same hyperparameters and
    ``random_state`` the same model. It adds ``solver='auto'`` (with
    ``alpha``, ``max_iter`` and ``early_stopping`` left at 'auto': a policy
    that is fast, converged and calibrated on real tables), a ``tanh``
    default, and ``loss``, ``fit_intercept`` and ``weight_init`` to express
    the classic tutorial networks.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer. An
        empty tuple gives a network with no hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='tanh'
        Activation function of the hidden layers.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The weight optimizer. 'auto' chooses the solver, and with it the
        stopping rule, from the number of training samples ``n``:

        - ``n < 50,000``: 'lbfgs'. From ``n >= 100`` on (a validation set
          of at least 10 samples), it holds out ``validation_fraction`` of
          the data, stops when the validation loss has not improved by
          ``tol`` for ``3 * n_iter_no_change`` iterations, and restores the
          weights of the best iteration.
        - ``n >= 50,000``: 'adam', with the same early stopping after
          ``n_iter_no_change`` epochs: an epoch then makes at least 250
          updates, and a few tens of epochs replace hundreds of full passes.
        - ``partial_fit``: 'adam', one epoch per call.

        The solver used is stored in ``solver_``. On the 20 real tables of
        ``benchmarks/real_data.py`` (5-fold CV), the defaults scored
        REALDATA_FIGURES

    alpha : float or 'auto', default='auto'
        Strength of the L2 penalty on the coefficients, divided by the sample
        weight total (of the minibatch, for the stochastic solvers) as in
        MLPClassifier. 'auto' is 1.0 when ``solver='auto'`` runs L-BFGS with
        early stopping: divided by the sample count, that is a standard
        normal prior on every weight, which keeps probabilities calibrated
        on small, noisy tables. Otherwise 'auto' is 0.01: enough for the
        converged fits of tiny data (XOR is learned confidently) and weak
        next to adam's per-minibatch division.

    batch_size : int or 'auto', default='auto'
        Minibatch size for the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int or 'auto', default='auto'
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).
        'auto' is MLPClassifier's 200 for an explicit solver; under
        ``solver='auto'`` it is a cap that the stopping rules end training
        well before: 15,000 L-BFGS iterations (``max_fun`` applies too) or
        1,000 adam epochs.

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the early-stopping split.

    tol : float, default=1e-4
        Tolerance of the stopping rules (and ``gtol`` of L-BFGS).

    verbose : bool, default=False
        Whether to print the loss every epoch or iteration.

    warm_start : bool, default=False
        Whether ``fit`` continues from the previous solution.

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool or 'auto', default='auto'
        Whether to stop when the validation score (see ``scoring``) stops
        improving, and restore the best weights. The validation set is
        ``X_val`` if given to ``fit``, else ``validation_fraction`` of the data
        (stratified for binary targets, as MLPClassifier). 'auto' is False
        for an explicit solver, and under ``solver='auto'`` True whenever a
        validation set of at least 10 samples is at hand (see ``solver``).
        An explicit 'lbfgs' warns that it ignores early stopping, as
        MLPClassifier does; under ``solver='auto'`` L-BFGS stops on it.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay of adam's first moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of adam's second moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping (three times as
        many iterations for L-BFGS with early stopping under
        ``solver='auto'``: its validation loss can stall on a plateau for
        tens of iterations before it falls again).

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    loss : {'log_loss', 'squared_error'}, default='log_loss'
        Training loss: cross-entropy, or half the squared error of the output
        probabilities averaged over the outputs (the classic tutorials' loss).

    fit_intercept : bool, default=True
        Whether the layers have bias units; if False, ``intercepts_`` stay zero.

    weight_init : {'glorot', 'uniform'}, default='glorot'
        'glorot' is MLPClassifier's scheme; 'uniform' draws every weight from
        U(-1, 1) as ``2 * random_sample(shape) - 1``, layer by layer, as the
        classic tutorials do.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplying ``sample_weight``: a dict
        ``{label: weight}``, or 'balanced' for weights inversely proportional
        to the class frequencies in ``y`` (the same model as passing
        ``compute_sample_weight('balanced', y)`` as ``sample_weight``).
        ``partial_fit`` accepts a dict but not 'balanced', which one batch
        cannot estimate; compute the weights once with
        ``compute_class_weight('balanced', classes=classes, y=y_all)``.

    scoring : str, callable or None, default=None
        What early stopping watches on the validation set: None for the
        accuracy (MLPClassifier's behaviour; under ``solver='auto'``, the
        validation loss, so that the probabilities are what it selects),
        'loss' for the validation loss
        (stored negated in ``validation_scores_`` so that higher is better),
        or any scikit-learn scorer name or callable ``scorer(est, X, y)``.

    blas_threads : int or None, default=1
        Number of BLAS threads in ``fit`` and in predictions on 256 to 8192
        rows, set with threadpoolctl for the duration of the call. One
        thread is fastest for the matrix products of small-data networks, and
        immune to oversubscription: with two threads, a busy neighbour
        process or parallel grid-search workers slow every product down by
        an order of magnitude. None leaves BLAS as configured (for example
        by an enclosing ``threadpoolctl.threadpool_limits``), which can pay
        off for full-batch L-BFGS on large data on an idle machine.
        Predictions on more rows share chunks of 8192 rows among as many
        threads as BLAS is configured to use in the process (so
        ``threadpool_limits`` and the limits of dask, loky or Ray workers
        apply), each running BLAS on one thread.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, ``arange(n_labels)``).

    coefs_ : list of ndarray
        ``coefs_[i]`` holds the weights from layer i to layer i + 1.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` holds the biases of layer i + 1.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when they are all strings.

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Output activation: 'logistic' or 'softmax'.

    solver_ : str
        The solver used by the last call, with 'auto' resolved.

    loss_ : float
        The training loss at the end of the last call.

    best_loss_ : float or None
        The lowest training loss reached (None with early stopping).

    loss_curve_ : list of float
        The training loss after every epoch (or L-BFGS iteration).

    t_ : int
        Number of training samples seen by the stochastic solvers.

    validation_scores_ : list of float or None
        The validation score (see ``scoring``) after every epoch, whenever a
        validation set is in play (early stopping, or ``X_val`` given).

    validation_loss_curve_ : list of float or None
        The validation loss (the training ``loss``, without the L2 term)
        after every epoch, whenever a validation set is in play.

    best_validation_score_ : float or None
        The best validation score, whenever a validation set is in play.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The reference implementation.

    Notes
    -----
    All weights live in one flat vector; ``coefs_`` and ``intercepts_`` are
    views into it. A ``fit`` or ``partial_fit`` that raises leaves a
    previously fitted model exactly as it was. A stochastic training loss
    that turns non-finite or grows a thousandfold raises a ``ValueError``
    (training diverged) rather than returning a broken model.

    With scikit-learn 1.9 or later, ``set_callbacks`` accepts
    ``sklearn.callback`` callbacks (``ProgressBar``, ``ScoringMonitor``):
    ``fit`` is one task with one sub-task per epoch (per L-BFGS iteration).
    With an older scikit-learn there is no ``set_callbacks``; ``verbose``
    still prints the loss every epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from skbareback import BareMLPClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 1, 1, 0])
    >>> clf = BareMLPClassifier(random_state=0).fit(X, y)
    >>> clf.predict(X)
    array([0, 1, 1, 0])
    >>> clf.solver_
    'lbfgs'
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="tanh",
        *,
        solver="auto",
        alpha="auto",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter="auto",
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping="auto",
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        fit_intercept=True,
        weight_init="glorot",
        class_weight=None,
        scoring=None,
        blas_threads=1,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.weight_init = weight_init
        self.class_weight = class_weight
        self.scoring = scoring
        self.blas_threads = blas_threads

    # ------------------------------------------------------------------ fit

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

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite sample weights.

        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            A validation set. It replaces the internal ``validation_fraction``
            split of early stopping, and its loss and score are recorded after
            every epoch in ``validation_loss_curve_`` and
            ``validation_scores_``.

        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
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

    @available_if(lambda est: est.solver != "lbfgs")
    @with_callbacks
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.

        classes : array-like of shape (n_classes,), default=None
            All the classes across calls; required on the first call (except
            for multilabel targets); later calls may repeat it unchanged.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        multilabel = not scipy.sparse.issparse(y) and np.ndim(y) == 2
        fitted = hasattr(self, "classes_")
        if not fitted and classes is None and not multilabel:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if (
            fitted
            and classes is not None
            and not multilabel
            and not np.array_equal(unique_labels(classes), self.classes_)
        ):
            raise ValueError(
                f"classes={classes!r} is not the same as on the first call to "
                f"partial_fit, which gave {self.classes_!r}."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

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
        with (
            np.errstate(over="ignore", invalid="ignore"),
            blas_limit(self.blas_threads),
        ):
            trial._fit_trial(
                X, y, sample_weight, incremental, classes, val, (self, ctx)
            )
        self.__dict__.update(trial.__dict__)
        return self

    def _fit_trial(self, X, y, sample_weight, incremental, classes, val, callbacks):
        first = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=first,
        )
        Y, y = self._encode_targets(y, first, incremental, classes)
        sw = class_weighted(
            self.class_weight, y, self.classes_, sample_weight, X, incremental
        )
        val = self._validation_set(val, X.dtype, incremental)
        self._plan = plan(
            self.get_params(),
            X.shape[0],
            incremental,
            has_validation_set=val is not None,
        )
        self.solver_ = self._plan.solver
        rs = check_random_state(self.random_state)
        net = self._network(X.shape[1], Y.shape[1])
        if first:
            params = self._initialize(net, rs, X.dtype)
        else:
            params = self._continue(net, X.dtype)
        self.coefs_, self.intercepts_ = net.unpack(params)
        run = _Run(self, net, params, rs, callbacks)
        self._start_tracking(val is not None or self._plan.early_stopping, first)
        if self.solver_ == "lbfgs":
            self._fit_lbfgs(run, (X, Y, y, sw), val)
        else:
            self._fit_stochastic(run, (X, Y, y, sw), val, incremental)
        self._check_finite(params)
        # The plan lives for one call: a fitted model holds only arrays and
        # builtins (so skops trusts it as one type).
        del self._plan

    def _network(self, n_features, n_outputs):
        sizes = hidden_layer_sizes(self.hidden_layer_sizes)
        multiple = n_outputs > 1 and not self._multilabel
        return Network(
            [n_features, *sizes, n_outputs],
            self.activation,
            "softmax" if multiple else "logistic",
            self.loss,
            self._plan.alpha,
            self.fit_intercept,
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
        if not np.isfinite(params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )

    # ----------------------------------------------------------- targets

    @property
    def _multilabel(self):
        return self._y_type == "multilabel-indicator"

    def _encode_targets(self, y, first, incremental, classes):
        """Check ``y`` against the known classes; return ``(Y, y)``.

        ``Y`` is a boolean indicator with one column per output unit.
        """
        if scipy.sparse.issparse(y):
            y = y.toarray()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        y_type = type_of_target(y)
        if first:
            self._set_classes(y, y_type, classes)
        else:
            self._check_classes(y, y_type, exact=self.warm_start and not incremental)
        return self._indicator(y), y

    def _indicator(self, y):
        if self._multilabel:
            return y.astype(bool)
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return (index == 1)[:, np.newaxis]
        return index[:, np.newaxis] == np.arange(len(self.classes_))

    def _set_classes(self, y, y_type, classes):
        self._y_type = y_type
        if self._multilabel:
            self.classes_ = np.arange(y.shape[1])
            return
        self.classes_ = unique_labels(y if classes is None else classes)
        if len(self.classes_) < 2:
            raise ValueError(
                "BareMLPClassifier needs samples of at least 2 classes in the "
                f"data, but the data contains only one class: {self.classes_[0]}."
            )
        self._check_classes(y, y_type, exact=False)

    def _check_classes(self, y, y_type, exact):
        if self._multilabel or y_type == "multilabel-indicator":
            if y_type != self._y_type or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y is {y_type} but the model was fitted on "
                    f"{self._y_type} targets with {len(self.classes_)} columns."
                )
            return
        labels = unique_labels(y)
        if exact and set(labels) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got {self.classes_}, "
                f"`y` has {labels}."
            )
        unknown = np.setdiff1d(labels, self.classes_)
        if len(unknown):
            raise ValueError(
                f"`y` has classes {unknown} not in `classes_` {self.classes_}."
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
        Y, y = self._encode_targets(_as_array(y), False, True, None)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(
                f"X_val has {X.shape[0]} samples but y_val has {Y.shape[0]}."
            )
        sw = class_weighted(self.class_weight, y, self.classes_, sw, X, incremental)
        return X, Y, y, sw, X_raw

    # ----------------------------------------------------------- solvers

    def _fit_lbfgs(self, run, train, val):
        # Under solver='auto' L-BFGS stops on the validation loss as the
        # stochastic solvers do; an explicit 'lbfgs' ignores early stopping,
        # as MLPClassifier's does.
        stopping = self._plan.early_stopping and self.solver == "auto"
        if stopping:
            if val is None:
                train, val = self._split(train, run.rs)
            run.best = run.params.copy()
        elif self._plan.early_stopping:
            warnings.warn(
                "early_stopping=True is ignored by solver='lbfgs', which stops "
                "on its gradient tolerance; use solver='adam' or 'sgd' to stop "
                "on a validation score.",
                UserWarning,
                stacklevel=4,
            )
        X, Y, _, sw = train
        ws = Workspace(run.net, min(X.shape[0], _LBFGS_CHUNK_ROWS), run.params.dtype)
        grad = np.empty_like(run.params)

        def loss_grad(x):
            run.params[:] = x
            loss = run.net.loss_grad(run.params, grad, X, Y, sw, ws)
            return loss, grad.astype(np.float64)

        def end_iteration(intermediate_result):
            run.params[:] = intermediate_result.x
            self.loss_ = float(intermediate_result.fun)
            if self._end_epoch(run, val) or (
                stopping and self._no_improvement_count > self._plan.patience
            ):
                raise StopIteration
            run.epochs.begin()

        run.epochs = _EpochHooks(run, train)
        run.epochs.begin()
        result = scipy.optimize.minimize(
            loss_grad,
            run.params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": self.max_fun,
                "maxiter": self._plan.max_iter,
                "gtol": self.tol,
            },
            callback=end_iteration,
        )
        run.params[:] = result.x if run.best is None else run.best
        run.epochs.close()
        self.n_iter_ = min(result.nit, self._plan.max_iter)
        self.loss_ = float(result.fun)
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)
        # 99: a callback asked to stop, which is not a convergence failure.
        if result.status not in (0, 99):
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}): {result.message}.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _fit_stochastic(self, run, train, val, incremental):
        if self.early_stopping != "auto" and self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if self._plan.early_stopping and val is None:
            train, val = self._split(train, run.rs)
        run.optimizer = self._make_optimizer(run, incremental)
        n_samples = train[0].shape[0]
        run.batch_size = self._batch_size(n_samples)
        run.ws = Workspace(run.net, run.batch_size, run.params.dtype)
        run.grad = np.empty_like(run.params)
        run.order = np.arange(n_samples)
        run.best = run.params.copy() if self._plan.early_stopping else None
        max_epochs = 1 if incremental else self._plan.max_iter
        run.epochs = _EpochHooks(run, train)
        self.n_iter_ = 0
        for _ in range(max_epochs):
            run.epochs.begin()
            self.loss_ = self._epoch(run, train)
            self.n_iter_ += 1
            self.t_ += n_samples
            if self._end_epoch(run, val):
                break
            if self.n_iter_ == self._plan.max_iter and not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self._plan.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if run.best is not None:
            run.params[:] = run.best
        run.epochs.close()
        self._optimizer_state = run.optimizer.state

    def _make_optimizer(self, run, incremental):
        state = self._optimizer_state if incremental else None
        if state is not None:
            state = {
                k: np.copy(v) if isinstance(v, np.ndarray) else v
                for k, v in state.items()
            }
        return OPTIMIZERS[self.solver_](
            run.net.n_params, run.params.dtype, state=state, **self.get_params()
        )

    def _split(self, train, rs):
        """Hold out ``validation_fraction`` of ``train`` as MLPClassifier does."""
        X, Y, y, sw = train
        # As MLPClassifier: only single-output targets are stratified.
        stratify = Y if Y.shape[1] == 1 else None
        arrays = (X, Y, y) if sw is None else (X, Y, y, sw)
        parts = train_test_split(
            *arrays,
            random_state=rs,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, Y_train, Y_val, y_train, y_val = parts[:6]
        sw_train, sw_val = parts[6:] if sw is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return (X_train, Y_train, y_train, sw_train), (
            X_val,
            Y_val,
            y_val,
            sw_val,
            X_val,
        )

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=5,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _epoch(self, run, train):
        """Run one pass over the training data; return its mean loss."""
        X, Y, _, sw = train
        if self.shuffle:
            # Shuffling the running order in place draws exactly what
            # MLPClassifier's cumulative ``shuffle(sample_idx)`` draws.
            run.rs.shuffle(run.order)
            X, Y = X[run.order], Y[run.order]
            sw = None if sw is None else sw[run.order]
        n_samples = X.shape[0]
        total = 0.0
        for start in range(0, n_samples, run.batch_size):
            batch = slice(start, min(start + run.batch_size, n_samples))
            sw_batch = None if sw is None else sw[batch]
            loss = run.net.loss_grad(
                run.params, run.grad, X[batch], Y[batch], sw_batch, run.ws
            )
            self._check_divergence(loss)
            total += loss * (batch.stop - batch.start)
            run.optimizer.step(run.params, run.grad)
        return total / n_samples

    def _end_epoch(self, run, val):
        """Record an epoch (or L-BFGS iteration); return True to stop training."""
        self.loss_curve_.append(self.loss_)
        if self.verbose:
            print(f"Iteration {len(self.loss_curve_)}, loss = {self.loss_:.8f}")
        self._track(run, val)
        stop = run.epochs.end()
        if run.optimizer is None:
            return stop
        run.optimizer.iteration_ends(self.t_)
        if self._no_improvement_count > self.n_iter_no_change:
            what = "Validation score" if self._plan.early_stopping else "Training loss"
            msg = (
                f"{what} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
            if run.optimizer.trigger_stopping(msg, self.verbose):
                return True
            self._no_improvement_count = 0
        return stop

    def _track(self, run, val):
        """Record the validation metrics and update the no-improvement count.

        As MLPClassifier: with early stopping the count follows the validation
        score (and the best weights are kept), else the training loss.
        """
        score = None
        if val is not None:
            score, val_loss = self._validation_metrics(run, val)
            self.validation_scores_.append(score)
            self.validation_loss_curve_.append(val_loss)
            if self.verbose:
                print(f"Validation score: {score:f}")
        if run.best is not None:
            stalled = score < self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                run.best[:] = run.params
        else:
            stalled = self.best_loss_ is not None and (
                self.loss_ > self.best_loss_ - self.tol
            )
            if self.best_loss_ is not None:
                self.best_loss_ = min(self.best_loss_, self.loss_)
        if score is not None and score > self.best_validation_score_:
            self.best_validation_score_ = score
        self._no_improvement_count = self._no_improvement_count + 1 if stalled else 0

    def _check_divergence(self, loss):
        # The reference is the first batch loss of the model's first call, so
        # that a stream of partial_fit calls cannot drift away unnoticed.
        if self._reference_loss is None:
            self._reference_loss = loss
        reference = self._reference_loss
        if np.isfinite(loss) and loss <= _DIVERGENCE_FACTOR * max(reference, 1.0):
            return
        raise ValueError(
            f"Training diverged: the loss reached {loss:.3g} after starting at "
            f"{reference:.3g}. Lower learning_rate_init (it is "
            f"{self.learning_rate_init:g}), or scale the input data."
        )

    def _validation_metrics(self, run, val):
        """Return the validation score (higher is better) and loss."""
        X, Y, y, sw, X_raw = val
        logits = self._logits(X)
        P = logits.copy()
        OUTPUT_ACTIVATIONS[self.out_activation_][0](P)
        val_loss = LOSSES[self.loss][0](Y, P, sw, self.out_activation_)
        if self._plan.scoring is None:
            if not np.isfinite(logits).all():
                return np.nan, val_loss
            return accuracy_score(y, self._decode(logits), sample_weight=sw), val_loss
        if self._plan.scoring == "loss":
            return -val_loss, val_loss
        kwargs = {} if sw is None else {"sample_weight": sw}
        with warnings.catch_warnings():
            # The internal split holds arrays; the scorer re-validates them.
            warnings.filterwarnings("ignore", message="X does not have valid feature")
            return float(run.scorer(self, X_raw, y, **kwargs)), val_loss

    # -------------------------------------------------------- prediction

    def _logits(self, X):
        n_samples = X.shape[0]
        if n_samples <= _PREDICT_CHUNK_ROWS:
            with blas_limit(self.blas_threads, n_samples):
                return forward_logits(self.coefs_, self.intercepts_, X, self.activation)
        if scipy.sparse.issparse(X):
            X = X.tocsr()
        dtype = np.result_type(X.dtype, self.coefs_[0].dtype)
        logits = np.empty((n_samples, self.n_outputs_), dtype=dtype)
        hidden_units = [c.shape[1] for c in self.coefs_[:-1]]
        # One set of hidden buffers per thread, reused chunk after chunk, and
        # the output layer written in place: no allocation or copy per chunk.
        local = threading.local()

        def fill(rows):
            if not hasattr(local, "hidden"):
                local.hidden = [
                    np.empty((_PREDICT_CHUNK_ROWS, u), dtype=dtype)
                    for u in hidden_units
                ]
            chunk = X[rows]
            acts = [h[: chunk.shape[0]] for h in local.hidden] + [logits[rows]]
            with np.errstate(all="ignore"):
                forward_logits(
                    self.coefs_, self.intercepts_, chunk, self.activation, acts
                )

        map_chunks(fill, n_samples, _PREDICT_CHUNK_ROWS)
        return logits

    def _validated_logits(self, X):
        if "coefs_" not in self.__dict__:
            check_is_fitted(self)
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
                dtype=(np.float64, np.float32),
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
            if math.isfinite(logits.sum()) or np.isfinite(logits).all():
                return logits
        raise ValueError(
            "The network's outputs overflowed to NaN or infinity on this input: "
            "its values lie far outside the range seen in training; scale them."
        )

    def _decode(self, logits):
        if self._multilabel:
            return (logits > 0).astype(int)
        if logits.shape[1] == 1:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[logits.argmax(axis=1)]

    def decision_function(self, X):
        """Return the output layer's pre-activation (logits).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary targets the logit of the positive class, else one
            column per class (multiclass) or label (multilabel).
        """
        logits = self._validated_logits(X)
        return logits[:, 0] if logits.shape[1] == 1 and not self._multilabel else logits

    def predict(self, X):
        """Predict class labels (or a label indicator matrix for multilabel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The predicted classes.
        """
        return self._decode(self._validated_logits(X))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        z = self._validated_logits(X)
        OUTPUT_ACTIVATIONS[self.out_activation_][0](z)
        # Keep probabilities inside the open interval (0, 1): saturated units
        # round to exactly 0 or 1, whose log is -inf or whose complement is 0.
        tiny = np.finfo(z.dtype).epsneg
        np.clip(z, tiny, 1 - tiny, out=z)
        if z.shape[1] == 1 and not self._multilabel:
            return np.hstack([1 - z, z])
        return z

    def predict_log_proba(self, X):
        """Log of probability estimates; finite, as ``predict_proba`` is in (0, 1).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


def _is_plain(X, n_features):
    return (
        type(X) is np.ndarray
        and X.dtype in (np.float64, np.float32)
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] == n_features
    )


def _as_array(y):
    return y if scipy.sparse.issparse(y) else np.asarray(y)


def _meta(sw):
    return None if sw is None else {"sample_weight": sw}


class _Run:
    """The state of one training call: network, parameters, scratch, hooks."""

    def __init__(self, trial, net, params, rs, callbacks):
        self.trial, self.net, self.params, self.rs = trial, net, params, rs
        self.callback_owner, self.ctx = callbacks
        scoring = trial._plan.scoring
        self.scorer = (
            None if scoring in (None, "loss") else check_scoring(trial, scoring)
        )
        self.optimizer = self.best = self.epochs = None


class _EpochHooks:
    """Calls the sklearn callback hooks: one fit task, one sub-task per epoch."""

    def __init__(self, run, train):
        # Keep the pieces, not the run: the run holds these hooks, and a
        # cycle would keep the training data alive until the next gc pass.
        self.trial, self.net, self.params = run.trial, run.net, run.params
        self.owner, self.ctx, self.current = run.callback_owner, run.ctx, None
        X, _, y, sw = train
        self.data = {"X": X, "y": y, "metadata": _meta(sw)}
        self.ctx.call_on_fit_task_begin(estimator=self.owner, **self.data)

    def _snapshot(self):
        # The fitted state as of now, copied: training goes on in place.
        state = dict(self.trial.__dict__)
        coefs, intercepts = self.net.unpack(self.params.copy())
        state.update(coefs_=coefs, intercepts_=intercepts)
        return state

    def begin(self):
        self.current = self.ctx.subcontext(task_name="epoch")
        self.current.call_on_fit_task_begin(estimator=self.owner, **self.data)

    def end(self):
        stop = self.current.call_on_fit_task_end(
            estimator=self.owner,
            reconstruction_attributes=self._snapshot,
            **self.data,
        )
        self.current = None
        return bool(stop)

    def close(self):
        if self.current is not None:
            # L-BFGS opens one iteration more than it runs; end it empty.
            self.current.call_on_fit_task_end(estimator=self.owner)
        self.ctx.call_on_fit_task_end(
            estimator=self.owner,
            reconstruction_attributes=self._snapshot,
            **self.data,
        )
