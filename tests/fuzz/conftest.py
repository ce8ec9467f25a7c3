"""Fixtures of the fuzzing campaign: one sandbox server per session, the shipped rule sets copied to a template
directory, and the figures of the run written and printed at the end."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import campaign
from sandbox import Sandbox

import partyrules as pr
from partyrules.shipped_rulesets import shipped_ruleset_dir

EXAMPLE_DIR = Path(pr.__file__).parent / "data" / "example"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    yield box
    box.close()


@pytest.fixture(scope="session")
def ruleset_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped rule sets in ``shipped/``, the example's in ``example/``, each with the fragments it includes
    (both have a member-vetoes.yaml)."""
    d = tmp_path_factory.mktemp("rulesets")
    for sub, src in (("shipped", shipped_ruleset_dir()), ("example", EXAMPLE_DIR)):
        (d / sub).mkdir()
        for f in src.glob("*.yaml"):
            shutil.copy(f, d / sub / f.name)
    return d


def pytest_sessionfinish(session: pytest.Session) -> None:
    campaign.write_summary()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not campaign.STATS["fuzz_inputs"]:
        return
    terminalreporter.section("fuzzing campaign")
    for key, value in campaign.summary().items():
        terminalreporter.write_line(f"{key}: {value}")
