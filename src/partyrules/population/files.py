"""Read subjects' fact bundles from JSON or JSON-lines files, one bad row never losing the others."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from ..errors import FactError
from ..facts import SubjectFacts, parse_subject_facts
from ..jsonlimits import MAX_DEPTH, NOT_UTF8, loads_bounded, nesting_depth

MAX_LINE_BYTES = 50_000_000
"""The longest line of a JSON-lines file read (a longer one is a bad row, skipped without being held)."""
MAX_JSON_BYTES = 2 * 10**9
"""The largest ``.json`` file read: it is read whole, unlike JSON lines."""


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
    """Yield every row of a ``.json`` (an object or an array of objects) or ``.jsonl`` file.

    A row that cannot be read (not UTF-8, not JSON, nested deeper than :data:`~partyrules.jsonlimits.MAX_DEPTH`
    levels, a number of more than 4,300 digits, a line longer than :data:`MAX_LINE_BYTES`, invalid facts) is a row
    with its error, naming the file and line; every other row is read. A ``.json`` array is split into its items
    without decoding it whole, so one bad item loses only itself. A path that is not a regular file (a FIFO would
    wait for a writer forever), or a ``.json`` file above :data:`MAX_JSON_BYTES`, is a :class:`FactError`.
    """
    path = Path(path)
    name = str(path)
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
        fh = path.open("rb") if regular else None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = getattr(exc, "strerror", None) or str(exc)
        raise FactError(f"{name}: cannot read the facts file: {reason} / 无法读取事实文件",
                        hint="check the path") from None
    if fh is None:  # opening a FIFO would wait for a writer forever
        raise FactError(f"{name}: not a regular file / 不是普通文件", hint="give a .json or .jsonl file")
    with fh:
        head = fh.read(1)
        while head in (b" ", b"\n", b"\r", b"\t"):
            head = fh.read(1)
        fh.seek(0)
        if head in (b"[", b"{") and path.suffix != ".jsonl":
            yield from _read_json(fh, name)
            return
        for i, raw in bounded_lines(fh):
            if isinstance(raw, int):
                yield Row(i, None, FactError(f"{name}:{i}: line of {raw:,} bytes is too long (the limit is "
                                             f"{MAX_LINE_BYTES:,}) / 行过长"))
                continue
            if not raw.strip():
                continue
            try:
                data = decode_line(raw)
            except ValueError as exc:
                yield Row(i, None, FactError(f"{name}:{i}: {exc}"))
                continue
            try:
                yield Row(i, _parse(data, f"{name}:{i}"), None)
            except FactError as err:
                yield Row(i, None, err)


def bounded_lines(fh: BinaryIO) -> Iterator[tuple[int, bytes | int]]:
    """(line number, bytes) of each line, never holding more than :data:`MAX_LINE_BYTES` of one line: a longer line
    is skipped in bounded pieces and given as its length instead."""
    i = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        i += 1
        if len(raw) <= MAX_LINE_BYTES:
            yield i, raw
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = fh.readline(1 << 20)
            if not raw:
                break
            size += len(raw)
        yield i, size


def decode_line(raw: bytes) -> Any:
    """One JSON line, decoded within the limits; ``ValueError`` saying what is wrong otherwise."""
    try:
        text = raw.decode(json.detect_encoding(raw))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.object[exc.start]:#04x} at position {exc.start}) / 不是UTF-8编码"
                         ) from None
    try:
        return loads_bounded(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    except ValueError as exc:
        raise ValueError(f"the JSON is {exc} / JSON超出限制") from None


# a JSON string, or a character that separates or nests the items of a .json array
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.S)


def _read_json(fh: BinaryIO, name: str) -> Iterator[Row]:
    data = fh.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise FactError(f"{name}: more than {MAX_JSON_BYTES:,} bytes, which a .json file is not read whole / 文件过大",
                        hint="write one bundle per line as JSON lines (.jsonl): it is read a line at a time")
    text = _json_text(data, name)
    del data
    rows: Any = None
    if NOT_UTF8.search(text) is None and nesting_depth(text) <= MAX_DEPTH + 1:
        try:
            rows = json.loads(text)
        except ValueError:
            rows = None  # some item is broken: read item by item below, so that the others are still read
    if rows is not None:
        items = [rows] if isinstance(rows, dict) else rows if isinstance(rows, list) else None
        if items is not None:
            yield from _decoded_rows(items, text, name)
            return
    yield from _item_rows(text, name)


def _json_text(data: bytes, name: str) -> str:
    encoding = json.detect_encoding(data)
    try:  # UTF-8 bytes that are not UTF-8 become lone surrogates here, so that only their item is lost
        return (data.decode("utf-8-sig" if encoding.startswith("utf-8") else encoding, errors="surrogateescape")
                if encoding.startswith("utf-8") else data.decode(encoding))
    except UnicodeDecodeError as exc:
        raise FactError(f"{name}: not valid {encoding}: {exc.reason} at byte {exc.start} / 编码无效",
                        hint="write the file in UTF-8") from None


def _decoded_rows(items: list[Any], text: str, name: str) -> Iterator[Row]:
    """The rows of a file decoded whole; a bad item's error names its line."""
    lines: list[int] | None = None
    for i, item in enumerate(items, 1):
        try:
            yield Row(i, _parse(item, f"{name} item {i}"), None)
        except FactError:
            if lines is None:  # where the items start, worked out only when one is bad
                lines = [line for _, _, line in _items(text)]
            line = lines[i - 1] if i <= len(lines) else 1
            try:
                _parse(item, f"{name}:{line}: item {i}")
            except FactError as err:
                yield Row(i, None, err)


