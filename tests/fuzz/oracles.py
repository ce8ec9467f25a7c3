"""The oracles: what must hold whatever the input, checked on a sandbox :class:`~sandbox.Outcome`.

(a) no traceback: every failure is a ``PartyRulesError`` from the API, and the command line exits with one of its
    documented codes and a message that names the input; (b) no crash and no hang; (c) the three backends agree
    exactly whenever they all score; (d) subjects that were not mutated score as they did before the mutation
    (or are named among the subjects left out, never dropped or changed silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl
from polars.testing import assert_frame_equal
from sandbox import Outcome

CLI_EXITS = {0, 1, 2, 3, 10}


@dataclass(frozen=True)
class Violation:
    """One broken oracle: ``kind`` is traceback, crash, hang, cli, disagreement or changed; ``stage`` says where."""

    kind: str
    stage: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} in {self.stage}: {self.detail}"


def _untyped(stage: str, step: dict[str, Any]) -> list[Violation]:
    if "untyped" in step:
        return [Violation("traceback", stage, f"{step['untyped']}: {step['message'][:300]}\n{step['traceback']}")]
    return []


def check_cli(stage: str, run: dict[str, Any], where: str) -> list[Violation]:
    """(a) for the command line: a documented exit code, no traceback, and a failure names where: ``where`` (the
    input's path) or, for ``score``, the row."""
    code, err, out = run["exit"], run["stderr"], run["stdout"]
    if code == "traceback" or "Traceback (most recent call last)" in err:
        return [Violation("traceback", stage, f"{' '.join(map(str, run['argv']))[:200]}\n{err[-3000:]}")]
    if code not in CLI_EXITS:
        return [Violation("cli", stage, f"exit code {code!r} is not one of {sorted(CLI_EXITS)}")]
    if code != 0 and where not in err + out and not re.search(r"^row \d+", err, re.M):
        return [Violation("cli", stage, f"exit {code}, but no message names {where}: {(err + out)[-500:]!r}")]
    return []


def check_process(outcome: Outcome) -> list[Violation]:
    """(b): the child ended by itself, in time, with a result."""
    if outcome.status == "crash":
        return [Violation("crash", "process", f"{outcome.signal}\n{outcome.stderr[-3000:]}")]
    if outcome.status == "hang":
        return [Violation("hang", "process", f"no result after {outcome.seconds:.0f} s")]
    if "driver_error" in outcome.result:
        return [Violation("driver", "process", outcome.result["driver_error"])]
    return []


def frames_differ(a: pl.DataFrame, b: pl.DataFrame) -> str | None:
    try:
        assert_frame_equal(a, b, check_exact=True)
    except AssertionError as exc:
        return str(exc)[:1500]
    return None


def check_scores(stage: str, scores: dict[str, dict[str, Any]]) -> list[Violation]:
    """(a) for each backend, (c) across them: the same table, the same subjects left out for the same reasons."""
    found = [v for backend, step in scores.items() for v in _untyped(f"{stage}[{backend}]", step)]
    done = {b: s["ok"] for b, s in scores.items() if "ok" in s}
    outcome = {b: ("scored" if "ok" in s else f"{s.get('typed') or s.get('untyped')}: {s['message'][:200]}")
               for b, s in scores.items()}
    if len(done) != len(scores) and len(done) > 0:
        found.append(Violation("disagreement", stage, f"some backends score and some do not: {outcome}"))
    if len(done) < 2:
        return found
    (first, a), *others = done.items()
    for other, b in others:
        diff = frames_differ(a["frame"], b["frame"])
        if diff:
            found.append(Violation("disagreement", stage, f"{first} and {other} tables differ: {diff}\n"
                                   f"{_first_differing_row(a['frame'], b['frame'])}"))
        for part in ("failures", "not_applicable"):
            if a[part] != b[part]:
                found.append(Violation("disagreement", stage, f"{first} and {other} differ in {part}: "
                                       f"{str(a[part])[:600]} != {str(b[part])[:600]}"))
    return found


def _first_differing_row(a: pl.DataFrame, b: pl.DataFrame) -> str:
    if a.columns != b.columns or "subject_id" not in a.columns:
        return f"columns {a.columns[:8]} vs {b.columns[:8]}"
    joined = a.join(b, on="subject_id", how="full", suffix="__other", nulls_equal=True)
    for row in joined.iter_rows(named=True):
        bad = {c: (row[c], row.get(f"{c}__other")) for c in a.columns if c != "subject_id"
               and str(row[c]) != str(row.get(f"{c}__other"))}
        if bad:
            return f"first difference, subject {row['subject_id']}: {dict(list(bad.items())[:6])}"
    return "(rows differ in order or count)"


def check_unchanged(stage: str, before: pl.DataFrame, after: dict[str, Any], accounted: set[str],
                    mutated: str | None) -> list[Violation]:
    """(d): every subject of ``before`` but the mutated one has the same row, or is among ``accounted`` (left out
    with a problem, or listed as a failure); no subject appears that was not in the input; no id twice."""
    frame: pl.DataFrame = after["frame"]
    accounted = accounted | {sid for sid, _ in after["failures"]}
    found: list[Violation] = []
    ids = frame["subject_id"].to_list()
    if len(ids) != len(set(ids)):
        found.append(Violation("changed", stage, f"a subject id is scored twice: "
                               f"{sorted({i for i in ids if ids.count(i) > 1})[:5]}"))
    new = set(ids) - set(before["subject_id"].to_list())
    if new:
        found.append(Violation("changed", stage, f"scored subjects that are not in the input: {sorted(map(str, new))}"))
    rows = {r["subject_id"]: r for r in frame.iter_rows(named=True)}
    for old in before.iter_rows(named=True):
        sid = old["subject_id"]
        if sid == mutated or sid in accounted:
            continue
        if sid not in rows:
            found.append(Violation("changed", stage, f"subject {sid} is missing and no problem names it"))
        elif str(rows[sid]) != str(old):
            diff = {k: (old[k], rows[sid].get(k)) for k in old if str(old[k]) != str(rows[sid].get(k))}
            found.append(Violation("changed", stage, f"subject {sid}, not mutated, scores differently: "
                                   f"{dict(list(diff.items())[:6])}"))
    return found
