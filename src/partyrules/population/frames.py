"""The columnar layout of a population: one polars table per kind of fact, for whole-population work.

A :class:`Population` holds the subjects of one kind (members, branches or communities) and their facts as tables:

- ``subjects``: one row per subject, in population order: ``subject_id`` and the subject model's fields;
- ``records``, ``incidents``, ``commendations``, ``grids``: one row per item, ``subject_id`` first, in each
  subject's bundle order (records by month, incidents and commendations by date and id, grids by id);
- ``annual``: at most one row per subject (its annual evaluation);
- the subject's own lists of records (``checklist``, ``claimed_posts``, ``volunteer_teams``): one row per item,
  ``subject_id`` first, in list order.

Column names follow the expression language: a nested model's fields are flattened with a dot
(``meetings_attended.theme_day``); a list of plain values is a list column; an enumeration is text; a mapping
(``vote_counts``) is kept as canonical JSON text, which no expression reads. The layout is derived from the
pydantic fact models, so a field added to a model appears here without further code.

The same facts as bundles and as a population are interchangeable (:func:`facts_to_population`,
:meth:`Population.facts`): the vectorised backend scores the tables, and any one subject's full breakdown is
produced on demand from its bundle.
"""

from __future__ import annotations

import difflib
import json
import operator
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..errors import EvaluationError, FactError, PartyRulesError, PopulationError
from ..facts import BranchFacts, CommunityFacts, MemberFacts
from ..facts.ownership import check_own_conduct
from ..lang.types import Type, type_of_annotation

if TYPE_CHECKING:
    import polars as pl

    from ..facts import SubjectFacts

BUNDLES: dict[str, type[MemberFacts] | type[BranchFacts] | type[CommunityFacts]] = {
    "member": MemberFacts,
    "branch": BranchFacts,
    "community": CommunityFacts,
}
SUBJECT_FIELD = {"member": "member", "branch": "branch", "community": "community"}
SUBJECT_TABLE = "subjects"


def require_polars() -> Any:
    """polars, or an error that says how to get it (it is an optional extra: services do not need it)."""
    try:
        import polars
    except ImportError:  # pragma: no cover - the test extra installs it
        raise PartyRulesError("whole-population work needs polars",
                              hint='pip install "partyrules[analysis]"') from None
    return polars


def tables_available() -> bool:
    """Whether whole-population work can run here: polars and numpy (the analysis extra) are installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("polars", "numpy"))


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, its expression type, and how to read it off a model instance."""

    name: str
    type: Type
    path: tuple[str, ...]  # attribute path in the model (a nested model's field is two steps)
    kind: str  # scalar, list, json


@dataclass(frozen=True)
class TableLayout:
    name: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    nested: dict[str, type[BaseModel]]  # model-valued fields, by name (rebuilt from their flattened columns)

    def dtypes(self) -> dict[str, Any]:
        pl = require_polars()
        out: dict[str, Any] = {"subject_id": pl.String}
        for c in self.columns:
            out[c.name] = _dtype(pl, c)
        return out


def _dtype(pl: Any, c: Column) -> Any:
    if c.kind == "json":
        return pl.String
    if c.kind == "list":
        assert c.type.elem is not None
        return pl.List(_scalar_dtype(pl, c.type.elem))
    return _scalar_dtype(pl, c.type)


def _scalar_dtype(pl: Any, t: Type) -> Any:
    return {"bool": pl.Boolean, "str": pl.String, "date": pl.Date, "num": None}.get(t.kind) or pl.Float64


def _is_int(annotation: Any) -> bool:
    """Counts and years are whole numbers: kept as Int64 so that sums of them are exact, as in Python."""
    ann = annotation
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, __import__("types").UnionType):
            ann = next(a for a in typing.get_args(ann) if a is not type(None))
        else:
            return isinstance(ann, type) and issubclass(ann, int) and not issubclass(ann, bool)


