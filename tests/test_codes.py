"""The one registry of codes (partyrules.codes): complete, used, in both languages, and docs/errors.md made from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partyrules import codes, errors
from partyrules.codes import CODES, describe, errors_markdown

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "partyrules"
CODE = re.compile(r"""["']([A-Z]{2}[0-9]{3})["']""")


def _literals() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path == Path(codes.__file__):
            continue  # the registry itself uses every code
        for m in CODE.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), []).append(str(path.relative_to(SRC)))
    return found


def test_every_code_in_the_source_is_registered():
    missing = {c: where for c, where in _literals().items() if c not in CODES}
    assert not missing, missing


def test_every_registered_code_is_used():
    used = _literals()
    unused = [c for c in CODES if c not in used]
    assert not unused, unused


def test_every_entry_has_both_languages():
    cjk = re.compile(r"[\u3400-\u9fff]")
    for c in CODES.values():
        assert c.en and c.zh and cjk.search(c.zh) and re.search(r"[A-Za-z]{2}", c.en), c
        assert (c.hint_en is None) == (c.hint_zh is None), c
        if c.hint_zh is not None:
            assert cjk.search(c.hint_zh) or c.hint_zh.isascii(), c


def test_an_error_class_code_names_its_class():
    for cls in (errors.ParameterError, errors.FactError, errors.NotInForceError, errors.PopulationError,
                errors.ForeignConductError, errors.EngineError):
        assert describe(cls.code).kind == cls.__name__


def test_linter_codes_carry_the_linters_severity():
    lint = "\n".join(p.read_text(encoding="utf-8") for p in sorted((SRC / "rulesets" / "lint").glob("*.py")))
    # each finding names its severity just before its Chinese message
    found = re.findall(r'self\.add\("(RS\d+)".*?"(error|warning)",\s*zh=', lint, re.S)
    assert len(found) >= 20, found
    for code, severity in found:
        assert describe(code).severity == severity, code


def test_describe_an_unknown_code():
    with pytest.raises(KeyError, match="ZZ999"):
        describe("ZZ999")


def test_docs_errors_md_is_up_to_date():
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert text == errors_markdown(), "regenerate: python -m partyrules.codes > docs/errors.md"
    assert all(f"| {c} |" in text for c in CODES)


def test_errors_md_is_linked():
    assert "docs/errors.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "errors.md" in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
