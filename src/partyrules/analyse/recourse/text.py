"""A recourse told in Chinese (``zh``) or English (``en``): the target, each change with its months, the
grade after and the points each rule gained."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import EvaluationError
from ...results import ScoreBreakdown
from .ladder import _num

if TYPE_CHECKING:
    from .result import Recourse


_WORDS = {
    "zh": {
        "head": "{sid} 在 {rs} {ver} 下的改进路径({period})",
        "now": "当前: {total:g} 分, {grade}",
        "target": "目标: {target}(至少 {need:g} 分)",
        "already": "已达到目标等次, 无需改变。",
        "vetoed": "已被一票否决({vetoes}): 改变可行动字段不能解除否决。否决来自已核实的行为记录, 只有申诉(异议)程序"
                  "才能改变已核实的事件。",
        "none": "本规则集没有可对该对象改变的可行动字段。",
        "reached": "以 {n} 项改变达到目标(成本 {cost:g}):",
        "impossible": "在最多 {n} 项改变内无法达到目标; 最多可达 {best:g} 分:",
        "after": "改变后: {total:g} 分, {grade}",
        "gains": "各规则得分变化: {gains}",
        "months": "{months} 各 {delta:+g}",
        "months_true": "{months} 设为“是”",
        "total": "期内合计 {a:g} → {b:g}",
        "true_months": "为“是”的月数 {a:g} → {b:g}",
    },
    "en": {
        "head": "Recourse for {sid} under {rs} {ver} ({period})",
        "now": "Now: {total:g} points, {grade}",
        "target": "Target: {target} (at least {need:g} points)",
        "already": "Already at the target grade: no change is needed.",
        "vetoed": "Vetoed ({vetoes}): no change to actionable fields lifts a veto. A veto comes from verified "
                  "conduct; only the appeal (objection) process can change a verified incident.",
        "none": "The rule set declares no actionable field that can change for this subject.",
        "reached": "Reached with {n} change(s) (cost {cost:g}):",
        "impossible": "The target cannot be reached with at most {n} change(s); the best reachable total is "
                      "{best:g}:",
        "after": "After: {total:g} points, {grade}",
        "gains": "Points per rule: {gains}",
        "months": "{delta:+g} in {months}",
        "months_true": "set in {months}",
        "total": "period total {a:g} -> {b:g}",
        "true_months": "months true {a:g} -> {b:g}",
    },
}


def _grade_name(b: ScoreBreakdown, lang: str) -> str:
    return b.grade.zh if lang == "zh" else b.grade.en


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def _render(r: Recourse, lang: str) -> str:
    if lang not in _WORDS:
        raise EvaluationError(f"unknown language {lang!r} for a recourse", hint="use 'zh' or 'en'")
    w = _WORDS[lang]
    out = [w["head"].format(sid=r.subject_id, rs=r.ruleset_id, ver=r.ruleset_version, period=r.period),
           w["now"].format(total=round(r.before.total, 6), grade=_grade_name(r.before, lang)),
           w["target"].format(target=r.target_zh if lang == "zh" else r.target_en, need=r.target_at_least)]
    if r.status == "already":
        return "\n".join([*out, w["already"]])
    if r.status == "vetoed":
        names = ", ".join(f"{v.rule_id} {v.zh if lang == 'zh' else v.en}" for v in r.before.vetoes)
        return "\n".join([*out, w["vetoed"].format(vetoes=names)])
    if r.status == "no_actionable":
        return "\n".join([*out, w["none"]])
    if r.status == "reached":
        out.append(w["reached"].format(n=len(r.changes), cost=round(r.cost, 6)))
    else:
        out.append(w["impossible"].format(n=r.max_changes, best=round(r.best_total, 6)))
    for c in r.changes:
        name = c.zh if lang == "zh" else c.en
        label = name if name == c.field else f"{name} ({c.field})"
        if not c.months:
            out.append(f"- {label}: {_fmt(c.before)} -> {_fmt(c.after)}")
            continue
        if c.direction == "set_true":
            how = w["months_true"].format(months=_month_ranges(c.months)) + "; " + \
                w["true_months"].format(a=c.before, b=c.after)
        else:
            by_delta: dict[float, list[str]] = {}
            for m, a, b in c.monthly:
                by_delta.setdefault(round(_num(b) - _num(a), 9), []).append(m)
            how = "; ".join(w["months"].format(delta=d, months=_month_ranges(ms)) for d, ms in by_delta.items())
            how += "; " + w["total"].format(a=c.before, b=c.after)
        out.append(f"- {label}: {how}")
    if r.after is not None:
        out.append(w["after"].format(total=round(r.after.total, 6), grade=_grade_name(r.after, lang)))
    if r.gains:
        out.append(w["gains"].format(gains=", ".join(f"{k} {v:+g}" for k, v in r.gains.items())))
    return "\n".join(out)


def _month_ranges(months: Sequence[str]) -> str:
    """``2026-01..2026-03, 2026-05``: consecutive months as ranges."""
    def index(m: str) -> int:
        return int(m[:4]) * 12 + int(m[5:7]) - 1

    runs: list[list[str]] = []
    for m in months:
        if runs and index(m) == index(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)
