"""The YAML test-case format of rule sets, in the spirit of OpenFisca's YAML tests, and the comparison of a
breakdown with a case's expectations.

A case file ``<rule set>.test.yaml`` beside a rule set holds shared ``base`` facts and ``cases`` that override
parts of them and state what the breakdown must show. The format is described in ``docs/testing-rulesets.md``.
Here: reading a case file (:func:`load_case_file`), building a case's facts (:func:`build_facts`), comparing a
breakdown with ``expect`` (:func:`compare`) and which rules no case asserts anything about (:func:`coverage`).
Running cases, suites and rule coverage are in :mod:`partyrules.testing.cases` (running needs the evaluator, a
layer above rule sets).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PartyRulesError
from ..facts import parse_subject_facts
from ..periods import Period
from ..results import Line, ScoreBreakdown
from .loader import load_ruleset
from .model import RuleSet
from .yamlsafe import YamlDocument, load_yaml

TOLERANCE = 1e-6
CASE_SUFFIXES = (".test.yaml", ".test.yml")


@dataclass(frozen=True)
class Mismatch:
    """One assertion of a case that the result does not meet.

    ``what`` names the assertion (``total``, ``grade``, ``vetoed``, ``dimension D``, ``line R``, ``status R``,
    ``vetoes``, ``warnings``, ``absent R``, ``raises``, ``error``, ``facts``); ``expected`` is the value the case
    states and ``actual`` the value the evaluation gave; ``note`` says more about the actual value (a line's
    status, amount before its cap and evidence).
    """

    what: str
    expected: Any
    actual: Any
    note: str = ""
    message: str | None = None  # the one-line form when it is not "what: expected X, got Y (note)"
    note_zh: str = ""  # the note in Chinese, with the same values

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        return f"{self.what}: expected {self.expected}, got {self.actual}" + (f" ({self.note})" if self.note else "")



@dataclass
class CaseFile:
    path: Path
    doc: YamlDocument
    ruleset: RuleSet
    cases: list[tuple[int, dict[str, Any]]]


def _merge(base: dict[str, Any] | None, over: dict[str, Any] | None) -> dict[str, Any]:
    """Shallow merge, one level deeper for mapping values (e.g. meetings_attended)."""
    out = dict(base or {})
    for k, v in (over or {}).items():
        out[k] = {**out[k], **v} if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_case_file(path: str | Path) -> CaseFile:
    path = Path(path)
    doc = load_yaml(path.read_bytes(), str(path))
    data = doc.data
    if not isinstance(data, dict) or "ruleset" not in data or not isinstance(data.get("cases"), list):
        raise PartyRulesError(f"{path}: a case file needs 'ruleset:' and a list of 'cases:'",
                              location=doc.location(()))
    ruleset = load_ruleset(path.parent / str(data["ruleset"]))
    return CaseFile(path, doc, ruleset, list(enumerate(data["cases"])))


def build_facts(cf: CaseFile, case: dict[str, Any], period: Period) -> Any:
    base = cf.doc.data.get("base") or {}
    kind = cf.ruleset.subject_kind
    subject = _merge(base.get(kind), case.get(kind))
    sid = subject.get(f"{kind}_id")
    bundle: dict[str, Any] = {kind: subject}
    if kind != "community":
        record = _merge(base.get("record"), case.get("record"))
        months = case.get("months") or {}
        dropped = set(case.get("drop_months") or ())
        unknown = (set(months) | dropped) - {str(period.start + i) for i in range(period.months)}
        if unknown:
            raise PartyRulesError(f"months outside the period {period}: {', '.join(sorted(unknown))}")
        records = []
        for i in range(period.months):
            month = str(period.start + i)
            if month in dropped:
                continue
            records.append({**_merge(record, months.get(month)), f"{kind}_id": sid, "month": month})
        bundle["records"] = records
        annual = base.get("annual")
        if "annual" in case:
            annual = None if case["annual"] is None else _merge(annual, case["annual"])
        if annual is not None:
            bundle["annual"] = {"subject_kind": kind, "subject_id": sid, **annual}
    else:
        bundle["grids"] = [{"community_id": sid, **g} for g in (case.get("grids") or base.get("grids") or ())]
    incidents = []
    for inc in case.get("incidents") or ():
        full = {"subject_kind": kind, "subject_id": sid, "evidence_ref": "case", **inc}
        if full.get("verified") and "verified_by" not in full:
            full["verified_by"] = "test"
        incidents.append(full)
    bundle["incidents"] = incidents
    bundle["commendations"] = [{"subject_kind": kind, "subject_id": sid, **c} for c in case.get("commendations") or ()]
    return parse_subject_facts(bundle)


def close(a: float, b: float) -> bool:
    """Equal within :data:`TOLERANCE` (points are floats)."""
    return math.isclose(a, b, abs_tol=TOLERANCE)


def _num(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


_NOTE_WORDS = {"en": ("before cap", "read", "counted", " and {n} more", "missing", "unexpected", "points"),
               "zh": ("封顶前", "读取", "计入", " 等, 另有 {n} 项", "缺少", "多出", "分")}


def _evidence(ln: Any, lang: str = "en") -> str:
    """A line's status, amount before its cap and evidence, to show beside its points."""
    before, read, counted_word, more, *_ = _NOTE_WORDS[lang]
    text = f"{ln.status}; {before} {_num(ln.before_cap)}"
    reads = ln.evidence.reads
    if reads:
        text += f"; {read} " + ", ".join(f"{k} = {v}" for k, v in reads.items())
    counted = ln.evidence.counted
    if counted:
        text += (f"; {counted_word} " + ", ".join(counted[:6])
                 + (more.format(n=len(counted) - 6) if len(counted) > 6 else ""))
    return text


