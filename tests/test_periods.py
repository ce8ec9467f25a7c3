from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules import PartyRulesError, Period
from partyrules.periods import Month


@pytest.mark.parametrize("text,start,end,months", [
    ("2026", "2026-01", "2026-12", 12),
    ("2026-Q2", "2026-04", "2026-06", 3),
    ("2026-03", "2026-03", "2026-03", 1),
    ("2025-11..2026-02", "2025-11", "2026-02", 4),
])
def test_parse(text, start, end, months):
    p = Period.parse(text)
    assert (str(p.start), str(p.end), p.months) == (start, end, months)
    assert Period.parse(str(p)) == p


def test_dates():
    p = Period.quarter(2024, 1)
    assert p.start_date == date(2024, 1, 1) and p.end_date == date(2024, 3, 31)
    assert p.contains_date(date(2024, 2, 29)) and not p.contains_date(date(2024, 4, 1))


@pytest.mark.parametrize("bad", ["2026-13", "26", "2026-Q5", "2026-06..2026-01", "x"])
def test_bad_periods(bad):
    with pytest.raises(PartyRulesError):
        Period.parse(bad)


@given(st.integers(10, 9000), st.integers(1, 12), st.integers(-50, 50))
def test_month_arithmetic(year, month, delta):
    m = Month(year, month)
    moved = m + delta
    assert moved.index - m.index == delta
    assert Month.parse(str(m)) == m
