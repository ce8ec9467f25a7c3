"""Populations given as DataFrames in memory (polars or pandas): checked like files, scored, returned as pandas."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import partyrules as pr
from partyrules.population.io import population_from_frames
from partyrules.synthetic import generate_subdistrict

PERIOD = "2026"


@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    return list(generate_subdistrict(seed=3).members[:150])


@pytest.fixture(scope="module")
def population(members) -> pr.Population:
    return pr.facts_to_population(members)


def test_pandas_tables_round_trip_to_the_same_facts(population, members):
    read = population_from_frames({k: t.to_pandas() for k, t in population.tables.items()})
    assert read.ok and read.left_out == []
    assert list(read.population.iter_facts()) == members


def test_pandas_in_pandas_out_scores_like_the_engine(population, members):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("in_service"))
    tables = {k: t.to_pandas() for k, t in population.tables.items()}
    scores = pr.score_population(rs, tables, PERIOD)
    engine = pr.score_population(rs, members, PERIOD, backend="engine")
    out = scores.to_pandas()
    assert isinstance(out, pd.DataFrame)
    assert out["subject_id"].tolist() == engine.frame.get_column("subject_id").to_list()
    assert out["total"].tolist() == engine.frame.get_column("total").to_list()


@pytest.mark.parametrize("library", ["polars", "pandas"])
def test_a_bad_row_in_a_dataframe_is_named_and_the_rest_scored(population, library):
    rs = pr.load_ruleset(pr.shipped_ruleset_path("retired"))
    records = population.tables["records"]
    victim_nan, victim_neg = records["subject_id"][5], records["subject_id"][400]
    row = pl.int_range(pl.len())
    records = records.with_columns(
        pl.when(row == 5).then(float("nan")).otherwise(pl.col("volunteer_hours")).alias("volunteer_hours"),
        pl.when(row == 400).then(-2).otherwise(pl.col("notes_submitted")).alias("notes_submitted"))
    tables = {**population.tables, "records": records}
    if library == "pandas":
        tables = {k: t.to_pandas() for k, t in tables.items()}
    scores = pr.score_population(rs, tables, PERIOD)
    reasons = dict(scores.failures)
    # pandas writes a missing value as NaN: there it is read as missing, which a required field may not be
    nan = "NaN is not a number" if library == "polars" else "volunteer_hours: no value"
    assert "records:6" in reasons[victim_nan] and nan in reasons[victim_nan]
    assert "records:401" in reasons[victim_neg] and "notes_submitted: -2 is below 0" in reasons[victim_neg]
    scored = set(scores.frame.get_column("subject_id")) | set(scores.not_applicable)
    assert scored == set(population.subject_ids) - {victim_nan, victim_neg}


def test_a_datetime_with_a_time_of_day_is_not_a_date(population):
    subjects = population.tables["subjects"].with_columns(pl.col("joined_on").cast(pl.Datetime("us")))
    later = pl.col("joined_on") + pl.duration(hours=5)
    subjects = subjects.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(later)
                                     .otherwise(pl.col("joined_on")).alias("joined_on"))
    read = population_from_frames({**population.tables, "subjects": subjects})
    assert [(p.row, p.column) for p in read.problems] == [(3, "joined_on")]
    assert "has a time of day" in read.problems[0].reason
    assert read.left_out == [population.subject_ids[2]]


def test_unknown_tables_and_non_frames_are_refused(population):
    read = population_from_frames({**population.tables, "record": population.tables["records"]})
    assert any(p.table == "record" and "did you mean 'records'" in p.reason for p in read.problems)
    with pytest.raises(pr.FactError, match="not a polars or pandas DataFrame"):
        population_from_frames({"subjects": [1, 2, 3]})
    with pytest.raises(pr.FactError, match="no 'subjects' table"):
        population_from_frames({"records": population.tables["records"]})


def test_tables_without_the_layout_are_refused_with_each_problem_named(population):
    records = population.tables["records"]
    wrong = {**population.tables,
             "records": records.with_columns(pl.col("notes_submitted").cast(pl.Float64))
                               .rename({"volunteer_hours": "volunteer_hour"}),
             "record": records}
    with pytest.raises(pr.PopulationError) as info:
        pr.Population("member", wrong)
    text = str(info.value)
    assert "records.notes_submitted: f64, expected i64" in text.replace("Float64", "f64").replace("Int64", "i64")
    assert "records: no column 'volunteer_hours'" in text
    assert "unknown column 'volunteer_hour' (did you mean 'volunteer_hours'?)" in text
    assert "unknown table 'record' (did you mean 'records'?)" in text
    assert "population_from_frames" in str(info.value.hint)
