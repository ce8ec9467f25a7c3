"""The fairness report: its figures recomputed from breakdowns, structural gaps found in rule sets made to have
them and in no other, the cost of conduct against the rule sets' own numbers, and the command line."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import partyrules as pr
from partyrules.analyse.fairness import FairnessReport, fairness
from partyrules.cli import main
from partyrules.cycle.quarterly import facts_for_period, quarters
from partyrules.facts.exemplary import exemplary_member, with_incident
from partyrules.population import write_population
from partyrules.shipped_rulesets import CATEGORY_RULESET
from partyrules.synthetic import generate_subdistrict
from partyrules.synthetic.duties import add_duties

YEAR = 2026
CATS = ("in_service", "retired", "new_citizen", "mobile")  # mobile members are scored by the in-service index

HEAD = """id: t-{name}
version: "1"
title: {{zh: 测试指数, en: Test index}}
subject: member
applies_to: category == "in_service"
dimensions:
  - {{id: T.D1, zh: 维度, en: Dimension, max: 100}}
standards:
  - id: T.S1
    dimension: T.D1
    zh: 按月交纳党费
    en: Pays dues every month
    source: completion
    due: monthly
    points: 50
    ratio:
      numerator: count(records where dues_paid_on_time)
      denominator: count(records)
{extra}
deductions:
  - id: T.K1
    dimension: T.D1
    zh: 赌博
    en: Gambling
    source: completion
    per: count(incidents where kind == "gambling")
    points: 5
    cap: 10
grading:
  - {{id: excellent, zh: 优秀, en: Excellent, at_least: 90}}
  - {{id: qualified, zh: 合格, en: Qualified, at_least: 0}}
