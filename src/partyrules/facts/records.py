"""Period records and evidence: monthly records (月记实), incidents, objections and annual evaluations.

Monthly records default every count to 0, every flag to ``False`` and every optional value to ``None``, so
that a record can be written with the few fields that apply. A missing flag therefore reads as "not done":
rules give no credit without a record of it, which is the conservative reading of a monthly ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, StrictBool, ValidationInfo, field_validator, model_serializer
from pydantic_core import PydanticCustomError

from .base import Count, FactModel, Hours, Id, IsoDate, MonthStr, Percent, Share, Slug, Text, UniqueTuple, Year
from .enums import AppraisalLevel, Grade, ObjectionStatus, SecretaryReviewLevel, Severity, SubjectKind
from .kinds import incident_kinds, suggest_incident_kind
from .models import MeetingCounts, omit_none

__all__ = ["AnnualEvaluation", "BranchMonthRecord", "Incident", "MemberMonthRecord", "Objection"]


class MemberMonthRecord(FactModel):
    """Monthly record of a member (党员月记实)."""

    member_id: Id
    month: MonthStr
    meetings_required: MeetingCounts = Field(
        default=MeetingCounts(), description="Meetings of each kind the member was expected to attend."
    )
    meetings_attended: MeetingCounts = MeetingCounts()
    excused_absences: Count = Field(
        default=0, description="Absences approved in advance; not counted as missed."
    )
    study_sessions_required: Count = 0
    study_sessions_attended: Count = Field(
        default=0, description="May exceed the required number: make-up sessions count."
    )
    notes_submitted: Count = Field(
        default=0, description="Study notes or reflections handed in (学习笔记、心得)."
    )
    dues_paid_on_time: StrictBool = False
    volunteer_hours: Hours = Field(default=0.0, description="Volunteering hours in the month, 0 to 744.")
    community_activities: Count = Field(
        default=0, description="In-service members: activities at the residence community."
    )
    households_contacted: Count = Field(default=0, description="Distinct linked households contacted.")
    difficulties_resolved: Count = Field(
        default=0, description="Practical difficulties solved (帮助解决实际困难)."
    )
    suggestions_made: Count = Field(default=0, description="Reasonable suggestions made (合理化建议).")
    policy_promotion_events: Count = 0
    post_duty_performed: StrictBool = Field(default=False, description="A claimed post was carried out.")
    checklist_items_done: UniqueTuple[Id] = Field(default=(), description="Ids of checklist items done.")
    tasks_assigned: Count = 0
    tasks_completed: Count = 0
    reported_at_meeting: StrictBool = Field(
        default=False, description="Gave a report at a meeting (专题汇报)."
    )
    spot_checked: StrictBool = Field(
        default=False, description="Randomly checked by the general branch (随机抽查)."
    )
    spot_check_passed: StrictBool | None = Field(
        default=None, description="Result of the spot check; must be None when spot_checked is false."
    )
    # Category-specific facts: None means "not applicable to this member", which is not the same as 0.
    youth_care_activities: Count | None = Field(
        default=None, description="Retired: caring for the young (关心下一代)."
    )
    mediation_cases: Count | None = Field(default=None, description="Disputes mediated (矛盾调解).")
    property_fee_paid: StrictBool | None = Field(default=None, description="New citizens: property fee paid.")
    resettlement_milestones_met: StrictBool | None = Field(
        default=None, description="New citizens: signed, moved or handed over on schedule, where applicable."
    )
    courtyard_meetings_attended: Count | None = Field(
        default=None, description="Courtyard meetings (院落会议)."
    )
    training_sessions: Count | None = Field(
        default=None, description="New citizens: skills training sessions."
    )

    @field_validator("spot_check_passed")
    @classmethod
    def _result_needs_check(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if value is not None and info.data.get("spot_checked") is False:
            raise PydanticCustomError(
                "spot_check_result_without_check",
                "spot_check_passed must be null when spot_checked is false, got {value}",
                {"value": "true" if value else "false"},
            )
        return value

    @property
    def key(self) -> str:
        """The record's key within its subject: the month."""
        return self.month


# Each field on the left may not exceed the field on the right; the right one is declared first so that the
# validator of the left one can see it and report the error at the left field's path.
AT_MOST: dict[str, str] = {
    "directives_relayed_on_time": "directives_received",
    "central_tasks_completed": "central_tasks_assigned",
    "checklist_done": "checklist_total",
    "commitments_fulfilled": "commitments_total",
    "disputes_resolved": "disputes_found",
    "inservice_members_registered": "inservice_members_residing",
    "inservice_members_with_posts": "inservice_members_registered",
    "issues_resolved_on_time": "issues_collected",
}


