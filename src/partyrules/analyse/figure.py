"""A matplotlib Figure that shows itself as a notebook cell's value.

A :class:`~matplotlib.figure.Figure` built without pyplot prints ``<Figure size ...>`` as a cell's value unless
``%matplotlib inline`` is set. :class:`DisplayFigure` is that same Figure (every caller of the Figure API, and
``isinstance(fig, Figure)``, is unaffected) with ``_repr_png_``, which Jupyter and IPython ask for by name. With
``%matplotlib inline`` set, IPython's own formatter for Figure is found first and shows it once.

Only PNG: a notebook stores every format a display offers, and an SVG of a figure with many rules is several
times the PNG's size in the committed notebook; :meth:`DisplayFigure.to_svg` gives one on request.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["DisplayFigure"]


class DisplayFigure(Figure):
    """A Figure that renders itself as PNG for notebooks (and as SVG on request); otherwise a plain Figure."""

    def _render(self, fmt: str) -> bytes:
        buffer = io.BytesIO()
        # savefig on a pyplot-free figure draws with the Agg (or SVG) canvas for that format: no backend, no window
        self.savefig(buffer, format=fmt, dpi=100 if fmt == "png" else "figure")
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self._render("png")

    def to_svg(self) -> str:
        """The figure as an SVG document."""
        return self._render("svg").decode("utf-8")
