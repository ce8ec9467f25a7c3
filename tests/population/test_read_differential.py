"""The reader's output pinned against the checks as they were before they were made fast
(legacy_population_checks.py, a frozen copy): on generated populations with planted bad rows of every kind, in
Parquet (native and text columns), CSV and DataFrames in memory, the same problems in the same order with the same
texts, the same subjects left out and the same tables, value for value."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import legacy_population_checks as legacy
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.population.frames import Population, facts_to_population
from partyrules.population.io import PopulationRead, population_from_frames, read_population
from partyrules.population.io.csvfile import _read_csv
from partyrules.population.io.tables import _read_parquet, _table_files
from partyrules.population.io.writing import _json_array
from partyrules.synthetic import generate_branch_facts, generate_member_facts

# (table, column, planted text); None plants a null. Every kind of check the reader makes has a row here.
PLANTS: dict[str, list[tuple[str, str, str | None]]] = {
    "member": [
        ("records", "volunteer_hours", "-3.0"), ("records", "volunteer_hours", "745"),
        ("records", "volunteer_hours", "NaN"), ("records", "volunteer_hours", "inf"),
        ("records", "volunteer_hours", "lots"), ("records", "notes_submitted", "1.5"),
        ("records", "notes_submitted", "-1"), ("records", "notes_submitted", "99999999999999999999"),
        ("records", "month", "2026-13"), ("records", "month", None), ("records", "dues_paid_on_time", "yes"),
        ("records", "checklist_items_done", "[1,2]"), ("records", "checklist_items_done", '["Bad Item"]'),
        ("records", "member_id", "M999999"), ("records", "spot_checked", None),
        ("records", "spot_checked", "false"), ("records", "spot_check_passed", "true"),
        ("records", "subject_id", "ghost"), ("records", "subject_id", None), ("records", "subject_id", " x"),
        ("subjects", "category", "martian"), ("subjects", "birth_year", "1800"),
        ("subjects", "joined_on", "2026/01/01"), ("subjects", "cards", '["basic_info","basic_info"]'),
        ("subjects", "roles", '["Building Head"]'), ("subjects", "branch_id", " B1"),
        ("subjects", "member_id", "X1"), ("subjects", "subject_id", ""), ("subjects", "subject_id", None),
        ("annual", "evaluation_score", "101"), ("annual", "satisfaction_rate", "1.5"),
        ("annual", "vote_counts", '{"excellent": -1}'), ("annual", "secretary_review", "good"),
        ("annual", "subject_kind", "branch"),
        ("incidents", "kind", "nonsense"), ("incidents", "kind", "absense"), ("incidents", "verified_by", None),
        ("incidents", "subject_kind", "community"), ("commendations", "level", "galactic"),
        ("checklist", "accepted", "nope"),
    ],
    "branch": [
        ("subjects", "member_count", "-1"), ("subjects", "formal_member_count", "100000"),
        ("subjects", "committee_size", "3"), ("subjects", "has_committee", "false"),
        ("records", "month", "2026-00"), ("records", "branch_id", "B404"), ("records", "subject_id", "nobody"),
        ("annual", "employer_appraisal", "good"), ("incidents", "kind", "nonsense"),
    ],
}


@cache
def _base(kind: str) -> Population:
    bundles: list[Any] = (generate_member_facts(6, seed=3) if kind == "member"
                          else generate_branch_facts(5, seed=3))
    return facts_to_population(bundles)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _plant(frame: pl.DataFrame, row: int, column: str, text: str | None, native: bool) -> pl.DataFrame:
    """``frame`` with one cell replaced: by a value of the column's own type when the text is one (``native``),
    else with the column turned into text (as a CSV file or a hand-made Parquet file holds it)."""
    if column not in frame.columns or not frame.height:
        return frame
    dtype = frame.schema[column]
    hit = pl.int_range(pl.len()) == row % frame.height
    if isinstance(dtype, pl.List):
        if native and text is not None:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
                return frame.with_columns(pl.when(hit).then(pl.lit(pl.Series([parsed], dtype=dtype)).first())
                                          .otherwise(pl.col(column)).alias(column))
        as_text = pl.Series(column, [_json_text(v) for v in frame.get_column(column).to_list()], dtype=pl.String)
        frame = frame.with_columns(as_text)
    elif native:
        texts = pl.Series([text], dtype=pl.String)
        if dtype == pl.Date:
            value = texts.str.to_date("%Y-%m-%d", strict=False)
        elif dtype == pl.Boolean:
            value = texts.str.to_lowercase().replace_strict({"true": True, "false": False}, default=None,
                                                            return_dtype=pl.Boolean)
        else:
            value = texts.cast(dtype, strict=False)
        if text is None or value.null_count() == 0:
            return frame.with_columns(pl.when(hit).then(pl.lit(value[0], dtype)).otherwise(pl.col(column))
                                      .alias(column))
    if frame.schema[column] != pl.String:
        shown = (frame.get_column(column).cast(pl.String) if frame.schema[column] != pl.Boolean
                 else frame.get_column(column).cast(pl.String).str.to_lowercase())
        frame = frame.with_columns(shown)
    return frame.with_columns(pl.when(hit).then(pl.lit(text, pl.String)).otherwise(pl.col(column)).alias(column))


def _copy(frame: pl.DataFrame, row: int, source: int, column: str) -> pl.DataFrame:
    """A cell given the value of another row's (a subject or month given twice, a row moved to another subject)."""
    if column not in frame.columns or not frame.height:
        return frame
    value = frame.get_column(column)[source % frame.height]
    hit = pl.int_range(pl.len()) == row % frame.height
    return frame.with_columns(pl.when(hit).then(pl.lit(pl.Series([value], dtype=frame.schema[column])).first())
                              .otherwise(pl.col(column)).alias(column))


