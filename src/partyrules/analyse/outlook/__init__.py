"""Mid-year foresight: as of a month of the year, the exact interval of each subject's year total over every
completion of the months still to come, the grades still reachable, the rules that decide, and an early warning
list with the recourse left in the remaining months (docs/outlook.md).

- :mod:`.domain`: what a remaining month and the annual evaluation can still be (fields, directions, bounds, plan);
- :mod:`.complete`: the facts known as of a month, and the candidate completions of each extreme;
- :mod:`.single`: :func:`outlook`, one subject explained (the extremes and keeping to what is asked);
- :mod:`.population`: :func:`outlook_population`, every subject's two completions as tables, vector-scored;
- :mod:`.result`: :class:`Outlook`, told in Chinese or English.
"""

from .domain import MEMBER_ASKED, MEMBER_OBLIGATIONS, MEMBER_RECORD_DIRECTIONS, Domain, build_domain
from .population import PopulationOutlook, outlook_population
from .result import Decider, Outlook
from .single import outlook, threshold_grade

__all__ = ["MEMBER_ASKED", "MEMBER_OBLIGATIONS", "MEMBER_RECORD_DIRECTIONS", "Decider", "Domain", "Outlook",
           "PopulationOutlook", "build_domain", "outlook", "outlook_population", "threshold_grade"]
