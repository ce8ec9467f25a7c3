"""Same inputs, same bytes, on any thread: one-shot evaluations and live sessions used from several threads."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partyrules as pr
from hand_facts import veto_incident
from partyrules.facts.enums import MemberCategory
from partyrules.synthetic import generate_member_facts
from partyrules.testing import GENERATED_EDGES, subject_facts

PERIOD = "2026"
THREADS = 4


def _with_vetoes(population: list[pr.MemberFacts]) -> list[pr.MemberFacts]:
    out = []
    for i, f in enumerate(population):
        if i % 10 == 3:
            inc = veto_incident(f"IV-{f.subject_id}", member_id=f.subject_id, verified=i % 20 == 3)
            f = pr.MemberFacts(f.member, records=f.records, incidents=(*f.incidents, inc),
                               commendations=f.commendations, annual=f.annual)
        out.append(f)
    return out


@pytest.fixture(scope="module")
def population() -> list[pr.MemberFacts]:
    return _with_vetoes(generate_member_facts(300, seed=2026, category=MemberCategory.IN_SERVICE))


def _in_threads(fn: Any, items: list[Any], threads: int = THREADS) -> list[Any]:
    start = threading.Barrier(threads)

    def wrapped(chunk: list[Any]) -> list[Any]:
        start.wait()
        return [fn(x) for x in chunk]

    chunks = [items[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(wrapped, chunks))
    out: list[Any] = [None] * len(items)
    for i, part in enumerate(parts):
        out[i::threads] = part
    return out


def test_300_members_in_4_threads_give_the_single_threaded_bytes(example_dir, population):
    rs = pr.load_ruleset(example_dir / "member-example.yaml")  # fresh: its lazy caches are built under contention
    threaded = _in_threads(lambda f: pr.evaluate(rs, f, period=PERIOD).to_json(), population)
    single = [pr.evaluate(rs, f, period=PERIOD).to_json() for f in population]
    assert threaded == single
    assert len(set(single)) > 250  # the members really differ
    assert sum('"vetoed":true' in j for j in single) >= 10


def test_a_shared_evaluator_in_threads(example_ruleset, population):
    evaluator = pr.Evaluator(example_ruleset)
    single = [evaluator.evaluate(f, PERIOD).to_json() for f in population]
    for _ in range(2):
        assert _in_threads(lambda f: evaluator.evaluate(f, PERIOD).to_json(), population) == single


def test_parameter_variants_in_threads(example_ruleset, population):
    params = [{"organ_volunteer_hours": h} for h in (80, 100, 150, 200)]
    jobs = [(f, p) for f in population[:80] for p in params]
    single = [pr.evaluate(example_ruleset, f, period=PERIOD, params=p).to_json() for f, p in jobs]
    threaded = _in_threads(lambda job: pr.evaluate(example_ruleset, job[0], period=PERIOD, params=job[1]).to_json(),
                           jobs)
    assert threaded == single


def test_evaluate_many_in_threads(example_ruleset, population):
    evaluator = pr.Evaluator(example_ruleset)
    batches = [population[i::6] for i in range(6)]
    single = [[b.to_json() for b in evaluator.evaluate_many(batch, PERIOD).breakdowns] for batch in batches]
    threaded = _in_threads(lambda batch: [b.to_json() for b in evaluator.evaluate_many(batch, PERIOD).breakdowns],
                           batches, threads=3)
    assert threaded == single


@given(population=st.lists(subject_facts("member", edges=GENERATED_EDGES, category="in_service"), min_size=4,
                           max_size=16))
def test_generated_members_in_threads(example_ruleset, population):
    single = [pr.evaluate(example_ruleset, f, period=PERIOD).to_json() for f in population]
    assert _in_threads(lambda f: pr.evaluate(example_ruleset, f, period=PERIOD).to_json(), population) == single


# -- live sessions -----------------------------------------------------------------------------------------------
def _first_half(f: pr.MemberFacts) -> pr.MemberFacts:
    return pr.MemberFacts(f.member, records=f.records[:6], incidents=(), commendations=f.commendations,
                          annual=f.annual)


def test_live_sessions_fed_from_several_threads(example_ruleset, population):
    members = population[:40]
    sessions = [pr.LiveSession(example_ruleset, _first_half(f), PERIOD) for f in members]
    try:
        def feed(i: int) -> str:
            s, full = sessions[i], members[i]
            for r in full.records[6:]:
                s.add_record(r)
                s.breakdown()
                pr.evaluate(example_ruleset, full, period=PERIOD)  # one-shot work at the same time
            for inc in full.incidents:
                s.add_incident(inc)
            return s.breakdown().to_json()

        threaded = _in_threads(feed, list(range(len(members))))
        expected = [pr.evaluate(example_ruleset, f, period=PERIOD).to_json() for f in members]
        assert threaded == expected
        assert [s.breakdown().to_json() for s in sessions] == expected
    finally:
        for s in sessions:
            s.close()


def test_one_session_shared_by_several_threads(example_ruleset):
    member = pr.Member(member_id="M1", branch_id="B1", category="in_service", status="formal",
                       joined_on="2001-07-01", birth_year=1975, placard_displayed=True)
    rng = random.Random(7)
    records = [pr.MemberMonthRecord(member_id="M1", month=f"2026-{m:02d}", dues_paid_on_time=m % 5 != 0,
                                    volunteer_hours=float(rng.randint(0, 20)), households_contacted=rng.randint(0, 3),
                                    meetings_required={"member_meeting": 1},
                                    meetings_attended={"member_meeting": rng.randint(0, 1)})
               for m in range(1, 13)]
    with pr.LiveSession(example_ruleset, pr.MemberFacts(member), PERIOD) as s:
        def feed(months: list[int]) -> None:
            for m in months:
                s.add_record(records[m - 1])
                s.breakdown()
                if m == 7:
                    s.add_incident(veto_incident("IV"))
                if m == 11:
                    s.retract_incident("IV")

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(feed, [[1, 5, 9], [2, 6, 10], [3, 7, 11], [4, 8, 12]]))
        assert [r.month for r in s.facts.records] == [f"2026-{m:02d}" for m in range(1, 13)]
        final = s.breakdown().to_json()
        assert final == pr.evaluate(example_ruleset, s.facts, period=PERIOD).to_json()
        assert final == pr.evaluate(example_ruleset, pr.MemberFacts(member, records=tuple(records)),
                                    period=PERIOD).to_json()


def test_1200_sessions_opened_from_4_threads_at_once(example_ruleset, population):
    members = population[:50]

    def open_many(t: int) -> list[pr.LiveSession]:
        return [pr.LiveSession(example_ruleset, members[(t * 300 + i) % len(members)], PERIOD) for i in range(300)]

    with ThreadPoolExecutor(THREADS) as pool:
        groups = list(pool.map(open_many, range(THREADS)))
    sessions = [s for g in groups for s in g]
    try:
        assert len(sessions) == 1200
        expected = {f.subject_id: pr.evaluate(example_ruleset, f, period=PERIOD).to_json() for f in members}
        for s in sessions:
            assert s.breakdown().to_json() == expected[s.subject_id]
    finally:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(lambda g: [s.close() for s in g], groups))
    # everything was released: the same number can be opened again
    again = open_many(0) + open_many(1) + open_many(2) + open_many(3)
    try:
        assert all(s.breakdown().to_json() == expected[s.subject_id] for s in again[::37])
    finally:
        for s in again:
            s.close()


def test_a_session_created_in_one_thread_used_and_closed_in_others(example_ruleset, population):
    full = population[0]
    with ThreadPoolExecutor(1) as pool:
        s = pool.submit(pr.LiveSession, example_ruleset, _first_half(full), PERIOD).result()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: [s.add_record(r) for r in full.records[6:]]).result()
        pool.submit(lambda: [s.add_incident(i) for i in full.incidents]).result()
    assert s.breakdown().to_json() == pr.evaluate(example_ruleset, full, period=PERIOD).to_json()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(s.close).result()
    with pytest.raises(pr.EvaluationError):
        s.breakdown()


# -- parameter variants ------------------------------------------------------------------------------------------
class _SlowDict(dict):
    """A dict that yields the GIL while iterators are handed out and after items are removed, so that a cache
    built on it shows any unsynchronised use from several threads deterministically instead of once in a while."""

    def __iter__(self):
        it = super().__iter__()
        time.sleep(0.02)
        return it

    def pop(self, *args):
        value = super().pop(*args)
        time.sleep(0.02)
        return value


def test_parameter_variants_from_several_threads(example_dir):
    # an analyst's notebook asks for many reforms at once: more variants than the rule set remembers
    rs = pr.load_ruleset(example_dir / "member-example.yaml")
    rs.__dict__["_variants"] = _SlowDict()  # white box: the variant cache, made slow (see _SlowDict)
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        start.wait()
        for h in range(25):
            value = 1000 + t * 100 + h
            try:
                assert rs.with_params(organ_volunteer_hours=value).params["organ_volunteer_hours"] == value
            except Exception as exc:  # collect every failure, report them together
                errors.append(repr(exc))

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    assert errors == []