"""
FAIR = """  - id: T.S2
    dimension: T.D1
    zh: 亮明身份
    en: Shows identity
    source: completion
    due: any
    points: 50
    flag: placard_displayed"""
# a once-a-year commendation prorated over the period: every quarter without it falls short
PRORATED = """  - id: T.S2
    dimension: T.D1
    zh: 每年获得表彰
    en: Commended once a year
    source: completion
    points: 50
    ratio_to:
      value: count(commendations where kind == "commendation")
      target: period.months / 12"""
# a yearly item that pays in full in every period shorter than a year, whatever the member did
FREE = """  - id: T.S2
    dimension: T.D1
    zh: 获得表彰(年度)
    en: Commended (yearly)
    source: completion
    points: 50
    when: period.months >= 12
    if_not_applicable: full
    flag: exists(commendations where kind == "commendation")"""


def _rs(name: str, extra: str) -> pr.RuleSet:
    return pr.loads_ruleset(HEAD.format(name=name, extra=extra), file=f"{name}.yaml")


@pytest.fixture(scope="module")
def members() -> list[pr.MemberFacts]:
    sd = add_duties(generate_subdistrict(seed=11), seed=11, mobile_share=0.2)  # the pinned generator has no mobile
    return [m for c in CATS for m in sd.members_in(c)[:30]]


@pytest.fixture(scope="module")
def report(members: list[pr.MemberFacts]) -> FairnessReport:
    return fairness(members, year=YEAR)


def _periods() -> list[pr.Period]:
    return [*quarters(YEAR), pr.Period.year(YEAR)]


def test_figures_recomputed_from_breakdowns(report, members):
    for cat in CATS:
        rs = pr.load_ruleset(pr.shipped_ruleset_path(CATEGORY_RULESET[cat]))
        c = report.category(cat)
        mine = [m for m in members if m.member.category == cat]
        for p in _periods():
            bs = [pr.evaluate(rs, facts_for_period(m, p), period=p) for m in mine]
            s = next(s for s in c.stats if s.period == str(p))
            totals = np.array([b.total for b in bs])
            assert s.subjects == len(bs)
            assert s.grade_counts == {g.id: sum(b.grade.id == g.id for b in bs) for g in rs.grades}
            for q in (0.1, 0.25, 0.5, 0.75, 0.9):
                assert s.quantiles[f"p{round(q * 100)}"] == pytest.approx(float(np.quantile(totals, q)), abs=1e-6)
            assert s.quantiles["min"] == pytest.approx(totals.min()) and s.mean == pytest.approx(totals.mean())
            ex = pr.evaluate(rs, facts_for_period(exemplary_member(cat, YEAR), p), period=p)
            assert c.reachable_in(str(p)).total == pytest.approx(ex.total)
            if p.months == 12:
                for row in c.rules:
                    pts = [next((ln.points for ln in b.lines if ln.rule_id == row["rule_id"]), 0.0) for b in bs]
                    assert row["earns"] == sum(abs(x) > 1e-6 for x in pts)
                    full = row["full"]
                    assert row["at_full"] == sum((x >= full - 1e-6) if full > 0 else (x <= full + 1e-6) for x in pts)


def test_year_from_annual_results(members):
    result = pr.run_year(members, year=YEAR, workers=1, keep_breakdowns=False)
    rep = fairness(members, year_result=result)
    assert rep.year_source == "annual"
    for cat in CATS:
        rs = pr.load_ruleset(pr.shipped_ruleset_path(CATEGORY_RULESET[cat]))
        mine = [r for r in result.members if r.ruleset_id == rs.id and r.pool == ["member", cat]]
        s = next(s for s in rep.category(cat).stats if s.period == str(YEAR))
        graded = [r for r in mine if r.graded]
        assert s.source == "annual" and s.subjects == len(mine) and s.not_graded == len(mine) - len(graded)
        assert s.grade_counts == {g.id: sum(r.grade.id == g.id for r in graded) for g in rs.grades}
        assert s.quantiles["p50"] == pytest.approx(float(np.quantile([r.score for r in mine], 0.5)), abs=1e-6)


@pytest.mark.parametrize(("extra", "codes"), [(PRORATED, {"max_below_scale", "grade_unreachable"}),
                                              (FREE, {"free_points"})])
def test_a_structural_gap_is_found(extra, codes):
    rep = fairness(year=YEAR, rulesets={"in_service": _rs("gap", extra)})
    found = {f.code for f in rep.structural}
    assert codes <= found
    gap = next(f for f in rep.structural if f.code in codes)
    assert "T.S2" in gap.items and "T.S2" in gap.zh and "T.S2" in gap.en
    if extra is PRORATED:
        f = next(f for f in rep.structural if f.code == "max_below_scale")
        assert f.figures["reachable"] == 50 and f.figures["periods"] == ["2026-Q1", "2026-Q3", "2026-Q4"]
    else:
        f = next(f for f in rep.structural if f.code == "free_points")
        assert f.figures["points"] == 50 and "2026" not in f.figures["periods"]


def test_a_fair_rule_set_has_no_structural_finding(members):
    rep = fairness([m for m in members if m.member.category == "in_service"], year=YEAR,
                   rulesets={"in_service": _rs("fair", FAIR)})
    assert rep.structural == []
    assert rep.category("in_service").reachable_in("2026-Q1").total == 100


def _reading(rs: pr.RuleSet, kind: str) -> tuple[list[tuple[str, float, float]], list[tuple[str, float]]]:
    """The deductions and standards whose expressions name the kind, found in their text (not their typed form)."""
    quoted = f'"{kind}"'
    deds = [(d.id, float(d.spec.points), float(d.spec.cap)) for d in rs.deductions
            if any(quoted in e.text for e in d.exprs.values())]
    stds = [(s.id, float(s.points)) for s in rs.standards if any(quoted in e.text for e in s.exprs.values())]
    return deds, stds


def test_conduct_costs_follow_the_rule_sets():
    rep = fairness(year=YEAR)
    cost = {(c.index, c.kind): c for c in rep.costs}
    seen: dict[str, dict[str, tuple[float, float]]] = {}
    for cat in CATS:
        rs = pr.load_ruleset(pr.shipped_ruleset_path(CATEGORY_RULESET[cat]))
        base = exemplary_member(cat, YEAR)
        whole = pr.evaluate(rs, base, period="2026").total
        for kind in ("gambling", "superstition", "employer_sanction", "complaint_substantiated"):
            deds, stds = _reading(rs, kind)
            if not deds and not stds:
                assert (cat, kind) not in cost
                continue
            c = cost[(cat, kind)]
            assert list(c.deductions) == deds and list(c.standards) == stds
            assert c.most == pytest.approx(sum(x for _, _, x in deds) + sum(p for _, p in stds))
            # measured independently: the exemplary member with one such incident in May
            drop = whole - pr.evaluate(rs, with_incident(base, kind, "2026-05-15"), period="2026").total
            assert c.one == pytest.approx(drop)
            assert drop == pytest.approx(sum(p for _, p, _ in deds) + sum(p for _, p in stds))
            seen.setdefault(kind, {})[cat] = (c.one, c.most)
    differs = {f.items[0] for f in rep.structural if f.code == "kind_cost_differs"}
    for kind, per in seen.items():
        if len(per) == len(CATS):
            assert (kind in differs) == (len(set(per.values())) > 1), kind


class _Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.headings: list[str] = []
        self.cells: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        if tag == "html":
            self.lang = dict(attrs).get("lang", "")

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] in ("h1", "h2", "h3") and data.strip():
            self.headings.append(data.strip())
        if self.stack and self.stack[-1] == "th" and data.strip():
            self.cells.append(data.strip())


@pytest.fixture(scope="module")
def popdir(tmp_path_factory, members) -> Path:
    d = tmp_path_factory.mktemp("pop") / "members"
    write_population(pr.facts_to_population(members[::3], "member"), d)
    return d


def test_cli_text_json_html(popdir, tmp_path, capsys):
    assert main(["fairness", str(popdir), "--year", "2026", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Structural gaps" in out and "Reachable maximum per period" in out
    assert main(["fairness", str(popdir), "--year", "2026", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2026 and {c["key"] for c in data["categories"]} == set(CATS)
    assert all({"kind", "zh", "en", "items", "figures"} <= set(f) for f in data["findings"])
    for lang in ("zh", "en"):
        page = tmp_path / f"f-{lang}.html"
        assert main(["fairness", str(popdir), "--year", "2026", "--format", "html", "--lang", lang,
                     "--out", str(page)]) == 0
        capsys.readouterr()
        text = page.read_text(encoding="utf-8")
        parsed = _Headings()
        parsed.feed(text)
        assert "Noto Sans CJK SC" in text and "<script" not in text
        labels = parsed.headings + parsed.cells
        if lang == "zh":
            assert parsed.lang == "zh-CN"
            latin = [h for h in parsed.headings if not re.search(r"[\u4e00-\u9fff]", h)]
            assert latin == [], latin
            assert "结论" in labels and "评分期" in labels and "Findings" not in text
        else:
            assert "Findings" in labels and "结论" not in labels


def test_cli_exit_codes(popdir, tmp_path, capsys):
    assert main(["fairness"]) == 2
    assert main(["fairness", str(popdir)]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [\n", encoding="utf-8")
    assert main(["fairness", str(popdir), "--year", "2026", "--ruleset", str(bad)]) == 3
    gap = tmp_path / "gap.yaml"
    gap.write_text(HEAD.format(name="gap", extra=PRORATED), encoding="utf-8")
    assert main(["fairness", str(popdir), "--year", "2026", "--ruleset", str(gap), "--fail-on-structural"]) == 6
    fair = tmp_path / "fair.yaml"
    fair.write_text(HEAD.format(name="fair", extra=FAIR), encoding="utf-8")
    assert main(["fairness", str(popdir), "--year", "2026", "--ruleset", str(fair), "--fail-on-structural"]) == 0
    rows = tmp_path / "rows.jsonl"
    good = exemplary_member("retired", YEAR).model_dump_json()
    rows.write_text(good + "\n" + '{"member": {"member_id": 5}}\n', encoding="utf-8")
    assert main(["fairness", str(rows), "--year", "2026"]) == 10
    capsys.readouterr()
