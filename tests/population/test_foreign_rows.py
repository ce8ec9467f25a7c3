"""A row of an item table that is another subject's (a record whose member id is not the row's subject, an
incident, commendation or annual evaluation about a subject of another kind) is a bad row: the problem names the
table, the row and the item, the subject it was attached to is left out, and nothing of it is scored."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import partyrules as pr
from partyrules.population.frames import facts_to_population
from partyrules.population.io import population_from_frames, read_population, write_population
from partyrules.synthetic import generate_branch_facts, generate_member_facts


@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    """Generated members, each with one incident and one commendation of its own, so every table has rows."""
    out = []
    for m in generate_member_facts(6, seed=5, category="in_service"):
        sid = m.subject_id
        incident = pr.Incident(incident_id=f"I-{sid}", subject_kind="member", subject_id=sid,
                               kind="complaint_substantiated", occurred_on="2026-03-02", verified=True,
                               verified_by="committee", evidence_ref="file/1")
        commendation = pr.Commendation(commendation_id=f"C-{sid}", subject_kind="member", subject_id=sid,
                                       kind="good_deed", level="street", awarded_on="2026-04-01", verified=True)
        out.append(pr.MemberFacts(m.member, records=m.records, incidents=(*m.incidents, incident),
                                  commendations=(*m.commendations, commendation), annual=m.annual))
    return out


def _set(frame: pl.DataFrame, index: int, column: str, value: str) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.int_range(pl.len()) == index).then(pl.lit(value, frame.schema[column]))
                              .otherwise(pl.col(column)).alias(column))


# (table, the item-id column, the column made foreign, its foreign value or None for another member's id)
FOREIGN = [
    ("records", "month", "member_id", None),
    ("incidents", "incident_id", "subject_kind", "branch"),
    ("commendations", "commendation_id", "subject_kind", "branch"),
    ("annual", "year", "subject_kind", "community"),
]


@pytest.mark.parametrize(("table", "ident", "column", "value"), FOREIGN)
@pytest.mark.parametrize("source", ["frames", "csv"])
def test_a_foreign_row_is_a_bad_row_naming_table_row_and_item(members, tmp_path: Path, table, ident, column,
                                                              value, source):
    tables = dict(facts_to_population(members).tables)
    frame = tables[table]
    assert frame.height > 2, table
    index = 2
    victim = frame.get_column("subject_id")[index]
    other = next(m.subject_id for m in members if m.subject_id != victim)
    item = str(frame.get_column(ident)[index])
    tables[table] = _set(frame, index, column, other if value is None else value)
    if source == "frames":
        read = population_from_frames(tables, "member")
        row = index + 1
    else:
        write_population(pr.Population("member", tables), tmp_path, "csv")
        read = read_population(tmp_path, "member")
        row = index + 2  # the header is line 1
    (problem,) = read.problems
    assert (problem.table, problem.row, problem.column, problem.subject_id) == (table, row, column, victim)
    assert f"'{item}'" in problem.reason and "own" in problem.reason
    assert read.left_out == [victim]
    assert victim not in read.population.subject_ids


def test_the_item_is_named_for_a_branch_population_too():
    branches = generate_branch_facts(3, seed=2)
    tables = dict(facts_to_population(branches).tables)
    records = tables["records"]
    tables["records"] = _set(records, 0, "branch_id", branches[1].subject_id)
    read = population_from_frames(tables, "branch")
    (problem,) = read.problems
    assert problem.table == "records" and problem.row == 1
    assert f"'{records.get_column('month')[0]}'" in problem.reason and branches[1].subject_id in problem.reason