def _item_rows(text: str, name: str) -> Iterator[Row]:
    """The rows of a file that cannot be decoded whole, item by item, so that a broken item loses only itself."""
    for i, (start, end, line) in enumerate(_items(text), 1):
        where = f"{name}:{line}: item {i}"
        piece = text[start:end]
        bad = NOT_UTF8.search(piece)
        if bad is not None:
            at = line + piece.count("\n", 0, bad.start())
            yield Row(i, None, FactError(f"{name}:{at}: item {i}: bytes that are not UTF-8 (byte "
                                         f"{ord(bad.group()) - 0xDC00:#04x}) / 不是UTF-8编码"))
            continue
        if not piece.strip():
            yield Row(i, None, FactError(f"{where}: no value between two commas / 缺少值"))
            continue
        try:
            item = loads_bounded(piece)
        except json.JSONDecodeError as exc:
            yield Row(i, None, FactError(f"{name}:{line + exc.lineno - 1}: item {i}: not valid JSON: {exc.msg}"))
            continue
        except ValueError as exc:
            yield Row(i, None, FactError(f"{where}: the JSON is {exc} / JSON超出限制"))
            continue
        try:
            yield Row(i, _parse(item, where), None)
        except FactError as err:
            yield Row(i, None, err)


def _items(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, line) of each item of the array (or the one object) ``text`` holds, found without decoding it
    and without recursion. A truncated array ends with its incomplete item; text after the closing bracket is an
    item of its own, so that it is reported rather than ignored."""
    pos = len(text) - len(text.lstrip())
    line = 1 + text.count("\n", 0, pos)
    if not text.startswith("[", pos):
        yield pos, len(text), line
        return
    depth, sep, seen = 0, pos + 1, pos
    for m in _TOKEN.finditer(text, pos):
        c = m.group()[0]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if (c == "," and depth == 1) or depth == 0:
            start = sep + len(text[sep:m.start()]) - len(text[sep:m.start()].lstrip())
            line += text.count("\n", seen, start)
            seen = start
            if c == "," or text[sep:m.start()].strip():
                yield start, m.end() - 1 if depth else m.start(), line
            sep = m.end()
            if depth == 0:
                rest = text[sep:]
                if rest.strip():  # text after the array
                    start = sep + len(rest) - len(rest.lstrip())
                    yield start, len(text), line + text.count("\n", seen, start)
                return
    if text[sep:].strip():  # truncated: the incomplete last item
        start = sep + len(text[sep:]) - len(text[sep:].lstrip())
        yield start, len(text), line + text.count("\n", seen, start)
