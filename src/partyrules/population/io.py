"""Read and write populations as files: JSON lines of bundles, or one Parquet or CSV file per table.

A population file is input from outside, so every value is checked as the fact models check it, but over whole
columns at once (polars expressions, no Python loop per row): a bad value is reported as a :class:`RowProblem`
with the file, the table, the row number in that file, the column, the subject and the reason, and the subject
it belongs to is left out with all its rows. Every other subject is read. Nothing is dropped without a problem
saying so.

Table files are named after the tables of :func:`~partyrules.population.frames.layout`: ``subjects.parquet``,
``records.parquet``, ... (or ``.csv``); a table may also be split into numbered parts, ``records-00000.parquet``,
``records-00001.parquet``, ... as :func:`partyrules.population.generate.write_generated` writes them. Tables other
than ``subjects`` may be absent (no items of that kind). In CSV files a list cell is a JSON array of texts
(``["a","b"]``), a date is ``YYYY-MM-DD``, a flag ``true`` or ``false``, and an empty cell is null.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import TYPE_CHECKING, Any

from annotated_types import Ge, Le, MaxLen, MinLen

from ..errors import FactError
from ..facts import base as _base
from ..facts.enums import SubjectKind
from ..facts.kinds import incident_kinds, suggest_incident_kind
from ..facts.records import _AT_MOST
from .files import read_facts
from .frames import (
    BUNDLES,
    SUBJECT_FIELD,
    SUBJECT_TABLE,
    Population,
    TableLayout,
    facts_to_population,
    layout,
    require_polars,
    table_schema,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "PopulationRead",
    "RowProblem",
    "population_from_frames",
    "read_population",
    "write_population",
]

FORMATS = ("parquet", "csv", "jsonl")
DEFAULT_MAX_BYTES = {"parquet": 20 * 10**9, "csv": 2 * 10**9, "jsonl": 2 * 10**9}
"""The largest input read by default (all files of a population together), per format: a bigger input is
refused with an error instead of exhausting memory. Pass ``max_bytes=`` to change it."""

_ROW = "\x00row"
_FILE = "\x00file"
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
class PopulationRead:
    """The good subjects of an input (``population``), the problems found, and who was left out for them."""

    population: Population
    problems: list[RowProblem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the whole input was read."""
        return not self.problems


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


