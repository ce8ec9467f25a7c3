"""Read and write populations as files: JSON lines of bundles, or one Parquet or CSV file per table.

A population file is input from outside, so every value is checked as the fact models check it, but over whole
columns at once (polars expressions, no Python loop per row): a bad value is reported as a :class:`RowProblem`
with the file, the table, the row number in that file, the column, the subject and the reason, and the subject
it belongs to is left out with all its rows. Every other subject is read. Nothing is dropped without a problem
saying so.

Table files are named after the tables of :func:`~partyrules.population.frames.layout`: ``subjects.parquet``,
``records.parquet``, ... (or ``.csv``); a table may also be split into numbered parts, ``records-00000.parquet``,
``records-00001.parquet``, ... as :func:`partyrules.synthetic.write_generated` writes them. Tables other
than ``subjects`` may be absent (no items of that kind). In CSV files a list cell is a JSON array of texts
(``["a","b"]``), a date is ``YYYY-MM-DD``, a flag ``true`` or ``false``, and an empty cell is null.

- :mod:`.reading`: :func:`read_population`, which finds the files of a path and reads them in their format;
- :mod:`.tables`: a directory of Parquet or CSV table files (:func:`read_files`), :mod:`.csvfile` the CSV files;
- :mod:`.jsonl`: a JSON-lines file of bundles;
- :mod:`.checked`: raw tables checked and the subjects without a problem kept (:func:`check_frames`,
  :func:`population_from_frames`);
- :mod:`.writing`: :func:`write_population`.
"""

from ..checks import RowProblem
from .checked import UNKNOWN_SUBJECT as UNKNOWN_SUBJECT
from .checked import PopulationRead, check_frames, population_from_frames
from .reading import DEFAULT_MAX_BYTES, FORMATS, read_population
from .tables import read_files
from .writing import write_population

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "PopulationRead",
    "RowProblem",
    "check_frames",
    "population_from_frames",
    "read_files",
    "read_population",
    "write_population",
]
