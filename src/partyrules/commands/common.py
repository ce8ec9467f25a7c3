"""Helpers shared by the command-line commands: exit codes, parameter overrides and finding rule-set files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_INVALID = 3
EXIT_TEST_FAILED = 4
EXIT_PROPERTY_FAILED = 5
EXIT_GATE_EXCEEDED = 6
EXIT_ROWS_FAILED = 10


def _params(pairs: Sequence[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise SystemExit(f"partyrules: --param needs NAME=VALUE, got {pair!r}")
        name, raw = pair.split("=", 1)
        try:
            out[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[name.strip()] = raw
    return out


def _ruleset_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(x for x in p.rglob("*.y*ml") if x.suffix in (".yaml", ".yml")
                                and not x.name.endswith((".test.yaml", ".test.yml")) and not _is_data_file(x)))
        else:
            files.append(p)
    return files


def _is_data_file(path: Path) -> bool:
    """A YAML data file beside the rule sets that is not one (``kind: star-targets``): rule sets have no kind."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    return any(line.startswith("kind:") for line in head.splitlines())


def _is_fragment(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    return any(line.strip() == "fragment: true" for line in head.splitlines())
