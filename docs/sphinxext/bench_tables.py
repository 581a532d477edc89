"""The ``bench-table`` directive: a benchmark's table, read from its JSON file.

``.. bench-table:: ../benchmarks/latest.json`` renders the markdown that
``benchmarks/summary.py``'s ``summarize`` makes of that ``bench.py --json``
file: its lines of text as paragraphs, its table as a table. So the page shows
the committed results, never a copy of them. Another script's function can
render the file instead::

    .. bench-table:: ../../benchmarks/real_data.json
       :script: benchmarks/real_data.py
       :function: markdown_table
       :key: tables

where ``:key:`` passes one entry of the JSON object rather than all of it.
"""

import importlib.util
import json
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]


def render(script, function, results):
    """Call ``function`` of the script at ``ROOT / script`` on ``results``."""
    path = ROOT / script
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, function)(results)


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(header, rows):
    """A docutils table of text cells; the first row is the header."""
    group = nodes.tgroup(cols=len(header))
    group += [nodes.colspec(colwidth=1) for _ in header]

    def row(cells):
        tr = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=cell)
            tr += entry
        return tr

    group += nodes.thead("", row(header))
    group += nodes.tbody("", *(row(cells) for cells in rows))
    return nodes.table("", group)


def markdown_nodes(markdown):
    """Paragraphs for the lines of text, a table for the ``|`` lines."""
    result, table = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            header, _, *rows = table
            result.append(_table(_cells(header), [_cells(r) for r in rows]))
            table = []
        if line.strip():
            result.append(nodes.paragraph(text=line.strip()))
    return result


class BenchTable(SphinxDirective):
    """Render a benchmark script's markdown of a JSON results file."""

    required_arguments = 1
    option_spec: ClassVar = {
        "script": directives.unchanged,
        "function": directives.unchanged,
        "key": directives.unchanged,
    }

    def run(self):
        relative, path = self.env.relfn2path(self.arguments[0])
        script = self.options.get("script", "benchmarks/summary.py")
        self.env.note_dependency(relative)
        self.env.note_dependency(str(ROOT / script))
        results = json.loads(Path(path).read_text(encoding="utf-8"))
        if "key" in self.options:
            results = results[self.options["key"]]
        function = self.options.get("function", "summarize")
        return markdown_nodes(render(script, function, results))


def setup(app):
    app.add_directive("bench-table", BenchTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
