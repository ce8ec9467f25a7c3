"""Moved to :mod:`partyrules.quota`; this path stays importable because docs/cycle.md imports from it."""

from ..quota import apply_quota, quota_fraction  # noqa: F401
