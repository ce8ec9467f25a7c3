"""What a recourse search finds: the changes to a subject's actionable fields, the breakdowns before and
after, or why there is no recourse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...results import ScoreBreakdown
from .text import _render

__all__ = ["Change", "Recourse"]


@dataclass(frozen=True)
class Change:
    """One field changed: its value before and after (a record field: the period's total, or for a true/false
    field the number of months it is true), the months whose records change, and the cost."""

    field: str
    zh: str
    en: str
    direction: str
    before: float | bool
    after: float | bool
    months: tuple[str, ...]
    monthly: tuple[tuple[str, Any, Any], ...]  # (month, before, after) of each changed record
    cost: float


@dataclass(frozen=True)
class Recourse:
    """The smallest change that reaches ``target`` (a grade id), or why there is none.

    ``status`` is ``reached`` (``changes`` reach the target), ``already`` (the subject is at or above it),
    ``vetoed`` (``vetoed_by`` lists the vetoes; no actionable change lifts one), ``impossible`` (no set of at most
    ``max_changes`` fields reaches it: ``changes`` and ``after`` show the best total reachable) or
    ``no_actionable`` (no declared field can change for this subject).
    """

    subject_id: str
    ruleset_id: str
    ruleset_version: str
    period: str
    target: str
    target_at_least: float
    status: str
    changes: tuple[Change, ...]
    before: ScoreBreakdown
    after: ScoreBreakdown | None
    gains: dict[str, float] = field(default_factory=dict)
    vetoed_by: tuple[str, ...] = ()
    max_changes: int = 3
    target_zh: str = ""
    target_en: str = ""
    after_facts: Any = None  # the changed facts that ``after`` scores (None when nothing was changed or tried)

    @property
    def reached(self) -> bool:
        """Whether the subject is at the target with ``changes`` (true also when no change is needed)."""
        return self.status in ("reached", "already")

    @property
    def cost(self) -> float:
        return sum(c.cost for c in self.changes)

    @property
    def best_total(self) -> float:
        """The total after the changes (for ``impossible``: the best total reachable)."""
        return (self.after or self.before).total

    def to_text(self, lang: str = "zh") -> str:
        """The recourse in Chinese (``zh``) or English (``en``)."""
        return _render(self, lang)

    def __str__(self) -> str:
        return self.to_text("en")

