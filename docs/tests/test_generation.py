"""The pages generated from the code say what the code says.

Run with the browser test by ``.ci/docs.sh`` (it needs the ``docs`` extra).
"""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(DOCS / "sphinxext"))

import api_pages  # noqa: E402
import cli_usage  # noqa: E402


def test_api_index_lists_every_public_name():
    text = api_pages.api_index()
    modules = api_pages.public_modules()
    assert [m.__name__ for m in modules][:1] == ["skbareback"]
    assert "skbareback.onnx" in [m.__name__ for m in modules]
    for module in modules:
        assert f".. module:: {module.__name__}\n" in text
        for name in module.__all__:
            assert f"\n   {name}\n" in text, f"{module.__name__}.{name} not listed"


def test_public_modules_skip_private_ones():
    names = [m.__name__ for m in api_pages.public_modules()]
    assert not [name for name in names if name.split(".")[-1].startswith("_")]


def test_write_api_index_leaves_an_unchanged_file_alone(tmp_path):
    path = tmp_path / "api" / "index.rst"
    api_pages.write_api_index(path)
    assert path.read_text(encoding="utf-8") == api_pages.api_index()
    os.utime(path, (0, 0))
    api_pages.write_api_index(path)
    assert path.stat().st_mtime == 0


def test_cli_usage_is_what_the_command_prints():
    # The oracle: the command line itself, run as a user runs it, for the
    # command and for each subcommand, if it has any.
    env = dict(os.environ, COLUMNS=cli_usage._WIDTH)
    usages = list(cli_usage.usages(cli_usage.find_parser()))
    assert usages[0][0] == "python -m skbareback"
    for command, text in usages:
        args = command.split()[3:]
        result = subprocess.run(
            [sys.executable, "-m", "skbareback", *args, "--help"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert text == result.stdout, command


def test_find_parser_names_the_problem(monkeypatch):
    for name, value in list(vars(cli_usage._cli).items()):
        if "parser" in name.lower() and inspect.isfunction(value):
            monkeypatch.delattr(cli_usage._cli, name)
    with pytest.raises(RuntimeError, match="'parser' in its name"):
        cli_usage.find_parser()


def test_bench_table_is_summary_py():
    import bench_tables

    path = DOCS.parent / "benchmarks" / "latest.json"
    result = subprocess.run(
        [sys.executable, str(DOCS.parent / "benchmarks" / "summary.py"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    markdown = result.stdout.strip()
    results = json.loads(path.read_text(encoding="utf-8"))
    rendered = bench_tables.render("benchmarks/summary.py", "summarize", results)
    assert rendered == markdown
    rendered = bench_tables.markdown_nodes(markdown)
    tables = [node for node in rendered if node.tagname == "table"]
    assert len(tables) == 1
    text_lines = [line for line in markdown.splitlines() if line.strip()]
    table_lines = [line for line in text_lines if line.startswith("|")]
    # Every line of text is a paragraph; the table holds every row but the rule.
    assert len(rendered) == len(text_lines) - len(table_lines) + 1
    cells = [e.astext() for e in tables[0].findall(lambda n: n.tagname == "entry")]
    header = bench_tables._cells(table_lines[0])
    assert cells[: len(header)] == header
    assert len(cells) == len(header) * (len(table_lines) - 1)
    assert cells[-1] in {"yes", "no"}


def test_real_data_table_has_a_row_per_table():
    import bench_tables

    path = DOCS.parent / "benchmarks" / "real_data.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    markdown = bench_tables.render(
        "benchmarks/real_data.py", "markdown_table", results["tables"]
    )
    (table,) = bench_tables.markdown_nodes(markdown)
    rows = list(table.findall(lambda n: n.tagname == "row"))
    assert len(rows) == len(results["tables"]) + 1
    names = [row.children[0].astext() for row in rows[1:]]
    assert [name.split(" (")[0] for name in names] == [
        t["table"] for t in results["tables"]
    ]
