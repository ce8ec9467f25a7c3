"""Follow-up recommendations after a veto (D3, D4): the library recommends, a meeting decides.

A member veto recommends a chain of measures (assign a mentor; a time-limited correction, 6 months by default and
at most 12; then persuasion to withdraw; then removal), or for a lapse of Party life (党章 Art. 9) removal as having
left of one's own accord. A branch veto recommends a rectification case with the three measures of the source
(派驻第一书记、调整支部班子、开展专项整治). Every recommendation stays ``recommended`` until it is given the reference
of the meeting vote that decided it: there is no other way to make a decision out of one.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..errors import PartyRulesError

MAX_CORRECTION_MONTHS = 12
DEFAULT_CORRECTION_MONTHS = 6

MeasureKind = Literal[
    "assign_mentor", "time_limited_correction", "persuade_to_withdraw", "removal", "removal_self_departure",
    "dispatch_first_secretary", "adjust_branch_committee", "special_rectification",
]

_TEXT: dict[str, tuple[str, str]] = {
    "assign_mentor": ("确定专人帮教", "Assign a mentor"),
    "time_limited_correction": ("限期改正", "Time-limited correction"),
    "persuade_to_withdraw": ("劝其退党", "Persuade to withdraw from the Party"),
    "removal": ("除名", "Removal from the Party"),
    "removal_self_departure": ("按自行脱党予以除名", "Removal as having left the Party of one's own accord"),
    "dispatch_first_secretary": ("派驻第一书记", "Dispatch a first secretary"),
    "adjust_branch_committee": ("调整支部班子", "Adjust the branch committee"),
    "special_rectification": ("开展专项整治", "Carry out a special rectification"),
}
_CONDITION: dict[str, tuple[str, str]] = {
    "persuade_to_withdraw": ("限期改正期满仍无转变的", "if there is no improvement when the correction period ends"),
    "removal": ("劝而不退的", "if the member will not withdraw when persuaded"),
}
_REF = re.compile(r"^\S(.{0,198}\S)?$")


class FollowUpError(PartyRulesError):
    """A follow-up cannot be recorded as asked (e.g. a decision without a meeting-vote reference)."""

    code = "PR070"


class Recommendation(BaseModel):
    """One recommended measure. ``status`` is ``decided`` only with the reference of the meeting vote."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject_id: str
    year: int
    step: int  # order within the case: a later step is considered only after the earlier ones
    kind: MeasureKind
    zh: str
    en: str
    because_of: list[str]  # the veto rule ids that led here
    condition_zh: str = ""
    condition_en: str = ""
    months: int | None = None  # the time limit of a correction
    status: Literal["recommended", "decided"] = "recommended"
    decision_ref: str | None = None

    def decide(self, meeting_vote_ref: str) -> Recommendation:
        """This measure as decided by the meeting vote ``meeting_vote_ref`` (e.g. the minutes' number)."""
        if not isinstance(meeting_vote_ref, str) or not _REF.match(meeting_vote_ref):
            raise FollowUpError(f"recommendation {self.kind} for {self.subject_id} needs the reference of the "
                                f"meeting vote that decided it, got {meeting_vote_ref!r}",
                                hint="pass the minutes' reference, e.g. 'B012-2026-branch-meeting-07'")
        if self.status == "decided":
            raise FollowUpError(f"recommendation {self.kind} for {self.subject_id} was already decided by "
                                f"{self.decision_ref}", hint="a decision is not taken twice")
        return self.model_copy(update={"status": "decided", "decision_ref": meeting_vote_ref})


def _measure(subject_id: str, year: int, step: int, kind: str, because: list[str],
             months: int | None = None) -> Recommendation:
    zh, en = _TEXT[kind]
    czh, cen = _CONDITION.get(kind, ("", ""))
    if months is not None:
        zh, en = f"{zh}({months}个月)", f"{en} ({months} months)"
    return Recommendation(subject_id=subject_id, year=year, step=step, kind=kind,  # type: ignore[arg-type]
                          zh=zh, en=en, because_of=because, condition_zh=czh, condition_en=cen, months=months)


def member_follow_up(subject_id: str, year: int, vetoes: list[tuple[str, str]],
                     correction_months: float = DEFAULT_CORRECTION_MONTHS) -> list[Recommendation]:
    """Recommendations for a member with verified vetoes, given as ``(rule id, follow_up)`` pairs."""
    if not vetoes:
        return []
    months = int(correction_months)
    if months != correction_months or not 1 <= months <= MAX_CORRECTION_MONTHS:
        raise FollowUpError(f"a correction period of {correction_months} months is not allowed",
                            hint=f"use whole months from 1 to {MAX_CORRECTION_MONTHS}")
    lapse = sorted(rid for rid, kind in vetoes if kind == "self_departure")
    others = sorted(rid for rid, kind in vetoes if kind != "self_departure")
    out = [_measure(subject_id, year, 1, "assign_mentor", lapse + others)]
    if others:
        out += [_measure(subject_id, year, 2, "time_limited_correction", others, months),
                _measure(subject_id, year, 3, "persuade_to_withdraw", others),
                _measure(subject_id, year, 4, "removal", others)]
    if lapse:
        out.append(_measure(subject_id, year, len(out) + 1, "removal_self_departure", lapse))
    return out


def branch_rectification(subject_id: str, year: int, vetoes: list[str]) -> list[Recommendation]:
    """The rectification case of a vetoed branch: the source's three measures, each to be decided."""
    if not vetoes:
        return []
    because = sorted(vetoes)
    return [_measure(subject_id, year, i, kind, because) for i, kind in
            enumerate(("dispatch_first_secretary", "adjust_branch_committee", "special_rectification"), start=1)]