def _columns(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> tuple[list[Column], dict[str, Any]]:
    cols: list[Column] = []
    nested: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        t = type_of_annotation(info.annotation)
        path = (*prefix, name)
        if t.kind == "model" and t.model is not None:
            inner, _ = _columns(t.model, path)
            nested[name] = t.model
            cols.extend(inner)
        elif t.kind == "list" and t.elem is not None and t.elem.kind == "model":
            continue  # a list of records is a table of its own
        elif t.kind == "map":
            cols.append(Column(".".join(path), t, path, "json"))
        elif t.kind == "list":
            cols.append(Column(".".join(path), t, path, "list"))
        else:
            kind = "int" if t.kind == "num" and _is_int(info.annotation) else "scalar"
            cols.append(Column(".".join(path), t, path, kind))
    return cols, nested


@cache
def layout(subject_kind: str) -> dict[str, TableLayout]:
    """The tables of a population of ``member``, ``branch`` or ``community`` subjects, by name."""
    if subject_kind not in BUNDLES:
        raise PartyRulesError(f"unknown subject kind {subject_kind!r}", hint="one of: member, branch, community")
    bundle = BUNDLES[subject_kind]
    out: dict[str, TableLayout] = {}
    subject_model = type_of_annotation(bundle.model_fields[SUBJECT_FIELD[subject_kind]].annotation).model
    assert subject_model is not None
    cols, nested = _columns(subject_model)
    out[SUBJECT_TABLE] = TableLayout(SUBJECT_TABLE, subject_model, tuple(cols), nested)
    for name, info in subject_model.model_fields.items():
        t = type_of_annotation(info.annotation)
        if t.kind == "list" and t.elem is not None and t.elem.model is not None:
            c, n = _columns(t.elem.model)
            out[name] = TableLayout(name, t.elem.model, tuple(c), n)
    for name, info in bundle.model_fields.items():
        if name == SUBJECT_FIELD[subject_kind]:
            continue
        t = type_of_annotation(info.annotation)
        model = t.elem.model if t.kind == "list" and t.elem is not None else t.model
        assert model is not None
        c, n = _columns(model)
        out[name] = TableLayout(name, model, tuple(c), n)
    return out


def _polars_dtype(pl: Any, c: Column) -> Any:
    if c.kind == "int":
        return pl.Int64
    return _dtype(pl, c)


def table_schema(subject_kind: str, table: str) -> dict[str, Any]:
    """The polars schema of one table: ``subject_id`` then the columns (counts and years as Int64)."""
    pl = require_polars()
    lay = layout(subject_kind)[table]
    return {"subject_id": pl.String, **{c.name: _polars_dtype(pl, c) for c in lay.columns}}


def plain_value(v: Any) -> Any:
    """A model value as a table holds it: an enumeration as its text, a tuple as a list."""
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, tuple):
        return [plain_value(x) for x in v]
    return v


