"""BareMLPClassifier: validation, one training loop, L-BFGS through scipy."""

import warnings

import numpy as np
import scipy.optimize
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
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
from ._network import Network, Workspace, forward_logits
from ._optimizers import OPTIMIZERS
from ._params import check_params, hidden_layer_sizes

# Below this many training samples, solver='auto' uses L-BFGS: on small data it
# converges in far fewer passes than adam and to a sharper optimum.
_AUTO_LBFGS_MAX_SAMPLES = 1000


class BareMLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier trained by backpropagation in NumPy.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters with the same meanings, and for the same hyperparameters and
    ``random_state`` the same model. It adds ``solver='auto'``, a
    ``tanh`` default, and ``loss``, ``fit_intercept`` and ``weight_init`` to
    express the classic tutorial networks.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer. An
        empty tuple gives a network with no hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='tanh'
        Activation function of the hidden layers.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The weight optimizer. 'auto' uses 'lbfgs' when ``fit`` sees fewer than
        1000 samples and ``early_stopping`` is off, and 'adam' otherwise (and
        always in ``partial_fit``): full-batch L-BFGS reaches a confident,
        converged model on small data in a few milliseconds, where adam's
        fixed step budget leaves it under-trained. The solver used is stored
        in ``solver_``.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the coefficients, divided by the sample
        weight total as in MLPClassifier.

    batch_size : int or 'auto', default='auto'
        Minibatch size for the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations (lbfgs).

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

    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the data and stop when
        the validation accuracy stops improving (stochastic solvers).

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay of adam's first moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of adam's second moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.

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
        Validation accuracy after every epoch, with early stopping.

    best_validation_score_ : float or None
        Best validation accuracy, with early stopping.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The reference implementation.

    Notes
    -----
    All weights live in one flat vector; ``coefs_`` and ``intercepts_`` are
    views into it. A ``fit`` or ``partial_fit`` that raises leaves a
    previously fitted model exactly as it was.

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
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="log_loss",
        fit_intercept=True,
        weight_init="glorot",
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

    # ------------------------------------------------------------------ fit

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est.solver != "lbfgs")
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
            for multilabel targets) and ignored afterwards.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        multilabel = not scipy.sparse.issparse(y) and np.ndim(y) == 2
        if not hasattr(self, "classes_") and classes is None and not multilabel:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        check_params(self)
        # Train a shallow copy and adopt its state only on success, so a fit
        # that raises leaves a fitted model untouched. Training never writes
        # into the old arrays: it works on a freshly packed parameter vector.
        trial = object.__new__(type(self))
        trial.__dict__.update(self.__dict__)
        trial._fit_trial(X, y, sample_weight, incremental, classes)
        self.__dict__.update(trial.__dict__)
        return self

    def _fit_trial(self, X, y, sample_weight, incremental, classes):
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
        Y = self._encode_targets(y, first, incremental, classes)
        sw = _check_sample_weight(sample_weight, X)
        self.solver_ = self._resolve_solver(X.shape[0], incremental)
        rs = check_random_state(self.random_state)
        layer_units = [X.shape[1], *hidden_layer_sizes(self.hidden_layer_sizes)]
        net = Network(
            layer_units + [Y.shape[1]],
            self.activation,
            "logistic" if Y.shape[1] == 1 or self._multilabel else "softmax",
            self.loss,
            self.alpha,
            self.fit_intercept,
        )
        if first:
            params = self._initialize(net, rs, X.dtype)
        else:
            params = self._continue(net, X.dtype)
        self.coefs_, self.intercepts_ = net.unpack(params)
        if self.solver_ == "lbfgs":
            self._fit_lbfgs(net, params, X, Y, sw)
        else:
            self._fit_stochastic(net, params, X, Y, y, sw, rs, incremental)

    def _resolve_solver(self, n_samples, incremental):
        if self.solver != "auto":
            return self.solver
        small = n_samples < _AUTO_LBFGS_MAX_SAMPLES
        return "lbfgs" if small and not (incremental or self.early_stopping) else "adam"

    def _initialize(self, net, rs, dtype):
        self.n_layers_ = len(net.layer_units)
        self.n_outputs_ = net.layer_units[-1]
        self.out_activation_ = net.out_activation
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._optimizer_state = None
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
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
        if self.validation_scores_ is not None:
            self.validation_scores_ = list(self.validation_scores_)
        return net.pack(self.coefs_, self.intercepts_, dtype)

    # ----------------------------------------------------------- targets

    @property
    def _multilabel(self):
        return self._y_type == "multilabel-indicator"

    def _encode_targets(self, y, first, incremental, classes):
        """Check ``y`` against the known classes; return a boolean indicator."""
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
                f"data, but the data contains only one class: {self.classes_[0]!r}."
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

    # ----------------------------------------------------------- solvers

    def _fit_lbfgs(self, net, params, X, Y, sw):
        grad = np.empty_like(params)
        ws = Workspace(net, X.shape[0], params.dtype)

        def loss_grad(x):
            params[:] = x
            loss = net.loss_grad(params, grad, X, Y, sw, ws)
            return loss, grad.astype(np.float64)

        def record(intermediate_result):
            self.loss_curve_.append(float(intermediate_result.fun))
            if self.verbose:
                n = len(self.loss_curve_)
                print(f"Iteration {n}, loss = {self.loss_curve_[-1]:.8f}")

        result = scipy.optimize.minimize(
            loss_grad,
            params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
            },
            callback=record,
        )
        params[:] = result.x
        self.n_iter_ = min(result.nit, self.max_iter)
        self.loss_ = float(result.fun)
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(status={result.status}): {result.message}. Increase max_iter "
                "or scale the data.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _fit_stochastic(self, net, params, X, Y, y, sw, rs, incremental):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        optimizer = self._make_optimizer(net, params.dtype, incremental)
        train, val = self._split(X, Y, y, sw, rs)
        n_samples = train[0].shape[0]
        batch_size = self._batch_size(n_samples)
        ws = Workspace(net, batch_size, params.dtype)
        grad = np.empty_like(params)
        order = np.arange(n_samples)
        best = params.copy()
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            self.loss_ = self._epoch(
                net, params, grad, optimizer, train, order, batch_size, ws, rs
            )
            self.n_iter_ += 1
            self.t_ += n_samples
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            if self._end_epoch(optimizer, val, params, best) or incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if self.early_stopping:
            params[:] = best
        self._optimizer_state = optimizer.state

    def _make_optimizer(self, net, dtype, incremental):
        state = self._optimizer_state if incremental else None
        if state is not None:
            state = {
                k: np.copy(v) if isinstance(v, np.ndarray) else v
                for k, v in state.items()
            }
        return OPTIMIZERS[self.solver_](
            net.n_params, dtype, state=state, **self.get_params()
        )

    def _split(self, X, Y, y, sw, rs):
        """Return ``(X, Y, sw)`` for training and the validation set or None."""
        if not self.early_stopping:
            return (X, Y, sw), None
        # As MLPClassifier: only single-output targets are stratified.
        stratify = Y if Y.shape[1] == 1 else None
        arrays = (X, Y, y) if sw is None else (X, Y, y, sw)
        parts = train_test_split(
            *arrays,
            random_state=rs,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, Y_train, _, _, y_val = parts[:6]
        sw_train, sw_val = parts[6:] if sw is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return (X_train, Y_train, sw_train), (X_val, y_val, sw_val)

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

    def _epoch(self, net, params, grad, optimizer, train, order, batch_size, ws, rs):
        """Run one pass over the data; return the mean training loss."""
        X, Y, sw = train
        if self.shuffle:
            # Shuffling the running order in place draws exactly what
            # MLPClassifier's cumulative ``shuffle(sample_idx)`` draws.
            rs.shuffle(order)
            X, Y = X[order], Y[order]
            sw = None if sw is None else sw[order]
        n_samples = X.shape[0]
        total = 0.0
        for start in range(0, n_samples, batch_size):
            batch = slice(start, min(start + batch_size, n_samples))
            sw_batch = None if sw is None else sw[batch]
            loss = net.loss_grad(params, grad, X[batch], Y[batch], sw_batch, ws)
            total += loss * (batch.stop - batch.start)
            optimizer.step(params, grad)
        return total / n_samples

    def _end_epoch(self, optimizer, val, params, best):
        """Update the stopping state after an epoch; return True to stop."""
        self._update_no_improvement_count(val, params, best)
        optimizer.iteration_ends(self.t_)
        if self._no_improvement_count <= self.n_iter_no_change:
            return False
        what = "Validation score" if val is not None else "Training loss"
        msg = (
            f"{what} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        if optimizer.trigger_stopping(msg, self.verbose):
            return True
        self._no_improvement_count = 0
        return False

    def _update_no_improvement_count(self, val, params, best):
        if val is None:
            stalled = self.loss_ > self.best_loss_ - self.tol
            self._no_improvement_count = (
                self._no_improvement_count + 1 if stalled else 0
            )
            self.best_loss_ = min(self.best_loss_, self.loss_)
            return
        score = self._validation_score(*val)
        self.validation_scores_.append(score)
        if self.verbose:
            print(f"Validation score: {score:f}")
        stalled = score < self.best_validation_score_ + self.tol
        self._no_improvement_count = self._no_improvement_count + 1 if stalled else 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            best[:] = params

    def _validation_score(self, X, y, sw):
        logits = self._logits(X)
        if not np.isfinite(logits).all():
            return np.nan
        return accuracy_score(y, self._decode(logits), sample_weight=sw)

    # -------------------------------------------------------- prediction

    def _logits(self, X):
        return forward_logits(self.coefs_, self.intercepts_, X, self.activation)

    def _validated_logits(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        return self._logits(X)

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


def _check_sample_weight(sample_weight, X):
    """Return ``sample_weight`` as a validated 1d array of X's dtype, or None."""
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
    return sw
