"""The ``cli-usage`` directive: the command line's help, from its own parser.

The page cannot fall behind the command line: the text is what ``python -m
skbareback --help`` prints (and ``python -m skbareback COMMAND --help`` for
each subcommand, if there are any), rendered at build time.
"""

import argparse
import contextlib
import io
import os

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from skbareback import _cli

# argparse wraps its help to the terminal's width; a fixed one keeps the page
# the same on every machine.
_WIDTH = "88"


def find_parser():
    """Return the command line's ArgumentParser.

    Any function of ``skbareback._cli`` with "parser" in its name that builds
    one without arguments will do, so a rewritten command line is found too.
    """
    for name, value in sorted(vars(_cli).items()):
        if "parser" in name.lower() and callable(value):
            try:
                parser = value()
            except TypeError:  # needs arguments: not a parser factory
                continue
            if isinstance(parser, argparse.ArgumentParser):
                return parser
    raise RuntimeError(
        "skbareback._cli has no function with 'parser' in its name that "
        "returns an argparse.ArgumentParser; docs/sphinxext/cli_usage.py "
        "documents the command line from one"
    )


def usages(parser, prog=None):
    """Yield ``(command, help text)`` for the parser and each subcommand's."""
    with _fixed_width():
        yield prog or parser.prog, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from usages(sub)


@contextlib.contextmanager
def _fixed_width():
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _WIDTH
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


class CliUsage(SphinxDirective):
    """Render the help of the command line and of each of its subcommands."""

    has_content = False

    def run(self):
        self.env.note_dependency(_cli.__file__)
        result = []
        for command, text in usages(find_parser()):
            result.append(nodes.rubric(text=command))
            result.append(nodes.literal_block(text, text, language="text"))
        return result


def setup(app):
    app.add_directive("cli-usage", CliUsage)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
