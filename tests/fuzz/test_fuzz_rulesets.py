"""Mutated rule sets through ``partyrules validate``, load_ruleset / loads_ruleset + lint_ruleset, and, when one
still loads, scoring on the three backends: typed errors only, no crash, no hang, the backends equal."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from campaign import fuzz_settings, judge
from hypothesis import given
from hypothesis import strategies as st
from oracles import _untyped, check_cli, check_process, check_scores
from sandbox import Sandbox

from partyrules.testing.fuzz import RULESET_FAMILIES, Mutant, ruleset_mutants

NAMES = ("shipped/member-in-service.yaml", "shipped/member-retired.yaml", "shipped/member-new-citizen.yaml",
         "shipped/branch-combat-effectiveness.yaml", "shipped/community-six-star.yaml", "example/member-example.yaml")
# Examples per family in the CI profile: the families that reach the backends (a rule set that still loads) cost
# about two seconds an input, the others well under one.
CI_EXAMPLES = {"number": 4, "expression": 6, "string": 2, "nesting": 2, "type": 3, "duplicate_key": 2,
               "anchor": 2, "tag": 2, "include": 3, "bytes": 3, "structure": 3}


def run_ruleset(sandbox: Sandbox, template: Path, name: str, mutant: Mutant) -> None:
    top = Path(tempfile.mkdtemp(prefix="fuzz-rs-"))
    sub, name = name.split("/")
    d = top / sub
    try:
        shutil.copytree(template / sub, d)
        for extra, data in mutant.extra_files.items():
            (d / extra).write_bytes(data)
        (d / name).write_bytes(mutant.data)
        outcome = sandbox.run("ruleset", path=str(d / name), text=mutant.text)
        r = outcome.result
        violations = check_process(outcome)
        if not violations:
            violations += check_cli("validate", r["validate"], str(d))
            for stage in ("load", "loads", "lint"):
                violations += _untyped(stage, r.get(stage, {}))
            if "scores" in r:
                violations += check_scores("scores", r["scores"])
        judge(f"{name}: {mutant.family}: {mutant.description}", violations,
              {name: mutant.data, **mutant.extra_files}, r)
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.parametrize("family", RULESET_FAMILIES)
def test_mutated_rulesets_fail_cleanly_or_score_alike(family, sandbox, ruleset_template):
    texts = {n: (ruleset_template / n).read_text(encoding="utf-8") for n in NAMES}

    @fuzz_settings(CI_EXAMPLES[family])
    @given(data=st.data())
    def check(data):
        name = data.draw(st.sampled_from(NAMES), label="rule set")
        mutant = data.draw(ruleset_mutants(texts[name], [family]), label="mutant")
        run_ruleset(sandbox, ruleset_template, name, mutant)

    check()


def test_unmutated_rulesets_validate_and_score_alike(sandbox, ruleset_template):
    """(d) for rule sets: the inputs the mutants start from are valid and the backends agree on them."""
    for name in NAMES:
        text = (ruleset_template / name).read_text(encoding="utf-8")
        outcome = sandbox.run("ruleset", path=str(ruleset_template / name), text=text)
        assert outcome.status == "done", outcome
        r = outcome.result
        assert r["validate"]["exit"] == 0, r["validate"]
        assert "ok" in r["lint"], r["lint"]
        assert check_scores("scores", r["scores"]) == []
        assert all(len(s["ok"]["frame"]) > 0 for s in r["scores"].values()), name
