"""Calibration, the inverse what-if: the grade cut-offs or a parameter's value that meet stated targets (a grade's
share at most, at least or about a value, overall or per branch, community or category; the warning list's share),
reported as a reform with its comparison against the base, or refused with the targets that cannot be met
(docs/calibrate.md)."""

from __future__ import annotations

from .api import calibrate, regrade
from .result import Achieved, CalibrationResult, Unmet
from .targets import Target, load_targets, parse_target

__all__ = ["Achieved", "CalibrationResult", "Target", "Unmet", "calibrate", "load_targets", "parse_target",
           "regrade"]
