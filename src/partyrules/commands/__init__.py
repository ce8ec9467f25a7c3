"""Command modules beyond the core ones in ``partyrules.cli``: each exposes ``register(subparsers)``.

Kept apart so that each command (or group of commands) is one small module with one job.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

# Each entry is a module of this package with a ``register(subparsers)`` function.
MODULES: tuple[str, ...] = ("test", "check", "diff", "year", "whatif", "reporting", "grid", "awards", "checklists",
                            "serve", "keys", "replay", "template", "generate")


def register_commands(sub: argparse._SubParsersAction[Any]) -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
