"""Load rule sets from YAML: read safely, validate the format, resolve includes, check every expression.

All problems found in a file are reported together (one :class:`~partyrules.errors.Diagnostic` each, with
``file:line:column`` and a hint), so that an author fixes them in one pass. The work is split by seam: reading the
files and validating the format (:mod:`.reading`), the sources collected from them (:mod:`.sources`), parameter
overrides (:mod:`.overrides`) and assembling the rule set in named stages (:mod:`.assembly`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Diagnostic, RuleSetError, RuleSetSchemaError
from . import spec as S
from .assembly import assemble
from .model import RuleSet
from .overrides import check_overrides
from .problems import error_class
from .reading import Reader, validate_document
from .sources import Item, Sources, canonical_form
from .yamlsafe import DEFAULT_LIMITS, Limits, YamlDocument, load_yaml

__all__ = ["load_ruleset", "loads_ruleset", "rebuild_with_params"]

_ITEM_KINDS = ("dimensions", "standards", "deductions", "vetoes", "checks")


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
    reader = Reader(root_dir, limits)
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
    reader = Reader(Path(root) if root is not None else None, limits)
    doc = load_yaml(text, file, limits)
    return _build(doc, reader, params or {})


_VARIANTS = 16  # parameter variants remembered per rule set: a notebook's reforms, not an unbounded cache
_VARIANTS_LOCK = threading.Lock()


def rebuild_with_params(ruleset: RuleSet, overrides: Mapping[str, Any]) -> RuleSet:
    sources = ruleset.sources
    merged = {**ruleset.params, **check_overrides(sources, overrides)}
    if merged == dict(ruleset.params):
        return ruleset
    key = json.dumps(merged, sort_keys=True, ensure_ascii=False)
    with _VARIANTS_LOCK:
        cache: dict[str, RuleSet] = ruleset.__dict__.setdefault("_variants", {})
        hit = cache.get(key)
    if hit is None:
        built = assemble(sources, merged)
        with _VARIANTS_LOCK:
            hit = cache.setdefault(key, built)  # two threads may build it; both get the same one
            while len(cache) > _VARIANTS:
                cache.pop(next(iter(cache)))
    return hit



# -- collecting the sources ------------------------------------------------------------------------------------
def _build(doc: YamlDocument, reader: Reader, overrides: Mapping[str, Any]) -> RuleSet:
    if isinstance(doc.data, dict) and doc.data.get("fragment") is True:
        raise RuleSetSchemaError.single("RS201", "this file is a fragment: it can only be included by a rule set",
                                        doc.location(()), "load the rule set that includes it")
    sources = _collect(doc, reader)
    base = {k: v.spec.value for k, v in sources.params.items()}
    effective = {**base, **check_overrides(sources, overrides)}
    return assemble(sources, effective)


def _collect(doc: YamlDocument, reader: Reader) -> Sources:
    """The rule set's specification, its includes' items and its parameters, each with where it was written."""
    diags: list[Diagnostic] = []
    top: S.RuleSetSpec | None = validate_document(S.RuleSetSpec, doc, diags)
    if top is None:
        diags.extend(_expressions_of_sound_items(doc))
        raise RuleSetSchemaError(diags)
    items: dict[str, list[Item]] = {k: [] for k in _ITEM_KINDS}
    params: dict[str, Item] = {}
    docs = [(top, doc)]
    for i, name in enumerate(top.include):
        at = doc.location(("include", i))
        try:
            inc_doc = reader.include(name, doc, at)
        except RuleSetError as exc:
            diags.extend(exc.diagnostics)
            continue
        frag = validate_document(S.FragmentSpec, inc_doc, diags)
        if frag is not None:
            docs.append((frag, inc_doc))
    for body, d in docs:
        for pname in body.params:
            if pname in params:
                diags.append(Diagnostic("RS301", f"parameter {pname!r} is declared twice",
                                        d.location(("params", pname), key=True),
                                        f"first declared at {params[pname].doc.location(('params', pname))}"))
            else:
                params[pname] = Item(body.params[pname], d, ("params", pname))
        for kind in items:
            for j, it in enumerate(getattr(body, kind)):
                items[kind].append(Item(it, d, (kind, j)))
    if diags:
        raise error_class(diags)(diags)
    files = tuple(reader.files) if reader.files else (doc.file or "<string>",)
    canonical = canonical_form(top, items, params)
    return Sources(top, doc, params, items["dimensions"], items["standards"], items["deductions"],
                   items["vetoes"], files, canonical, items["checks"])


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
    items: dict[str, list[Item]] = {k: [] for k in _ITEM_SPECS}
    for kind, spec in _ITEM_SPECS.items():
        raw = data.get(kind)
        for j, item in enumerate(raw if isinstance(raw, list) else ()):
            try:
                items[kind].append(Item(spec.model_validate(item), doc, (kind, j)))
            except ValidationError:
                continue
    params = {name: Item(p, doc, ("params", name)) for name, p in top.params.items()}
    sources = Sources(top, doc, params, items["dimensions"], items["standards"], items["deductions"],
                       items["vetoes"], (doc.file or "<string>",), {}, items["checks"])
    try:
        assemble(sources, {k: v.spec.value for k, v in params.items()})
    except RuleSetError as exc:
        return [d for d in exc.diagnostics if d.code.startswith("EX") or d.code == "RS312"]
    return []
