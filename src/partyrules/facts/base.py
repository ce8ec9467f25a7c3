"""The base model and the strict scalar types every fact model is built from.

Facts feed a scoring engine that compares values (durable-rules would coerce ``'9' > 5``), so a value of
the wrong type is an error with the field path, never a silent conversion. Pydantic's global strict mode
is not used because it would also refuse enum values given as strings and lists for tuple fields, which
are what JSON gives us; instead each scalar type below is strict on its own.

Verified behaviour (pydantic 2.14): ``StrictInt`` refuses ``True``, ``"9"`` and ``9.0``; a strict float
accepts ``int`` and ``float`` (an ``int`` is stored as ``float``) but refuses ``bool`` and ``str``;
``AllowInfNan(False)`` refuses NaN and +/-inf, also in JSON (``NaN``, ``Infinity``).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "MAX_COUNT",
    "MAX_ID",
    "MAX_SLUG",
    "MAX_TEXT",
    "Count",
    "FactModel",
    "Hours",
    "Id",
    "IsoDate",
    "MonthStr",
    "NonNegFloat",
    "Percent",
    "Share",
    "Slug",
    "StrictFloat",
    "Text",
    "UniqueTuple",
    "Year",
]


# ----------------------------------------------------------------------------------------------------
# limits (docs/concepts.md, "Limits")

MAX_COUNT = 10**9
"""The largest count. A century of monthly records at this count sums to 1.2e12, far below 2^53, so every sum of
counts over a period is exact in Python's integers, in float64 and in int64 alike: the backends cannot differ."""

MAX_ID = 128
"""The longest id (characters)."""

MAX_SLUG = 128
"""The longest snake_case name (a role, an incident or commendation kind). The rule engine keeps string lengths in
16 bits when it compares and hashes them: a 65,545-character kind compared equal to its first 9 characters."""

MAX_TEXT = 4000
"""The longest free text (an evidence reference, a reason, a name). 4,000 characters are at most 16,000 bytes of
UTF-8: far below the engine's 16-bit lengths and its 16 MiB limit, past which it stopped reading facts."""


class FactModel(BaseModel):
    """Base of every fact model: immutable, no unknown fields, no NaN or infinity, defaults validated too."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True)


# ----------------------------------------------------------------------------------------------------
# numbers

StrictFloat = Annotated[float, Strict(), AllowInfNan(False)]
"""A finite float; an ``int`` is accepted (JSON may write ``3`` for ``3.0``), a ``bool`` or ``str`` is not."""

Count = Annotated[int, Strict(), Ge(0), Le(MAX_COUNT)]
"""A whole-number count from 0 to ``MAX_COUNT`` (10^9)."""

NonNegFloat = Annotated[float, Strict(), AllowInfNan(False), Ge(0), Le(2**53)]
Share = Annotated[float, Strict(), AllowInfNan(False), Ge(0), Le(1)]
"""A rate, share or satisfaction in [0, 1]."""

Percent = Annotated[float, Strict(), AllowInfNan(False), Ge(0), Le(100)]
"""A score on the 0..100 scale."""

# A month has at most 31 * 24 = 744 hours; more is a data-entry error (e.g. minutes typed as hours).
Hours = Annotated[float, Strict(), AllowInfNan(False), Ge(0), Le(744)]

Year = Annotated[int, Strict(), Ge(1900), Le(2100)]


# ----------------------------------------------------------------------------------------------------
# strings

_SLUG = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_SLUG_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"


def _check_id(value: str) -> str:
    if value != value.strip():
        raise PydanticCustomError(
            "id_whitespace", "an id must not start or end with whitespace, got '{value}'", {"value": value}
        )
    return value


Id = Annotated[str, Strict(), MinLen(1), MaxLen(MAX_ID), AfterValidator(_check_id)]
"""A non-empty identifier without surrounding whitespace (member, branch, record and incident ids)."""


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise PydanticCustomError(
            "snake_case",
            "expected a lowercase snake_case name such as 'building_head', got '{value}'",
            {"value": value},
        )
    return value


Slug = Annotated[
    str,
    Strict(),
    MaxLen(MAX_SLUG),
    AfterValidator(_check_slug),
    WithJsonSchema({"type": "string", "pattern": _SLUG_PATTERN, "maxLength": MAX_SLUG}),
]
"""A lowercase snake_case name (roles, incident and commendation kinds, service names), at most ``MAX_SLUG``
characters (the length is checked first: a 16 MiB text is refused before the pattern reads it)."""

Text = Annotated[str, Strict(), MaxLen(MAX_TEXT)]
"""Free text (an evidence reference, a reason, a name), at most ``MAX_TEXT`` characters."""


# ----------------------------------------------------------------------------------------------------
# dates and months

# ``date.fromisoformat`` also accepts ``20260301`` and ``2026-W10-1`` on 3.11; only the plain form is allowed.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_iso_date(value: Any) -> date:
    # datetime is a subclass of date: it must be rejected before the date check, or the time would be dropped.
    if isinstance(value, datetime):
        raise PydanticCustomError(
            "iso_date_type", "expected a date, not a datetime: {value}", {"value": value.isoformat()}
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise PydanticCustomError(
            "iso_date_format",
            "expected a date written YYYY-MM-DD (e.g. 2026-03-01), got '{value}'",
            {"value": value},
        )
    raise PydanticCustomError(
        "iso_date_type",
        "expected a date or a string YYYY-MM-DD, got {type_name}",
        {"type_name": type(value).__name__},
    )


IsoDate = Annotated[date, BeforeValidator(_parse_iso_date)]
"""A calendar date: a ``datetime.date`` (not a ``datetime``) or a string exactly ``YYYY-MM-DD``."""

_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")
_MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _check_month(value: str) -> str:
    if not _MONTH.fullmatch(value):
        raise PydanticCustomError(
            "month_format", "expected a month written YYYY-MM (e.g. 2026-03), got '{value}'", {"value": value}
        )
    return value


MonthStr = Annotated[
    str,
    Strict(),
    AfterValidator(_check_month),
    WithJsonSchema({"type": "string", "pattern": _MONTH_PATTERN, "examples": ["2026-03"]}),
]
"""A calendar month as the string ``YYYY-MM``; such strings sort in time order."""


# ----------------------------------------------------------------------------------------------------
# set-like collections

T = TypeVar("T", bound=Hashable)


def _unique_sorted(values: tuple[Any, ...]) -> tuple[Any, ...]:
    # Sorting makes two inputs that list the same elements in another order give equal models and equal JSON.
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError(
                "duplicate_item",
                "duplicate element '{value}': this list is a set, give each element once",
                {"value": str(value)},
            )
        seen.add(value)
    return tuple(sorted(values))


UniqueTuple = Annotated[
    tuple[T, ...], AfterValidator(_unique_sorted), Field(json_schema_extra={"uniqueItems": True})
]
"""A set stored as a sorted tuple: accepts a JSON list (or any Python sequence), refuses duplicates."""