@dataclass(frozen=True)
class Population:
    """A population of one subject kind as column tables (see the module docstring for the layout)."""

    subject_kind: str
    tables: dict[str, pl.DataFrame]
    # The tables the input did not give at all (no file, no DataFrame): they are held empty, but "no incidents"
    # and "the incidents were never given" differ, and scoring a rule that reads one of them is refused unless
    # asked for (score_population's ``missing_tables``)
    absent: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        known = layout(self.subject_kind)
        missing = [t for t in known if t not in self.tables]
        if missing:
            raise PopulationError(f"the population has no table {', '.join(missing)}",
                                  hint="build populations with facts_to_population or the readers")
        problems: list[str] = []
        for name, table in self.tables.items():
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                problems.append(f"unknown table {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
                continue
            want = table_schema(self.subject_kind, name)
            got = table.schema
            for col, dtype in want.items():
                if col not in got:
                    problems.append(f"{name}: no column {col!r}")
                elif got[col] != dtype:
                    problems.append(f"{name}.{col}: {got[col]}, expected {dtype}")
            for col in got:
                if col not in want:
                    close = difflib.get_close_matches(col, list(want), n=1)
                    problems.append(f"{name}: unknown column {col!r}"
                                    + (f" (did you mean {close[0]!r}?)" if close else ""))
        if problems:
            # tables are trusted as they are (that is what makes them fast): anything else is checked row by row
            raise PopulationError(f"the tables do not have the population layout ({len(problems)} problem"
                                  f"{'s' if len(problems) != 1 else ''}): " + "; ".join(problems[:12])
                                  + ("; ..." if len(problems) > 12 else ""),
                                  hint="pass loose tables (pandas, other types) through "
                                       "partyrules.population.population_from_frames, which checks every row")

    @property
    def subjects(self) -> pl.DataFrame:
        return self.tables[SUBJECT_TABLE]

    def __len__(self) -> int:
        return self.subjects.height

    @property
    def subject_ids(self) -> list[str]:
        return self.subjects.get_column("subject_id").to_list()

    def select(self, subject_ids: Iterable[str]) -> Population:
        """The sub-population of these subjects (in population order)."""
        pl = require_polars()
        keep = pl.Series("subject_id", list(subject_ids), dtype=pl.String)
        return Population(self.subject_kind,
                          {k: t.filter(pl.col("subject_id").is_in(keep.implode())) for k, t in self.tables.items()},
                          self.absent)

    def facts(self, subject_id: str) -> SubjectFacts:
        """One subject's bundle, validated like any other input: the tables and the bundle hold the same facts."""
        one = self.select([subject_id])
        if one.subjects.height == 0:
            raise EvaluationError(f"no subject {subject_id!r} in this population",
                                  hint="look the id up in population.subject_ids")
        return next(iter(one.iter_facts()))

    def iter_facts(self) -> Iterator[SubjectFacts]:
        """Every subject's bundle, in population order. A subject whose rows do not make a valid bundle (tables
        built by hand are trusted, not checked) raises :class:`FactError`; :meth:`iter_checked` goes on past it."""
        for _, facts in self.iter_checked():
            if isinstance(facts, FactError):
                raise facts
            yield facts

    def iter_checked(self) -> Iterator[tuple[str, SubjectFacts | FactError]]:
        """Every subject's id and bundle, in population order; the typed error instead of the bundle for a subject
        whose rows do not make a valid bundle, so that one bad subject never stops the others."""
        from pydantic import ValidationError

        from .files import fact_error

        lay = layout(self.subject_kind)
        bundle = BUNDLES[self.subject_kind]
        grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for name, table in self.tables.items():
            if name == SUBJECT_TABLE:
                continue
            for row in table.iter_rows(named=True):
                grouped.setdefault(name, {}).setdefault(row["subject_id"], []).append(row)
        subject_lists = [n for n in lay if n != SUBJECT_TABLE and n not in bundle.model_fields]
        for row in self.subjects.iter_rows(named=True):
            sid = row["subject_id"]
            subject = _unflatten(row, lay[SUBJECT_TABLE])
            for name in subject_lists:
                subject[name] = [_unflatten(r, lay[name]) for r in grouped.get(name, {}).get(sid, ())]
            data: dict[str, Any] = {SUBJECT_FIELD[self.subject_kind]: subject}
            for name in bundle.model_fields:
                if name in (SUBJECT_FIELD[self.subject_kind],):
                    continue
                rows = [_unflatten(r, lay[name]) for r in grouped.get(name, {}).get(sid, ())]
                data[name] = (rows[0] if rows else None) if name == "annual" else rows
            try:
                yield sid, bundle.model_validate(data)
            except ValidationError as exc:
                yield sid, fact_error(exc, f"subject {sid!r}")


def _unflatten(row: dict[str, Any], lay: TableLayout) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in lay.columns:
        v = row.get(c.name)
        if c.kind == "json" and v is not None:
            v = json.loads(v)
        elif c.kind == "int" and isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, date):
            v = v.isoformat()  # the fact models read dates as ISO text, as they come in JSON
        node = out
        for step in c.path[:-1]:
            node = node.setdefault(step, {})
        node[c.path[-1]] = v
    return out


