"""Seeded synthetic data, for tests, benchmarks and demonstrations: members, branches and a whole sample
sub-district subject by subject (pydantic bundles), or millions of members column by column (population tables).

The output depends only on the arguments: every random choice comes from one seeded generator, and no set or dict
of strings is iterated to decide an order. The mixes are plausible, not calibrated to real data:

- members: about 45% retired, 35% in service, 20% new citizens (when no category is asked for); about 5%
  probationary; about 10% of in-service members are organ staff; about 8% are limited by health;
- twelve monthly records per subject; most members attend most meetings; volunteering hours are skewed (organ
  staff volunteer more); a few dues are late; category-specific record fields are set only for the category
  they belong to, ``None`` otherwise;
- about 0.3 incidents per subject a year, about 85% verified, mostly minor kinds; veto-grade incidents (e.g.
  ``crisis_retreat``) for about 0.3% of members; occasional commendations;
- one annual evaluation each, rated on the year just generated (:mod:`partyrules.facts.conduct`): members by
  democratic-review votes, so diligent members score in the 90s and some 100, a veto-grade incident near 0;
- branch checklists as they stand at the year's end: most items done by their due date, about 89% accepted
  (验收), a few done but still waiting for acceptance or not done; the monthly ``checklist_done`` counts the
  items done by the month's end, and ``cards_complete_members`` the members whose four cards are complete, so
  neither exceeds what the branch has.

Member ids are ``M000001``..., branch ids ``B0001``... (30 members to a branch), incident ids ``I-...`` and
commendation ids ``K-...``, all unique within one call.

One module per seam: :mod:`.mixes` (vocabularies, mixes and monthly chances both generators draw from),
:mod:`.draws` (small shared draws), :mod:`.members` and :mod:`.branches` (the per-subject facts), :mod:`.monthly`
(their monthly records), :mod:`.subdistrict` (communities, branches and members arranged as one sub-district), and
the column generator :mod:`.tables` with :mod:`.columns` and :mod:`.year_tables`. The column generator needs numpy
and polars (the analysis extra), so its names load on first use.

Layer: above :mod:`partyrules.population` (the column generator builds its tables); nothing below it imports this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .branches import generate_branch_facts
from .members import generate_member_facts
from .mixes import MEMBERS_PER_BRANCH, MONTHLY, MonthlyChances
from .subdistrict import SubDistrict, generate_subdistrict

if TYPE_CHECKING:
    from .tables import DEFAULT_PARTITION_SIZE, generate_population, write_generated

__all__ = [
    "DEFAULT_PARTITION_SIZE",
    "MEMBERS_PER_BRANCH",
    "MONTHLY",
    "MonthlyChances",
    "SubDistrict",
    "generate_branch_facts",
    "generate_member_facts",
    "generate_population",
    "generate_subdistrict",
    "write_generated",
]

_LAZY = {"DEFAULT_PARTITION_SIZE", "generate_population", "write_generated"}


def __getattr__(name: str) -> object:
    # numpy and polars load only when the column generator is asked for
    if name not in _LAZY:
        raise AttributeError(f"module 'partyrules.synthetic' has no attribute {name!r}")
    from . import tables

    return getattr(tables, name)
