"""Load rule sets from YAML: read safely, validate the format, resolve includes, check every expression.

All problems found in a file are reported together (one :class:`~partyrules.errors.Diagnostic` each, with
``file:line:column`` and a hint), so that an author fixes them in one pass.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import (
    Diagnostic,
    ExpressionError,
    IncludeError,
    Location,
    ParameterError,
    RuleSetError,
    RuleSetLimitError,
    RuleSetSchemaError,
)
from ..lang.ast import ExprProblem
from ..lang.check import Schema, check, suggest
from ..lang.limits import NUMBER_HINT, number_problem, shown
from ..lang.parser import parse
from . import spec as S
from .actionable import actionable_diagnostics
from .cadence import cadence_problems
from .model import Check, Deduction, Dimension, Expression, RuleSet, Standard, Veto
from .schema import schema_for
from .templates import is_template, render
from .templates import problems as template_problems
from .yamlsafe import DEFAULT_LIMITS, Limits, Mark, YamlDocument, load_yaml
from .yamlsafe import Path as YPath

_ALL_KEYS = sorted({name for cls in (S.RuleSetSpec, S.FragmentSpec, S.StandardSpec, S.DeductionSpec, S.VetoSpec,
                                     S.CheckSpec,
                                     S.DimensionSpec, S.GradeSpec, S.ParamSpec, S.RatioSpec, S.RatioToSpec,
                                     S.BandsSpec, S.BandStep, S.PerOccurrenceSpec, S.ExpectSpec, S.MonotoneSpec,
                                     S.ActionableSpec, S.Title)
                    for name in cls.model_fields} | {"from"})


@dataclass(frozen=True, eq=False)
class _Item:
    """A rule-set item and where it was written."""

    spec: Any
    doc: YamlDocument
    path: YPath


@dataclass(frozen=True, eq=False)
class _Sources:
    """Everything needed to rebuild a rule set with other parameters."""

    top: S.RuleSetSpec
    top_doc: YamlDocument
    params: dict[str, _Item]
    dimensions: list[_Item]
    standards: list[_Item]
    deductions: list[_Item]
    vetoes: list[_Item]
    files: tuple[str, ...]
    canonical: dict[str, Any]
    checks: list[_Item]


# -- public API ------------------------------------------------------------------------------------------------
def load_ruleset(
    path: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    root: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RuleSet:
    """Load a rule set from a YAML file.

    ``params`` overrides declared parameters without editing the file. Includes are resolved relative to the
    including file and must stay inside ``root`` (by default the rule set's own directory).
    """
    path = Path(path)
    root_dir = Path(root) if root is not None else path.parent
    reader = _Reader(root_dir, limits)
    doc = reader.read(path, None)
    return _build(doc, reader, params or {})


def loads_ruleset(
    text: str,
    *,
    file: str = "<string>",
    params: Mapping[str, Any] | None = None,
    root: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RuleSet:
    """Load a rule set from YAML text. Includes are only allowed when ``root`` names their directory."""
    reader = _Reader(Path(root) if root is not None else None, limits)
    doc = load_yaml(text, file, limits)
    return _build(doc, reader, params or {})


_VARIANTS = 16  # parameter variants remembered per rule set: a notebook's reforms, not an unbounded cache
_VARIANTS_LOCK = threading.Lock()


def rebuild_with_params(ruleset: RuleSet, overrides: Mapping[str, Any]) -> RuleSet:
    sources: _Sources = ruleset._sources  # type: ignore[attr-defined]
    merged = {**ruleset.params, **_check_overrides(sources, overrides)}
    if merged == dict(ruleset.params):
        return ruleset
    key = json.dumps(merged, sort_keys=True, ensure_ascii=False)
    with _VARIANTS_LOCK:
        cache: dict[str, RuleSet] = ruleset.__dict__.setdefault("_variants", {})
        hit = cache.get(key)
    if hit is None:
        built = _assemble(sources, merged)
        with _VARIANTS_LOCK:
            hit = cache.setdefault(key, built)  # two threads may build it; both get the same one
            while len(cache) > _VARIANTS:
                cache.pop(next(iter(cache)))
    return hit


# -- reading ---------------------------------------------------------------------------------------------------
def _resolved(path: Path, at: Location | None) -> Path:
    """``path`` made absolute with its links followed; a link loop or a name the system refuses (a NUL byte) is an
    include that cannot be read, never a traceback."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop (Python 3.11/3.12)
        raise IncludeError.single("RS120", f"cannot read {_shown_path(path)}: {exc}", at, "check the path") from None


def _unreadable(path: Path, exc: Exception, at: Location | None) -> IncludeError:
    reason = getattr(exc, "strerror", None) or str(exc)
    where = at if at is not None else Location(_shown_path(path))  # the rule set's own file: name it
    return IncludeError.single("RS120", f"cannot read {_shown_path(path)}: {reason}", where, "check the path")


def _shown_path(path: Path | str) -> str:
    return repr(str(path)) if any(ord(c) < 32 or ord(c) == 127 for c in str(path)) else str(path)


class _Reader:
    def __init__(self, root: Path | None, limits: Limits) -> None:
        self.root = _resolved(root, None) if root is not None else None
        self.limits = limits
        self.files: list[str] = []

    def read(self, path: Path, at: Location | None) -> YamlDocument:
        if len(self.files) >= self.limits.max_files:
            raise RuleSetLimitError.single("RS113", f"more than {self.limits.max_files} files in one rule set", at)
        try:
            size = path.stat().st_size
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
            raise _unreadable(path, exc, at) from None
        if size > self.limits.max_bytes:
            raise RuleSetLimitError.single("RS110", f"{path} is {size} bytes, above the limit of "
                                           f"{self.limits.max_bytes}", Location(str(path)),
                                           "split it into included files")
        if not path.is_file():
            raise IncludeError.single("RS120", f"{path} is not a file", at)
        try:
            data = path.read_bytes()
        except OSError as exc:  # no permission, or a file that vanished since stat
            raise _unreadable(path, exc, at) from None
        self.files.append(str(path))
        return load_yaml(data, str(path), self.limits)

    def include(self, name: str, from_doc: YamlDocument, at: Location) -> YamlDocument:
        if self.root is None:
            raise IncludeError.single("RS121", f"cannot include {name!r}: no rule-set directory was given", at,
                                      "load the rule set from a file, or pass root=")
        if Path(name).is_absolute() or "\\" in name or name.startswith("~"):
            raise IncludeError.single("RS122", f"include {name!r} must be a relative path", at,
                                      "write the path relative to the including file")
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise IncludeError.single("RS122", f"include {name!r} holds a control character (a NUL, a tab, a line "
                                      "break...), which no file name of a rule set has", at,
                                      "write the file's name as it is")
        # a document read from disk includes beside itself; one given as a string includes from the root
        read_from_disk = from_doc.file is not None and from_doc.file in self.files
        base = Path(from_doc.file).parent if read_from_disk else self.root  # type: ignore[arg-type]
        target = _resolved(base / name, at)
        try:
            target.relative_to(self.root)
        except ValueError:
            raise IncludeError.single("RS122", f"include {name!r} points outside the rule-set directory "
                                      f"{self.root}", at, "rule sets may only include files beside them") from None
        if target.suffix not in (".yaml", ".yml"):
            raise IncludeError.single("RS122", f"include {name!r} is not a .yaml file", at)
        if str(target) in self.files:
            raise IncludeError.single("RS123", f"{name!r} is included twice", at, "include each file once")
        return self.read(target, at)


# -- validation ------------------------------------------------------------------------------------------------
def _pydantic_diagnostics(exc: ValidationError, doc: YamlDocument, prefix: YPath = ()) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        loc = _data_path(doc.data, tuple(err["loc"]), prefix)
        kind = err["type"]
        hint = None
        if kind == "extra_forbidden":
            key = str(err["loc"][-1])
            message = f"unknown key {key!r}"
            allowed = _keys_at(tuple(err["loc"][:-1]), doc)
            hint = suggest(key, allowed) or ("allowed here: " + ", ".join(allowed))
            location = doc.location((*prefix, *loc), key=True)
        elif kind == "missing":
            message = f"missing required key {str(err['loc'][-1])!r}"
            location = doc.location((*prefix, *loc[:-1]) if loc and loc[-1] == err["loc"][-1] else (*prefix, *loc))
        else:
            shown = repr(err.get("input"))
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            msg = err["msg"].removeprefix("Value error, ")
            message = f"{msg} (got {shown})" if kind != "value_error" else msg
            if loc and loc[-1] == "version":
                hint = 'quote the version, e.g. version: "2026.1"'
            location = doc.location((*prefix, *loc))
        out.append(Diagnostic("RS200", message, location, hint))
    return out


_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    S.RuleSetSpec: {"title": S.Title, "description": S.Title, "effective": S.EffectiveSpec, "expect": S.ExpectSpec,
                    "monotone": S.MonotoneSpec, "dimensions": S.DimensionSpec, "standards": S.StandardSpec,
                    "deductions": S.DeductionSpec, "vetoes": S.VetoSpec, "grading": S.GradeSpec,
                    "params": S.ParamSpec, "checks": S.CheckSpec, "annual": S.AnnualSpec,
                    "actionable": S.ActionableSpec},
    S.AnnualSpec: {"weights": S.AnnualWeightsSpec, "quota": S.QuotaSpec},
    S.StandardSpec: {"ratio": S.RatioSpec, "ratio_to": S.RatioToSpec, "bands": S.BandsSpec,
                     "per_occurrence": S.PerOccurrenceSpec},
    S.BandsSpec: {"steps": S.BandStep},
}
_NESTED[S.FragmentSpec] = {**_NESTED[S.RuleSetSpec], "title": S.Title}


