"""The typed error hierarchy: every exception class of the package, in one place.

Every error the library raises on purpose is a :class:`PartyRulesError`. Errors about a rule set carry one or
more :class:`Diagnostic` s, each with a code, a ``file:line:column`` location and a hint, so that a CI job can
report every problem at once instead of the first. Each class's code and its titles in Chinese and English are in
the registry, :mod:`partyrules.codes` (docs/errors.md), which names each class as the *kind* of its codes.

The classes are grouped by the layer that raises them (rule sets, reforms and targets; ranking, funding and
comparison; the follow-up and the ledger; distributed scoring; the property checks), and each is still importable
from the module that raises it. This module is the lowest layer: it imports nothing of the package.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

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


class JsonLimitError(ValueError):
    """The text is beyond a limit (nesting, digits): refused before, or instead of, decoding it."""


class ExprProblem(Exception):
    """A problem in one expression, with its character span; the rule-set loader adds the file position."""

    def __init__(self, code: str, message: str, start: int, end: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.start = start
        self.end = end if end is not None else start + 1
        self.hint = hint


# -- reforms and star targets: rule-set errors of their own files --------------------------------------------------


class ReformError(RuleSetError):
    """A reform is malformed, does not fit the rule set it is applied to, or conflicts with another reform.

    Like every rule-set error it carries all the problems found as ``diagnostics`` (codes ``RF...``), each with a
    ``file:line:col`` location in the reform file when the reform was read from one.
    """


class StarTargetsError(RuleSetSchemaError):
    """A targets file (or a target built in code) is invalid; ``diagnostics`` lists every problem found."""


# -- the uses of results: ranking, funding, comparison -------------------------------------------------------------


class RankingError(PartyRulesError, ValueError):
    """The subjects to rank, list or pair are invalid (a bad score, a duplicate id, an unknown pool field)."""

    code = "PR060"


class FundingError(PartyRulesError, ValueError):
    """A funding allocation cannot be made as asked (a negative pool, floors above the pool, bad scores)."""

    code = "PR061"


class NoEligibleError(FundingError):
    """No branch is eligible for a share of the pool (raised only with ``on_no_eligible="raise"``)."""

    code = "PR062"


class ComparisonError(PartyRulesError, ValueError):
    """Two score tables cannot be compared as asked (different kinds of subject, missing columns, duplicate ids,
    a bad ``top_k``)."""

    code = "PR080"


# -- the cycle: follow-up and the ledger ---------------------------------------------------------------------------


class FollowUpError(PartyRulesError):
    """A follow-up cannot be recorded as asked (e.g. a decision without a meeting-vote reference)."""

    code = "PR070"


class AwardsError(PartyRulesError):
    """Award or cadre recommendations cannot be made as asked (e.g. a share outside 0..1, a negative quota)."""

    code = "PR076"


class LedgerError(PartyRulesError):
    """The ledger refused a request: bad input, an unknown id, or a step the workflow does not allow."""

    code = "PR050"


class LedgerNotFoundError(LedgerError):
    """No publication, objection or current score has the given id or key."""

    code = "PR051"


class LedgerStateError(LedgerError):
    """The request is valid but not now: the objection or publication is not in a state that allows it."""

    code = "PR052"


class ObjectionsPendingError(LedgerStateError):
    """A period cannot be finalised while objections to its scores are open. ``pending`` lists their ids."""

    code = "PR053"

    def __init__(self, message: str, pending: Iterable[str], **kwargs: Any) -> None:
        self.pending: tuple[str, ...] = tuple(pending)
        super().__init__(message, **kwargs)


class PeriodFinalisedError(LedgerStateError):
    """The period's results are final: nothing in it can be published, objected to or changed."""

    code = "PR054"


class ReproductionError(LedgerError):
    """A stored result could not be reproduced: another rule set, or the same inputs now give another result."""

    code = "PR055"


class NoticePeriodError(LedgerStateError):
    """A step outside a notice's objection period (公示期): an objection after it closed, or a finalisation before
    it ended. ``opens_on`` and ``closes_on`` are the period's first and last days."""

    code = "PR075"

    def __init__(self, message: str, opens_on: Any = None, closes_on: Any = None, **kwargs: Any) -> None:
        self.opens_on = opens_on
        self.closes_on = closes_on
        super().__init__(message, **kwargs)


