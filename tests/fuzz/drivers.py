"""The drivers: what the sandbox's children do with one fuzz input. Each returns plain data (and polars frames)
for the oracles; every step is run through :func:`attempt`, so one step's error does not hide the next.

Imported once by the sandbox server before it forks; nothing here may start threads at import (no polars query,
no engine session), since a fork after that could deadlock the children.
"""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import polars  # noqa: F401 - imported before the fork, used in the children
import pyarrow  # noqa: F401

import partyrules as pr
from partyrules.cli import main as cli_main
from partyrules.evaluate import evaluator, reference, vector  # noqa: F401 - imported before the fork
from partyrules.evaluate.backends import BACKENDS
from partyrules.population.io import read_population
from partyrules.synthetic import generate_subdistrict

PERIOD = "2026"
SUBDISTRICT = generate_subdistrict(seed=13, communities=2, organisations=4, members=30)
POOLS: dict[str, list[Any]] = {"member": list(SUBDISTRICT.members), "branch": list(SUBDISTRICT.branches),
                               "community": list(SUBDISTRICT.communities)}
TEXT_LIMIT = 4000


def attempt(fn: Callable[[], Any]) -> dict[str, Any]:
    """``{"ok": value}``, or the error: typed (a PartyRulesError) or not (any other exception: a finding)."""
    try:
        return {"ok": fn()}
    except pr.PartyRulesError as exc:
        return {"typed": type(exc).__name__, "code": exc.code, "message": str(exc)[:TEXT_LIMIT]}
    except BaseException as exc:
        text = traceback.format_exc()
        return {"untyped": type(exc).__name__, "message": str(exc)[:TEXT_LIMIT],
                "traceback": text[:1500] + "\n...\n" + text[-2500:] if len(text) > 4000 else text}


def cli(argv: list[str]) -> dict[str, Any]:
    """The command line run as its console script would be: what it prints, its exit code, or the traceback that
    would have escaped (``exit`` is then ``"traceback"``)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code: Any = cli_main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = "traceback"
    return {"argv": argv, "exit": code, "stdout": out.getvalue()[-20000:], "stderr": err.getvalue()[-20000:]}


def _scores(rs: pr.RuleSet, population: Any) -> dict[str, Any]:
    out = {}
    for backend in BACKENDS:
        out[backend] = attempt(lambda b=backend: _summary(pr.score_population(rs, population, PERIOD, backend=b)))
    return out


def _summary(s: pr.PopulationScores) -> dict[str, Any]:
    return {"frame": s.frame, "failures": list(s.failures), "not_applicable": list(s.not_applicable)}


def ruleset_job(path: str, text: str | None, score: bool = True) -> dict[str, Any]:
    """A rule-set file: ``partyrules validate`` on it; the API (loads_ruleset + lint_ruleset on its text); and,
    when it loads, scoring a small population of its subject kind on the three backends."""
    result: dict[str, Any] = {"validate": cli(["validate", path])}
    root = str(Path(path).parent)
    loaded = attempt(lambda: pr.load_ruleset(path))
    result["load"] = {k: v for k, v in loaded.items() if k != "ok"}
    if text is not None:
        result["loads"] = attempt(lambda: pr.loads_ruleset(text, file=Path(path).name, root=root) and None)
    if "ok" in loaded:
        rs = loaded["ok"]
        result["lint"] = attempt(lambda: [d.format() for d in pr.lint_ruleset(rs)])
        if score:
            result["scores"] = _scores(rs, POOLS[rs.subject_kind])
    return result


def facts_job(path: str, ruleset: str, cli_score: bool = False) -> dict[str, Any]:
    """A population file or directory: read_population, then the three backends on what was read; with
    ``cli_score`` also ``partyrules score --facts`` on it (JSON lines)."""
    rs = pr.load_ruleset(pr.shipped_ruleset_path(ruleset))
    result: dict[str, Any] = {}
    read = attempt(lambda: read_population(path))
    result["read"] = {k: v for k, v in read.items() if k != "ok"}
    if "ok" in read:
        got = read["ok"]
        result["problems"] = [str(p) for p in got.problems]
        result["problem_subjects"] = sorted({p.subject_id for p in got.problems if p.subject_id})
        result["left_out"] = list(got.left_out)
        result["scores"] = _scores(rs, got.population)
    if cli_score:
        result["cli"] = cli(["score", "--ruleset", str(pr.shipped_ruleset_path(ruleset)), "--facts", path,
                             "--period", PERIOD])
    return result


def cli_job(argv: list[str]) -> dict[str, Any]:
    """Any command line."""
    return {"cli": cli(argv)}


def python_job(code: str) -> dict[str, Any]:
    """A snippet of Python (the targeted reproducers of known findings): its result or error."""
    scope: dict[str, Any] = {"pr": pr, "PERIOD": PERIOD, "POOLS": POOLS, "read_population": read_population}
    return {"python": attempt(lambda: exec(code, scope) or scope.get("result"))}


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "ruleset": ruleset_job, "facts": facts_job, "cli": cli_job, "python": python_job,
}

if __name__ == "__main__":  # pragma: no cover - run one job by hand: python drivers.py ruleset PATH
    print(JOBS[sys.argv[1]](*sys.argv[2:]))
