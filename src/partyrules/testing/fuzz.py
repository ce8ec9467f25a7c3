"""Hypothesis strategies that break inputs on purpose: mutated rule-set files and mutated fact files.

The other strategies of :mod:`partyrules.testing` draw *valid* facts to test what a rule set means. These draw the
inputs a hostile or careless sender could give instead, starting from a valid one and changing one thing in it,
so that whatever goes wrong can be traced to that change (``Mutant.description`` says what was changed, where):

- :func:`ruleset_mutants` changes a rule-set text: a number made huge, negative, NaN, infinite or 400 digits long,
  an expression replaced by a random one (well-typed or not), deep nesting, long strings, odd unicode (lone
  surrogates, NUL, right-to-left marks), duplicate keys, anchors and aliases, tags, wrong types, bad include names,
  broken bytes;
- :func:`table_mutants` changes one cell, row, column or file of a population's tables written as CSV, Parquet or
  JSON lines: counts of 2**63 and -1, NaN, infinity, 16 MiB and 65,545-character strings, a missing or repeated
  subject id, ragged CSV rows, bytes that are not UTF-8, truncated Parquet.

What a library must do with such input (a typed error, no crash, no hang, the same result on every backend) is
checked by the fuzzing campaign in the repository's ``tests/fuzz`` (see docs/fuzzing.md); these strategies only
draw the inputs. They need hypothesis, PyYAML and, for the tables, polars.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from hypothesis import strategies as st

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "BIG_STRING_CHARS",
    "BUNDLE_FAMILIES",
    "EXPRESSION_KEYS",
    "RULESET_FAMILIES",
    "TABLE_FAMILIES",
    "Mutant",
    "TablesMutant",
    "bundle_mutants",
    "expressions",
    "odd_numbers",
    "odd_strings",
    "ruleset_mutants",
    "table_mutants",
]

BIG_STRING_CHARS = 16 * 2**20 + 3  # just above 16 MiB: where the engine was seen to lose facts
WIDE_STRING_CHARS = 65_545  # 2**16 + 9: a length kept in 16 bits reads as 9
EXPRESSION_KEYS = frozenset({"flag", "when", "per", "applies_to", "numerator", "denominator", "value", "target",
                             "count", "at_least"})
# Text keys of a rule set: what people write in prose, where odd unicode is most likely to arrive.
TEXT_KEYS = frozenset({"zh", "en", "source", "note", "id", "version", "dimension"})


@dataclass(frozen=True)
class Mutant:
    """One mutated rule-set file: its bytes, the text when it is one, and what was changed."""

    family: str
    description: str
    data: bytes
    text: str | None = None  # the text as a Python string (it may hold lone surrogates that no file can)
    extra_files: Mapping[str, bytes] = field(default_factory=dict)  # files written beside it (includes)

    def __repr__(self) -> str:  # the bytes can be megabytes: show what was changed instead
        return f"Mutant({self.family!r}, {self.description!r}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class TablesMutant:
    """A mutated population: the files to write (name -> bytes), the format, and what was changed.

    ``subject_id`` is the subject whose rows were changed when only one was; every other subject must score as
    before. ``None`` when the change may touch every subject (a column removed, a file truncated).
    """

    family: str
    description: str
    fmt: str
    files: Mapping[str, bytes]
    subject_id: str | None

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}: {len(d)} bytes" for n, d in self.files.items())
        return f"TablesMutant({self.family!r}, {self.description!r}, {{{sizes}}})"


# -- values --------------------------------------------------------------------------------------------------------
def odd_numbers() -> st.SearchStrategy[Any]:
    """Numbers a rule set or a table should refuse or survive: huge, negative, not finite, too long to print."""
    return st.one_of(
        st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 2**64, -1, 0, -0.0, 10**400, 1e308, -1e308, 5e-324,
                         math.nan, math.inf, -math.inf, 0.1, 1.5, 10**4400, True, False]),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
    )


_ODD_CHARS = ["\ud800", "\udfff", "\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "\u0301", "\U0001f600", "\x1b",
              "\r", "\u2028", "\uffff", "'", '"', "\\", "{", "#", ": ", "- ", "*a", "&a", "!!"]


def odd_strings(*, big: bool = False) -> st.SearchStrategy[str]:
    """Short texts made of odd characters, long texts, and (``big=True``) the 65,545- and 16 MiB-character ones."""
    options: list[st.SearchStrategy[str]] = [
        st.lists(st.sampled_from(_ODD_CHARS), min_size=1, max_size=6).map("".join),
        st.text(max_size=30),
        st.sampled_from(["", " ", "x" * 20_001, "党" * 5000]),
    ]
    if big:
        options.append(st.sampled_from(["y" * WIDE_STRING_CHARS, "z" * BIG_STRING_CHARS]))
    return st.one_of(*options)


_NUMBER_FIELDS = ("sum(records.volunteer_hours)", "sum(records.households_contacted)", "len(cards)",
                  "count(records where dues_paid_on_time)", "annual.evaluation_score", "period.months",
                  "mean(records.volunteer_hours)", "count(incidents)", "max(records.households_contacted)")
_BOOL_FIELDS = ("placard_displayed", "health_limited", "is_organ_staff", 'category == "in_service"',
                "exists(incidents where verified)", "annual.employer_appraisal == none")
_ILL_TYPED = ("placard_displayed + 1", "len(placard_displayed)", 'sum(records.month) > "a"', "count(records) and 1",
              "records.volunteer_hours > 3", "unknown_field > 1", "mean(cards)", "round(x, 1.5)", "1 / 0",
              "round(len(cards), 1.5) > 0", "round(len(cards), -100000000) > 0", "len(cards) > 1e309",
              "len(cards) > 0x" + "f" * 5000, "len(cards) > " + "9" * 4400, "1e309", "-1e309 < len(cards)",
              "not", "((((", "a ? b : c", "__import__('os')", "len(cards) == 'x' * 10**9",
              "(" * 3000 + "1" + ")" * 3000, "not " * 5000 + "true", "-" * 5000 + "1", "len(cards)" + " + 1" * 20000,
              "period.months ** 100000", "clamp(len(cards), 1, 0) > 0", "longest_run(records where 1)",
              "len(cards) > \x00", "len(cards) >\u202e 1", "\ud800", "'\ud800' in cards")


def expressions() -> st.SearchStrategy[str]:
    """Random expressions: well-typed ones built over fields the member schema has, and ill-typed or hostile ones
    (huge literals, deep nesting, unknown names, bad arguments)."""
    num = st.recursive(
        st.one_of(st.sampled_from(_NUMBER_FIELDS), st.integers(-5, 10**6).map(str),
                  st.sampled_from(["0", "0.5", "1e308", "1e-308", "9" * 400, "-1"])),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "//"]), inner).map(" ".join),
            st.tuples(st.sampled_from(["abs", "round", "min", "max"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.integers(-400, 400)).map(lambda t: f"round({t[0]}, {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"clamp({t[0]}, {t[1]}, {t[2]})"),
        ),
        max_leaves=6,
    )
    cond = st.one_of(
        st.sampled_from(_BOOL_FIELDS),
        st.tuples(num, st.sampled_from([">", ">=", "<", "<=", "==", "!="]), num).map(" ".join),
    )
    cond = st.one_of(cond, st.tuples(cond, st.sampled_from(["and", "or"]), cond).map(" ".join),
                     cond.map(lambda c: f"not ({c})"))
    return st.one_of(num, cond, st.sampled_from(_ILL_TYPED), st.text(max_size=40))


# -- rule sets -----------------------------------------------------------------------------------------------------
RULESET_FAMILIES = ("number", "expression", "string", "nesting", "type", "duplicate_key", "anchor", "tag",
                    "include", "bytes", "structure")
_PLACEHOLDER = "qqfuzzqq"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(prefix, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _replace(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in tree.items()}
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(tree)]


def _where(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path) or "<root>"


def _dump(tree: Any) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=10**9)


def _mutant(family: str, description: str, text: str, extra: Mapping[str, bytes] | None = None) -> Mutant:
    return Mutant(family, description, text.encode("utf-8", "surrogatepass"), text, extra or {})


def _with_raw(tree: Any, path: tuple[Any, ...], raw: str, quoted: bool) -> str:
    """Dump the tree with ``raw`` at ``path`` exactly as given: PyYAML would escape what it cannot print."""
    text = _dump(_replace(tree, path, _PLACEHOLDER))
    return text.replace(_PLACEHOLDER, json.dumps(raw) if quoted else raw, 1)


@st.composite
def ruleset_mutants(draw: st.DrawFn, text: str, families: Sequence[str] = RULESET_FAMILIES) -> Mutant:
    """One change to the rule-set ``text`` (a valid YAML rule set), of one of ``families``."""
    tree = yaml.safe_load(text)
    nodes = _paths(tree)
    family = draw(st.sampled_from(list(families)))
    if family == "number":
        cands = [p for p, v in nodes if isinstance(v, int | float) and not isinstance(v, bool)]
        path = draw(st.sampled_from(cands))
        value = draw(odd_numbers())
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**4000:
            raw = str(value) if draw(st.booleans()) else "0x" + "f" * 5000  # beyond int() of a str
            return _mutant(family, f"{_where(path)} = {raw[:12]}... ({len(raw)} characters)",
                           _with_raw(tree, path, raw, False))
        return _mutant(family, f"{_where(path)} = {value!r}"[:200], _dump(_replace(tree, path, value)))
    if family == "expression":
        cands = [p for p, v in nodes if p and p[-1] in EXPRESSION_KEYS and isinstance(v, str)]
        path = draw(st.sampled_from(cands))
        expr = draw(expressions())
        quoted = draw(st.booleans())
        return _mutant(family, f"{_where(path)} = {expr[:120]!r}", _with_raw(tree, path, expr, quoted)
                       if quoted or _plain_safe(expr) else _dump(_replace(tree, path, expr)))
    if family == "string":
        cands = [p for p, v in nodes if p and p[-1] in TEXT_KEYS and isinstance(v, str)]
        path = draw(st.sampled_from(cands))
        value = draw(odd_strings())
        return _mutant(family, f"{_where(path)} = {value[:40]!r} ({len(value)} characters)",
                       _with_raw(tree, path, value, draw(st.booleans())))
    if family == "nesting":
        path = draw(st.sampled_from([p for p, _ in nodes if p]))
        depth = draw(st.sampled_from([33, 100, 1000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        return _mutant(family, f"{_where(path)} nested {depth} deep in {opener.strip()}",
                       _with_raw(tree, path, opener * depth + "1" + closer * depth, False))
    if family == "type":
        path = draw(st.sampled_from([p for p, _ in nodes if p]))
        value = draw(st.sampled_from([None, True, 0, "x", [], {}, [1, 2], {"a": 1}, "2026-01-01", 1.5]))
        return _mutant(family, f"{_where(path)} = {value!r}", _dump(_replace(tree, path, value)))
    if family == "structure":
        return _structure(draw, tree, nodes)
    return _textual(draw, family, text, tree)


def _plain_safe(expr: str) -> bool:
    """True when PyYAML can write the text itself (no character it would escape or refuse)."""
    try:
        expr.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in expr


def _structure(draw: st.DrawFn, tree: Any, nodes: list[tuple[tuple[Any, ...], Any]]) -> Mutant:
    """A key removed, an unknown key added, or an item of a list repeated (two rules with one id)."""
    how = draw(st.sampled_from(["delete", "unknown_key", "repeat_item"]))
    if how == "repeat_item":
        cands = [p for p, v in nodes if isinstance(v, list) and v]
        path = draw(st.sampled_from(cands))
        items = _get(tree, path)
        return _mutant("structure", f"{_where(path)}: first item repeated",
                       _dump(_replace(tree, path, [*items, items[0]])))
    cands = [p for p, v in nodes if isinstance(v, dict)]
    path = draw(st.sampled_from(cands))
    mapping = _get(tree, path)
    if how == "delete" and mapping:
        key = draw(st.sampled_from(list(mapping)))
        new = {k: v for k, v in mapping.items() if k != key}
        return _mutant("structure", f"{_where(path)}: key {key!r} removed", _dump(_replace(tree, path, new)))
    key = draw(st.sampled_from(["flg", "points2", "Id", "__class__", "when ", "\u202eid"]))
    return _mutant("structure", f"{_where(path)}: unknown key {key!r} added",
                   _dump(_replace(tree, path, {**mapping, key: 1})))


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        tree = tree[p]
    return tree


_KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][\w.]*):(?: .*)?$", re.M)


def _textual(draw: st.DrawFn, family: str, text: str, tree: Any) -> Mutant:
    if family == "duplicate_key":
        lines = list(_KEY_LINE.finditer(text))
        m = draw(st.sampled_from(lines))
        dup = f"{m.group(1)}{m.group(2)}: {draw(st.sampled_from(['1', 'x', '[]', 'true']))}\n"
        pos = m.end() + 1
        return _mutant(family, f"line {text.count(chr(10), 0, pos) + 1}: key {m.group(2)!r} repeated",
                       text[:pos] + dup + text[pos:])
    if family == "anchor":
        how = draw(st.sampled_from(["alias", "laughs", "merge"]))
        if how == "laughs":
            lol = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
                f"l{i}: &l{i} [{','.join(['*l' + str(i - 1)] * 9)}]\n" for i in range(1, 10))
            return _mutant(family, "a billion laughs before the rule set", lol + text)
        if how == "merge":
            return _mutant(family, "a merge key <<: *base", "base: &base {x: 1}\nother:\n  <<: *base\n" + text)
        return _mutant(family, "title as an anchor, description as its alias",
                       re.sub(r"^title:", "title: &t", text, count=1, flags=re.M) + "\nnote_alias: *t\n")
    if family == "tag":
        tag = draw(st.sampled_from(["!!python/object/apply:os.system ['true']", "!!binary aGk=", "!custom x",
                                    "!!float 1", "!!timestamp 2026-01-01", "!!set {a}"]))
        return _mutant(family, f"version: {tag}", re.sub(r"^version: .*$", lambda _: f"version: {tag}", text,
                                                          count=1, flags=re.M))
    if family == "include":
        name = draw(st.sampled_from(["a\x00b.yaml", "self.yaml", "../outside.yaml", "/etc/passwd", "x" * 5000 + ".yaml",
                                     "sub/../../x.yaml", "loop-a.yaml", "missing.yaml", "\ud800.yaml", "",
                                     ".", "dir.yaml", "not-yaml.txt", "~/x.yaml", "C:\\x.yaml"]))
        extra = {"loop-a.yaml": b"include: [loop-b.yaml]\n", "loop-b.yaml": b"include: [loop-a.yaml]\n",
                 "self.yaml": b"include: [self.yaml]\n", "not-yaml.txt": b"id: x\n"}
        raw = json.dumps(name)  # a double-quoted YAML scalar: \u0000 and \ud800 escapes reach the loader
        body = text if "include:" in text else "include: []\n" + text
        body = re.sub(r"^include:.*$", lambda _: f"include: [{raw}]", body, count=1, flags=re.M)
        body = re.sub(r"^include: \[(.*)\]\n(  - .*\n)+", r"include: [\1]\n", body, count=1, flags=re.M)
        return _mutant(family, f"include: [{name[:40]!r}]", body, extra)
    # bytes: broken encodings, truncation, NULs, BOMs
    data = text.encode("utf-8")
    how = draw(st.sampled_from(["truncate", "flip", "invalid_utf8", "nul", "bom", "utf16", "crlf", "tabs"]))
    if how == "truncate":
        cut = draw(st.integers(0, len(data)))
        return Mutant(family, f"truncated at byte {cut}", data[:cut])
    if how == "flip":
        at = draw(st.integers(0, len(data) - 1))
        byte = draw(st.integers(0, 255))
        return Mutant(family, f"byte {at} set to {byte:#04x}", data[:at] + bytes([byte]) + data[at + 1:])
    if how == "invalid_utf8":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]))
        return Mutant(family, f"bytes {junk!r} inserted at {at}", data[:at] + junk + data[at:])
    if how == "nul":
        at = draw(st.integers(0, len(data)))
        return Mutant(family, f"NUL inserted at byte {at}", data[:at] + b"\x00" + data[at:])
    if how == "bom":
        return Mutant(family, "a UTF-8 byte order mark in front", b"\xef\xbb\xbf" + data, "\ufeff" + text)
    if how == "utf16":
        return Mutant(family, "written as UTF-16", text.encode("utf-16"))
    if how == "crlf":
        return _mutant(family, "CRLF line ends", text.replace("\n", "\r\n"))
    return _mutant(family, "indentation by tabs", text.replace("  ", "\t"))


# -- tables --------------------------------------------------------------------------------------------------------
TABLE_FAMILIES = ("cell", "big_string", "subject_id", "duplicate_id", "column", "ragged", "encoding", "truncate",
                  "nesting")


def _cell_values(dtype: pl.DataType) -> st.SearchStrategy[Any]:
    import polars as pl

    if dtype.is_integer():
        return st.sampled_from([2**63, 2**63 - 1, 2**64, -1, -(2**63), math.nan, math.inf, -math.inf, 1.5,
                                "abc", "", None, "1e3", True])
    if dtype.is_float():
        return st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 1e308, -0.0, 5e-324, 2**63, "x", None])
    if dtype == pl.Boolean:
        return st.sampled_from(["yes", "TRUE", 1, 2, None, "", "nan"])
    if dtype == pl.Date:
        return st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "x", "", None, -1, 2**63])
    return st.one_of(odd_strings(), st.sampled_from([None, "", 2**63, math.nan, "M001", "m 1"]))


def _written(tables: Mapping[str, pl.DataFrame], fmt: str) -> dict[str, bytes]:
    """The files of ``tables`` in ``fmt``: any column type polars can hold (the mutated columns may be odd)."""
    out: dict[str, bytes] = {}
    for name, df in tables.items():
        buf = io.BytesIO()
        if fmt == "parquet":
            df.write_parquet(buf)
        else:
            df.write_csv(buf)
        out[f"{name}.{fmt}"] = buf.getvalue()
    return out


def _csv_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, as a CSV file holds it: lists as JSON arrays, the rest as polars writes them."""
    import polars as pl

    cols = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            cols.append(col.map_elements(lambda xs: json.dumps(list(xs), ensure_ascii=False),
                                         return_dtype=pl.String).alias(name))
        else:
            cols.append(col.cast(pl.String).alias(name))
    return df.select(cols) if cols else df


