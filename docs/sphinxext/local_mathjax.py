"""Serve MathJax from the site itself, never from a CDN.

Sphinx renders math with MathJax, which it loads from a CDN by default: a
page with a formula would then need the network to show it. The
``django-static-mathjax`` package ships MathJax 3's browser build; the parts
a page can load (the TeX-to-HTML bundle, its TeX extensions, its fonts, the
menu and the accessibility components) are copied into ``_static/mathjax/``,
and ``mathjax_path`` points there.
"""

import shutil
from pathlib import Path

import mathjax

MATHJAX_PATH = "mathjax/tex-chtml.js"
_ES5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
# The bundle, then what it loads on demand, relative to its own folder.
_PARTS = ["tex-chtml.js", "input", "output/chtml", "ui", "a11y", "adaptors", "sre"]


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in _PARTS:
        source = _ES5 / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


def setup(app):
    app.config.mathjax_path = MATHJAX_PATH
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
