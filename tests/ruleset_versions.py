"""Two versions of the example member index in a directory, for the tests of versions in force."""

from __future__ import annotations

import shutil
from pathlib import Path

import partyrules as pr

EXAMPLE = Path(pr.__file__).parent / "data" / "example"
SHIPPED = Path(__file__).resolve().parent.parent / "rulesets"
# the example has no annual section; a year needs one, so the copies take the shipped members' annual weights
ANNUAL = """
annual:
  weights:
    quarterly: annual_weight_quarterly
    annual_evaluation: annual_weight_evaluation
    daily_observation: annual_weight_daily
  quota: {grade: excellent, share: excellent_quota_share}
  correction_months: correction_months
"""


def write_version(directory: Path, name: str, version: str, effective: str, other_hours: int = 50) -> Path:
    """The example member index as ``version`` with ``effective`` dates (and its volunteering target)."""
    text = (EXAMPLE / "member-example.yaml").read_text(encoding="utf-8")
    for old, new in (('version: "2026.1"', f'version: "{version}"'),
                     ("effective: {from: 2026-01-01}", f"effective: {effective}"),
                     ("other_volunteer_hours: 50", f"other_volunteer_hours: {other_hours}"),
                     ("  - member-vetoes.yaml\n", "  - member-vetoes.yaml\n  - member-annual.yaml\n")):
        assert old in text  # the example still reads as these tests expect
        text = text.replace(old, new)
    shutil.copy(EXAMPLE / "member-vetoes.yaml", directory / "member-vetoes.yaml")
    shutil.copy(SHIPPED / "member-annual.yaml", directory / "member-annual.yaml")
    path = directory / name
    path.write_text(text + ANNUAL, encoding="utf-8")
    return path


def two_versions(directory: Path, first_until: str = "2025-12-31", second_from: str = "2026-01-01") -> list[Path]:
    """2025.1 (a volunteering target of 10 hours) from 2025-01-01 to ``first_until``, and 2026.1 (50 hours)
    from ``second_from``, open-ended."""
    return [write_version(directory, "member-2025.yaml", "2025.1", f"{{from: 2025-01-01, until: {first_until}}}",
                          other_hours=10),
            write_version(directory, "member-2026.yaml", "2026.1", f"{{from: {second_from}}}")]
