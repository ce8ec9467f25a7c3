"""The population checks as they were before they were made fast (commit e1b1019), frozen as the oracle of the
differential test (tests/population/test_read_differential.py): the reader must give exactly what this gives, the
same problems in the same order with the same texts, and the same tables. Not imported by the library."""
# ruff: noqa
# fmt: off
from __future__ import annotations

# ---- checks/columns.py


import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from types import UnionType
from typing import Any

from annotated_types import Ge, Le, MaxLen, MinLen

from partyrules.facts import base as _base
from partyrules.population.frames import TableLayout, plain_value

# ----------------------------------------------------------------------------------------------------
# what each column must hold, read off the fact models


@dataclass(frozen=True)
class _Spec:
    name: str
    target: str  # int, float, bool, str, date, list, json
    nullable: bool
    required: bool  # the column must be present in the file
    default: Any  # the value of an absent, optional column
    ge: float | None = None
    le: float | None = None
    min_len: int | None = None
    max_len: int | None = None
    checks: tuple[str, ...] = ()  # id, slug, month
    enum: tuple[str, ...] | None = None
    elem: _Spec | None = None
    unique: bool = False
    json_keys: tuple[str, ...] | None = None


def _unwrap(ann: Any, meta: list[Any]) -> tuple[Any, bool]:
    nullable = False
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            args = typing.get_args(ann)
            ann = args[0]
            meta.extend(args[1:])
        elif origin in (typing.Union, UnionType):
            rest = [a for a in typing.get_args(ann) if a is not type(None)]
            nullable = nullable or len(rest) < len(typing.get_args(ann))
            ann = rest[0]
        else:
            return ann, nullable


def _spec_of(name: str, ann: Any, metadata: Iterable[Any], required: bool, default: Any) -> _Spec:
    meta = list(metadata)
    base, nullable = _unwrap(ann, meta)
    kw: dict[str, Any] = {}
    checks: list[str] = []
    for m in meta:
        if isinstance(m, Ge):
            kw["ge"] = m.ge
        elif isinstance(m, Le):
            kw["le"] = m.le
        elif isinstance(m, MinLen):
            kw["min_len"] = m.min_length
        elif isinstance(m, MaxLen):
            kw["max_len"] = m.max_length
        func = getattr(m, "func", None)
        if func is _base._check_id:
            checks.append("id")
        elif func is _base._check_slug:
            checks.append("slug")
        elif func is _base._check_month:
            checks.append("month")
        elif func is _base._unique_sorted:
            kw["unique"] = True
    origin = typing.get_origin(base)
    if origin is tuple:
        elem_ann = typing.get_args(base)[0]
        elem = _spec_of(name, elem_ann, (), True, None)
        return _Spec(name, "list", nullable, required, default, elem=elem, **kw)
    if origin is dict:
        key = typing.get_args(base)[0]
        keys = tuple(k.value for k in key) if isinstance(key, type) and issubclass(key, Enum) else None
        return _Spec(name, "json", nullable, required, default, json_keys=keys)
    if isinstance(base, type) and issubclass(base, Enum):
        return _Spec(name, "str", nullable, required, default, enum=tuple(e.value for e in base), **kw)
    target = {bool: "bool", int: "int", float: "float", str: "str", date: "date"}[base]
    return _Spec(name, target, nullable, required, default, checks=tuple(checks), **kw)


def _specs(lay: TableLayout) -> dict[str, _Spec]:
    out: dict[str, _Spec] = {"subject_id": _Spec("subject_id", "str", False, True, None, min_len=1, max_len=128,
                                                  checks=("id",))}
    for c in lay.columns:
        model: Any = lay.model
        required = True
        parent_default: Any = None
        for step in c.path[:-1]:
            info = model.model_fields[step]
            required = required and info.is_required()
            if not info.is_required():
                parent_default = info.get_default(call_default_factory=True)
            model = _unwrap(info.annotation, [])[0]
        info = model.model_fields[c.path[-1]]
        required = required and info.is_required()
        if info.is_required():
            default = getattr(parent_default, c.path[-1], None)
        else:
            default = info.get_default(call_default_factory=True)
        out[c.name] = _spec_of(c.name, info.annotation, info.metadata, required, plain_value(default))
    return out


