"""Every gallery example runs headless, quickly, and writes the PNGs it names.

Each ``examples/plot_*.py`` runs in a subprocess with
``SKBAREBACK_EXAMPLES_FAST=1`` and ``SKBAREBACK_EXAMPLES_OUT`` set to a
temporary directory. The PNGs an example must write are the ``"*.png"`` string
literals in its source, so a script that names a figure and fails to save it,
or saves it elsewhere, fails here.
"""

import ast
import re
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_NAME = re.compile(r"""["']([\w.-]+\.png)["']""")

# Examples that another test file already runs the same way (fast, into a
# temporary directory); running them here too would only double the time.
RUN_ELSEWHERE = {"plot_classic_tutorials.py": "test_classic_tutorials.py"}

# Examples that draw a benchmark's committed results, and the file they read.
# Until that file is committed, test_real_data.py runs the example on a smoke
# run's results instead.
NEEDS_RESULTS = {
    "plot_real_data_regression.py": ROOT / "benchmarks" / "real_data_regression.json"
}


def _ids(paths):
    return [path.name for path in paths]


def named_pngs(path):
    """The PNG file names written as string literals in an example's source."""
    return set(PNG_NAME.findall(path.read_text()))


def test_examples_are_found():
    assert len(EXAMPLES) >= 7, [path.name for path in EXAMPLES]


@pytest.mark.parametrize("name, test_file", RUN_ELSEWHERE.items())
def test_examples_run_elsewhere_are_run_there(name, test_file):
    assert (ROOT / "examples" / name).is_file()
    assert name in (ROOT / "tests" / test_file).read_text()


@pytest.mark.parametrize("path", EXAMPLES, ids=_ids(EXAMPLES))
def test_example_is_a_gallery_script(path):
    source = path.read_text()
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, "no module docstring"
    title, underline, *body = docstring.splitlines()
    assert title.strip(), "the docstring's first line is not a title"
    assert set(underline) == {"="} and len(underline) >= len(title), (
        "the title is not underlined with '='"
    )
    assert any(line.strip() for line in body), "no paragraph after the title"

    lines = source.splitlines()
    cells = [i for i, line in enumerate(lines) if line.strip() == "# %%"]
    assert cells, "no '# %%' cells"
    for i in cells:
        following = lines[i + 1] if i + 1 < len(lines) else ""
        assert following.startswith("# ") and following[2:].strip(), (
            f"the cell at line {i + 1} does not open with a prose comment"
        )
    assert named_pngs(path), "the script names no PNG it saves"


RUN_HERE = [path for path in EXAMPLES if path.name not in RUN_ELSEWHERE]


@pytest.mark.extras  # matplotlib, and what each example shows off
@pytest.mark.parametrize("path", RUN_HERE, ids=_ids(RUN_HERE))
def test_example_runs_fast_and_saves_its_pngs(path, tmp_path, run_example):
    results = NEEDS_RESULTS.get(path.name)
    if results is not None and not results.is_file():
        pytest.skip(f"{results.name} is not committed yet")
    result = run_example(path)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    assert result.stdout.strip(), "the example prints no summary"

    written = {png.name for png in tmp_path.glob("*.png")}
    assert written, f"no PNG written to {tmp_path}"
    missing = named_pngs(path) - written
    assert not missing, f"named but not written to {tmp_path}: {sorted(missing)}"
    for name in written:
        data = (tmp_path / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE, f"{name} is not a PNG"
        # The first chunk is the header: width and height, then the image.
        assert data[12:16] == b"IHDR", f"{name} has no PNG header"
        width, height = struct.unpack(">II", data[16:24])
        assert width > 0 and height > 0 and len(data) > 1000, name
