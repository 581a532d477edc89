"""Export a fitted BareMLPClassifier or BareMLPRegressor to ONNX through skl2onnx.

Importing this module registers converters for :class:`BareMLPClassifier`
and :class:`BareMLPRegressor` with skl2onnx, so ``skl2onnx.to_onnx`` converts
them too, alone or as the last step of a pipeline. It needs the ``onnx``
extra (``skl2onnx``, ``onnx`` and, to run the graphs, ``onnxruntime``);
``import skbareback`` never imports it.

The graph computes what the estimator computes: the same forward pass, the
same clip of the probabilities, and labels decided from the logits exactly as
``predict`` decides them, not from rounded probabilities. A regressor's graph
outputs its predictions as one (n_samples, n_outputs) tensor, as skl2onnx's
regressors do.
"""

import numbers

import numpy as np
import scipy.sparse
from onnx import TensorProto
from skl2onnx import convert_sklearn, update_registered_converter
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils import (
    check_input_and_output_numbers,
    check_input_and_output_types,
)
from skl2onnx.common.utils_classifier import get_label_classes
from sklearn.utils.validation import check_is_fitted

from ._classifier import BareMLPClassifier
from ._regressor import BareMLPRegressor

__all__ = ["to_onnx"]

# The identity gets no node at all.
_HIDDEN_OPS = {"logistic": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}

# Options of skl2onnx's classifiers. Declaring 'zipmap' also makes
# update_registered_converter parse the model with skl2onnx's classifier
# parser, which adds the ZipMap (or the per-class columns) after our outputs.
# Not 'output_class_labels': skl2onnx's node for it fails on bool and float
# classes.
_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False, True]}


def to_onnx(estimator, X, *, target_opset=None, options=None):
    """Convert a fitted estimator, or a pipeline ending in one, to ONNX.

    The graph has one input, ``X``, of shape (n_samples, n_features). A
    classifier's graph has the outputs of skl2onnx's classifiers: the labels
    (int64, or strings for string classes), then the probabilities, as one
    tensor with ``zipmap=False`` and as a list of ``{class: probability}``
    dicts by default. A regressor's graph has one output, the predictions, of
    shape (n_samples, n_outputs).

    Parameters
    ----------
    estimator : BareMLPClassifier, BareMLPRegressor or Pipeline
        The fitted model to convert.

    X : array-like of shape (n_samples, n_features) or int
        A sample of the input, or the number of features. The graph computes
        in the precision ``predict`` would use: float32 for a float32 sample,
        float64 for any other sample, and float32 for an int.

    target_opset : int, default=None
        The ONNX opset to target; None is the newest skl2onnx supports.

    options : dict, default=None
        skl2onnx options for a BareMLPClassifier, such as
        ``{'zipmap': False}`` for the probabilities as one tensor,
        ``{'zipmap': 'columns'}`` for one output per class, or
        ``{'nocl': True}`` for class indices as labels.

    Returns
    -------
    onx : onnx.ModelProto
        The ONNX model.

    See Also
    --------
    skl2onnx.to_onnx : The general conversion, which this module makes aware
        of both estimators.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as rt
    >>> from skbareback import BareMLPClassifier
    >>> from skbareback.onnx import to_onnx
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> y = np.array(["even", "odd", "odd", "even"])
    >>> clf = BareMLPClassifier(random_state=0).fit(X, y)
    >>> onx = to_onnx(clf, X, options={"zipmap": False})
    >>> session = rt.InferenceSession(
    ...     onx.SerializeToString(), providers=["CPUExecutionProvider"]
    ... )
    >>> labels, proba = session.run(None, {"X": X})
    >>> labels
    array(['even', 'odd', 'odd', 'even'], dtype=object)
    >>> bool(np.allclose(proba, clf.predict_proba(X), atol=1e-5))
    True
    """
    check_is_fitted(estimator)
    tensor_type, n_features = _input_type(X)
    if n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} was "
            f"fitted with {estimator.n_features_in_} features."
        )
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    return convert_sklearn(
        estimator,
        initial_types=[("X", tensor_type([None, n_features]))],
        target_opset=target_opset,
        options=None if options is None else {type(final): options},
    )


