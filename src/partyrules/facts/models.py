"""Subjects of assessment and their small nested models (outline ``facts``: Member, Branch, Community, Grid).

Lists of nested items that carry an id (posts, checklist items, volunteer teams) refuse duplicate ids and
are stored sorted by id, so that two inputs listing the same items in another order give equal models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .base import Count, FactModel, Id, IsoDate, Share, Slug, Text, UniqueTuple, Year
from .enums import (
    BranchType,
    CardKind,
    ChecklistTask,
    CommendationLevel,
    MeetingKind,
    MemberCategory,
    MemberStatus,
    PostCategory,
    SubjectKind,
)

__all__ = [
    "COMMENDATION_KINDS",
    "MAX_BUILDINGS",
    "Branch",
    "Building",
    "ChecklistItem",
    "Commendation",
    "Community",
    "Grid",
    "MeetingCounts",
    "Member",
    "PostClaim",
    "VolunteerTeam",
]

M = TypeVar("M", bound=FactModel)


def _unique_by_id(items: tuple[M, ...], key: Callable[[M], str], what: str) -> tuple[M, ...]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        ident = key(item)
        if ident in seen:
            raise PydanticCustomError(
                "duplicate_id",
                "duplicate {what} '{ident}' at index {index}",
                {"what": what, "ident": ident, "index": index},
            )
        seen.add(ident)
    return tuple(sorted(items, key=key))


class MeetingCounts(FactModel):
    """Number of meetings of each kind in a month (三会一课、主题党日、组织生活会、民主评议 次数)."""

    member_meeting: Count = 0
    committee_meeting: Count = 0
    group_meeting: Count = 0
    party_lecture: Count = 0
    theme_day: Count = 0
    org_life_meeting: Count = 0
    democratic_review: Count = 0

    def __getitem__(self, kind: MeetingKind | str) -> int:
        """Count for one meeting kind: ``counts["theme_day"]``."""
        return int(getattr(self, MeetingKind(kind).value))

    @property
    def total(self) -> int:
        """Meetings of all kinds together."""
        return (
            self.member_meeting
            + self.committee_meeting
            + self.group_meeting
            + self.party_lecture
            + self.theme_day
            + self.org_life_meeting
            + self.democratic_review
        )

    def as_dict(self) -> dict[MeetingKind, int]:
        """The counts keyed by :class:`MeetingKind`, in the enum's order."""
        return {kind: getattr(self, kind.value) for kind in MeetingKind}


class PostClaim(FactModel):
    """A service post a member has claimed (设岗定责、认岗履责)."""

    post_id: Id
    category: PostCategory
    claimed_on: IsoDate
    active: StrictBool = Field(description="The claim is current; an ended claim is kept for the record.")


CHECKLIST_OPTIONAL = ("accepted_by", "accepted_on", "serves_item_id", "task")
"""The checklist fields added after the first release; left out of the output while unset."""


