"""When a standard falls due, and what a period does not assess (the one place that decides it).

A standard declares its cadence with ``due:``. In a period where it is not due it is *not assessed*: it neither
earns points nor counts in the maximum (docs/rule-language.md, "Cadence"). Deciding that depends only on the
standard and the period, never on the subject, so every backend asks this module and gets the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..lang import ir as I
from ..periods import Month, Period

# What a person reads when an item is not assessed, per cadence.
_REASONS: dict[str, tuple[str, str]] = {
    "quarterly": ("按季度考核,本期不含完整季度,不予评估",
                  "assessed by the quarter; this period holds no whole quarter"),
    "yearly": ("按年度考核,年度评定时评估,本期不予评估", "assessed once a year, on the whole year; not in this period"),
}


@dataclass(frozen=True, slots=True)
class NotDue:
    """A standard a period does not assess, and why (in both languages)."""

    rule_id: str
    due: str
    reason_zh: str
    reason_en: str


def _covers_quarter(period: Period) -> bool:
    first = period.start
    # the first quarter start at or after the period's start
    offset = (3 - (first.month - 1) % 3) % 3
    start = first + offset
    return start + 2 <= period.end


def _covers_year(period: Period) -> bool:
    first = period.start
    start = first if first.month == 1 else Month(first.year + 1, 1) if first.year < 9999 else None
    return start is not None and start + 11 <= period.end


def is_due(cadence: str | None, period: Period) -> bool:
    """Whether a standard of this cadence is assessed in ``period`` (``None``, undeclared, is as ``any``)."""
    if cadence == "quarterly":
        return _covers_quarter(period)
    if cadence == "yearly":
        return _covers_year(period)
    return True


def not_due(standards: object, period: Period) -> dict[str, NotDue]:
    """The rules (standards or deductions: objects with ``id`` and ``spec.due``) that ``period`` does not assess,
    by id. A deduction not due is not applied in the period: there is no maximum to take it out of."""
    out: dict[str, NotDue] = {}
    for s in standards:  # type: ignore[attr-defined]
        due = s.spec.due
        if not is_due(due, period):
            zh, en = _REASONS[due]
            out[s.id] = NotDue(s.id, due, zh, en)
    return out


def cadence_problems(due: str | None, exprs: Mapping[str, object]) -> list[tuple[str, str, str]]:
    """Contradictions between a standard's cadence and what its expressions read: (code, message, hint).

    ``exprs`` maps expression keys to objects with an ``ir``. Checked when a rule set is loaded."""
    reads_months = reads_annual = False
    for e in exprs.values():
        for node in e.ir.walk():  # type: ignore[attr-defined]
            if isinstance(node, I.Field):
                reads_months |= node.scope == "period" and tuple(node.path) == ("months",)
                reads_annual |= node.scope == "annual"
    out: list[tuple[str, str, str]] = []
    if due == "yearly" and reads_months:
        out.append(("RS310", "a yearly rule is judged once, on the whole year, but it reads period.months: "
                    "prorated, a once-a-year event would count only in the period it happened in",
                    "write the yearly target itself (e.g. target: 1), without period.months"))
    if due is not None and due != "yearly" and reads_annual:
        out.append(("RS311", f"the rule reads the annual evaluation, which exists only for a whole year, but "
                    f"it is due {due}", "declare due: yearly"))
    return out
