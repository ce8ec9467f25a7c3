"""Checking a population's tables column by column, as the fact models check one value at a time.

Each column's rules (type, bounds, formats, vocabularies, nullability) are read off the pydantic fact models, so
a field added to a model is checked without new code; the models' checks across fields and rows that are simple
over columns are written out by hand (``_cross_checks``). Every check is a polars expression over the whole column (no
Python loop per row), and a bad value becomes a :class:`RowProblem` naming the file, the row, the column, the
subject and the reason. Column totals come first (null counts, least and greatest values, each distinct text once):
a column they show clean is not looked at row by row, and a reason's text is formatted only for the rows that fail.

- :mod:`.columns`: what each column must hold, read off the fact models, and its parsing and value checks;
- :mod:`.rows`: the checks across fields and rows, and whose conduct an item row is about;
- :mod:`.table`: one table read and checked, and the problems that name its rows.
"""

from .rows import foreign_rows
from .table import FILE, ROW, RowProblem, TableRead, check_table, unreadable_table

__all__ = ["FILE", "ROW", "RowProblem", "TableRead", "check_table", "foreign_rows", "unreadable_table"]