class BranchMonthRecord(FactModel):
    """Monthly record of a branch (党支部月记实)."""

    branch_id: Id
    month: MonthStr
    meetings_held: MeetingCounts = MeetingCounts()
    study_sessions_held: Count = 0
    attendance_rate: Share = Field(
        default=0.0, description="Average attendance at org-life meetings, in [0, 1]."
    )
    directives_received: Count = Field(default=0, description="Superior directives received (上级部署).")
    directives_relayed_on_time: Count = Field(
        default=0, description="Directives relayed within the deadline (default 7 days); at most received."
    )
    central_tasks_assigned: Count = Field(default=0, description="Central tasks (中心工作) assigned.")
    central_tasks_completed: Count = 0
    checklist_total: Count = 0
    checklist_done: Count = 0
    commitments_total: Count = Field(default=0, description="Members' public commitments due (公开承诺).")
    commitments_fulfilled: Count = 0
    disputes_found: Count = 0
    disputes_resolved: Count = 0
    dues_collected_in_full: StrictBool = False
    cards_complete_members: Count = Field(
        default=0, description="Members with all four cards (四卡) up to date."
    )
    joint_meetings_held: Count = Field(
        default=0, description="Joint meetings (联席会议), monthly on the 10th."
    )
    joint_agreements_active: Count = Field(
        default=0, description="Joint building agreements (共驻共建协议书)."
    )
    inservice_members_residing: Count = Field(default=0, description="In-service members living in the area.")
    inservice_members_registered: Count = Field(
        default=0, description="Of those, reported to the community (在职党员报到)."
    )
    inservice_members_with_posts: Count = Field(default=0, description="Of those registered, holding a post.")
    volunteer_activities: Count = 0
    households_linked: Count = Field(default=0, description="Households linked to at least one member.")
    issues_collected: Count = Field(default=0, description="Residents' issues collected (民生诉求).")
    issues_resolved_on_time: Count = 0
    practical_deeds_done: Count = Field(default=0, description="Practical deeds for residents (为民办实事).")
    public_disclosure_done: StrictBool = Field(
        default=False, description="Party affairs disclosed (党务公开)."
    )
    report_submitted: StrictBool = Field(default=False, description="Monthly record and report submitted.")
    spot_check_passed: StrictBool | None = Field(default=None, description="None when not spot-checked.")
    activists_count: Count = Field(default=0, description="Activists applying to join (入党积极分子).")
    reserve_cadres_count: Count = Field(default=0, description="Reserve cadres (后备干部).")

    @field_validator(*AT_MOST)
    @classmethod
    def _not_above(cls, value: int, info: ValidationInfo) -> int:
        other = AT_MOST[info.field_name or ""]
        bound = info.data.get(other)
        if bound is not None and value > bound:
            raise PydanticCustomError(
                "count_exceeds",
                "{field} ({value}) cannot exceed {other} ({bound})",
                {"field": info.field_name, "value": value, "other": other, "bound": bound},
            )
        return value

    @property
    def key(self) -> str:
        """The record's key within its subject: the month."""
        return self.month


class Incident(FactModel):
    """A recorded incident behind a deduction or veto (扣分、否决事项的事实依据).

    ``kind`` must be registered for ``subject_kind`` in :mod:`partyrules.facts.kinds` when the incident is
    validated. Only verified incidents count; a verified incident names who verified it.
    """

    incident_id: Id
    subject_kind: SubjectKind
    subject_id: Id
    kind: Slug = Field(
        description="Incident kind, registered for the subject kind (see partyrules.facts.kinds)."
    )
    occurred_on: IsoDate
    severity: Severity = Severity.MINOR
    consequence: Text | None = Field(
        default=None, min_length=1, description="Consequence found, e.g. 造成不良后果 or 较大负面影响."
    )
    verified: StrictBool = Field(
        description="Verified after investigation and any appeal (走访调查、情况复核)."
    )
    verified_by: Id | None = Field(default=None, description="Who verified it; required when verified.")
    evidence_ref: Text = Field(min_length=1, description="Reference to the evidence on file.")
    objection_id: Id | None = Field(
        default=None, description="Objection raised against this incident, if any."
    )

    @field_validator("kind")
    @classmethod
    def _kind_registered(cls, value: str, info: ValidationInfo) -> str:
        subject = info.data.get("subject_kind")
        if subject is None:  # subject_kind itself failed; its own error says why
            return value
        if value not in incident_kinds(subject):
            hint = suggest_incident_kind(subject, value)
            suggestion = f"; did you mean '{hint}'?" if hint else ""
            elsewhere = [k.value for k in SubjectKind if k is not subject and value in incident_kinds(k)]
            if elsewhere:
                suggestion += f" ('{value}' is a kind for a {' or a '.join(elsewhere)})"
            raise PydanticCustomError(
                "unknown_incident_kind",
                "unknown incident kind '{kind}' for a {subject}{suggestion}",
                {"kind": value, "subject": subject.value, "suggestion": suggestion, "did_you_mean": hint},
            )
        return value

    @field_validator("verified_by")
    @classmethod
    def _verifier_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("verified") is True:
            raise PydanticCustomError("verifier_missing", "verified_by is required when verified is true", {})
        return value