def _input_type(X):
    """Return the ONNX tensor type and the width of the graph's input."""
    if isinstance(X, numbers.Integral):
        return FloatTensorType, int(X)
    if not scipy.sparse.issparse(X):
        X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2d sample or a number of features, got an array of "
            f"shape {X.shape}."
        )
    # As validate_data(dtype=(float64, float32)): float32 stays, all else is
    # computed in float64.
    tensor_type = FloatTensorType if X.dtype == np.float32 else DoubleTensorType
    return tensor_type, X.shape[1]


# ------------------------------------------------------------- registration


def _is_multilabel(model):
    return model.out_activation_ == "logistic" and model.n_outputs_ > 1


def _label_classes(scope, model):
    """Return the labels as the graph stores them: str, or else int64.

    ONNX classifiers output string or int64 labels. Boolean and float classes
    become int64: float classification targets are integral (sklearn calls
    any other float target continuous and refuses to fit it).
    """
    classes = np.asarray(get_label_classes(scope, model))  # honours 'nocl'
    if all(isinstance(c, str) for c in classes):
        return classes.astype(str)
    return classes.astype(np.int64)


def _check_input(operator, n_outputs):
    """Check the operator's input type and width; return its type."""
    check_input_and_output_numbers(
        operator, input_count_range=1, output_count_range=n_outputs
    )
    check_input_and_output_types(
        operator, good_input_types=[FloatTensorType, DoubleTensorType]
    )
    model = operator.raw_operator
    input_type = operator.inputs[0].type
    width = input_type.shape[1] if len(input_type.shape) == 2 else None
    if isinstance(width, int) and width != model.n_features_in_:
        raise ValueError(
            f"The ONNX input has {width} features, but {type(model).__name__} "
            f"was fitted with {model.n_features_in_} features."
        )
    return input_type


def _calculate_output_shapes(operator):
    """skl2onnx shape calculator: type the label and probability outputs."""
    input_type = _check_input(operator, 2)
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    classes = _label_classes(operator.scope_inst, model)
    label_type = StringTensorType if classes.dtype.kind == "U" else Int64TensorType
    label_shape = [n, len(classes)] if _is_multilabel(model) else [n]
    operator.outputs[0].set_type(label_type(label_shape))
    operator.outputs[1].set_type(type(input_type)([n, len(classes)]))


def _convert(scope, operator, container):
    """skl2onnx converter: the forward pass, then probabilities and labels."""
    model = operator.raw_operator
    g = _GraphBuilder(scope, container, operator.inputs[0].type)
    logits = _forward(g, model, operator.inputs[0].full_name)
    _probabilities(g, model, logits, operator.outputs[1].full_name)
    classes = _label_classes(scope, model)
    _labels(g, model, logits, classes, operator.outputs[0].full_name)


def _calculate_regressor_output_shape(operator):
    """skl2onnx shape calculator: type the predictions, (n, n_outputs)."""
    input_type = _check_input(operator, 1)
    n = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.n_outputs_
    operator.outputs[0].set_type(type(input_type)([n, n_outputs]))


def _convert_regressor(scope, operator, container):
    """skl2onnx converter: the forward pass, then the output activation."""
    model = operator.raw_operator
    g = _GraphBuilder(scope, container, operator.inputs[0].type)
    out = _forward(g, model, operator.inputs[0].full_name)
    if model.out_activation_ == "exp":
        out = g.node("Exp", [out])
    # The targets the network was trained on, mapped back (see _scaling).
    if np.any(model.target_scale_ != 1):
        out = g.node("Mul", [out, g.constant(model.target_scale_)])
    if np.any(model.target_offset_):
        out = g.node("Add", [out, g.constant(model.target_offset_)])
    g.node("Identity", [out], operator.outputs[0].full_name)