def _keys_at(loc: tuple[Any, ...], doc: YamlDocument) -> list[str]:
    """The keys allowed in the mapping at ``loc``, so a hint never suggests a key that is valid elsewhere."""
    model: type[BaseModel] = S.FragmentSpec if isinstance(doc.data, dict) and doc.data.get("fragment") else \
        S.RuleSetSpec
    skip_name = False
    for part in loc:
        if isinstance(part, int):
            continue
        if skip_name:  # the parameter's own name
            skip_name = False
            continue
        nxt = _NESTED.get(model, {}).get(str(part))
        if nxt is None:
            break
        skip_name = model in (S.RuleSetSpec, S.FragmentSpec) and part == "params"
        model = nxt
    return sorted("from" if n == "from_" else n for n in model.model_fields)


def _data_path(data: Any, loc: tuple[Any, ...], prefix: YPath) -> YPath:
    """Keep the part of a pydantic error location that is a real path in the document (drop union tags)."""
    node = data
    for p in prefix:
        node = node[p] if isinstance(node, (dict, list)) else None
    out: list[str | int] = []
    for part in loc:
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and part == "from_" and "from" in node:
            out.append("from")
            node = node["from"]
        elif isinstance(node, dict):
            out.append(part)  # a missing or unknown key: point at it (or its parent)
            break
        else:
            continue
    return tuple(out)


