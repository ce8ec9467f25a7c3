"""A self-contained HTML report of a comparison (and optionally the diagnostics of the reform's rule set).

The page has inline CSS only, figures as base64 PNG ``data:`` images and tables as HTML: it opens from a file or
an e-mail attachment with no network, and every text from the data (ids, titles, group names) is escaped. It reads
wholly in Chinese (``lang="zh"``) or English: headings, labels, table headers, grades, rule texts beside their ids,
money in yuan.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .report_html import CSS, column_label, frame_html, headline_html, items_html, phrase, value_label
from .rule_names import grade_label, rule_text

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure

    from ..comparison import Comparison
    from ..rulesets.model import RuleSet
    from .diagnostics import Diagnostics

__all__ = ["comparison_report", "figure_png", "frame_html", "write_report"]

_RULE_WIDTH = 60  # display columns of a rule's text beside its id (30 Chinese characters)


def figure_png(fig: Figure, *, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (no metadata that names a web site)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig: Figure, alt: str) -> str:
    out = f'<p><img alt="{html.escape(alt)}" src="{figure_png(fig)}"></p>'
    fig.clear()  # a report of many figures holds only one at a time
    return out


class _Names:
    """Grades, rules and values of one comparison as the report's reader names them, as HTML."""

    def __init__(self, comparison: Comparison, lang: str) -> None:
        self.lang = lang
        self.base: RuleSet = comparison.base.ruleset
        self.reform: RuleSet = comparison.reform.ruleset

    def grade_text(self, g: str) -> str:
        """A grade's name (the base's, or the reform's for a grade only the reform has)."""
        known = {x.id for x in self.base.grades}
        return grade_label(self.base if g in known else self.reform, g, self.lang)

    def grade(self, g: Any) -> str:
        return html.escape(self.grade_text(str(g)))

    def rule(self, key: Any) -> str:
        """The rule's id and, beside it, its text (the reform's wording, which a reform may have changed)."""
        rs = self.reform if key in self.reform.rule_index or f"{key}".endswith(":max") else self.base
        text = rule_text(rs, str(key), self.lang, width=_RULE_WIDTH)
        if text == key:
            text = rule_text(self.base, str(key), self.lang, width=_RULE_WIDTH)
        return html.escape(str(key)) + ("" if text == key else f" <span class=\"note\">{html.escape(text)}</span>")

    def rules(self, keys: Any) -> str:
        return "<br>".join(self.rule(k) for k in keys)

    def value(self, v: Any) -> str:
        return html.escape(value_label(str(v), self.lang))

    def formatters(self) -> dict[str, Any]:
        return {"base_grade": self.grade, "reform_grade": self.grade, "grade": self.grade, "rule_id": self.rule,
                "veto_id": self.rule, "top_rules": self.rules, "kind": self.value, "category": self.value,
                "status": self.value, "group": self.value, "dimension": self.dimension}

    def dimension(self, d: Any) -> str:
        dim = self.base.dimension_index.get(str(d)) or self.reform.dimension_index.get(str(d))
        return html.escape(str(d) if dim is None else (dim.zh if self.lang == "zh" else dim.en))


def _headline(comparison: Comparison, summary: dict[str, Any], lang: str) -> list[str]:
    """The counts compared, out of those read, and the headline numbers (money in yuan)."""
    base = comparison.base
    n = summary["subjects"]
    read = len(base) + len(base.not_applicable) + len(base.failures)
    lines = [phrase("compared", lang, n=n, read=read)]
    if base.not_applicable:
        lines.append(phrase("not_applicable", lang, na=len(base.not_applicable)))
    if base.failures:
        lines.append(phrase("failed", lang, f=len(base.failures)))
    shown = [(k, v) for k, v in summary.items() if k not in ("base", "reform")]
    return [f'<p class="lead"><strong>{html.escape("; ".join(lines))}</strong></p>', headline_html(shown, lang)]


def _group_table(comparison: Comparison, by: str, names: _Names, max_rows: int) -> str:
    """One row per group of ``by``: subjects, grade changes, tau-b, top-k overlap and funding (when given)."""
    import polars as pl

    def mine(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("by") == by).drop("by")

    tc = mine(comparison.transition_counts)
    changed = (tc.filter(pl.col("base_grade") != pl.col("reform_grade")).group_by("group")
               .agg(pl.col("subjects").sum().alias("grade_changed")))
    out = (mine(comparison.kendall_tau).select("group", "subjects", "tau_b")
           .join(changed, on="group", how="left").with_columns(pl.col("grade_changed").fill_null(0))
           .join(mine(comparison.top_k_overlap).select("group", pl.col("share").alias("top_k_overlap")),
                 on="group", how="left"))
    if comparison.funding_by_group is not None:
        out = out.join(mine(comparison.funding_by_group).drop("subjects"), on="group", how="left")
    out = out.sort("subjects", "group", descending=[True, False]).rename({"group": by})
    fmt = {**names.formatters(), by: names.value}
    return frame_html(out, max_rows=max_rows, lang=names.lang, formatters=fmt)


