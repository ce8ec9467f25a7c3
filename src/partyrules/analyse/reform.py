"""Reforms: named, composable, storable changes to a rule set, always applied to a copy.

A :class:`Reform` is an ordered tuple of small operations: set a parameter, remove an item, replace an item by a
new specification with the same id, add an item, reweight a dimension, move a grade's lower bound. Applying one
(:func:`apply_reform`) re-runs the rule-set loader's checks on the changed specification and returns a new
:class:`~partyrules.rulesets.model.RuleSet`; the base is never touched. Reforms compose (:func:`compose`, ``a + b``)
and are stored as small YAML files (:func:`load_reform`, :meth:`Reform.to_yaml`); ``docs/reforms.md`` describes
the format and the semantics.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from ..errors import Diagnostic, Location, ReformError

if TYPE_CHECKING:
    from ..rulesets.model import RuleSet
    from ..rulesets.yamlsafe import YamlDocument

ItemKind = Literal["dimensions", "standards", "deductions", "vetoes", "checks"]
ITEM_KINDS: tuple[ItemKind, ...] = ("dimensions", "standards", "deductions", "vetoes", "checks")
REPLACEABLE: tuple[ItemKind, ...] = ("standards", "deductions", "vetoes", "checks")


# -- operations ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Op:
    """Common fields: which reform an operation came from and where it was written (neither affects equality)."""

    origin: str | None = field(default=None, compare=False, kw_only=True)
    location: Location | None = field(default=None, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True)
class SetParam(_Op):
    """Give a declared parameter a new value (checked against its type, bounds and choices when applied)."""

    name: str
    value: Any

    def key(self) -> tuple[str, str]:
        return ("parameter", self.name)


@dataclass(frozen=True)
class RemoveItem(_Op):
    """Remove a dimension, standard, deduction, veto or check by id."""

    id: str

    def key(self) -> tuple[str, str]:
        return ("item", self.id)


@dataclass(frozen=True)
class _SpecOp(_Op):
    """An operation that carries a whole item specification."""

    kind: ItemKind
    spec: BaseModel
    # the reform document and the path of the spec in it, so that loader errors point into the reform file
    source: tuple[YamlDocument, tuple[str | int, ...]] | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return str(self.spec.id)  # type: ignore[attr-defined]

    def key(self) -> tuple[str, str]:
        return ("item", self.id)


@dataclass(frozen=True)
class ReplaceItem(_SpecOp):
    """Replace a standard, deduction, veto or check by a new specification with the same id and kind."""


@dataclass(frozen=True)
class AddItem(_SpecOp):
    """Add a new item (a standard or deduction names the dimension it goes in; a dimension needs its standards)."""


@dataclass(frozen=True)
class Reweight(_Op):
    """Give a dimension a new maximum; its standards are scaled so their points add up to it.

    Deductions keep their points and caps unless ``scale_deductions`` (then they are scaled by new / old max).
    """

    dimension: str
    max: float
    scale_deductions: bool = False

    def key(self) -> tuple[str, str]:
        return ("dimension", self.dimension)


@dataclass(frozen=True)
class SetGrade(_Op):
    """Move a grade's lower bound (``at_least``)."""

    grade: str
    at_least: float

    def key(self) -> tuple[str, str]:
        return ("grade", self.grade)


Operation = SetParam | RemoveItem | ReplaceItem | AddItem | Reweight | SetGrade


# -- the reform ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reform:
    """A named change to a rule set: an ordered tuple of operations, applied in order to a copy.

    Build one with :meth:`Reform.make` (or :func:`load_reform` from a file); combine with ``a + b`` or
    :func:`compose`; apply with :func:`apply_reform` or :meth:`apply`.
    """

    name: str
    operations: tuple[Operation, ...] = ()
    title_zh: str | None = None
    title_en: str | None = None
    description: str | None = None
    target: str | None = None  # the id of the rule set this reform is written for; None: any
    file: str | None = field(default=None, compare=False)
    # the names of the reforms this one is made of, in order; the reformed version lists them
    components: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.components:
            object.__setattr__(self, "components", (self.name,))
        ops = tuple(op if op.origin is not None else dataclasses.replace(op, origin=self.name)
                    for op in self.operations)
        object.__setattr__(self, "operations", ops)

    @classmethod
    def make(
        cls,
        name: str,
        *,
        set_params: Mapping[str, Any] | None = None,
        remove: Sequence[str] = (),
        replace: Mapping[str, Sequence[Mapping[str, Any] | BaseModel]] | None = None,
        add: Mapping[str, Sequence[Mapping[str, Any] | BaseModel]] | None = None,
        reweight: Mapping[str, float] | None = None,
        scale_deductions: bool = False,
        grades: Mapping[str, float] | None = None,
        title: Mapping[str, str] | None = None,
        description: str | None = None,
        target: str | None = None,
    ) -> Reform:
        """A reform from Python values, validated exactly as a reform file is (items as dicts or spec models).

        >>> Reform.make("organ-volunteering-150", set_params={"organ_volunteer_hours": 150})  # doctest: +ELLIPSIS
        Reform(name='organ-volunteering-150', ...)
        """
        from .reform_file import reform_from_data

        def plain(items: Mapping[str, Sequence[Mapping[str, Any] | BaseModel]] | None) -> dict[str, Any] | None:
            if items is None:
                return None
            return {k: [x.model_dump(mode="json", by_alias=True, exclude_none=True) if isinstance(x, BaseModel)
                        else dict(x) for x in v] for k, v in items.items()}

        data: dict[str, Any] = {"kind": "reform", "name": name}
        if title is not None:
            data["title"] = dict(title)
        if description is not None:
            data["description"] = description
        if target is not None:
            data["target"] = target
        step = {"set_params": dict(set_params) if set_params else None, "remove": list(remove) or None,
                "replace": plain(replace), "add": plain(add), "reweight": dict(reweight) if reweight else None,
                "scale_deductions": scale_deductions or None, "grades": dict(grades) if grades else None}
        data.update({k: v for k, v in step.items() if v is not None})
        return reform_from_data(data, file=f"<reform {name}>")

    # -- combining and applying ----------------------------------------------------------------------------
    def __add__(self, other: Reform) -> Reform:
        if not isinstance(other, Reform):
            return NotImplemented
        return compose(self, other)

    def apply(self, ruleset: RuleSet) -> RuleSet:
        """The same as ``apply_reform(ruleset, self)``."""
        return apply_reform(ruleset, self)

    @property
    def params(self) -> dict[str, Any]:
        """The parameters this reform sets, with their final values."""
        return {op.name: op.value for op in self.operations if isinstance(op, SetParam)}

    def to_yaml(self) -> str:
        """The reform as a YAML reform file (``loads_reform(r.to_yaml()) == r``)."""
        from .reform_file import reform_to_yaml

        return reform_to_yaml(self)

    def describe(self) -> list[str]:
        """One line per operation, in order, for notebooks and logs."""
        return [_describe(op) for op in self.operations]