def _set_note(want: list[str], got: list[str], lang: str = "en") -> str:
    missing_word, extra_word = _NOTE_WORDS[lang][4:6]
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    parts = ([f"{missing_word} {', '.join(missing)}"] if missing else []) + (
        [f"{extra_word} {', '.join(extra)}"] if extra else [])
    return "; ".join(parts)


def compare(b: ScoreBreakdown, expect: dict[str, Any]) -> list[Mismatch]:
    """Every assertion of ``expect`` that the breakdown ``b`` does not meet, in the order of the format."""
    out = _compare_scalars(b, expect)
    out += _compare_dimensions(b, expect.get("dimensions") or {})
    lines = {ln.rule_id: ln for ln in (*b.vetoes, *b.lines)}
    out += _compare_lines(lines, expect.get("lines") or {})
    out += _compare_statuses(lines, expect.get("status") or {})
    out += _compare_fired(b, expect)
    out += _compare_absent(lines, expect.get("absent") or ())
    return out


def _compare_scalars(b: ScoreBreakdown, expect: dict[str, Any]) -> list[Mismatch]:
    """``total``, ``grade`` and ``vetoed``."""
    out: list[Mismatch] = []
    if "total" in expect and not close(b.total, float(expect["total"])):
        out.append(Mismatch("total", expect["total"], b.total))
    if "grade" in expect and b.grade.id != expect["grade"]:
        out.append(Mismatch("grade", expect["grade"], b.grade.id))
    if "vetoed" in expect and b.vetoed != bool(expect["vetoed"]):
        out.append(Mismatch("vetoed", expect["vetoed"], b.vetoed))
    return out


def _compare_dimensions(b: ScoreBreakdown, wanted: dict[str, Any]) -> list[Mismatch]:
    out: list[Mismatch] = []
    for dim, want in wanted.items():
        try:
            got = b.dimension(dim).subtotal
        except KeyError:
            out.append(Mismatch(f"dimension {dim}", want, None, message=f"dimension {dim}: no such dimension"))
            continue
        if not close(got, float(want)):
            out.append(Mismatch(f"dimension {dim}", want, got))
    return out


