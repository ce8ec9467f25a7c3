"""What each column of a population table must hold, read off the fact models, and the polars expressions that
parse a column of any source type and check its values: the errors of a column are worked out over the whole
column at once, never a Python loop per row."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from types import UnionType
from typing import Any

from annotated_types import Ge, Le, MaxLen, MinLen

from ...facts import base as _base
from ..frames import TableLayout, plain_value

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


# A check is a list of (condition, message) pairs, the first that holds naming the error. The conditions alone say
# which rows are bad, cheaply; the messages are formatted only for those rows (formatting a text for every one of
# millions of rows was a third of the reading time).
Pairs = list[tuple[Any, Any]]


def chain(pl: Any, pairs: Pairs) -> Any:
    """The error text of the first pair whose condition holds (null when none does)."""
    if not pairs:
        return pl.lit(None, pl.String)
    expr = pl.when(pairs[0][0]).then(pairs[0][1])
    for cond, msg in pairs[1:]:
        expr = expr.when(cond).then(msg)
    return expr


def failing(pl: Any, pairs: Pairs) -> Any:
    """Whether any condition holds (a null condition does not, as in ``when``): exactly where ``chain`` is not null,
    since no message is null where its condition holds."""
    if not pairs:
        return pl.lit(False)
    return pl.any_horizontal([c for c, _ in pairs]).fill_null(False)


def _parse(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Any] | str:
    """(value, error) expressions for a column of source type ``dtype``, or why the column cannot be read."""
    parsed = parse_checks(pl, s, raw, dtype)
    return parsed if isinstance(parsed, str) else (parsed[0], chain(pl, parsed[1]))


def parse_checks(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Pairs] | str:
    """(value, error pairs) for a column of source type ``dtype``, or why the column cannot be read."""
    return _PARSERS.get(s.target, _parse_text)(pl, s, raw, dtype)


def _parse_list(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Pairs] | str:
    name = s.name
    if isinstance(dtype, pl.List) and dtype.inner == pl.String:
        return raw, []
    if dtype != pl.String:
        return f"column {name!r} has type {dtype}, expected a list of texts"
    ok = raw.str.contains(_STR_ARRAY)
    pairs = [(raw.is_not_null() & ~ok, _msg(pl, name + ": '{}' is not a JSON array of texts", raw))]
    value = pl.when(ok).then(raw).str.json_decode(pl.List(pl.String))
    return value, pairs


def _parse_number(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Pairs] | str:
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
    err = [(not_number, _msg(pl, name + ": '{}' is not a number", text)),
           (f.is_nan(), pl.lit(f"{name}: NaN is not a number")),
           (f.is_infinite(), _msg(pl, name + ": {} is not a finite number", text))]
    if s.target == "int":
        return _whole_number(pl, s, raw, dtype, f, text, err)
    return pl.when(~failing(pl, err)).then(f), err


def _whole_number(pl: Any, s: _Spec, raw: Any, dtype: Any, f: Any, text: Any, err: Pairs) -> tuple[Any, Pairs]:
    name = s.name
    is_text = dtype == pl.String
    # the bounds are checked on the value read as a float, before any conversion to int64: a count of
    # 2^64 - 1, 1e19 or twenty nines is "above 1000000000", not "no value", "not a whole number" or a
    # conversion error that made the whole table unreadable (the messages are _value_checks' own)
    err = list(err)
    if s.le is not None:
        err.append((raw.is_not_null() & (f > s.le), _msg(pl, name + ": {} is above " + str(s.le), text)))
    if s.ge is not None:
        err.append((raw.is_not_null() & (f < s.ge), _msg(pl, name + ": {} is below " + str(s.ge), text)))
    whole = (raw.cast(pl.Int64, strict=False).is_not_null() if is_text
             else dtype.is_integer() | (f == f.floor()))
    err.append((raw.is_not_null() & ~whole, _msg(pl, name + ": {} is not a whole number", text)))
    value = pl.when(~failing(pl, err)).then(raw.cast(pl.Int64, strict=False) if is_text
                                        else f.cast(pl.Int64, strict=False))
    if not is_text and dtype.is_integer():
        value = raw.cast(pl.Int64, strict=False)
    return value, err


def _parse_bool(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Pairs] | str:
    if dtype == pl.Boolean:
        return raw, []
    text = raw if dtype == pl.String else _shown(pl, raw)
    low = text.str.to_lowercase()
    ok = low.is_in(["true", "false"])
    err = [(raw.is_not_null() & ~ok, _msg(pl, s.name + ": '{}' is not true or false", text))]
    return pl.when(ok).then(low == "true"), err


def _parse_date(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Pairs] | str:
    name = s.name
    if dtype == pl.Date:
        return raw, []
    if isinstance(dtype, pl.Datetime):
        # pandas holds dates as datetimes at midnight; a time of day is not a date
        day = raw.dt.date()
        err = [(raw.is_not_null() & (raw.cast(pl.Date).cast(dtype) != raw),
                _msg(pl, name + ": {} has a time of day, not a date", _shown(pl, raw)))]
        return pl.when(~failing(pl, err)).then(day), err
    text = raw if dtype == pl.String else _shown(pl, raw)
    parsed = pl.when(text.str.contains(_DATE)).then(text).str.to_date("%Y-%m-%d", strict=False)
    err = [(raw.is_not_null() & parsed.is_null(), _msg(pl, name + ": '{}' is not a date written YYYY-MM-DD", text))]
    return parsed, err


def _parse_text(pl: Any, s: _Spec, raw: Any, dtype: Any) -> tuple[Any, Pairs] | str:
    """Text (also enums and JSON maps)."""
    if dtype == pl.String:
        return raw, []
    return pl.lit(None, pl.String), [(raw.is_not_null(), _msg(pl, s.name + ": {} is not text", _shown(pl, raw)))]


_PARSERS: dict[str, Callable[[Any, _Spec, Any, Any], tuple[Any, Pairs] | str]] = {
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
    return pl.when(v.is_null() & pl.lit(s.nullable)).then(pl.lit(None, pl.String)).otherwise(
        chain(pl, _value_pairs(pl, s, v, elements=True)))


def value_failing(pl: Any, s: _Spec, v: Any) -> Any:
    """Whether a parsed value fails a check of :func:`_value_checks`, the elements of lists left out: those are
    looked at only where :func:`list_failing` finds a bad element in the whole column."""
    pairs = _value_pairs(pl, s, v, elements=False)
    if not pairs:
        return pl.lit(False)
    return failing(pl, pairs) & ~(v.is_null() & pl.lit(s.nullable))


def column_may_fail(pl: Any, s: _Spec, dtype: Any, target: Any) -> Any | None:
    """Whether a column already of its own type may hold a value that fails a check, worked out on the column's
    totals (null count, least and greatest value, NaNs): a clean column (the usual case) is then taken as it is,
    never checked row by row. None for a column in another type, which is parsed row by row."""
    if dtype != target:
        return None
    col = pl.col(s.name)
    conds = [] if s.nullable else [col.null_count() > 0]
    if s.target in ("int", "float"):
        if s.target == "float":
            conds.append(col.is_nan().any())
            if s.ge is None or s.le is None:  # else an infinity is beyond a bound
                conds.append(col.is_infinite().any())
        if s.target == "int" and s.ge == 0 and s.le is not None and dtype == pl.Int64:
            # one pass, not two: read as unsigned, a negative count is above any bound
            conds.append(col.reinterpret(signed=False).max() > s.le)
        else:
            if s.ge is not None:
                conds.append(col.min() < s.ge)
            if s.le is not None:
                conds.append(col.max() > s.le)
    elif s.target in ("str", "json"):
        conds.append(value_failing(pl, s, col).any())  # on the column's distinct values (see distinct_values)
    return pl.any_horizontal([c.fill_null(False) for c in conds]) if conds else pl.lit(False)


def run_starts(column: Any) -> Any:
    """Where a run of one value starts in a column (a Series of booleans; a null starts a run)."""
    return (column != column.shift()).fill_null(True)


def distinct_values(pl: Any, df: Any, names: list[str], starts: Any = None) -> dict[str, Any]:
    """Each text column's distinct values, or few enough of its values to stand for them (a lazy frame of one
    column each, so that the columns are worked out together), on which the checks of its values are totalled: a
    subject's id repeats on each of its rows, a month on a
    twelfth of them. Runs of one value are dropped, which is cheaper than hashing every row, when the column's first
    ten thousand values show that it has runs; else those values are hashed when they repeat (a month does, a name
    does not: hashing a million names finds a million), and a column of neither is taken whole. ``starts`` are the
    run starts of ``subject_id``, worked out once for the table."""
    out: dict[str, Any] = {}
    for n in names:
        col = pl.col(n)
        if n == "subject_id" and starts is not None:
            values = col.filter(pl.lit(starts))
        else:
            # the first values decide, so that a column without runs (a month, a name) is never compared with
            # its neighbours in full: that compare and filter of 12M texts found no run to drop
            head = df.get_column(n).head(10_000)
            head_runs = head.filter(run_starts(head))
            if head_runs.len() * 4 <= head.len():
                values = col.filter((col != col.shift()).fill_null(True))
            elif head_runs.n_unique() * 20 < head_runs.len():
                values = col.unique()
            else:
                values = col
        out[n] = df.lazy().select(values)
    return out


def list_failing(pl: Any, s: _Spec, column: Any) -> Any | None:
    """The rows of a list column (a Series) with a bad or repeated element, or None when the whole column has none:
    the elements are checked once, flattened, and row by row only when one of them fails."""
    totals = list_totals(pl, s, column)
    if totals is None or not any(totals.collect().row(0)):
        return None
    return list_rows(pl, s, column)


def list_totals(pl: Any, s: _Spec, column: Any) -> Any | None:
    """Whether any element of a list column (a Series) is bad, and whether any list may repeat one: a lazy frame of
    one row (``elem``, ``twice``), to be worked out with the other columns' totals; None for a column that is not a
    list of checked elements, or has no list."""
    if s.target != "list" or s.elem is None or column.null_count() == column.len():
        return None
    lengths = column.list.len().fill_null(0)
    elements = column.list.explode(empty_as_null=False, keep_nulls=False)
    # the offsets of the lists that have elements, summed over those alone (most records' lists are empty)
    sizes = lengths.filter(lengths > 0)
    offsets = sizes.cum_sum() - sizes
    first = pl.repeat(False, elements.len(), dtype=pl.Boolean, eager=True).scatter(offsets, True)
    flat = pl.DataFrame({"e": elements, "first": first})
    e = pl.col("e")
    # a set is written sorted (as the models keep it): each element after the one before it in its list is not
    # repeated, which comparing neighbours shows; any other order is looked at row by row
    unsorted = ~pl.col("first") & ~(e > e.shift()).fill_null(False)
    return flat.lazy().select(failing(pl, [(e.is_null(), None), *_text_checks(pl, s.elem, e, "element")]).any()
                              .alias("elem"), (unsorted.any() if s.unique else pl.lit(False)).alias("twice"))


def list_rows(pl: Any, s: _Spec, column: Any) -> Any:
    """The rows of a list column (a Series) with a bad or repeated element, row by row."""
    pairs = _value_pairs(pl, s, pl.col("v"), elements=True)
    return column.to_frame("v").select(failing(pl, pairs) & pl.col("v").is_not_null()).to_series()


def _value_pairs(pl: Any, s: _Spec, v: Any, *, elements: bool) -> Pairs:
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
    elif s.target == "list" and s.elem is not None and elements:
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
    return conds
