"""Matplotlib figures for notebooks and reports: score distributions, grade transitions, diagnostics.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state, no window;
show it in a notebook by leaving it as the cell's value, or save it with ``fig.savefig``). It is a
:class:`~partyrules.analyse.figure.DisplayFigure`, so a notebook shows it even without ``%matplotlib inline``.
Labels are English by default; ``lang="zh"`` uses the Chinese texts when a CJK font is installed and falls back
to English otherwise, so a missing font never produces boxes or font warnings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..comparison import Comparison
    from ..score.table import PopulationScores
    from .diagnostics import Diagnostics

__all__ = ["cjk_font", "plot_diagnostics", "plot_distribution", "plot_transitions"]

_TEXT = {
    "en": {"total": "Total score", "subjects": "Subjects", "dist": "Distribution of totals", "base": "base",
           "reform": "reform", "trans": "Grade transitions (rows: base, columns: reform)", "from": "Base grade",
           "to": "Reform grade", "diag": "Where each rule puts subjects", "share": "Share of subjects",
           "floor": "at 0", "middle": "in between", "ceil": "at full points", "corr": "Correlation of standards",
           "none": "no data"},
    "zh": {"total": "总分", "subjects": "人数", "dist": "总分分布", "base": "现行", "reform": "改革",
           "trans": "等次变化(行:现行,列:改革)", "from": "现行等次", "to": "改革等次", "diag": "各细则得分分布",
           "share": "占比", "floor": "0 分", "middle": "部分得分", "ceil": "满分", "corr": "各标准相关系数",
           "none": "无数据"},
}
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                 "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FAMILIES if name in installed), None)


def _lang(lang: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The texts and the font properties to use for ``lang``."""
    if lang == "zh":
        font = cjk_font()
        if font is not None:
            return _TEXT["zh"], {"family": font}
    return _TEXT["en"], {}


def _grade_names(scores: PopulationScores, zh: bool) -> dict[str, str]:
    return {g.id: (g.zh if zh else g.id) for g in scores.ruleset.grades}


def plot_distribution(scores: PopulationScores, other: PopulationScores | None = None, *, bins: int = 40,
                      lang: str = "en") -> Figure:
    """A histogram of the totals of ``scores`` with its grade boundaries; with ``other`` (a reform), both
    histograms overlaid, base filled and reform outlined."""
    import numpy as np

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    fig = Figure(figsize=(8, 4.2), layout="constrained")
    ax = fig.add_subplot()
    top = float(max(scores.ruleset.max_points, other.ruleset.max_points if other is not None else 0.0))
    edges = np.linspace(0.0, top if top > 0 else 1.0, bins + 1).tolist()  # the same bin edges, as floats
    x = scores.frame["total"].to_numpy()
    ax.hist(x, bins=edges, color="#4c72b0", alpha=0.55, label=f"{text['base']} (n={x.size})")
    if other is not None:
        y = other.frame["total"].to_numpy()
        ax.hist(y, bins=edges, histtype="step", linewidth=2, color="#dd8452", label=f"{text['reform']} (n={y.size})")
    names = _grade_names(scores, bool(font))
    for g in scores.ruleset.grades:
        if g.at_least > 0:
            ax.axvline(g.at_least, color="#555555", linestyle="--", linewidth=1)
            ax.text(g.at_least, 1.0, f" {names[g.id]}", transform=ax.get_xaxis_transform(), va="top", ha="left",
                    fontsize=8, color="#333333", **font)
    ax.set_xlabel(text["total"], **font)
    ax.set_ylabel(text["subjects"], **font)
    ax.set_title(f"{text['dist']}: {scores.ruleset.id}", **font)
    ax.legend(prop=font or None, loc="upper left")
    return fig


def plot_transitions(comparison: Comparison, *, by: str = "all", group: str = "all", lang: str = "en") -> Figure:
    """The grade transition matrix of ``comparison`` (one group) as a heatmap with the counts written in."""
    import numpy as np

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    m = comparison.transition_matrix(by, group)
    labels = m["base_grade"].to_list()
    counts = m.drop("base_grade").to_numpy() if labels else np.zeros((0, 0))
    names = {**_grade_names(comparison.base, bool(font)), **_grade_names(comparison.reform, bool(font))}
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


def plot_diagnostics(diagnostics: Diagnostics, *, lang: str = "en") -> Figure:
    """Two panels: for each rule, the shares of subjects at 0, in between and at full points (stacked bars);
    and the correlation heatmap of the standards."""
    import numpy as np

    from .figure import DisplayFigure as Figure  # shows itself as a notebook cell's value

    text, font = _lang(lang)
    rules = diagnostics.rules
    n = max(1, rules.height)
    fig = Figure(figsize=(13, max(4.0, 0.24 * n + 1.5)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.2])
    ids = rules["rule_id"].to_list()
    floor = np.nan_to_num(rules["at_floor"].fill_null(0.0).to_numpy())
    ceil = np.nan_to_num(rules["at_ceiling"].fill_null(0.0).to_numpy())
    middle = np.clip(1.0 - floor - ceil, 0.0, 1.0) if diagnostics.subjects else np.zeros(len(ids))
    y = np.arange(len(ids))
    left.barh(y, floor, color="#c44e52", label=text["floor"])
    left.barh(y, middle, left=floor, color="#cccccc", label=text["middle"])
    left.barh(y, ceil, left=floor + middle, color="#55a868", label=text["ceil"])
    left.set_yticks(y, ids, fontsize=7)
    left.invert_yaxis()
    left.set_xlim(0, 1)
    left.set_xlabel(text["share"], **font)
    left.set_title(f"{text['diag']} ({diagnostics.ruleset_id}, n={diagnostics.subjects})", fontsize=10, **font)
    left.legend(prop=font or None, loc="lower right", fontsize=8)
    corr = diagnostics.correlations
    cids = corr["rule_id"].to_list()
    if len(cids) >= 2:
        matrix = corr.drop("rule_id").fill_null(0.0).to_numpy()
        image = right.imshow(matrix, cmap="RdBu_r", vmin=-1, vmax=1)
        right.set_xticks(range(len(cids)), cids, rotation=90, fontsize=7)
        right.set_yticks(range(len(cids)), cids, fontsize=7)
        fig.colorbar(image, ax=right, shrink=0.6)
    else:
        right.text(0.5, 0.5, text["none"], ha="center", va="center", **font)
        right.set_axis_off()
    right.set_title(text["corr"], fontsize=10, **font)
    return fig