def _validate(model: type[BaseModel], doc: YamlDocument, diags: list[Diagnostic]) -> Any:
    data = doc.data
    if not isinstance(data, dict):
        diags.append(Diagnostic("RS200", "a rule-set file must be a mapping of keys to values",
                                doc.location(()), "start with 'id: ...'"))
        return None
    data = dict(data)
    # A parameter may be written as its bare value; expand it to {value: ...} before validation.
    if isinstance(data.get("params"), dict):
        data["params"] = {k: (v if isinstance(v, dict) else {"value": v}) for k, v in data["params"].items()}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        diags.extend(_pydantic_diagnostics(exc, doc))
        return None


def _build(doc: YamlDocument, reader: _Reader, overrides: Mapping[str, Any]) -> RuleSet:
    diags: list[Diagnostic] = []
    if isinstance(doc.data, dict) and doc.data.get("fragment") is True:
        raise RuleSetSchemaError.single("RS201", "this file is a fragment: it can only be included by a rule set",
                                        doc.location(()), "load the rule set that includes it")
    top: S.RuleSetSpec | None = _validate(S.RuleSetSpec, doc, diags)
    if top is None:
        diags.extend(_expressions_of_sound_items(doc))
        raise RuleSetSchemaError(diags)
    items: dict[str, list[_Item]] = {k: [] for k in ("dimensions", "standards", "deductions", "vetoes", "checks")}
    params: dict[str, _Item] = {}
    docs = [(top, doc)]
    for i, name in enumerate(top.include):
        at = doc.location(("include", i))
        try:
            inc_doc = reader.include(name, doc, at)
        except RuleSetError as exc:
            diags.extend(exc.diagnostics)
            continue
        frag = _validate(S.FragmentSpec, inc_doc, diags)
        if frag is not None:
            docs.append((frag, inc_doc))
    for body, d in docs:
        for pname in body.params:
            if pname in params:
                diags.append(Diagnostic("RS301", f"parameter {pname!r} is declared twice",
                                        d.location(("params", pname), key=True),
                                        f"first declared at {params[pname].doc.location(('params', pname))}"))
            else:
                params[pname] = _Item(body.params[pname], d, ("params", pname))
        for kind in items:
            for j, it in enumerate(getattr(body, kind)):
                items[kind].append(_Item(it, d, (kind, j)))
    if diags:
        raise _error_class(diags)(diags)
    files = tuple(reader.files) if reader.files else (doc.file or "<string>",)
    canonical = canonical_form(top, items, params)
    sources = _Sources(top, doc, params, items["dimensions"], items["standards"], items["deductions"],
                       items["vetoes"], files, canonical, items["checks"])
    base = {k: v.spec.value for k, v in params.items()}
    effective = {**base, **_check_overrides(sources, overrides)}
    return _assemble(sources, effective)


