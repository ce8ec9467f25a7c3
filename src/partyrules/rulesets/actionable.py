"""The fields a rule set may declare ``actionable:``, with their bounds, and the load-time checks (RS309).

A subject can act on its own numeric or true/false fields and on the fields of its monthly records. It cannot act
on incidents (conduct already recorded and verified: only the appeal or objection process changes them), on
commendations or on annual evaluations (judgements made by others), nor on computed fields.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel

from ..errors import Diagnostic
from ..facts.base import MAX_COUNT
from ..lang.check import suggest
from ..lang.types import type_of_annotation
from . import spec as S
from .schema import _SUBJECTS

Scope = Literal["subject", "records"]


@dataclass(frozen=True)
class ActionableField:
    """Where an actionable field lives and what values it can take."""

    name: str  # as written: "placard_displayed", "records.volunteer_hours", "records.meetings_attended.theme_day"
    scope: Scope
    path: tuple[str, ...]  # inside the subject or inside one record
    kind: Literal["num", "bool"]
    integral: bool
    lower: float | None  # the fact model's own bounds
    upper: float | None
    nullable: bool


def _bounds(annotation: Any, metadata: list[Any]) -> tuple[float | None, float | None, bool]:
    lo = hi = None
    integral = False
    ann = annotation
    meta = list(metadata)
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            meta += list(ann.__metadata__)
            ann = typing.get_args(ann)[0]
            continue
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if origin is not None and len(args) == 1:  # Optional[...]
            ann = args[0]
            continue
        break
    for m in meta:
        if isinstance(m, Ge):
            lo = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Le):
            hi = float(m.le)  # type: ignore[arg-type]
    if isinstance(ann, type) and issubclass(ann, int) and not issubclass(ann, bool):
        integral = True
    return lo, hi, integral


def _fields_of(model: type[BaseModel], scope: Scope, prefix: tuple[str, ...], shown: str,
               out: dict[str, ActionableField], depth: int = 0) -> None:
    for name, info in model.model_fields.items():
        t = type_of_annotation(info.annotation)
        path = (*prefix, name)
        label = f"{shown}{name}"
        if t.kind in ("num", "bool"):
            lo, hi, integral = _bounds(info.annotation, list(info.metadata))
            kind: Literal["num", "bool"] = "num" if t.kind == "num" else "bool"
            out[label] = ActionableField(label, scope, path, kind, integral, lo, hi, t.nullable)
        elif t.kind == "model" and t.model is not None and depth == 0 and not t.nullable:
            _fields_of(t.model, scope, path, f"{label}.", out, depth + 1)


def actionable_fields(subject_kind: str) -> dict[str, ActionableField]:
    """Every field a rule set for ``subject_kind`` may declare actionable, by the name it is written with."""
    subject_model, record_model, _lists, _subject_lists = _SUBJECTS[subject_kind]
    out: dict[str, ActionableField] = {}
    _fields_of(subject_model, "subject", (), "", out)
    if record_model is not None:
        _fields_of(record_model, "records", (), "records.", out)
    return out


_RECORDED = {
    "incidents": "incidents are conduct already recorded and verified: recourse never suggests removing one",
    "commendations": "commendations are awarded by others, not acted on by the subject",
    "annual": "the annual evaluation is a judgement made by others, not acted on by the subject",
}
_RECORDED_HINT = {
    "incidents": "only the appeal (objection) process can change a verified incident; remove it from actionable",
    "commendations": "remove it from actionable",
    "annual": "remove it from actionable",
}


def actionable_diagnostics(items: list[S.ActionableSpec], subject_kind: str, doc: Any) -> list[Diagnostic]:
    """RS309: each declared field is a known numeric or true/false field the subject acts on, moved the way its
    type allows, within its model's bounds and in steps its type can take, and declared once."""
    known = actionable_fields(subject_kind)
    out: list[Diagnostic] = []
    seen: dict[str, Any] = {}

    def bad(j: int, key: str, message: str, hint: str | None) -> None:
        out.append(Diagnostic("RS309", message, doc.location(("actionable", j, key)), hint))

    for j, a in enumerate(items):
        head = a.field.split(".", 1)[0]
        if a.field in seen:
            bad(j, "field", f"actionable field {a.field!r} is declared twice",
                f"first declared at {seen[a.field]}; keep one")
            continue
        seen[a.field] = doc.location(("actionable", j, "field"))
        f = known.get(a.field)
        if f is None:
            if head in _RECORDED:
                bad(j, "field", f"{a.field!r} cannot be actionable: {_RECORDED[head]}", _RECORDED_HINT[head])
            else:
                bad(j, "field", f"unknown actionable field {a.field!r}: not a numeric or true/false field of the "
                    f"{subject_kind} or of its monthly records",
                    suggest(a.field, sorted(known)) or "name a field such as records.volunteer_hours")
            continue
        if f.kind == "bool" and a.direction != "set_true":
            bad(j, "direction", f"{a.field!r} is true/false: it can only be set_true, not {a.direction}",
                "write direction: set_true")
            continue
        if f.kind == "num" and a.direction == "set_true":
            bad(j, "direction", f"{a.field!r} is a number: it can increase or decrease, not set_true",
                "write direction: increase (or decrease)")
            continue
        if a.direction == "increase":
            # a count's model bound (MAX_COUNT) keeps sums exact; it says nothing of how far a member can go
            if a.max is None and (f.upper is None or f.upper >= MAX_COUNT):
                bad(j, "direction", f"{a.field!r} has no upper bound: say how far it can realistically increase",
                    "add max: (the most a month for a record field)")
            elif a.max is not None and f.upper is not None and a.max > f.upper:
                bad(j, "max", f"max {a.max:g} of {a.field!r} is above what the field allows ({f.upper:g})",
                    f"use a max of at most {f.upper:g}")
            elif a.max is not None and f.integral and a.max != math.floor(a.max):
                bad(j, "max", f"max {a.max:g} of {a.field!r} is not a whole number, but the field counts",
                    f"use max: {math.floor(a.max)}")
        if a.direction == "decrease" and a.min is not None and f.lower is not None and a.min < f.lower:
            bad(j, "min", f"min {a.min:g} of {a.field!r} is below what the field allows ({f.lower:g})",
                f"use a min of at least {f.lower:g}")
        if a.step is not None and f.integral and a.step != math.floor(a.step):
            bad(j, "step", f"step {a.step:g} of {a.field!r} is not a whole number, but the field counts",
                f"use step: {max(1, math.floor(a.step))}")
    return out
