"""The ``bench-table`` directive: a benchmark summary, read from its JSON file.

``.. bench-table:: ../benchmarks/latest.json`` renders the table that
``benchmarks/summary.py`` prints for that ``bench.py --json`` file, with the
line naming the machine above it, so the page shows the committed results and
never a copy of them.
"""

import importlib.util
import json
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

_SUMMARY = Path(__file__).resolve().parents[2] / "benchmarks" / "summary.py"


def _summarize(results):
    spec = importlib.util.spec_from_file_location("bench_summary", _SUMMARY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.summarize(results)


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


class BenchTable(SphinxDirective):
    """Render ``summary.py``'s table of a ``bench.py --json`` file."""

    required_arguments = 1

    def run(self):
        relative, path = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(relative)
        self.env.note_dependency(str(_SUMMARY))
        results = json.loads(Path(path).read_text(encoding="utf-8"))
        machine, _, header, _, *rows = _summarize(results).splitlines()
        return [
            nodes.paragraph(text=machine),
            _table(_cells(header), [_cells(row) for row in rows]),
        ]


def setup(app):
    app.add_directive("bench-table", BenchTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
