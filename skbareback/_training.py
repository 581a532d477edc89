"""One training call: the solvers' loops, epochs, early stopping, divergence.

``fit``, ``partial_fit`` and ``warm_start`` all run a :class:`Training`: the
estimator prepares the data, the network and its parameter vector, and the
training runs L-BFGS or the epochs of a stochastic solver over them, writing
the fitted records (``loss_curve_``, ``n_iter_``, the validation records) onto
the estimator as it goes.
"""

import math
import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split

from ._callbacks import EpochHooks
from ._lbfgs import MINIMIZERS
from ._losses import weighted_mean
from ._network import Workspace, chunk_rows, mask_stream
from ._output_layer import keep_best_output
from ._policy import significantly_lower, validation_size
from ._xp_compat import as_host, copy, empty_like, take

# Full-batch passes go chunk by chunk (see _network.chunk_rows), in chunks of
# at least as many rows as this, for the passes' own cost not to show, and at
# most as many: on 20,000 x 24 with 100 tanh units, an L-BFGS iteration took
# 15% less time in chunks of 636 rows than of 8,192, with 256 units in chunks
# of 256 rows 27% less (Xeon, AVX-512).
_LBFGS_CHUNK_ROWS = (256, 8192)

# A stochastic epoch's training loss this many times above the initial
# weights' loss (or above 1) means the steps are too large: training diverged.
_DIVERGENCE_FACTOR = 1e3


