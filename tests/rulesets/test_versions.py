"""Versions of one index side by side: the one in force for a period is chosen, overlapping dates and gaps
between versions are validation errors (RS570, RS571)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import partyrules as pr
from partyrules.cli import main
from partyrules.errors import EvaluationError, NotInForceError
from partyrules.periods import Period
from partyrules.rulesets.versions import in_force, range_findings, version_problems, versions_in_force
from ruleset_versions import two_versions

BASE = date(2025, 1, 1)


def test_in_force_picks_each_periods_version(tmp_path):
    rulesets = [pr.load_ruleset(p) for p in two_versions(tmp_path)]
    assert in_force(rulesets, "example-member", "2025").version == "2025.1"
    assert in_force(rulesets, "example-member", "2025-Q4").version == "2025.1"
    assert in_force(rulesets[::-1], "example-member", Period.year(2026)).version == "2026.1"
    assert in_force(rulesets, "example-member", "2031").version == "2026.1"  # open-ended
    assert in_force(rulesets, "example-member", "2026").params["other_volunteer_hours"] == 50
    assert in_force(rulesets, "example-member", "2025").params["other_volunteer_hours"] == 10


def test_no_version_in_force_names_the_id_the_period_and_the_ranges(tmp_path):
    rulesets = [pr.load_ruleset(p) for p in two_versions(tmp_path)]
    with pytest.raises(NotInForceError) as caught:
        in_force(rulesets, "example-member", "2024")
    text = str(caught.value)
    assert "example-member" in text and "2024" in text
    assert "2025.1: 2025-01-01 to 2025-12-31" in text and "2026.1: 2026-01-01 to open-ended" in text
    with pytest.raises(NotInForceError, match="none loaded"):
        in_force(rulesets, "no-such-index", "2025")


def test_overlapping_versions_are_ambiguous(tmp_path):
    rulesets = [pr.load_ruleset(p) for p in two_versions(tmp_path, first_until="2026-06-30")]
    with pytest.raises(EvaluationError, match="2 versions"):
        in_force(rulesets, "example-member", "2026-Q1")
    assert in_force(rulesets, "example-member", "2026-Q3").version == "2026.1"


def test_versions_in_force_keeps_single_rule_sets_whatever_their_dates(tmp_path):
    versions = [pr.load_ruleset(p) for p in two_versions(tmp_path)]
    others = [pr.load_ruleset(pr.shipped_ruleset_path("branch"))]
    chosen = versions_in_force([*versions, *others], Period.year(2025))
    assert [rs.version for rs in chosen if rs.id == "example-member"] == ["2025.1"]
    assert all(rs in chosen for rs in others)  # the branch index is from 2026 only, and is kept as given


def test_validate_reports_overlap_and_gap(tmp_path, capsys):
    ok, overlap, gap = tmp_path / "ok", tmp_path / "overlap", tmp_path / "gap"
    for d in (ok, overlap, gap):
        d.mkdir()
    two_versions(ok)
    two_versions(overlap, first_until="2026-03-31")
    two_versions(gap, second_from="2026-02-01")
    assert main(["validate", str(ok)]) == 0
    capsys.readouterr()
    assert main(["validate", "--format", "json", str(overlap)]) == 3
    out = json.loads(capsys.readouterr().out)
    found = [d for f in out["files"] for d in f["diagnostics"] if d["severity"] == "error"]
    assert [d["code"] for d in found] == ["RS570"]
    assert found[0]["file"].endswith("member-2026.yaml") and "2025.1" in found[0]["message"]
    assert main(["validate", str(gap)]) == 3
    text = capsys.readouterr().out
    assert "RS571" in text and "2026-01-01 to 2026-01-31" in text
    assert main(["validate", "--lang", "zh", str(gap)]) == 3
    assert "空档期" in capsys.readouterr().out


def test_a_file_named_twice_is_one_version(tmp_path, capsys):
    paths = two_versions(tmp_path)
    assert main(["validate", str(tmp_path), str(paths[0])]) == 0


def test_version_problems_of_loaded_rule_sets(tmp_path):
    rulesets = [pr.load_ruleset(p) for p in two_versions(tmp_path, first_until="2025-06-30")]
    (d,) = version_problems(rulesets)
    assert d.code == "RS571" and "2025-07-01 to 2025-12-31" in d.message


# -- the detection against the days themselves ------------------------------------------------------------

# a few days only, so that ranges often touch, abut or leave one day out: where the off-by-one mistakes are
ranges_st = st.lists(st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 6))).map(
    lambda t: (t[0], None if t[1] is None else t[0] + t[1])), min_size=0, max_size=6)


def _days(r: tuple[int, int | None], horizon: int) -> set[int]:
    return set(range(r[0], (horizon if r[1] is None else r[1]) + 1))


def _as_dates(ranges: list[tuple[int, int | None]]) -> list[tuple[date, date | None]]:
    return [(BASE + timedelta(days=a), None if b is None else BASE + timedelta(days=b)) for a, b in ranges]


@given(ranges_st)
@example([(0, 5), (5, None)])  # sharing one day
@example([(0, 5), (6, None)])  # abutting
def test_overlaps_are_exactly_the_pairs_sharing_a_day(ranges):
    horizon = 200
    expected = {frozenset((i, j)) for i in range(len(ranges)) for j in range(i + 1, len(ranges))
                if _days(ranges[i], horizon) & _days(ranges[j], horizon)}
    found = [frozenset((i, j)) for what, i, j in range_findings(_as_dates(ranges)) if what == "overlap"]
    assert len(found) == len(set(found))
    assert set(found) == expected


@given(ranges_st)
@example([(0, 5), (6, None)])  # abutting: no gap
@example([(0, 5), (7, 9), (0, 2)])  # one day left out, after a range that ends earlier
def test_gaps_are_exactly_the_uncovered_stretches(ranges):
    horizon = 200
    covered = set().union(*(_days(r, horizon) for r in ranges)) if ranges else set()
    # a stretch of uncovered days between covered ones, counted by where each stretch ends
    holes = sum(1 for d in covered if d - 1 not in covered and d > min(covered))
    gaps = [(i, j) for what, i, j in range_findings(_as_dates(ranges)) if what == "gap"]
    assert len(gaps) == holes
    for i, j in gaps:  # each names the range the covered days end with and the one that resumes them
        end = ranges[i][1]
        assert end is not None and end + 1 not in covered and ranges[j][0] - 1 not in covered
