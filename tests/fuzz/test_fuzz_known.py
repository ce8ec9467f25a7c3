"""One targeted input for each finding of issue 13 known on main, run through the sandbox and judged by the same
oracles as the campaign. While a finding is open its test is ``xfail(strict=True)``: when the fix lands the test
passes, the run fails on the unexpected pass, and the mark (and the finding's entry in known.py) is removed.
The numbers are those of docs/fuzzing.md ("Known findings"). Tests without the mark pass on the working tree
(the finding is fixed there, or this input does not show it): they stay as regression tests.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from oracles import Violation, _untyped, check_cli, check_process, check_scores, check_unchanged
from sandbox import Sandbox

import partyrules as pr
from partyrules.population.frames import facts_to_population
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_subdistrict

IN_SERVICE = str(shipped_ruleset_path("in_service"))


def finding(n: int, what: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"issue 13 finding {n}: {what}")


@pytest.fixture
def workdir() -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="fuzz-known-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def no_violation(found: list[Violation]) -> None:
    assert not found, "\n\n".join(str(v)[:3000] for v in found)


def scores_of(sandbox: Sandbox, code: str) -> list[Violation]:
    """Run ``code`` (which sets ``result`` to a {backend: scores} mapping made with ``scores(rs, pop)``)."""
    prelude = ("from drivers import _scores as scores\n"
               "IN_SERVICE = pr.load_ruleset(pr.shipped_ruleset_path('in_service'))\n"
               "MEMBERS = [m for m in POOLS['member'] if m.member.category.value == 'in_service']\n")
    out = sandbox.run("python", code=prelude + code)
    found = check_process(out)
    if found:
        return found
    step = out.result["python"]
    return _untyped("python", step) or check_scores("scores", step["ok"])


def validate(sandbox: Sandbox, path: Path, timeout: float = 20.0) -> list[Violation]:
    out = sandbox.run("cli", argv=["validate", str(path)], timeout=timeout)
    return check_process(out) or check_cli("validate", out.result["cli"], str(path.parent))


def member_ruleset(workdir: Path, replace: tuple[str, str]) -> Path:
    """The example member index (it includes its own vetoes) with one text replaced."""
    example = Path(pr.__file__).parent / "data" / "example"
    for f in example.glob("*.yaml"):
        shutil.copy(f, workdir / f.name)
    path = workdir / "member-example.yaml"
    text = path.read_text(encoding="utf-8")
    assert replace[0] in text
    path.write_text(text.replace(*replace), encoding="utf-8", errors="surrogatepass")
    return path


# -- 1-3: the engine and the vector backend disagree ------------------------------------------------------------
def test_1_a_16_mib_string_loses_no_facts_in_the_engine(sandbox):
    no_violation(scores_of(sandbox, (
        "big = 'z' * (16 * 2**20 + 3)\n"
        "pop = [m.model_copy(update={'member': m.member.model_copy(update={'employer_unit': big})})\n"
        "       if i == 0 else m for i, m in enumerate(MEMBERS)]\n"
        "result = scores(IN_SERVICE, pop)\n")))


def test_2_mean_of_all_missing_values_is_none_on_every_backend(sandbox, workdir):
    path = member_ruleset(workdir, ("flag: placard_displayed and len(cards) == 4",
                                    "flag: mean(records.mediation_cases) >= 1"))
    no_violation(scores_of(sandbox, (
        f"rs = pr.load_ruleset({str(path)!r})\n"
        "pop = [m.model_copy(update={'records': tuple(r.model_copy(update={'mediation_cases': None})\n"
        "       for r in m.records)}) for m in MEMBERS]\n"
        "result = scores(rs, pop)\n")))


def test_3_a_65545_character_string_is_not_its_prefix(sandbox, workdir):
    path = member_ruleset(workdir, ("flag: placard_displayed and len(cards) == 4",
                                    "flag: employer_unit == \"yyyyyyyyy\""))
    no_violation(scores_of(sandbox, (
        f"rs = pr.load_ruleset({str(path)!r})\n"
        "pop = [m.model_copy(update={'member': m.member.model_copy(update={'employer_unit': 'y' * 65545})})\n"
        "       for m in MEMBERS]\n"
        "result = scores(rs, pop)\n")))


# -- 4-6: rule sets and validate ----------------------------------------------------------------------------------
def test_4_a_4400_digit_integer_is_a_typed_error(sandbox, workdir):
    no_violation(validate(sandbox, member_ruleset(workdir, ("points: 15\n", "points: " + "9" * 4400 + "\n"))))


def test_4_a_lone_surrogate_is_a_typed_error(sandbox, workdir):
    no_violation(validate(sandbox, member_ruleset(workdir, ("Pays dues", "\ud800 Pays dues"))))


def test_4_a_nul_in_an_include_name_is_a_typed_error(sandbox, workdir):
    no_violation(validate(sandbox, member_ruleset(workdir, ("  - member-vetoes.yaml", '  - "a\\0b.yaml"'))))


def test_5_an_infinite_constant_is_a_typed_error(sandbox, workdir):
    no_violation(validate(sandbox, member_ruleset(workdir, ("len(cards) == 4", "len(cards) == 1e309"))))


def test_6_a_fifo_named_yaml_does_not_hang_validate(sandbox, workdir):
    shutil.copy(shipped_ruleset_path("community"), workdir / "community-six-star.yaml")
    os.mkfifo(workdir / "pipe.yaml")
    out = sandbox.run("cli", argv=["validate", str(workdir)], timeout=8)
    no_violation(check_process(out) or check_cli("validate", out.result["cli"], str(workdir)))


# -- 7-11: facts and populations ---------------------------------------------------------------------------------
def score_facts(sandbox: Sandbox, path: Path) -> list[Violation]:
    out = sandbox.run("cli", argv=["score", "--ruleset", IN_SERVICE, "--facts", str(path), "--period", "2026"])
    return check_process(out) or check_cli("score --facts", out.result["cli"], str(path))


def test_7_deep_nesting_in_a_json_facts_file_is_a_row_error(sandbox, workdir):
    (workdir / "facts.json").write_text("[" * 100_000 + "]" * 100_000)
    no_violation(score_facts(sandbox, workdir / "facts.json"))


def test_7_non_utf8_json_facts_are_a_row_error(sandbox, workdir):
    (workdir / "facts.json").write_bytes(b'[{"member": {"member_id": "M\xff1"}}]')
    no_violation(score_facts(sandbox, workdir / "facts.json"))


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    members = generate_subdistrict(seed=13, communities=2, organisations=4, members=30).members
    return dict(facts_to_population(list(members)).tables)


def read_and_score(sandbox: Sandbox, directory: Path, mutated: str | None, before: pl.DataFrame | None = None
                   ) -> list[Violation]:
    out = sandbox.run("facts", path=str(directory), ruleset="in_service")
    found = check_process(out)
    if found:
        return found
    r = out.result
    found = _untyped("read", r["read"])
    if "scores" in r:
        found += check_scores("scores", r["scores"])
        if before is not None:
            for backend, step in r["scores"].items():
                if "ok" in step:
                    found += check_unchanged(f"scores[{backend}]", before, step["ok"],
                                             set(r["left_out"]) | set(r["problem_subjects"]), mutated)
    return found


def baseline(sandbox: Sandbox, workdir: Path, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    d = workdir / "before"
    d.mkdir()
    for name, df in tables.items():
        df.write_parquet(d / f"{name}.parquet")
    out = sandbox.run("facts", path=str(d), ruleset="in_service")
    assert out.result["problems"] == []
    return out.result["scores"]["engine"]["ok"]["frame"]


def test_8_a_count_of_2_63_is_a_row_problem(sandbox, workdir, tables):
    t = dict(tables)
    t["records"] = t["records"].with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(2**63, pl.UInt64))
        .otherwise(pl.col("households_contacted").cast(pl.UInt64)).alias("households_contacted"))
    d = workdir / "pop"
    d.mkdir()
    for name, df in t.items():
        df.write_parquet(d / f"{name}.parquet")
    no_violation(read_and_score(sandbox, d, t["records"]["subject_id"][0]))


def csv_dir(workdir: Path, tables: dict[str, pl.DataFrame]) -> Path:
    from partyrules.testing.fuzz.tables import _csv_frame, _written

    d = workdir / "csv"
    d.mkdir()
    for name, data in _written({n: _csv_frame(df) for n, df in tables.items() if df.height}, "csv").items():
        (d / name).write_bytes(data)
    return d


def test_9_a_ragged_csv_row_is_a_row_problem(sandbox, workdir, tables):
    d = csv_dir(workdir, tables)
    lines = (d / "records.csv").read_text(encoding="utf-8").split("\n")
    lines[3] += ",1,2"
    (d / "records.csv").write_text("\n".join(lines), encoding="utf-8")
    no_violation(read_and_score(sandbox, d, None))


def test_9_a_truncated_parquet_file_is_a_typed_error(sandbox, workdir, tables):
    d = workdir / "pq"
    d.mkdir()
    for name, df in tables.items():
        buf = io.BytesIO()
        df.write_parquet(buf)
        data = buf.getvalue()
        (d / f"{name}.parquet").write_bytes(data[: len(data) // 2] if name == "records" else data)
    no_violation(read_and_score(sandbox, d, None))


def test_10_a_subject_without_an_id_is_left_out(sandbox, workdir, tables):
    before = baseline(sandbox, workdir, tables)
    d = csv_dir(workdir, tables)
    lines = (d / "subjects.csv").read_text(encoding="utf-8").split("\n")
    mutated = lines[1].split(",", 1)[0]
    lines[1] = "," + lines[1].split(",", 1)[1]
    (d / "subjects.csv").write_text("\n".join(lines), encoding="utf-8")
    no_violation(read_and_score(sandbox, d, mutated, before))


def test_11_a_repeated_subject_id_is_not_merged(sandbox, workdir, tables):
    before = baseline(sandbox, workdir, tables)
    d = csv_dir(workdir, tables)
    lines = (d / "subjects.csv").read_text(encoding="utf-8").split("\n")
    lines.insert(2, lines[1])
    (d / "subjects.csv").write_text("\n".join(lines), encoding="utf-8")
    no_violation(read_and_score(sandbox, d, None, before))


# -- 12-13: the command line ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ['[1, 2]', '{"a": 1}', "1e999", "NaN", "null"])
def test_12_a_json_param_value_is_a_clean_error(sandbox, value):
    out = sandbox.run("cli", argv=["inspect", IN_SERVICE, "--param", f"organ_volunteer_hours={value}"])
    no_violation(check_process(out) or check_cli("inspect --param", out.result["cli"], "organ_volunteer_hours"))


def test_13_validate_does_not_follow_a_symlink_out_of_the_directory(workdir):
    outside, inside = workdir / "outside", workdir / "rules"
    outside.mkdir()
    inside.mkdir()
    shutil.copy(shipped_ruleset_path("community"), outside / "secret.yaml")
    (inside / "link.yaml").symlink_to(outside / "secret.yaml")
    run = subprocess.run([sys.executable, "-m", "partyrules.cli", "validate", "--format", "json", str(inside)],
                         capture_output=True, text=True, timeout=60)
    assert "Traceback" not in run.stderr, run.stderr
    assert '"id": "community-six-star"' not in run.stdout, "the file outside the directory was read"


def test_8_sums_of_huge_counts_agree_on_every_backend(sandbox):
    no_violation(scores_of(sandbox, (
        "import polars as pl\n"
        "from partyrules.population.frames import facts_to_population\n"
        "t = dict(facts_to_population(MEMBERS).tables)\n"
        "t['records'] = t['records'].with_columns(pl.lit(2**62, pl.Int64).alias('households_contacted'))\n"
        "result = scores(IN_SERVICE, t)\n")))


def test_11_the_same_bundle_twice_is_a_typed_error_or_a_failure(sandbox):
    no_violation(scores_of(sandbox, "result = scores(IN_SERVICE, MEMBERS + [MEMBERS[0]])\n"))