def _set_cell(df: pl.DataFrame, row: int, column: str, value: Any, fmt: str) -> pl.DataFrame:
    import polars as pl

    values = df[column].to_list()
    values[row] = value
    if fmt == "csv":
        text = [None if v is None else (v if isinstance(v, str) else _csv_text(v)) for v in values]
        return df.with_columns(pl.Series(column, text, dtype=pl.String))
    try:
        series = pl.Series(column, values, strict=False)
        if series.null_count() > sum(v is None for v in values):
            raise TypeError("values lost")  # a value polars could not hold: write the column as text instead
    except (TypeError, OverflowError, UnicodeEncodeError, pl.exceptions.PolarsError):
        try:
            series = pl.Series(column, [None if v is None else str(v) for v in values], dtype=pl.String)
        except UnicodeEncodeError:  # a lone surrogate has no UTF-8: the column goes in as bytes
            series = pl.Series(column, [None if v is None else str(v).encode("utf-8", "surrogatepass")
                                        for v in values], dtype=pl.Binary)
    return df.with_columns(series)


def _csv_cell(value: str) -> bytes:
    """A CSV cell holding ``value`` exactly, quoted when it must be, lone surrogates as their raw bytes."""
    if any(c in value for c in ',"\n\r'):
        value = '"' + value.replace('"', '""') + '"'
    return value.encode("utf-8", "surrogatepass")


