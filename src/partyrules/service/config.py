"""What a decision service serves: the rule sets in force, its keys, its decision log and its limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..rulesets.model import RuleSet
from .decisions import DecisionLog
from .keys import KeyStore

if TYPE_CHECKING:  # the ledger is opened by who configures the service; the keys command need not import it
    from ..cycle.ledger import Ledger
    from .yearview import YearSource

MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body read (4 MiB): a batch of the longest allowed length of members with a year of records."""

MAX_BATCH = 200
"""The most subjects one batch request scores; a larger population is sent as several batches."""

MAX_RULESET_CHARS = 512 * 1024
"""The longest rule-set text the validation endpoint reads (the loader's own limits apply as well)."""

MAX_DECISIONS_PAGE = 1000
"""The most decisions one query of the log returns."""

MAX_CASES = 500
"""The most test cases one posted case file may hold (POST /rulesets/test)."""

MAX_SESSIONS = 1000
"""The most live sessions open at once in one service: each holds its subject's facts and engine state."""

MAX_SESSIONS_PER_KEY = 200
"""The most live sessions one key may hold open, so one caller cannot take every slot."""

SESSION_IDLE_SECONDS = 1800.0
"""A live session untouched this long (30 minutes) is closed and its slot freed."""


@dataclass
class ServiceConfig:
    """The service's rule sets (already loaded and checked), its key store and its decision log.

    ``rulesets_dir`` is the only directory a request can make the service read (the includes of a posted rule
    set are resolved inside it); no endpoint takes a path from the caller. ``ledger`` (optional) is where the
    ledger endpoints publish, take objections and finalise; without it they answer 404.
    """

    rulesets: list[RuleSet]
    keys: KeyStore
    log: DecisionLog
    rulesets_dir: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch: int = MAX_BATCH
    ledger: Ledger | None = None
    max_sessions: int = MAX_SESSIONS
    max_sessions_per_key: int = MAX_SESSIONS_PER_KEY
    session_idle_seconds: float = SESSION_IDLE_SECONDS
    year_source: YearSource | None = None  # the population the pages show (partyrules serve --population/--demo)
