"""Subject bundles: one subject with all its period facts, the unit the engine evaluates.

A bundle checks that every record, incident, commendation and annual evaluation in it belongs to its
subject, and that months and ids are unique. It stores records sorted by month, incidents by (date, id)
and commendations by (date, id), so that the same facts given in any order make equal bundles and
byte-identical JSON. ``model_copy(update=...)`` and ``model_construct`` skip these checks: evaluation checks
again that every item is the subject's own (:mod:`partyrules.facts.ownership`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from .base import FactModel
from .enums import SubjectKind
from .models import Branch, Commendation, Community, Grid, Member
from .ownership import ITEM_ID, item_label
from .records import AnnualEvaluation, BranchMonthRecord, Incident, MemberMonthRecord

__all__ = ["BranchFacts", "CommunityFacts", "MemberFacts", "SubjectFacts", "parse_subject_facts"]

T = TypeVar("T")


def _unique_sorted(
    items: tuple[T, ...], ident: Callable[[T], str], what: str, order: Callable[[T], Any]
) -> tuple[T, ...]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        key = ident(item)
        if key in seen:
            raise PydanticCustomError(
                "duplicate_in_bundle",
                "duplicate {what} '{key}' at index {index}",
                {"what": what, "key": key, "index": index},
            )
        seen.add(key)
    return tuple(sorted(items, key=order))


def _check_owner(items: Iterable[Any], field: str, owner_of: Callable[[Any], str], subject: str) -> None:
    for index, item in enumerate(items):
        owner = owner_of(item)
        if owner != subject:
            raise PydanticCustomError(
                "not_this_subject",
                "{field}[{index}] ({what} '{item}') belongs to '{owner}', not to the bundle's subject '{subject}': "
                "only a subject's own conduct is assessed",
                {"field": field, "index": index, "owner": owner, "subject": subject, **_named(field, item)},
            )


def _named(field: str, item: Any) -> dict[str, str]:
    # the item's own id (a record's month), so that a long list's bad entry can be found by what it is
    return {"what": item_label(field)[0], "item": str(getattr(item, ITEM_ID[field]))}


def _check_subject(items: Iterable[Any], field: str, kind: SubjectKind, subject_id: str | None) -> None:
    for index, item in enumerate(items):
        if item.subject_kind is not kind:
            raise PydanticCustomError(
                "not_this_subject",
                "{field}[{index}] is about a {actual} ('{owner}'), but this bundle is about a {kind} "
                "({what} '{item}'): only a subject's own conduct is assessed",
                {
                    "field": field,
                    "index": index,
                    "actual": item.subject_kind.value,
                    "owner": item.subject_id,
                    "kind": kind.value,
                    **_named(field, item),
                },
            )
    if subject_id is not None:
        _check_owner(items, field, lambda item: item.subject_id, subject_id)


def _incidents(
    value: tuple[Incident, ...], kind: SubjectKind, subject_id: str | None
) -> tuple[Incident, ...]:
    _check_subject(value, "incidents", kind, subject_id)
    return _unique_sorted(
        value, lambda i: i.incident_id, "incident_id", lambda i: (i.occurred_on, i.incident_id)
    )


def _commendations(
    value: tuple[Commendation, ...], kind: SubjectKind, subject_id: str | None
) -> tuple[Commendation, ...]:
    _check_subject(value, "commendations", kind, subject_id)
    return _unique_sorted(
        value, lambda c: c.commendation_id, "commendation_id", lambda c: (c.awarded_on, c.commendation_id)
    )


def _annual(
    value: AnnualEvaluation | None, kind: SubjectKind, subject_id: str | None
) -> AnnualEvaluation | None:
    if value is not None:
        _check_subject((value,), "annual", kind, subject_id)
    return value


def _subject_id(info: ValidationInfo, key: str, attr: str) -> str | None:
    # The subject failed its own validation when it is missing here; its errors already say why.
    subject = info.data.get(key)
    return getattr(subject, attr) if subject is not None else None


class _Bundle(FactModel):
    subject_kind: ClassVar[SubjectKind]
    _subject_field: ClassVar[str]

    def __init__(self, subject: Any = None, /, **data: Any) -> None:
        # Allows MemberFacts(member, records=...) besides the keyword form.
        if subject is not None:
            if self._subject_field in data:
                raise TypeError(f"{self._subject_field} given both by position and by keyword")
            data[self._subject_field] = subject
        super().__init__(**data)


class MemberFacts(_Bundle):
    """All facts about one member (党员) for a period: records, incidents, commendations, annual."""

    subject_kind: ClassVar[SubjectKind] = SubjectKind.MEMBER
    _subject_field: ClassVar[str] = "member"

    member: Member
    records: tuple[MemberMonthRecord, ...] = ()
    incidents: tuple[Incident, ...] = ()
    commendations: tuple[Commendation, ...] = ()
    annual: AnnualEvaluation | None = None

    if TYPE_CHECKING:
        # What type checkers see of _Bundle.__init__: the member by position or by keyword, the rest by keyword.
        def __init__(
            self,
            _member: Member | None = None,
            /,
            *,
            member: Member | None = None,
            records: tuple[MemberMonthRecord, ...] = (),
            incidents: tuple[Incident, ...] = (),
            commendations: tuple[Commendation, ...] = (),
            annual: AnnualEvaluation | None = None,
        ) -> None: ...

    @property
    def subject_id(self) -> str:
        """The member's id."""
        return self.member.member_id

    @field_validator("records")
    @classmethod
    def _records(
        cls, value: tuple[MemberMonthRecord, ...], info: ValidationInfo
    ) -> tuple[MemberMonthRecord, ...]:
        subject_id = _subject_id(info, "member", "member_id")
        if subject_id is not None:
            _check_owner(value, "records", lambda r: r.member_id, subject_id)
        return _unique_sorted(value, lambda r: r.month, "month", lambda r: r.month)

    @field_validator("incidents")
    @classmethod
    def _incidents(cls, value: tuple[Incident, ...], info: ValidationInfo) -> tuple[Incident, ...]:
        return _incidents(value, SubjectKind.MEMBER, _subject_id(info, "member", "member_id"))

    @field_validator("commendations")
    @classmethod
    def _commendations(
        cls, value: tuple[Commendation, ...], info: ValidationInfo
    ) -> tuple[Commendation, ...]:
        return _commendations(value, SubjectKind.MEMBER, _subject_id(info, "member", "member_id"))

    @field_validator("annual")
    @classmethod
    def _annual(cls, value: AnnualEvaluation | None, info: ValidationInfo) -> AnnualEvaluation | None:
        return _annual(value, SubjectKind.MEMBER, _subject_id(info, "member", "member_id"))