_ITEM_SPECS: dict[str, type[BaseModel]] = {"dimensions": S.DimensionSpec, "standards": S.StandardSpec,
                                            "deductions": S.DeductionSpec, "vetoes": S.VetoSpec,
                                            "checks": S.CheckSpec}


def _expressions_of_sound_items(doc: YamlDocument) -> list[Diagnostic]:
    """The expression problems of the items whose own structure is valid, in a file whose structure is not: so
    that one run reports both, not the expressions only once the structure is fixed.

    Only where the structure allows: the rule set without its items must be valid (the subject and the parameters
    the expressions are checked against), with no include (whose parameters are not known yet); each item is
    validated on its own and a broken one is left out. Only expression problems are kept: the rest (a dimension
    whose standards no longer add up, once a broken one is left out) would be made up."""
    data = doc.data
    if not isinstance(data, dict):
        return []
    shell = {k: v for k, v in data.items() if k not in _ITEM_SPECS}
    if isinstance(shell.get("params"), dict):
        shell["params"] = {k: (v if isinstance(v, dict) else {"value": v}) for k, v in shell["params"].items()}
    try:
        top = S.RuleSetSpec.model_validate(shell)
    except ValidationError:
        return []
    if top.include:
        return []
    items: dict[str, list[_Item]] = {k: [] for k in _ITEM_SPECS}
    for kind, spec in _ITEM_SPECS.items():
        raw = data.get(kind)
        for j, item in enumerate(raw if isinstance(raw, list) else ()):
            try:
                items[kind].append(_Item(spec.model_validate(item), doc, (kind, j)))
            except ValidationError:
                continue
    params = {name: _Item(p, doc, ("params", name)) for name, p in top.params.items()}
    sources = _Sources(top, doc, params, items["dimensions"], items["standards"], items["deductions"],
                       items["vetoes"], (doc.file or "<string>",), {}, items["checks"])
    try:
        _assemble(sources, {k: v.spec.value for k, v in params.items()})
    except RuleSetError as exc:
        return [d for d in exc.diagnostics if d.code.startswith("EX") or d.code == "RS312"]
    return []