plant = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.booleans(), st.integers(0, 10**6))
COPIES = [("records", "month"), ("records", "subject_id"), ("subjects", "subject_id"), ("annual", "subject_id"),
          ("incidents", "incident_id"), ("checklist", "item_id"), ("subjects", "member_id")]


def _planted(kind: str, plants: list[tuple[int, int, bool, int]], native: bool, shuffle: bool
             ) -> dict[str, pl.DataFrame]:
    tables = dict(_base(kind).tables)
    for which, row, copy, source in plants:
        if copy:
            table, column = COPIES[which % len(COPIES)]
            if table in tables:
                tables[table] = _copy(tables[table], row, source, column)
        else:
            table, column, text = PLANTS[kind][which % len(PLANTS[kind])]
            if table in tables:
                tables[table] = _plant(tables[table], row, column, text, native)
    if shuffle:  # rows out of subject and month order: no check may rely on the order files are usually in
        tables = {t: f.sample(fraction=1.0, shuffle=True, seed=1) for t, f in tables.items()}
    return tables


def _reference(directory: Path, kind: str, fmt: str) -> Any:
    """The frozen checks over the same files, read by the same file readers."""
    reader = _read_csv if fmt == "csv" else _read_parquet
    raws: dict[str, Any] = {}
    bad_rows: dict[str, Any] = {}
    for table in _base(kind).tables:
        files = _table_files(directory, table, fmt)
        if not files:
            continue
        read = [reader(pl, f, table) for f in files]
        # the file's name as text, as the readers gave it to these checks
        frames = [frame.with_columns(pl.col(legacy.FILE).cast(pl.String)) for frame, _ in read]
        bad_rows[table] = [p for _, found in read for p in found]
        raws[table] = (pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0],
                       [str(f) for f in files])
    return legacy._check_tables(kind, raws, [], bad_rows)


def _same(new: PopulationRead, old: Any) -> None:
    fields = ("file", "table", "row", "column", "subject_id", "reason")
    assert [tuple(getattr(p, f) for f in fields) for p in new.problems] == \
           [tuple(getattr(p, f) for f in fields) for p in old.problems]
    assert new.left_out == old.left_out
    assert new.population.subject_kind == old.population.subject_kind
    assert new.population.absent == old.population.absent
    assert list(new.population.tables) == list(old.population.tables)
    for table, frame in new.population.tables.items():
        ref = old.population.tables[table]
        assert frame.schema == ref.schema, table
        assert frame.equals(ref), table


def _write(tables: dict[str, pl.DataFrame], directory: Path, fmt: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":  # as write_population writes CSV: a list cell is a JSON array of texts
        for t, f in tables.items():
            lists = [n for n, d in f.schema.items() if isinstance(d, pl.List)]
            f.with_columns([_json_array(pl, n) for n in lists]).write_csv(directory / f"{t}.csv")
        return
    for t, f in tables.items():  # two parts per table: rows are numbered per file
        half = f.height // 2
        f.slice(0, half).write_parquet(directory / f"{t}-00000.parquet")
        f.slice(half).write_parquet(directory / f"{t}-00001.parquet")


@given(kind=st.sampled_from(["member", "branch"]), fmt=st.sampled_from(["parquet", "csv"]),
       plants=st.lists(plant, max_size=6), native=st.booleans(), shuffle=st.booleans())
def test_reading_files_gives_what_the_frozen_checks_give(tmp_path_factory: Any, kind: str, fmt: str,
                                                         plants: list[tuple[int, int, bool, int]], native: bool,
                                                         shuffle: bool) -> None:
    directory = tmp_path_factory.mktemp("pop")
    tables = _planted(kind, plants, native or fmt == "csv", shuffle)
    _write(tables, directory, fmt)
    _same(read_population(directory), _reference(directory, kind, fmt))


@given(kind=st.sampled_from(["member", "branch"]), plants=st.lists(plant, max_size=6), native=st.booleans(),
       shuffle=st.booleans())
def test_checking_frames_gives_what_the_frozen_checks_give(kind: str, plants: list[tuple[int, int, bool, int]],
                                                           native: bool, shuffle: bool) -> None:
    tables = _planted(kind, plants, native, shuffle)
    _same(population_from_frames(tables, kind), legacy.population_from_frames(tables, kind))


def test_a_clean_population_reads_the_same() -> None:
    for kind in ("member", "branch"):
        tables = dict(_base(kind).tables)
        _same(population_from_frames(tables, kind), legacy.population_from_frames(tables, kind))


def test_bytes_that_are_not_utf8_in_a_parquet_column_are_the_files_problem(tmp_path: Path) -> None:
    """Regression: the messages of bad rows are worked out apart from the read, and polars failing to show a value
    there escaped as a polars exception instead of naming the file, as the frozen checks do."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from partyrules.errors import PopulationError

    tables = dict(_base("member").tables)
    _write(tables, tmp_path, "parquet")
    annual = pq.read_table(tmp_path / "annual-00000.parquet")
    kinds = [b"\xed\xa0\x80"] + [k.encode() for k in annual.column("subject_kind").to_pylist()[1:]]
    i = annual.schema.get_field_index("subject_kind")
    annual = annual.set_column(i, "subject_kind", pa.array(kinds, pa.large_binary()))
    pq.write_table(annual, tmp_path / "annual-00000.parquet")
    with pytest.raises(PopulationError, match="cannot be read: invalid utf8") as new:
        read_population(tmp_path)
    with pytest.raises(PopulationError) as old:
        _reference(tmp_path, "member", "parquet")
    assert str(new.value) == str(old.value)
