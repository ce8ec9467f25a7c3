"""Shared test configuration: hypothesis profiles and the example rule set."""

from __future__ import annotations

import faulthandler
import os
import signal
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import partyrules as pr

# CI draws 30 examples per property, derandomised (the same each run); a test that must find a planted bug within
# its budget states its own. The dev profile draws more, at random, for a local campaign.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
# the fuzzing campaign's release run (docs/fuzzing.md): random, every fuzz test draws this many inputs
settings.register_profile("fuzz-long", max_examples=300, deadline=None, print_blob=True,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

EXAMPLE_DIR = Path(pr.__file__).parent / "data" / "example"

# The cluster and partitioned populations of every partitioned test (tests/distributed/ and the partitioned form of
# each concept package): one plugin, so that one cluster serves the whole session. The scored populations of the
# analysis and comparison tests likewise.
pytest_plugins = ("partitioned_fixtures", "analysis_fixtures")

# Modules whose tests take most of the suite's time (measured with --durations): generated populations over every
# backend, state machines over the ledger, clusters, notebooks, the fuzzing campaign. `pytest -m "not slow"` is the
# fast loop (about two minutes); the full suite, these included, is what CI and a stop run.
SLOW_MODULES = {
    # by folder, mirroring src/partyrules
    "analyse/test_diagnostics_partials.py", "analyse/test_analyse_plots_report.py", "analyse/test_recourse.py",
    "analyse/test_reform.py",
    "commands/test_cli.py", "commands/test_cli_polish.py", "commands/test_cli_whatif.py", "commands/test_cli_lang.py",
    "cycle/test_ledger.py", "cycle/test_objections.py", "cycle/test_year_ledger.py", "cycle/test_year.py",
    "cycle/test_year_funding.py", "cycle/test_ledger_tamper.py", "cycle/test_ledger_checkpoints.py",
    "cycle/test_ledger_readonly.py", "cycle/test_targets.py", "cycle/test_year_progress.py",
    "evaluate/test_vector_backend.py", "evaluate/test_live.py", "evaluate/test_threads.py",
    "evaluate/test_reference_backend.py", "evaluate/test_handwritten_baseline.py", "evaluate/test_hostile_facts.py",
    "evaluate/test_backend_failures.py",
    "explain/test_plain_evidence.py",
    "facts/test_own_conduct.py", "facts/test_exemplary.py",
    "funding/test_funding_partitioned.py",
    "population/test_hostile_files.py", "population/test_readme_workbook.py", "population/test_population_io.py",
    "population/test_missing_tables.py",
    "quota/test_quota_subjects.py", "quota/test_quota_table.py", "quota/test_quota_partitioned.py",
    "ranking/test_ranking_table.py", "ranking/test_ranking_subjects.py", "ranking/test_ranking_partitioned.py",
    "rulesets/test_text_templates.py",
    "score/test_semantics.py", "score/test_cadence.py",
    "synthetic/test_generate_properties.py", "synthetic/test_tables.py",
    "testing/test_check.py",
    "architecture/test_types.py", "test_packaging.py",
}
SLOW_DIRS = ("distributed/", "fuzz/", "analyse/", "comparison/", "docs/")
# Markers by path: `-m distributed` runs what needs a Dask cluster, `-m docs` the executed documentation.
DISTRIBUTED = ("distributed/",)
DOCS = ("docs/",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        rel = Path(item.fspath).relative_to(here).as_posix()
        if rel in SLOW_MODULES or rel.startswith(SLOW_DIRS):
            item.add_marker(pytest.mark.slow)
        if rel.startswith(DISTRIBUTED) or rel.endswith("_partitioned.py"):
            item.add_marker(pytest.mark.distributed)
            # one xdist process runs every test that needs a Dask cluster: two local clusters side by side on two
            # cores once left a gather waiting for ever
            item.add_marker(pytest.mark.xdist_group("dask"))
        if rel.startswith(DOCS) or "/test_docs_" in f"/{rel}":
            item.add_marker(pytest.mark.docs)


@pytest.fixture(scope="session")
def example_dir() -> Path:
    """The directory of the shipped example rule set (and its included vetoes)."""
    return EXAMPLE_DIR


@pytest.fixture(scope="session")
def example_ruleset(example_dir: Path) -> pr.RuleSet:
    """The example member index, loaded once per test session."""
    return pr.load_ruleset(example_dir / "member-example.yaml")


class Isolated:
    """Runs a test body in a forked child, so that a crash of the rule engine's C core (a segfault, an abort)
    fails that one test, with the Python stack at the crash, instead of killing the whole pytest run.

    ``note(text)`` (called in the child) records what the body is about to do, e.g. the rule set and facts of
    the current hypothesis example; it is shown if the child crashes.
    """

    def __init__(self, workdir: Path) -> None:
        self._note = workdir / "note.txt"
        self._stderr = workdir / "stderr.txt"

    def note(self, text: str) -> None:
        self._note.write_text(text, encoding="utf-8")

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run the body, report by the pipe, never return into pytest
            status = 0
            try:
                os.close(read_end)
                with open(self._stderr, "wb") as err:
                    os.dup2(err.fileno(), 2)
                faulthandler.enable(file=open(self._stderr, "ab"))  # noqa: SIM115 - lives until _exit
                try:
                    fn(*args, **kwargs)
                    message = b"OK"
                except BaseException:
                    message = ("FAIL\n" + traceback.format_exc()).encode("utf-8", "replace")
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(message)
            except BaseException:
                status = 3
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            message = pipe.read()
        _, wait_status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(wait_status):
            sig = signal.Signals(os.WTERMSIG(wait_status)).name
            note = self._note.read_text(encoding="utf-8") if self._note.exists() else "(no note)"
            err = self._stderr.read_text(encoding="utf-8", errors="replace") if self._stderr.exists() else ""
            pytest.fail(f"the process CRASHED with {sig} (it would have killed the whole test run)\n"
                        f"--- stderr of the crashed process (first 4000 characters) ---\n{err[:4000]}\n"
                        f"--- what it was doing ---\n{note}", pytrace=False)
        if message != b"OK":
            text = message.decode("utf-8", "replace")
            pytest.fail(text.removeprefix("FAIL\n") or f"the child exited with status {wait_status}",
                        pytrace=False)


@pytest.fixture
def isolated() -> Isolated:
    """Run a test body in a forked process: ``isolated.run(body)``; see :class:`Isolated`."""
    return Isolated(Path(tempfile.mkdtemp(prefix="partyrules-isolated-")))