def _csv_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return {"nan": "NaN", "inf": "inf", "-inf": "-inf"}[repr(v)]
    return str(v)


@st.composite
def table_mutants(draw: st.DrawFn, tables: Mapping[str, pl.DataFrame], fmt: str,
                  families: Sequence[str] = TABLE_FAMILIES, *, big: bool = True) -> TablesMutant:
    """One change to a population's ``tables`` written as ``fmt`` (``"csv"`` or ``"parquet"``).

    ``big=False`` leaves out the 16 MiB strings (they cost a second or two of every backend's time).
    """
    family = draw(st.sampled_from([f for f in families if f != "nesting"]))
    if fmt != "csv" and family in ("ragged", "encoding"):
        family = "truncate"
    if family == "truncate" and fmt == "csv":
        family = "ragged"
    frames = {n: (_csv_frame(df) if fmt == "csv" else df) for n, df in tables.items() if df.height}
    names = sorted(frames)
    table = draw(st.sampled_from(names))
    df = frames[table]
    row = draw(st.integers(0, df.height - 1))
    sid = df["subject_id"][row]
    if family in ("cell", "big_string"):
        return _cell_mutant(draw, family, tables, frames, table, row, fmt, big)
    if family == "subject_id":
        value = draw(st.sampled_from([None, "", " ", "null", "None", "\x00", "M 1", "\ud800"]))
        files = _with_cell(frames, table, row, "subject_id", value, fmt)
        return TablesMutant(family, f"{table}.{fmt} row {row + 1} ({sid}) subject_id = {value!r}", fmt, files,
                            sid)
    if family == "duplicate_id":
        return _duplicate_mutant(draw, frames, fmt)
    if family == "column":
        return _column_mutant(draw, frames, table, fmt)
    files = _written(frames, fmt)
    name = f"{table}.{fmt}"
    data = files[name]
    if family == "truncate":
        cut = draw(st.sampled_from([0, 4, 8, len(data) // 2, len(data) - 8, len(data) - 1]))
        flip = draw(st.booleans())
        new = data[:cut] if not flip else data[:cut] + bytes([data[cut] ^ 0xFF]) + data[cut + 1:]
        what = f"byte {cut} flipped" if flip else f"truncated at byte {cut} of {len(data)}"
        return TablesMutant(family, f"{name}: {what}", fmt, {**files, name: new}, None)
    lines = data.decode("utf-8").split("\n")
    line_no = row + 1  # the header is line 0 here, so this is the drawn row (quoted multi-line cells aside)
    if family == "ragged":
        return _ragged_mutant(draw, files, name, lines, line_no, sid, fmt)
    junk = draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]))
    encoded = [ln.encode("utf-8") for ln in lines]
    encoded[line_no] = encoded[line_no] + junk if draw(st.booleans()) else junk + encoded[line_no]
    return TablesMutant(family, f"{name} line {line_no + 1} ({sid}): bytes {junk!r} added", fmt,
                        {**files, name: b"\n".join(encoded)}, sid)


