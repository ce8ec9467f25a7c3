"""Error classes in one place: every exception class of the package is defined in partyrules/errors.py, which
imports nothing of the package, and the code registry (partyrules.codes) and the classes name each other."""

from __future__ import annotations

import ast
import builtins
import inspect
from pathlib import Path

from partyrules import errors
from partyrules.codes import CODES, DIAGNOSTIC, describe

SRC = Path(__file__).resolve().parents[2] / "src" / "partyrules"
ERRORS = SRC / "errors.py"

# a class whose code is its parent's: to a caller it is that error, with more detail (the rows verification found)
INHERITS_ITS_PARENTS_CODE = {"LedgerVerificationError": "LedgerIntegrityError"}


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_subclasses(sub)}
    return out


def _error_classes() -> list[type[errors.PartyRulesError]]:
    found = (c for c in _subclasses(errors.PartyRulesError) if c.__module__.startswith("partyrules"))
    return [errors.PartyRulesError, *found]


def _exception_names() -> set[str]:
    """The exception classes a class statement can derive from: the built-in ones and those of errors.py."""
    names = {n for n, v in vars(builtins).items() if inspect.isclass(v) and issubclass(v, BaseException)}
    return names | {n for n, v in vars(errors).items() if inspect.isclass(v) and issubclass(v, BaseException)}


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def test_every_exception_class_is_defined_in_errors_py() -> None:
    exceptions = _exception_names() | {"Exception", "BaseException"}
    outside = []
    for path in sorted(SRC.rglob("*.py")):
        if path == ERRORS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_base_name(b) in exceptions for b in node.bases):
                outside.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.name}")
    assert outside == [], outside


def test_the_scan_sees_an_exception_class_outside_errors_py() -> None:
    # the check above must be able to fail: a module deriving from a package error or a built-in one is found
    text = "from ..errors import LedgerError\nclass Mine(LedgerError):\n    pass\nclass Other(ValueError):\n    pass\n"
    found = [n.name for n in ast.walk(ast.parse(text))
             if isinstance(n, ast.ClassDef) and any(_base_name(b) in _exception_names() for b in n.bases)]
    assert found == ["Mine", "Other"]


def test_errors_py_imports_nothing_of_the_package_but_the_registry() -> None:
    for node in ast.walk(ast.parse(ERRORS.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 or node.module == "codes", ast.unparse(node)
            assert not (node.module or "").startswith("partyrules"), ast.unparse(node)
        if isinstance(node, ast.Import):
            assert all(not a.name.startswith("partyrules") for a in node.names), ast.unparse(node)


def test_every_error_class_is_a_kind_in_the_registry() -> None:
    kinds = {c.kind for c in CODES.values()}
    for cls in _error_classes():
        parent = INHERITS_ITS_PARENTS_CODE.get(cls.__name__)
        if parent is None:
            assert cls.__name__ in kinds, f"{cls.__name__} is not named as a kind in partyrules.codes"
        else:
            assert "code" not in vars(cls) and describe(cls.code).kind == parent, cls
            assert parent in [b.__name__ for b in cls.__mro__], cls


def test_a_class_with_its_own_code_is_the_kind_of_that_code() -> None:
    for cls in _error_classes():
        if "code" in vars(cls):
            assert describe(cls.code).kind == cls.__name__, cls


def test_every_kind_names_an_error_class_that_exists() -> None:
    for entry in CODES.values():
        if entry.kind == DIAGNOSTIC:
            continue
        cls = getattr(errors, entry.kind, None)
        assert inspect.isclass(cls) and issubclass(cls, errors.PartyRulesError), entry


def test_every_error_class_is_found() -> None:
    # the walk over subclasses sees the classes the registry names, so the kind checks above cover them all
    names = {c.__name__ for c in _error_classes()}
    assert {"LedgerVerificationError", "NoEligibleError", "PartitionError", "StarTargetsError", "ReformError"} <= names
