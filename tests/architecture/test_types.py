"""The type checker over the package, in the configuration pyproject.toml declares ([tool.mypy]): zero errors, and
the names partyrules loads on first use keep their types for users' type checkers (the TYPE_CHECKING block in
partyrules/__init__.py lists exactly the lazy table's names)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "pyproject.toml"
SRC = ROOT / "src"
INIT = SRC / "partyrules" / "__init__.py"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # one cache for the module: the second run reuses what the first checked
    return tmp_path_factory.mktemp("mypy-cache")


def run_mypy(*args: str, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    # the package under test is src/, whether or not an installed copy sits in site-packages
    monkeypatch.setenv("MYPYPATH", str(SRC))
    stdout, stderr, status = api.run(["--config-file", str(CONFIG), "--cache-dir", str(cache), *args])
    return stdout + stderr, status


def test_the_package_type_checks_with_zero_errors(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, status = run_mypy(str(SRC / "partyrules"), cache=cache_dir, monkeypatch=monkeypatch)
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert errors == [], out
    assert status == 0, out


def _lazy_table() -> dict[str, str]:
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_LAZY" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("partyrules/__init__.py has no _LAZY table")


def _type_checking_imports() -> dict[str, str]:
    out: dict[str, str] = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.level == 1, ast.unparse(stmt)
                for alias in stmt.names:
                    assert alias.asname is None, ast.unparse(stmt)
                    out[alias.name] = stmt.module or ""
    return out


def test_the_type_checking_block_imports_every_lazy_name_from_where_it_loads() -> None:
    lazy = _lazy_table()
    assert lazy, "the lazy table is empty"
    assert _type_checking_imports() == lazy


def test_every_lazy_name_is_public_and_loads_from_its_module() -> None:
    import partyrules as pr

    for name, module in _lazy_table().items():
        assert name in pr.__all__, name
        value = getattr(pytest.importorskip(f"partyrules.{module}"), name)
        assert getattr(pr, name) is value


# name -> what the revealed type must contain (the real definition, never `builtins.object`)
REVEALED = {
    "compare": r"def \(.*\) -> partyrules\.comparison\.table\.Comparison",
    "Comparison": r"def \(.*\) -> partyrules\.comparison\.table\.Comparison",
    "evaluate": r"def \(.*\) -> partyrules\.results\.breakdown\.ScoreBreakdown",
    "load_ruleset": r"def \(.*\) -> partyrules\.rulesets\.model\.RuleSet",
    "MemberFacts": r"partyrules\.facts\.bundle\.MemberFacts",
    "run_year": r"def \(.*\) -> partyrules\.cycle\.year\.YearResult",
}


def test_lazy_names_keep_their_types_for_a_type_checker(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lazy = _lazy_table()
    names = sorted(REVEALED)
    snippet = tmp_path / "uses_lazy_names.py"  # a file, not -c: the configuration already names files to check
    snippet.write_text("import partyrules as pr\n" + "".join(f"reveal_type(pr.{name})\n" for name in names))
    out, _ = run_mypy(str(snippet), cache=cache_dir, monkeypatch=monkeypatch)
    notes = re.findall(rf'^{re.escape(str(snippet))}:(\d+): note: Revealed type is "(.*)"$', out, re.MULTILINE)
    revealed = {names[int(line) - 2]: shown for line, shown in notes}
    assert sorted(revealed) == names, out
    for name in names:
        assert name in lazy, name
        assert "builtins.object" not in revealed[name], (name, revealed[name])
        assert re.search(REVEALED[name], revealed[name]), (name, revealed[name])
