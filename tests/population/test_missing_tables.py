"""A table the rule set reads that the input did not give is an error, or an opt-in the result states (issue 14).

Measured before the fix: a population directory holding only ``subjects.csv`` was scored without a word, every
member losing what the records, incidents and the annual evaluation give, and all of them graded 不合格.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cli import main
from partyrules.errors import PopulationError
from partyrules.evaluate.backends import BACKENDS
from partyrules.evaluate.population import tables_read
from partyrules.population import population_from_frames, write_population
from partyrules.population.frames import SUBJECT_TABLE, facts_to_population, layout
from partyrules.synthetic import generate_member_facts

ROOT = Path(__file__).resolve().parents[2]
IN_SERVICE = ROOT / "rulesets" / "member-in-service.yaml"
REFORM = ROOT / "rulesets" / "reforms" / "organ-volunteering-150.yaml"
PERIOD = "2026"


@pytest.fixture(scope="module")
def ruleset() -> pr.RuleSet:
    return pr.load_ruleset(IN_SERVICE)


@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    return [m for m in generate_member_facts(30, seed=14) if m.member.category == "in_service"]


@pytest.fixture(scope="module")
def only_subjects(members, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pop") / "tables"
    write_population(facts_to_population(members), d, "csv")
    for f in d.glob("*.csv"):
        if f.stem != SUBJECT_TABLE:
            f.unlink()
    return d


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_directory_of_subjects_only_is_refused_naming_the_tables_and_rules(ruleset, only_subjects, backend):
    pop = pr.read_population(only_subjects).population
    with pytest.raises(PopulationError) as err:
        pr.score_population(ruleset, pop, PERIOD, backend=backend)
    text = str(err.value)
    for table in ("records", "incidents", "annual", "commendations"):
        assert table in text
    assert "IN.S09" in text  # the rule that reads the annual evaluation
    assert "missing_tables" in (err.value.hint or "")


def test_dataframes_without_a_table_the_rules_read_are_refused(ruleset, members):
    tables = {k: t for k, t in facts_to_population(members).tables.items() if k != "incidents"}
    with pytest.raises(PopulationError, match="incidents") as err:
        pr.score_population(ruleset, tables, PERIOD)
    assert "MV1" in str(err.value)


def test_a_table_no_rule_reads_may_be_absent(members):
    rs = pr.load_ruleset(IN_SERVICE)
    unread = [t for t in layout("member") if t != SUBJECT_TABLE and t not in tables_read(rs)]
    given_tables = {k: t for k, t in facts_to_population(members).tables.items() if k not in unread}
    scores = pr.score_population(rs, given_tables, PERIOD)
    assert len(scores) == len(members) and scores.assumed_empty == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_taking_absent_tables_as_empty_is_stated_and_scores_as_empty_tables(ruleset, members, only_subjects,
                                                                            backend):
    pop = pr.read_population(only_subjects).population
    opted = pr.score_population(ruleset, pop, PERIOD, backend=backend, missing_tables="empty")
    assert set(opted.assumed_empty) >= {"records", "incidents", "annual"}
    assert "IN.S09" in opted.assumed_empty["annual"]
    # the same numbers as the same members given with every other table empty, which is what was asked for
    full = facts_to_population(members).select(pop.subject_ids)
    empty = pr.Population("member", {k: t if k == SUBJECT_TABLE else t.clear() for k, t in full.tables.items()})
    assert empty.absent == frozenset()
    want = pr.score_population(ruleset, empty, PERIOD, backend=backend)
    assert want.assumed_empty == {}
    assert opted.frame.get_column("total").to_list() == want.frame.get_column("total").to_list()


def test_naming_some_tables_leaves_the_others_an_error(ruleset, only_subjects):
    pop = pr.read_population(only_subjects).population
    with pytest.raises(PopulationError) as err:
        pr.score_population(ruleset, pop, PERIOD, missing_tables=["incidents"])
    assert "records" in str(err.value) and "incidents (read by" not in str(err.value)
    with pytest.raises(PopulationError, match="incident"):
        pr.score_population(ruleset, pop, PERIOD, missing_tables=["incident"])  # a typo is not silently nothing


@settings(max_examples=15, deadline=None)
@given(dropped=st.sets(st.sampled_from([t for t in layout("member") if t != SUBJECT_TABLE]), min_size=1))
def test_any_absent_table_a_rule_reads_is_refused_and_no_other(dropped, members):
    rs = pr.load_ruleset(IN_SERVICE)
    tables = {k: t for k, t in facts_to_population(members).tables.items() if k not in dropped}
    read = tables_read(rs)
    should_fail = sorted(t for t in dropped if t in read)
    if should_fail:
        with pytest.raises(PopulationError) as err:
            pr.score_population(rs, tables, PERIOD)
        for t in should_fail:
            assert f"{t} (read by {read[t][0]}" in str(err.value)
    else:
        assert len(pr.score_population(rs, tables, PERIOD)) == len(members)


def test_written_populations_give_every_table(members, tmp_path):
    # a population written by the library reads back with no table absent, even where no subject has a row
    write_population(facts_to_population([m.model_copy(update={"incidents": []}) for m in members]),
                        tmp_path / "t", "csv")
    assert pr.read_population(tmp_path / "t").population.absent == frozenset()


def test_whatif_on_subjects_only_fails_naming_the_table_and_the_opt_in_is_stated(only_subjects, capsys):
    code = main(["whatif", str(IN_SERVICE), "--reform", str(REFORM), "--population", str(only_subjects)])
    err = capsys.readouterr().err
    assert code != 0 and "records" in err and "--allow-missing-table" in err
    code = main(["whatif", str(IN_SERVICE), "--reform", str(REFORM), "--population", str(only_subjects),
                 *[a for t in layout("member") if t != SUBJECT_TABLE for a in ("--allow-missing-table", t)]])
    captured = capsys.readouterr()
    assert code == 0
    assert "taken as empty" in captured.err and "records" in captured.err


def test_frames_helper_keeps_what_was_absent(members):
    read = population_from_frames({"subjects": facts_to_population(members).subjects})
    assert "records" in read.population.absent
    assert read.population.select(read.population.subject_ids[:2]).absent == read.population.absent
    assert isinstance(read.population.subjects, pl.DataFrame)
