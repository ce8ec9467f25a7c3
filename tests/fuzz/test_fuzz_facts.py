"""Mutated populations (CSV, Parquet, JSON lines of a small generated sub-district's members) through
read_population, scoring on the three backends and, for JSON lines, ``partyrules score --facts``: typed errors
only, no crash, no hang, the backends equal, every subject that was not mutated scored as before."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from campaign import LONG, fuzz_settings, judge
from hypothesis import given
from hypothesis import strategies as st
from oracles import _untyped, check_cli, check_process, check_scores, check_unchanged, frames_differ
from sandbox import Sandbox

import partyrules as pr
from partyrules.population.frames import facts_to_population
from partyrules.synthetic import generate_subdistrict
from partyrules.testing.fuzz import TablesMutant, bundle_mutants, table_mutants

RULESETS = ("in_service", "retired", "new_citizen")
CI_EXAMPLES = {"csv": 8, "parquet": 6, "jsonl": 8}


@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    return list(generate_subdistrict(seed=13, communities=2, organisations=4, members=30).members)


class Tables(dict):
    def __repr__(self) -> str:  # hypothesis prints the strategy's arguments: not thirty rows of each table
        return f"Tables({', '.join(f'{n}: {df.height} rows' for n, df in self.items())})"


@pytest.fixture(scope="module")
def tables(members) -> dict[str, pl.DataFrame]:
    return Tables(facts_to_population(members).tables)


@pytest.fixture(scope="module")
def lines(members) -> list[str]:
    return Lines(m.model_dump_json() for m in members)


class Lines(list):
    def __repr__(self) -> str:
        return f"Lines({len(self)} bundles)"


def write(files: dict[str, bytes] | Any, fmt: str) -> tuple[Path, str]:
    top = Path(tempfile.mkdtemp(prefix="fuzz-facts-"))
    for name, data in files.items():
        (top / name).write_bytes(data)
    return top, str(top / "facts.jsonl") if fmt == "jsonl" else str(top)


class Baselines:
    """The scores of the unmutated population per rule set: what every subject not mutated must keep."""

    def __init__(self, sandbox: Sandbox, unmutated: dict[str, bytes]) -> None:
        self.sandbox, self.unmutated, self.cache = sandbox, unmutated, {}

    def __call__(self, ruleset: str) -> pl.DataFrame:
        if ruleset not in self.cache:
            top, path = write(self.unmutated, "jsonl")
            try:
                out = self.sandbox.run("facts", path=path, ruleset=ruleset)
            finally:
                shutil.rmtree(top, ignore_errors=True)
            assert out.status == "done" and out.result["problems"] == [], out
            self.cache[ruleset] = out.result["scores"]["engine"]["ok"]["frame"]
        return self.cache[ruleset]


@pytest.fixture(scope="module")
def baselines(sandbox, lines) -> Baselines:
    return Baselines(sandbox, {"facts.jsonl": "\n".join(lines).encode()})


def run_facts(sandbox: Sandbox, mutant: TablesMutant, ruleset: str, before: pl.DataFrame) -> None:
    top, path = write(mutant.files, mutant.fmt)
    try:
        outcome = sandbox.run("facts", path=path, ruleset=ruleset, cli_score=mutant.fmt == "jsonl")
    finally:
        shutil.rmtree(top, ignore_errors=True)
    r = outcome.result
    violations = check_process(outcome)
    if not violations:
        violations += _untyped("read", r["read"])
        if "scores" in r:
            violations += check_scores("scores", r["scores"])
            accounted = set(r["left_out"]) | set(r["problem_subjects"])
            for backend, step in r["scores"].items():
                if "ok" in step:
                    violations += check_unchanged(f"scores[{backend}]", before, step["ok"], accounted,
                                                  mutant.subject_id)
        if "cli" in r:
            violations += check_cli("score --facts", r["cli"], path)
    judge(f"{ruleset}: {mutant.fmt}: {mutant.family}: {mutant.description}", violations, mutant.files, r)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_mutated_populations_fail_cleanly_or_score_alike(fmt, sandbox, tables, lines, baselines):
    @fuzz_settings(CI_EXAMPLES[fmt])
    @given(data=st.data())
    def check(data):
        ruleset = data.draw(st.sampled_from(RULESETS), label="rule set")
        mutants = bundle_mutants(lines, big=LONG) if fmt == "jsonl" else table_mutants(tables, fmt, big=LONG)
        run_facts(sandbox, data.draw(mutants, label="mutant"), ruleset, baselines(ruleset))

    check()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_unmutated_populations_score_as_before(fmt, sandbox, tables, lines, members, baselines):
    """(d): the files the mutants start from are read whole and score exactly as the bundles they were made of,
    on every backend (the baseline is the JSON lines read by the engine)."""
    from partyrules.testing.fuzz.tables import _csv_frame, _written

    files = ({"facts.jsonl": "\n".join(lines).encode()} if fmt == "jsonl"
             else _written({n: (_csv_frame(df) if fmt == "csv" else df) for n, df in tables.items() if df.height},
                           fmt))
    top, path = write(files, fmt)
    try:
        out = sandbox.run("facts", path=path, ruleset="in_service")
    finally:
        shutil.rmtree(top, ignore_errors=True)
    assert out.status == "done", out
    assert out.result["problems"] == [], out.result["problems"][:5]
    assert check_scores("scores", out.result["scores"]) == []
    direct = sandbox.run("python", code="result = pr.score_population(pr.load_ruleset("
                         "pr.shipped_ruleset_path('in_service')), POOLS['member'], PERIOD, backend='engine').frame")
    expected = direct.result["python"]["ok"]
    assert frames_differ(out.result["scores"]["vector"]["ok"]["frame"], expected) is None
    assert frames_differ(baselines("in_service"), expected) is None
    assert expected.height > 0
