"""Closed vocabularies of the facts (outline section ``facts.enums``).

Every enum is a :class:`~enum.StrEnum`, so a member compares equal to its value and serialises as that
string. Models accept the string value as input; an unknown value fails and the error lists the allowed
values. The order of members is meaningful where the vocabulary is graded (best first).
"""

from __future__ import annotations

from enum import StrEnum


class MemberCategory(StrEnum):
    """Category of a Party member (党员类别).

    Mobile members (流动党员) are their own category so that they can be counted and found, but the seed manages
    them with in-service members ("针对在职党员、流动党员…“四卡一岗一制度”", 001), so the in-service index scores them.
    """

    IN_SERVICE = "in_service"  # 在职党员
    RETIRED = "retired"  # 离退休党员
    NEW_CITIZEN = "new_citizen"  # 新市民党员 (resettled residents)
    MOBILE = "mobile"  # 流动党员, scored by the in-service index


class MemberStatus(StrEnum):
    """Formal or probationary membership (正式党员/预备党员); probationary members are not graded."""

    FORMAL = "formal"
    PROBATIONARY = "probationary"


class BranchType(StrEnum):
    """Kind of Party branch (党支部类型), the ranking pool of a branch."""

    COMMUNITY = "community"
    GRID = "grid"
    RESETTLEMENT_AREA = "resettlement_area"
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise"
    SOCIAL_ORG = "social_org"
    ORGAN = "organ"
    RETIRED_CADRES = "retired_cadres"
    JOINT = "joint"


class OrgLevel(StrEnum):
    """Level of a Party organisation in the street-community-grid chain (组织层级)."""

    STREET_WORKING_COMMITTEE = "street_working_committee"
    COMMUNITY_COMMITTEE = "community_committee"
    COMMUNITY_GENERAL_BRANCH = "community_general_branch"
    BRANCH = "branch"
    PARTY_GROUP = "party_group"


class PostCategory(StrEnum):
    """Category of a service post a member claims (设岗定责的岗位类别)."""

    PUBLICITY_EDUCATION = "publicity_education"  # 宣教
    RIGHTS_PROTECTION = "rights_protection"  # 维权
    ASSISTANCE = "assistance"  # 帮扶
    ENVIRONMENT = "environment"  # 环保服务
    SECURITY_PATROL = "security_patrol"
    POLICY_PROMOTION = "policy_promotion"
    EMPLOYMENT_GUIDANCE = "employment_guidance"


class ChecklistTask(StrEnum):
    """The three tasks seed 000 names for a resettlement-area branch's checklist (28项任务, three named).

    "对带头拆迁安置、带头缴纳物业管理费、带头制止乱搭违建等28项任务划分责任区、作出明确承诺" (000). The other 25 are not
    named, so an item need not carry a code; the code lets a rule find the named ones whatever the item's text.
    """

    LEAD_RESETTLEMENT = "lead_resettlement"  # 带头拆迁安置
    LEAD_PROPERTY_FEE = "lead_property_fee"  # 带头缴纳物业管理费
    LEAD_STOP_ILLEGAL_BUILDING = "lead_stop_illegal_building"  # 带头制止乱搭违建


CHECKLIST_TASK_TEXT: dict[ChecklistTask, tuple[str, str]] = {
    ChecklistTask.LEAD_RESETTLEMENT: ("带头拆迁安置", "Lead in resettlement"),
    ChecklistTask.LEAD_PROPERTY_FEE: ("带头缴纳物业管理费", "Lead in paying the property management fee"),
    ChecklistTask.LEAD_STOP_ILLEGAL_BUILDING: ("带头制止乱搭违建", "Lead in stopping illegal building"),
}
"""The named tasks in the seed's words (zh) and in English."""


class CardKind(StrEnum):
    """One of the four cards kept for each member (四卡)."""

    BASIC_INFO = "basic_info"  # 党员基本情况卡
    ACTIVITY_RECORD = "activity_record"  # 活动记录卡
    COMMUNITY_PERFORMANCE = "community_performance"  # 社区表现卡
    COMMUNITY_FEEDBACK = "community_feedback"  # 社区表现反馈卡


class MeetingKind(StrEnum):
    """Kind of organisational-life meeting (三会一课, 主题党日, 组织生活会, 民主评议)."""

    MEMBER_MEETING = "member_meeting"  # 支部党员大会
    COMMITTEE_MEETING = "committee_meeting"  # 支部委员会
    GROUP_MEETING = "group_meeting"  # 党小组会
    PARTY_LECTURE = "party_lecture"  # 党课
    THEME_DAY = "theme_day"  # 主题党日
    ORG_LIFE_MEETING = "org_life_meeting"  # 组织生活会
    DEMOCRATIC_REVIEW = "democratic_review"  # 民主评议党员


class AppraisalLevel(StrEnum):
    """Employer's annual appraisal of an in-service member (优秀/称职/基本称职/不称职)."""

    EXCELLENT = "excellent"
    COMPETENT = "competent"
    BASICALLY_COMPETENT = "basically_competent"
    INCOMPETENT = "incompetent"


class SecretaryReviewLevel(StrEnum):
    """Result of the review of a branch secretary's work report (书记述职评议 好/较好/一般/差)."""

    GOOD = "good"
    FAIRLY_GOOD = "fairly_good"
    AVERAGE = "average"
    POOR = "poor"


class Grade(StrEnum):
    """Annual grade of a member (优秀/合格/基本合格/不合格)."""

    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    BASICALLY_QUALIFIED = "basically_qualified"
    UNQUALIFIED = "unqualified"


class BranchTier(StrEnum):
    """Annual tier of a branch (先进/较好/一般/后进)."""

    ADVANCED = "advanced"
    GOOD = "good"
    AVERAGE = "average"
    LAGGING = "lagging"


class ObjectionStatus(StrEnum):
    """State of an objection to a published score or incident (异议处理状态)."""

    PENDING = "pending"
    INVESTIGATING = "investigating"
    UPHELD = "upheld"
    REJECTED = "rejected"


class Severity(StrEnum):
    """Severity of an incident (情节轻微/较重/严重)."""

    MINOR = "minor"
    MAJOR = "major"
    SERIOUS = "serious"


class SubjectKind(StrEnum):
    """What a fact is about: a member, a branch or a community (评价对象)."""

    MEMBER = "member"
    BRANCH = "branch"
    COMMUNITY = "community"


class CommendationLevel(StrEnum):
    """Level of the body that gave a commendation (表彰级别), lowest first."""

    UNIT = "unit"
    STREET = "street"
    DISTRICT = "district"
    CITY = "city"
    ABOVE = "above"


__all__ = [
    "CHECKLIST_TASK_TEXT",
    "AppraisalLevel",
    "BranchTier",
    "BranchType",
    "CardKind",
    "ChecklistTask",
    "CommendationLevel",
    "Grade",
    "MeetingKind",
    "MemberCategory",
    "MemberStatus",
    "ObjectionStatus",
    "OrgLevel",
    "PostCategory",
    "SecretaryReviewLevel",
    "Severity",
    "SubjectKind",
]