class LedgerIntegrityError(LedgerError):
    """The database is not a ledger this library can use, or its contents fail verification (tampering)."""

    code = "PR056"


class LedgerLockedError(LedgerError):
    """Another connection held the database's lock longer than the ledger's ``timeout``; nothing was written."""

    code = "PR057"


class LedgerReadOnlyError(LedgerError):
    """The ledger cannot be written: the file, its directory or its file system is read-only, or it was opened
    with ``read_only=True``. It can still be read and verified (``Ledger(path, read_only=True)``)."""

    code = "PR058"


class LedgerFullError(LedgerError):
    """The disk (or SQLite's page limit) is full; the step was rolled back and nothing was written."""

    code = "PR059"


class CheckpointError(LedgerError):
    """A checkpoint, key or proof cannot be used: a malformed file, a signature that does not verify, a key of
    another kind, or the ``cryptography`` package missing for signing."""

    code = "PR110"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of verification: the table and key of the bad row, and what is wrong with it."""

    table: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"table": self.table, "key": self.key, "message": self.message}


class LedgerVerificationError(LedgerIntegrityError):
    """Verification found rows that the ledger's own writes cannot have produced. ``problems`` lists them in the
    order they were found; ``first`` is the first bad row (its table and key). Its code is its parent's (PR056):
    to a caller it is an integrity failure, with the rows that show it."""

    def __init__(self, message: str, problems: tuple[Problem, ...], **kwargs: Any) -> None:
        self.problems = problems
        self.first = problems[0]
        super().__init__(message, **kwargs)


# -- calibration: the inverse what-if ------------------------------------------------------------------------------


class CalibrationError(PartyRulesError, ValueError):
    """A calibration cannot run as asked: a target that cannot be read or does not fit the rule set (the message
    names it), a parameter range that is empty or too fine."""

    code = "PR150"


class NoCalibrationError(CalibrationError):
    """No cut-off (or parameter value) meets every target. ``unmet`` names the targets that cannot be met with
    the closest share each can reach (each a :class:`partyrules.analyse.calibrate.Unmet`)."""

    code = "PR151"

    def __init__(self, message: str, *, unmet: Sequence[object] = (), hint: str | None = None) -> None:
        self.unmet = list(unmet)
        super().__init__(message, hint=hint)


# -- mid-year foresight -------------------------------------------------------------------------------------------


class OutlookError(EvaluationError):
    """A mid-year outlook cannot be computed as asked: a field the rules read whose extremes cannot be told (no
    declared direction), an as-of month outside the year, or a field with no bound. ``zh`` says it in Chinese."""

    code = "PR160"

    def __init__(self, message: str, *, zh: str | None = None, hint: str | None = None) -> None:
        self.zh = zh or message
        super().__init__(message, hint=hint)


# -- distributed scoring -------------------------------------------------------------------------------------------


class DistributedError(PartyRulesError):
    """Distributed scoring cannot run as asked (no Dask, a bad scheduler address, partitions that do not line up)."""

    code = "PR100"


class PartitionError(DistributedError):
    """A partition does not hold whole subjects: a row belongs to a subject scored in another partition."""

    code = "PR101"


# -- the decision service ----------------------------------------------------------------------------------------


class ServiceError(PartyRulesError):
    """The decision service cannot do what was asked (its configuration, or a request it refuses)."""

    code = "PR130"


class KeysFileError(ServiceError):
    """The keys file cannot be used (unreadable, not JSON lines, an entry of the wrong shape), file and line named."""

    code = "PR131"


class NotConfiguredError(ServiceError):
    """The service was started without what the endpoint needs (e.g. no ledger): answered with 404."""

    code = "PR132"


class SessionLimitError(ServiceError):
    """Too many live sessions are open (for the service or for one key): answered with 429."""

    code = "PR133"


class SessionNotFoundError(ServiceError):
    """No live session has this id for this key (never opened, closed, expired, another key's): 404."""

    code = "PR134"


# -- the property checks of partyrules.testing (an assertion, as test runners expect) ----------------------------


class PropertyViolation(AssertionError):
    """A property failed for one example; carries the test cases that reproduce it."""

    def __init__(self, message: str, cases: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.cases = cases
