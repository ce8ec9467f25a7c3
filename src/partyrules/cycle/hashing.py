"""The one way results are fingerprinted, so a hash in the audit trail, a table and a report mean the same thing."""

from __future__ import annotations

import hashlib

from ..explain.breakdown import ScoreBreakdown


def breakdown_hash(b: ScoreBreakdown) -> str:
    """sha256 of the breakdown's canonical JSON (byte-identical for equal breakdowns)."""
    return hashlib.sha256(b.to_json().encode("utf-8")).hexdigest()
