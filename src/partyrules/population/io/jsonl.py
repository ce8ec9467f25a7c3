"""A population's JSON-lines file of bundles, read line by line: a bad line is a :class:`RowProblem` with the
subject id it names, when it names one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..checks import RowProblem
from ..files import bounded_lines, decode_line, read_facts
from ..frames import BUNDLES, facts_to_population
from .checked import PopulationRead
from .tables import _check_size


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
            errs: Sequence[tuple[str | None, str, object]] = row.error.errors or [(None, row.error.message, None)]
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
        for i, raw in bounded_lines(fh):
            if i not in numbers or isinstance(raw, int):
                continue
            try:
                data = decode_line(raw)
            except ValueError:  # within the limits of read_facts: deep nesting or huge numbers end here
                continue
            for key in ("member", "branch", "community"):
                sid = data.get(key, {}).get(f"{key}_id") if isinstance(data, dict) else None
                if isinstance(data, dict) and isinstance(data.get(key), dict) and isinstance(sid, str):
                    out[i] = sid
    return out

