"""docs/whatif.ipynb is committed with its outputs (so GitHub shows its figures and tables), and those outputs are
what it gives: the test re-executes it in a real Python kernel, as Jupyter would, and checks that every code cell
ran without an error and that the figures and tables are there.

After changing the notebook or what it shows, store it again with its outputs:

    python tests/docs/test_docs_notebook.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "whatif.ipynb"
FIGURES = 4  # distribution, changes, transitions, diagnostics
TIMEOUT_S = 120  # one cell; the whole notebook takes about 25 s on a 2-core machine


def execute(path: Path, workdir: Path) -> Any:
    """The notebook at ``path`` executed top to bottom in a fresh python3 kernel, in ``workdir``."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(workdir)}},
                   allow_errors=False).execute()
    return nb


def _code(nb: Any) -> list[Any]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _kinds(nb: Any) -> list[set[str]]:
    """Per code cell, the MIME types of its display outputs (and "error" for an error)."""
    out = []
    for c in _code(nb):
        kinds: set[str] = set()
        for o in c["outputs"]:
            kinds |= {"error"} if o["output_type"] == "error" else set(o.get("data", {}))
        out.append(kinds)
    return out


def _check(nb: Any) -> None:
    code = _code(nb)
    assert len(code) >= 12
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))  # every cell ran, in order
    kinds = _kinds(nb)
    assert not any("error" in k for k in kinds)
    assert sum("image/png" in k for k in kinds) >= FIGURES  # figures as PNG, which GitHub shows
    assert sum("text/html" in k for k in kinds) >= 3  # tables as HTML
    for c in code:  # a figure shown as its repr means the figure did not display itself
        for o in c["outputs"]:
            assert "<Figure size" not in "".join(o.get("data", {}).get("text/plain", ""))


def test_the_stored_notebook_has_its_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    _check(nb)


def test_the_notebook_runs_and_gives_its_outputs(tmp_path):
    nb = execute(NOTEBOOK, tmp_path)
    _check(nb)
    # what the notebook concludes: it wrote its report, and the stored figures are the ones it draws now
    assert (tmp_path / "organ-volunteering-150.html").stat().st_size > 10_000
    assert _kinds(nb) == _kinds(json.loads(NOTEBOOK.read_text(encoding="utf-8")))


if __name__ == "__main__":  # store the notebook with fresh outputs
    import nbformat

    with tempfile.TemporaryDirectory() as work:
        executed = execute(NOTEBOOK, Path(work))
    _check(executed)
    nbformat.write(executed, NOTEBOOK)
    print(f"{NOTEBOOK}: stored with its outputs", file=sys.stderr)
