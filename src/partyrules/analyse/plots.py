"""Matplotlib figures for notebooks and reports: score distributions, grade transitions, diagnostics.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state, no window;
show it in a notebook by leaving it as the cell's value, or save it with ``fig.savefig``). It is a
:class:`~partyrules.analyse.figure.DisplayFigure`, so a notebook shows it even without ``%matplotlib inline``.
Labels are English by default; ``lang="zh"`` uses the Chinese texts when a CJK font is installed and falls back
to English otherwise, so a missing font never produces boxes or font warnings. Rules are named by their own text
(shortened), grades by their names, never by ids alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .rule_names import rule_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..comparison import Comparison
    from ..rulesets.model import RuleSet
    from ..score.table import PopulationScores
    from .diagnostics import Diagnostics

__all__ = ["cjk_font", "plot_changes", "plot_diagnostics", "plot_distribution", "plot_transitions"]

_TEXT = {
    "en": {"total": "Total score", "subjects": "Subjects", "dist": "Distribution of totals", "base": "base",
           "reform": "reform", "trans": "Grade transitions (rows: base, columns: reform)", "from": "Base grade",
           "to": "Reform grade", "diag": "Where each rule puts subjects", "share": "Share of subjects",
           "good": "best outcome (full points / no deduction)", "middle": "in between",
           "bad": "worst outcome (0 points / deduction at its cap)", "corr": "Correlation of standards",
           "none": "no data", "change": "Change of total (reform − base)", "changes": "Score changes",
           "changed": "{m:,} of {n:,} changed; {u:,} unchanged not drawn", "down": "lower", "up": "higher"},
    "zh": {"total": "总分", "subjects": "人数", "dist": "总分分布", "base": "现行", "reform": "改革",
           "trans": "等次变化(行:现行,列:改革)", "from": "现行等次", "to": "改革等次", "diag": "各细则得分分布",
           "share": "占比", "good": "最好(满分/未扣分)", "middle": "部分得分", "bad": "最差(0 分/扣满)",
           "corr": "各标准相关系数", "none": "无数据", "change": "总分变化(改革 − 现行)", "changes": "总分变化",
           "changed": "{n:,} 人中 {m:,} 人变化;未变化的 {u:,} 人未画出", "down": "降低", "up": "提高"},
}
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                 "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")
# file names of those fonts, for a font installed after matplotlib cached its font list (the cache is not rebuilt)
_CJK_FILES = ("notosanscjk", "notosanssc", "sourcehansans", "wqy-zenhei", "wqy-microhei", "simhei", "msyh",
              "pingfang", "uming")
# base and reform must differ in more than colour (a grey print, a colour-blind reader): filled solid vs dashed step
BASE_STYLE: dict[str, Any] = {"color": "#4c72b0", "linestyle": "-"}
REFORM_STYLE: dict[str, Any] = {"color": "#dd8452", "linestyle": "--"}
GOOD, MIDDLE, BAD = "#55a868", "#cccccc", "#c44e52"
RULE_LABEL_WIDTH = 26  # display columns of a rule's text on an axis (13 Chinese characters)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None; a font installed after matplotlib
    built its font cache is found among the system fonts and added."""
    from matplotlib import font_manager

    def known() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in _CJK_FAMILIES if name in installed), None)

    found = known()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(k in path.lower().replace("_", "").replace(" ", "") for k in _CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file: try the next one
                    continue
        found = known()
    return found


def _lang(lang: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The texts and the font properties to use for ``lang``: the CJK font first, then matplotlib's default
    (DejaVu Sans) for any glyph it lacks, so digits and Latin letters always render."""
    font = cjk_font()
    if lang == "zh" and font is not None:
        return _TEXT["zh"], {"family": [font, "DejaVu Sans"]}
    # English texts quote Chinese terms (三会一课): the CJK font after the Latin one renders them when there is one
    return _TEXT["en"], ({"family": ["DejaVu Sans", font]} if font is not None else {})


def _zh(text: dict[str, str]) -> bool:
    """Whether the figure is in Chinese (the texts chosen by :func:`_lang`)."""
    return text is _TEXT["zh"]


def _printable(label: str, fallback: str, font: dict[str, Any]) -> str:
    """``label``, or ``fallback`` when it has Chinese characters and no CJK font is installed (no boxes)."""
    return label if font or all(ord(ch) <= 0x2E7F for ch in label) else fallback


def _grade_names(scores: PopulationScores, zh: bool) -> dict[str, str]:
    return {g.id: (g.zh if zh else g.en) for g in scores.ruleset.grades}


def _x_range(values: list[Any], grades: list[float], top: float) -> tuple[float, float]:
    """The x range of a distribution: the data with a margin (never the whole 0..maximum scale when the data sit in
    a corner of it), widened to show the nearest grade boundary on each side, within 0..top."""
    import math

    if not values:
        return 0.0, top if top > 0 else 1.0
    lo, hi = float(min(values)), float(max(values))
    pad = max(1.0, 0.04 * (hi - lo))
    below = [g for g in grades if g <= lo]
    above = [g for g in grades if g >= hi]
    lo = min(lo - pad, max(below) - pad) if below and lo - max(below) < 0.15 * top else lo - pad
    hi = max(hi + pad, min(above) + pad) if above and min(above) - hi < 0.15 * top else hi + pad
    return max(0.0, math.floor(lo)), min(top, math.ceil(hi)) if top > 0 else math.ceil(hi)


def plot_distribution(scores: PopulationScores, other: PopulationScores | None = None, *, bins: int = 40,
                      lang: str = "en") -> Figure:
    """A histogram of the totals of ``scores`` with its grade boundaries; with ``other`` (a reform), both
    histograms overlaid: base filled in blue with a solid edge, reform as an orange dashed outline. The x axis
    spans the data (with the nearest grade boundaries), and the grade names stand in their own bands, staggered in
    height, so they never overlap."""
    import numpy as np

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    top = float(max(scores.ruleset.max_points, other.ruleset.max_points if other is not None else 0.0))
    x = scores.frame["total"].to_numpy()
    y = other.frame["total"].to_numpy() if other is not None else np.zeros(0)
    cuts = sorted(g.at_least for g in scores.ruleset.grades if g.at_least > 0)
    lo, hi = _x_range([*x.tolist(), *y.tolist()], cuts, top)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1).tolist()  # the same bin edges for both
    ax.hist(x, bins=edges, alpha=0.5, edgecolor=BASE_STYLE["color"], label=f"{text['base']} (n={x.size:,})",
            **BASE_STYLE)
    if other is not None:
        ax.hist(y, bins=edges, histtype="step", linewidth=2, label=f"{text['reform']} (n={y.size:,})",
                **REFORM_STYLE)
    ax.set_xlim(edges[0], edges[-1])
    _grade_bands(ax, scores, text, font, edges[0], edges[-1])
    ax.set_xlabel(text["total"], **font)
    ax.set_ylabel(text["subjects"], **font)
    ax.set_title(f"{text['dist']}: {scores.ruleset.title_zh if _zh(text) else scores.ruleset.title_en}", pad=24,
                 **font)
    ax.legend(prop=font or None, loc="best")
    return fig


def _grade_bands(ax: Any, scores: PopulationScores, text: dict[str, str], font: dict[str, Any], lo: float,
                 hi: float) -> None:
    """Dotted lines at the grade boundaries inside the axis, and each grade's name above the plot, centred in its
    band (the part of it inside the axis), alternating between two heights so neighbouring names never collide
    and no bar or legend hides one."""
    names = _grade_names(scores, _zh(text))
    grades = sorted(scores.ruleset.grades, key=lambda g: g.at_least)
    transform = ax.get_xaxis_transform()
    shown = 0
    for i, g in enumerate(grades):
        start = max(lo, g.at_least)
        end = min(hi, grades[i + 1].at_least if i + 1 < len(grades) else hi)
        if end <= start:
            continue  # the band lies outside the data
        if lo < g.at_least < hi:
            ax.axvline(g.at_least, color="#555555", linestyle=":", linewidth=1)
        ax.text((start + end) / 2, 1.01 + 0.055 * (shown % 2), names[g.id], transform=transform, va="bottom",
                ha="center", fontsize=8, color="#333333", **font)
        shown += 1


def plot_changes(comparison: Comparison, *, bins: int = 30, lang: str = "en") -> Figure:
    """A histogram of each subject's change of total (reform minus base), over the subjects scored on both sides
    whose total changed: losses in red left of zero, gains in green right of it; the title counts the
    unchanged, which are not drawn (they would dwarf every bar)."""
    import numpy as np
    import polars as pl

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    both = comparison.wide.filter(pl.col("in_base") & pl.col("in_reform"))
    delta = both["delta"].to_numpy()
    changed = delta[np.abs(delta) > comparison.epsilon]
    fig = Figure(figsize=(6, 4.2), layout="constrained")
    ax = fig.add_subplot()
    if changed.size:
        lo, hi = float(min(changed.min(), 0.0)), float(max(changed.max(), 0.0))
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
        counts, _ = np.histogram(changed, bins=edges)
        mids = (edges[:-1] + edges[1:]) / 2
        colours = [BAD if m < 0 else GOOD for m in mids]
        ax.bar(mids, counts, width=np.diff(edges), color=colours, edgecolor="white", linewidth=0.5)
        ax.set_xlim(edges[0] - 0.02 * (hi - lo or 1), edges[-1] + 0.02 * (hi - lo or 1))
    else:
        ax.text(0.5, 0.5, text["none"], ha="center", va="center", transform=ax.transAxes, **font)
    ax.axvline(0.0, color="#333333", linewidth=1)
    ax.set_xlabel(text["change"], **font)
    ax.set_ylabel(text["subjects"], **font)
    note = text["changed"].format(m=int(changed.size), n=int(delta.size), u=int(delta.size - changed.size))
    ax.set_title(f"{text['changes']}\n{note}", fontsize=10, **font)
    return fig


def plot_transitions(comparison: Comparison, *, by: str = "all", group: str = "all", lang: str = "en") -> Figure:
    """The grade transition matrix of ``comparison`` (one group) as a heatmap with the counts written in."""
    import numpy as np

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    m = comparison.transition_matrix(by, group)
    labels = m["base_grade"].to_list()
    counts = m.drop("base_grade").to_numpy() if labels else np.zeros((0, 0))
    names = {**_grade_names(comparison.base, _zh(text)), **_grade_names(comparison.reform, _zh(text))}
    shown = [names.get(g, g) for g in labels]
    size = 1.0 + 1.1 * max(1, len(labels))
    fig = Figure(figsize=(size + 1.5, size), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.log1p(counts) if counts.size else np.zeros((1, 1)), cmap="Blues", aspect="equal")
    peak = np.log1p(counts).max() if counts.size else 0.0
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            dark = peak > 0 and np.log1p(counts[i, j]) > 0.6 * peak
            ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=9,
                    color="white" if dark else "black", fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(len(shown)), shown, rotation=30, ha="right", **font)
    ax.set_yticks(range(len(shown)), shown, **font)
    ax.set_xlabel(text["to"], **font)
    ax.set_ylabel(text["from"], **font)
    title = text["trans"] if by == "all" else f"{text['trans']}\n{by} = {group}"
    ax.set_title(title, fontsize=10, **font)
    fig.colorbar(image, ax=ax, shrink=0.7, label="log(1 + n)")
    return fig


def plot_diagnostics(diagnostics: Diagnostics, *, ruleset: RuleSet | None = None, lang: str = "en") -> Figure:
    """Two panels: for each rule (named by its shortened text), the shares of subjects at its best outcome (green:
    full points of a standard, no deduction), in between (grey) and at its worst (red: 0 points of a standard, a
    deduction at its cap) as stacked bars; and the correlation heatmap of the standards. With ``ruleset`` (the rule
    set diagnosed) rules are named by their text, else by their ids."""
    import numpy as np

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    rules = diagnostics.rules
    n = max(1, rules.height)
    fig = Figure(figsize=(13, max(4.0, 0.24 * n + 1.5)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
    ids = rules["rule_id"].to_list()
    floor = np.nan_to_num(rules["at_floor"].fill_null(0.0).to_numpy())
    ceil = np.nan_to_num(rules["at_ceiling"].fill_null(0.0).to_numpy())
    middle = np.clip(1.0 - floor - ceil, 0.0, 1.0) if diagnostics.subjects else np.zeros(len(ids))
    deduction = np.array([k == "deduction" for k in rules["kind"].to_list()], dtype=bool)
    good = np.where(deduction, floor, ceil)  # for a deduction, 0 points is the good outcome
    bad = np.where(deduction, ceil, floor)
    y = np.arange(len(ids))
    left.barh(y, good, color=GOOD, label=text["good"])
    left.barh(y, middle, left=good, color=MIDDLE, label=text["middle"])
    left.barh(y, bad, left=good + middle, color=BAD, label=text["bad"])
    labels = _rule_labels(ruleset, ids, text, font)
    left.set_yticks(y, labels, fontsize=7, **font)
    left.invert_yaxis()
    left.set_xlim(0, 1)
    left.set_xlabel(text["share"], **font)
    left.set_title(f"{text['diag']} ({diagnostics.ruleset_id}, n={diagnostics.subjects:,})", fontsize=10, **font)
    left.legend(prop={**font, "size": 7}, loc="lower right")
    corr = diagnostics.correlations
    cids = corr["rule_id"].to_list()
    if len(cids) >= 2:
        matrix = corr.drop("rule_id").fill_null(0.0).to_numpy()
        image = right.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
        short = _rule_labels(ruleset, cids, text, font, width=16)
        right.set_xticks(range(len(cids)), short, rotation=90, fontsize=6, **font)
        right.set_yticks(range(len(cids)), short, fontsize=6, **font)
        fig.colorbar(image, ax=right, shrink=0.6)
    else:
        right.text(0.5, 0.5, text["none"], ha="center", va="center", **font)
        right.set_axis_off()
    right.set_title(text["corr"], fontsize=10, **font)
    return fig


def _rule_labels(ruleset: RuleSet | None, ids: list[str], text: dict[str, str], font: dict[str, Any],
                 width: int = RULE_LABEL_WIDTH) -> list[str]:
    """Each rule's shortened text in the figure's language (the ids without a rule set)."""
    if ruleset is None:
        return ids
    lang = "zh" if _zh(text) else "en"
    return [_printable(rule_text(ruleset, rid, lang, width=width), rid, font) for rid in ids]
