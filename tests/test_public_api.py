"""The public API: a curated top level whose every name resolves, the names moved from it still resolving for a
release with a warning that names their home, and the core importing without the analysis extra."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import partyrules as pr

ROOT = Path(__file__).resolve().parents[1]

# what a user needs first; everything else is imported from its package (docs/architecture.md lists where)
TOP_LEVEL = {
    # rule sets
    "RuleSet", "load_ruleset", "loads_ruleset", "lint_ruleset", "shipped_ruleset_path",
    # facts and periods
    "Member", "MemberFacts", "Branch", "BranchFacts", "Community", "CommunityFacts", "MemberMonthRecord",
    "BranchMonthRecord", "Incident", "Commendation", "AnnualEvaluation", "parse_subject_facts", "Period",
    # evaluating one subject, and what a breakdown holds
    "evaluate", "Evaluator", "LiveSession", "ScoreBreakdown", "DimensionScore", "Line", "Evidence", "GradeResult",
    # populations
    "Population", "facts_to_population", "read_population", "score_population", "PopulationScores",
    # the year, reforms and comparisons
    "run_year", "YearOptions", "YearResult", "load_reform", "apply_reform", "compare", "Comparison",
    # the errors callers catch most
    "PartyRulesError", "RuleSetError", "FactError", "PopulationError", "EvaluationError", "NotApplicableError",
    "__version__",
}


def test_every_exported_name_resolves():
    missing = [n for n in pr.__all__ if getattr(pr, n, None) is None]
    assert missing == []


def test_the_core_imports_without_the_analysis_extra():
    # a service scoring one subject at a time has neither polars nor numpy: blocking them must not break import
    code = ("import sys\n"
            "for m in ('polars', 'numpy', 'pandas', 'scipy', 'matplotlib'): sys.modules[m] = None\n"
            "import partyrules as pr\n"
            "rs = pr.load_ruleset(pr.shipped_ruleset_path('in_service'))\n"
            "from partyrules.synthetic import generate_subdistrict\n"
            "sd = generate_subdistrict(seed=1)\n"
            "m = next(f for f in sd.members if f.member.category == 'in_service')\n"
            "print(pr.evaluate(rs, m, period='2026').total)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) >= 0


def test_an_analysis_name_needs_its_extra():
    code = ("import sys\nsys.modules['polars'] = None\nsys.modules['numpy'] = None\n"
            "import partyrules.synthetic as s\n"
            "try:\n    s.generate_population\nexcept ImportError as e:\n    print('ImportError', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("ImportError"), out.stdout + out.stderr


def test_lazy_names_load_on_first_use():
    code = ("import sys\n"
            "import partyrules as pr\n"
            "before = 'partyrules.comparison' in sys.modules\n"
            "f = pr.compare\n"
            "print(before, 'partyrules.comparison' in sys.modules, f.__module__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True", "partyrules.comparison.table"], out.stdout + out.stderr


def test_the_top_level_is_the_curated_list():
    assert set(pr.__all__) == TOP_LEVEL
    assert len(pr.__all__) == len(set(pr.__all__))


def test_no_generic_verb_is_at_the_top_level():
    for name in ("rank", "pair", "compose", "allocate", "diagnose", "fairness", "recourse", "warning_list"):
        assert name not in pr.__all__ and name not in dir(pr), name


def test_docs_list_every_top_level_name():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## The public API", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", section))
    assert listed >= TOP_LEVEL, sorted(TOP_LEVEL - listed)
    for home in set(pr._MOVED.values()):
        assert f"`{home}`" in section, home


@pytest.mark.parametrize("name", sorted(pr._MOVED))
def test_a_moved_name_warns_and_resolves_to_its_home(name):
    home = pr._MOVED[name]
    with pytest.warns(DeprecationWarning, match=rf"partyrules\.{name} has moved: import it from {re.escape(home)}"):
        value = getattr(pr, name)
    assert value is getattr(importlib.import_module(home), name)
    assert name not in pr.__all__
    assert name not in dir(pr)


def test_a_moved_name_warns_on_every_use_and_in_from_imports():
    for _ in range(2):
        with pytest.warns(DeprecationWarning, match="partyrules.ranking"):
            from partyrules import rank  # noqa: F401
    assert "rank" not in vars(pr)


def test_moved_names_are_not_public_names():
    assert not set(pr._MOVED) & (set(pr.__all__) | set(pr._LAZY))


def test_an_unknown_name_is_still_an_attribute_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
            pr.no_such_name  # noqa: B018


def test_top_level_names_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for name in pr.__all__:
            getattr(pr, name)
