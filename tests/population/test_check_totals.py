"""The shortcuts that let a clean column or table skip the row-by-row checks agree with the rows: a text column's
stand-in values hold exactly its values, a count's one-pass bound check finds what its least and greatest values
find, ids given twice are found from runs as by hashing every key, and every subject of a table of items is found
known by merging the sorted ids exactly when it is among the subjects."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from partyrules.population.checks.columns import _specs, column_may_fail, distinct_values, run_starts
from partyrules.population.checks.table import _given_twice, _no_run_twice
from partyrules.population.frames import layout
from partyrules.population.io.checked import _all_known

_TEXTS = st.sampled_from(["M1", "M2", "M10", "2026-01", "2026-13", " x", "", "ids", "é" * 3])
_MAYBE = st.one_of(st.none(), _TEXTS)


def _column(kind: str, head: list[str | None], tail: list[str | None]) -> list[str | None]:
    """A column past the first ten thousand values the heuristics look at: a head of the kind asked for
    (runs of one value, a few values repeating, or every value new), then the tail drawn."""
    if kind == "runs":
        body = [head[i // 50 % len(head)] for i in range(10_500)]
    elif kind == "repeats":
        body = [head[i % len(head)] for i in range(10_500)]
    else:
        body = [f"id{i}" for i in range(10_500)]
    return body + tail


@given(st.sampled_from(["runs", "repeats", "unique"]), st.lists(_MAYBE, min_size=1, max_size=5),
       st.lists(_MAYBE, max_size=30))
def test_a_text_columns_stand_in_values_are_exactly_its_values(kind, head, tail):
    values = _column(kind, head, tail)
    df = pl.DataFrame({"month": values}, schema={"month": pl.String})
    found = distinct_values(pl, df, ["month"])["month"].collect().get_column("month").to_list()
    assert set(found) == set(values)


@given(st.lists(st.tuples(_MAYBE, st.integers(1, 30)), min_size=1, max_size=40))
def test_subject_ids_stand_in_values_are_those_of_their_runs(runs):
    values = [v for v, n in runs for _ in range(n)]
    df = pl.DataFrame({"subject_id": values}, schema={"subject_id": pl.String})
    starts = run_starts(df.get_column("subject_id"))
    found = distinct_values(pl, df, ["subject_id"], starts)["subject_id"].collect().get_column("subject_id")
    found = found.to_list()
    assert set(found) == set(values)
    assert len(found) <= len(values)


_BIG = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-3, 3), st.integers(10**9 - 2, 10**9 + 2))


@given(st.sampled_from(["notes_submitted", "youth_care_activities"]), st.lists(st.one_of(st.none(), _BIG),
                                                                               max_size=20))
def test_a_counts_one_pass_bound_check_finds_what_its_least_and_greatest_values_find(name, values):
    spec = _specs(layout("member")["records"])[name]
    assert spec.ge == 0 and spec.le is not None
    df = pl.DataFrame({name: values}, schema={name: pl.Int64})
    may_fail = df.select(column_may_fail(pl, spec, pl.Int64, pl.Int64)).item()
    out_of_bounds = any(v is not None and not 0 <= v <= spec.le for v in values)
    null_not_allowed = not spec.nullable and None in values
    assert may_fail == (out_of_bounds or null_not_allowed)


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", None]),
                          st.lists(st.sampled_from(["2026-01", "2026-02", "2026-03", None]), min_size=1,
                                   max_size=4)), max_size=8))
def test_ids_given_twice_are_found_from_runs_as_by_hashing_every_key(groups):
    rows = [(sid, month) for sid, months in groups for month in months]
    frame = pl.DataFrame(rows, schema={"subject_id": pl.String, "month": pl.String}, orient="row")
    sid = frame.get_column("subject_id")
    starts = run_starts(sid)
    flags = _given_twice(pl, frame, ("subject_id", "month"), starts, sid.filter(starts))
    twice = frame.select(pl.struct("subject_id", "month").is_duplicated()).to_series()
    if flags is None:
        assert not twice.any()
    else:
        assert flags.to_list() == twice.to_list()
    flags = _given_twice(pl, frame, ("subject_id",), starts, sid.filter(starts))
    twice = sid.is_duplicated()
    assert (flags is None and not twice.any()) or (flags is not None and flags.to_list() == twice.to_list())


_IDS = st.lists(st.sampled_from([f"S{i:02d}" for i in range(20)]), max_size=20)


@given(_IDS, _IDS, st.booleans(), st.booleans())
def test_every_subject_of_a_table_is_found_known_exactly_when_it_is_among_the_subjects(known, ids, sort_known,
                                                                                        sort_ids):
    known_s = pl.Series(sorted(known) if sort_known else known, dtype=pl.String)
    # the subjects of runs of rows: no two neighbours equal
    ids = sorted(set(ids)) if sort_ids else [v for i, v in enumerate(ids) if i == 0 or ids[i - 1] != v]
    ids_s = pl.Series(ids, dtype=pl.String)
    in_order = known_s.is_sorted() and not (known_s == known_s.shift()).any()
    assert _all_known(pl, ids_s, known_s, in_order) == set(ids).issubset(known)


@given(st.lists(st.sampled_from(["M9", "M10", "M11", "M999999", "M1000000", "a", "ab", "b"]), max_size=12),
       st.sampled_from(["as drawn", "texts", "lengths then texts"]))
def test_runs_are_found_without_a_subject_twice_exactly_when_none_is(ids, order):
    if order == "texts":
        ids = sorted(ids)
    elif order == "lengths then texts":
        ids = sorted(ids, key=lambda v: (len(v), v))
    runs = [v for i, v in enumerate(ids) if i == 0 or ids[i - 1] != v]  # neighbouring runs are never one subject
    assert _no_run_twice(pl, pl.Series(runs, dtype=pl.String)) == (len(set(runs)) == len(runs))
