"""Typed facts: members, branches and communities, their monthly records, incidents and evaluations.

Every model is a frozen pydantic model that refuses unknown fields and never coerces a value of the wrong type
(``"9"`` for a count, ``1`` for a flag, ``true`` for a count, NaN, infinity). Bundles group one subject with
all its facts; :func:`parse_subject_facts` reads a JSON-like bundle of any subject kind.
"""

from __future__ import annotations

from .base import FactModel, IsoDate, MonthStr
from .bundle import BranchFacts, CommunityFacts, MemberFacts, SubjectFacts, parse_subject_facts
from .enums import (
    CHECKLIST_TASK_TEXT,
    AppraisalLevel,
    BranchTier,
    BranchType,
    CardKind,
    ChecklistTask,
    CommendationLevel,
    Grade,
    MeetingKind,
    MemberCategory,
    MemberStatus,
    ObjectionStatus,
    OrgLevel,
    PostCategory,
    SecretaryReviewLevel,
    Severity,
    SubjectKind,
)
from .kinds import (
    IncidentKindInfo,
    describe_incident_kind,
    incident_kinds,
    is_incident_kind,
    register_incident_kind,
    suggest_incident_kind,
)
from .models import (
    COMMENDATION_KINDS,
    Branch,
    ChecklistItem,
    Commendation,
    Community,
    Grid,
    MeetingCounts,
    Member,
    PostClaim,
    VolunteerTeam,
)
from .ownership import check_own_conduct, foreign_items
from .records import AnnualEvaluation, BranchMonthRecord, Incident, MemberMonthRecord, Objection
from .schema import FACT_MODELS, fact_json_schemas

__all__ = [
    "CHECKLIST_TASK_TEXT",
    "COMMENDATION_KINDS",
    "FACT_MODELS",
    "AnnualEvaluation",
    "AppraisalLevel",
    "Branch",
    "BranchFacts",
    "BranchMonthRecord",
    "BranchTier",
    "BranchType",
    "CardKind",
    "ChecklistItem",
    "ChecklistTask",
    "Commendation",
    "CommendationLevel",
    "Community",
    "CommunityFacts",
    "FactModel",
    "Grade",
    "Grid",
    "Incident",
    "IncidentKindInfo",
    "IsoDate",
    "MeetingCounts",
    "MeetingKind",
    "Member",
    "MemberCategory",
    "MemberFacts",
    "MemberMonthRecord",
    "MemberStatus",
    "MonthStr",
    "Objection",
    "ObjectionStatus",
    "OrgLevel",
    "PostCategory",
    "PostClaim",
    "SecretaryReviewLevel",
    "Severity",
    "SubjectFacts",
    "SubjectKind",
    "VolunteerTeam",
    "check_own_conduct",
    "describe_incident_kind",
    "fact_json_schemas",
    "foreign_items",
    "incident_kinds",
    "is_incident_kind",
    "parse_subject_facts",
    "register_incident_kind",
    "suggest_incident_kind",
]
