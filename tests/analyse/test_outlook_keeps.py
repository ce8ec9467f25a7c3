"""The third scenario of the outlook, *keeps to what is asked*: the remaining months recorded with the plan's
obligations met and nothing more. Its total lies between the two extremes for every subject (by brute force on a
small rule set, on the demo population for every index), the population path gives the per-subject numbers, and
secure / on track / at risk / out of reach is a partition defined by the three totals."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_outlook import BOUNDS, HOURS, SMALL, _brute, _member, _rec

import partyrules as pr
from partyrules.analyse.outlook import build_domain, outlook, outlook_population
from partyrules.analyse.outlook.single import classify
from partyrules.evaluate.reference import ReferenceEvaluator
from partyrules.periods import Period
from partyrules.shipped_rulesets import shipped_ruleset_path

# what is asked in the small rule set: dues every month and one note (the plan says how much)
ASKED = {"records.dues_paid_on_time": ("dues_paid_on_time",), "records.notes_submitted": ("notes_required",)}


def _plan(_month: str) -> dict:
    return {"dues_paid_on_time": True, "notes_required": 1}


def _ok(rs: pr.RuleSet, b: pr.ScoreBreakdown, grade: str) -> bool:
    ids = [g.id for g in rs.grades]
    return not b.vetoed and ids.index(b.grade.id) <= ids.index(grade)


@settings(max_examples=8, deadline=None)
@given(known_n=st.integers(min_value=10, max_value=11),
       past=st.lists(st.tuples(st.sampled_from(HOURS), st.booleans(), st.integers(0, 2)), min_size=11, max_size=11),
       warn=st.sampled_from(["qualified", "excellent"]))
def test_keeps_is_the_asked_completion_and_lies_within_every_completion(known_n: int, past: list,
                                                                         warn: str) -> None:
    rs = pr.loads_ruleset(SMALL)
    months = [f"2026-{k:02d}" for k in range(1, 13)]
    known = [_rec(months[i], *past[i]) for i in range(known_n)]
    remaining = months[known_n:]
    dom = build_domain(rs, bounds=BOUNDS, obligations=(), asked=ASKED)
    o = outlook(rs, _member(known), months[known_n - 1], plan=_plan, domain=dom, warn_below=warn)
    every = _brute(rs, known, remaining)
    key = [(not b.vetoed, b.total) for b in every]
    assert o.keeps is not None
    assert min(key) <= (not o.keeps.vetoed, o.keeps.total) <= max(key)
    assert o.lowest <= o.keeps.total <= o.highest
    # the completion itself: every remaining month with dues paid, one note, no hours; the annual evaluation at
    # the worst of not on file and on file at its worst (the appraisal incompetent)
    ev = ReferenceEvaluator(rs)
    asked = [*known, *(_rec(m, 0.0, True, 1) for m in remaining)]
    by_annual = [ev.evaluate(_member(asked, an), Period.year(2026))
                 for an in (None, {"employer_appraisal": "incompetent"})]
    expected = min(by_annual, key=lambda b: (not b.vetoed, b.total))
    assert (o.keeps.total, o.keeps.vetoed) == (expected.total, expected.vetoed)
    assert o.status == classify(_ok(rs, o.low, warn), _ok(rs, o.keeps, warn), _ok(rs, o.high, warn))
    if o.status == "on_track":  # the grade is reached by keeping to what is asked, whatever the appraisal
        assert all(_ok(rs, b, warn) for b in by_annual)


def test_classify_is_a_partition() -> None:
    """Every combination the ordered totals allow (worst <= keeps <= best) gets exactly the status it defines."""
    seen = {}
    for low_ok, keeps_ok, high_ok in itertools.product((False, True), repeat=3):
        if (low_ok and not keeps_ok) or (keeps_ok and not high_ok):
            continue  # not allowed by the order of the three totals
        seen[(low_ok, keeps_ok, high_ok)] = classify(low_ok, keeps_ok, high_ok)
    assert seen == {(True, True, True): "secure", (False, True, True): "on_track",
                    (False, False, True): "at_risk", (False, False, False): "out_of_reach"}


@pytest.fixture(scope="module")
def area():  # type: ignore[no-untyped-def]
    from partyrules.synthetic import generate_subdistrict

    return generate_subdistrict(seed=2026)


@pytest.mark.parametrize("index", ["in_service", "retired", "new_citizen"])
def test_population_keeps_lies_between_the_extremes_and_statuses_partition(area, index: str) -> None:
    import polars as pl

    rs = pr.load_ruleset(shipped_ruleset_path(index))
    rank = {g.id: i for i, g in enumerate(rs.grades)}
    for warn in ("qualified", "excellent"):
        po = outlook_population(rs, area.members, "2026-06", warn_below=warn)
        f = po.frame
        assert f.height and f.filter((pl.col("keeps") < pl.col("lowest")) | (pl.col("keeps") > pl.col("highest"))
                                     ).height == 0
        c = po.counts()
        assert sum(c.values()) == f.height and set(c) == {"secure", "on_track", "at_risk", "out_of_reach"}
        for r in f.iter_rows(named=True):
            ok = [not r[f"vetoed_{s}"] and rank[r[f"grade_{s}"]] <= rank[warn] for s in ("low", "keeps", "high")]
            assert r["status"] == classify(*ok)
        w = po.warnings()
        assert set(w["status"].to_list()) <= {"at_risk", "out_of_reach"}
        assert w.height == c["at_risk"] + c["out_of_reach"]
        assert po.on_track().height == c["on_track"]
        assert set(po.on_track()["status"].to_list()) <= {"on_track"}
    if index == "in_service":  # as of June, keeping to what is asked secures 合格 for some members
        assert outlook_population(rs, area.members, "2026-06").counts()["on_track"] > 0


@pytest.mark.parametrize("as_of", ["2026-06", "2026-10"])
def test_population_path_equals_the_per_subject_path_for_keeps(area, as_of: str) -> None:
    rs = pr.load_ruleset(shipped_ruleset_path("in_service"))
    some = [m for m in area.members if m.member.category.value in ("in_service", "mobile")][:20]
    rows = list(outlook_population(rs, some, as_of).frame.iter_rows(named=True))
    assert [r["subject_id"] for r in rows] == [m.subject_id for m in some]
    for facts, row in zip(some, rows, strict=True):
        o = outlook(rs, facts, as_of, with_recourse=False)
        assert o.keeps is not None
        assert (o.lowest, o.keeps.total, o.keeps.grade.id, o.keeps.vetoed, o.highest, o.status) == (
            row["lowest"], row["keeps"], row["grade_keeps"], row["vetoed_keeps"], row["highest"], row["status"])


def test_scored_together_equals_scored_one_by_one(area, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small population's completions are scored in one call under suffixed ids; the numbers are those of
    scoring each completion on its own."""
    from partyrules.analyse.outlook import population as module

    rs = pr.load_ruleset(shipped_ruleset_path("retired"))
    together = outlook_population(rs, area.members[:300], "2026-06").frame
    monkeypatch.setattr(module, "STACK_ROWS", 0)
    apart = outlook_population(rs, area.members[:300], "2026-06").frame
    assert together.height and together.equals(apart)


def test_the_recourse_of_a_member_at_risk_starts_from_keeping_to_what_is_asked(area) -> None:
    rs = pr.load_ruleset(shipped_ruleset_path("in_service"))
    members = [m for m in area.members if m.member.category.value == "in_service"]
    seen = 0
    for facts in members[:12]:
        o = outlook(rs, facts, "2026-06")
        assert o.keeps is not None
        if o.status == "on_track":
            assert o.recourse is None
            assert "按要求参加即可达到" in o.to_text("zh") and "keeps to what is asked" in o.to_text("en")
        if o.status != "at_risk" or o.recourse is None:
            continue
        seen += 1
        assert o.recourse.before.total == o.keeps.total
        assert all(m in o.remaining for c in o.recourse.changes for m in c.months)
        text = o.to_text("en")
        assert "Keeps to what is asked" in text and "First, keep to what is asked" in text
        assert "按要求参加" in o.to_text("zh")
    assert seen