def _check_overrides(sources: _Sources, overrides: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in sources.params:
            raise ParameterError(f"unknown parameter {name!r} for rule set {sources.top.id}",
                                 hint=suggest(name, list(sources.params)) or "see the rule set's params:")
        declared = sources.params[name].spec
        old = declared.value
        if isinstance(value, float) and value != value:  # NaN
            raise ParameterError(f"parameter {name!r} cannot be NaN")
        ok = (
            (isinstance(old, bool) and isinstance(value, bool))
            or (isinstance(old, (int, float)) and not isinstance(old, bool)
                and isinstance(value, (int, float)) and not isinstance(value, bool)
                and value not in (float("inf"), float("-inf")))
            or (isinstance(old, str) and isinstance(value, str))
            or (isinstance(old, list) and isinstance(value, (list, tuple))
                and all(type(x) is type(old[0]) for x in value) if old else isinstance(value, (list, tuple)))
        )
        if not ok:
            raise ParameterError(f"parameter {name!r} must be like {old!r}, not {_short_repr(value)}",
                                 hint="give a value of the declared type")
        for part in (value if isinstance(value, (list, tuple)) else (value,)):
            problem = _override_problem(part)
            if problem is not None:
                raise ParameterError(f"parameter {name!r}: {problem}", hint=NUMBER_HINT if isinstance(
                    part, (int, float)) else "give plain text")
        if declared.choices is not None and value not in declared.choices:
            raise ParameterError(f"parameter {name!r} = {value!r} is not one of {declared.choices}",
                                 hint=suggest(str(value), [str(c) for c in declared.choices]))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if declared.min is not None and value < declared.min:
                raise ParameterError(f"parameter {name!r} = {value} is below its min {declared.min}")
            if declared.max is not None and value > declared.max:
                raise ParameterError(f"parameter {name!r} = {value} is above its max {declared.max}")
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def _override_problem(value: Any) -> str | None:
    """An override holds what a rule-set file may hold: numbers in the one range, text that is text (no lone
    surrogates, which would break the content hash) and no longer than a value of a file."""
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            return "the text holds a lone surrogate, which is not a character (不是有效字符)"
        if len(value) > DEFAULT_LIMITS.max_scalar_chars:
            return (f"a text of {len(value)} characters exceeds the limit of {DEFAULT_LIMITS.max_scalar_chars} "
                    f"(文本超长)")
        return None
    return number_problem(value)


def _short_repr(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return shown(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _error_class(diags: list[Diagnostic]) -> type[RuleSetError]:
    codes = {d.code for d in diags}
    if codes and all(c.startswith("EX") for c in codes):
        return ExpressionError
    if codes & {"RS120", "RS121", "RS122", "RS123"}:
        return IncludeError
    if codes & {"RS110", "RS111", "RS112", "RS113"}:
        return RuleSetLimitError
    return RuleSetSchemaError


def _expr_location(doc: YamlDocument, path: YPath, text: str, offset: int, end: int | None = None) -> Location:
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


def canonical_form(top: Any, items: Mapping[str, list[_Item]], params: Mapping[str, _Item]) -> dict[str, Any]:
    """What a rule set's content hash is computed from (before its effective parameters are added): the top
    level without its item lists, every item, every parameter declaration. Reforms build the same form, so a
    reformed rule set is hashed exactly like a loaded one."""
    canonical: dict[str, Any] = {
        "ruleset": top.model_dump(mode="json", by_alias=True, exclude={"params", "dimensions", "standards",
                                                                        "deductions", "vetoes", "checks", "include",
                                                                        "actionable"}),
        **{k: [it.spec.model_dump(mode="json") for it in v] for k, v in items.items()},
        "params": {k: v.spec.model_dump(mode="json") for k, v in sorted(params.items())},
    }
    if top.actionable is not None:  # declared later than the rest: an undeclared one keeps every earlier hash
        canonical["actionable"] = [a.model_dump(mode="json") for a in top.actionable]
    return canonical


def _assemble(sources: _Sources, params: dict[str, Any]) -> RuleSet:
    top = sources.top
    schema: Schema = schema_for(top.subject)
    diags: list[Diagnostic] = []

    def compile_expr(item: _Item, rel: YPath, text: str | None, expected: str) -> Expression | None:
        if text is None:
            return None
        path = (*item.path, *rel)
        try:
            node = parse(text)
            out = check(node, text, schema, params, expected)
        except ExprProblem as p:
            diags.append(Diagnostic(p.code, p.message, _expr_location(item.doc, path, text, p.start, p.end), p.hint))
            return None
        except RecursionError:
            diags.append(Diagnostic("EX111", "expression nested too deeply", item.doc.location(path),
                                    "simplify the expression"))
            return None
        return Expression(text, out, _expr_location(item.doc, path, text, 0))

    templates: dict[str, dict[str, str]] = {}

    def text(item: _Item, rel: YPath, value: str) -> str:
        """A shown text rendered with the parameters in force; a placeholder naming no declared parameter is an
        error at its own character."""
        bad = template_problems(value, params)
        for p in bad:
            diags.append(Diagnostic("RS312", p.message, _expr_location(item.doc, (*item.path, *rel), value, p.start,
                                                                       p.end), p.hint))
        return value if bad else render(value, params, "zh" if rel[-1] == "zh" else "en")

    def rendered(item: _Item, spec: Any, key: str, rel: YPath = ()) -> Any:
        """``spec`` with its templated zh/en texts rendered; the templates are kept under ``key`` for audit."""
        changes = {lang: text(item, (*rel, lang), getattr(spec, lang)) for lang in ("zh", "en")
                   if is_template(getattr(spec, lang))}
        if not changes:
            return spec
        templates[key] = {lang: getattr(spec, lang) for lang in changes}
        return spec.model_copy(update=changes)

    top_item = _Item(top, sources.top_doc, ())
    shown_top = top
    title = rendered(top_item, top.title, "title", ("title",))
    description = None if top.description is None else \
        rendered(top_item, top.description, "description", ("description",))
    if title is not top.title or description is not top.description:
        shown_top = top.model_copy(update={"title": title, "description": description})
    applies_to = compile_expr(top_item, ("applies_to",), top.applies_to, "bool")

    dimensions: list[Dimension] = []
    seen: dict[str, Location] = {}

    def unique(kind: str, ident: str, item: _Item) -> None:
        loc = item.doc.location((*item.path, "id"))
        if ident in seen:
            diags.append(Diagnostic("RS301", f"{kind} id {ident!r} is used twice", loc,
                                    f"first used at {seen[ident]}"))
        else:
            seen[ident] = loc

    for it in sources.dimensions:
        d = rendered(it, it.spec, it.spec.id)
        unique("dimension", d.id, it)
        dimensions.append(Dimension(d.id, d.zh, d.en, float(d.max), d.source))
    dim_ids = [d.id for d in dimensions]

    def check_dimension(item: _Item, dim: str | None) -> None:
        if dim is not None and dim not in dim_ids:
            diags.append(Diagnostic("RS302", f"unknown dimension {dim!r}", item.doc.location((*item.path, "dimension")),
                                    suggest(dim, dim_ids) or ("dimensions: " + ", ".join(dim_ids))))

    standards: list[Standard] = []
    for it in sources.standards:
        s: S.StandardSpec = rendered(it, it.spec, it.spec.id)
        unique("rule", s.id, it)
        check_dimension(it, s.dimension)
        exprs: dict[str, Expression | None] = {"when": compile_expr(it, ("when",), s.when, "bool")}
        m = s.method
        if m == "flag":
            exprs["flag"] = compile_expr(it, ("flag",), s.flag, "bool")
        elif m == "ratio":
            assert s.ratio is not None
            exprs["numerator"] = compile_expr(it, ("ratio", "numerator"), s.ratio.numerator, "num")
            exprs["denominator"] = compile_expr(it, ("ratio", "denominator"), s.ratio.denominator, "num")
        elif m == "ratio_to":
            assert s.ratio_to is not None
            exprs["value"] = compile_expr(it, ("ratio_to", "value"), s.ratio_to.value, "num")
            exprs["target"] = compile_expr(it, ("ratio_to", "target"), s.ratio_to.target, "num")
        elif m == "bands":
            assert s.bands is not None
            exprs["value"] = compile_expr(it, ("bands", "value"), s.bands.value, "num")
        else:
            assert s.per_occurrence is not None
            exprs["count"] = compile_expr(it, ("per_occurrence", "count"), s.per_occurrence.count, "num")
        compiled = {k: v for k, v in exprs.items() if v is not None}
        for code, message, hint in cadence_problems(s.due, compiled):
            diags.append(Diagnostic(code, message, it.doc.location((*it.path, "due")), hint))
        standards.append(Standard(s, m, compiled, it.doc.location(it.path)))

    deductions: list[Deduction] = []
    for it in sources.deductions:
        k: S.DeductionSpec = rendered(it, it.spec, it.spec.id)
        unique("rule", k.id, it)
        check_dimension(it, k.dimension)
        if k.cap < k.points:
            diags.append(Diagnostic("RS305", f"cap {k.cap:g} is below the points per occurrence {k.points:g}",
                                    it.doc.location((*it.path, "cap")), "raise the cap or lower the points"))
        ex = {"per": compile_expr(it, ("per",), k.per, "num"), "when": compile_expr(it, ("when",), k.when, "bool")}
        kept = {a: b for a, b in ex.items() if b is not None}
        for code, message, hint in cadence_problems(k.due, kept):
            diags.append(Diagnostic(code, message, it.doc.location((*it.path, "due")), hint))
        deductions.append(Deduction(k, kept, it.doc.location(it.path)))

    vetoes: list[Veto] = []
    for it in sources.vetoes:
        v: S.VetoSpec = rendered(it, it.spec, it.spec.id)
        unique("rule", v.id, it)
        check_dimension(it, v.dimension)
        ex = {"when": compile_expr(it, ("when",), v.when, "bool")}
        vetoes.append(Veto(v, {a: b for a, b in ex.items() if b is not None}, it.doc.location(it.path)))

    checks: list[Check] = []
    for it in sources.checks:
        c: S.CheckSpec = rendered(it, it.spec, it.spec.id)
        unique("rule", c.id, it)
        ex = {"when": compile_expr(it, ("when",), c.when, "bool")}
        checks.append(Check(c, {a: b for a, b in ex.items() if b is not None}, it.doc.location(it.path)))

    doc = sources.top_doc
    for d in dimensions:
        total = sum(s.points for s in standards if s.dimension == d.id)
        j = dim_ids.index(d.id)
        if not any(s.dimension == d.id for s in standards):
            diags.append(Diagnostic("RS306", f"dimension {d.id!r} has no standards",
                                    sources.dimensions[j].doc.location(sources.dimensions[j].path),
                                    "add standards or remove the dimension"))
        elif total < d.max - 1e-9:  # more than the max is only a warning of lint (RS502): subtotals are capped
            diags.append(Diagnostic("RS303", f"the standards of dimension {d.id!r} add up to {total:g}, "
                                    f"not its max {d.max:g}",
                                    sources.dimensions[j].doc.location((*sources.dimensions[j].path, "max")),
                                    "make the standards' points sum to the dimension's max"))
    cuts = [g.at_least for g in top.grading]
    if cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts) or cuts[-1] != 0:
        diags.append(Diagnostic("RS304", "grading must list grades from the highest at_least down to a last "
                                "grade at 0", doc.location(("grading",)),
                                "the last grade is the one vetoes force"))
    if len({g.id for g in top.grading}) != len(top.grading):
        diags.append(Diagnostic("RS301", "a grade id is used twice", doc.location(("grading",))))
    max_points = sum(d.max for d in dimensions)
    if cuts and cuts[0] > max_points:
        diags.append(Diagnostic("RS304", f"grade {top.grading[0].id!r} needs {cuts[0]:g} but the maximum is "
                                f"{max_points:g}", doc.location(("grading", 0, "at_least"))))
    if top.monotone is not None:
        known = _monotone_targets(schema)
        for side in ("increasing", "decreasing"):
            for j, name in enumerate(getattr(top.monotone, side)):
                if name not in known:
                    diags.append(Diagnostic("RS307", f"monotone field {name!r} is not a numeric or true/false "
                                            "fact field", doc.location(("monotone", side, j)),
                                            suggest(name, sorted(known))))
    if top.actionable is not None:
        diags.extend(actionable_diagnostics(top.actionable, top.subject, doc))
    if top.annual is not None:
        diags.extend(_annual_diagnostics(top.annual, params, {g.id for g in top.grading}, top.subject, doc))
    counts = {"dimensions": len(dimensions), "standards": len(standards), "deductions": len(deductions),
              "vetoes": len(vetoes), "checks": len(checks)}
    if top.expect is not None:
        for key, n in counts.items():
            want = getattr(top.expect, key)
            if want is not None and want != n:
                diags.append(Diagnostic("RS401", f"expected {want} {key} but the rule set (with its includes) "
                                        f"has {n}", doc.location(("expect", key)),
                                        "add or remove items, or correct the declared count"))
    if diags:
        raise _error_class(diags)(diags)

    canonical = dict(sources.canonical)
    canonical["effective_params"] = {k: params[k] for k in sorted(params)}
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False,
                                       separators=(",", ":")).encode()).hexdigest()
    rs = RuleSet(
        spec=shown_top,
        schema=schema,
        params=dict(params),
        dimensions=tuple(dimensions),
        standards=tuple(standards),
        deductions=tuple(deductions),
        vetoes=tuple(vetoes),
        grades=tuple(top.grading),
        applies_to=applies_to,
        content_hash=digest,
        files=sources.files,
        base_params={k: v.spec.value for k, v in sources.params.items()},
        checks=tuple(checks),
        templates=templates,
    )
    object.__setattr__(rs, "_sources", sources)
    return rs


