"""docs/whatif.ipynb runs from top to bottom: every code cell, in order, in one namespace, as a kernel would."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "whatif.ipynb"


def _cells() -> list[dict]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    return nb["cells"]


def test_the_notebook_is_stored_without_outputs():
    # outputs would go stale silently; the tests are what show the notebook works
    code = [c for c in _cells() if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_every_cell_runs(tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # the notebook writes its HTML report to the working directory
    namespace: dict = {}
    ran = 0
    for i, cell in enumerate(_cells()):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        # our own notebook, run as a kernel would run it (rule sets are never executed: this is the docs)
        exec(compile(source, f"{NOTEBOOK.name}[cell {i}]", "exec"), namespace)
        ran += 1
    assert ran >= 10
    # what the notebook concludes, checked once more from its own results
    assert (tmp_path / "organ-volunteering-150.html").stat().st_size > 10_000
    assert namespace["r"].reached
    assert len(namespace["c"].moved) > 0