class _GraphBuilder:
    """Adds nodes and constants to skl2onnx's container under unique names.

    Floating constants take the graph's precision, that of its input.
    """

    def __init__(self, scope, container, input_type):
        self.scope = scope
        self.container = container
        double = isinstance(input_type, DoubleTensorType)
        self.dtype = np.float64 if double else np.float32
        self.proto = TensorProto.DOUBLE if double else TensorProto.FLOAT

    def constant(self, value, proto=None):
        """Add ``value`` as an initializer (floats by default); return its name."""
        value = np.asarray(value)
        if proto is None:
            proto, value = self.proto, value.astype(self.dtype)
        content = value.ravel()
        if proto == TensorProto.STRING:
            content = [str(s).encode("utf-8") for s in content]
        name = self.scope.get_unique_variable_name("constant")
        self.container.add_initializer(name, proto, list(value.shape), content)
        return name

    def node(self, op_type, inputs, output=None, **attrs):
        """Add one node; return the name of its output."""
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        name = self.scope.get_unique_operator_name(op_type)
        self.container.add_node(op_type, inputs, output, name=name, **attrs)
        return output


def _forward(g, model, X):
    """Add the layers; return the name of the output layer's logits."""
    a = X
    last = len(model.coefs_) - 1
    for i, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_)):
        a = g.node("MatMul", [a, g.constant(coef)])
        # Zero intercepts (fit_intercept=False) add exactly nothing.
        if np.any(intercept):
            a = g.node("Add", [a, g.constant(intercept)])
        if i < last and model.activation in _HIDDEN_OPS:
            a = g.node(_HIDDEN_OPS[model.activation], [a])
    return a


def _probabilities(g, model, logits, output):
    """Add the output activation and predict_proba's columns."""
    if model.out_activation_ == "softmax":
        p = g.node("Softmax", [logits], axis=1)
    else:
        p = g.node("Sigmoid", [logits])
    # predict_proba's clip into the open interval (0, 1), as Max and Min,
    # which unlike Clip have the same signature in every opset.
    tiny = np.finfo(g.dtype).epsneg
    p = g.node("Max", [p, g.constant(tiny)])
    p = g.node("Min", [p, g.constant(1 - tiny)])
    if model.n_outputs_ == 1:
        # Binary: one unit gives the positive class; the columns are [1 - p, p].
        g.node("Concat", [g.node("Sub", [g.constant(1), p]), p], output, axis=1)
    else:
        g.node("Identity", [p], output)


def _labels(g, model, logits, classes, output):
    """Add predict's labels, decided from the logits as predict decides them.

    A unit is on when its logit is positive; a multiclass label is the argmax
    of the logits, the first one on ties in ONNX as in NumPy.
    """
    if _is_multilabel(model):
        positive = g.node("Greater", [logits, g.constant(0)])
        g.node("Cast", [positive], output, to=TensorProto.INT64)
        return
    if model.n_outputs_ == 1:
        positive = g.node("Greater", [logits, g.constant(0)])
        index = g.node("Cast", [positive], to=TensorProto.INT64)
        shape = g.constant([-1], TensorProto.INT64)
        index = g.node("Reshape", [index, shape])
    else:
        index = g.node("ArgMax", [logits], axis=1, keepdims=0)
    proto = TensorProto.STRING if classes.dtype.kind == "U" else TensorProto.INT64
    g.node("Gather", [g.constant(classes, proto), index], output, axis=0)


update_registered_converter(
    BareMLPClassifier,
    "SkbarebackBareMLPClassifier",
    _calculate_output_shapes,
    _convert,
    options=_OPTIONS,
)
update_registered_converter(
    BareMLPRegressor,
    "SkbarebackBareMLPRegressor",
    _calculate_regressor_output_shape,
    _convert_regressor,
)
