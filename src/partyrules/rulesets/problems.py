"""Where a problem is and which error reports it: the location of a token inside an expression written in
YAML (plain, quoted, block or folded), and the error class a list of diagnostics is raised as."""

from __future__ import annotations

from ..errors import (
    Diagnostic,
    ExpressionError,
    IncludeError,
    Location,
    RuleSetError,
    RuleSetLimitError,
    RuleSetSchemaError,
)
from .yamlsafe import Mark, YamlDocument
from .yamlsafe import Path as YPath

__all__ = ["error_class", "expr_location"]


def error_class(diags: list[Diagnostic]) -> type[RuleSetError]:
    codes = {d.code for d in diags}
    if codes and all(c.startswith("EX") for c in codes):
        return ExpressionError
    if codes & {"RS120", "RS121", "RS122", "RS123"}:
        return IncludeError
    if codes & {"RS110", "RS111", "RS112", "RS113"}:
        return RuleSetLimitError
    return RuleSetSchemaError


def expr_location(doc: YamlDocument, path: YPath, text: str, offset: int, end: int | None = None) -> Location:
    mark: Mark | None = doc.marks.get(path)
    loc = doc.location(path)
    if mark is None:
        return loc
    lines = doc.lines()
    first = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
    shift = 1 if mark.style in ('"', "'") else 0
    single_line = mark.style not in ("|", ">") and first[mark.column - 1 + shift:].startswith(text)
    if single_line or not lines:
        return Location(doc.file, mark.line, mark.column + shift + offset, loc.path)
    # A block, folded or multi-line value: YAML has removed its indentation and folded its lines, so find the
    # token itself in the source, counting the same occurrences of it that come before it in the value.
    token = text[offset:end if end is not None and end > offset else offset + 1]
    nth = text[:offset].count(token)
    seen = 0
    # only the value's own lines: a token not found (a quoted value's escapes) must not scan the rest of the file
    last = min(len(lines), mark.end_line) if mark.end_line else len(lines)
    for i in range(mark.line - 1, last):
        col = lines[i].find(token, mark.column - 1 if i == mark.line - 1 else 0)
        while col != -1:
            if seen == nth:
                return Location(doc.file, i + 1, col + 1, loc.path)
            seen += 1
            col = lines[i].find(token, col + 1)
    return Location(doc.file, mark.line, mark.column, loc.path)
