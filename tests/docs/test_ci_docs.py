"""The ready CI files of docs/ci/ are valid YAML, shown verbatim in docs/ci.md, and call only real commands.

Every ``partyrules`` command line in the pre-commit hooks and the GitHub Actions workflow must name a subcommand
of :func:`partyrules.cli.build_parser`, with options that subcommand has, and must run on ``rulesets/``.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest
import yaml

from partyrules.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"
PRE_COMMIT = DOCS / "ci" / "pre-commit-config.yaml"
WORKFLOW = DOCS / "ci" / "rulesets.yml"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def invocations(text: str) -> list[list[str]]:
    """The argument lists of every ``partyrules ...`` command in a shell text (up to a redirection or pipe)."""
    out = []
    for line in text.splitlines():
        for m in re.finditer(r"(?:^|[\s;(&|])partyrules\s+(.*)", line):
            words: list[str] = []
            for word in shlex.split(m.group(1), comments=True):
                if word in (">", "|", "||", "&&", ";", ")") or word.startswith((">", "2>")):
                    break
                words.append(word)
            out.append(words)
    return out


def hooks() -> list[dict]:
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    return [h for repo in config["repos"] for h in repo["hooks"]]


def workflow_runs() -> list[str]:
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return [step["run"] for job in wf["jobs"].values() for step in job["steps"] if "run" in step]


def all_invocations() -> list[list[str]]:
    calls = [[*shlex.split(h["entry"])[1:], *h.get("args", [])] for h in hooks()]
    for run in workflow_runs():
        calls += invocations(run)
    return calls


def test_both_files_are_yaml_of_the_expected_shape():
    config = yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))
    assert [r["repo"] for r in config["repos"]] == ["local"]
    for h in hooks():
        assert h["language"] in ("system", "python"), h
        assert shlex.split(h["entry"])[0] == "partyrules", h
        assert h["pass_filenames"] is False and "rulesets/" in h["args"], h
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key 'on' as true
    assert "rulesets/**" in triggers["pull_request"]["paths"]
    assert wf["jobs"]


def test_the_files_are_shown_verbatim_in_ci_md():
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)
    assert PRE_COMMIT.read_text(encoding="utf-8") in blocks
    assert WORKFLOW.read_text(encoding="utf-8") in blocks


def test_the_four_commands_are_used():
    used = {call[0] for call in all_invocations()}
    assert {"validate", "test", "check", "diff"} <= used, used


@pytest.mark.parametrize("call", all_invocations(), ids=lambda c: " ".join(c[:2]))
def test_every_command_exists_with_its_options(call: list[str]):
    commands = subcommands()
    assert call[0] in commands, f"partyrules {call[0]}: no such command (have {sorted(commands)})"
    options = commands[call[0]]._option_string_actions
    for word in call[1:]:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in options, f"partyrules {call[0]} has no option {word}"


def test_every_command_runs_on_the_rulesets_directory():
    for call in all_invocations():
        if call[0] == "inspect":
            continue  # asks a rule set's subject kind inside the diff step's loop over rulesets/*.yaml
        assert any(w.startswith("rulesets/") or w in ("$old", "$new") for w in call[1:]), call


def test_the_invocation_reader_finds_commands_and_stops_at_redirections():
    assert invocations('x=1; partyrules test --format junit rulesets/ > out.xml') == [
        ["test", "--format", "junit", "rulesets/"]]
    assert invocations("echo partyrules-like") == []
