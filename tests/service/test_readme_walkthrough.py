"""The README's walk-through of the service, run as written: its shell blocks, in bash, in an empty directory, with
the real `partyrules serve` on a free port and curl; the score it prints is the library's and its decision is the
one the log returns."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from serving import free_port

from partyrules.cycle.scoring import choose_ruleset
from partyrules.evaluate import Evaluator
from partyrules.results import ScoreBreakdown
from partyrules.rulesets.loader import load_ruleset
from partyrules.shipped_rulesets import SHIPPED, shipped_ruleset_dir
from partyrules.synthetic import generate_member_facts

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Serve decisions / 决策服务"


def walkthrough() -> list[str]:
    """The bash blocks of the README's section, in order."""
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, "the README lost its walk-through of the service"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_the_section_is_short_and_has_the_three_steps():
    blocks = walkthrough()
    assert len(blocks) == 3
    assert "partyrules keys add" in blocks[0] and "partyrules serve" in blocks[0]
    assert "/score" in blocks[1] and "/decisions" in blocks[2]
    section = README.read_text(encoding="utf-8").split(HEADING, 1)[1].split("\n## ", 1)[0]
    assert len(section.splitlines()) <= 35  # a walk-through; the details are in docs/service.md


def test_the_walkthrough_runs_as_written(tmp_path):
    port = free_port()
    script = "set -e\n" + "\n".join(walkthrough()).replace("8000", str(port))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    # Its own session, so that the server the script leaves running in the background is stopped with it; its
    # output goes to files, since the server keeps them open after the script ends.
    with (tmp_path / "out").open("w") as out_file, (tmp_path / "err").open("w") as err_file:
        proc = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, env=env, stdout=out_file, stderr=err_file,
                                text=True, start_new_session=True)
        try:
            proc.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    out, err = (tmp_path / "out").read_text(), (tmp_path / "err").read_text()
    assert proc.returncode == 0, err
    answers = [json.loads(line) for line in out.splitlines() if line.startswith(("{", "["))]
    assert len(answers) == 2, out
    scored, logged = answers

    member = generate_member_facts(1, seed=1)[0]
    rulesets = [load_ruleset(shipped_ruleset_dir() / name) for name in SHIPPED.values()]
    want = Evaluator(choose_ruleset(member, rulesets, "2026")).evaluate(member, "2026")
    assert ScoreBreakdown.model_validate(scored["breakdown"]).to_json() == want.to_json()
    (row,) = [d for d in logged if d["id"] == scored["decision_id"]]
    assert row["subject_id"] == member.subject_id and row["breakdown_json"] == want.to_json()
    assert (tmp_path / "decisions.sqlite").is_file() and (tmp_path / "keys.jsonl").is_file()


@pytest.mark.parametrize("opening", ['pip install ".[demo]" && partyrules demo', 'pip install ".[test]" && pytest -q'])
def test_the_two_opening_commands_are_unchanged(opening):
    head = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert opening in head