def _compare_lines(lines: dict[str, Line], wanted: dict[str, Any]) -> list[Mismatch]:
    """Each line's points, with its status and evidence as the note when they differ."""
    out: list[Mismatch] = []
    for rid, want in wanted.items():
        if rid not in lines:
            out.append(Mismatch(f"line {rid}", want, None, "no such line",
                                message=f"line {rid}: expected {want} points, but there is no such line",
                                note_zh="没有这一行"))
        elif not close(lines[rid].points, float(want)):
            out.append(Mismatch(f"line {rid}", want, lines[rid].points, _evidence(lines[rid]),
                                note_zh=_evidence(lines[rid], "zh")))
    return out


def _compare_statuses(lines: dict[str, Line], wanted: dict[str, Any]) -> list[Mismatch]:
    out: list[Mismatch] = []
    for rid, want in wanted.items():
        if rid not in lines:
            out.append(Mismatch(f"status {rid}", want, None, "no such line",
                                message=f"status {rid}: expected {want}, but there is no such line",
                                note_zh="没有这一行"))
        elif lines[rid].status != want:
            out.append(Mismatch(f"status {rid}", want, lines[rid].status, f"{lines[rid].points} points",
                                note_zh=f"{lines[rid].points} 分"))
    return out


def _compare_fired(b: ScoreBreakdown, expect: dict[str, Any]) -> list[Mismatch]:
    """``vetoes`` and ``warnings``: the ids that fired, as a set (order and repeats in the case do not matter)."""
    out: list[Mismatch] = []
    for key, fired in (("vetoes", sorted(v.rule_id for v in b.vetoes)), ("warnings", sorted(w.id for w in b.warnings))):
        if key in expect:
            wanted = sorted(expect[key] or ())
            if fired != wanted:
                out.append(Mismatch(key, wanted, fired, message=f"{key}: expected {wanted}, got {fired}",
                                    note=_set_note(wanted, fired), note_zh=_set_note(wanted, fired, "zh")))
    return out


def _compare_absent(lines: dict[str, Line], absent: Iterable[Any]) -> list[Mismatch]:
    out: list[Mismatch] = []
    for rid in absent:
        if rid in lines:
            ln = lines[rid]
            out.append(Mismatch(f"absent {rid}", "no line", ln.points, ln.status, note_zh=ln.status))
    return out


def check_expectations(b: ScoreBreakdown, expect: dict[str, Any]) -> list[str]:
    """The failed assertions of ``expect`` as one line each (see :func:`compare` for the structured form)."""
    return [str(m) for m in compare(b, expect)]



def iter_cases(path: str | Path) -> Iterator[tuple[CaseFile, int, dict[str, Any]]]:
    cf = load_case_file(path)
    for i, c in cf.cases:
        yield cf, i, c


def coverage(path: str | Path) -> dict[str, list[str]]:
    """Rules no case *asserts* anything about: standards and deductions named in no ``lines``/``status``,
    deductions never ``capped``, vetoes in no ``vetoes`` list. (:func:`rule_coverage` measures instead which
    rules the cases make fire.)"""
    cf = load_case_file(path)
    rs = cf.ruleset
    caps = {k.id: k.spec.cap for k in rs.deductions}
    named: set[str] = set()
    capped: set[str] = set()
    vetoes: set[str] = set()
    for _, c in cf.cases:
        e = c.get("expect") or {}
        named |= set(e.get("lines") or ()) | set(e.get("status") or ())
        capped |= {k for k, v in (e.get("status") or {}).items() if v == "capped"}
        # a line at its cap asserts the cap's boundary too (status applied there: the cap took nothing off), as
        # rule_coverage counts it; a deduction whose cap is one occurrence's points may never exceed it
        capped |= {k for k, v in (e.get("lines") or {}).items() if k in caps and close(-float(v), caps[k])}
        vetoes |= set(e.get("vetoes") or ()) | set(e.get("warnings") or ())
    return {
        "standards": [s.id for s in rs.standards if s.id not in named],
        "deductions": [k.id for k in rs.deductions if k.id not in named],
        "deduction_caps": [k.id for k in rs.deductions if k.id not in capped],
        "vetoes": [v.id for v in rs.vetoes if v.id not in vetoes],
        "checks": [c.id for c in rs.checks if c.id not in vetoes],
    }

