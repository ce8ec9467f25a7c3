"""Result objects display themselves in a notebook: bounded, escaped, bilingual HTML tables whose cells are the
objects' own numbers, and figures that render as PNG without ``%matplotlib inline``."""

from __future__ import annotations

import dataclasses
from functools import cache
from html.parser import HTMLParser

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from partyrules.analyse.diagnostics import diagnose
from partyrules.analyse.plots import plot_diagnostics, plot_distribution, plot_transitions
from partyrules.comparison import compare
from partyrules.cycle.year import YearOptions, YearResult, run_year, shipped_rulesets
from partyrules.errors import PartyRulesError
from partyrules.evaluate.backend import Failure
from partyrules.results.html_table import MAX_ROWS, cell, html_table
from partyrules.score.table import PopulationScores
from partyrules.synthetic import generate_subdistrict
from synth_scores import synthetic_scores

HOSTILE = "<script>alert('x')</script>"
VOID = {"br", "img", "hr", "meta", "link", "input", "col", "wbr"}


class _Tables(HTMLParser):
    """Every table's rows as lists of cell texts (th and td), and whether the tags nest properly."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.stack: list[str] = []
        self.balanced = True
        self._cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    p.close()
    assert p.balanced and not p.stack, "the HTML is not well formed"
    return p


def headline(p: _Tables) -> dict[str, str]:
    """The first table (the headline) as English label -> value (labels are '中文 English')."""
    return {k.split(" ", 1)[-1] if " " in k else k: v for k, v in p.tables[0]}


def shown(value: object) -> str:
    """A value as a parsed cell shows it (the escaping undone)."""
    return parse(f"<table><tr><td>{cell(value)}</td></tr></table>").tables[0][0][0]


def hostile(scores: PopulationScores) -> PopulationScores:
    frame = scores.frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(HOSTILE)).otherwise(pl.col("subject_id")).alias("subject_id"))
    return dataclasses.replace(scores, frame=frame)


def _no_live_markup(html: str) -> None:
    assert "<script" not in html and HOSTILE not in html


# -- the table helper ------------------------------------------------------------------------------------------------
@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"))), min_size=2,
                         max_size=2), max_size=3 * MAX_ROWS))
def test_a_table_shows_each_text_as_it_is_and_at_most_the_limit(rows):
    p = parse(html_table([("甲", "a"), "b"], rows, total=len(rows)))
    body = p.tables[0][1:]
    cut = min(len(rows), MAX_ROWS)
    assert [r for r in body[:cut]] == [list(r) for r in rows[:cut]]
    assert len(body) == cut + (len(rows) > MAX_ROWS)  # the "… N more" line
    if len(rows) > MAX_ROWS:
        assert f"{len(rows) - MAX_ROWS} more" in body[-1][0]


def test_a_lazy_table_reads_one_row_past_the_limit_only():
    read = 0

    def rows():
        nonlocal read
        for i in range(10**6):
            read += 1
            yield (i,)

    html = html_table(["n"], rows())
    assert read == MAX_ROWS + 1 and "more rows" in html


# -- population scores -----------------------------------------------------------------------------------------------
def test_population_scores_show_their_own_figures_escaped(in_service_rs):
    s = hostile(synthetic_scores(in_service_rs, 60, 3))
    html = s._repr_html_()
    _no_live_markup(html)
    p = parse(html)
    head = headline(p)
    assert head["subjects scored"] == "60" and head["vetoed"] == str(int(s.frame["vetoed"].sum()))
    assert head["mean total"] == shown(s.frame["total"].mean())
    grades = {r[1]: int(r[2]) for r in p.tables[1][1:]}
    assert grades == {g.id: s.frame.filter(pl.col("grade") == g.id).height for g in in_service_rs.grades}
    rows = p.tables[2][1:]
    assert len(rows) == MAX_ROWS + 1 and "40 more" in rows[-1][0]
    first = s.frame.row(0, named=True)
    assert rows[0][0] == HOSTILE  # shown as text, not run
    assert rows[0][-3:] == [shown(first["total"]), first["grade"], shown(first["vetoed"])]


def test_a_large_population_displays_in_bounded_size(in_service_rs):
    small = synthetic_scores(in_service_rs, 100, 1)._repr_html_()
    large = synthetic_scores(in_service_rs, 200_000, 1)._repr_html_()
    assert len(large) < 2 * len(small) < 40_000
    assert "199980 more" in large


# -- comparison ------------------------------------------------------------------------------------------------------
def test_a_comparison_shows_its_transitions_and_who_moved_most(in_service_rs):
    base = hostile(synthetic_scores(in_service_rs, 80, 1))
    reform = hostile(synthetic_scores(in_service_rs, 80, 2))
    c = compare(base, reform)
    html = c._repr_html_()
    _no_live_markup(html)
    p = parse(html)
    head = headline(p)
    assert head["subjects"] == str(c.wide.height) and head["moved"] == str(c.moved.height)
    assert head["grade changed"] == str(int(c.moved["grade_changed"].sum()))
    m = c.transitions
    assert [[int(x) for x in r[1:]] for r in p.tables[1][1:]] == [list(r[1:]) for r in m.iter_rows()]
    who = p.tables[2][1:]
    biggest = c.moved.sort(pl.col("delta").abs(), descending=True).row(0, named=True)
    assert shown(abs(biggest["delta"])) == shown(abs(float(who[0][3])))
    assert len(who) == MAX_ROWS + 1 and f"{c.moved.height - MAX_ROWS} more" in who[-1][0]


# -- diagnostics -----------------------------------------------------------------------------------------------------
def test_diagnostics_show_the_findings_in_both_languages_and_the_rules(in_service_rs):
    d = diagnose(synthetic_scores(in_service_rs, 200, 5))
    d = dataclasses.replace(d, notes=[*d.notes, HOSTILE])
    html = d._repr_html_()
    _no_live_markup(html)
    p = parse(html)
    assert headline(p)["subjects scored"] == "200"
    findings = p.tables[1][1:]
    zh, en = d.findings(lang="zh"), d.findings(lang="en")
    assert [r for r in findings[:MAX_ROWS]] == [list(x) for x in zip(zh, en, strict=True)][:MAX_ROWS]
    rules = p.tables[2][1:]
    assert [r[0] for r in rules[:MAX_ROWS]] == d.rules["rule_id"].to_list()[:MAX_ROWS]
    assert [r[4] for r in rules[:MAX_ROWS]] == [shown(x) for x in d.rules["fires"].to_list()[:MAX_ROWS]]


def test_a_hostile_text_in_the_findings_is_shown_as_text(in_service_rs):
    d = diagnose(synthetic_scores(in_service_rs, 10, 5))
    # a rule the period does not assess is the first finding, with its cadence's text in it
    d = dataclasses.replace(d, not_assessed={d.rules["rule_id"][0]: HOSTILE})
    html = d._repr_html_()
    _no_live_markup(html)
    assert HOSTILE in parse(html).tables[1][1][0] and HOSTILE in parse(html).tables[1][1][1]


# -- the year --------------------------------------------------------------------------------------------------------
@cache
def _year() -> YearResult:
    a = generate_subdistrict(seed=4, communities=3, organisations=8, members=140)
    return run_year(a.members, a.branches, a.communities, year=2026, rulesets=list(shipped_rulesets().values()),
                    options=YearOptions(funding_pool_fen=1_000_000))


def test_a_year_shows_its_counts_grades_lists_and_failures():
    y = _year()
    y = dataclasses.replace(y, failures=[Failure(0, HOSTILE, PartyRulesError("<b>bad</b> row"))])
    html = y._repr_html_()
    _no_live_markup(html)
    assert "<b>bad</b>" not in html
    p = parse(html)
    head = headline(p)
    assert head["members"] == str(len(y.members)) and head["branches"] == str(len(y.branches))
    assert head["warning list, members"] == str(len(y.member_warnings))
    assert head["funding pool, yuan"] == "10,000.00"
    assert head["failed"] == "1"
    counted: dict[tuple[str, str], int] = {}
    for r in p.tables[1][1:]:
        counted[(r[0].split()[1], r[2])] = int(r[3])
    for kind, results in (("members", y.members), ("branches", y.branches)):
        for r in results:
            key = (kind, r.grade.en if r.grade else "not graded")
            counted[key] -= 1
    assert all(v == 0 for v in counted.values())
    warned = p.tables[3][1:]
    assert [r[1] for r in warned[:MAX_ROWS]] == [e.subject_id for e in y.member_warnings.entries][:MAX_ROWS]
    assert p.tables[-1][1] == [HOSTILE, "<b>bad</b> row"]


# -- figures ---------------------------------------------------------------------------------------------------------
def test_figures_render_as_png_and_svg_and_stay_figures(real_pair, tmp_path):
    # PNG only as a display (a notebook stores every format offered: SVG too would triple its size), SVG on request
    base, reform = real_pair
    figs = [plot_distribution(base, reform), plot_transitions(compare(base, reform)), plot_diagnostics(diagnose(base))]
    for fig in figs:
        assert isinstance(fig, Figure) and fig.figure is fig
        assert fig._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
        assert "<svg" in fig.to_svg() and not hasattr(fig, "_repr_svg_")
        out = tmp_path / "f.png"
        fig.savefig(out)
        assert out.read_bytes().startswith(b"\x89PNG")


# -- the objects that had a display already: a breakdown and a fairness report ---------------------------------------
def test_a_breakdown_shows_its_total_and_escapes_its_subject(real_pair):
    base, _ = real_pair
    b = base.breakdown(base.frame["subject_id"][0])
    b = b.model_copy(update={"subject_id": HOSTILE})
    html = b._repr_html_()
    _no_live_markup(html)
    p = parse(html)
    assert HOSTILE in "".join(p.text)
    points = {r[0]: float(r[2]) for t in p.tables for r in t[1:] if len(r) == 5}  # rule rows (dimensions: 3 cells)
    assert points.keys() == {ln.rule_id for ln in b.lines}
    assert all(abs(points[ln.rule_id] - ln.points) < 0.01 for ln in b.lines)


def test_a_fairness_report_displays_as_valid_escaped_html():
    from partyrules.analyse.fairness import fairness

    r = dataclasses.replace(fairness(year=2026), notes=[HOSTILE])
    html = r._repr_html_()
    _no_live_markup(html)
    assert HOSTILE in "".join(parse(html).text)
