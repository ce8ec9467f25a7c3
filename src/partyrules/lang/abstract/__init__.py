"""Abstract interpretation of expression IR over the declared domains of the facts.

``partyrules validate`` asks of each condition: can it ever be true? is it always true? To answer soundly without
facts, every expression is evaluated over *sets* of values: a number is an interval (with open or closed ends, and
whether it is an integer), a condition or a text is the set of values it may take, and each may also be missing
(``none``). The domains come from the fact models themselves (a ``Count`` is an integer >= 0, a ``Share`` lies in
0..1, an enumerated field takes its listed values), from the parameters' ``min``/``max``/``choices``, and from
constants.

Conditions are read with the three-valued logic of :mod:`partyrules.lang.interp` (``==`` and ``!=`` compare
missing values as values, ordering comparisons with a missing value are unknown, an aggregation counts an item
only when its condition is true). ``and`` and ``or`` narrow what each part may assume about the values the others
read, so ``a > 5 and a < 3`` and ``count(L where c) > 2 and count(L where c) < 1`` are seen to be impossible.

Soundness is the rule: every abstract value contains every value the expression can take for some valid facts,
so "can never be true" is only ever said of a condition that truly never is. The converse is not promised: a
condition this analysis cannot refute may still be impossible.

One module per seam: :mod:`.domains` (abstract values and interval arithmetic), :mod:`.fields` (the domains of
fact fields, signatures, parameters and environments) and :mod:`.analyzer` (the transfer functions and the driver).
"""

from __future__ import annotations

from .analyzer import Analyzer
from .domains import ANY, AV, BOOL_ANY, INF, NUM_ANY, OUTCOMES, F, N, T, bools, num
from .fields import Env, ParamInfo, field_domain, sig

__all__ = ["ANY", "AV", "BOOL_ANY", "INF", "NUM_ANY", "OUTCOMES", "Analyzer", "Env", "F", "N", "ParamInfo", "T",
           "bools", "field_domain", "num", "sig"]
