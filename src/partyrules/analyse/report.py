"""A self-contained HTML report of a comparison (and optionally the diagnostics of the reform's rule set).

The page has inline CSS only, figures as base64 PNG ``data:`` images and tables as HTML: it opens from a file or
an e-mail attachment with no network, and every text from the data (ids, titles, group names) is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure

    from ..comparison import Comparison
    from .diagnostics import Diagnostics

__all__ = ["comparison_report", "figure_png", "frame_html", "write_report"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2rem auto; max-width: 72rem; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #4c72b0; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; color: #2b4a7a; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid #d5d9e0; padding: .25rem .55rem; text-align: right; }
th { background: #eef2f8; }
td.t, th.t { text-align: left; }
.headline td:first-child { text-align: left; font-weight: 600; }
.note { color: #666; font-size: .85rem; }
ul.findings li { margin: .2rem 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""


def figure_png(fig: Figure, *, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (no metadata that names a web site)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cell(value: Any) -> tuple[str, bool]:
    """A cell's escaped text and whether it is text (left-aligned)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), True
    if isinstance(value, float):
        return (f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:,.3f}".rstrip("0").rstrip(".")), False
    if isinstance(value, int):
        return f"{value:,}", False
    if isinstance(value, (list, tuple)):
        return html.escape(", ".join(_cell(v)[0] if not isinstance(v, str) else v for v in value)), True
    return html.escape(str(value)), True


def frame_html(frame: pl.DataFrame, *, max_rows: int = 50, css_class: str = "") -> str:
    """A polars frame as an escaped HTML table, with at most ``max_rows`` rows (and a note of the rest)."""
    cls = f' class="{html.escape(css_class)}"' if css_class else ""
    head = "".join(f'<th class="t">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for row in frame.head(max_rows).iter_rows():
        cells = []
        for v in row:
            text, left = _cell(v)
            cells.append(f'<td class="t">{text}</td>' if left else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = frame.height - max_rows
    note = f'<p class="note">… and {more:,} more rows</p>' if more > 0 else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def _headline(items: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{_cell(v)[0]}</td></tr>" for k, v in items.items())
    return f'<table class="headline"><tbody>{rows}</tbody></table>'


def _list(items: Iterable[str]) -> str:
    body = "".join(f"<li>{html.escape(s)}</li>" for s in items)
    return f'<ul class="findings">{body}</ul>' if body else '<p class="note">none</p>'


def _img(fig: Figure, alt: str) -> str:
    return f'<p><img alt="{html.escape(alt)}" src="{figure_png(fig)}"></p>'


def comparison_report(comparison: Comparison, diagnostics: Diagnostics | None = None, *,
                      title: str = "Comparison of a base and a reform", lang: str = "en",
                      max_rows: int = 50) -> str:
    """The comparison as one self-contained HTML page: the headline numbers, grade transitions (table and
    heatmap), the distributions of totals, rank agreement and top-k overlap by group, the rules that moved
    subjects, the subjects who moved (the first ``max_rows``), funding shifts by group and, with
    ``diagnostics``, its findings, rule table and figure. ``lang`` is passed to the figures and the findings."""
    import polars as pl

    from .plots import plot_diagnostics, plot_distribution, plot_transitions

    def close(fig: Figure, alt: str) -> str:
        out = _img(fig, alt)
        fig.clear()
        return out

    s = comparison.summary()
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="note">{html.escape(s["base"])} → {html.escape(s["reform"])}, period '
             f'{html.escape(comparison.base.period)}; generated {date.today().isoformat()} by partyrules.</p>',
             "<h2>Headline</h2>", _headline(s)]
    if comparison.notes:
        parts.append(_list(comparison.notes))
    parts += ["<h2>Grade transitions</h2>", frame_html(comparison.transitions, max_rows=max_rows),
              close(plot_transitions(comparison, lang=lang), "grade transition heatmap"),
              "<h2>Distribution of totals</h2>",
              close(plot_distribution(comparison.base, comparison.reform, lang=lang), "distribution of totals"),
              "<h2>Rank agreement by group</h2>",
              frame_html(comparison.kendall_tau.join(comparison.top_k_overlap, on=["by", "group"], how="left"),
                         max_rows=max_rows),
              "<h2>Rules that moved subjects</h2>",
              frame_html(comparison.rule_effects.filter(pl.col("by") == "all").drop("by", "group"),
                         max_rows=max_rows),
              f"<h2>Subjects who moved ({comparison.moved.height:,})</h2>",
              frame_html(comparison.moved.sort(pl.col("delta").abs(), "subject_id", descending=[True, False]),
                         max_rows=max_rows)]
    if comparison.funding_by_group is not None:
        totals = comparison.funding_totals or {}
        parts += ["<h2>Funding shifts</h2>",
                  _headline({f"{side} {k}": v for side, t in totals.items() for k, v in t.items()}),
                  frame_html(comparison.funding_by_group, max_rows=max_rows)]
    if diagnostics is not None:
        findings = diagnostics.findings(lang=lang if lang in ("en", "zh") else "en")
        parts += [f"<h2>Diagnostics of {html.escape(diagnostics.ruleset_id)}</h2>", _list(findings),
                  close(plot_diagnostics(diagnostics, lang=lang), "diagnostics"),
                  frame_html(diagnostics.rules, max_rows=max(max_rows, diagnostics.rules.height)),
                  "<h3>Crowding at grade boundaries</h3>", frame_html(diagnostics.crowding),
                  "<h3>Vetoes</h3>", frame_html(diagnostics.vetoes)]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def write_report(comparison: Comparison, path: str | Path, diagnostics: Diagnostics | None = None, *,
                 title: str = "Comparison of a base and a reform", lang: str = "en") -> Path:
    """Write :func:`comparison_report` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    out.write_text(comparison_report(comparison, diagnostics, title=title, lang=lang), encoding="utf-8")
    return out