def omit_none(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """``data`` without the keys of ``names`` whose value is None."""
    for name in names:
        if data.get(name, 0) is None:
            del data[name]
    return data


class ChecklistItem(FactModel):
    """One item of a member's or branch's checklist of tasks (一人一张清单 / 战斗力对照检查清单)."""

    item_id: Id
    text: Text = Field(min_length=1)
    due: IsoDate | None = None
    responsible_id: Id = Field(description="Member (or body) answerable for the item.")
    done_on: IsoDate | None = None
    accepted: StrictBool = Field(description="The item was checked and accepted as done (验收).")
    # 照单验收 (000): who checked the item against the list and when. Optional, so that a checklist kept without
    # them reads as before; when given they must be consistent (below).
    accepted_by: Id | None = Field(
        default=None, description="Who checked and accepted the item (验收人); never the responsible person."
    )
    accepted_on: IsoDate | None = Field(
        default=None, description="Date of acceptance (验收日期); not before the item was done."
    )
    serves_item_id: Id | None = Field(
        default=None,
        description="A member's item: the branch checklist item (责任区) it carries out for the branch.",
    )
    task: ChecklistTask | None = Field(
        default=None,
        description="One of the three tasks seed 000 names (带头拆迁安置, 带头缴纳物业管理费, 带头制止乱搭违建).",
    )

    @model_serializer(mode="wrap")
    def _omit_unset_acceptance(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The fields added for 照单验收 and 责任区 are left out of the output while unset, so an item without them
        # serialises byte for byte as before they existed (stored facts and their hashes stay valid).
        return omit_none(handler(self), CHECKLIST_OPTIONAL)

    @model_validator(mode="after")
    def _acceptance_consistent(self) -> ChecklistItem:
        # Acceptance is a check by someone else of work already done: the responsible person cannot accept
        # their own item, and an item cannot be accepted before it was done (or while it is not done).
        ident = self.item_id
        if self.accepted_by is not None and self.accepted_by == self.responsible_id:
            raise PydanticCustomError(
                "acceptor_is_responsible",
                "checklist item '{item}': accepted_by '{who}' is the responsible person; "
                "another person must accept it / 验收人不能是责任人",
                {"item": ident, "who": self.accepted_by},
            )
        if (self.accepted_by is not None or self.accepted_on is not None) and not self.accepted:
            raise PydanticCustomError(
                "acceptance_without_accepted",
                "checklist item '{item}': accepted_by or accepted_on is given but accepted is false"
                " / 未验收却填了验收人或日期",
                {"item": ident},
            )
        if self.accepted_on is not None and (self.done_on is None or self.accepted_on < self.done_on):
            done = "never done" if self.done_on is None else f"done on {self.done_on.isoformat()}"
            raise PydanticCustomError(
                "accepted_before_done",
                "checklist item '{item}': accepted_on {accepted} is before completion ({done}) / 验收早于完成",
                {"item": ident, "accepted": self.accepted_on.isoformat(), "done": done},
            )
        return self


COMMENDATION_KINDS: tuple[str, ...] = (
    "commendation",
    "good_deed",
    "stood_against_obstruction",
    "stopped_illegal_building",
)
"""The commendation kinds the shipped rule sets read; other snake_case kinds are allowed."""


class Commendation(FactModel):
    """A commendation or recorded good deed of a member or branch (表彰、好人好事)."""

    commendation_id: Id
    subject_kind: SubjectKind
    subject_id: Id
    kind: Slug = Field(
        description=(
            "Free snake_case kind; the rule sets read 'commendation' (表彰), 'good_deed' (好人好事), "
            "'stood_against_obstruction' (带头抵制阻工) and 'stopped_illegal_building' (制止违建)."
        )
    )
    level: CommendationLevel
    awarded_on: IsoDate
    verified: StrictBool = Field(description="Only verified commendations count.")


class VolunteerTeam(FactModel):
    """A volunteer team of a community (志愿服务队)."""

    team_id: Id
    size: Count = Field(description="Number of people in the team.")
    active: StrictBool


class Member(FactModel):
    """A Party member (党员). Commendations, records and incidents live in :class:`MemberFacts`."""

    member_id: Id
    branch_id: Id
    party_group_id: Id | None = Field(default=None, description="Party group (党小组) within the branch.")
    category: MemberCategory
    status: MemberStatus
    joined_on: IsoDate = Field(description="Date of joining the Party (入党时间).")
    birth_year: Year
    is_organ_staff: StrictBool = Field(
        default=False,
        description="Works in a Party or government organ (机关党员): higher volunteering target.",
    )
    health_limited: StrictBool = Field(
        default=False,
        description="Old age or ill health limits participation; org-life targets are adjusted.",
    )
    paired_helper_id: Id | None = Field(
        default=None, description="One-to-one helper (结对帮扶) of this member."
    )
    employer_unit: Text | None = Field(
        default=None,
        min_length=1,
        description="Employer of an in-service member (dual management, 双重管理).",
    )
    registered_with_community_on: IsoDate | None = Field(
        default=None,
        description="Date an in-service member reported to the residence community (在职党员报到).",
    )
    grid_id: Id | None = None
    linked_household_ids: UniqueTuple[Id] = Field(
        default=(), description="Households the member keeps in contact with (联系户, about 5)."
    )
    claimed_posts: tuple[PostClaim, ...] = Field(default=(), description="Claimed service posts, by post_id.")
    cards: UniqueTuple[CardKind] = Field(
        default=(), description="Which of the four cards (四卡) are on file."
    )
    placard_displayed: StrictBool = Field(default=False, description="Identity shown at home (挂牌亮身份).")
    roles: UniqueTuple[Slug] = Field(
        default=(),
        description="Community roles, e.g. building_head, unit_head, group_leader, mediator, grid_worker.",
    )
    checklist: tuple[ChecklistItem, ...] = Field(default=(), description="Personal task list (一人一张清单).")
    hardship_certified: StrictBool = Field(
        default=False,
        description="Certified hardship (困难认定): exempts the property-fee arrears deduction.",
    )

    @field_validator("claimed_posts")
    @classmethod
    def _posts_unique(cls, value: tuple[PostClaim, ...]) -> tuple[PostClaim, ...]:
        return _unique_by_id(value, lambda p: p.post_id, "post_id")

    @field_validator("checklist")
    @classmethod
    def _checklist_unique(cls, value: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        return _unique_by_id(value, lambda c: c.item_id, "item_id")


class Branch(FactModel):
    """A Party branch (党支部)."""

    branch_id: Id
    name: Text = Field(min_length=1)
    parent_org_id: Id = Field(
        description="Community general branch or committee that runs the branch's annual evaluation."
    )
    branch_type: BranchType
    formal_member_count: Count
    member_count: Count = Field(description="All members, probationary included.")
    has_committee: StrictBool = Field(description="The branch has a branch committee (支部委员会).")
    committee_size: Count = Field(description="Members of the branch committee; 0 without a committee.")
    secretary_id: Id | None = None
    secretary_vacant_since: IsoDate | None = Field(
        default=None, description="Since when the secretary post has been vacant (书记出缺)."
    )
    households_covered: Count = Field(description="Households in the branch's grid or area.")
    grid_worker_count: Count
    checklist: tuple[ChecklistItem, ...] = Field(
        default=(), description="Combat-effectiveness checklist (战斗力对照检查清单)."
    )
    flagged_weak_and_lax: StrictBool = Field(
        default=False, description="Named weak and lax (软弱涣散) by the higher level."
    )

    @field_validator("member_count")
    @classmethod
    def _member_count_covers_formal(cls, value: int, info: ValidationInfo) -> int:
        formal = info.data.get("formal_member_count")
        if formal is not None and value < formal:
            raise PydanticCustomError(
                "member_count_below_formal",
                "member_count ({value}) cannot be below formal_member_count ({formal})",
                {"value": value, "formal": formal},
            )
        return value

    @field_validator("committee_size")
    @classmethod
    def _no_committee_no_size(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("has_committee") is False and value != 0:
            raise PydanticCustomError(
                "committee_size_without_committee",
                "committee_size must be 0 when has_committee is false, got {value}",
                {"value": value},
            )
        return value

    @field_validator("checklist")
    @classmethod
    def _checklist_unique(cls, value: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        return _unique_by_id(value, lambda c: c.item_id, "item_id")


class Community(FactModel):
    """A community and its Party organisation, as facts for the six-star rating (六星级社区党组织)."""

    community_id: Id
    committee_complete: StrictBool = Field(description="The community Party committee is fully staffed.")
    cadre_profile_ok: StrictBool = Field(
        description="Cadres' education and age structure are sound (文化程度、年龄结构合理), judged above."
    )
    cadre_supervision_mechanism: StrictBool
    joint_meeting_system: StrictBool = Field(
        description="A joint Party-building meeting system (联席会议制度)."
    )
    joint_building_activities: Count = Field(description="Joint building activities (共驻共建) in the year.")
    mass_orgs_present: UniqueTuple[Slug] = Field(
        default=(), description="Mass organisations present: union, youth_league, womens_federation, ..."
    )
    member_council_active: StrictBool = Field(description="A members' council (党员议事会) meets.")
    post_responsibility_active: StrictBool = Field(description="Posts set with duties (设岗定责、任岗履责).")
    five_ones_completion_rate: Share = Field(
        description="Share of members completing all five 'ones' (五个一)."
    )
    volunteer_teams: tuple[VolunteerTeam, ...] = ()
    service_station: StrictBool
    services_present: UniqueTuple[Slug] = Field(
        default=(), description="Services offered: health, culture, ..."
    )
    service_network_online: StrictBool = Field(
        description="An online community service network (社区服务网)."
    )
    vulnerable_group_service: StrictBool = Field(
        description="Services for the widowed, orphaned, entitled and needy (鳏寡孤独、优抚对象、困难群体)."
    )
    employment_training_sessions: Count
    satisfaction_residents: Share
    satisfaction_units: Share = Field(description="Satisfaction of resident units (驻区单位) in [0, 1].")
    service_investment_channels: Count = Field(description="Funding channels for services (多渠道投入).")
    service_projects: UniqueTuple[Slug] = Field(
        default=(), description="Service projects: elderly_care, childcare, housekeeping, medical, ..."
    )
    market_operated_projects: Count

    @field_validator("volunteer_teams")
    @classmethod
    def _teams_unique(cls, value: tuple[VolunteerTeam, ...]) -> tuple[VolunteerTeam, ...]:
        return _unique_by_id(value, lambda t: t.team_id, "team_id")


MAX_BUILDINGS = 10_000
"""The most buildings a grid lists. A grid of 500 households has a few dozen buildings; the bound keeps a bad input
from growing a grid without limit, as the id and text bounds do for strings."""


class Building(FactModel):
    """A building or courtyard of a grid (院落/楼栋), the bottom of the three-level chain of seed 004
    (社区党委-网格党支部-院落(楼栋)党小组). A leader without a group is refused: the leader leads the group."""

    building_id: Id
    group_id: Id | None = Field(
        default=None, description="The building's Party group (楼栋党小组), if one is set up (none otherwise)."
    )
    group_leader_id: Id | None = Field(
        default=None, description="The member who leads the building's group (党小组长); none while vacant."
    )

    @field_validator("group_leader_id")
    @classmethod
    def _leader_needs_group(cls, value: str | None, info: ValidationInfo) -> str | None:
        # a group_id that failed its own check is absent from info.data: its error is the one to report
        if value is not None and "group_id" in info.data and info.data["group_id"] is None:
            raise PydanticCustomError(
                "group_leader_without_group",
                "group_leader_id '{value}' is given but the building has no group_id: a leader leads a group",
                {"value": value},
            )
        return value


class Grid(FactModel):
    """A grid of a community (网格), looked after by grid workers."""

    grid_id: Id
    community_id: Id
    households: Count
    grid_worker_ids: UniqueTuple[Id] = ()
    branch_id: Id | None = Field(default=None, description="The grid Party branch, if the grid has one.")
    buildings: tuple[Building, ...] = Field(
        default=(),
        max_length=MAX_BUILDINGS,
        description="The grid's buildings (楼栋) with their Party groups; empty when the chain is not recorded.",
    )

    @field_validator("buildings")
    @classmethod
    def _buildings_unique(cls, value: tuple[Building, ...]) -> tuple[Building, ...]:
        return _unique_by_id(value, lambda b: b.building_id, "building_id")

    @model_serializer(mode="wrap")
    def _without_unrecorded_buildings(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A grid that records no buildings is written as before the field existed, so existing data, its JSON
        # and the pinned hashes of generated data are unchanged; reading it back gives the same empty default.
        data: dict[str, Any] = handler(self)
        if not self.buildings:
            data.pop("buildings", None)
        return data
