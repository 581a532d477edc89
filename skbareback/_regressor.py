"""BareMLPRegressor: continuous targets in, predicted values out."""

import numpy as np
from sklearn.base import MultiOutputMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from ._base import BaseBareMLP
from ._callbacks import with_callbacks
from ._scaling import (
    constant_loss,
    is_scaled,
    location_scale,
    predictions,
    real_targets,
    scale,
)
from ._weights import check_sample_weight


class BareMLPRegressor(MultiOutputMixin, RegressorMixin, BaseBareMLP):
    """Multilayer perceptron regressor trained by backpropagation in NumPy.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters with the same meanings, and for the same hyperparameters and
    ``random_state`` the same model. It adds ``solver='auto'`` (with
    ``alpha``, ``max_iter``, ``early_stopping`` and ``scale_target`` also
    'auto': the classifier's policy, on standardised targets), a ``tanh``
    default, ``fit_intercept``, ``weight_init``, ``scoring``, a user
    validation set, ``blas_threads`` and ``dropout``.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        As MLPRegressor: half the squared error, averaged over samples and
        outputs, with an identity output; or half the Poisson deviance,
        summed over the outputs, with an exponential output (a log link),
        for non-negative targets.

    hidden_layer_sizes : array-like of shape (n_layers - 2,) or 'auto', \
            default='auto'
        Units per hidden layer (``()``: none). 'auto' is ``(50,)`` where the
        policy stops early ('auto' solver and stopping, 41 samples or more),
        else MLPRegressor's ``(100,)``; a warm start or ``partial_fit`` keeps
        the units it continues.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='tanh'
        Activation function of the hidden layers; MLPRegressor's is 'relu'.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The weight optimizer, stored in ``solver_``. 'auto' is 'lbfgs' below
        50,000 samples, else (or with ``partial_fit``, ``dropout``) 'adam'; with
        ``early_stopping`` set explicitly, 'lbfgs' below 1000 samples without
        early stopping, else 'adam'; its L-BFGS is a NumPy one (SciPy's
        L-BFGS-B without bounds), an explicit 'lbfgs' SciPy's own.

    alpha : float or 'auto', default='auto'
        L2 penalty, divided by the sample (or minibatch) weight total. 'auto'
        is 0.01, but 1.0 (a unit normal prior on standardised targets) for
        L-BFGS stopped early by 'auto', continued at 0.3 where that explains
        90% of the validation variance and lowers its loss by over one SE.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is ``min(200, n)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int or 'auto', default='auto'
        Maximum epochs or L-BFGS iterations; 'auto': 200 for an explicit
        solver, else 15,000 L-BFGS iterations or 1,000 epochs.

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the early-stopping split and dropout.

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
        improving, restoring the best weights ('lbfgs' warns, ignoring it);
        'auto': True under 'auto' from 41 samples on, else False.

    validation_fraction : float or 'auto', default='auto'
        Fraction held out for early stopping. 'auto': 0.2 under the 'auto'
        policy (a mean of squared errors is noisier than a 0/1 outcome), else
        MLPRegressor's 0.1.

    beta_1 : float, default=0.9
        Decay of adam's first moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of adam's second moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping (3x as many L-BFGS
        iterations when 'auto' stops early: its validation loss plateaus).

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    fit_intercept : bool, default=True
        Whether the layers have bias units (else ``intercepts_`` stay zero).

    weight_init : {'glorot', 'uniform'}, default='glorot'
        'glorot' is MLPRegressor's scheme; 'uniform' draws every weight from
        U(-1, 1) as the classic tutorials do: ``2 * random_sample(shape) - 1``.

    scoring : str, callable or None, default=None
        What early stopping watches: None for the R² (as MLPRegressor; the
        loss when 'auto' stops early), 'loss' for the validation loss (negated
        in ``validation_scores_``), or a scorer name or callable.

    blas_threads : int or None, default=1
        BLAS threads, and numba's with ``engine='numba'``, in ``fit`` and in
        predictions from 256 rows up to one chunk (None: as configured); see
        :class:`BareMLPClassifier`.

    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Probability of zeroing each hidden unit's output at a training step
        (inverted dropout; one rate, or one per hidden layer, in [0, 1)), as
        in :class:`BareMLPClassifier`. Above 0, 'auto' picks adam.

    scale_target : bool or 'auto', default='auto'
        Whether the network trains on ``(y - target_offset_) / target_scale_``,
        each output standardised by its (weighted) mean and standard deviation
        (for 'poisson' only divided by its mean: predictions stay positive),
        mapped back in ``predict``. 'auto': True under ``solver='auto'``. The
        losses recorded (``loss_``, ``loss_curve_``) are on the scale trained.

    engine : {'auto', 'numpy', 'numba', 'array_api'}, default='auto'
        Compiled numba kernels (the ``fast`` extra), NumPy, or the data's array
        namespace; the same model up to rounding (see the classifier).

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` holds the weights from layer i to layer i + 1.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` holds the biases of layer i + 1.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output activation: 'identity' ('squared_error') or 'exp' ('poisson').

    target_offset_ : ndarray of shape (n_outputs,)
        Subtracted from the targets before training (0 when not scaled).

    target_scale_ : ndarray of shape (n_outputs,)
        Divides the centred targets before training (1 when not scaled).

    hidden_layer_sizes_ : tuple of int
        The hidden layers' sizes, with 'auto' resolved.

    solver_ : str
        The solver used by the last call, with 'auto' resolved.

    alpha_ : float
        The L2 penalty the returned weights were trained with.

    output_alpha_ : float or None
        The penalty of the output layer solved on all training rows at the
        end of a fit under the policy ('auto', squared error), kept for its
        lower held-out loss (``-best_validation_score_``); else None.

    validation_fraction_ : float
        The share of the samples early stopping held out, with 'auto'
        resolved (used only when it stopped early on its own split).

    loss_ : float
        The training loss at the end of the last call.

    best_loss_ : float or None
        The lowest training loss reached (None with early stopping).

    loss_curve_ : list of float
        The training loss after every epoch (or L-BFGS iteration).

    t_ : int
        Number of training samples seen by the stochastic solvers.

    validation_scores_ : list of float or None
        The validation score (see ``scoring``) after every epoch, when there
        is a validation set (early stopping, or ``X_val`` given).

    validation_loss_curve_ : list of float or None
        The validation loss (``loss`` without the L2 term) after every epoch.

    best_validation_score_ : float or None
        The best validation score (see ``output_alpha_``).

    engine_ : str
        The engine that ran the last call: 'numpy', 'numba' or 'array_api'.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The reference implementation.
    BareMLPClassifier : The classifier on the same core.

    Notes
    -----
    As in MLPRegressor, the reported squared error is averaged over the
    outputs, its gradient that of their sum: the steps are MLPRegressor's.

    ``coefs_`` and ``intercepts_`` are views into one flat weight vector. A
    ``fit`` or ``partial_fit`` that raises leaves a fitted model as it was; a
    non-finite batch loss, or an epoch's a thousandfold above the initial
    weights', raises a ``ValueError``; one batch of large targets does not.

    Examples
    --------
    >>> import numpy as np
    >>> from skbareback import BareMLPRegressor
    >>> X = np.linspace(-2, 2, 50).reshape(-1, 1)
    >>> y = 1000 + 50 * X.ravel() ** 2  # a price, on its own scale
    >>> reg = BareMLPRegressor(hidden_layer_sizes=(10,), random_state=0)
    >>> reg = reg.fit(X, y)
    >>> reg.solver_
    'lbfgs'
    >>> np.round(reg.predict([[0.0], [1.0]]), -1)
    array([1000., 1050.])
    """

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes="auto",
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
        validation_fraction="auto",
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        fit_intercept=True,
        weight_init="glorot",
        scoring=None,
        blas_threads=1,
        dropout=0.0,
        scale_target="auto",
        engine="auto",
    ):
        self.loss = loss
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
        self.fit_intercept = fit_intercept
        self.weight_init = weight_init
        self.scoring = scoring
        self.blas_threads = blas_threads
        self.dropout = dropout
        self.scale_target = scale_target
        self.engine = engine

    @available_if(lambda est: est.solver != "lbfgs")
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative, finite sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    _loss_options = ("squared_error", "poisson")
    _score_function = staticmethod(r2_score)

    def _out_activation(self, n_outputs):
        return "exp" if self.loss == "poisson" else "identity"

    def _sample_weight(self, y, sample_weight, X, incremental):
        return check_sample_weight(sample_weight, X)

    def _encode_targets(self, y, dtype, first, incremental, classes):
        """Check ``y``; return ``(Y, y)``, Y with one column per output.

        ``y`` keeps its shape, a single column made 1d as MLPRegressor does.
        """
        y = real_targets(y)
        y = y.astype(dtype, copy=False)
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if first:
            self.n_outputs_ = Y.shape[1]
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the model was fitted with "
                f"{self.n_outputs_}."
            )
        if self.loss == "poisson" and (Y < 0).any():
            raise ValueError(
                f"loss='poisson' needs non-negative targets, but y has a "
                f"minimum of {Y.min():g}."
            )
        return Y, y

    def _training_loss(self):
        # MLPRegressor's squared error steps along the gradient of the sum
        # over the outputs, not of the mean it reports: kept for an explicit
        # solver (the same model), made exact under the policy.
        if self.loss == "squared_error" and self.solver == "auto":
            return "mean_squared_error"
        return self.loss

    def _scale_targets(self, Y, sw, first):
        """Train on ``(Y - target_offset_) / target_scale_`` (see _scaling)."""
        if first:
            scaled = self.scale_target
            if scaled == "auto":
                scaled = self.solver == "auto"
            fitted = location_scale(Y, sw, self.loss, identity=not scaled)
            self.target_offset_, self.target_scale_ = fitted
        if not self._scaled():
            return Y
        return scale(Y, self.target_offset_, self.target_scale_, Y.dtype)

    def _scaled(self):
        return is_scaled(self.target_offset_, self.target_scale_)

    def _constant_loss(self, Y, sw):
        if self.loss != "squared_error":
            return np.inf
        return constant_loss(Y, sw, self.fit_intercept)

    def _scale_hint(self):
        if self._scaled():
            return ""
        return " (scale_target=True trains on standardised targets)"

    def _decode(self, logits):
        """The predictions, computed in place in NumPy ``logits``."""
        scaling = (self.target_offset_, self.target_scale_) if self._scaled() else None
        return predictions(logits, self.out_activation_ == "exp", scaling)
