"""Groupings of a comparison are never silently dropped (issue 14): ``by`` naming a column the score tables do not
have was skipped with a note shown only inside the HTML report, and ``whatif --by nosuchcol`` (or ``--by
community``) exited 0 with the comparison made as if it had not been asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cli import main
from partyrules.comparison import ComparisonError, compare, grouping_columns
from partyrules.population import write_population
from partyrules.synthetic import generate_subdistrict
from synth_scores import synthetic_scores

ROOT = Path(__file__).resolve().parents[2]
IN_SERVICE = str(ROOT / "rulesets" / "member-in-service.yaml")
REFORM = str(ROOT / "rulesets" / "reforms" / "organ-volunteering-150.yaml")
COLUMNS = ["subject_id", "category", "status", "branch_id", "base_total", "reform_total", "delta", "d:rule:X"]


def test_an_unknown_grouping_is_an_error_naming_the_known_columns(example_rs):
    a, b = synthetic_scores(example_rs, 20, 1), synthetic_scores(example_rs, 20, 2)
    with pytest.raises(ComparisonError, match="nosuchcol") as err:
        compare(a, b, by=("nosuchcol",))
    hint = err.value.hint or ""
    assert "category" in hint and "branch_id" in hint and "base_total" not in hint


def test_community_without_a_map_says_what_gives_one(example_rs):
    a, b = synthetic_scores(example_rs, 20, 1), synthetic_scores(example_rs, 20, 2)
    with pytest.raises(ComparisonError, match="community") as err:
        compare(a, b, by=("community",))
    assert "community_of_branch" in (err.value.hint or "")
    branches = {bid: f"C{i % 3}" for i, bid in enumerate(a.frame.get_column("branch_id").unique().to_list())}
    c = compare(a, b, by=("community",), community_of_branch=branches)
    assert c.by == ("community",)


def test_the_default_groups_members_by_category_and_others_by_nothing():
    assert grouping_columns(None, COLUMNS) == (("category",), [])
    assert grouping_columns(None, ["subject_id", "branch_type", "parent_org_id"]) == ((), [])
    assert grouping_columns("status", COLUMNS) == (("status",), [])  # one name, not its letters


@settings(max_examples=40)
@given(by=st.lists(st.sampled_from(["category", "status", "branch_id", "nosuchcol", "delta", "d:rule:X",
                                    "community"]), max_size=4))
def test_groupings_are_kept_exactly_or_refused(by):
    unknown = [c for c in by if c not in COLUMNS]
    if unknown:
        with pytest.raises(ComparisonError) as err:
            grouping_columns(by, COLUMNS)
        assert all(repr(c) in str(err.value) for c in unknown)
        assert ("community_of_branch" in str(err.value)) == ("community" in unknown)
    else:
        assert grouping_columns(by, COLUMNS)[0] == tuple(dict.fromkeys(by))


@pytest.fixture(scope="module")
def population_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pop") / "tables"
    members = [m for m in generate_subdistrict(seed=5).members if m.member.category == "in_service"][:60]
    write_population(pr.facts_to_population(members), d, "parquet")
    return d


@pytest.mark.parametrize("column", ["nosuchcol", "community"])
def test_whatif_by_an_unknown_column_is_a_usage_error(population_dir, capsys, column):
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(population_dir), "--by", column])
    err = capsys.readouterr().err
    assert code == 2
    assert column in err and "category" in err


def test_whatif_by_a_known_column_groups_by_it(population_dir, capsys):
    code = main(["whatif", IN_SERVICE, "--reform", REFORM, "--population", str(population_dir), "--by", "status",
                 "--format", "json"])
    assert code == 0
