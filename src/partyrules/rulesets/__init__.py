"""Rule sets: the safe YAML reader, the specification, the loader and the linter.

``partyrules.load_ruleset`` and its relatives are at the top level; the reader's limits are here.
"""

from .yamlsafe import Limits

__all__ = ["Limits"]
