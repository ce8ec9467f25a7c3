"""One subject's explained score as plain data for the page template, in Chinese or English: vetoes first, then
each dimension's rules with their text, points, cap, status and what they read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..results import ScoreBreakdown
from ..results.breakdown import Evidence, Line
from .pagewords import status_word, word

_COUNTED_SHOWN = 6  # the items a rule counted, shown by id before "+N"


def num(x: float) -> str:
    """Points as the library's text renderings print them: no trailing zeros, at most two decimals."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


@dataclass
class RuleRow:
    rule_id: str
    text: str
    points: str
    cap: str
    status: str
    said: list[str]
    reads: list[str]
    tone: str  # "lost" (negative), "full" (at the cap) or ""


@dataclass
class DimensionBlock:
    id: str
    name: str
    subtotal: str
    assessed_max: str
    rules: list[RuleRow] = field(default_factory=list)


@dataclass
class ScoreView:
    title: str
    total: str
    max_points: str
    grade: str
    vetoed_note: str
    scaled: str
    ruleset: str
    vetoes: list[RuleRow]
    dimensions: list[DimensionBlock]
    not_assessed: list[str]
    warnings: list[str]


def _said(ev: Evidence, lang: str) -> list[str]:
    words = list(ev.zh if lang == "zh" else ev.en)
    if ev.counted:
        more = len(ev.counted) - _COUNTED_SHOWN
        words.append("[" + ", ".join(ev.counted[:_COUNTED_SHOWN]) + (f", +{more}" if more > 0 else "") + "]")
    return words


def _reads(ev: Evidence) -> list[str]:
    return [f"{k} = {_value(v)}" for k, v in sorted(ev.reads.items())]


def _value(v: Any) -> str:
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def _row(ln: Line, lang: str) -> RuleRow:
    tone = "lost" if ln.points < 0 else "full" if ln.points >= ln.max_points and ln.max_points > 0 else ""
    return RuleRow(ln.rule_id, ln.zh if lang == "zh" else ln.en, num(ln.points), num(ln.max_points),
                   status_word(ln.status, lang), _said(ln.evidence, lang), _reads(ln.evidence), tone)


def score_view(b: ScoreBreakdown, lang: str) -> ScoreView:
    zh = lang == "zh"
    dims = []
    for d in b.dimensions:
        block = DimensionBlock(d.id, d.zh if zh else d.en, num(d.subtotal), num(d.assessed_max))
        block.rules = [_row(ln, lang) for ln in b.lines if ln.dimension == d.id]
        dims.append(block)
    scaled = "" if b.assessed_max == b.max_points else word("scaled", lang).format(
        got=num(b.assessed_total), of=num(b.assessed_max), max=num(b.max_points), total=num(b.total))
    vetoed_note = ""
    if b.vetoed and b.veto_effect == "zero_total":
        vetoed_note = "(已被否决, 总分清零)" if zh else "(vetoed: the total is set to 0)"
    elif b.vetoed:
        vetoed_note = "(一票否决: 等次由否决项决定)" if zh else "(vetoed: the veto decides the grade)"
    return ScoreView(
        title=b.title_zh if zh else b.title_en, total=num(b.total), max_points=num(b.max_points),
        grade=b.grade.zh if zh else b.grade.en, vetoed_note=vetoed_note, scaled=scaled,
        ruleset=f"{b.ruleset_id} {b.ruleset_version} · {word('hash', lang)} {b.ruleset_hash[:12]}",
        vetoes=[_row(v, lang) for v in b.vetoes], dimensions=dims,
        not_assessed=[f"{n.rule_id} {n.zh if zh else n.en} ({num(n.points)}): {n.reason_zh if zh else n.reason_en}"
                      for n in b.not_assessed],
        warnings=[f"{w.id}: {w.zh if zh else w.en}" for w in b.warnings])
