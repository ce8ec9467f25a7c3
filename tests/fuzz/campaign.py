"""What every fuzz test shares: its hypothesis settings, the figures of the run, and the verdict on one input.

Figures (``STATS``): inputs tried, inputs that ended in a typed error, crashes, hangs, tracebacks, backend
disagreements, unchanged-subject violations, known findings met again and new findings. The fuzz conftest writes
them at the end of the session to ``$PARTYRULES_FUZZ_OUT/summary.json`` (default: the system's temporary
directory, ``partyrules-fuzz/``), and ``python tests/fuzz/run.py`` prints them.

A new finding's input is kept in ``$PARTYRULES_FUZZ_OUT/findings/<digest>/`` with a README saying what was
changed and what broke, and the test fails naming that directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from known import known_finding
from oracles import Violation

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
LONG = PROFILE == "fuzz-long"
OUT = Path(os.environ.get("PARTYRULES_FUZZ_OUT") or Path(tempfile.gettempdir()) / "partyrules-fuzz")
STATS: Counter[str] = Counter()
KNOWN_SEEN: Counter[int] = Counter()
NEW: list[str] = []


def fuzz_settings(ci: int) -> settings:
    """``ci`` examples in the CI profile (derandomised: the same inputs every run); under ``fuzz-long`` the
    profile's own ``max_examples``, or ``$PARTYRULES_FUZZ_EXAMPLES`` when set. No shrinking: each input is one
    mutation, already small, and shrinking an input that hangs would cost the timeout again and again."""
    long_run = int(os.environ.get("PARTYRULES_FUZZ_EXAMPLES") or settings.default.max_examples)
    return settings(
        settings.default,
        max_examples=long_run if LONG else ci,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def count_typed(result: Any) -> bool:
    """True when some step of the result ended in a typed error (or the command line refused the input)."""
    if isinstance(result, dict):
        if "typed" in result or result.get("exit") in (1, 2, 3, 10):
            return True
        return any(count_typed(v) for v in result.values())
    return False


def judge(description: str, violations: list[Violation], files: Mapping[str, bytes], result: Any) -> None:
    """Count the input, and fail on any violation that is not a known finding, keeping the input."""
    STATS["fuzz_inputs"] += 1
    if count_typed(result):
        STATS["fuzz_typed_errors"] += 1
    kinds = {v.kind for v in violations}
    for kind, key in (("crash", "fuzz_crashes"), ("hang", "fuzz_hangs"), ("traceback", "fuzz_tracebacks"),
                      ("disagreement", "fuzz_disagreements"), ("changed", "fuzz_changed"), ("cli", "fuzz_cli")):
        if kind in kinds:
            STATS[key] += 1
    new = []
    for v in violations:
        k = known_finding(v, description)
        if k is None:
            new.append(v)
        else:
            KNOWN_SEEN[k.number] += 1
    if violations and not new:
        STATS["fuzz_known"] += 1
    if not new:
        return
    STATS["fuzz_new"] += 1
    where = keep(description, new, files)
    NEW.append(f"{description} -> {new[0].kind} in {new[0].stage} ({where})")
    raise AssertionError(f"NEW finding for the input: {description}\n(kept in {where})\n\n"
                         + "\n\n".join(str(v)[:4000] for v in new))


def keep(description: str, violations: list[Violation], files: Mapping[str, bytes]) -> Path:
    digest = hashlib.sha256(description.encode("utf-8", "surrogatepass")
                            + b"".join(files.values())).hexdigest()[:12]
    where = OUT / "findings" / digest
    where.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (where / name).write_bytes(data)
    (where / "README.txt").write_text(f"input: {description!r}\n\n" + "\n\n".join(map(str, violations)),
                                      encoding="utf-8", errors="replace")
    return where


def summary() -> dict[str, Any]:
    keys = ("fuzz_inputs", "fuzz_typed_errors", "fuzz_crashes", "fuzz_hangs", "fuzz_disagreements",
            "fuzz_tracebacks", "fuzz_changed", "fuzz_cli", "fuzz_known", "fuzz_new")
    return {**{k: STATS[k] for k in keys}, "profile": PROFILE,
            "known_findings_seen": {str(n): c for n, c in sorted(KNOWN_SEEN.items())}, "new_findings": NEW}


def write_summary() -> Path | None:
    if not STATS["fuzz_inputs"]:
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "summary.json"
    path.write_text(json.dumps(summary(), indent=2, ensure_ascii=False), encoding="utf-8")
    return path