# ----------------------------------------------------------------------------------------------------
# parsing and checking whole columns

_STR_ARRAY = r'^\[\s*(?:"(?:[^"\\]|\\.)*"\s*(?:,\s*"(?:[^"\\]|\\.)*"\s*)*)?\]$'
_MONTH = r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"
_SLUG = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _msg(pl: Any, template: str, *values: Any) -> Any:
    return pl.format(template, *values)


def _shown(pl: Any, e: Any) -> Any:
    return e.cast(pl.String)


def _parse(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    """(value, error) expressions for a column of source type ``dtype``, or why the column cannot be read."""
    return _PARSERS.get(s.target, _parse_text)(pl, s, raw, dtype)


def _parse_list(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    name = s.name
    if isinstance(dtype, pl.List) and dtype.inner == pl.String:
        return raw, pl.lit(None, pl.String)
    if dtype != pl.String:
        return f"column {name!r} has type {dtype}, expected a list of texts"
    ok = raw.str.contains(_STR_ARRAY)
    err = pl.when(raw.is_not_null() & ~ok).then(_msg(pl, name + ": '{}' is not a JSON array of texts", raw))
    value = pl.when(ok).then(raw).str.json_decode(pl.List(pl.String))
    return value, err


def _parse_number(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    name = s.name
    is_text = dtype == pl.String
    if not is_text and dtype.is_numeric():
        f = raw.cast(pl.Float64)
    elif is_text:
        f = raw.cast(pl.Float64, strict=False)
    else:
        f = None
    assert f is not None
    text = raw if is_text else _shown(pl, raw)
    not_number = raw.is_not_null() & f.is_null() if is_text else pl.lit(False)
    if not is_text and not dtype.is_numeric():
        not_number = raw.is_not_null()
    err = (pl.when(not_number).then(_msg(pl, name + ": '{}' is not a number", text))
           .when(f.is_nan()).then(pl.lit(f"{name}: NaN is not a number"))
           .when(f.is_infinite()).then(_msg(pl, name + ": {} is not a finite number", text)))
    if s.target == "int":
        return _whole_number(pl, s, raw, dtype, f, text, err)
    return pl.when(err.is_null()).then(f), err


def _whole_number(pl: Any, s: _Spec, raw: Any, dtype: Any, f: Any, text: Any, err: Any) -> tuple[Any, Any]:
    name = s.name
    is_text = dtype == pl.String
    # the bounds are checked on the value read as a float, before any conversion to int64: a count of
    # 2^64 - 1, 1e19 or twenty nines is "above 1000000000", not "no value", "not a whole number" or a
    # conversion error that made the whole table unreadable (the messages are _value_checks' own)
    if s.le is not None:
        err = err.when(raw.is_not_null() & (f > s.le)).then(
            _msg(pl, name + ": {} is above " + str(s.le), text))
    if s.ge is not None:
        err = err.when(raw.is_not_null() & (f < s.ge)).then(
            _msg(pl, name + ": {} is below " + str(s.ge), text))
    whole = (raw.cast(pl.Int64, strict=False).is_not_null() if is_text
             else dtype.is_integer() | (f == f.floor()))
    err = err.when(raw.is_not_null() & ~whole).then(_msg(pl, name + ": {} is not a whole number", text))
    value = pl.when(err.is_null()).then(raw.cast(pl.Int64, strict=False) if is_text
                                        else f.cast(pl.Int64, strict=False))
    if not is_text and dtype.is_integer():
        value = raw.cast(pl.Int64, strict=False)
    return value, err


def _parse_bool(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    if dtype == pl.Boolean:
        return raw, pl.lit(None, pl.String)
    text = raw if dtype == pl.String else _shown(pl, raw)
    low = text.str.to_lowercase()
    ok = low.is_in(["true", "false"])
    err = pl.when(raw.is_not_null() & ~ok).then(_msg(pl, s.name + ": '{}' is not true or false", text))
    return pl.when(ok).then(low == "true"), err


def _parse_date(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    name = s.name
    if dtype == pl.Date:
        return raw, pl.lit(None, pl.String)
    if isinstance(dtype, pl.Datetime):
        # pandas holds dates as datetimes at midnight; a time of day is not a date
        day = raw.dt.date()
        err = pl.when(raw.is_not_null() & (raw.cast(pl.Date).cast(dtype) != raw)).then(
            _msg(pl, name + ": {} has a time of day, not a date", _shown(pl, raw)))
        return pl.when(err.is_null()).then(day), err
    text = raw if dtype == pl.String else _shown(pl, raw)
    parsed = pl.when(text.str.contains(_DATE)).then(text).str.to_date("%Y-%m-%d", strict=False)
    err = pl.when(raw.is_not_null() & parsed.is_null()).then(
        _msg(pl, name + ": '{}' is not a date written YYYY-MM-DD", text))
    return parsed, err


def _parse_text(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    """Text (also enums and JSON maps)."""
    if dtype == pl.String:
        return raw, pl.lit(None, pl.String)
    return (pl.lit(None, pl.String),
            pl.when(raw.is_not_null()).then(_msg(pl, s.name + ": {} is not text", _shown(pl, raw))))


_PARSERS: dict[str, Callable[[Any, _Spec, Any, Any], tuple[Any, Any] | str]] = {
    "list": _parse_list, "int": _parse_number, "float": _parse_number, "bool": _parse_bool, "date": _parse_date,
}


def _text_checks(pl: Any, s: _Spec, v: Any, label: str) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    if s.min_len is not None:
        out.append((v.str.len_chars() < s.min_len,
                    pl.lit(f"{label}: empty text" if s.min_len == 1 else f"{label}: shorter than {s.min_len}")))
    if s.max_len is not None:
        out.append((v.str.len_chars() > s.max_len, pl.lit(f"{label}: longer than {s.max_len} characters")))
    if "id" in s.checks:
        out.append((v != v.str.strip_chars(),
                    _msg(pl, label + ": an id must not start or end with whitespace, got '{}'", v)))
    if "slug" in s.checks:
        out.append((~v.str.contains(_SLUG),
                    _msg(pl, label + ": expected a lowercase snake_case name, got '{}'", v)))
    if "month" in s.checks:
        out.append((~v.str.contains(_MONTH), _msg(pl, label + ": expected a month written YYYY-MM, got '{}'", v)))
    if s.enum is not None:
        allowed = ", ".join(s.enum)
        out.append((~v.is_in(list(s.enum)), _msg(pl, label + ": '{}' is not one of " + allowed, v)))
    return out


def _value_checks(pl: Any, s: _Spec, v: Any) -> Any:
    """The error of a parsed value that breaks a bound, a format or a vocabulary (null when fine)."""
    name = s.name
    conds: list[tuple[Any, Any]] = []
    if not s.nullable:
        conds.append((v.is_null(), pl.lit(f"{name}: no value (the field is not optional)")))
    if s.target in ("int", "float"):
        if s.ge is not None:
            conds.append((v < s.ge, _msg(pl, name + ": {} is below " + str(s.ge), _shown(pl, v))))
        if s.le is not None:
            conds.append((v > s.le, _msg(pl, name + ": {} is above " + str(s.le), _shown(pl, v))))
    elif s.target == "str":
        conds.extend(_text_checks(pl, s, v, name))
    elif s.target == "json" and s.json_keys is not None:
        key = "(?:" + "|".join(re.escape(k) for k in s.json_keys) + ")"
        pair = rf'\s*"{key}"\s*:\s*[0-9]+\s*'
        pattern = rf"^\{{(?:{pair}(?:,{pair})*)?\}}$"
        conds.append((~v.str.contains(pattern),
                       _msg(pl, name + ": '{}' is not a JSON object of " + ", ".join(s.json_keys) + " to counts",
                            v)))
    elif s.target == "list" and s.elem is not None:
        elem_checks = _text_checks(pl, s.elem, pl.element(), "element")
        bad = pl.element().is_null()
        for cond, _ in elem_checks:
            bad = bad | cond
        first_bad = v.list.eval(pl.when(bad).then(pl.element().fill_null("null"))).list.drop_nulls().list.first()
        what = ("ids" if "id" in s.elem.checks else "snake_case names" if "slug" in s.elem.checks
                else "one of " + ", ".join(s.elem.enum) if s.elem.enum else "texts")
        conds.append((first_bad.is_not_null(),
                      _msg(pl, name + ": element '{}' is not valid (elements must be " + what + ")", first_bad)))
        if s.unique:
            conds.append((v.list.n_unique() != v.list.len(),
                          pl.lit(f"{name}: an element is given twice (this list is a set)")))
    if not conds:
        return pl.lit(None, pl.String)
    expr = pl.when(conds[0][0]).then(conds[0][1])
    for cond, msg in conds[1:]:
        expr = expr.when(cond).then(msg)
    return pl.when(v.is_null() & pl.lit(s.nullable)).then(pl.lit(None, pl.String)).otherwise(expr)

# ---- checks/rows.py


from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from partyrules.facts.enums import SubjectKind
from partyrules.facts.kinds import incident_kinds
from partyrules.facts.ownership import ITEM_ID, item_label
from partyrules.facts.records import AT_MOST
from partyrules.population.frames import SUBJECT_FIELD, SUBJECT_TABLE, require_polars

if TYPE_CHECKING:
    import polars as pl



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


def _foreign_check(pl: Any, kind: str, table: str) -> tuple[str, Any]:
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
    return column, pl.when(foreign).then(reason)


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


def _cross_checks(pl: Any, kind: str, table: str) -> list[tuple[str, Any]]:
    """The models' checks across fields and rows (column, error expression) that are simple over columns."""
    c = pl.col
    out: list[tuple[str, Any]] = []

    def dup(cols: list[str], what: str) -> None:
        out.append((cols[-1], pl.when(pl.struct(cols).is_duplicated()).then(
            _msg(pl, what + " '{}' is given more than once for this subject", c(cols[-1])))))

    if table == SUBJECT_TABLE:
        own = f"{SUBJECT_FIELD[kind]}_id"
        out.append(("subject_id", pl.when(c("subject_id").is_duplicated()).then(
            _msg(pl, "subject id '{}' is given more than once", c("subject_id")))))
        out.append((own, pl.when(c(own) != c("subject_id")).then(
            _msg(pl, own + " '{}' differs from subject_id '{}'", c(own), c("subject_id")))))
        if kind == "branch":
            out.append(("member_count", pl.when(c("member_count") < c("formal_member_count")).then(_msg(
                pl, "member_count ({}) cannot be below formal_member_count ({})",
                c("member_count"), c("formal_member_count")))))
            out.append(("committee_size", pl.when(~c("has_committee") & (c("committee_size") != 0)).then(
                _msg(pl, "committee_size must be 0 when has_committee is false, got {}", c("committee_size")))))
    elif table == "records":
        out.append(_foreign_check(pl, kind, table))
        dup(["subject_id", "month"], "month")
        if kind == "member":
            out.append(("spot_check_passed", pl.when(~c("spot_checked") & c("spot_check_passed").is_not_null()).then(
                pl.lit("spot_check_passed must be null when spot_checked is false"))))
        else:
            for left, right in AT_MOST.items():
                out.append((left, pl.when(c(left) > c(right)).then(
                    _msg(pl, left + " ({}) cannot exceed " + right + " ({})", c(left), c(right)))))
    elif table in ("incidents", "commendations", "annual"):
        out.append(_foreign_check(pl, kind, table))
        if table == "incidents":
            kinds = sorted(incident_kinds(SubjectKind(kind)))
            out.append(("kind", pl.when(~c("kind").is_in(kinds)).then(
                _msg(pl, "unknown incident kind '{}' for a " + kind, c("kind")))))
            out.append(("verified_by", pl.when(c("verified") & c("verified_by").is_null()).then(
                pl.lit("verified_by is required when verified is true"))))
            dup(["subject_id", "incident_id"], "incident_id")
        elif table == "commendations":
            dup(["subject_id", "commendation_id"], "commendation_id")
        else:
            out.append(("subject_id", pl.when(c("subject_id").is_duplicated()).then(
                pl.lit("more than one annual evaluation for this subject"))))
            if kind == "member":
                out.append(("secretary_review", pl.when(c("secretary_review").is_not_null()).then(
                    pl.lit("secretary_review applies to branches only, not members"))))
            else:
                out.append(("employer_appraisal", pl.when(c("employer_appraisal").is_not_null()).then(
                    pl.lit("employer_appraisal applies to members only, not branches"))))
    elif table == "grids":
        out.append(_foreign_check(pl, kind, table))
        dup(["subject_id", "grid_id"], "grid_id")
    else:
        ident = {"claimed_posts": "post_id", "checklist": "item_id", "volunteer_teams": "team_id"}.get(table)
        if ident is not None:
            dup(["subject_id", ident], ident)
    return out


# ---- checks/table.py


import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from partyrules.errors import PopulationError
from partyrules.population.frames import layout, require_polars, table_schema

if TYPE_CHECKING:
    import polars as pl


_T = TypeVar("_T")


ROW = "\x00row"
FILE = "\x00file"
_ERR = "\x00err:"


@dataclass(frozen=True)
class RowProblem:
    """Why one row (or a whole file, ``row is None``) of a population input was not read."""

    file: str
    table: str
    row: int | None  # 1-based: CSV line (header = 1), JSON-lines line, Parquet row index + 1
    column: str | None
    subject_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        who = f" (subject '{self.subject_id}')" if self.subject_id is not None else ""
        return f"{where}: {self.table}{who}: {self.reason}"


@dataclass
class TableRead:
    frame: pl.DataFrame | None  # checked rows (all columns of the layout); None when the table is unreadable
    problems: pl.DataFrame  # file, row, column, subject_id, reason
    file_problems: list[RowProblem]


def _problem_frame(pl: Any) -> pl.DataFrame:
    return pl.DataFrame(schema={"file": pl.String, "row": pl.Int64, "column": pl.String,
                                "subject_id": pl.String, "reason": pl.String})


def check_table(kind: str, table: str, raw: pl.DataFrame | pl.LazyFrame, files: list[str]) -> TableRead:
    pl = require_polars()
    lay = layout(kind)[table]
    specs = _specs(lay)
    schema = table_schema(kind, table)
    file_problems: list[RowProblem] = []
    raw_schema = _read(raw.collect_schema, files)  # raw is a DataFrame, or a LazyFrame over Parquet files
    present = [n for n in raw_schema.names() if n not in (ROW, FILE)]
    misspelt: list[str] = []
    for name in present:
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if close and close[0] not in present:
                # the column meant is absent: reading on with its default would score every subject on a value
                # nobody gave (a renamed 'cards' gave every member an empty card set), so the table is not read
                misspelt.append(close[0])
                hint += f"; {close[0]!r} is absent, so the table is not read"
            for f in files:
                file_problems.append(RowProblem(f, table, None, name, None,
                                                f"unknown column {name!r}{hint}; it is not read"))
    missing = [n for n, s in specs.items() if n not in present and s.required]
    if missing or misspelt:
        for f in files:
            if missing:
                file_problems.append(RowProblem(f, table, None, None, None,
                                                "missing required column" + ("s " if len(missing) > 1 else " ")
                                                + ", ".join(repr(m) for m in missing)))
            if misspelt:
                file_problems.append(RowProblem(f, table, None, None, None,
                                                "missing column" + ("s " if len(misspelt) > 1 else " ")
                                                + ", ".join(repr(m) for m in misspelt)
                                                + ", written under another name: the table is not read"))
        return TableRead(None, _problem_frame(pl), file_problems)
    values: list[Any] = []
    errors: list[Any] = []
    for name, s in specs.items():
        if name not in present:
            values.append(pl.lit(s.default, dtype=schema[name]).alias(name))
            continue
        parsed = _parse(pl, s, pl.col(name), raw_schema[name])
        if isinstance(parsed, str):
            file_problems.extend(RowProblem(f, table, None, name, None, parsed) for f in files)
            return TableRead(None, _problem_frame(pl), file_problems)
        value, err = parsed
        values.append(value.cast(schema[name]).alias(name))
        errors.append(err.alias(_ERR + name))
    # Lazily, and on the streaming engine for the problems: the error texts of millions of rows are worked out a
    # morsel at a time and only the bad rows are kept, instead of an error column per field for every row.
    frame = raw.lazy().select(pl.col(FILE), pl.col(ROW), pl.col("subject_id").cast(pl.String).alias(_ERR + "sid"),
                               *values, *errors)
    present_errors = set(frame.collect_schema().names())
    checks: list[Any] = []
    for name, s in specs.items():
        own = _ERR + name
        checked = _value_checks(pl, s, pl.col(name))
        checks.append((pl.col(own) if own in present_errors else pl.lit(None, pl.String)).fill_null(checked)
                      .alias(own))
    checked_rows = frame.with_columns(checks)
    cross = _cross_checks(pl, kind, table)
    if cross:
        checked_rows = checked_rows.with_columns(e.alias(f"{_ERR}{i}:{col}") for i, (col, e) in enumerate(cross))
    err_cols = [n for n in checked_rows.collect_schema().names() if n.startswith(_ERR) and n != _ERR + "sid"]
    bad_rows = (checked_rows.filter(pl.any_horizontal(pl.col(err_cols).is_not_null()))
                .select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"),
                        pl.col(_ERR + "sid").alias("subject_id"), *err_cols))
    bad = _read(lambda: bad_rows.collect(engine="streaming"), files)
    problems = (bad.unpivot(index=["file", "row", "subject_id"], on=err_cols, variable_name="column",
                            value_name="reason")
                .drop_nulls("reason")
                .with_columns(pl.col("column").str.replace(r"^\x00err:(?:[0-9]+:)?", ""))
                .select("file", "row", "column", "subject_id", "reason"))
    good = _read(frame.select(FILE, ROW, *specs).collect, files)
    return TableRead(good, problems, file_problems)


def _read(step: Callable[[], _T], files: list[str]) -> _T:
    """Run a step that reads the table's files (Parquet is scanned lazily, so damage shows only here): an error of
    polars reading them is a :class:`PopulationError` naming the file, never a polars exception."""
    pl = require_polars()
    try:
        return step()
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as exc:
        raise unreadable_table(files, exc) from None


def unreadable_table(files: list[str], exc: BaseException) -> PopulationError:
    """The error of table files polars cannot read, naming the one that fails when it can be told among parts."""
    pl = require_polars()
    bad = list(files)
    if len(files) > 1 and all(f.endswith(".parquet") for f in files):
        for f in files:  # only after a failure: read each part alone to name the damaged one
            try:
                pl.read_parquet(f)
            except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException):
                bad = [f]
                break
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return PopulationError(f"{', '.join(bad)}: cannot be read: {reason} / 文件无法读取",
                           hint="the file is damaged, truncated or not in its format: write it again, or remove it "
                                "(a table that is absent has no rows)")

# ---- io/checked.py


import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from partyrules.errors import FactError
from partyrules.facts.enums import SubjectKind
from partyrules.facts.kinds import suggest_incident_kind
from partyrules.population.frames import SUBJECT_FIELD, SUBJECT_TABLE, Population, layout, require_polars, table_schema

if TYPE_CHECKING:
    import polars
    import polars as pl



UNKNOWN_SUBJECT = " row for unknown subject "  # in the reason of an item row whose subject is not in the input


@dataclass
class PopulationRead:
    """The good subjects of an input (``population``), the problems found, and who was left out for them."""

    population: Population
    problems: list[RowProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the whole input was read."""
        return not self.problems


def _problems_list(df: pl.DataFrame, table: str) -> list[RowProblem]:
    return [RowProblem(r["file"], table, r["row"], r["column"], r["subject_id"], r["reason"])
            for r in df.sort("file", "row").iter_rows(named=True)]


def _suggest_kinds(problems: list[RowProblem], kind: str) -> list[RowProblem]:
    # Only the few distinct unknown kinds are looked up, not every row.
    pattern = re.compile(r"^unknown incident kind '(.*)' for a \w+$")
    hints: dict[str, str | None] = {}
    out = []
    for p in problems:
        m = pattern.match(p.reason) if p.column == "kind" else None
        if m:
            bad = m.group(1)
            if bad not in hints:
                hints[bad] = suggest_incident_kind(SubjectKind(kind), bad)
            if hints[bad]:
                p = RowProblem(p.file, p.table, p.row, p.column, p.subject_id,
                               f"{p.reason}; did you mean '{hints[bad]}'?")
        out.append(p)
    return out


def _check_tables(kind: str, raws: dict[str, tuple[pl.DataFrame | pl.LazyFrame, list[str]]],
                  problems: list[RowProblem], bad_rows: Mapping[str, list[RowProblem]] | None = None
                  ) -> PopulationRead:
    """Check raw tables (with their row-number and file columns) and keep the subjects without a problem.

    ``bad_rows`` are the rows of each table that could not even be split into its columns (a ragged CSV row): they
    are reported, and the subjects they name left out, as rows with a bad value are."""
    pl = require_polars()
    tables = layout(kind)
    absent = frozenset(t for t in tables if t not in raws)  # no file or frame at all: not the same as no rows
    reads: dict[str, TableRead] = {}
    for table in list(raws):
        raw, files = raws.pop(table)  # let each raw table go once it is checked: a population can be gigabytes
        reads[table] = check_table(kind, table, raw, files)
        del raw
        problems.extend(reads[table].file_problems)
        unsplit = (bad_rows or {}).get(table)
        if unsplit:
            reads[table].problems = pl.concat([reads[table].problems, pl.DataFrame(
                [(p.file, p.row, p.column, p.subject_id, p.reason) for p in unsplit],
                schema=reads[table].problems.schema, orient="row")])
    empty = {t: pl.DataFrame(schema=table_schema(kind, t)) for t in tables}
    if any(r.frame is None for r in reads.values()):
        # A table that cannot be read at all might hold rows of any subject: none can be scored safely.
        ids = reads[SUBJECT_TABLE].frame
        left = [] if ids is None else ids.get_column("subject_id").drop_nulls().unique(maintain_order=True).to_list()
        return PopulationRead(Population(kind, empty, absent), problems, left)
    subjects = reads[SUBJECT_TABLE].frame
    assert subjects is not None
    all_ids = subjects.get_column("subject_id").drop_nulls()
    row_problems: list[polars.DataFrame] = [reads[SUBJECT_TABLE].problems]
    per_table: dict[str, list[RowProblem]] = {SUBJECT_TABLE: []}
    for table, r in reads.items():
        if table == SUBJECT_TABLE:
            continue
        assert r.frame is not None
        # lazily, so that only the three columns it needs are read, not every column of every row
        orphan = (r.frame.lazy()
                  .filter(pl.col("subject_id").is_not_null() & ~pl.col("subject_id").is_in(all_ids.implode()))
                  .select(pl.col(FILE).alias("file"), pl.col(ROW).alias("row"), pl.lit("subject_id").alias("column"),
                          pl.col("subject_id"),
                          # concat_str, not pl.format: polars 2.1 panics formatting a filtered, unrechunked
                          # string column (a subject id renamed into a duplicate leaves such orphans)
                          pl.concat_str([pl.lit(table + UNKNOWN_SUBJECT + "'"), pl.col("subject_id"),
                                         pl.lit("'")]).alias("reason"))
                  .collect())
        row_problems.append(pl.concat([r.problems, orphan]))
        per_table[table] = []
    named = pl.concat([p.select("subject_id") for p in row_problems]).get_column("subject_id").drop_nulls()
    bad_ids = named.filter(named.is_in(all_ids.implode())).unique()
    # A row without a subject id belongs to nobody: it is never scored (a subject "null"). The rows of a subject
    # that is not among the subjects (an orphan, reported above) are attached to nobody either: dropped too.
    dropped = named.unique()
    keep = ~pl.col("subject_id").is_in(dropped.implode()) & pl.col("subject_id").is_not_null()
    out_tables = dict(empty)
    for table, r in reads.items():
        assert r.frame is not None
        kept = (r.frame.filter(keep) if dropped.len() or r.frame.get_column("subject_id").null_count()
                else r.frame)
        # a frame built from its own columns shares them; DataFrame.drop copied all 12M rows of the records
        out_tables[table] = pl.DataFrame([kept.get_column(c) for c in kept.columns if c not in (FILE, ROW)])
    left_out = (subjects.filter(pl.col("subject_id").is_in(bad_ids.implode()))
                .get_column("subject_id").unique(maintain_order=True).to_list())
    tables_in_order = [SUBJECT_TABLE, *(t for t in reads if t != SUBJECT_TABLE)]
    for table, frame in zip(tables_in_order, row_problems, strict=True):
        problems.extend(_problems_list(frame, table))
    problems = _suggest_kinds(problems, kind)
    return PopulationRead(Population(kind, out_tables, absent), problems, left_out)


def check_frames(kind: str, raws: Mapping[str, pl.DataFrame]) -> PopulationRead:
    """Check tables whose rows already say where they came from (text column ``FILE`` and 1-based ``ROW``, as
    :mod:`partyrules.population.checks` names them), as files are checked: for callers that read rows their own
    way (the distributed scorer, which gets rows from a shuffle)."""
    pl = require_polars()
    known = layout(kind)
    problems: list[RowProblem] = []
    tables: dict[str, tuple[polars.DataFrame | polars.LazyFrame, list[str]]] = {}
    for name, raw in raws.items():
        if name not in known:
            problems.append(RowProblem(name, name, None, None, None, f"unknown table {name!r}; not read"))
            continue
        files = raw.get_column(FILE).unique(maintain_order=True).to_list() if raw.height else [name]
        tables[name] = (raw, files)
    if SUBJECT_TABLE not in tables:
        tables[SUBJECT_TABLE] = (pl.DataFrame(schema=table_schema(kind, SUBJECT_TABLE)).with_columns(
            pl.lit(None, pl.Int64).alias(ROW), pl.lit(None, pl.String).alias(FILE)), [SUBJECT_TABLE])
    return _check_tables(kind, tables, problems)


def population_from_frames(tables: Mapping[str, Any], subject_kind: str | None = None) -> PopulationRead:
    """Check tables held in memory (polars or pandas DataFrames, named as the tables of the layout) exactly as
    files are checked, and build a population of the subjects without a problem.

    A problem's ``file`` is the table's name and its ``row`` the 1-based row number in that DataFrame. Values may
    come in looser types (text, other integer widths): each is parsed and checked as a file's would be."""
    pl = require_polars()
    if SUBJECT_TABLE not in tables:
        raise FactError(f"no {SUBJECT_TABLE!r} table among {sorted(tables)}", hint="the subjects table is required")
    frames: dict[str, polars.DataFrame] = {}
    for name, t in tables.items():
        if not isinstance(t, pl.DataFrame):
            try:
                t = pl.from_pandas(t)
            except (TypeError, ValueError, ImportError) as exc:
                raise FactError(f"table {name!r} is not a polars or pandas DataFrame ({type(t).__name__}): {exc}",
                                hint="pass polars.DataFrame or pandas.DataFrame values") from None
        frames[name] = t
    if subject_kind is None:
        cols = frames[SUBJECT_TABLE].columns
        subject_kind = next((k for k in ("member", "branch", "community") if f"{SUBJECT_FIELD[k]}_id" in cols), None)
        if subject_kind is None:
            raise FactError("cannot tell the subject kind (no member_id, branch_id or community_id column)",
                            hint="pass subject_kind='member', 'branch' or 'community'")
    known = layout(subject_kind)
    problems: list[RowProblem] = []
    raws: dict[str, tuple[polars.DataFrame | polars.LazyFrame, list[str]]] = {}
    for name, t in frames.items():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(RowProblem(name, name, None, None, None, f"unknown table {name!r}{hint}; not read"))
            continue
        raw = t.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW), pl.lit(name).alias(FILE))
        raws[name] = (raw, [name])
    return _check_tables(subject_kind, raws, problems)

