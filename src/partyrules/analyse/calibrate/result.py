"""What a calibration gives back: the reform, the shares it achieves beside each target, and its comparison with
the base; and what a refusal names (:class:`Unmet`)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .shares import Grading, Table, counts, meets, miss
from .targets import Target, describe, pct

if TYPE_CHECKING:
    from ...comparison.table import Comparison
    from ..reform import Reform


@dataclass(frozen=True)
class Achieved:
    """A target and the share achieved: overall, or the lowest and highest share over its groups."""

    target: Target
    low: Fraction
    high: Fraction
    met: bool
    worst_group: str | None = None  # for a per-group target: the group farthest from (or closest to failing) it

    def text(self, lang: str = "en") -> str:
        shown = pct(self.low) if self.low == self.high else f"{pct(self.low)}..{pct(self.high)}"
        mark = ("满足" if lang == "zh" else "met") if self.met else ("未满足" if lang == "zh" else "NOT met")
        return f"{describe(self.target, lang)}: {shown} ({mark})"


@dataclass(frozen=True)
class Unmet:
    """A target that cannot be met (alone, or together with the others), with the closest share reachable
    while the others are met (or, when it cannot be met even alone, the closest at all) and where."""

    target: Target
    closest: Fraction
    group: str | None
    alone: bool
    at: dict[str, Any]  # the cut-offs (grade -> at_least) or the parameter value giving the closest share

    def text(self, lang: str = "en") -> str:
        where = ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}" for k, v in self.at.items())
        grp = f" ({'最差分组' if lang == 'zh' else 'worst group'} {self.group})" if self.group else ""
        if lang == "zh":
            why = "单独也无法满足" if self.alone else "与其他目标无法同时满足"
            return f"{describe(self.target, 'zh')}: {why}; 最接近为 {pct(self.closest)}{grp}, 在 {where}"
        why = "cannot be met even alone" if self.alone else "cannot be met together with the others"
        return f"{describe(self.target)}: {why}; the closest is {pct(self.closest)}{grp}, at {where}"


def achieved(table: Table, grading: Grading, cuts: Sequence[float], targets: Sequence[Target]) -> list[Achieved]:
    out = []
    for t in targets:
        n, size = counts(table, grading, cuts, t), table.sizes(t.per)
        keep = size > 0
        share = [Fraction(int(a), int(b)) for a, b in zip(n[keep], size[keep], strict=True)]
        gap, worst = miss(n, size, t)
        if gap == 0 and t.per is not None:  # met: the group with the least room
            lo, hi = t.bounds
            room = np.where(keep, np.minimum(n / np.maximum(size, 1) - float(lo), float(hi) - n / np.maximum(size, 1)),
                            np.inf)
            worst = int(np.argmin(room))
        group = table.names[t.per][worst] if t.per is not None else None
        out.append(Achieved(t, min(share, default=Fraction(0)), max(share, default=Fraction(0)),
                            bool(np.all(meets(n, size, t))), group))
    return out


@dataclass
class CalibrationResult:
    """A calibration's answer: the reform (SetGrade or SetParam operations), what it achieves beside each target,
    the base and calibrated values, and the comparison of the calibrated scores with the base (who moved)."""

    reform: Reform
    achieved: list[Achieved]
    base: dict[str, Any]  # grade -> base at_least, or parameter -> base value
    calibrated: dict[str, Any]
    comparison: Comparison
    kind: str = "cutoffs"  # or "parameter"
    evaluated: int = 0  # candidates evaluated (cut-off classes, or parameter values re-scored)
    notes: list[str] = field(default_factory=list)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # grade id -> (Chinese, English) name

    def to_yaml(self) -> str:
        """The reform as a reform file that ``partyrules whatif --reform`` reads."""
        return self.reform.to_yaml()

    def save(self, path: str) -> None:
        from pathlib import Path

        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    def lines(self, lang: str = "en") -> list[str]:
        zh = lang == "zh"
        out = [("校准结果 (改革 {n})" if zh else "Calibrated (reform {n})").format(n=self.reform.name)]
        for k, v in self.calibrated.items():
            b = self.base.get(k)
            name = self.labels[k][0 if zh else 1] if k in self.labels else k
            what = ("{g}分数线" if zh else "{g} cut-off").format(g=name) if k in self.labels else name
            out.append(f"  {what}: {b:g} -> {v:g}" if isinstance(v, (int, float)) and isinstance(b, (int, float))
                       else f"  {what}: {b} -> {v}")
        out.append("目标与实际比例:" if zh else "Targets and achieved shares:")
        out.extend("  " + a.text(lang) for a in self.achieved)
        moved = self.comparison.summary().get("grade_changed")
        if moved is not None:
            out.append(("等次变化的对象: {m}" if zh else "Subjects whose grade changed: {m}").format(m=moved))
        return out

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(describe(a.target))}</td><td>{html.escape(pct(a.low))}"
                       f"{'' if a.low == a.high else '..' + html.escape(pct(a.high))}</td>"
                       f"<td>{'✓' if a.met else '✗'}</td></tr>" for a in self.achieved)
        values = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(self.base.get(k)))}</td>"
                         f"<td>{html.escape(str(v))}</td></tr>" for k, v in self.calibrated.items())
        return (f"<div><strong>Calibration / 校准: {html.escape(self.reform.name)}</strong>"
                f"<table><tr><th>calibrated / 校准项</th><th>base / 原值</th><th>new / 新值</th></tr>{values}</table>"
                f"<table><tr><th>target / 目标</th><th>achieved / 实际</th><th>met / 满足</th></tr>{rows}</table>"
                f"{self.comparison._repr_html_() if hasattr(self.comparison, '_repr_html_') else ''}</div>")