def _with_cell(frames: dict[str, pl.DataFrame], table: str, row: int, column: str, value: Any,
               fmt: str) -> dict[str, bytes]:
    """The files with one cell of ``table`` set to ``value`` (``frames`` is changed)."""
    raw = fmt == "csv" and isinstance(value, str)
    frames[table] = _set_cell(frames[table], row, column, _PLACEHOLDER if raw else value, fmt)
    files = _written(frames, fmt)
    if raw:  # polars cannot hold a lone surrogate: the cell's bytes are put in the file afterwards
        files[f"{table}.csv"] = files[f"{table}.csv"].replace(_PLACEHOLDER.encode(), _csv_cell(value), 1)
    return files


def _cell_mutant(draw: st.DrawFn, family: str, tables: Mapping[str, pl.DataFrame], frames: dict[str, pl.DataFrame],
                 table: str, row: int, fmt: str, big: bool) -> TablesMutant:
    df = frames[table]
    sid = df["subject_id"][row]
    column = draw(st.sampled_from([c for c in df.columns if c != "subject_id"]))
    dtype = tables[table].schema[column]
    if family == "big_string":
        value: Any = draw(st.sampled_from(["z" * BIG_STRING_CHARS, "y" * WIDE_STRING_CHARS] if big
                                          else ["y" * WIDE_STRING_CHARS]))
    else:
        value = draw(_cell_values(dtype))
    shown = f"{value[:20]!r}... ({len(value)} characters)" if isinstance(value, str) and len(value) > 40 \
        else repr(value)
    files = _with_cell(frames, table, row, column, value, fmt)
    return TablesMutant(family, f"{table}.{fmt} row {row + 1} ({sid}) {column} = {shown}", fmt, files, sid)


