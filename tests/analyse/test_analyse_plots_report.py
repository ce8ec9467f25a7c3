"""Figures (Agg, no warnings) and the self-contained HTML report of a comparison."""

from __future__ import annotations

import warnings
from html.parser import HTMLParser

import polars as pl
import pytest
from matplotlib.figure import Figure

from partyrules.analyse.diagnostics import diagnose
from partyrules.analyse.plots import plot_diagnostics, plot_distribution, plot_transitions
from partyrules.analyse.report import comparison_report, frame_html, write_report
from partyrules.comparison import compare
from partyrules.score.table import PopulationScores, table_schema
from synth_scores import synthetic_scores


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.imgs: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "img":
            self.imgs.append(dict(attrs)["src"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_are_built_without_warnings(real_pair, lang):
    base, reform = real_pair
    c = compare(base, reform)
    d = diagnose(reform)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph or font would warn
        figs = [plot_distribution(base, lang=lang), plot_distribution(base, reform, lang=lang),
                plot_transitions(c, lang=lang), plot_transitions(c, by="category", group="in_service", lang=lang),
                plot_diagnostics(d, lang=lang)]
        for fig in figs:
            assert isinstance(fig, Figure)
            fig.canvas.draw()
    assert len(figs[1].axes[0].patches) > len(figs[0].axes[0].patches)  # the reform is drawn too
    heat = figs[2].axes[0]
    counts = sorted(int(t.get_text()) for t in heat.texts)
    assert sum(counts) == base.frame.height


def test_figures_of_empty_and_tiny_inputs(example_rs):
    empty = PopulationScores(example_rs, pl.DataFrame(schema=table_schema(example_rs, ["category"])), "2026")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fig in (plot_distribution(empty), plot_diagnostics(diagnose(empty)),
                    plot_transitions(compare(empty, empty))):
            fig.canvas.draw()


def test_report_is_self_contained_and_escaped(real_pair, tmp_path, example_rs):
    base, reform = real_pair
    c = compare(base, reform, funding_pool=300_000)
    d = diagnose(reform)
    title = 'Volunteering <150 h> & "organ" staff'
    page = comparison_report(c, d, title=title)
    p = _Collect()
    p.feed(page)
    p.close()
    assert "html" in p.tags and "table" in p.tags and "script" not in p.tags
    assert title in "".join(p.text)  # escaped in the page, read back unchanged
    assert "<150 h>" not in page
    assert len(p.imgs) == 4 and all(src.startswith("data:image/png;base64,") for src in p.imgs)
    assert "http://" not in page and "https://" not in page and "<link" not in page
    s = c.summary()
    text = " ".join(p.text)
    for label in ("Grade changed", "Moved", "Kendall tau-b", "Funding shifted (yuan)"):
        assert label in text
    assert f"{s['moved']:,}" in text and f"{s['grade_changed']:,}" in text
    assert f"{s['funding_pool_fen'] // 100:,}.{s['funding_pool_fen'] % 100:02d}" in text  # money in yuan
    for finding in d.findings():
        assert finding in text
    out = write_report(c, tmp_path / "r.html", d, title=title)
    assert out.read_text(encoding="utf-8").count("<img") == 4


def test_frame_html_escapes_cells_and_limits_rows():
    f = pl.DataFrame({"id<": ["<b>x</b>", "y & z", "w"], "n": [1, 2, 3], "v": [0.5, None, 1e-5]})
    out = frame_html(f, max_rows=2)
    assert "<b>x</b>" not in out and "&lt;b&gt;x&lt;/b&gt;" in out and "Id&lt;" in out
    assert "y &amp; z" in out and "1 more rows" in out and ">w<" not in out
    assert "另有 1 行" in frame_html(f, max_rows=2, lang="zh")


def test_report_without_funding_or_diagnostics(example_rs):
    a, b = synthetic_scores(example_rs, 30, 1), synthetic_scores(example_rs, 30, 2, id_offset=3)
    page = comparison_report(compare(a, b))
    assert "Funding shifts" not in page and "Diagnostics of" not in page
    assert page.count("<img") == 3 and "n/a" in page
