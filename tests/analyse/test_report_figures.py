"""The figures and the report as an analyst and a branch secretary read them: checked on the figure objects (axis
limits, labels, colours, line styles) and on the report's HTML (labels in the report's language, rule texts, yuan,
honest counts), never on pixels."""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from partyrules.analyse.diagnostics import diagnose
from partyrules.analyse.plots import (
    BAD,
    BASE_STYLE,
    GOOD,
    REFORM_STYLE,
    _x_range,
    cjk_font,
    plot_changes,
    plot_diagnostics,
    plot_distribution,
)
from partyrules.analyse.report import comparison_report
from partyrules.analyse.rule_names import display_width, rule_text, shorten
from partyrules.comparison import compare
from partyrules.evaluate.population import score_population
from partyrules.population.frames import facts_to_population

SNAKE = re.compile(r"[a-z]+_[a-z_]+")


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60), st.integers(2, 40))
def test_a_shortened_text_fits_its_width_and_keeps_its_start(text, width):
    out = shorten(text, width)
    if display_width(text) <= width:
        assert out == text  # what fits is never cut
    else:
        assert out.endswith("…") and display_width(out) <= width
        assert text.startswith(out[:-1])


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=50),
       st.lists(st.sampled_from([60.0, 70.0, 90.0]), unique=True))
def test_the_x_range_holds_every_total_within_the_scale(values, cuts):
    lo, hi = _x_range(values, sorted(cuts), 100.0)
    assert 0.0 <= lo <= min(values) and max(values) <= hi <= 100.0


def test_the_distribution_spans_the_data_and_tells_base_from_reform(real_pair):
    base, reform = real_pair
    fig = plot_distribution(base, reform)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    totals = pl.concat([base.frame["total"], reform.frame["total"]])
    assert lo <= totals.min() and hi >= totals.max()
    assert lo > 0  # regression: the axis started at 0 while the totals start near 40
    assert hi - lo < 0.9 * base.ruleset.max_points or totals.min() < 10
    base_bars = [p for p in ax.patches if p.get_fill()]
    reform_step = [p for p in ax.patches if not p.get_fill()]
    assert base_bars and reform_step
    assert to_hex(base_bars[0].get_facecolor()) == BASE_STYLE["color"]
    assert to_hex(reform_step[0].get_edgecolor()) == REFORM_STYLE["color"] != BASE_STYLE["color"]
    assert reform_step[0].get_linestyle() != base_bars[0].get_linestyle()  # dashed against solid
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("base") and legend[1].startswith("reform")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_grade_names_do_not_overlap(real_pair, lang):
    base, reform = real_pair
    fig = plot_distribution(base, reform, lang=lang)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # the layout the saved figure has
    ax = fig.axes[0]
    names = {g.zh if lang == "zh" and cjk_font() else g.en for g in base.ruleset.grades}
    labels = [t for t in ax.texts if t.get_text() in names]
    assert len(labels) >= 2
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), [t.get_text() for t in labels]


def test_the_diagnostics_colour_the_best_outcome_green(real_pair):
    base, _ = real_pair
    d = diagnose(base)
    fig = plot_diagnostics(d, ruleset=base.ruleset)
    left = fig.axes[0]
    good, _, bad = left.containers
    rules = d.rules
    for i, r in enumerate(rules.iter_rows(named=True)):
        best = r["at_floor"] if r["kind"] == "deduction" else r["at_ceiling"]
        assert good.patches[i].get_width() == pytest.approx(best or 0.0)
        assert to_hex(good.patches[i].get_facecolor()) == GOOD
        assert to_hex(bad.patches[i].get_facecolor()) == BAD
    # regression: a deduction nobody incurs (the good outcome) was a full red bar
    clean = [i for i, r in enumerate(rules.iter_rows(named=True)) if r["kind"] == "deduction" and r["at_floor"] == 1]
    assert clean and all(bad.patches[i].get_width() == 0 for i in clean)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rules_are_named_by_their_text(real_pair, lang):
    base, _ = real_pair
    d = diagnose(base)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the fonts would warn
        fig = plot_diagnostics(d, ruleset=base.ruleset, lang=lang)
        fig.canvas.draw()
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    want_lang = "zh" if lang == "zh" and cjk_font() else "en"
    assert shown == [rule_text(base.ruleset, r, want_lang, width=26) for r in d.rules["rule_id"]]
    assert not any(s in d.rules["rule_id"].to_list() for s in shown)