class Objection(FactModel):
    """An objection to a published score or an incident (异议), with its investigation and review."""

    objection_id: Id
    raised_by: Id
    raised_on: IsoDate
    target: Literal["score", "incident"] = Field(
        description="What is objected to: a published score or incident."
    )
    target_ref: Id = Field(
        description="The incident_id, or the score's reference (e.g. 'M000001/2026-Q1/member-in-service')."
    )
    reason: Text = Field(min_length=1)
    status: ObjectionStatus = ObjectionStatus.PENDING
    visit_investigation_done: StrictBool = Field(
        default=False, description="Visit and investigation (走访调查)."
    )
    reviewed_on: IsoDate | None = Field(default=None, description="Date of the review (情况复核).")
    outcome_note: Text = ""

    @field_validator("reviewed_on")
    @classmethod
    def _review_consistent(cls, value: date | None, info: ValidationInfo) -> date | None:
        raised = info.data.get("raised_on")
        status = info.data.get("status")
        if value is None and status in (ObjectionStatus.UPHELD, ObjectionStatus.REJECTED):
            raise PydanticCustomError(
                "review_missing", "an objection that is {status} needs reviewed_on", {"status": status.value}
            )
        if value is not None and raised is not None and value < raised:
            raise PydanticCustomError(
                "review_before_raised",
                "reviewed_on ({value}) is before raised_on ({raised})",
                {"value": str(value), "raised": str(raised)},
            )
        return value


class AnnualEvaluation(FactModel):
    """Annual evaluation of a member or branch (年度测评、日常掌握情况、书记述职评议)."""

    subject_kind: SubjectKind
    subject_id: Id
    year: Year
    evaluator_org_id: Id = Field(
        description="The branch for members; the community general branch or committee for branches."
    )
    evaluation_score: Percent = Field(
        description="Annual evaluation (年度测评) on 0..100, e.g. converted votes."
    )
    vote_counts: dict[Grade, Count] | None = Field(
        default=None, description="Democratic-review votes per grade."
    )
    secretary_review: SecretaryReviewLevel | None = Field(
        default=None, description="Branches only: review of the secretary's report (书记述职评议)."
    )
    daily_observation_score: Percent = Field(description="Day-to-day observation (日常掌握情况) on 0..100.")
    satisfaction_rate: Share | None = Field(
        default=None, description="Branches: residents' satisfaction survey."
    )
    employer_appraisal: AppraisalLevel | None = Field(
        default=None, description="In-service members: the employer's annual appraisal."
    )
    org_life_meeting_held: StrictBool | None = None
    democratic_review_held: StrictBool | None = None
    # 设岗定责 at the year's end (001: "将岗位指责履行的情况,在“党员社区活动卡”上登记,年底汇总,定期进行考核评比"):
    # optional, members only; None means no year-end post appraisal is on file, which is not a failing.
    post_summary_done: StrictBool | None = Field(
        default=None, description="Members: the year's post duties were summed up from the activity card (年底汇总)."
    )
    post_appraisal: AppraisalLevel | None = Field(
        default=None, description="Members: the year-end appraisal of the claimed posts (岗位考核评比)."
    )

    @field_validator("subject_kind")
    @classmethod
    def _member_or_branch(cls, value: SubjectKind) -> SubjectKind:
        if value is SubjectKind.COMMUNITY:
            raise PydanticCustomError(
                "annual_subject_kind", "an annual evaluation is of a member or a branch, not a community", {}
            )
        return value

    @field_validator("vote_counts")
    @classmethod
    def _votes_in_grade_order(cls, value: dict[Grade, int] | None) -> dict[Grade, int] | None:
        # A fixed key order keeps the JSON of equal evaluations byte-identical.
        if value is None:
            return None
        return {grade: value[grade] for grade in Grade if grade in value}

    @field_validator("secretary_review")
    @classmethod
    def _review_for_branches(
        cls, value: SecretaryReviewLevel | None, info: ValidationInfo
    ) -> SecretaryReviewLevel | None:
        if value is not None and info.data.get("subject_kind") is SubjectKind.MEMBER:
            raise PydanticCustomError(
                "secretary_review_for_member", "secretary_review applies to branches only, not members", {}
            )
        return value

    @model_serializer(mode="wrap")
    def _omit_unset_posts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # left out while unset, so an evaluation without them serialises as before they existed
        return omit_none(handler(self), ("post_summary_done", "post_appraisal"))

    @field_validator("post_summary_done", "post_appraisal")
    @classmethod
    def _posts_for_members(cls, value: object, info: ValidationInfo) -> object:
        if value is not None and info.data.get("subject_kind") is SubjectKind.BRANCH:
            raise PydanticCustomError(
                "post_appraisal_for_branch",
                "{field} applies to members only, not branches (设岗定责年底评议只对党员)",
                {"field": info.field_name},
            )
        return value

    @field_validator("employer_appraisal")
    @classmethod
    def _appraisal_for_members(
        cls, value: AppraisalLevel | None, info: ValidationInfo
    ) -> AppraisalLevel | None:
        if value is not None and info.data.get("subject_kind") is SubjectKind.BRANCH:
            raise PydanticCustomError(
                "employer_appraisal_for_branch",
                "employer_appraisal applies to members only, not branches",
                {},
            )
        return value
