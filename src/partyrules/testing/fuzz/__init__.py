"""Hypothesis strategies that break inputs on purpose: mutated rule-set files and mutated fact files.

The other strategies of :mod:`partyrules.testing` draw *valid* facts to test what a rule set means. These draw the
inputs a hostile or careless sender could give instead, starting from a valid one and changing one thing in it,
so that whatever goes wrong can be traced to that change (``Mutant.description`` says what was changed, where):

- :func:`ruleset_mutants` changes a rule-set text: a number made huge, negative, NaN, infinite or 400 digits long,
  an expression replaced by a random one (well-typed or not), deep nesting, long strings, odd unicode (lone
  surrogates, NUL, right-to-left marks), duplicate keys, anchors and aliases, tags, wrong types, bad include names,
  broken bytes;
- :func:`table_mutants` changes one cell, row, column or file of a population's tables written as CSV, Parquet or
  JSON lines: counts of 2**63 and -1, NaN, infinity, 16 MiB and 65,545-character strings, a missing or repeated
  subject id, ragged CSV rows, bytes that are not UTF-8, truncated Parquet.

What a library must do with such input (a typed error, no crash, no hang, the same result on every backend) is
checked by the fuzzing campaign in the repository's ``tests/fuzz`` (see docs/fuzzing.md); these strategies only
draw the inputs. They need hypothesis, PyYAML and, for the tables, polars.
"""

from .base import (
    BIG_STRING_CHARS,
    EXPRESSION_KEYS,
    Mutant,
    TablesMutant,
    expressions,
    odd_numbers,
    odd_strings,
)
from .bundles import BUNDLE_FAMILIES, bundle_mutants
from .rulesets import RULESET_FAMILIES, ruleset_mutants
from .tables import TABLE_FAMILIES, table_mutants

__all__ = [
    "BIG_STRING_CHARS",
    "BUNDLE_FAMILIES",
    "EXPRESSION_KEYS",
    "RULESET_FAMILIES",
    "TABLE_FAMILIES",
    "Mutant",
    "TablesMutant",
    "bundle_mutants",
    "expressions",
    "odd_numbers",
    "odd_strings",
    "ruleset_mutants",
    "table_mutants",
]
