"""BareMLPClassifier: class labels in, probabilities out."""

from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if

from ._base import BaseBareMLP
from ._callbacks import with_callbacks
from ._targets import (
    MULTILABEL,
    check_classes,
    check_partial_fit_classes,
    class_labels,
    class_targets,
    decode,
    indicator,
    probabilities,
)
from ._weights import class_weighted


class _MultiLabelMixin:
    """Mark a classifier that fits multilabel indicators, as MLPClassifier.

    A mixin left of ClassifierMixin, which sets the classifier tags after
    every class to its right has returned (BaseBareMLP's among them).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class BareMLPClassifier(_MultiLabelMixin, ClassifierMixin, BaseBareMLP):
    """Multilayer perceptron classifier trained by backpropagation in NumPy.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters and, for the same hyperparameters and ``random_state``, the
    same model. It adds ``solver='auto'`` (with ``alpha``, ``max_iter`` and
    ``early_stopping`` also 'auto': a policy that is fast, converged and
    calibrated on real tables), a ``tanh`` default, ``dropout``, and ``loss``,
    ``fit_intercept`` and ``weight_init`` for the classic tutorials.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer. An
        empty tuple gives a network with no hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='tanh'
        Activation function of the hidden layers.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The optimizer, stored in ``solver_``. 'auto' is 'lbfgs' below 50,000
        samples, else (or with ``partial_fit``, ``dropout``) 'adam'. On the 29
        tables of ``benchmarks/real_data.py`` the defaults score +0.010
        accuracy over ``MLPClassifier()`` (-0.019 at worst), log-loss 0.505 to
        0.557, no ConvergenceWarning (it: 129/145), 0.21x its fit time (median).

    alpha : float or 'auto', default='auto'
        L2 penalty, divided by the sample (or minibatch) weight total. 'auto'
        is 0.01, but 1.0 (a unit normal prior) for L-BFGS stopped early by
        'auto' (at most 200 iterations), then continued at 0.3, kept only if
        that lowers the validation loss by over one standard error.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is ``min(200, n)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int or 'auto', default='auto'
        Maximum epochs (stochastic solvers) or iterations (lbfgs). 'auto': 200
        for an explicit solver, else 15,000 L-BFGS iterations or 1,000 epochs.

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
        improving and restore the best weights; validates on ``X_val`` or
        ``validation_fraction`` of the data. 'auto': True under
        ``solver='auto'`` from 91 samples on, else False. 'lbfgs' ignores it.

    validation_fraction : float or 'auto', default=0.1
        Fraction held out for early stopping ('auto': 0.1).

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

    loss : {'log_loss', 'squared_error'}, default='log_loss'
        Training loss: cross-entropy, or half the squared error of the output
        probabilities averaged over the outputs (the classic tutorials' loss).

    fit_intercept : bool, default=True
        Whether the layers have bias units; if False, ``intercepts_`` stay zero.

    weight_init : {'glorot', 'uniform'}, default='glorot'
        'glorot' is MLPClassifier's scheme; 'uniform' draws every weight from
        U(-1, 1) as the classic tutorials do: ``2 * random_sample(shape) - 1``.

    class_weight : dict, 'balanced' or None, default=None
        Class weights multiplying ``sample_weight``: ``{label: weight}``, or
        'balanced' (``compute_sample_weight('balanced', y)``), which
        ``partial_fit`` refuses: one batch cannot estimate the frequencies.

    scoring : str, callable or None, default=None
        What early stopping watches: None for accuracy (as MLPClassifier; the
        loss when 'auto' stops early), 'loss' for the validation loss (negated
        in ``validation_scores_``), or a scorer name or callable.

    blas_threads : int or None, default=1
        Threads in ``fit`` and in predictions from 256 rows up to one chunk:
        BLAS's (threadpoolctl) and, with ``engine='numba'``, numba's (at most
        ``NUMBA_NUM_THREADS``; restored after). One is fastest for small
        networks and immune to oversubscription; None leaves both as they
        are. Larger predictions share out chunks of 1024 to 8192 rows.

    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Probability of zeroing each hidden unit's output at a training step,
        the kept ones scaled by ``1 / (1 - p)``: one rate, or one per hidden
        layer, in [0, 1). Prediction keeps every unit; ``loss_curve_`` is the
        thinned networks' loss. Above 0, 'auto' picks adam and 'lbfgs' raises.

    engine : {'auto', 'numpy', 'numba', 'array_api'}, default='auto'
        'numba' runs training through fused compiled kernels (the ``fast``
        extra), 'numpy' through NumPy: the same model up to rounding. 'auto' is
        'numba', if it imports, on 4,000,000 rows x hidden units or more, and
        'array_api' (in the data's namespace, on its device: a GPU) for arrays
        of PyTorch, CuPy... under ``sklearn.config_context(array_api_dispatch=
        True)``, where 'auto' solvers are adam and 'lbfgs' raises.

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

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        Output activation: 'logistic' or 'softmax'.

    hidden_layer_sizes_ : tuple of int
        The hidden layers' sizes ('auto', the regressor's default: (100,)).

    solver_ : str
        The solver used by the last call, with 'auto' resolved.

    alpha_ : float
        The L2 penalty the returned weights were trained with.

    validation_fraction_ : float
        ``validation_fraction`` with 'auto' resolved.

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
        The best validation score.

    engine_ : str
        The engine that ran the last call: 'numpy', 'numba' or 'array_api'.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The reference implementation.

    Notes
    -----
    ``coefs_`` and ``intercepts_`` are views into one flat weight vector. A
    ``fit`` or ``partial_fit`` that raises leaves a fitted model as it was; a
    stochastic loss that turns non-finite or grows a thousandfold raises a
    ``ValueError`` (training diverged) instead of returning a broken model.
    From scikit-learn 1.9, ``set_callbacks`` takes ``sklearn.callback``
    callbacks: ``fit`` is one task, one sub-task per epoch (or iteration).

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
        dropout=0.0,
        engine="auto",
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
        self.dropout = dropout
        self.engine = engine

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
        check_partial_fit_classes(y, classes, getattr(self, "classes_", None))
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    _loss_options = ("log_loss", "squared_error")
    _score_function = staticmethod(accuracy_score)

    def _out_activation(self, n_outputs):
        return "softmax" if n_outputs > 1 and not self._multilabel else "logistic"

    def _sample_weight(self, y, sample_weight, X, incremental):
        return class_weighted(
            self.class_weight, y, self.classes_, sample_weight, X, incremental
        )

    @property
    def _multilabel(self):
        return self._y_type == MULTILABEL

    def _encode_targets(self, y, dtype, first, incremental, classes):
        """Check ``y`` against the known classes; return ``(Y, y)``.

        ``Y`` is a boolean indicator with one column per output unit.
        """
        y, y_type = class_targets(y)
        if first:
            self._y_type = y_type
            self.classes_ = class_labels(y, y_type, classes)
        exact = self.warm_start and not (first or incremental)
        check_classes(y, y_type, self._y_type, self.classes_, exact)
        return indicator(y, self.classes_, self._multilabel), y

    def _decode(self, logits):
        return decode(logits, self.classes_, self._multilabel)

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
        logits = self._validated_logits(X, "decision_function")
        return logits[:, 0] if logits.shape[1] == 1 and not self._multilabel else logits

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
        return _probabilities(self, X, "predict_proba")

    def predict_log_proba(self, X):
        """Log of probability estimates, finite: ``predict_proba`` is in (0, 1).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        return _probabilities(self, X, "predict_log_proba", log=True)


def _probabilities(clf, X, method, log=False):
    """``clf``'s class probabilities (or their logs), by its engine's kernel."""
    z = clf._validated_logits(X, method)
    fused = clf._prediction_engine().output_probabilities
    return probabilities(z, clf.out_activation_, clf._multilabel, log, fused)
