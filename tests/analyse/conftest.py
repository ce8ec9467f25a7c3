"""The analysis tests draw figures without a display: matplotlib's Agg backend. Their fixtures are shared with
tests/comparison/ (tests/analysis_fixtures.py)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