def test_chinese_figures_use_a_cjk_font_with_a_fallback(real_pair):
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font on this machine (install fonts-wqy-microhei)")
    base, reform = real_pair
    ax = plot_distribution(base, reform, lang="zh").axes[0]
    assert ax.get_xlabel() == "总分"
    assert ax.xaxis.label.get_fontfamily() == [font, "DejaVu Sans"]


def test_the_changes_plot_counts_each_changed_subject_once(real_pair):
    base, reform = real_pair
    c = compare(base, reform)
    ax = plot_changes(c).axes[0]
    changed = c.wide.filter(pl.col("in_base") & pl.col("in_reform") & (pl.col("delta").abs() > c.epsilon))
    assert sum(p.get_height() for p in ax.patches) == changed.height > 0
    for p in ax.patches:
        centre = p.get_x() + p.get_width() / 2
        assert to_hex(p.get_facecolor()) == (BAD if centre < 0 else GOOD)
    assert f"{changed.height:,} of {c.wide.height:,} changed" in ax.get_title()


class _Headers(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside: str | None = None
        self.found: dict[str, list[str]] = {"th": [], "h1": [], "h2": [], "h3": [], "td": []}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.found:
            self.inside = tag
            self.found[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self.inside:
            self.inside = None

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.found[self.inside][-1] += data


def _parsed(page: str) -> dict[str, list[str]]:
    p = _Headers()
    p.feed(page)
    return p.found


@pytest.fixture(scope="module")
def mixed(subdistrict, in_service_rs):
    """Members of every category, scored by the in-service index, which applies to some of them only."""
    members = facts_to_population(subdistrict.members[:400], "member")
    base = score_population(in_service_rs, members, "2026", backend="reference")
    reform = score_population(in_service_rs.with_params(organ_volunteer_hours=150), members, "2026",
                              backend="reference")
    return base, reform


def test_the_chinese_report_has_no_english_labels(mixed):
    base, reform = mixed
    c = compare(base, reform, funding_pool=1_000_000, by=["category", "branch_id"])
    found = _parsed(comparison_report(c, diagnose(base), lang="zh"))
    labels = found["th"] + found["h1"] + found["h2"] + found["h3"]
    assert labels and not [x for x in labels if SNAKE.search(x)]
    assert not [x for x in found["td"] if x in ("qualified", "excellent", "basically_qualified", "in_service")]
    assert any("按所在支部分组" in h for h in found["h2"])
    assert "资金变化（元）" in found["th"]


def test_the_report_counts_what_it_compared_out_of_what_it_read(mixed):
    # regression: the headline gave one count, as if every member read had been compared
    base, reform = mixed
    c = compare(base, reform)
    read = len(base) + len(base.not_applicable) + len(base.failures)
    assert base.not_applicable and len(base) < read
    page = comparison_report(c, lang="en")
    assert f"{len(base):,} of {read:,} subjects compared" in page
    assert f"{len(base.not_applicable):,} not covered by the rule set" in page
    zh = comparison_report(c, lang="zh")
    assert f"共读入 {read:,} 个对象, 其中 {len(base):,} 个" in zh


def test_rules_are_shown_with_their_text_and_money_in_yuan(real_pair):
    base, reform = real_pair
    c = compare(base, reform, funding_pool=123_456)
    page = comparison_report(c, lang="zh")
    moved_rules = c.rule_effects.filter(pl.col("by") == "all")["rule_id"].to_list()
    assert moved_rules
    for rid in moved_rules:
        assert rule_text(reform.ruleset, rid, "zh", width=60) in page.replace("&quot;", '"')
    assert "1,234.56" in page and "123456" not in page and "123,456" not in page
