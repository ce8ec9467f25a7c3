"""Reform files: the YAML format of a reform, read with the hardened reader of rule sets, and written back.

Every problem is a :class:`~partyrules.analyse.reform.ReformError` diagnostic at ``file:line:col``; unknown keys
get the nearest allowed key as a hint. The format is described in ``docs/reforms.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import Diagnostic, Location
from ..lang.check import suggest
from ..rulesets import spec as S
from ..rulesets.reading import document_path
from ..rulesets.yamlsafe import DEFAULT_LIMITS, Limits, YamlDocument, load_yaml
from .reform import (
    ITEM_KINDS,
    REPLACEABLE,
    AddItem,
    Operation,
    Reform,
    ReformError,
    RemoveItem,
    ReplaceItem,
    Reweight,
    SetGrade,
    SetParam,
)

ReformName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.+-]{0,199}$")]
GradeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]


class _R(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class ReformTitleSpec(_R):
    zh: Text | None = None
    en: Text | None = None


class ItemsSpec(_R):
    """Items by kind, written as in a rule set."""

    dimensions: list[S.DimensionSpec] = Field(default_factory=list, max_length=100)
    standards: list[S.StandardSpec] = Field(default_factory=list, max_length=2000)
    deductions: list[S.DeductionSpec] = Field(default_factory=list, max_length=2000)
    vetoes: list[S.VetoSpec] = Field(default_factory=list, max_length=500)
    checks: list[S.CheckSpec] = Field(default_factory=list, max_length=500)


class StepSpec(_R):
    """One step of a reform: its operations are applied in the order of the keys below."""

    set_params: dict[S.ParamName, S.ParamValue] = Field(default_factory=dict, max_length=500)
    remove: list[S.RuleId] = Field(default_factory=list, max_length=2000)
    replace: ItemsSpec | None = None
    add: ItemsSpec | None = None
    reweight: dict[S.RuleId, S.Points] = Field(default_factory=dict, max_length=100)
    scale_deductions: bool = False
    grades: dict[GradeId, S.NonNegative] = Field(default_factory=dict, max_length=20)


class ReformSpec(StepSpec):
    """A reform file."""

    kind: Literal["reform"]
    name: ReformName
    title: ReformTitleSpec | None = None
    description: Text | None = None
    target: S.RuleSetId | None = None
    steps: list[StepSpec] = Field(default_factory=list, max_length=100)


_STEP_KEYS = tuple(StepSpec.model_fields)
_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    ReformSpec: {"title": ReformTitleSpec, "replace": ItemsSpec, "add": ItemsSpec, "steps": StepSpec},
    StepSpec: {"replace": ItemsSpec, "add": ItemsSpec},
    ItemsSpec: {"dimensions": S.DimensionSpec, "standards": S.StandardSpec, "deductions": S.DeductionSpec,
                "vetoes": S.VetoSpec, "checks": S.CheckSpec},
    S.StandardSpec: {"ratio": S.RatioSpec, "ratio_to": S.RatioToSpec, "bands": S.BandsSpec,
                     "per_occurrence": S.PerOccurrenceSpec},
    S.BandsSpec: {"steps": S.BandStep},
}
_MAPS_OF_VALUES = {"set_params", "reweight", "grades"}  # their keys are names, not keys of the format


# -- reading ---------------------------------------------------------------------------------------------------
def load_reform(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Reform:
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise OSError(f"{path} is not a file")
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ReformError.single("RF100", f"cannot read the reform file {path}: {reason}", Location(str(path)),
                                 "check the path") from None
    if size > limits.max_bytes:
        raise ReformError.single("RS110", f"{path} is {size} bytes, above the limit of {limits.max_bytes}",
                                 Location(str(path)), "a reform is a few changes: keep it small")
    return _from_document(load_yaml(path.read_bytes(), str(path), limits))


def loads_reform(text: str, *, file: str = "<string>", limits: Limits = DEFAULT_LIMITS) -> Reform:
    return _from_document(load_yaml(text, file, limits))


def reform_from_data(data: dict[str, Any], *, file: str) -> Reform:
    """A reform from plain data (what :meth:`Reform.make` builds), validated like a file."""
    return _from_document(YamlDocument(data, {}, file, {}, ""))


def _from_document(doc: YamlDocument) -> Reform:
    data = doc.data
    if not isinstance(data, dict):
        raise ReformError.single("RF200", "a reform file must be a mapping of keys to values", doc.location(()),
                                 "start with 'kind: reform' and 'name: ...'")
    try:
        spec = ReformSpec.model_validate(data)
    except ValidationError as exc:
        raise ReformError(_diagnostics(exc, doc)) from None
    diags: list[Diagnostic] = []
    top_ops = [k for k in _STEP_KEYS if k in spec.model_fields_set and k in data]
    if spec.steps and top_ops:
        diags.append(Diagnostic("RF202", f"a reform gives either steps: or operations at the top ({', '.join(top_ops)})"
                                ", not both", doc.location((top_ops[0],), key=True),
                                "move the operations into a step"))
    steps: list[tuple[StepSpec, tuple[str | int, ...]]] = (
        [(s, ("steps", i)) for i, s in enumerate(spec.steps)] if spec.steps else [(spec, ())])
    ops: list[Operation] = []
    for step, prefix in steps:
        ops.extend(_step_ops(step, prefix, doc, diags))
    if diags:
        raise ReformError(diags)
    title = spec.title or ReformTitleSpec()
    return Reform(name=spec.name, operations=tuple(ops), title_zh=title.zh, title_en=title.en,
                  description=spec.description, target=spec.target, file=doc.file)


def _step_ops(step: StepSpec, prefix: tuple[str | int, ...], doc: YamlDocument,
              diags: list[Diagnostic]) -> list[Operation]:
    ops: list[Operation] = []
    for name, value in step.set_params.items():
        ops.append(SetParam(name, value, location=doc.location((*prefix, "set_params", name), key=True)))
    for j, ident in enumerate(step.remove):
        ops.append(RemoveItem(ident, location=doc.location((*prefix, "remove", j))))
    for verb, items in (("replace", step.replace), ("add", step.add)):
        if items is None:
            continue
        for kind in ITEM_KINDS:
            for j, item in enumerate(getattr(items, kind)):
                path = (*prefix, verb, kind, j)
                at = doc.location(path)
                if verb == "replace" and kind not in REPLACEABLE:
                    diags.append(Diagnostic("RF203", f"dimension {item.id!r} cannot be replaced", at,
                                            "change its maximum with reweight:"))
                    continue
                cls = ReplaceItem if verb == "replace" else AddItem
                ops.append(cls(kind, item, source=(doc, path), location=at))
    if step.scale_deductions and not step.reweight:
        diags.append(Diagnostic("RF204", "scale_deductions is given without reweight:", doc.location(
            (*prefix, "scale_deductions"), key=True), "it scales the deductions of the dimensions reweight: names"))
    for dim, new_max in step.reweight.items():
        ops.append(Reweight(dim, float(new_max), step.scale_deductions,
                            location=doc.location((*prefix, "reweight", dim), key=True)))
    for grade, at_least in step.grades.items():
        ops.append(SetGrade(grade, float(at_least), location=doc.location((*prefix, "grades", grade), key=True)))
    return ops


def _diagnostics(exc: ValidationError, doc: YamlDocument) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        raw = tuple(err["loc"])
        path = document_path(doc.data, raw)
        kind = err["type"]
        hint: str | None = None
        if kind == "extra_forbidden":
            key = str(raw[-1])
            allowed = _keys_at(raw[:-1])
            out.append(Diagnostic("RF201", f"unknown key {key!r}", doc.location(path, key=True),
                                  suggest(key, allowed) or ("allowed here: " + ", ".join(allowed))))
            continue
        if kind == "missing":
            key = str(raw[-1])
            parent = path[:-1] if path and path[-1] == raw[-1] else path
            hint = "a reform file starts with 'kind: reform'" if key == "kind" else None
            out.append(Diagnostic("RF201", f"missing required key {key!r}", doc.location(parent), hint))
            continue
        if kind == "literal_error" and raw == ("kind",):
            hint = "a reform file says 'kind: reform'"
        shown = repr(err.get("input"))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        msg = err["msg"].removeprefix("Value error, ")
        message = f"{msg} (got {shown})" if kind != "value_error" else msg
        out.append(Diagnostic("RF201", message, doc.location(path), hint))
    # pydantic reports a union failure once per member type: one message per place and text is enough
    seen: set[tuple[str, str]] = set()
    unique = []
    for d in out:
        k = (str(d.location), d.message.split(" (got")[0])
        if k not in seen:
            seen.add(k)
            unique.append(d)
    return unique


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = ReformSpec
    for part in loc:
        if isinstance(part, int):
            continue
        nxt = _NESTED.get(model, {}).get(str(part))
        if nxt is None:
            break
        model = nxt
    return sorted(model.model_fields)


# -- writing ---------------------------------------------------------------------------------------------------
_RANK = {SetParam: 0.0, RemoveItem: 1.0, Reweight: 4.0, SetGrade: 5.0}


def _rank(op: Operation) -> float:
    if isinstance(op, ReplaceItem):
        return 2.0 + ITEM_KINDS.index(op.kind) / 10
    if isinstance(op, AddItem):
        return 3.0 + ITEM_KINDS.index(op.kind) / 10
    return _RANK[type(op)]


def _steps(ops: tuple[Operation, ...]) -> list[list[Operation]]:
    """Split the operations into the fewest steps that a file reads back in the same order."""
    steps: list[list[Operation]] = []
    current: list[Operation] = []
    keys: set[tuple[str, str, str]] = set()
    scale: bool | None = None
    for op in ops:
        k = (type(op).__name__, *op.key())
        clash = bool(current) and (_rank(op) < _rank(current[-1]) or k in keys
                                   or (isinstance(op, Reweight) and scale is not None
                                       and op.scale_deductions != scale))
        if clash:
            steps.append(current)
            current, keys, scale = [], set(), None
        current.append(op)
        keys.add(k)
        if isinstance(op, Reweight):
            scale = op.scale_deductions
    if current:
        steps.append(current)
    return steps


def _dump_spec(spec: BaseModel) -> dict[str, Any]:
    return spec.model_dump(mode="json", by_alias=True, exclude_none=True)


def _step_data(ops: list[Operation]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for op in ops:
        if isinstance(op, SetParam):
            out.setdefault("set_params", {})[op.name] = list(op.value) if isinstance(op.value, tuple) else op.value
        elif isinstance(op, RemoveItem):
            out.setdefault("remove", []).append(op.id)
        elif isinstance(op, (ReplaceItem, AddItem)):
            verb = "replace" if isinstance(op, ReplaceItem) else "add"
            out.setdefault(verb, {}).setdefault(op.kind, []).append(_dump_spec(op.spec))
        elif isinstance(op, Reweight):
            out.setdefault("reweight", {})[op.dimension] = op.max
            if op.scale_deductions:
                out["scale_deductions"] = True
        else:
            out.setdefault("grades", {})[op.grade] = op.at_least
    order = [k for k in _STEP_KEYS if k in out]
    return {k: out[k] for k in order}


def reform_to_yaml(reform: Reform) -> str:
    data: dict[str, Any] = {"kind": "reform", "name": reform.name}
    if reform.title_zh is not None or reform.title_en is not None:
        data["title"] = {k: v for k, v in (("zh", reform.title_zh), ("en", reform.title_en)) if v is not None}
    if reform.description is not None:
        data["description"] = reform.description
    if reform.target is not None:
        data["target"] = reform.target
    steps = _steps(reform.operations)
    if len(steps) == 1:
        data.update(_step_data(steps[0]))
    elif steps:
        data["steps"] = [_step_data(s) for s in steps]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
