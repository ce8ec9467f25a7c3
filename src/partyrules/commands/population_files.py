"""The fact bundles of a population given as files: a JSON or JSON-lines file, a directory of Parquet or CSV
tables, or an .xlsx workbook, one row at a time, so that the commands reading bundles take every kind of file
``partyrules generate`` writes and a branch secretary fills."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import FactError, PartyRulesError
from ..population.files import Row, read_facts


def is_table_population(path: str | Path) -> bool:
    """Whether ``path`` holds tables (a directory of table files, or a workbook) rather than JSON bundles."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() == ".xlsx"


def read_bundles(path: str | Path) -> Iterator[Row]:
    """Every subject's bundle of ``path``; a bad row (a cell, a line) a :class:`Row` with its error, naming where
    it is (``records!D7`` in a workbook), and every subject it leaves out one too."""
    if not is_table_population(path):
        yield from read_facts(path)
        return
    from ..population.io import read_population

    try:
        read = read_population(path)
    except FactError:
        raise  # the path cannot be read at all (no tables, not a workbook, too big): as an unreadable JSON file is
    except PartyRulesError as exc:
        named = exc.message if exc.message.startswith(str(path)) else f"{path}: {exc.message}"
        raise FactError(named, hint=exc.hint) from None
    for p in read.problems:
        yield Row(p.row or 0, None, FactError(str(p)))
    for number, (_, facts) in enumerate(read.population.iter_checked(), start=1):
        yield Row(number, None, facts) if isinstance(facts, FactError) else Row(number, facts, None)
