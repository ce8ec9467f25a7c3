"""What a decision service serves: the rule sets in force, its keys, its decision log and its limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..rulesets.model import RuleSet
from .decisions import DecisionLog
from .keys import KeyStore

MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest request body read (4 MiB): a batch of the longest allowed length of members with a year of records."""

MAX_BATCH = 200
"""The most subjects one batch request scores; a larger population is sent as several batches."""

MAX_RULESET_CHARS = 512 * 1024
"""The longest rule-set text the validation endpoint reads (the loader's own limits apply as well)."""

MAX_DECISIONS_PAGE = 1000
"""The most decisions one query of the log returns."""


@dataclass
class ServiceConfig:
    """The service's rule sets (already loaded and checked), its key store and its decision log.

    ``rulesets_dir`` is the only directory a request can make the service read (the includes of a posted rule
    set are resolved inside it); no endpoint takes a path from the caller.
    """

    rulesets: list[RuleSet]
    keys: KeyStore
    log: DecisionLog
    rulesets_dir: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch: int = MAX_BATCH
