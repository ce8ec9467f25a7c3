"""Fairness across indices: is a grade as reachable for a retired member as for an in-service one?

:func:`fairness` looks at a population scored with several indices (the member index of each category, and
optionally the branch index) and separates two kinds of gap:

- **structure**: what the rules themselves make unequal. The exemplary subject of each category
  (:mod:`partyrules.facts.exemplary`, who does every item when it is due) is scored for each quarter and the year: a
  total below the scale is a gap no member of that category can close (an item prorated over a period it is not
  due in, a once-a-year item asked of every quarter), and a maximum below a grade's threshold makes that grade
  unreachable. The same subject with nothing done shows free points (an item that did not apply paid in full).
  The same verified conduct costing different points in different indices, and the same field read with different
  weights or cadences, are structure too.
- **conduct**: what members did. Between the reachable maximum and the population's results lies what members
  did or did not do; the items that explain it, and those nobody or everybody earns, come from the population's
  per-rule columns.

Every finding names the items and the figures, in Chinese and English. One module per seam: :mod:`.model` (what
the report holds), :mod:`.rules` (what the rules read, the exemplary maxima, the cost of conduct), :mod:`.stats`
(the population's statistics), :mod:`.findings` (the sentences), :mod:`.assess` (the entry point) and
:mod:`.report` (the text and HTML renderings).
"""

from __future__ import annotations

from .assess import fairness
from .model import CategoryFairness, FairnessReport, Finding, KindCost, PeriodMax
from .rules import rule_reads

__all__ = ["CategoryFairness", "FairnessReport", "Finding", "KindCost", "PeriodMax", "fairness", "rule_reads"]