def _plain_default(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, tuple):
        return [_plain_default(x) for x in v]
    return v


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
        out[c.name] = _spec_of(c.name, info.annotation, info.metadata, required, _plain_default(default))
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
    name = s.name
    is_text = dtype == pl.String
    if s.target == "list":
        if isinstance(dtype, pl.List) and dtype.inner == pl.String:
            return raw, pl.lit(None, pl.String)
        if not is_text:
            return f"column {name!r} has type {dtype}, expected a list of texts"
        ok = raw.str.contains(_STR_ARRAY)
        err = pl.when(raw.is_not_null() & ~ok).then(_msg(pl, name + ": '{}' is not a JSON array of texts", raw))
        value = pl.when(ok).then(raw).str.json_decode(pl.List(pl.String))
        return value, err
    if not is_text and s.target in ("int", "float") and dtype.is_numeric():
        f = raw.cast(pl.Float64)
    elif is_text and s.target in ("int", "float"):
        f = raw.cast(pl.Float64, strict=False)
    else:
        f = None
    if s.target in ("int", "float"):
        assert f is not None
        text = raw if is_text else _shown(pl, raw)
        not_number = raw.is_not_null() & f.is_null() if is_text else pl.lit(False)
        if not is_text and not dtype.is_numeric():
            not_number = raw.is_not_null()
        err = (pl.when(not_number).then(_msg(pl, name + ": '{}' is not a number", text))
               .when(f.is_nan()).then(pl.lit(f"{name}: NaN is not a number"))
               .when(f.is_infinite()).then(_msg(pl, name + ": {} is not a finite number", text)))
        if s.target == "int":
            whole = (raw.cast(pl.Int64, strict=False).is_not_null() if is_text
                     else dtype.is_integer() | (f == f.floor()))
            err = err.when(raw.is_not_null() & ~whole).then(_msg(pl, name + ": {} is not a whole number", text))
            value = pl.when(err.is_null()).then(raw.cast(pl.Int64, strict=False) if is_text else f.cast(pl.Int64))
            if not is_text and dtype.is_integer():
                value = raw.cast(pl.Int64, strict=False)
        else:
            value = pl.when(err.is_null()).then(f)
        return value, err
    if s.target == "bool":
        if dtype == pl.Boolean:
            return raw, pl.lit(None, pl.String)
        text = raw if is_text else _shown(pl, raw)
        low = text.str.to_lowercase()
        ok = low.is_in(["true", "false"])
        err = pl.when(raw.is_not_null() & ~ok).then(_msg(pl, name + ": '{}' is not true or false", text))
        return pl.when(ok).then(low == "true"), err
    if s.target == "date":
        if dtype == pl.Date:
            return raw, pl.lit(None, pl.String)
        if isinstance(dtype, pl.Datetime):
            # pandas holds dates as datetimes at midnight; a time of day is not a date
            day = raw.dt.date()
            err = pl.when(raw.is_not_null() & (raw.cast(pl.Date).cast(dtype) != raw)).then(
                _msg(pl, name + ": {} has a time of day, not a date", _shown(pl, raw)))
            return pl.when(err.is_null()).then(day), err
        text = raw if is_text else _shown(pl, raw)
        parsed = pl.when(text.str.contains(_DATE)).then(text).str.to_date("%Y-%m-%d", strict=False)
        err = pl.when(raw.is_not_null() & parsed.is_null()).then(
            _msg(pl, name + ": '{}' is not a date written YYYY-MM-DD", text))
        return parsed, err
    # text (also enums and JSON maps)
    if is_text:
        return raw, pl.lit(None, pl.String)
    return (pl.lit(None, pl.String),
            pl.when(raw.is_not_null()).then(_msg(pl, name + ": {} is not text", _shown(pl, raw))))


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
        own = f"{SUBJECT_FIELD[kind]}_id"
        out.append((own, pl.when(c(own) != c("subject_id")).then(
            _msg(pl, own + " '{}' differs from subject_id '{}'", c(own), c("subject_id")))))
        dup(["subject_id", "month"], "month")
        if kind == "member":
            out.append(("spot_check_passed", pl.when(~c("spot_checked") & c("spot_check_passed").is_not_null()).then(
                pl.lit("spot_check_passed must be null when spot_checked is false"))))
        else:
            for left, right in _AT_MOST.items():
                out.append((left, pl.when(c(left) > c(right)).then(
                    _msg(pl, left + " ({}) cannot exceed " + right + " ({})", c(left), c(right)))))
    elif table in ("incidents", "commendations", "annual"):
        out.append(("subject_kind", pl.when(c("subject_kind") != kind).then(
            _msg(pl, "subject_kind '{}' in a population of " + kind + "s", c("subject_kind")))))
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
        out.append(("community_id", pl.when(c("community_id") != c("subject_id")).then(
            _msg(pl, "community_id '{}' differs from subject_id '{}'", c("community_id"), c("subject_id")))))
        dup(["subject_id", "grid_id"], "grid_id")
    else:
        ident = {"claimed_posts": "post_id", "checklist": "item_id", "volunteer_teams": "team_id"}.get(table)
        if ident is not None:
            dup(["subject_id", ident], ident)
    return out


# ----------------------------------------------------------------------------------------------------
# reading one table


@dataclass
class _TableRead:
    frame: pl.DataFrame | None  # checked rows (all columns of the layout); None when the table is unreadable
    problems: pl.DataFrame  # file, row, column, subject_id, reason
    file_problems: list[RowProblem]


def _problem_frame(pl: Any) -> pl.DataFrame:
    return pl.DataFrame(schema={"file": pl.String, "row": pl.Int64, "column": pl.String,
                                "subject_id": pl.String, "reason": pl.String})


