"""Recourse: the smallest change to a subject's actionable fields that reaches the next grade.

The rule set declares under ``actionable:`` which fields a subject can act on, which way, how far and at what cost
(docs/recourse.md). :func:`recourse` searches, for one subject, the fewest fields (then the least total cost) whose
change lifts the grade to the next one up, or to a given target, and re-scores the changed facts so the result
is an ordinary explained breakdown: caps, dimension maxima and floors apply as they always do.

The search is bounded and deterministic:

- each field moves along a ladder of levels: a subject field by whole ``step`` s up to its bound; a record field is
  raised to *at least* a level in every month of the period that has a record (or lowered to *at most* one), so a
  level costs only what the months below it lack; a true/false record field is set in its first ``t`` months that
  are false;
- sets of fields are tried by increasing size up to ``max_changes``; a set is feasible exactly when all its
  fields at their bounds reach the target (one evaluation), given that more of an actionable field never lowers
  the score (declare it under ``monotone:``; the result is always re-scored, so a false declaration can cost
  minimality, never correctness);
- within a feasible set, each field's least level with the others at their bounds gives a lower bound of the
  set's cost (sets that cannot beat the best are skipped), and lowering the fields one after the other, in every
  order, by bisection gives the levels proposed.

A vetoed subject has no recourse by actionable fields: a veto comes from verified conduct, which only the appeal
(objection) process can change.

- :mod:`.result`: :class:`Recourse` and each :class:`Change`;
- :mod:`.ladder`: the levels of one actionable field, and the facts with several fields at given levels;
- :mod:`.search`: :func:`recourse`, the bounded search over sets of fields;
- :mod:`.text`: a recourse told in Chinese or English.
"""

from .result import Change, Recourse
from .search import recourse

__all__ = ["Change", "Recourse", "recourse"]