def _diagnostics(diagnostics: Diagnostics, names: _Names, max_rows: int) -> list[str]:
    from .plots import plot_diagnostics

    lang = names.lang
    findings = diagnostics.findings(lang=lang if lang in ("en", "zh") else "en")
    cols = [c for c in ("rule_id", "kind", "max_points", "fires", "at_ceiling", "at_floor", "item_rest_corr")
            if c in diagnostics.rules.columns]
    rules = diagnostics.rules.select(cols)
    return [f"<h2>{html.escape(phrase('diagnostics', lang, id=diagnostics.ruleset_id))}</h2>",
            items_html(findings, lang),
            _img(plot_diagnostics(diagnostics, ruleset=names.base, lang=lang), phrase("diagnostics", lang,
                                                                                     id=diagnostics.ruleset_id)),
            frame_html(rules, max_rows=max(max_rows, rules.height), lang=lang, formatters=names.formatters()),
            f"<h3>{phrase('crowding', lang)}</h3>",
            # the grade column is shown by name in the report's language, so its name columns would repeat it
            frame_html(diagnostics.crowding.drop("grade_zh", "grade_en", strict=False), lang=lang,
                       formatters=names.formatters()),
            f"<h3>{phrase('vetoes', lang)}</h3>",
            frame_html(diagnostics.vetoes, lang=lang, formatters=names.formatters())]


def comparison_report(comparison: Comparison, diagnostics: Diagnostics | None = None, *,
                      title: str | None = None, lang: str = "en", max_rows: int = 50) -> str:
    """The comparison as one self-contained HTML page, every heading, label and table header in ``lang`` (``zh``
    or ``en``): how many subjects were compared out of those read, the headline numbers (money in yuan), grade
    transitions (table and heatmap), the distributions of totals beside the changes of total, one table per
    grouping of the comparison (``by``: category, community, branch...) with grade changes, rank agreement,
    top-k overlap and funding, the rules that moved subjects (ids with their texts), the subjects who moved
    (the first ``max_rows``, with a count of the rest) and, with ``diagnostics`` (of the base), its findings,
    rule table and figure. Wide tables scroll in their own box, so the page fits a 1280-pixel screen."""
    import polars as pl

    from .plots import plot_changes, plot_distribution, plot_transitions

    names = _Names(comparison, lang)
    title = title or phrase("title", lang)
    s = comparison.summary()
    fmt = names.formatters()
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="note">{html.escape(s["base"])} → {html.escape(s["reform"])}; {phrase("period", lang)} '
             f'{html.escape(comparison.base.period)}; {phrase("generated", lang)} {date.today().isoformat()} '
             f'{phrase("made_by", lang)}</p>',
             f"<h2>{phrase('headline', lang)}</h2>", *_headline(comparison, s, lang)]
    if comparison.notes:
        parts.append(items_html(comparison.notes, lang))
    m = comparison.transitions
    trans = m.rename({g: names.grade_text(g) for g in m.columns[1:]})  # reform grades across, by name
    parts += [f"<h2>{phrase('transitions', lang)}</h2>",
              frame_html(trans, max_rows=max_rows, lang=lang, formatters={"base_grade": names.grade}),
              _img(plot_transitions(comparison, lang=lang), phrase("transitions", lang)),
              f"<h2>{phrase('distribution', lang)}</h2>",
              '<div class="pair">'
              + _img(plot_distribution(comparison.base, comparison.reform, lang=lang), phrase("distribution", lang))
              + _img(plot_changes(comparison, lang=lang), phrase("distribution", lang)) + "</div>"]
    for by in comparison.by:  # the whole population's numbers are the headline's
        label = column_label(by, lang)
        parts += [f"<h2>{html.escape(phrase('groups', lang, by=label))}</h2>",
                  f'<p class="note">{phrase("groups_note", lang)}</p>',
                  _group_table(comparison, by, names, max_rows)]
    effects = comparison.rule_effects.filter(pl.col("by") == "all").drop("by", "group")
    moved = comparison.moved.sort(pl.col("delta").abs(), "subject_id", descending=[True, False], nulls_last=True)
    keep = [c for c in ("subject_id", *comparison.by, "base_total", "reform_total", "delta", "base_grade",
                        "reform_grade", "top_rules") if c in moved.columns]
    parts += [f"<h2>{phrase('rules_moved', lang)}</h2>", frame_html(effects, max_rows=max_rows, lang=lang,
                                                                      formatters=fmt),
              f"<h2>{html.escape(phrase('moved', lang, n=moved.height))}</h2>",
              frame_html(moved.select(keep), max_rows=max_rows, lang=lang, formatters=fmt)]
    if comparison.funding_by_group is not None:
        totals = pl.DataFrame([{"side": side, **t} for side, t in (comparison.funding_totals or {}).items()])
        parts += [f"<h2>{phrase('funding', lang)}</h2>",
                  frame_html(totals, lang=lang, formatters={"side": names.value})]
    if diagnostics is not None:
        parts += _diagnostics(diagnostics, names, max_rows)
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n"
            f"</html>\n")


def write_report(comparison: Comparison, path: str | Path, diagnostics: Diagnostics | None = None, *,
                 title: str | None = None, lang: str = "en") -> Path:
    """Write :func:`comparison_report` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    out.write_text(comparison_report(comparison, diagnostics, title=title, lang=lang), encoding="utf-8")
    return out