def _check_table(kind: str, table: str, raw: pl.DataFrame | pl.LazyFrame, files: list[str]) -> _TableRead:
    pl = require_polars()
    lay = layout(kind)[table]
    specs = _specs(lay)
    schema = table_schema(kind, table)
    file_problems: list[RowProblem] = []
    raw_schema = raw.collect_schema()  # raw is a DataFrame, or a LazyFrame over Parquet files
    present = [n for n in raw_schema.names() if n not in (_ROW, _FILE)]
    for name in present:
        if name not in specs:
            close = difflib.get_close_matches(name, list(specs), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if close and close[0] not in present and not specs[close[0]].required:
                hint += f"; {close[0]!r} is absent, so its default {specs[close[0]].default!r} is used"
            for f in files:
                file_problems.append(RowProblem(f, table, None, name, None,
                                                f"unknown column {name!r}{hint}; it is not read"))
    missing = [n for n, s in specs.items() if n not in present and s.required]
    if missing:
        for f in files:
            file_problems.append(RowProblem(f, table, None, None, None,
                                            "missing required column" + ("s " if len(missing) > 1 else " ")
                                            + ", ".join(repr(m) for m in missing)))
        return _TableRead(None, _problem_frame(pl), file_problems)
    values: list[Any] = []
    errors: list[Any] = []
    for name, s in specs.items():
        if name not in present:
            values.append(pl.lit(s.default, dtype=schema[name]).alias(name))
            continue
        parsed = _parse(pl, s, pl.col(name), raw_schema[name])
        if isinstance(parsed, str):
            file_problems.extend(RowProblem(f, table, None, name, None, parsed) for f in files)
            return _TableRead(None, _problem_frame(pl), file_problems)
        value, err = parsed
        values.append(value.cast(schema[name]).alias(name))
        errors.append(err.alias(_ERR + name))
    # Lazily, and on the streaming engine for the problems: the error texts of millions of rows are worked out a
    # morsel at a time and only the bad rows are kept, instead of an error column per field for every row.
    parsed = raw.lazy().select(pl.col(_FILE), pl.col(_ROW), pl.col("subject_id").cast(pl.String).alias(_ERR + "sid"),
                               *values, *errors)
    present_errors = set(parsed.collect_schema().names())
    checks: list[Any] = []
    for name, s in specs.items():
        own = _ERR + name
        checked = _value_checks(pl, s, pl.col(name))
        checks.append((pl.col(own) if own in present_errors else pl.lit(None, pl.String)).fill_null(checked)
                      .alias(own))
    checked_rows = parsed.with_columns(checks)
    cross = _cross_checks(pl, kind, table)
    if cross:
        checked_rows = checked_rows.with_columns(e.alias(f"{_ERR}{i}:{col}") for i, (col, e) in enumerate(cross))
    err_cols = [n for n in checked_rows.collect_schema().names() if n.startswith(_ERR) and n != _ERR + "sid"]
    bad = (checked_rows.filter(pl.any_horizontal(pl.col(err_cols).is_not_null()))
           .select(pl.col(_FILE).alias("file"), pl.col(_ROW).alias("row"), pl.col(_ERR + "sid").alias("subject_id"),
                   *err_cols)
           .collect(engine="streaming"))
    problems = (bad.unpivot(index=["file", "row", "subject_id"], on=err_cols, variable_name="column",
                            value_name="reason")
                .drop_nulls("reason")
                .with_columns(pl.col("column").str.replace(r"^\x00err:(?:[0-9]+:)?", ""))
                .select("file", "row", "column", "subject_id", "reason"))
    good = parsed.select(_FILE, _ROW, *specs).collect()
    return _TableRead(good, problems, file_problems)


# ----------------------------------------------------------------------------------------------------
# files


def _table_files(directory: Path, table: str, ext: str) -> list[Path]:
    whole = directory / f"{table}.{ext}"
    parts = sorted(directory.glob(f"{table}-[0-9]*.{ext}"))
    return ([whole] if whole.exists() else []) + parts


def _detect_format(path: Path) -> str:
    if path.is_dir():
        for ext in ("parquet", "csv"):
            if _table_files(path, SUBJECT_TABLE, ext):
                return ext
        raise FactError(f"{path}: no subjects.parquet or subjects.csv in this directory",
                        hint="a population directory holds one file per table, named after the table")
    if path.suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if path.suffix in (".parquet", ".csv"):
        raise FactError(f"{path}: a single {path.suffix} file is one table; give the directory of the tables",
                        hint="e.g. read_population('population/') with population/subjects.parquet, ...")
    raise FactError(f"{path}: cannot tell the format", hint="pass format='parquet', 'csv' or 'jsonl'")


def _check_size(paths: list[Path], limit: int) -> None:
    total = sum(p.stat().st_size for p in paths)
    if total > limit:
        raise FactError(f"{paths[0].parent if len(paths) > 1 else paths[0]}: the input is {total:,} bytes, "
                        f"more than the limit of {limit:,}",
                        hint="read it in parts (one partition directory at a time) or raise max_bytes=")


def _read_csv(pl: Any, path: Path) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False)
    # The row number is the line number; a quoted cell that spans lines moves the rows after it down.
    extra = [pl.col(n).str.count_matches("\n").fill_null(0) for n in df.columns]
    shift = (pl.sum_horizontal(extra).cum_sum().shift(1, fill_value=0) if extra and df.height
             else pl.lit(0, pl.Int64))
    return df.with_columns((pl.int_range(2, pl.len() + 2, dtype=pl.Int64) + shift).cast(pl.Int64).alias(_ROW),
                           pl.lit(str(path)).alias(_FILE))


