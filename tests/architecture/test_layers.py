"""The layers of docs/architecture.md hold: the import contract in pyproject.toml passes, and it would catch an
upward import (function-level ones included) or a package placed in no layer."""

from __future__ import annotations

import copy
from pathlib import Path

import grimp
import pytest
from importlinter.application.use_cases import lint_imports, read_user_options
from importlinter.configuration import configure
from importlinter.contracts.layers import LayersContract

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

configure()


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("partyrules", cache_dir=None)


def _broken(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """What the contract named ``layers`` in pyproject.toml finds in ``graph``: each (importing layer, imported
    layer) that goes up, and ("undeclared", module) for a package placed in no layer."""
    options = read_user_options(config_filename=str(PYPROJECT))
    (raw,) = [c for c in options.contracts_options if c["id"] == "layers"]
    contract = LayersContract(name=raw["name"], session_options=options.session_options,
                              contract_options={k: v for k, v in raw.items() if k not in ("name", "type", "id")})
    check = contract.check(copy.deepcopy(graph), verbose=False)  # the check removes the ignored imports
    found = {(d["importer"], d["imported"]) for d in check.metadata.get("invalid_dependencies", [])}
    found |= {("undeclared", str(m)) for m in check.metadata.get("undeclared_modules", set())}
    assert check.kept == (not found)
    return found


def test_the_import_contract_is_kept() -> None:
    # the same check as `lint-imports` in CI; it prints each broken import with its line when it fails
    assert lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True), \
        "an import goes up the layers: see the output above and docs/architecture.md"


def test_an_upward_import_breaks_the_contract(graph: grimp.ImportGraph) -> None:
    changed = copy.deepcopy(graph)
    changed.add_import(importer="partyrules.facts.bundle", imported="partyrules.evaluate.evaluator")
    assert ("partyrules.facts", "partyrules.evaluate") in _broken(changed) - _broken(graph)


def test_an_import_of_the_top_level_package_from_below_breaks_the_contract(graph: grimp.ImportGraph) -> None:
    # `from .. import x` inside a package imports partyrules itself, whose __init__ imports every layer
    changed = copy.deepcopy(graph)
    changed.add_import(importer="partyrules.cycle.year", imported="partyrules")
    assert ("partyrules.cycle", "partyrules.analyse") in _broken(changed) - _broken(graph)


def test_a_package_in_no_layer_breaks_the_contract(graph: grimp.ImportGraph) -> None:
    changed = copy.deepcopy(graph)
    changed.add_module("partyrules.elsewhere")
    assert ("undeclared", "partyrules.elsewhere") in _broken(changed) - _broken(graph)


def test_imports_inside_functions_are_in_the_graph(graph: grimp.ImportGraph) -> None:
    # cli.py imports the demo inside cmd_demo only: the contract sees such imports too
    assert graph.direct_import_exists(importer="partyrules.cli", imported="partyrules.demo")
