"""Write the API reference's index from the package's ``__all__`` lists.

Every public module (``skbareback`` and each submodule without a leading
underscore) gets a section listing its ``__all__`` in an autosummary table,
whose stub pages autosummary then generates. A name added to an ``__all__`` is
documented by the next build, with no page to edit.
"""

import importlib
import inspect
import pkgutil
from pathlib import Path

import skbareback

_HEADER = """\
API reference
=============

Every public name of :mod:`skbareback`, generated from the docstrings, and the
command line.
"""

_FOOTER = """
Command line
------------

:doc:`cli`: the options of ``python -m skbareback``.

.. toctree::
   :hidden:

   cli
"""


def public_modules():
    """Return ``skbareback`` and its public submodules that declare ``__all__``."""
    modules = [skbareback]
    for info in pkgutil.iter_modules(skbareback.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"skbareback.{info.name}")
        if getattr(module, "__all__", None):
            modules.append(module)
    return modules


def _section(module):
    # The module's docstring, whose first line is the summary.
    summary = inspect.cleandoc(module.__doc__ or "")
    lines = [
        "",
        f":mod:`{module.__name__}`",
        "-" * (len(module.__name__) + 7),
        "",
        f".. module:: {module.__name__}",
        "",
        summary,
        "",
        f".. currentmodule:: {module.__name__}",
        "",
        ".. autosummary::",
        "   :toctree: generated/",
        "   :nosignatures:",
        "",
    ]
    lines += [f"   {name}" for name in sorted(module.__all__)]
    return "\n".join(lines) + "\n"


def api_index():
    """Return the reStructuredText of the API reference's index page."""
    sections = "".join(_section(module) for module in public_modules())
    return _HEADER + sections + _FOOTER


def write_api_index(path):
    """Write :func:`api_index` to ``path``, leaving an unchanged file untouched.

    An untouched file keeps Sphinx's incremental builds incremental.
    """
    path = Path(path)
    text = api_index()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def resolve_public_name(app, env, node, contnode):
    """Resolve a bare public name, such as ``BareMLPClassifier``, in the package.

    The examples' and docstrings' prose names the estimators without their
    module; this ``missing-reference`` handler links them all the same.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    if target.split(".")[0] not in skbareback.__all__:
        return None
    return env.get_domain("py").resolve_xref(
        env,
        node["refdoc"],
        app.builder,
        node["reftype"],
        f"skbareback.{target}",
        node,
        contnode,
    )


def unlink_inherited_sklearn_ref(app, env, node, contnode):
    """Render an unresolved reference of an inherited scikit-learn docstring as text.

    The estimators inherit methods (``score``, ``set_fit_request``, ...) whose
    docstrings refer to pages of scikit-learn's own guide. The offline
    inventory (scikit-learn 1.2, Debian's) predates some of them, such as
    ``metadata_routing``: those keep their text, without a link.
    """
    if node.get("reftype") not in {"ref", "term"}:
        return None
    if ":docstring of sklearn." not in (node.source or ""):
        return None
    return contnode


def setup(app):
    app.connect("missing-reference", resolve_public_name)
    app.connect("missing-reference", unlink_inherited_sklearn_ref)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
