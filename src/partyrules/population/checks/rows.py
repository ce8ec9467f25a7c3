"""The fact models' checks across the fields and rows of a table that are simple over columns (ids given twice,
fields that must agree), and whose conduct an item row is about: only a subject's own conduct is assessed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...facts.enums import SubjectKind
from ...facts.kinds import incident_kinds
from ...facts.ownership import ITEM_ID, item_label
from ...facts.records import AT_MOST
from ..frames import SUBJECT_FIELD, SUBJECT_TABLE, require_polars
from .columns import _msg

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Cross", "foreign_rows"]


def _ownership(pl: Any, kind: str, table: str) -> tuple[str, Any, Any, Any] | None:
    """For a table of a subject's items: the column that says whose a row is, the condition of a row that is
    another subject's (its ``subject_id`` attaches it to a subject it is not about), and the kind and id of the
    subject the row is about. None for tables whose rows say nothing of whose they are."""
    c = pl.col
    if table == "records":
        own = f"{SUBJECT_FIELD[kind]}_id"
        return own, c(own) != c("subject_id"), pl.lit(kind), c(own)
    if table == "grids":
        return "community_id", c("community_id") != c("subject_id"), pl.lit("community"), c("community_id")
    if table in ("incidents", "commendations", "annual"):
        # subject_id both attaches the row and names whom it is about: only the kind can differ
        return "subject_kind", c("subject_kind") != kind, c("subject_kind"), c("subject_id")
    return None


@dataclass(frozen=True)
class Cross:
    """A check across fields or rows: the column it is reported on, the condition of a bad row, its message, and for
    a check of ids given twice the columns that must be unique together (worked out over the whole table, not row
    by row: the rows found are then named by ``message`` where ``condition`` is that finding)."""

    column: str
    condition: Any
    message: Any
    key: tuple[str, ...] | None = None


def _foreign_check(pl: Any, kind: str, table: str) -> Cross:
    """(column, error) of a row that is another subject's, naming the item: only a subject's own conduct counts."""
    found = _ownership(pl, kind, table)
    assert found is not None
    column, foreign, owner_kind, owner_id = found
    c = pl.col
    head = (_msg(pl, column + " '{}' in a population of " + kind + "s", c(column)) if column == "subject_kind"
            else _msg(pl, column + " '{}' differs from subject_id '{}'", c(column), c("subject_id")))
    what = item_label(table)[0]
    reason = _msg(pl, "{}: the " + what + " '{}' is about {} '{}', and only a subject's own conduct is assessed "
                  "(只评价本人的行为)", head, c(ITEM_ID[table]).cast(pl.String), owner_kind, owner_id)
    return Cross(column, foreign, reason)


def foreign_rows(kind: str, tables: Mapping[str, pl.DataFrame]) -> list[tuple[str, str, str, str, str]]:
    """(subject id, table, item id, kind and id of the subject it is about) of every row of a population's tables
    that is attached to a subject it is not about. Tables that were read are checked row by row already; this is
    for tables taken as they are (a :class:`~partyrules.population.frames.Population` built in memory)."""
    pl = require_polars()
    out: list[tuple[str, str, str, str, str]] = []
    for table, frame in tables.items():
        found = _ownership(pl, kind, table)
        if found is None:
            continue
        _, foreign, owner_kind, owner_id = found
        hits = frame.filter(foreign).select(pl.col("subject_id"), pl.col(ITEM_ID[table]).cast(pl.String),
                                            owner_kind.cast(pl.String).alias("\x00kind"),
                                            owner_id.cast(pl.String).alias("\x00owner"))
        out.extend((sid, table, item, okind, oid) for sid, item, okind, oid in hits.iter_rows())
    return out


def _cross_checks(pl: Any, kind: str, table: str) -> list[Cross]:
    """The models' checks across fields and rows that are simple over columns."""
    c = pl.col
    out: list[Cross] = []

    def dup(cols: list[str], what: str) -> None:
        out.append(Cross(cols[-1], pl.struct(cols).is_duplicated(),
                         _msg(pl, what + " '{}' is given more than once for this subject", c(cols[-1])), tuple(cols)))

    def check(column: str, cond: Any, message: Any) -> None:
        out.append(Cross(column, cond, message))

    if table == SUBJECT_TABLE:
        own = f"{SUBJECT_FIELD[kind]}_id"
        out.append(Cross("subject_id", c("subject_id").is_duplicated(),
                         _msg(pl, "subject id '{}' is given more than once", c("subject_id")), ("subject_id",)))
        check(own, c(own) != c("subject_id"), _msg(pl, own + " '{}' differs from subject_id '{}'", c(own),
                                                    c("subject_id")))
        if kind == "branch":
            check("member_count", c("member_count") < c("formal_member_count"), _msg(
                pl, "member_count ({}) cannot be below formal_member_count ({})",
                c("member_count"), c("formal_member_count")))
            check("committee_size", ~c("has_committee") & (c("committee_size") != 0),
                  _msg(pl, "committee_size must be 0 when has_committee is false, got {}", c("committee_size")))
    elif table == "records":
        out.append(_foreign_check(pl, kind, table))
        dup(["subject_id", "month"], "month")
        if kind == "member":
            check("spot_check_passed", ~c("spot_checked") & c("spot_check_passed").is_not_null(),
                  pl.lit("spot_check_passed must be null when spot_checked is false"))
        else:
            for left, right in AT_MOST.items():
                check(left, c(left) > c(right), _msg(pl, left + " ({}) cannot exceed " + right + " ({})", c(left),
                                                     c(right)))
    elif table in ("incidents", "commendations", "annual"):
        out.append(_foreign_check(pl, kind, table))
        if table == "incidents":
            kinds = sorted(incident_kinds(SubjectKind(kind)))
            check("kind", ~c("kind").is_in(kinds), _msg(pl, "unknown incident kind '{}' for a " + kind, c("kind")))
            check("verified_by", c("verified") & c("verified_by").is_null(),
                  pl.lit("verified_by is required when verified is true"))
            dup(["subject_id", "incident_id"], "incident_id")
        elif table == "commendations":
            dup(["subject_id", "commendation_id"], "commendation_id")
        else:
            out.append(Cross("subject_id", c("subject_id").is_duplicated(),
                             pl.lit("more than one annual evaluation for this subject"), ("subject_id",)))
            if kind == "member":
                check("secretary_review", c("secretary_review").is_not_null(),
                      pl.lit("secretary_review applies to branches only, not members"))
            else:
                check("employer_appraisal", c("employer_appraisal").is_not_null(),
                      pl.lit("employer_appraisal applies to members only, not branches"))
    elif table == "grids":
        out.append(_foreign_check(pl, kind, table))
        dup(["subject_id", "grid_id"], "grid_id")
    else:
        ident = {"claimed_posts": "post_id", "checklist": "item_id", "volunteer_teams": "team_id"}.get(table)
        if ident is not None:
            dup(["subject_id", ident], ident)
    return out

