"""Diagnostics of a rule set over a population, from its score table, with polars.

:func:`diagnose` answers the questions a policy office asks of an index before trusting it: which rules ever fire,
which standards give (nearly) everyone full points (the sources' complaint that under vague standards "basically
everyone gets the points"), how well each standard separates subjects, which standards measure the same thing,
and whether totals crowd just below a grade boundary. It reads only ``PopulationScores.frame`` and ``.ruleset``;
every statistic is a column aggregate, so a million rows take seconds.

Every statistic is also a function of exact integer counts and sums (score values are whole micro-points), so a
population scored partition by partition (on Dask, say) is diagnosed without collecting its rows: each
partition's :func:`diagnostic_partial`, merged with :func:`merge_diagnostic_partials`, finished with
:func:`diagnostics_from_partial`, gives the same :class:`Diagnostics`, bit for bit, as :func:`diagnose` on the
whole table, which is itself that computation over one partition.

Undefined statistics (no subjects, a constant column) are null, never NaN, and :meth:`Diagnostics.findings` says
why in words.

- :mod:`.findings`: :class:`Diagnostics` and what its tables say in words;
- :mod:`.partial`: :class:`DiagnosticPartial`, the exact sums of some rows, and their merge;
- :mod:`.finish`: the statistics worked out from the sums, and :func:`diagnose` (one partition, finished).
"""

from .findings import Diagnostics
from .finish import check_diagnose_options, diagnose, diagnostics_from_partial
from .partial import DiagnosticPartial, diagnostic_partial, merge_diagnostic_partials

__all__ = ["DiagnosticPartial", "Diagnostics", "check_diagnose_options", "diagnose", "diagnostic_partial",
           "diagnostics_from_partial",
           "merge_diagnostic_partials"]
