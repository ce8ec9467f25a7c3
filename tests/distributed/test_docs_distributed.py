"""The example of docs/distributed.md runs as written and checks what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "distributed.md"


def test_the_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], str(DOC), "exec"), {"__name__": "docs_distributed"})  # our own document
    out = capsys.readouterr().out
    assert re.search(r"^\d+ members scored in 4 partitions; \d+ not in service; 0 bad rows$", out, flags=re.M)
    assert re.search(r"^\d+ members moved; Kendall tau-b 0\.\d+", out, flags=re.M)
    assert "base_grade" in out


def test_every_error_code_of_the_extra_is_documented() -> None:
    from partyrules.distributed import DistributedError, PartitionError

    concepts = (DOC.parent / "concepts.md").read_text(encoding="utf-8")
    for err in (DistributedError, PartitionError):
        assert f"| `{err.code}` | `{err.__name__}` |" in concepts
