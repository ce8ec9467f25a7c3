"""Six-star targets by year (partyrules.cycle.targets, rulesets/six-star-targets.yaml)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyrules.cli import main
from partyrules.cycle.targets import (
    StarTarget,
    StarTargetsError,
    YearTargets,
    check_star_targets,
    load_star_targets,
    loads_star_targets,
    shipped_star_targets_path,
)
from partyrules.errors import FactError, PartyRulesError, RuleSetSyntaxError

ROOT = Path(__file__).resolve().parents[2]

# A hand-made sub-district of 10 communities: two at 6 stars, three at 5, four at 4, one at 3.
LEVELS = {"C01": 6, "C02": 6, "C03": 5, "C04": 5, "C05": 4, "C06": 4, "C07": 4, "C08": 3, "C09": 4, "C10": 5}


@pytest.fixture(scope="module")
def targets():
    return load_star_targets()


def line(report, stars):
    return next(x for x in report.lines if x.stars == stars)


# -- the shipped file ----------------------------------------------------------------------------------------------
def test_the_shipped_targets_are_the_source_numbers(targets):
    # installed or in a checkout, the shipped file is the one in rulesets/
    shipped = shipped_star_targets_path()
    assert shipped.read_bytes() == (ROOT / "rulesets" / "six-star-targets.yaml").read_bytes()
    assert targets.id == "six-star-targets" and targets.count == "at_least"
    got = {y.year: [(t.stars, t.share) for t in y.targets] for y in targets.years}
    assert got == {2009: [(4, Fraction(1)), (5, Fraction(2, 5)), (6, Fraction(1, 5))],
                   2010: [(5, Fraction(1)), (6, Fraction(1, 2))]}
    # the 100% lines mean "reach at least", whatever the reading of the others
    assert [t.count for t in targets.for_year(2009).targets] == ["at_least", None, None]
    assert [t.count for t in targets.for_year(2010).targets] == ["at_least", None]


def test_2011_is_not_invented(targets):
    with pytest.raises(PartyRulesError) as info:
        targets.for_year(2011)
    assert "2011" in str(info.value) and "2009, 2010" in str(info.value) and "truncated" in str(info.value)


def test_the_rule_set_commands_skip_the_targets_file(tmp_path):
    # partyrules docs over the directory must not read the targets file as a rule set
    assert main(["docs", str(ROOT / "rulesets"), "--out", str(tmp_path)]) == 0
    assert not (tmp_path / "six-star-targets.md").exists()


# -- 2009 and 2010 on the hand-made communities ----------------------------------------------------------------
def test_2009_at_least(targets):
    r = check_star_targets(LEVELS, targets.for_year(2009))
    assert r.communities == 10 and not r.met
    four, five, six = line(r, 4), line(r, 5), line(r, 6)
    assert (four.required, four.actual, four.met, four.shortfall) == (10, 9, False, 1)
    assert four.candidates == ("C08",)
    assert (five.required, five.actual, five.met, five.shortfall) == (4, 5, True, 0)  # 6-star ones count
    assert (six.required, six.actual, six.met, six.shortfall) == (2, 2, True, 0)
    assert "short by 1" in four.explanation_en and "C08" in four.explanation_en
    assert "未达标" in four.explanation_zh and "还差 1 个" in four.explanation_zh
    assert "met" in five.explanation_en and "已达标" in five.explanation_zh
    assert r.shortfall == 1


def test_2009_exactly_reading_of_gap_j5(targets):
    r = check_star_targets(LEVELS, targets.for_year(2009), count="exactly")
    five = line(r, 5)
    assert five.count == "exactly" and (five.required, five.actual, five.shortfall) == (4, 3, 1)
    assert five.candidates == ("C05", "C06", "C07", "C09")
    assert line(r, 4).count == "at_least"  # its own reading is kept
    # the file's own default changed in the data gives the same
    exact = targets.with_count("exactly").for_year(2009)
    assert check_star_targets(LEVELS, exact) == r


def test_2010(targets):
    r = check_star_targets(LEVELS, targets.for_year(2010))
    five, six = line(r, 5), line(r, 6)
    assert (five.required, five.actual, five.shortfall) == (10, 5, 5)
    assert five.candidates == ("C05", "C06", "C07", "C09")
    assert "the other 1 must rise by two stars or more" in five.explanation_en
    assert (six.required, six.actual, six.shortfall) == (5, 2, 3)
    assert six.candidates == ("C03", "C04", "C10")
    all_six = check_star_targets(dict.fromkeys(LEVELS, 6), targets.for_year(2010))
    assert all_six.met and all(x.shortfall == 0 for x in all_six.lines)


def test_required_is_an_exact_ceiling(targets):
    y2009 = targets.for_year(2009)
    # 5 communities: 40% is exactly 2, 20% exactly 1
    five = check_star_targets({"A": 6, "B": 5, "C": 4, "D": 4, "E": 4}, y2009)
    assert [x.required for x in five.lines] == [5, 2, 1] and five.met
    # 3 communities: 40% of 3 is 1.2 -> 2; 20% of 3 is 0.6 -> 1
    three = check_star_targets({"A": 6, "B": 4, "C": 4}, y2009)
    assert [x.required for x in three.lines] == [3, 2, 1] and line(three, 5).shortfall == 1
    # 25 communities at 28%: exactly 7, though the float product 0.28 * 25 is 7.000000000000001
    t = YearTargets(2030, (StarTarget(5, Fraction(7, 25)),))
    assert check_star_targets({f"C{i}": 5 if i < 7 else 4 for i in range(25)}, t).lines[0].met
    t_float = loads_star_targets("id: t\nkind: star-targets\nyears:\n  - year: 2030\n    targets:\n"
                                 "      - {stars: 5, share: 0.28}\n").for_year(2030)
    assert check_star_targets({f"C{i}": 5 if i < 7 else 4 for i in range(25)}, t_float).lines[0].required == 7
    # no communities: nothing is required
    assert check_star_targets({}, y2009).met


def test_one_community_below_the_boundary_is_short_by_one(targets):
    y = targets.for_year(2009)
    at = {"A": 6, "B": 5, "C": 5, "D": 4, "E": 4}  # 5-star or more: 3 of 5 >= 2; 6-star: 1 >= 1
    assert check_star_targets(at, y).met
    below = {**at, "A": 5}  # no 6-star community left
    r = check_star_targets(below, y)
    assert (line(r, 6).shortfall, line(r, 6).candidates) == (1, ("A", "B", "C"))


@pytest.mark.parametrize("levels", [{"A": 7}, {"A": -1}, {"A": True}, {"A": 4.0}, {"": 4}, {1: 4}])
def test_bad_levels_are_fact_errors(targets, levels):
    with pytest.raises(FactError):
        check_star_targets(levels, targets.for_year(2009))


# -- validating a targets file -------------------------------------------------------------------------------
HEAD = "id: t\nkind: star-targets\n"


@pytest.mark.parametrize(("text", "code", "where"), [
    (HEAD + "colour: red\nyears: []\n", "ST001", "3:1"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 4, share: 1, sahre: 1}\n", "ST001", "6:30"),
    (HEAD + "years:\n  - year: 2009\n", "ST002", "4:5"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 4}\n", "ST002", "6:9"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 7, share: 1}\n", "ST005", "6:17"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: -1, share: 1}\n", "ST005", "6:17"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 4, share: 1.2}\n", "ST004", "6:27"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 4, share: 0}\n", "ST004", "6:27"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 4, share: '40%'}\n", "ST004", "6:27"),
    (HEAD + "count: mostly\nyears:\n  - year: 2009\n    targets:\n      - {stars: 4, share: 1}\n", "ST007", "3:8"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 4, share: 1}\n  - year: 2009\n    targets:\n"
     "      - {stars: 5, share: 1}\n", "ST006", "7:11"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 5, share: 0.4}\n      - {stars: 6, share: 0.5}\n",
     "ST008", "6:7"),
    (HEAD + "count: exactly\nyears:\n  - year: 2009\n    targets:\n      - {stars: 5, share: 0.6}\n"
     "      - {stars: 6, share: 0.5}\n", "ST008", "7:7"),
    (HEAD + "years:\n  - year: 2009\n    targets:\n      - {stars: 5, share: 0.4}\n      - {stars: 5, share: 0.5}\n",
     "ST009", "7:9"),
    ("id: t\nkind: rule-set\nyears:\n  - year: 2009\n    targets:\n      - {stars: 4, share: 1}\n", "ST003", "2:7"),
    (HEAD + "years:\n  - year: '2009'\n    targets:\n      - {stars: 4, share: 1}\n", "ST003", "4:11"),
])
def test_bad_files_are_reported_at_file_line_column(text, code, where):
    with pytest.raises(StarTargetsError) as info:
        loads_star_targets(text, file="t.yaml")
    codes = [(d.code, f"{d.location.line}:{d.location.column}") for d in info.value.diagnostics]
    assert (code, where) in codes, codes
    assert all(d.hint for d in info.value.diagnostics if d.code in ("ST001", "ST004", "ST005", "ST007"))


def test_every_problem_is_reported_at_once_and_a_near_name_suggested():
    text = HEAD + "count: exactyl\nyears:\n  - year: 2009\n    targtes: []\n"
    with pytest.raises(StarTargetsError) as info:
        loads_star_targets(text)
    codes = [d.code for d in info.value.diagnostics]
    assert codes.count("ST001") == 1 and "ST002" in codes and "ST007" in codes
    assert "did you mean 'exactly'?" in str(info.value) and "did you mean 'targets'?" in str(info.value)


def test_yaml_features_are_refused_by_the_hardened_reader():
    with pytest.raises(RuleSetSyntaxError):
        loads_star_targets(HEAD + "years: !!python/object:os.system []\n")
    with pytest.raises(RuleSetSyntaxError):
        loads_star_targets(HEAD + "years:\n  - &a {year: 2009, targets: []}\n  - *a\n")


def test_targets_built_in_code_are_validated():
    with pytest.raises(StarTargetsError):
        StarTarget(9, Fraction(1, 2))
    with pytest.raises(StarTargetsError):
        StarTarget(5, Fraction(3, 2))
    with pytest.raises(StarTargetsError):
        YearTargets(2009, (StarTarget(5, Fraction(1, 2)),)).with_count("mostly")  # type: ignore[arg-type]


def test_load_from_a_path_and_a_missing_path(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text(HEAD + "years:\n  - year: 2012\n    targets:\n      - {stars: 6, share: 1}\n", encoding="utf-8")
    assert load_star_targets(p).for_year(2012).targets[0].stars == 6
    with pytest.raises(PartyRulesError, match="cannot read"):
        load_star_targets(tmp_path / "missing.yaml")


# -- properties ----------------------------------------------------------------------------------------------------
LEVEL_MAPS = st.dictionaries(st.from_regex(r"C[0-9]{1,3}", fullmatch=True), st.integers(0, 6), max_size=40)
SHARES = st.fractions(Fraction(1, 100), 1).map(lambda f: f.limit_denominator(100))
TARGETS = st.builds(StarTarget, st.integers(0, 6), SHARES, st.sampled_from([None, "at_least", "exactly"]))


@given(LEVEL_MAPS, st.lists(TARGETS, min_size=1, max_size=4), st.sampled_from(["at_least", "exactly"]))
def test_shortfall_is_zero_iff_met_and_counts_are_right(levels, lines, default):
    year = YearTargets(2009, tuple(lines), default)
    report = check_star_targets(levels, year)
    n = len(levels)
    for t, got in zip(lines, report.lines, strict=True):
        mode = t.count or default
        actual = sum(1 for s in levels.values() if (s >= t.stars if mode == "at_least" else s == t.stars))
        required = -(-(t.share.numerator * n) // t.share.denominator)
        assert (got.required, got.actual, got.count) == (required, actual, mode)
        assert (got.shortfall == 0) == got.met == (actual >= required)
        assert got.shortfall == max(0, required - actual)
        assert got.candidates == tuple(sorted(c for c, s in levels.items() if s == t.stars - 1))
    assert report.met == all(x.met for x in report.lines)


@given(LEVEL_MAPS, st.data())
def test_raising_a_community_never_raises_an_at_least_shortfall(levels, data):
    if not levels:
        return
    targets = load_star_targets()
    cid = data.draw(st.sampled_from(sorted(levels)))
    raised = {**levels, cid: min(6, levels[cid] + 1)}
    for year in (2009, 2010):
        before = check_star_targets(levels, targets.for_year(year))
        after = check_star_targets(raised, targets.for_year(year))
        for b, a in zip(before.lines, after.lines, strict=True):
            assert a.shortfall <= b.shortfall
