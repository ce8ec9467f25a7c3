"""Value types of the expression language, read off the pydantic fact models."""

from __future__ import annotations

import enum
import types as pytypes
import typing
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Type:
    """A value type. ``enum`` lists the allowed strings of an enumerated field; ``model`` is a fact model class."""

    kind: str  # bool, num, str, date, none, list, model
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    elem: Type | None = None
    model: type[BaseModel] | None = field(default=None, compare=False)
    name: str = ""

    def describe(self) -> str:
        if self.kind == "list" and self.elem is not None:
            base = f"list of {self.elem.describe()}"
        elif self.kind == "model":
            base = self.name or "record"
        elif self.enum:
            base = "text (one of " + ", ".join(self.enum[:6]) + (", ..." if len(self.enum) > 6 else "") + ")"
        else:
            base = {"num": "number", "str": "text", "bool": "true/false", "date": "date", "none": "none"}.get(
                self.kind, self.kind)
        return f"{base} or none" if self.nullable and self.kind != "none" else base

    def as_nullable(self, nullable: bool = True) -> Type:
        return self if self.nullable == nullable else replace(self, nullable=nullable)


BOOL = Type("bool")
NUM = Type("num")
STR = Type("str")
DATE = Type("date")
NONE = Type("none", nullable=True)


def type_of_annotation(annotation: Any, enum_override: tuple[str, ...] | None = None) -> Type:
    """Map a (possibly Annotated / Optional) Python annotation to an expression type."""
    nullable = False
    ann = annotation
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
            continue
        if origin in (typing.Union, pytypes.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(ann))
            if len(args) == 1:
                ann = args[0]
                continue
            return Type("str", nullable=nullable)  # pragma: no cover - fact models avoid wide unions
        break
    origin = typing.get_origin(ann)
    if origin is dict:  # e.g. vote counts by grade: not something an expression can compare
        return Type("map", nullable=nullable, name="mapping")
    if origin in (tuple, list, set, frozenset):
        args = [a for a in typing.get_args(ann) if a is not Ellipsis]
        elem = type_of_annotation(args[0]) if args else STR
        return Type("list", nullable=nullable, elem=elem)
    if isinstance(ann, type):
        if issubclass(ann, bool):
            return Type("bool", nullable)
        if issubclass(ann, enum.Enum):
            values = tuple(str(m.value) for m in ann)
            return Type("str", nullable, enum=enum_override or values, name=ann.__name__)
        if issubclass(ann, (int, float)):
            return Type("num", nullable)
        if issubclass(ann, str):
            return Type("str", nullable, enum=enum_override)
        if issubclass(ann, date):
            return Type("date", nullable)
        if issubclass(ann, BaseModel):
            return Type("model", nullable, model=ann, name=ann.__name__)
    if ann is typing.Any:  # pragma: no cover
        return Type("str", True)
    return Type("str", nullable, enum=enum_override)


def model_fields(model: type[BaseModel], enum_overrides: dict[str, tuple[str, ...]] | None = None) -> dict[str, Type]:
    """Fields of a fact model (and its read-only properties named in ``model_computed_fields``) as types."""
    out: dict[str, Type] = {}
    overrides = enum_overrides or {}
    for name, info in model.model_fields.items():
        out[name] = type_of_annotation(info.annotation, overrides.get(name))
    for name, cinfo in model.model_computed_fields.items():
        out[name] = type_of_annotation(cinfo.return_type, overrides.get(name))
    return out
