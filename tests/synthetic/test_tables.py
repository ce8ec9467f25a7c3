"""The column generator: valid, deterministic, in the mixes of the per-subject generator, and written in partitions
that read back as one population."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.errors import PartyRulesError
from partyrules.population.frames import facts_to_population, table_schema
from partyrules.population.io import read_population
from partyrules.synthetic import generate_member_facts, generate_population, write_generated


@pytest.fixture(scope="module")
def population() -> object:
    return generate_population(3000, seed=4)


def test_every_subject_is_valid_and_the_tables_are_the_canonical_tables_of_its_bundles(population: object) -> None:
    bundles = list(population.iter_facts())  # validates every subject
    assert [b.subject_id for b in bundles] == population.subject_ids
    again = facts_to_population(bundles)
    for name, table in population.tables.items():
        assert table.schema == pl.Schema(table_schema("member", name))
        assert table.equals(again.tables[name]), name


def test_same_seed_same_tables_and_another_seed_other_tables() -> None:
    a, b, c = generate_population(200, seed=1), generate_population(200, seed=1), generate_population(200, seed=2)
    assert all(a.tables[t].equals(b.tables[t]) for t in a.tables)
    assert not a.tables["records"].equals(c.tables["records"])


def test_mixes_follow_the_per_subject_generator(population: object) -> None:
    reference = facts_to_population(generate_member_facts(3000, seed=4))
    for frame in (population, reference):
        assert frame.subjects.height == 3000
    share = {name: pop.subjects.get_column("category").value_counts(normalize=True).sort("category")
             for name, pop in (("columns", population), ("bundles", reference))}
    for a, b in zip(share["columns"].iter_rows(), share["bundles"].iter_rows(), strict=True):
        assert a[0] == b[0] and abs(a[1] - b[1]) < 0.04
    for column in ("volunteer_hours", "notes_submitted", "meetings_attended.theme_day", "households_contacted"):
        ours = population.tables["records"].get_column(column).mean()
        theirs = reference.tables["records"].get_column(column).mean()
        assert abs(ours - theirs) <= 0.1 * abs(theirs) + 0.02, column
    per_member = {name: pop.tables["incidents"].height / 3000 for name, pop in (("c", population), ("b", reference))}
    assert abs(per_member["c"] - per_member["b"]) < 0.06
    for column in ("evaluation_score", "daily_observation_score"):  # the same conduct, rated the same way
        ours, theirs = (pop.tables["annual"].get_column(column) for pop in (population, reference))
        assert abs(ours.mean() - theirs.mean()) < 1.5, column
        assert abs(ours.quantile(0.05) - theirs.quantile(0.05)) < 5, column
        assert ours.max() == 100.0 and abs((ours == 100).mean() - (theirs == 100).mean()) < 0.02, column


def test_categories_choose_the_mix_and_are_checked() -> None:
    pop = generate_population(300, seed=0, categories={"in_service": 1.0})
    assert set(pop.subjects.get_column("category")) == {"in_service"}
    assert pop.tables["records"].get_column("youth_care_activities").null_count() == 300 * 12
    pop.facts(pop.subject_ids[-1])
    with pytest.raises(PartyRulesError, match="unknown member category"):
        generate_population(10, categories={"retird": 1.0})
    with pytest.raises(PartyRulesError, match="not all 0"):
        generate_population(10, categories={"retired": 0.0})
    with pytest.raises(PartyRulesError, match="makes members"):
        generate_population(10, kind="branch")


def test_empty_population() -> None:
    pop = generate_population(0)
    assert len(pop) == 0 and pop.tables["records"].height == 0


def test_partitions_are_written_and_read_back_as_one_population(tmp_path: Path) -> None:
    files = write_generated(250, tmp_path, seed=3, partition_size=100)
    assert sorted(p.name for p in files if p.name.startswith("subjects")) == [
        "subjects-00000.parquet", "subjects-00001.parquet", "subjects-00002.parquet"]
    read = read_population(tmp_path)
    assert read.problems == []
    assert read.population.subject_ids == [f"M{i:06d}" for i in range(1, 251)]
    assert read.population.tables["records"].height == 250 * 12
    for sid in ("M000001", "M000100", "M000101", "M000250"):
        read.population.facts(sid)


VOTE_POINTS = {"excellent": 100, "qualified": 80, "basically_qualified": 60, "unqualified": 0}


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 40))
def test_generated_tables_keep_the_generator_properties(seed: int, n: int) -> None:
    pop = generate_population(n, seed=seed)
    annual = pop.tables["annual"]
    for column in ("evaluation_score", "daily_observation_score"):
        assert annual.get_column(column).is_between(0.0, 100.0).all()
    for row in annual.iter_rows(named=True):  # the score is the conversion of the votes
        votes = json.loads(row["vote_counts"])
        voters = sum(votes.values())
        assert 15 <= voters < 45
        assert row["evaluation_score"] == round(sum(VOTE_POINTS[g] * c for g, c in votes.items()) / voters, 2)
    checklist = pop.tables["checklist"]
    assert checklist.filter(pl.col("accepted") & pl.col("done_on").is_null()).height == 0  # accepted is done
    again = generate_population(n, seed=seed)
    assert all(pop.tables[t].equals(again.tables[t]) for t in pop.tables)
