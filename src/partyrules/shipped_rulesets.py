"""Where the shipped rule sets are: inside the installed package, or in rulesets/ of a source checkout."""

from __future__ import annotations

from pathlib import Path

from .errors import PartyRulesError

SHIPPED = {
    "branch": "branch-combat-effectiveness.yaml",
    "in_service": "member-in-service.yaml",
    "retired": "member-retired.yaml",
    "new_citizen": "member-new-citizen.yaml",
    "community": "community-six-star.yaml",
}

CATEGORY_RULESET = {
    "in_service": "in_service",
    "retired": "retired",
    "new_citizen": "new_citizen",
    "mobile": "in_service",  # 流动党员 are scored by the in-service index (seed 001: 针对在职党员、流动党员)
}
"""The shipped rule set (its key in SHIPPED) that scores each member category."""


def shipped_ruleset_dir() -> Path:
    """The directory of the shipped rule sets (the installed ``partyrules/shipped`` or the checkout's rulesets/)."""
    installed = Path(__file__).resolve().parent / "shipped"  # the wheel maps rulesets/ here (pyproject.toml)
    if (installed / SHIPPED["branch"]).is_file():
        return installed
    checkout = Path(__file__).resolve().parents[2] / "rulesets"
    if checkout.is_dir():
        return checkout
    raise PartyRulesError("the shipped rule sets are missing from this installation",
                          hint="reinstall partyrules (pip install .)")


def shipped_ruleset_path(name: str) -> Path:
    """The file of a shipped rule set by key (branch, in_service, retired, new_citizen, community) or file name."""
    file = SHIPPED.get(name, name)
    path = shipped_ruleset_dir() / file
    if not path.is_file():
        raise PartyRulesError(f"no shipped rule set {name!r}", hint="one of: " + ", ".join(SHIPPED))
    return path