def _duplicate_mutant(draw: st.DrawFn, frames: dict[str, pl.DataFrame], fmt: str) -> TablesMutant:
    import polars as pl

    subjects = frames["subjects"]
    i = draw(st.integers(0, subjects.height - 1))
    j = draw(st.integers(0, subjects.height - 1))
    first = subjects["subject_id"][i]
    other = subjects["subject_id"][j]
    how = draw(st.sampled_from(["repeat_row", "rename"]))
    if how == "repeat_row":
        frames["subjects"] = pl.concat([subjects, subjects[i]])
        desc = f"subjects.{fmt}: the row of {first} repeated"
    else:
        frames["subjects"] = _set_cell(subjects, j, "subject_id", first, fmt)
        desc = f"subjects.{fmt}: {other} renamed {first} (two subjects, one id)"
    return TablesMutant("duplicate_id", desc, fmt, _written(frames, fmt), None)


def _column_mutant(draw: st.DrawFn, frames: dict[str, pl.DataFrame], table: str, fmt: str) -> TablesMutant:
    import polars as pl

    df = frames[table]
    how = draw(st.sampled_from(["drop", "unknown", "rename"]))
    column = draw(st.sampled_from(df.columns))
    if how == "drop":
        frames[table] = df.drop(column)
    elif how == "unknown":
        frames[table] = df.with_columns(pl.lit("1").alias(column + "_x"))
    else:
        frames[table] = df.rename({column: column.upper() + " "})
    return TablesMutant("column", f"{table}.{fmt}: column {column!r} {how}", fmt, _written(frames, fmt), None)


