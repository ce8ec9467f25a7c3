"""Populations: many subjects' facts, read from files row by row or held as column tables for whole-population work.

- :mod:`.files`: JSON and JSON-lines files of fact bundles, one bad row never losing the others;
- :mod:`.frames`: the columnar layout (one polars table per kind of fact) that the vectorised backend reads.
"""

from .checks import RowProblem
from .files import MAX_LINE_BYTES, Row, fact_error, read_facts
from .frames import Population, facts_to_population
from .io import PopulationRead, population_from_frames, read_population, write_population

__all__ = [
    "MAX_LINE_BYTES",
    "Population",
    "PopulationRead",
    "Row",
    "RowProblem",
    "fact_error",
    "facts_to_population",
    "population_from_frames",
    "read_facts",
    "read_population",
    "write_population",
]