def facts_to_population(bundles: Iterable[SubjectFacts], subject_kind: str | None = None) -> Population:
    """Tables of the given bundles (all of one subject kind), in the given order."""
    pl = require_polars()
    bundles = list(bundles)
    if subject_kind is None:
        if not bundles:
            raise PartyRulesError("an empty population has no subject kind", hint="pass subject_kind=")
        subject_kind = str(type(bundles[0]).subject_kind)
    lay = layout(subject_kind)
    cls = BUNDLES[subject_kind]
    # column by column: one attribute read per value, not a dict per row (this is the year's hottest step)
    items: dict[str, tuple[list[str], list[BaseModel]]] = {name: ([], []) for name in lay}
    for i, b in enumerate(bundles):
        if not isinstance(b, cls):
            raise EvaluationError(f"item {i} is a {type(b).__name__}, not {cls.__name__}",
                                  hint="a population holds subjects of one kind")
        # each item row is written under the bundle's subject id: a foreign item (built around validation)
        # would silently become this subject's conduct
        check_own_conduct(b)
        sid = b.subject_id
        subject = getattr(b, SUBJECT_FIELD[subject_kind])
        items[SUBJECT_TABLE][0].append(sid)
        items[SUBJECT_TABLE][1].append(subject)
        for name in lay:
            if name == SUBJECT_TABLE:
                continue
            value = getattr(b, name) if name in cls.model_fields else getattr(subject, name)
            found = () if value is None else (value,) if isinstance(value, BaseModel) else value
            items[name][0].extend(sid for _ in found)
            items[name][1].extend(found)
    tables = {name: pl.DataFrame({"subject_id": items[name][0],
                                  **{c.name: _series(pl, values, c)
                                     for c, values in zip(tl.columns, _read_columns(items[name][1], tl.columns),
                                                          strict=True)}},
                                 schema=table_schema(subject_kind, name))
              for name, tl in lay.items()}
    return Population(subject_kind, tables)


def _read_columns(objs: Sequence[BaseModel], columns: Sequence[Column]) -> list[Sequence[Any]]:
    """Every column's values off the models: one C-level ``attrgetter`` call per model reads all its fields, and
    ``zip`` turns the rows into columns; a nested field under a missing model reads None."""
    if not columns:
        return []
    if not objs:
        return [() for _ in columns]
    getter = operator.attrgetter(*(".".join(c.path) for c in columns))
    try:
        rows = [getter(o) for o in objs]
    except AttributeError:  # a nested model is None somewhere: read that table field by field
        return [[_walk(o, c.path) for o in objs] for c in columns]
    if len(columns) == 1:
        return [rows]
    return list(zip(*rows, strict=True))


def _walk(obj: Any, path: Sequence[str]) -> Any:
    for step in path:
        obj = None if obj is None else getattr(obj, step)
    return obj


def _series(pl: Any, values: Sequence[Any], c: Column) -> Any:
    """One column as a series: a map as JSON text, enumerations as their text and tuples as lists."""
    dtype = _polars_dtype(pl, c)
    if c.kind == "json":
        values = [None if v is None else json.dumps({plain_value(k): x for k, x in v.items()}, sort_keys=False)
                  for v in values]
    elif c.kind == "list" and dtype.inner in (pl.String, pl.Float64, pl.Int64, pl.Boolean):
        # one JSON text per list, decoded in one vectorised call: polars would build a series per list otherwise
        text = [None if v is None else json.dumps(plain_value(v)) for v in values]
        return pl.Series(c.name, text, dtype=pl.String).str.json_decode(dtype)
    else:
        first = next((v for v in values if v is not None), None)
        if isinstance(first, (Enum, tuple)):  # a column holds one declared type: its first value tells
            values = [plain_value(v) for v in values]
    return pl.Series(c.name, values, dtype=dtype)
