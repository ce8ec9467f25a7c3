"""The typed error hierarchy.

Every error the library raises on purpose is a :class:`PartyRulesError`. Errors about a rule set carry one or
more :class:`Diagnostic` s, each with a code, a ``file:line:column`` location and a hint, so that a CI job can
report every problem at once instead of the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Self

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: a file, a 1-based line and column, and the path of keys inside the document."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<string>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def shifted(self, line_offset: int, column: int) -> Location:
        return Location(self.file, (self.line or 1) + line_offset, column, self.path)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: ``file:line:col: code: message`` plus a hint on how to fix it."""

    code: str
    message: str
    location: Location | None = None
    hint: str | None = None
    severity: Severity = "error"

    def format(self) -> str:
        loc = f"{self.location}: " if self.location else ""
        text = f"{loc}{self.code}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "path": loc.path if loc else None,
        }


class PartyRulesError(Exception):
    """Base of every error partyrules raises on purpose."""

    code = "PR000"

    def __init__(self, message: str, *, location: Location | None = None, hint: str | None = None) -> None:
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self._text())

    def _text(self) -> str:
        loc = f"{self.location}: " if self.location else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{loc}{self.message}{hint}"


class RuleSetError(PartyRulesError):
    """A rule set could not be loaded. ``diagnostics`` lists every problem found, not only the first."""

    code = "RS000"

    def __init__(self, diagnostics: Sequence[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        first = self.diagnostics[0]
        super().__init__(first.message, location=first.location, hint=first.hint)

    def _text(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)

    @classmethod
    def single(
        cls, code: str, message: str, location: Location | None = None, hint: str | None = None
    ) -> Self:
        return cls([Diagnostic(code, message, location, hint)])


class RuleSetSyntaxError(RuleSetError):
    """The file is not well-formed YAML, or uses a YAML feature rule sets forbid (tags, anchors)."""


class RuleSetLimitError(RuleSetError):
    """The file exceeds a size, depth or count limit that protects the process from hostile input."""


class RuleSetSchemaError(RuleSetError):
    """The document is YAML but not a valid rule set (unknown key, wrong type, bad reference, bad count)."""


class ExpressionError(RuleSetError):
    """An expression does not parse or does not type-check against the fact schema."""


class IncludeError(RuleSetError):
    """An include cannot be resolved, escapes the rule-set directory, or forms a cycle."""


class ParameterError(PartyRulesError, KeyError):
    """A parameter override names an unknown parameter or has the wrong type."""

    code = "PR010"

    def __str__(self) -> str:  # KeyError would otherwise wrap the message in quotes
        return self._text()


class FactError(PartyRulesError, ValueError):
    """Input facts are invalid. ``errors`` lists each bad field as (path, message, bad value)."""

    code = "PR020"

    def __init__(
        self,
        message: str,
        errors: Iterable[tuple[str, str, object]] = (),
        *,
        location: Location | None = None,
        hint: str | None = None,
    ) -> None:
        self.errors = list(errors)
        super().__init__(message, location=location, hint=hint)

    def _text(self) -> str:
        head = super()._text()
        lines = [f"  {path}: {msg} (got {value!r})" for path, msg, value in self.errors]
        return "\n".join([head, *lines])


class EvaluationError(PartyRulesError):
    """Facts and rule set are each valid but cannot be evaluated together (wrong subject kind, outside period)."""

    code = "PR030"


class NotApplicableError(EvaluationError):
    """The rule set's ``applies_to`` condition is false for this subject."""

    code = "PR031"


class NotInForceError(EvaluationError):
    """The period asked for is not within the rule set's ``effective`` dates. It is about the call, not about any
    subject, so every backend raises it once for the whole call rather than listing each subject as a failure."""

    code = "PR033"


class EngineError(PartyRulesError):
    """The rule engine misbehaved. This is a bug in partyrules, never the user's fault: please report it."""

    code = "PR090"


class PopulationError(PartyRulesError):
    """A population cannot be taken as given: a file that cannot be read, or tables without the population layout
    (a missing, unknown or mistyped column), each named."""

    code = "PR040"


class ForeignConductError(EvaluationError):
    """A subject's facts carry another subject's item: an incident, a commendation, a monthly record or an annual
    evaluation. Only a subject's own conduct is assessed (只评价本人的行为), so such facts are refused wherever
    evaluation starts, however they were built (model_copy and model_construct skip the bundle's validators).

    ``location.path`` names the first foreign item, e.g. ``incidents['I7']``; ``items`` lists every foreign item as
    (list, item id, owner kind, owner id); ``message_zh`` is the message in Chinese."""

    code = "PR032"

    def __init__(
        self,
        message: str,
        *,
        message_zh: str,
        items: Iterable[tuple[str, str, str, str]] = (),
        location: Location | None = None,
        hint: str | None = None,
    ) -> None:
        self.message_zh = message_zh
        self.items = list(items)
        super().__init__(message, location=location, hint=hint)

    def _text(self) -> str:
        # the item's path leads, as a diagnostic's location does: facts have no file and line to point at
        where = f"{self.location.path}: " if self.location is not None and self.location.path else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{self.code}: {self.message} / {self.message_zh}{hint}"
