"""Reading rule-set files: the files themselves (sizes, includes kept inside the rule-set directory) and the
validation of a document against the format, each problem a diagnostic at its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Diagnostic, IncludeError, Location, RuleSetLimitError
from ..lang.check import suggest
from . import spec as S
from .yamlsafe import Limits, YamlDocument, load_yaml
from .yamlsafe import Path as YPath

__all__ = ["Reader", "validate_document"]


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


class Reader:
    """Reads a rule set's files, counting them against the limits and keeping includes inside ``root``."""

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



def _pydantic_diagnostics(exc: ValidationError, doc: YamlDocument, prefix: YPath = ()) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        loc = document_path(doc.data, tuple(err["loc"]), prefix)
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


# What pydantic adds to an error's location for a union member (not a key of the document).
_UNION_TAGS = ("bool", "int", "float", "str", "list[str]", "list[float]")


def _is_union_tag(part: object) -> bool:
    return isinstance(part, str) and (part in _UNION_TAGS or part.startswith(("function-", "list[")))


def document_path(data: Any, loc: tuple[Any, ...], prefix: YPath = ()) -> YPath:
    """The part of a pydantic error location that is a real path in the YAML document: union tags dropped, the
    ``from_`` alias read as ``from``, and a missing or unknown key kept (pointing at it, or at its parent). Rule-set
    files and reform files both place their validation errors with it."""
    node = data
    for p in prefix:
        # two branches so that the type checker sees a list indexed by an int (a prefix is a path in the document)
        if isinstance(node, dict):  # noqa: SIM114
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int):
            node = node[p]
        else:
            node = None
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
        elif isinstance(node, dict) and not _is_union_tag(part):
            out.append("from" if part == "from_" else part)  # a missing or unknown key: point at it (or its parent)
            break
    return tuple(out)


def validate_document(model: type[BaseModel], doc: YamlDocument, diags: list[Diagnostic]) -> Any:
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
