"""Human renderings of a ScoreBreakdown: plain text and Markdown in Chinese or English, HTML for notebooks."""

from __future__ import annotations

import html
from typing import Any

from .breakdown import Line, ScoreBreakdown, StructureWarning

_LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "subject": "对象", "ruleset": "规则集", "period": "期间", "total": "总分", "grade": "等次",
        "veto": "一票否决", "dimension": "维度", "rule": "条目", "points": "得分", "max": "满分",
        "status": "状态", "evidence": "依据", "reasons": "主要失分", "deductions": "扣分", "hash": "内容哈希",
        "vetoed_total": "(已被否决,总分清零)", "not_assessed": "本期不予评估(不计得分、不计满分)",
        "scaled": "本期评估 {got} / {of} 分,按满分 {max} 折算为 {total}",
        "status_names": {"met": "达标", "partial": "部分达标", "not_met": "未达标", "not_applicable": "不适用",
                         "applied": "扣分", "capped": "封顶", "floored": "触底", "vetoed": "否决"},
    },
    "en": {
        "subject": "Subject", "ruleset": "Rule set", "period": "Period", "total": "Total", "grade": "Grade",
        "veto": "Veto", "dimension": "Dimension", "rule": "Rule", "points": "Points", "max": "Max",
        "status": "Status", "evidence": "Evidence", "reasons": "Where points were lost", "deductions": "Deductions",
        "hash": "content hash", "vetoed_total": "(vetoed: total set to 0)",
        "not_assessed": "Not assessed in this period (no points, not in the maximum)",
        "scaled": "assessed {got} of {of} points this period, {total} on the scale of {max}",
        "status_names": {"met": "met", "partial": "partial", "not_met": "not met", "not_applicable": "n/a",
                         "applied": "deducted", "capped": "capped", "floored": "floored", "vetoed": "vetoed"},
    },
}


def _labels(lang: str) -> dict[str, Any]:
    if lang not in _LABELS:
        raise ValueError(f"unknown language {lang!r}: use 'zh' or 'en'")
    return _LABELS[lang]


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _text(line: Line, lang: str) -> str:
    return line.zh if lang == "zh" else line.en


def _evidence(line: Line | StructureWarning, lang: str, limit: int = 6) -> str:
    """What the line was decided on, in plain words (``evidence.zh``/``en``); a breakdown stored before the
    plain-language evidence existed shows its reads as they were kept."""
    ev = line.evidence
    said = ev.zh if lang == "zh" else ev.en
    parts = list(said) if said or not ev.reads else [f"{k}={v}" for k, v in sorted(ev.reads.items())]
    counted = ev.counted
    if counted:
        shown = ", ".join(counted[:limit]) + (f", +{len(counted) - limit}" if len(counted) > limit else "")
        parts.append(f"[{shown}]")
    return "; ".join(parts)


def _scaled(b: ScoreBreakdown, L: dict[str, Any]) -> str | None:
    """How the total was put back on the scale, when the period did not assess everything."""
    if b.assessed_max == b.max_points:
        return None
    template: str = L["scaled"]
    return template.format(got=_num(b.assessed_total), of=_num(b.assessed_max), max=_num(b.max_points),
                           total=_num(b.total))


def _not_assessed(b: ScoreBreakdown, lang: str) -> list[str]:
    return [f"{n.rule_id} {n.zh if lang == 'zh' else n.en} ({_num(n.points)}): "
            f"{n.reason_zh if lang == 'zh' else n.reason_en}" for n in b.not_assessed]


