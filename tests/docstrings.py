"""Reading numpydoc sections out of a docstring, for the tests that compare
what is documented with what exists."""

import inspect
import re


def numpydoc_section(doc, title):
    """Return the ``(name, header)`` entries of a numpydoc section of ``doc``.

    ``inspect.cleandoc`` first: Python 3.13 strips docstrings' indentation at
    compile time, older versions keep it.
    """
    doc = inspect.cleandoc(doc)
    body = doc.split(f"\n{title}\n{'-' * len(title)}\n", 1)[1]
    body = re.split(r"\n\S[^\n]*\n-+\n", body, maxsplit=1)[0]
    return re.findall(r"^(\w+) : (.*)$", body, flags=re.MULTILINE)