def _ragged_mutant(draw: st.DrawFn, files: dict[str, bytes], name: str, lines: list[str], line_no: int, sid: Any,
                   fmt: str) -> TablesMutant:
    parsed = next(csv.reader([lines[line_no]])) if lines[line_no] else []
    how = draw(st.sampled_from(["extra", "missing", "unclosed_quote", "empty_line"]))
    if how == "extra":
        parsed += ["1", "2"]
    elif how == "missing":
        parsed = parsed[:-2]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(parsed)
    text = out.getvalue()
    if how == "unclosed_quote":
        text = '"' + text
    elif how == "empty_line":
        text = ""
    lines[line_no] = text
    return TablesMutant("ragged", f"{name} line {line_no + 1} ({sid}): {how} field(s)", fmt,
                        {**files, name: "\n".join(lines).encode("utf-8")}, sid)


# -- JSON lines of bundles -----------------------------------------------------------------------------------------
BUNDLE_FAMILIES = ("value", "big_string", "nesting", "encoding", "duplicate_id", "subject_id", "truncate")


def _json_leaves(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _json_leaves(v, (*prefix, k))]
    if isinstance(node, list) and node:
        return [p for i, v in enumerate(node) for p in _json_leaves(v, (*prefix, i))]
    return [prefix]


def _subject_key(bundle: dict[str, Any]) -> tuple[str, ...]:
    subject = next(k for k in ("member", "branch", "community") if k in bundle)
    return subject, f"{subject}_id"


