"""How a generated subject's year becomes its annual evaluation (年度测评) and day-to-day observation (日常掌握情况).

Both generators (subject by subject in :mod:`partyrules.synthetic.members`, column by column in
:mod:`partyrules.synthetic.tables`) score the year they actually generated, not a hidden trait: a member who
attended the meetings and study sessions, handed in notes and volunteered is rated highly; verified incidents pull
the rating down by their severity, verified commendations lift it. The formulas below use only arithmetic and an
``exp`` the caller passes (``math.exp`` for one subject, ``numpy.exp`` for a column), so both generators compute
the same thing.

Member evaluations are democratic-review votes: each voter perceives the member's conduct plus a shared
reputation and their own logistic noise, and votes 优秀 / 合格 / 基本合格 / 不合格 by thresholds, so a diligent
member collects mostly 优秀 votes (and with luck all of them: a score of 100), a typical one a mix of 优秀 and 合格,
and a member with a veto-grade incident mostly 不合格 (near 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ANNUAL", "AnnualConduct", "branch_conduct", "grade_shares", "member_conduct"]

Num = Any
"""A float for one subject, a numpy array for a column of subjects."""


@dataclass(frozen=True)
class AnnualConduct:
    """Weights and noise of the annual evaluation of generated subjects (shares and conduct are on 0..1)."""

    # member conduct: weights of the year's shares (they sum to 1)
    attendance: float = 0.55  # meetings attended of meetings required
    study: float = 0.2  # study sessions attended of required, at most 1
    notes: float = 0.1  # months with study notes handed in
    volunteering: float = 0.15  # the year's hours of the hours expected of the member, at most 1
    # org-life targets of members limited by health are adjusted: they are judged against this share
    health_attendance_target: float = 0.6
    # verified incidents, by severity; a veto-grade (serious) incident alone makes a poor year
    member_penalty: dict[str, float] = field(
        default_factory=lambda: {"minor": 0.08, "major": 0.2, "serious": 0.6})
    member_commendation: float = 0.04  # per verified commendation
    # branch conduct: weights of meetings held, duties done, checklist accepted, routine kept (sum 1)
    meetings: float = 0.3
    duties: float = 0.3
    checklist: float = 0.2
    routine: float = 0.2
    branch_penalty: dict[str, float] = field(
        default_factory=lambda: {"minor": 0.05, "major": 0.12, "serious": 0.35})
    branch_commendation: float = 0.03
    # how the conduct is perceived
    reputation_sd: float = 0.05  # shared by all the subject's voters and observers
    voter_scale: float = 0.045  # logistic scale of one voter's own view (sd about 0.08)
    excellent_at: float = 0.88  # a voter votes 优秀 when the conduct they see is at least this
    qualified_at: float = 0.65
    basically_at: float = 0.45
    daily_sd: float = 0.04  # noise of the day-to-day observation around the conduct
    # branch evaluations: the evaluating body's score is 100 at full conduct and falls this many points per
    # point of conduct missing, so that a branch doing 80% of its duties is rated near the 60 pass mark
    branch_stretch: float = 2.0
    branch_reputation_sd: float = 0.025
    branch_sd: float = 0.03


ANNUAL = AnnualConduct()


def member_conduct(attendance: Num, study: Num, notes: Num, volunteering: Num, penalty: Num, bonus: Num) -> Num:
    """A member's conduct in the year before clipping to 0..1."""
    a = ANNUAL
    return (a.attendance * attendance + a.study * study + a.notes * notes + a.volunteering * volunteering
            - penalty + bonus)


def branch_conduct(meetings: Num, duties: Num, checklist: Num, routine: Num, penalty: Num, bonus: Num) -> Num:
    """A branch's conduct in the year before clipping to 0..1."""
    a = ANNUAL
    return a.meetings * meetings + a.duties * duties + a.checklist * checklist + a.routine * routine - penalty + bonus


def grade_shares(perceived: Num, exp: Callable[[Num], Num]) -> tuple[Num, Num, Num, Num]:
    """The chance that one voter votes 优秀, 合格, 基本合格, 不合格 for a member whose conduct, as the voters
    share it, is ``perceived``: a logistic view around it, cut at the thresholds of :class:`AnnualConduct`."""
    a = ANNUAL
    exc, qual, basic = (1.0 / (1.0 + exp((t - perceived) / a.voter_scale))
                        for t in (a.excellent_at, a.qualified_at, a.basically_at))
    return exc, qual - exc, basic - qual, 1.0 - basic