def _read_parquet(pl: Any, path: Path) -> pl.LazyFrame:
    # lazily: the checks read the file where they need it, so a population of millions is never held twice
    return (pl.scan_parquet(path).with_row_index(_ROW, offset=1)
            .with_columns(pl.col(_ROW).cast(pl.Int64), pl.lit(str(path)).alias(_FILE)))


def _guess_kind(pl: Any, first: Path, fmt: str) -> str:
    cols = (pl.read_csv(first, n_rows=0, infer_schema=False).columns if fmt == "csv"
            else list(pl.read_parquet_schema(first)))
    for kind in ("member", "branch", "community"):
        if f"{SUBJECT_FIELD[kind]}_id" in cols:
            return kind
    raise FactError(f"{first}: cannot tell the subject kind (no member_id, branch_id or community_id column)",
                    hint="pass subject_kind='member', 'branch' or 'community'")


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


def _read_tables(directory: Path, kind: str | None, fmt: str, max_bytes: int) -> PopulationRead:
    pl = require_polars()
    ext = fmt
    subject_files = _table_files(directory, SUBJECT_TABLE, ext)
    if not subject_files:
        raise FactError(f"{directory}: no {SUBJECT_TABLE}.{ext}", hint="the subjects table is required")
    kind = kind or _guess_kind(pl, subject_files[0], fmt)
    tables = layout(kind)
    known = set(tables)
    all_files = {t: _table_files(directory, t, ext) for t in tables}
    _check_size([p for fs in all_files.values() for p in fs], max_bytes)
    problems: list[RowProblem] = []
    for p in sorted(directory.glob(f"*.{ext}")):
        stem = re.sub(r"-[0-9]+$", "", p.stem)
        if stem not in known:
            close = difflib.get_close_matches(stem, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}.{ext}'?)" if close else ""
            problems.append(RowProblem(str(p), stem, None, None, None, f"unknown table {stem!r}{hint}; not read"))
    reader = _read_csv if fmt == "csv" else _read_parquet
    raws: dict[str, tuple[pl.DataFrame | pl.LazyFrame, list[str]]] = {}
    for table, files in all_files.items():
        if not files:
            continue
        frames: list[Any] = [reader(pl, f) for f in files]
        raws[table] = (pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0],
                       [str(f) for f in files])
    return _check_tables(kind, raws, problems)


