"""Months and periods as values: a period is an inclusive range of whole months."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import total_ordering

from .errors import PartyRulesError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@total_ordering
@dataclass(frozen=True, slots=True)
class Month:
    """A calendar month, ordered, printed as ``YYYY-MM``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise PartyRulesError(f"not a month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        m = _MONTH.match(text)
        if not m:
            raise PartyRulesError(f"not a month: {text!r}", hint="write months as YYYY-MM, e.g. 2026-03")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def index(self) -> int:
        """Months since year 0: consecutive months differ by exactly 1."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def __add__(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __lt__(self, other: Month) -> bool:
        return self.index < other.index

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of months, e.g. a year (``2026``), a quarter (``2026-Q1``) or one month."""

    start: Month
    end: Month

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PartyRulesError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(Month(year, 1), Month(year, 12))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PartyRulesError(f"not a quarter: {quarter}")
        first = Month(year, 3 * quarter - 2)
        return cls(first, first + 2)

    @classmethod
    def single(cls, month: Month) -> Period:
        return cls(month, month)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``2026``, ``2026-Q2``, ``2026-03`` or ``2026-01..2026-06``."""
        text = text.strip()
        if m := _YEAR.match(text):
            return cls.year(int(m.group(1)))
        if m := _QUARTER.match(text):
            return cls.quarter(int(m.group(1)), int(m.group(2)))
        if ".." in text:
            a, b = text.split("..", 1)
            return cls(Month.parse(a.strip()), Month.parse(b.strip()))
        if _MONTH.match(text):
            return cls.single(Month.parse(text))
        raise PartyRulesError(
            f"not a period: {text!r}", hint="use 2026, 2026-Q1, 2026-03 or 2026-01..2026-06"
        )

    @property
    def months(self) -> int:
        return self.end.index - self.start.index + 1

    @property
    def start_date(self) -> date:
        return self.start.first_day

    @property
    def end_date(self) -> date:
        return self.end.last_day

    def contains_month(self, month: Month) -> bool:
        return self.start <= month <= self.end

    def contains_date(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    def __str__(self) -> str:
        if self.start.month == 1 and self.end.month == 12 and self.start.year == self.end.year:
            return f"{self.start.year:04d}"
        if self.months == 3 and self.start.year == self.end.year and self.start.month % 3 == 1:
            return f"{self.start.year:04d}-Q{(self.start.month + 2) // 3}"
        if self.months == 1:
            return str(self.start)
        return f"{self.start}..{self.end}"