@st.composite
def bundle_mutants(draw: st.DrawFn, lines: Sequence[str], families: Sequence[str] = BUNDLE_FAMILIES, *,
                   big: bool = True) -> TablesMutant:
    """One change to a JSON-lines file of subject bundles (``lines``, one ``model_dump_json()`` each)."""
    family = draw(st.sampled_from(list(families)))
    i = draw(st.integers(0, len(lines) - 1))
    bundle = json.loads(lines[i])
    key = _subject_key(bundle)
    sid = bundle[key[0]][key[1]]
    out = [ln.encode("utf-8") for ln in lines]

    def done(desc: str, new: bytes | None = None, who: str | None = sid) -> TablesMutant:
        if new is not None:
            out[i] = new
        return TablesMutant(family, f"line {i + 1} ({sid}): {desc}", "jsonl", {"facts.jsonl": b"\n".join(out)},
                            who)

    def dumped(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")

    if family in ("value", "big_string"):
        path = draw(st.sampled_from(_json_leaves(bundle)))
        if family == "big_string":
            value: Any = draw(st.sampled_from(["z" * BIG_STRING_CHARS, "y" * WIDE_STRING_CHARS] if big
                                              else ["y" * WIDE_STRING_CHARS]))
        else:
            value = draw(st.one_of(odd_numbers(), odd_strings(), st.sampled_from([None, [], {}, True, [1]])))
        if isinstance(value, int) and abs(value) > 10**4000:
            value = 10**400  # json.dumps refuses more digits than int's string limit
        shown = f"{str(value)[:20]!r}... ({len(str(value))} characters)" if len(str(value)) > 40 else repr(value)
        return done(f"{_where(path)} = {shown}", dumped(_replace(bundle, path, value)))
    if family == "nesting":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        path = draw(st.sampled_from(_json_leaves(bundle)))
        text = json.dumps(_replace(bundle, path, _PLACEHOLDER))
        return done(f"{_where(path)} nested {depth} deep",
                    text.replace(f'"{_PLACEHOLDER}"', "[" * depth + "]" * depth).encode())
    if family == "encoding":
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"]))
        where = draw(st.sampled_from(["string", "start", "end"]))
        raw = out[i]
        if where == "string":
            head = re.search(rb'"' + key[1].encode() + rb'": ?"', raw)
            raw = raw[:head.end()] + junk + raw[head.end():] if head else junk + raw
        else:
            raw = junk + raw if where == "start" else raw + junk
        return done(f"bytes {junk!r} at the {where}", raw)
    if family == "duplicate_id":
        out.append(out[i])
        return done("repeated as the last line", None, None)
    if family == "subject_id":
        value = draw(st.sampled_from([None, "", "null", "\x00", 1, "M 1"]))
        subject = dict(bundle[key[0]])
        if draw(st.booleans()):
            subject.pop(key[1])
            desc = f"{key[0]}.{key[1]} removed"
        else:
            subject[key[1]] = value
            desc = f"{key[0]}.{key[1]} = {value!r}"
        return done(desc, dumped({**bundle, key[0]: subject}))
    cut = draw(st.integers(0, max(0, len(out[i]) - 1)))
    return done(f"truncated at byte {cut}", out[i][:cut])