def _check_tables(kind: str, raws: dict[str, tuple[pl.DataFrame | pl.LazyFrame, list[str]]],
                  problems: list[RowProblem]) -> PopulationRead:
    """Check raw tables (with their row-number and file columns) and keep the subjects without a problem."""
    pl = require_polars()
    tables = layout(kind)
    reads: dict[str, _TableRead] = {}
    for table in list(raws):
        raw, files = raws.pop(table)  # let each raw table go once it is checked: a population can be gigabytes
        reads[table] = _check_table(kind, table, raw, files)
        del raw
        problems.extend(reads[table].file_problems)
    empty = {t: pl.DataFrame(schema=table_schema(kind, t)) for t in tables}
    if any(r.frame is None for r in reads.values()):
        # A table that cannot be read at all might hold rows of any subject: none can be scored safely.
        ids = reads[SUBJECT_TABLE].frame
        left = [] if ids is None else ids.get_column("subject_id").drop_nulls().unique(maintain_order=True).to_list()
        return PopulationRead(Population(kind, empty), problems, left)
    subjects = reads[SUBJECT_TABLE].frame
    assert subjects is not None
    all_ids = subjects.get_column("subject_id").drop_nulls()
    row_problems: list[pl.DataFrame] = [reads[SUBJECT_TABLE].problems]
    per_table: dict[str, list[RowProblem]] = {SUBJECT_TABLE: []}
    for table, r in reads.items():
        if table == SUBJECT_TABLE:
            continue
        assert r.frame is not None
        # lazily, so that only the three columns it needs are read, not every column of every row
        orphan = (r.frame.lazy()
                  .filter(pl.col("subject_id").is_not_null() & ~pl.col("subject_id").is_in(all_ids.implode()))
                  .select(pl.col(_FILE).alias("file"), pl.col(_ROW).alias("row"), pl.lit("subject_id").alias("column"),
                          pl.col("subject_id"),
                          pl.format(table + " row for unknown subject '{}'", pl.col("subject_id")).alias("reason"))
                  .collect())
        row_problems.append(pl.concat([r.problems, orphan]))
        per_table[table] = []
    bad_ids = pl.concat([p.select("subject_id") for p in row_problems]).get_column("subject_id").drop_nulls()
    bad_ids = bad_ids.filter(bad_ids.is_in(all_ids.implode())).unique()
    keep = ~pl.col("subject_id").is_in(bad_ids.implode()) & pl.col("subject_id").is_not_null()
    out_tables = dict(empty)
    for table, r in reads.items():
        assert r.frame is not None
        kept = r.frame.filter(keep) if bad_ids.len() else r.frame
        # a frame built from its own columns shares them; DataFrame.drop copied all 12M rows of the records
        out_tables[table] = pl.DataFrame([kept.get_column(c) for c in kept.columns if c not in (_FILE, _ROW)])
    left_out = (subjects.filter(pl.col("subject_id").is_in(bad_ids.implode()))
                .get_column("subject_id").unique(maintain_order=True).to_list())
    tables_in_order = [SUBJECT_TABLE, *(t for t in reads if t != SUBJECT_TABLE)]
    for table, frame in zip(tables_in_order, row_problems, strict=True):
        problems.extend(_problems_list(frame, table))
    problems = _suggest_kinds(problems, kind)
    return PopulationRead(Population(kind, out_tables), problems, left_out)


def _read_jsonl(path: Path, kind: str | None, max_bytes: int) -> PopulationRead:
    _check_size([path], max_bytes)
    name = str(path)
    good: list[tuple[int, Any]] = []
    problems: list[RowProblem] = []
    bad_rows: list[int] = []
    for row in read_facts(path):
        if row.facts is None:
            assert row.error is not None
            bad_rows.append(row.number)
            errs = row.error.errors or [(None, row.error.message, None)]
            for col, msg, _value in errs:
                problems.append(RowProblem(name, "bundles", row.number, col, None, f"{col}: {msg}" if col else msg))
        else:
            good.append((row.number, row.facts))
    kind = kind or (str(type(good[0][1]).subject_kind) if good else "member")
    cls = BUNDLES[kind]
    ids_of_bad = _ids_on_lines(path, set(bad_rows))
    problems = [RowProblem(p.file, p.table, p.row, p.column, ids_of_bad.get(p.row or 0), p.reason) for p in problems]
    seen: dict[str, int] = {}
    dups: set[str] = set()
    for number, b in good:
        if not isinstance(b, cls):
            problems.append(RowProblem(name, "bundles", number, None, b.subject_id,
                                       f"a {type(b).__name__} in a population of {kind}s"))
            continue
        if b.subject_id in seen:
            dups.add(b.subject_id)
            problems.append(RowProblem(name, "bundles", number, None, b.subject_id,
                                       f"subject id '{b.subject_id}' is given more than once (first on line "
                                       f"{seen[b.subject_id]})"))
        else:
            seen[b.subject_id] = number
    bad = {p.subject_id for p in problems if p.subject_id is not None}
    kept = [b for _, b in good if isinstance(b, cls) and b.subject_id not in bad]
    left_out = [sid for sid in seen if sid in bad or sid in dups]
    problems.sort(key=lambda p: p.row or 0)
    return PopulationRead(facts_to_population(kept, kind), problems, left_out)


