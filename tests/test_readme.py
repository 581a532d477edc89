"""Every code block of the README runs, and the Quick start is what CI runs."""

import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.DOTALL)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
BASH = [code for lang, code in BLOCKS if lang == "bash"]


def _quick_start():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "Quick start holds exactly one fenced block"
    return blocks[0].strip().splitlines()


def test_quick_start_has_two_commands_and_ci_runs_the_second():
    main_job, tests = _quick_start()
    assert main_job.endswith(".venv/bin/python -m skbareback")
    assert tests.endswith(".venv/bin/python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    # One of CI's matrix entries runs the README's test command verbatim.
    assert tests in [line.strip() for line in ci]
    # The same install on both: a venv in the clone, the package with extras.
    assert (
        tests.split(" && ")[0] == main_job.split(" && ")[0] == "python3 -m venv .venv"
    )


def test_every_block_is_tested():
    assert len(PYTHON) >= 6
    assert len(BASH) == 2  # the Quick start and the CSV command
    # The one block no test runs: it needs a CUDA GPU (test_array_api.py
    # runs the same code on array-api-strict).
    (gpu,) = [code for lang, code in BLOCKS if lang not in ("python", "bash")]
    assert 'device="cuda"' in gpu


# The README shows off the extras (ONNX, skops, dask, Ray) too.
@pytest.mark.extras
@pytest.mark.parametrize(
    "code", PYTHON, ids=[f"python-{i}" for i in range(len(PYTHON))]
)
def test_python_block_runs(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        # Short demonstration fits may stop before converging; that is fine.
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.strip(), "each block prints what it shows"


@pytest.mark.extras
def test_python_block_outputs_are_true(tmp_path, monkeypatch, capsys):
    # The claims the printed numbers stand for.
    tutorial = next(code for code in PYTHON if "syn0" in code)
    exec(compile(tutorial, "README.md", "exec"), {"__name__": "__main__"})
    diffs = [float(d) for d in capsys.readouterr().out.split()]
    assert max(diffs) < 1e-10
    skops = next(code for code in PYTHON if "skops" in code)
    monkeypatch.chdir(tmp_path)
    exec(compile(skops, "README.md", "exec"), {"__name__": "__main__"})
    assert "['skbareback.BareMLPClassifier']" in capsys.readouterr().out


# The CSV commands need the cli extra (pandas and skops).
@pytest.mark.extras
def test_csv_commands_train_save_and_predict(tmp_path):
    commands = next(code for code in BASH if "data.csv" in code).strip()
    X, y = make_moons(120, noise=0.2, random_state=0)
    colors = np.array(["red", "green", "NA"])[np.arange(len(y)) % 3]
    rows = [
        f"{i},{a},{b},{c},{'yes' if t else 'no'}"
        for i, ((a, b), c, t) in enumerate(zip(X, colors, y))
    ]
    header = "id,a,b,color,label"
    (tmp_path / "data.csv").write_text("\n".join([header, *rows]) + "\n")
    (tmp_path / "new.csv").write_text("\n".join([header, *rows[:7]]) + "\n")
    outputs = []
    for command in commands.splitlines():
        argv = shlex.split(command)
        assert argv[:3] == ["python", "-m", "skbareback"]
        result = subprocess.run(
            [sys.executable, *argv[1:]], cwd=tmp_path, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "accuracy" in outputs[0]
    assert "categorical: 'color'" in outputs[0]
    assert "dropped: 'id'" in outputs[0]
    predictions = (tmp_path / "predictions.csv").read_text().splitlines()
    assert predictions[0] == "prediction,proba_no,proba_yes"
    assert len(predictions) == 8


def test_readme_pictures_exist():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert len(pictures) >= 8
    for picture in pictures:
        data = (ROOT / picture).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", picture
        assert len(data) < 300_000, f"{picture} is too large to commit"


def test_benchmark_table_is_filled_in():
    assert "BENCHMARK_TABLE" not in README
    table = README.split("## Speed", 1)[1].split("\n## ", 1)[0]
    ratios = [float(r) for r in re.findall(r"\| (\d+\.\d+)x \|", table)]
    assert ratios and np.isfinite(ratios).all()
    assert "CPU" in table