def render_text(b: ScoreBreakdown, lang: str = "zh") -> str:
    L = _labels(lang)
    title = b.title_zh if lang == "zh" else b.title_en
    out = [
        f"{title} — {L['subject']} {b.subject_id} — {L['period']} {b.period.label}",
        f"{L['total']}: {_num(b.total)} / {_num(b.max_points)}   {L['grade']}: "
        f"{b.grade.zh if lang == 'zh' else b.grade.en}" + (f" {L['vetoed_total']}" if b.vetoed and
                                                            b.veto_effect == "zero_total" else ""),
    ]
    if (scaled := _scaled(b, L)) is not None:
        out.append(f"   {scaled}")
    for v in b.vetoes:
        out.append(f"!! {L['veto']} {v.rule_id}: {_text(v, lang)}  <- {_evidence(v, lang)}")
    for w in b.warnings:
        label = ("结构提示" if lang == "zh" else "Structure") + ("" if w.severity == "warning" else " (info)")
        out.append(f"?? {label} {w.id}: {w.zh if lang == 'zh' else w.en}")
    for d in b.dimensions:
        out.append(f"{d.id} {d.zh if lang == 'zh' else d.en}: {_num(d.subtotal)} / {_num(d.assessed_max)}")
        for ln in b.lines:
            if ln.dimension != d.id:
                continue
            sign = "+" if ln.kind == "standard" else ""
            status = L["status_names"].get(ln.status, ln.status)
            out.append(f"   {ln.rule_id:<10} {sign}{_num(ln.points):>6} / {_num(ln.max_points):<5} {status:<8} "
                       f"{_text(ln, lang)}  ({_evidence(ln, lang)})")
    if b.not_assessed:
        out.append(f"{L['not_assessed']}:")
        out.extend(f"   {x}" for x in _not_assessed(b, lang))
    if b.reason_codes:
        out.append(f"{L['reasons']}: " + ", ".join(
            f"{r.rule_id} (-{_num(r.points_lost)})" if r.kind != "veto" else f"{r.rule_id} ({L['veto']})"
            for r in b.reason_codes))
    out.append(f"{L['ruleset']} {b.ruleset_id} {b.ruleset_version}, {L['hash']} {b.ruleset_hash[:12]}")
    return "\n".join(out)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def render_markdown(b: ScoreBreakdown, lang: str = "zh") -> str:
    L = _labels(lang)
    title = b.title_zh if lang == "zh" else b.title_en
    grade = b.grade.zh if lang == "zh" else b.grade.en
    out = [f"### {_md(title)}: {b.subject_id} ({b.period.label})", "",
           f"**{L['total']}** {_num(b.total)} / {_num(b.max_points)} · **{L['grade']}** {grade}", ""]
    if (scaled := _scaled(b, L)) is not None:
        out += [f"*{scaled}*", ""]
    if b.vetoes:
        for v in b.vetoes:
            out.append(f"> **{L['veto']} {v.rule_id}**: {_md(_text(v, lang))} — {_md(_evidence(v, lang))}")
        out.append("")
    for w in b.warnings:
        out.append(f"> {w.severity} {w.id}: {_md(w.zh if lang == 'zh' else w.en)}")
    if b.warnings:
        out.append("")
    out += [f"| {L['dimension']} | {L['rule']} | {L['points']} | {L['max']} | {L['status']} | {L['evidence']} |",
            "|---|---|---:|---:|---|---|"]
    for d in b.dimensions:
        dname = d.zh if lang == "zh" else d.en
        out.append(f"| **{_md(dname)}** | | **{_num(d.subtotal)}** | **{_num(d.assessed_max)}** | | |")
        for ln in b.lines:
            if ln.dimension == d.id:
                status = L["status_names"].get(ln.status, ln.status)
                out.append(f"| | {ln.rule_id} {_md(_text(ln, lang))} | {_num(ln.points)} | {_num(ln.max_points)} "
                           f"| {status} | {_md(_evidence(ln, lang))} |")
    if b.not_assessed:
        out += ["", f"**{L['not_assessed']}**:", *[f"- {_md(x)}" for x in _not_assessed(b, lang)]]
    if b.reason_codes:
        out += ["", f"**{L['reasons']}**: " + ", ".join(f"`{r.code}`" for r in b.reason_codes)]
    out += ["", f"<sub>{L['ruleset']} {b.ruleset_id} {b.ruleset_version} · {L['hash']} {b.ruleset_hash[:12]}</sub>"]
    return "\n".join(out)


def render_html(b: ScoreBreakdown) -> str:
    e = html.escape
    rows = []
    for d in b.dimensions:
        rows.append(f"<tr style='background:#f3f3f3'><td colspan=2><b>{e(d.id)} {e(d.zh)}</b> "
                    f"<small>{e(d.en)}</small></td><td style='text-align:right'><b>{_num(d.subtotal)}</b></td>"
                    f"<td style='text-align:right'>{_num(d.assessed_max)}</td><td></td></tr>")
        for ln in b.lines:
            if ln.dimension != d.id:
                continue
            colour = "#b00" if ln.points < 0 else "#060" if ln.points >= ln.max_points else "#333"
            rows.append(f"<tr><td>{e(ln.rule_id)}</td><td>{e(ln.zh)}<br><small>{e(ln.en)}</small></td>"
                        f"<td style='text-align:right;color:{colour}'>{_num(ln.points)}</td>"
                        f"<td style='text-align:right'>{_num(ln.max_points)}</td>"
                        f"<td><small>{e(ln.status)}; {e(_evidence(ln, 'zh'))}<br>{e(_evidence(ln, 'en'))}</small>"
                        f"</td></tr>")
    skipped = "".join(f"<li>{e(n.rule_id)} {e(n.zh)} <small>({e(n.en)})</small>: {e(n.reason_zh)} "
                      f"<small>({e(n.reason_en)})</small></li>" for n in b.not_assessed)
    if skipped:
        skipped = (f"<p>{e(_LABELS['zh']['not_assessed'])} <small>({e(_LABELS['en']['not_assessed'])})</small></p>"
                   f"<ul>{skipped}</ul>")
    scaled = _scaled(b, _LABELS["zh"])
    scale_note = "" if scaled is None else \
        f"<p><small>{e(scaled)} ({e(_scaled(b, _LABELS['en']) or '')})</small></p>"
    vetoes = "".join(f"<p style='color:#b00'><b>一票否决 {e(v.rule_id)}</b> {e(v.zh)} <small>({e(v.en)}; "
                     f"{e(_evidence(v, 'zh'))}; {e(_evidence(v, 'en'))})</small></p>" for v in b.vetoes)
    return (f"<div><h4>{e(b.title_zh)} <small>{e(b.title_en)}</small> — {e(b.subject_id)} ({e(b.period.label)})</h4>"
            f"<p><b>{_num(b.total)}</b> / {_num(b.max_points)} · {e(b.grade.zh)} ({e(b.grade.en)})</p>{scale_note}"
            f"{vetoes}"
            f"<table><tr><th>rule</th><th>text</th><th>points</th><th>max</th><th>evidence</th></tr>"
            f"{''.join(rows)}</table>{skipped}<small>{e(b.ruleset_id)} {e(b.ruleset_version)} · "
            f"{e(b.ruleset_hash[:12])}</small></div>")