class Training:
    """The state of one training call: network, parameters, scratch, hooks.

    Parameters
    ----------
    est : BaseBareMLP
        The estimator being trained (the trial copy of a transactional fit):
        its hyperparameters are read and its fitted records written.
    net : Network
        The network's layout and passes.
    params : ndarray
        The flat parameter vector, trained in place.
    rs : RandomState
        Draws the shuffles and the early-stopping split, and seeds the
        dropout masks.
    callbacks : tuple
        ``(owner, context)``: the estimator the sklearn callbacks see, and
        the root callback context of this call.
    optimizers : dict
        The stochastic solvers' optimizer classes, by ``solver_``: the
        engine's (see _engines.py), like ``net``.
    """

    def __init__(self, est, net, params, rs, callbacks, optimizers):
        self.est, self.net, self.params, self.rs = est, net, params, rs
        self.optimizers = optimizers
        self.callback_owner, self.ctx = callbacks
        scoring = est._plan.scoring
        self.scorer = None if scoring in (None, "loss") else check_scoring(est, scoring)
        self.optimizer = self.best = self.epochs = None

    def run(self, train, val, incremental):
        """Train on ``train = (X, Y, y, sw)``, tracking ``val`` if not None."""
        self.held_out = None  # the validation rows split from ``train``
        if self.est.solver_ == "lbfgs":
            self._lbfgs(train, val)
        else:
            self._stochastic(train, val, incremental)
        if self.est._plan.output_alphas and self.best is not None:
            # Validation rows split from ``train`` are in its ridge fits too.
            split, val = self.held_out is not None, self.held_out or val
            rows = chunk_rows(self.net.layer_units, 8, _LBFGS_CHUNK_ROWS)
            keep_best_output(self.est, self.net, self.params, train, val, split, rows)

    def _lbfgs(self, train, val):
        est = self.est
        # Under solver='auto' L-BFGS stops on the validation loss as the
        # stochastic solvers do; an explicit 'lbfgs' ignores early stopping,
        # as scikit-learn's does.
        stopping = est._plan.early_stopping and est.solver == "auto"
        if stopping:
            if val is None:
                train, val = self._split(train)
            self.best = self.params.copy()
        elif est._plan.early_stopping:
            warnings.warn(
                "early_stopping=True is ignored by solver='lbfgs', which stops "
                "on its gradient tolerance; use solver='adam' or 'sgd' to stop "
                "on a validation score.",
                UserWarning,
                stacklevel=5,
            )
        run = self._lbfgs_functions(train, val, stopping)
        self.epochs = EpochHooks(self, train)
        results = [self._minimize(run, self.params, 0, 0)]
        for alpha in est._plan.continuation if stopping else ():
            spent = self._spent(results)
            if self.halted or spent is None or not self._explained(val):
                break
            results.append(self._continuation(run, alpha, val, spent))
            # Each step of the path must earn its place, or the path ends.
            if est.alpha_ != alpha:
                break
        self._end_lbfgs(results, train)

    def _lbfgs_functions(self, train, val, stopping):
        """The loss-and-gradient and end-of-iteration functions of L-BFGS."""
        est, params = self.est, self.params
        X, Y, _, sw = train
        units, itemsize = self.net.layer_units, params.dtype.itemsize
        # Each chunk's activations and deltas.
        rows = chunk_rows(units, itemsize, _LBFGS_CHUNK_ROWS, arrays=2)
        ws = Workspace(self.net, min(X.shape[0], rows), params.dtype)
        grad = np.empty_like(params)
        self.patience, self.halted = est._plan.patience, False
        self.stage_left = est._plan.first_stage_max_iter or math.inf

        def loss_grad(x):
            params[:] = x
            loss = self.net.loss_grad(params, grad, X, Y, sw, ws)
            return loss, grad.astype(np.float64)

        def end_iteration(intermediate_result):
            params[:] = intermediate_result.x
            est.loss_ = float(intermediate_result.fun)
            self.halted = self._end_epoch(val)
            if self.halted or (stopping and self._stage_ends()):
                raise StopIteration
            self.epochs.begin()

        return loss_grad, end_iteration

    def _stage_ends(self):
        """Whether an L-BFGS stage lost its patience or ran its iterations."""
        self.stage_left -= 1
        return self.est._no_improvement_count > self.patience or self.stage_left <= 0

    def _end_lbfgs(self, results, train):
        """Keep the chosen weights and record the fit, warning on a failure."""
        est = self.est
        self.params[:] = results[-1].x if self.best is None else self.best
        self.epochs.close()
        est.n_iter_ = min(sum(r.nit for r in results), est._plan.max_iter)
        est.loss_ = float(results[-1].fun)
        if not math.isfinite(est.loss_):
            raise ValueError(_untrainable(est.loss_, est))
        est.best_loss_ = min(est.loss_curve_, default=est.loss_)
        # 99: a callback asked to stop, which is not a convergence failure.
        failed = [r for r in results if r.status not in (0, 99)]
        # Targets far from the network's scale can stall L-BFGS in a flat,
        # saturated region that SciPy calls converged. Only a minimum of the
        # training loss itself can be judged so: early stopping keeps the
        # weights the validation set prefers, which on noise may be worse.
        constant = est._constant_loss(train[1], train[3])
        if not failed and self.best is None and est.loss_ >= constant:
            warnings.warn(
                f"lbfgs stopped after {est.n_iter_} iteration(s) at a loss of "
                f"{est.loss_:.3g}, no lower than predicting a constant "
                f"({constant:.3g}). Scale the inputs{est._scale_hint()}.",
                ConvergenceWarning,
                stacklevel=6,
            )
        if failed:
            # SciPy's message can be empty (status 2: the line search failed).
            why = failed[0].message or "the line search found no lower loss"
            warnings.warn(
                f"lbfgs failed to converge after {est.n_iter_} iteration(s) "
                f"(status={failed[0].status}): {why}. Scale the inputs"
                f"{est._scale_hint()}.",
                ConvergenceWarning,
                stacklevel=6,
            )

    def _spent(self, results):
        """``(iterations, evaluations)`` spent so far, or None if that is all."""
        nit, nfev = sum(r.nit for r in results), sum(r.nfev for r in results)
        if nit >= self.est._plan.max_iter or nfev >= self.est.max_fun:
            return None
        return nit, nfev

    def _minimize(self, run, start, nit, nfev):
        """Run L-BFGS from ``start`` on what ``nit`` and ``nfev`` left of the budget."""
        loss_grad, end_iteration = run
        self.epochs.begin()
        return MINIMIZERS[self.est._plan.minimizer](
            loss_grad,
            start.astype(np.float64),
            maxfun=self.est.max_fun - nfev,
            maxiter=self.est._plan.max_iter - nit,
            gtol=self.est.tol,
            callback=end_iteration,
        )

    def _explained(self, val):
        """Whether the kept weights explain enough of ``val`` to continue."""
        est = self.est
        share = est._plan.continuation_min_explained
        constant = est._constant_loss(val[1], val[3])
        return -est.best_validation_score_ <= (1 - share) * constant

    def _continuation(self, run, alpha, val, spent):
        """Continue L-BFGS from the kept weights under the penalty ``alpha``.

        The continuation's best weights replace the kept ones only if their
        validation loss is lower by over one standard error (see _policy).
        """
        est, kept = self.est, self.best.copy()
        self.params[:] = kept
        baseline, kept_score = est._validation_losses(val), est.best_validation_score_
        self.net.alpha, self.patience = alpha, est.n_iter_no_change
        self.stage_left = math.inf
        est.best_validation_score_, est._no_improvement_count = -np.inf, 0
        result = self._minimize(run, kept, *spent)
        self.params[:] = self.best
        if significantly_lower(est._validation_losses(val), baseline, val[3]):
            est.alpha_ = alpha
        else:
            self.best[:] = kept
            est.best_validation_score_ = kept_score
        return result

    def _stochastic(self, train, val, incremental):
        est = self.est
        if est.early_stopping != "auto" and est.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if est._plan.early_stopping and val is None:
            train, val = self._split(train)
        self.optimizer = self._make_optimizer(incremental)
        n_samples = train[0].shape[0]
        self.batch_size = self._batch_size(n_samples)
        # Masks from a stream seeded by the random state and the samples seen
        # so far: a fit is reproducible and every partial_fit call draws anew.
        rng = mask_stream(self.rs, est.t_) if any(self.net.dropout) else None
        self.ws = self.net.workspace(self.batch_size, self.params.dtype, rng)
        self.grad = empty_like(self.params)
        self.order = np.arange(n_samples)
        self.best = copy(self.params) if est._plan.early_stopping else None
        if est._reference_loss is None:
            est._reference_loss = self._initial_loss(train)
        max_epochs = 1 if incremental else est._plan.max_iter
        self.epochs = EpochHooks(self, train)
        est.n_iter_ = 0
        for _ in range(max_epochs):
            self.epochs.begin()
            est.loss_ = self._epoch(train)
            self._check_divergence(est.loss_, epoch=True)
            est.n_iter_ += 1
            est.t_ += n_samples
            if self._end_epoch(val):
                break
            if est.n_iter_ == est._plan.max_iter and not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est._plan.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=5,
                )
        if self.best is not None:
            self.params[:] = self.best
        self.epochs.close()
        est._optimizer_state = self.optimizer.state

    def _make_optimizer(self, incremental):
        est = self.est
        state = est._optimizer_state if incremental else None
        if state is not None:
            state = {k: copy(v) if hasattr(v, "shape") else v for k, v in state.items()}
        return self.optimizers[est.solver_](
            self.net.n_params, self.params.dtype, state=state, **est.get_params()
        )

    def _split(self, train):
        """Hold out ``validation_fraction`` of ``train`` as scikit-learn does."""
        X, Y, y, sw = train
        # The split's indices are drawn on the host (exactly the rows that
        # splitting the arrays themselves takes), the rows gathered where the
        # arrays live; as scikit-learn, only single-output classification is
        # stratified.
        stratify = as_host(Y) if self._stratified(Y) else None
        fraction = self.est._plan.validation_fraction
        train_rows, val_rows = held_out_rows(self.rs, X.shape[0], fraction, stratify)
        X_train, X_val = take(X, train_rows), take(X, val_rows)
        Y_train, Y_val = take(Y, train_rows), take(Y, val_rows)
        y_train, y_val = y[train_rows], y[val_rows]
        sw_train = sw_val = None
        if sw is not None:
            sw_train, sw_val = sw[train_rows], sw[val_rows]
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        # Recorded: the output layer's solve fits these rows too.
        self.held_out = (X_val, Y_val, y_val, sw_val, X_val)
        return (X_train, Y_train, y_train, sw_train), self.held_out

    def _stratified(self, Y):
        return is_classifier(self.est) and Y.shape[1] == 1

    def _batch_size(self, n_samples):
        batch_size = self.est.batch_size
        if batch_size == "auto":
            return min(200, n_samples)
        if batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=6,
            )
        return int(np.clip(batch_size, 1, n_samples))

    def _epoch(self, train):
        """Run one pass over the training data; return its mean loss."""
        X, Y, _, sw = train
        order = None
        if self.est.shuffle:
            # Shuffling the running order in place draws exactly what
            # scikit-learn's cumulative ``shuffle(sample_idx)`` draws.
            self.rs.shuffle(self.order)
            order = self.order
            sw = None if sw is None else sw[order]
        losses = self.net.train_epoch(
            self.params,
            self.grad,
            X,
            Y,
            sw,
            self.ws,
            self.optimizer,
            self.batch_size,
            order,
        )
        # The pass stops at its first non-finite batch loss: only the last can be.
        self._check_divergence(losses[-1])
        n_samples, total = X.shape[0], 0.0
        for start, loss in zip(range(0, n_samples, self.batch_size), losses):
            total += loss * (min(start + self.batch_size, n_samples) - start)
        return total / n_samples

    def _end_epoch(self, val):
        """Record an epoch (or L-BFGS iteration); return True to stop training."""
        est = self.est
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {len(est.loss_curve_)}, loss = {est.loss_:.8f}")
        self._track(val)
        stop = self.epochs.end()
        if self.optimizer is None:
            return stop
        self.optimizer.iteration_ends(est.t_)
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if est._plan.early_stopping else "Training loss"
            msg = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            if self.optimizer.trigger_stopping(msg, est.verbose):
                return True
            est._no_improvement_count = 0
        return stop

    def _track(self, val):
        """Record the validation metrics and update the no-improvement count.

        As scikit-learn: with early stopping the count follows the validation
        score (and the best weights are kept), else the training loss.
        """
        est = self.est
        score = None
        if val is not None:
            score, val_loss = est._validation_metrics(val, self.scorer)
            est.validation_scores_.append(score)
            est.validation_loss_curve_.append(val_loss)
            if est.verbose:
                print(f"Validation score: {score:f}")
        if self.best is not None:
            stalled = score < est.best_validation_score_ + est.tol
            if score > est.best_validation_score_:
                self.best[:] = self.params
        else:
            stalled = est.best_loss_ is not None and (
                est.loss_ > est.best_loss_ - est.tol
            )
            if est.best_loss_ is not None:
                est.best_loss_ = min(est.best_loss_, est.loss_)
        if score is not None and score > est.best_validation_score_:
            est.best_validation_score_ = score
        est._no_improvement_count = est._no_improvement_count + 1 if stalled else 0

    def _initial_loss(self, train):
        """The data loss of the initial weights: what divergence is judged by."""
        X, Y, _, sw = train
        est = self.est
        loss = weighted_mean(est._validation_losses((X, Y)), sw)
        if not math.isfinite(loss):
            raise ValueError(_untrainable(loss, est))
        return loss

    def _check_divergence(self, loss, epoch=False):
        """Raise if a batch loss is not finite or an epoch's loss has exploded.

        A single batch is only checked for finiteness: one that holds a few
        large targets can cost thousands of times another while training goes
        well. Whole epochs are judged against the loss of the model's initial
        weights on all its first call's data, so that a stream of
        ``partial_fit`` calls cannot drift away unnoticed either.
        """
        est = self.est
        if math.isfinite(loss) and (
            not epoch or loss <= _DIVERGENCE_FACTOR * max(est._reference_loss, 1.0)
        ):
            return
        raise ValueError(
            f"Training diverged: the loss reached {loss:.3g} after starting at "
            f"{est._reference_loss:.3g}. Lower learning_rate_init (it is "
            f"{est.learning_rate_init:g}), or scale the input data."
        )


def _untrainable(loss, est):
    """The error of a loss that is not finite from the start of training."""
    return (
        f"Cannot train: the training loss is {loss}. "
        "The targets or inputs are too large for the loss in floating point; "
        f"scale them{est._scale_hint()}."
    )


def held_out_rows(rs, n_samples, fraction, stratify=None):
    """``(train_rows, val_rows)``, the indices ``train_test_split`` draws.

    Unstratified, it is ShuffleSplit's draw (one permutation, its first
    rows held out) without train_test_split's checks, which take longer
    (0.16 ms against 0.002 on 82 rows) than an L-BFGS iteration on them.
    """
    n_val = validation_size(n_samples, fraction)
    if stratify is not None or not 0 < n_val < n_samples:
        rows = np.arange(n_samples)
        return train_test_split(
            rows, random_state=rs, test_size=fraction, stratify=stratify
        )
    rows = rs.permutation(n_samples)
    return rows[n_val:], rows[:n_val]