def _annual_diagnostics(annual: S.AnnualSpec, params: Mapping[str, Any], grades: set[str], subject: str,
                        doc: YamlDocument) -> list[Diagnostic]:
    refs: list[tuple[tuple[Any, ...], str | None]] = [
        (("annual", "weights", k), getattr(annual.weights, k)) for k in type(annual.weights).model_fields]
    refs += [(("annual", "quota", "share"), annual.quota.share if annual.quota else None),
             (("annual", "correction_months"), annual.correction_months)]
    if annual.funding is not None:
        refs += [(("annual", "funding", k), getattr(annual.funding, k)) for k in type(annual.funding).model_fields]
    out: list[Diagnostic] = []
    for path, name in refs:
        if name is None:
            continue
        value = params.get(name)
        if name not in params:
            out.append(Diagnostic("RS308", f"{'.'.join(map(str, path))} names the parameter {name!r}, which is not "
                                  "declared", doc.location(path), suggest(name, sorted(params)) or "declare it under "
                                  "params:"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            out.append(Diagnostic("RS308", f"{'.'.join(map(str, path))} needs a non-negative number, but parameter "
                                  f"{name!r} is {value!r}", doc.location(path)))
    if annual.quota is not None and annual.quota.grade not in grades:
        out.append(Diagnostic("RS308", f"the quota names the grade {annual.quota.grade!r}, which is not graded",
                              doc.location(("annual", "quota", "grade")), suggest(annual.quota.grade, sorted(grades))))
    if annual.funding is not None and subject != "branch":
        out.append(Diagnostic("RS308", "funding weights belong to a branch's annual result only",
                              doc.location(("annual", "funding")), "remove funding: from a member rule set"))
    if (annual.weights.secretary_review is not None) != (subject == "branch"):
        out.append(Diagnostic("RS308", "the secretary's report review is an input of a branch's annual result only",
                              doc.location(("annual", "weights")),
                              "give weights.secretary_review for branches, and not for members"))
    return out


def _monotone_targets(schema: Schema) -> set[str]:
    out = {n for n, t in schema.subject_fields.items() if t.kind in ("num", "bool")}
    for cname, coll in schema.collections.items():
        if coll.from_subject:
            continue
        for n, t in coll.fields.items():
            if t.kind in ("num", "bool"):
                out.add(f"{cname}.{n}")
            if t.kind == "model" and t.model is not None:
                from ..lang.types import model_fields

                for sub, st in model_fields(t.model).items():
                    if st.kind in ("num", "bool"):
                        out.add(f"{cname}.{n}.{sub}")
    out |= {f"annual.{n}" for n, t in schema.annual_fields.items() if t.kind in ("num", "bool")}
    return out

