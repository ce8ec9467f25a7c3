"""Follow-up recommendations after a veto (D3, D4): the library recommends, a meeting decides.

A member veto recommends a chain of measures (assign a mentor; a time-limited correction, 6 months by default and
at most 12; then persuasion to withdraw; then removal), or for a lapse of Party life (党章 Art. 9) removal as having
left of one's own accord. A veto for conduct the member was already disciplined for (``follow_up: none``: a Party
sanction, a criminal conviction) is recorded with no further disposal recommended, never the correction or removal
path: the 2024 rules on handling unqualified members (不合格党员组织处置办法, Art. 4) do not dispose of a member twice
for the same matter. A branch veto recommends a rectification case with the three measures of the source
(派驻第一书记、调整支部班子、开展专项整治).

Every recommendation stays ``recommended`` until it is given the reference of the meeting vote that decided it:
``status`` is not stored but derived from ``decision_ref``, so no way of building one (the constructor, JSON,
``model_copy``, ``model_construct``, which skip validation) can make a decision without a reference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field, field_validator, model_validator

from ..errors import FollowUpError

MAX_CORRECTION_MONTHS = 12
FOLLOW_UPS = ("correction", "self_departure", "none")  # a member veto's follow_up, as rule sets declare it
DEFAULT_CORRECTION_MONTHS = 6

MeasureKind = Literal[
    "assign_mentor", "time_limited_correction", "persuade_to_withdraw", "removal", "removal_self_departure",
    "dispatch_first_secretary", "adjust_branch_committee", "special_rectification", "no_further_disposal",
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
    "no_further_disposal": (
        "已受党纪处分或被依法追究刑事责任, 对同一问题不再重复组织处置(《不合格党员组织处置办法》第四条); "
        "记录在案, 当年等次仍为不合格",
        "Already disciplined or convicted for this conduct: no further disposal for the same matter (rules on "
        "handling unqualified members, 2024, Art. 4); recorded, and the year's grade stays unqualified",
    ),
}
_CONDITION: dict[str, tuple[str, str]] = {
    "persuade_to_withdraw": ("限期改正期满仍无转变的", "if there is no improvement when the correction period ends"),
    "removal": ("劝而不退的", "if the member will not withdraw when persuaded"),
}
_REF = re.compile(r"\S(?:.{0,198}\S)?")  # one line of 1 to 200 characters, no surrounding whitespace


def is_meeting_vote_ref(value: object) -> bool:
    """True for a usable reference of the meeting vote that decided a measure (e.g. the minutes' number)."""
    return isinstance(value, str) and _REF.fullmatch(value) is not None


class Recommendation(BaseModel):
    """One recommended measure. ``status`` is ``decided`` only with the reference of the meeting vote: it is
    derived from ``decision_ref``, never stored, and an input that says ``decided`` without a usable reference (or
    ``recommended`` with one) is refused."""

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
    decision_ref: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Literal["recommended", "decided"]:
        """``decided`` exactly when the measure holds the reference of the meeting vote that decided it."""
        return "decided" if is_meeting_vote_ref(self.decision_ref) else "recommended"

    @model_validator(mode="before")
    @classmethod
    def _status_agrees(cls, data: Any) -> Any:
        # status is accepted as input (it is in every dump) but only when it says what decision_ref says
        if not isinstance(data, Mapping) or "status" not in data:
            return data
        data = dict(data)
        said = data.pop("status")
        if said not in ("recommended", "decided"):
            raise ValueError(f"status must be 'recommended' or 'decided', got {said!r}")
        has_ref = data.get("decision_ref") is not None
        if said == "decided" and not has_ref:
            raise ValueError("a recommendation is decided only with the reference of the meeting vote that "
                             "decided it (decision_ref); the library never decides one")
        if said == "recommended" and has_ref:
            raise ValueError("status 'recommended' with a decision_ref: a measure with the reference of its "
                             "meeting vote is decided")
        return data

    @field_validator("decision_ref")
    @classmethod
    def _usable_ref(cls, value: str | None) -> str | None:
        if value is not None and not is_meeting_vote_ref(value):
            raise ValueError("decision_ref must be the meeting vote's reference: one line of 1 to 200 characters "
                             f"without surrounding whitespace, got {value!r}")
        return value

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Recommendation:
        """A copy; with ``update`` it is validated like a new recommendation (pydantic's copy would not be, so a
        copy could otherwise claim a decision that nobody took)."""
        if not update:
            return super().model_copy(deep=deep)
        return type(self).model_validate({**{name: getattr(self, name) for name in type(self).model_fields},
                                          **update})

    def decide(self, meeting_vote_ref: str) -> Recommendation:
        """This measure as decided by the meeting vote ``meeting_vote_ref`` (e.g. the minutes' number)."""
        if not is_meeting_vote_ref(meeting_vote_ref):
            raise FollowUpError(f"recommendation {self.kind} for {self.subject_id} needs the reference of the "
                                f"meeting vote that decided it, got {meeting_vote_ref!r}",
                                hint="pass the minutes' reference, e.g. 'B012-2026-branch-meeting-07'")
        if self.status == "decided":
            raise FollowUpError(f"recommendation {self.kind} for {self.subject_id} was already decided by "
                                f"{self.decision_ref}", hint="a decision is not taken twice")
        return self.model_copy(update={"decision_ref": meeting_vote_ref})


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
    """Recommendations for a member with verified vetoes, given as ``(rule id, follow_up)`` pairs.

    ``follow_up`` is the veto's declared follow-up: ``correction``, ``self_departure`` or ``none``. A ``none`` veto
    (conduct already disciplined) never leads to a disposal: it is recorded in one ``no_further_disposal`` line,
    and the other vetoes, if any, keep their own path without it."""
    if not vetoes:
        return []
    months = int(correction_months)
    if months != correction_months or not 1 <= months <= MAX_CORRECTION_MONTHS:
        raise FollowUpError(f"a correction period of {correction_months} months is not allowed",
                            hint=f"use whole months from 1 to {MAX_CORRECTION_MONTHS}")
    unknown = sorted(f"{rid}: {kind!r}" for rid, kind in vetoes if kind not in FOLLOW_UPS)
    if unknown:
        raise FollowUpError(f"unknown follow-up of veto {', '.join(unknown)}", hint="one of: " + ", ".join(FOLLOW_UPS))
    lapse = sorted(rid for rid, kind in vetoes if kind == "self_departure")
    others = sorted(rid for rid, kind in vetoes if kind == "correction")
    settled = sorted(rid for rid, kind in vetoes if kind == "none")
    out: list[Recommendation] = []
    if lapse or others:
        out.append(_measure(subject_id, year, 1, "assign_mentor", lapse + others))
    if others:
        out += [_measure(subject_id, year, 2, "time_limited_correction", others, months),
                _measure(subject_id, year, 3, "persuade_to_withdraw", others),
                _measure(subject_id, year, 4, "removal", others)]
    if lapse:
        out.append(_measure(subject_id, year, len(out) + 1, "removal_self_departure", lapse))
    if settled:
        out.append(_measure(subject_id, year, len(out) + 1, "no_further_disposal", settled))
    return out


def branch_rectification(subject_id: str, year: int, vetoes: list[str]) -> list[Recommendation]:
    """The rectification case of a vetoed branch: the source's three measures, each to be decided."""
    if not vetoes:
        return []
    because = sorted(vetoes)
    return [_measure(subject_id, year, i, kind, because) for i, kind in
            enumerate(("dispatch_first_secretary", "adjust_branch_committee", "special_rectification"), start=1)]
