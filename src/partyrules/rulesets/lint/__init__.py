"""Semantic checks of a loaded rule set: the mistakes a policy office would otherwise find in production.

The loader already refuses what cannot be scored (schema, references, types, declared counts). A rule set that
loads can still be wrong: a condition that can never be true, a band nobody can reach, two deductions that take
points twice for one incident, a parameter nobody reads, a Chinese title written in English. :func:`lint_ruleset`
finds these and returns one :class:`~partyrules.errors.Diagnostic` per finding, at the ``file:line:col`` of the
offending item or sub-expression, with a hint. ``partyrules validate`` runs it on every rule set that loads.

Errors are findings that are certainly mistakes (the analysis is sound: "can never be true" is only said of what
truly never is, over every value the facts and every allowed parameter override can take). Warnings are findings
that may be intended; ``partyrules validate --strict`` fails on them too. The codes are listed with examples in
docs/rule-language.md (section 10.1).
"""

from .linter import deduction_most, lint_ruleset

__all__ = ["deduction_most", "lint_ruleset"]