def _describe(op: Operation) -> str:
    if isinstance(op, SetParam):
        return f"set parameter {op.name} = {op.value!r}"
    if isinstance(op, RemoveItem):
        return f"remove {op.id}"
    if isinstance(op, ReplaceItem):
        return f"replace {op.kind[:-1]} {op.id}"
    if isinstance(op, AddItem):
        return f"add {op.kind[:-1]} {op.id}"
    if isinstance(op, Reweight):
        extra = " (deductions scaled too)" if op.scale_deductions else ""
        return f"reweight dimension {op.dimension} to {op.max:g}{extra}"
    return f"grade {op.grade} from {op.at_least:g}"


# -- composition -----------------------------------------------------------------------------------------------
def compose(*reforms: Reform, name: str | None = None, allow_conflicts: bool = False) -> Reform:
    """One reform that applies ``reforms`` in order (applying it equals applying each in sequence).

    Two reforms that change the same parameter, item, dimension or grade differently conflict: that is a
    :class:`ReformError` naming both, unless ``allow_conflicts`` (then the later one wins, as in sequence).
    Reforms written for different rule sets (``target``) never compose.
    """
    if not reforms:
        raise ReformError.single("RF500", "compose() needs at least one reform")
    diags: list[Diagnostic] = []
    targets = {r.target for r in reforms if r.target is not None}
    if len(targets) > 1:
        named = ", ".join(f"{r.name!r} targets {r.target!r}" for r in reforms if r.target is not None)
        diags.append(Diagnostic("RF501", f"the reforms are for different rule sets: {named}", None,
                                "compose only reforms written for the same rule set"))
    if not allow_conflicts:
        seen: dict[tuple[str, str], tuple[int, Operation]] = {}
        for i, r in enumerate(reforms):
            for op in r.operations:
                k = op.key()
                prev = seen.get(k)
                if prev is not None and prev[0] != i and prev[1] != op:
                    diags.append(Diagnostic(
                        "RF502", f"reforms {prev[1].origin!r} and {op.origin!r} both change {k[0]} {k[1]!r}: "
                        f"{_describe(prev[1])} / {_describe(op)}", op.location or prev[1].location,
                        "make them agree, or compose(..., allow_conflicts=True) to let the later one win"))
                seen[k] = (i, op)
    if diags:
        raise ReformError(diags)
    ops = tuple(op for r in reforms for op in r.operations)
    descriptions = [f"{r.name}: {r.description}" if r.description else r.name for r in reforms]
    return Reform(
        name=name or "+".join(r.name for r in reforms),
        operations=ops,
        description="Applies in order: " + "; ".join(descriptions) if len(reforms) > 1 else reforms[0].description,
        title_zh=reforms[0].title_zh if len(reforms) == 1 else None,
        title_en=reforms[0].title_en if len(reforms) == 1 else None,
        target=next(iter(targets), None),
        components=tuple(c for r in reforms for c in r.components),
    )


# -- the public entry points of the sibling modules ------------------------------------------------------------
def apply_reform(ruleset: RuleSet, reform: Reform | Iterable[Reform]) -> RuleSet:
    """A NEW rule set: ``ruleset`` with ``reform`` applied (several reforms: applied in order, as composed).

    The changed specification goes through the rule-set loader's checks again (every expression type-checked,
    every count and maximum checked); the base rule set is never changed. The result's version says it is
    reformed (``2026.1+reform.<name>``) and it has its own content hash.
    """
    from .reform_apply import apply

    if not isinstance(reform, Reform):
        reform = compose(*reform)
    return apply(ruleset, reform)


def load_reform(path: str | Path) -> Reform:
    """Read a reform file (YAML with ``kind: reform``) with the hardened reader of rule sets."""
    from .reform_file import load_reform as _load

    return _load(path)


def loads_reform(text: str, *, file: str = "<string>") -> Reform:
    """Read a reform from YAML text; ``file`` names it in error locations."""
    from .reform_file import loads_reform as _loads

    return _loads(text, file=file)