class BranchFacts(_Bundle):
    """All facts about one branch (党支部) for a period: records, incidents, commendations, annual."""

    subject_kind: ClassVar[SubjectKind] = SubjectKind.BRANCH
    _subject_field: ClassVar[str] = "branch"

    branch: Branch
    records: tuple[BranchMonthRecord, ...] = ()
    incidents: tuple[Incident, ...] = ()
    commendations: tuple[Commendation, ...] = ()
    annual: AnnualEvaluation | None = None

    if TYPE_CHECKING:
        # What type checkers see of _Bundle.__init__: the branch by position or by keyword, the rest by keyword.
        def __init__(
            self,
            _branch: Branch | None = None,
            /,
            *,
            branch: Branch | None = None,
            records: tuple[BranchMonthRecord, ...] = (),
            incidents: tuple[Incident, ...] = (),
            commendations: tuple[Commendation, ...] = (),
            annual: AnnualEvaluation | None = None,
        ) -> None: ...

    @property
    def subject_id(self) -> str:
        """The branch's id."""
        return self.branch.branch_id

    @field_validator("records")
    @classmethod
    def _records(
        cls, value: tuple[BranchMonthRecord, ...], info: ValidationInfo
    ) -> tuple[BranchMonthRecord, ...]:
        subject_id = _subject_id(info, "branch", "branch_id")
        if subject_id is not None:
            _check_owner(value, "records", lambda r: r.branch_id, subject_id)
        return _unique_sorted(value, lambda r: r.month, "month", lambda r: r.month)

    @field_validator("incidents")
    @classmethod
    def _incidents(cls, value: tuple[Incident, ...], info: ValidationInfo) -> tuple[Incident, ...]:
        return _incidents(value, SubjectKind.BRANCH, _subject_id(info, "branch", "branch_id"))

    @field_validator("commendations")
    @classmethod
    def _commendations(
        cls, value: tuple[Commendation, ...], info: ValidationInfo
    ) -> tuple[Commendation, ...]:
        return _commendations(value, SubjectKind.BRANCH, _subject_id(info, "branch", "branch_id"))

    @field_validator("annual")
    @classmethod
    def _annual(cls, value: AnnualEvaluation | None, info: ValidationInfo) -> AnnualEvaluation | None:
        return _annual(value, SubjectKind.BRANCH, _subject_id(info, "branch", "branch_id"))