def _ids_on_lines(path: Path, numbers: set[int]) -> dict[int, str]:
    """The subject ids on the bad lines, where the line says one (only bad lines are parsed again)."""
    out: dict[int, str] = {}
    if not numbers:
        return out
    with path.open("rb") as fh:
        for i, raw in enumerate(fh, 1):
            if i not in numbers:
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            for key in ("member", "branch", "community"):
                sid = data.get(key, {}).get(f"{key}_id") if isinstance(data, dict) else None
                if isinstance(data, dict) and isinstance(data.get(key), dict) and isinstance(sid, str):
                    out[i] = sid
    return out


def population_from_frames(tables: Mapping[str, Any], subject_kind: str | None = None) -> PopulationRead:
    """Check tables held in memory (polars or pandas DataFrames, named as the tables of the layout) exactly as
    files are checked, and build a population of the subjects without a problem.

    A problem's ``file`` is the table's name and its ``row`` the 1-based row number in that DataFrame. Values may
    come in looser types (text, other integer widths): each is parsed and checked as a file's would be."""
    pl = require_polars()
    if SUBJECT_TABLE not in tables:
        raise FactError(f"no {SUBJECT_TABLE!r} table among {sorted(tables)}", hint="the subjects table is required")
    frames: dict[str, pl.DataFrame] = {}
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
    raws: dict[str, tuple[pl.DataFrame, list[str]]] = {}
    for name, t in frames.items():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(RowProblem(name, name, None, None, None, f"unknown table {name!r}{hint}; not read"))
            continue
        raw = t.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(_ROW), pl.lit(name).alias(_FILE))
        raws[name] = (raw, [name])
    return _check_tables(subject_kind, raws, problems)


def read_population(path: str | Path, subject_kind: str | None = None, *, format: str | None = None,
                    max_bytes: int | None = None) -> PopulationRead:
    """Read a population from a JSON-lines file of bundles or a directory of Parquet or CSV table files.

    Every bad row is a :class:`RowProblem`, and the subject it belongs to is left out with all its rows; the
    other subjects make up ``.population``. The subject kind is read off the files when not given. Inputs larger
    than ``max_bytes`` (default :data:`DEFAULT_MAX_BYTES` for the format) are refused with a :class:`FactError`.
    """
    path = Path(path)
    if not path.exists():
        raise FactError(f"{path}: no such file or directory", hint="check the path")
    fmt = format or _detect_format(path)
    if fmt not in FORMATS:
        raise FactError(f"unknown population format {fmt!r}", hint="one of: " + ", ".join(FORMATS))
    limit = DEFAULT_MAX_BYTES[fmt] if max_bytes is None else max_bytes
    if subject_kind is not None:
        layout(subject_kind)  # an unknown kind is an error before any file is read
    if fmt == "jsonl":
        if path.is_dir():
            raise FactError(f"{path}: is a directory, not a JSON-lines file", hint="give the .jsonl file")
        return _read_jsonl(path, subject_kind, limit)
    if not path.is_dir():
        raise FactError(f"{path}: {fmt} populations are directories of table files", hint="give the directory")
    return _read_tables(path, subject_kind, fmt, limit)


# ----------------------------------------------------------------------------------------------------
# writing


def _json_array(pl: Any, col: str) -> Any:
    esc = (pl.element().str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
           .str.replace_all("\n", "\\n", literal=True).str.replace_all("\r", "\\r", literal=True)
           .str.replace_all("\t", "\\t", literal=True))
    joined = pl.col(col).list.eval(pl.format('"{}"', esc)).list.join(",")
    return pl.when(pl.col(col).is_not_null()).then(pl.format("[{}]", joined)).alias(col)


def write_population(pop: Population, path: str | Path, format: str = "parquet") -> Path:
    """Write ``pop`` as a directory of table files (``parquet`` or ``csv``) or one ``jsonl`` file of bundles.

    Everything written reads back with :func:`read_population` to the same facts.
    """
    pl = require_polars()
    path = Path(path)
    if format not in FORMATS:
        raise FactError(f"unknown population format {format!r}", hint="one of: " + ", ".join(FORMATS))
    if format == "jsonl":
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for b in pop.iter_facts():
                fh.write(b.model_dump_json())
                fh.write("\n")
        return path
    path.mkdir(parents=True, exist_ok=True)
    for table, frame in pop.tables.items():
        if format == "parquet":
            frame.write_parquet(path / f"{table}.parquet")
        else:
            lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
            out = frame.with_columns([_json_array(pl, n) for n in lists]) if lists else frame
            out.write_csv(path / f"{table}.csv")
    return path
