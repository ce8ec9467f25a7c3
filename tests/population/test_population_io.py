"""Reading and writing populations: round trips through every format, and every kind of bad cell reported with its
row number while the rest of the population is read."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.errors import FactError
from partyrules.population.frames import facts_to_population
from partyrules.population.io import read_population, write_population
from partyrules.shipped_rulesets import shipped_ruleset_path
from partyrules.synthetic import generate_member_facts, generate_subdistrict
from partyrules.testing.strategies import facts_for

FORMATS = ("parquet", "csv", "jsonl")


def _target(d: Path, fmt: str) -> Path:
    return d / "pop.jsonl" if fmt == "jsonl" else d / "pop"


def _roundtrip(bundles: list[pr.MemberFacts], fmt: str) -> None:
    pop = facts_to_population(bundles)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_population(pop, _target(Path(tmp), fmt), fmt)
        read = read_population(path)
    assert read.problems == []
    assert read.population.subject_ids == [b.subject_id for b in bundles]
    for b in bundles:
        assert read.population.facts(b.subject_id) == b


def _population_of(key: str, prefix: str) -> st.SearchStrategy[list[pr.MemberFacts]]:
    rs = pr.load_ruleset(shipped_ruleset_path(key))
    return st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=3, unique=True).flatmap(
        lambda ns: st.tuples(*(facts_for(rs, subject_id=f"{prefix}{n}") for n in ns)).map(list))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("key", "prefix"), [("in_service", "M"), ("branch", "B"), ("community", "C")])
def test_valid_populations_read_back_to_the_same_bundles(key: str, prefix: str, fmt: str) -> None:
    @settings(max_examples=12)
    @given(bundles=_population_of(key, prefix))
    def check(bundles: list[pr.MemberFacts]) -> None:
        _roundtrip(bundles, fmt)

    check()


def test_generated_subdistrict_round_trips_in_every_format() -> None:
    sd = generate_subdistrict(seed=3, members=60, organisations=12, communities=3)
    for fmt in FORMATS:
        for bundles in (list(sd.members), list(sd.branches), list(sd.communities)):
            _roundtrip(bundles, fmt)


# ---------------------------------------------------------------------------------------------------------------
# bad cells

@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    return generate_member_facts(40, seed=11)


def _write_csv_tables(members: list[pr.MemberFacts], directory: Path) -> dict[str, pl.DataFrame]:
    write_population(facts_to_population(members), directory, "csv")
    return {p.stem: pl.read_csv(p, infer_schema=False) for p in directory.glob("*.csv")}


def _set_cell(frame: pl.DataFrame, index: int, column: str, value: str | None) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.int_range(pl.len()) == index).then(pl.lit(value, pl.String))
                              .otherwise(pl.col(column)).alias(column))


# (table, column, bad text, a phrase the reason must contain)
BAD_CELLS = [
    ("records", "volunteer_hours", "-3.0", "volunteer_hours: -3.0 is below 0"),
    ("records", "volunteer_hours", "745", "is above 744"),
    ("records", "volunteer_hours", "NaN", "NaN is not a number"),
    ("records", "volunteer_hours", "inf", "not a finite number"),
    ("records", "volunteer_hours", "lots", "'lots' is not a number"),
    ("records", "notes_submitted", "1.5", "not a whole number"),
    ("records", "notes_submitted", "-1", "is below 0"),
    ("records", "month", "2026-13", "expected a month written YYYY-MM"),
    ("records", "dues_paid_on_time", "yes", "'yes' is not true or false"),
    ("records", "checklist_items_done", "[1,2]", "not a JSON array of texts"),
    ("records", "member_id", "M999999", "differs from subject_id"),
    ("records", "spot_checked", None, "no value"),
    ("subjects", "category", "martian", "'martian' is not one of"),
    ("subjects", "birth_year", "1800", "is below 1900"),
    ("subjects", "joined_on", "2026/01/01", "is not a date written YYYY-MM-DD"),
    ("subjects", "cards", '["basic_info","basic_info"]', "given twice"),
    ("subjects", "roles", '["Building Head"]', "element 'Building Head' is not valid"),
    ("subjects", "branch_id", " B1", "must not start or end with whitespace"),
    ("subjects", "member_id", "X1", "differs from subject_id"),
    ("annual", "evaluation_score", "101", "is above 100"),
    ("annual", "satisfaction_rate", "1.5", "is above 1"),
    ("annual", "vote_counts", '{"excellent": -1}', "is not a JSON object"),
    ("annual", "secretary_review", "good", "branches only"),
]


@pytest.mark.parametrize(("table", "column", "bad", "reason"), BAD_CELLS)
def test_a_bad_csv_cell_is_reported_with_its_line_and_the_rest_is_read(
        members: list[pr.MemberFacts], tmp_path: Path, table: str, column: str, bad: str | None,
        reason: str) -> None:
    tables = _write_csv_tables(members, tmp_path)
    index = 7 if tables[table].height > 7 else 0
    victim = tables[table].get_column("subject_id")[index]
    _set_cell(tables[table], index, column, bad).write_csv(tmp_path / f"{table}.csv")
    read = read_population(tmp_path)
    assert len(read.problems) == 1, read.problems
    p = read.problems[0]
    assert (p.table, p.row, p.column, p.subject_id) == (table, index + 2, column, victim)  # header is line 1
    assert reason in p.reason
    assert read.left_out == [victim]
    others = [m for m in members if m.subject_id != victim]
    assert read.population.subject_ids == [m.subject_id for m in others]
    for m in others[:5]:
        assert read.population.facts(m.subject_id) == m


@pytest.mark.parametrize(("column", "values", "reason"), [
    ("volunteer_hours", [float("nan")], "NaN is not a number"),
    ("notes_submitted", [2.5], "not a whole number"),
    ("dues_paid_on_time", ["maybe"], "'maybe' is not true or false"),
])
def test_a_bad_parquet_cell_is_reported_with_its_row_index_plus_one(
        members: list[pr.MemberFacts], tmp_path: Path, column: str, values: list[object], reason: str) -> None:
    write_population(facts_to_population(members), tmp_path, "parquet")
    records = pl.read_parquet(tmp_path / "records.parquet")
    index = 30
    victim = records.get_column("subject_id")[index]
    original = records.get_column(column).to_list()
    changed = original[:index] + values + original[index + 1:]
    dtype = pl.Float64 if isinstance(values[0], float) else pl.String
    if dtype == pl.String:
        changed = [None if v is None else str(v).lower() for v in changed]
    records.with_columns(pl.Series(column, changed, dtype=dtype)).write_parquet(tmp_path / "records.parquet")
    read = read_population(tmp_path)
    assert [(p.row, p.subject_id, p.column) for p in read.problems] == [(index + 1, victim, column)]
    assert reason in read.problems[0].reason
    assert len(read.population) == len(members) - 1


def test_a_quoted_line_break_moves_the_line_numbers_of_later_rows(members: list[pr.MemberFacts],
                                                                  tmp_path: Path) -> None:
    tables = _write_csv_tables(members, tmp_path)
    checklist = _set_cell(tables["checklist"], 0, "text", "two\nlines")
    checklist = _set_cell(checklist, 3, "accepted", "nope")
    checklist.write_csv(tmp_path / "checklist.csv")
    read = read_population(tmp_path)
    assert [p.row for p in read.problems] == [3 + 2 + 1]
    line = (tmp_path / "checklist.csv").read_text(encoding="utf-8").splitlines()[read.problems[0].row - 1]
    assert "nope" in line


def test_unknown_column_is_reported_once_with_a_suggestion_and_the_file_is_read(
        members: list[pr.MemberFacts], tmp_path: Path) -> None:
    tables = _write_csv_tables(members, tmp_path)
    tables["records"].with_columns(pl.lit("1").alias("volunteer_hour")).write_csv(tmp_path / "records.csv")
    read = read_population(tmp_path)
    assert len(read.problems) == 1
    assert "unknown column 'volunteer_hour' (did you mean 'volunteer_hours'?)" in read.problems[0].reason
    assert read.problems[0].row is None
    assert len(read.population) == len(members)


def test_a_missing_required_column_is_a_whole_file_problem(members: list[pr.MemberFacts], tmp_path: Path) -> None:
    tables = _write_csv_tables(members, tmp_path)
    tables["records"].drop("month").write_csv(tmp_path / "records.csv")
    read = read_population(tmp_path)
    assert [(p.table, p.row, "'month'" in p.reason) for p in read.problems] == [("records", None, True)]
    assert len(read.population) == 0
    assert sorted(read.left_out) == sorted(m.subject_id for m in members)


def test_a_missing_optional_column_takes_the_model_default(members: list[pr.MemberFacts], tmp_path: Path) -> None:
    plain = [m.model_copy(update={"records": tuple(r.model_copy(update={"training_sessions": None})
                                                   for r in m.records)}) for m in members
             if m.member.category == "in_service"]
    tables = _write_csv_tables(plain, tmp_path)
    tables["records"].drop("training_sessions").write_csv(tmp_path / "records.csv")
    read = read_population(tmp_path)
    assert read.problems == []
    assert read.population.facts(plain[0].subject_id) == plain[0]


def test_rows_of_unknown_subjects_duplicate_ids_and_months(members: list[pr.MemberFacts], tmp_path: Path) -> None:
    tables = _write_csv_tables(members, tmp_path)
    rec = tables["records"]
    stray = rec.head(1).with_columns(pl.lit("M9").alias("subject_id"), pl.lit("M9").alias("member_id"))
    again = rec.slice(14, 1)  # a second record of the same month for that member
    pl.concat([rec, stray, again]).write_csv(tmp_path / "records.csv")
    subjects = tables["subjects"]
    pl.concat([subjects, subjects.slice(5, 1)]).write_csv(tmp_path / "subjects.csv")
    read = read_population(tmp_path)
    reasons = {(p.table, p.row): p.reason for p in read.problems}
    assert reasons[("records", rec.height + 2)] == "records row for unknown subject 'M9'"
    dup_month = rec.get_column("subject_id")[14]
    assert "month" in reasons[("records", rec.height + 3)] and "more than once" in reasons[("records", 16)]
    dup_subject = subjects.get_column("subject_id")[5]
    assert "more than once" in reasons[("subjects", 7)]
    assert "more than once" in reasons[("subjects", subjects.height + 2)]
    assert set(read.left_out) == {dup_month, dup_subject}
    assert len(read.population) == len(members) - 2


def test_incident_kinds_and_verifiers_are_checked(members: list[pr.MemberFacts], tmp_path: Path) -> None:
    tables = _write_csv_tables(members, tmp_path)
    inc = _set_cell(tables["incidents"], 0, "kind", "gamblin")
    inc = _set_cell(_set_cell(inc, 1, "verified", "true"), 1, "verified_by", None)
    inc.write_csv(tmp_path / "incidents.csv")
    read = read_population(tmp_path)
    assert [p.row for p in read.problems] == [2, 3]
    first, second = read.problems
    assert "unknown incident kind 'gamblin'" in first.reason and "did you mean 'gambling'" in first.reason
    assert second.reason == "verified_by is required when verified is true"


def test_branch_counts_are_checked_across_fields(tmp_path: Path) -> None:
    sd = generate_subdistrict(seed=5, members=40, organisations=6, communities=2)
    write_population(facts_to_population(list(sd.branches)), tmp_path, "csv")
    subjects = pl.read_csv(tmp_path / "subjects.csv", infer_schema=False)
    _set_cell(subjects, 2, "member_count", "0").write_csv(tmp_path / "subjects.csv")
    read = read_population(tmp_path)
    assert [(p.row, p.column) for p in read.problems] == [(4, "member_count")]
    assert "cannot be below formal_member_count" in read.problems[0].reason
    assert len(read.population) == 5


def test_jsonl_bad_lines_are_reported_by_line_and_the_rest_is_read(members: list[pr.MemberFacts],
                                                                   tmp_path: Path) -> None:
    path = write_population(facts_to_population(members[:5]), tmp_path / "p.jsonl", "jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    data = json.loads(lines[2])
    data["records"][0]["volunteer_hours"] = -3.0
    lines[2] = json.dumps(data)
    lines.insert(4, "{not json")
    lines.append(lines[0])  # the first member again
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_population(path)
    rows = sorted({(p.row, p.subject_id) for p in read.problems}, key=lambda x: x[0] or 0)
    assert rows == [(3, members[2].subject_id), (5, None), (7, members[0].subject_id)]
    assert read.population.subject_ids == [members[1].subject_id, members[3].subject_id, members[4].subject_id]


def test_partitioned_parquet_directories_are_read_as_one_population(members: list[pr.MemberFacts],
                                                                   tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    write_population(facts_to_population(members), whole, "parquet")
    parts = tmp_path / "parts"
    parts.mkdir()
    for table_file in whole.glob("*.parquet"):
        frame = pl.read_parquet(table_file)
        half = frame.height // 2
        frame.head(half).write_parquet(parts / f"{table_file.stem}-00000.parquet")
        frame.slice(half).write_parquet(parts / f"{table_file.stem}-00001.parquet")
    read = read_population(parts)
    assert read.problems == []
    assert read.population.subject_ids == [m.subject_id for m in members]
    assert read.population.facts(members[-1].subject_id) == members[-1]


def test_inputs_over_the_size_limit_are_refused(members: list[pr.MemberFacts], tmp_path: Path) -> None:
    write_population(facts_to_population(members), tmp_path, "parquet")
    with pytest.raises(FactError, match="more than the limit"):
        read_population(tmp_path, max_bytes=1000)


def test_unreadable_paths_and_formats_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FactError, match="no such file"):
        read_population(tmp_path / "nothing")
    with pytest.raises(FactError, match=r"no subjects\.parquet or subjects\.csv"):
        read_population(tmp_path)
    with pytest.raises(FactError, match="unknown population format"):
        write_population(facts_to_population([], "member"), tmp_path / "x", "ods")


def test_score_population_reads_a_path_as_the_readers_do(members: list[pr.MemberFacts], tmp_path: Path) -> None:
    """Regression: a path given to score_population was a TypeError traceback."""
    from partyrules.errors import EvaluationError

    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    write_population(facts_to_population(members), tmp_path, "csv")
    rows = (tmp_path / "records.csv").read_text(encoding="utf-8-sig").splitlines()
    bad = rows[1].split(",")
    bad[rows[0].split(",").index("volunteer_hours")] = "lots"
    (tmp_path / "records.csv").write_text("\n".join([rows[0], ",".join(bad), *rows[2:]]) + "\n", encoding="utf-8")
    read = read_population(tmp_path)
    by_path = pr.score_population(rs, tmp_path, "2026")
    assert by_path.frame.equals(pr.score_population(rs, read.population, "2026").frame)
    assert read.problems and {sid for sid, _ in by_path.failures} >= {p.subject_id for p in read.problems}
    assert pr.score_population(rs, str(tmp_path), "2026").frame.equals(by_path.frame)
    with pytest.raises(EvaluationError, match="cannot score a int"):
        pr.score_population(rs, 42, "2026")  # type: ignore[arg-type]
