"""Read subjects' fact bundles from JSON or JSON-lines files, one bad row never losing the others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import FactError
from ..evaluate.context import SubjectFacts
from ..facts import parse_subject_facts

MAX_LINE_BYTES = 50_000_000


def fact_error(exc: ValidationError, where: str) -> FactError:
    """A pydantic error as a FactError listing each bad field path and value."""
    errors = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"]) or "<root>"
        errors.append((path, err["msg"], err.get("input")))
    return FactError(f"{where}: invalid facts ({len(errors)} problem{'s' if len(errors) != 1 else ''})", errors)


@dataclass
class Row:
    """One row of a facts file: its 1-based number and either the facts or the error that row raised."""

    number: int
    facts: SubjectFacts | None
    error: FactError | None


def _parse(data: Any, where: str) -> SubjectFacts:
    try:
        return parse_subject_facts(data)
    except ValidationError as exc:
        raise fact_error(exc, where) from None
    except (TypeError, ValueError) as exc:
        raise FactError(f"{where}: {exc}") from None


def read_facts(path: str | Path) -> Iterator[Row]:
    """Yield every row of a ``.json`` (an object or an array of objects) or ``.jsonl`` file."""
    path = Path(path)
    name = str(path)
    with path.open("rb") as fh:
        head = fh.read(1)
        while head in (b" ", b"\n", b"\r", b"\t"):
            head = fh.read(1)
        fh.seek(0)
        if head in (b"[", b"{") and path.suffix != ".jsonl":
            try:
                rows = json.load(fh)
                if isinstance(rows, dict):
                    rows = [rows]
            except json.JSONDecodeError as exc:
                yield Row(exc.lineno, None, FactError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"))
                return
            for i, data in enumerate(rows, 1):
                try:
                    yield Row(i, _parse(data, f"{name} item {i}"), None)
                except FactError as err:
                    yield Row(i, None, err)
            return
        for i, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield Row(i, None, FactError(f"{name}:{i}: line of {len(raw)} bytes is too long"))
                continue
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield Row(i, None, FactError(f"{name}:{i}: not valid JSON: {exc}"))
                continue
            try:
                yield Row(i, _parse(data, f"{name}:{i}"), None)
            except FactError as err:
                yield Row(i, None, err)
