"""Sphinx configuration of the skbareback documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
The build reads nothing from the network: cross-references to Python,
scikit-learn and SciPy resolve from the inventories in ``_inventories/``, and
the gallery runs the examples with their fast settings.
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "sphinxext"))

# The gallery runs the examples inside this process: their fast settings
# unless asked otherwise, and their own saved PNGs go to the build folder,
# never over the committed examples/images/. sphinx-gallery defines no
# __file__, so every path an example would derive from it is given here.
os.environ.setdefault("SKBAREBACK_EXAMPLES_FAST", "1")
os.environ["SKBAREBACK_EXAMPLES_OUT"] = str(DOCS / "_build" / "example_figures")
os.environ.setdefault("SKBAREBACK_BENCH_JSON", str(ROOT / "benchmarks" / "latest.json"))
os.environ.setdefault(
    "SKBAREBACK_REAL_DATA_JSON", str(ROOT / "benchmarks" / "real_data.json")
)
os.environ.setdefault(
    "SKBAREBACK_REAL_DATA_REGRESSION_JSON",
    str(ROOT / "benchmarks" / "real_data_regression.json"),
)
os.environ.setdefault("MPLBACKEND", "Agg")

from api_pages import write_api_index  # noqa: E402

import skbareback  # noqa: E402

project = "skbareback"
author = "the skbareback developers"
copyright = "the skbareback developers"
version = release = skbareback.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "local_mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "api_pages",
    "bench_tables",
    "cli_usage",
]

exclude_patterns = ["_build", "tests", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# ---------------------------------------------------------------- API pages

# One stub page per public name of skbareback and of its public submodules,
# read from their __all__, so that a new estimator is documented on arrival.
write_api_index(DOCS / "api" / "index.rst")
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = True
numpydoc_class_members_toctree = False
# Parameter types such as "array-like of shape (n_samples,)" stay text: only
# the names below become links, so unknown words never warn.
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    # numpydoc would link these into NumPy's glossary, which has no offline
    # inventory; scikit-learn's glossary defines them too.
    "array-like": ":term:`sklearn:array-like`",
    "array_like": ":term:`sklearn:array-like`",
    "scalar": "scalar",
    "BareMLPClassifier": "skbareback.BareMLPClassifier",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "RandomState": "numpy.random.RandomState",
}
numpydoc_xref_ignore = "all"
numpydoc_validation_checks = set()

# --------------------------------------------------------------- references

# Inventories taken from Debian's python3.11-doc, python-sklearn-doc and
# python-scipy-doc packages, committed so that no build fetches one. NumPy has
# no such package: its names render as code, unlinked.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", str(DOCS / "_inventories/python.inv")),
    "sklearn": (
        "https://scikit-learn.org/stable/",
        str(DOCS / "_inventories/sklearn.inv"),
    ),
    "scipy": (
        "https://docs.scipy.org/doc/scipy/",
        str(DOCS / "_inventories/scipy.inv"),
    ),
}

# ------------------------------------------------------------------ gallery

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Run every plot_ script; a failing example fails the build.
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "doc_module": ("skbareback",),
    "backreferences_dir": "api/generated/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "show_memory": False,
    # Its timing pages load DataTables from CDNs.
    "write_computation_times": False,
    "download_all_examples": False,
    "plot_gallery": "True",
}

# ----------------------------------------------------------------- HTML

html_theme = "pydata_sphinx_theme"
html_title = f"skbareback {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "github_url": None,
    "icon_links": [],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
# Without a default, the theme's script logs an error on a first visit.
html_context = {"default_mode": "auto"}
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
html_show_sourcelink = False