class CommunityFacts(_Bundle):
    """All facts about one community (社区) for the six-star rating: grids, incidents, commendations."""

    subject_kind: ClassVar[SubjectKind] = SubjectKind.COMMUNITY
    _subject_field: ClassVar[str] = "community"

    community: Community
    grids: tuple[Grid, ...] = ()
    incidents: tuple[Incident, ...] = ()
    commendations: tuple[Commendation, ...] = ()

    if TYPE_CHECKING:
        # What type checkers see of _Bundle.__init__: the community by position or by keyword, the rest by keyword.
        def __init__(
            self,
            _community: Community | None = None,
            /,
            *,
            community: Community | None = None,
            grids: tuple[Grid, ...] = (),
            incidents: tuple[Incident, ...] = (),
            commendations: tuple[Commendation, ...] = (),
        ) -> None: ...

    @property
    def subject_id(self) -> str:
        """The community's id."""
        return self.community.community_id

    @field_validator("grids")
    @classmethod
    def _grids(cls, value: tuple[Grid, ...], info: ValidationInfo) -> tuple[Grid, ...]:
        subject_id = _subject_id(info, "community", "community_id")
        if subject_id is not None:
            _check_owner(value, "grids", lambda g: g.community_id, subject_id)
        return _unique_sorted(value, lambda g: g.grid_id, "grid_id", lambda g: g.grid_id)

    @field_validator("incidents")
    @classmethod
    def _incidents(cls, value: tuple[Incident, ...], info: ValidationInfo) -> tuple[Incident, ...]:
        return _incidents(value, SubjectKind.COMMUNITY, _subject_id(info, "community", "community_id"))

    @field_validator("commendations")
    @classmethod
    def _commendations(
        cls, value: tuple[Commendation, ...], info: ValidationInfo
    ) -> tuple[Commendation, ...]:
        return _commendations(value, SubjectKind.COMMUNITY, _subject_id(info, "community", "community_id"))


SubjectFacts = MemberFacts | BranchFacts | CommunityFacts
"""Any subject bundle."""

_BUNDLES: dict[str, type[MemberFacts] | type[BranchFacts] | type[CommunityFacts]] = {
    "member": MemberFacts,
    "branch": BranchFacts,
    "community": CommunityFacts,
}


def parse_subject_facts(data: dict[str, Any]) -> SubjectFacts:
    """Validate a JSON-like bundle, choosing the bundle type by which of ``member``, ``branch``, ``community``
    it has (exactly one). Raises :class:`pydantic.ValidationError` for any bad input."""
    if not isinstance(data, dict):
        raise _bundle_error(
            "subject_facts_type",
            "subject facts must be an object, got {type_name}",
            {"type_name": type(data).__name__},
            data,
        )
    present = [key for key in _BUNDLES if key in data]
    if len(present) != 1:
        found = ", ".join(repr(k) for k in present) if present else "none"
        raise _bundle_error(
            "subject_facts_key",
            "subject facts need exactly one of 'member', 'branch', 'community'; found {found}",
            {"found": found},
            data,
        )
    return _BUNDLES[present[0]].model_validate(data)


def _bundle_error(kind: str, message: str, ctx: dict[str, Any], data: Any) -> ValidationError:
    detail: InitErrorDetails = {"type": PydanticCustomError(kind, message, ctx), "loc": (), "input": data}
    return ValidationError.from_exception_data("SubjectFacts", [detail])
