"""The results model moved to :mod:`partyrules.results`; this path stays importable."""

from ..results import *  # noqa: F403
from ..results import __all__  # noqa: F401
