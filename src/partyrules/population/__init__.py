"""Populations: many subjects' facts, read from files row by row or held as column tables for whole-population work.

- :mod:`.files`: JSON and JSON-lines files of fact bundles, one bad row never losing the others;
- :mod:`.frames`: the columnar layout (one polars table per kind of fact) that the vectorised backend reads.
"""

from .files import MAX_LINE_BYTES, Row, fact_error, read_facts

__all__ = ["MAX_LINE_BYTES", "Row", "fact_error", "read_facts"]
