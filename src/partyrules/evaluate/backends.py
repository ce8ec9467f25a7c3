"""The registry of backends: the one place that maps a backend's name to the backend.

``"vector"`` (the default for populations) scores a population's columns with polars; ``"engine"`` (durable-rules)
and ``"reference"`` (the expression closures) score one subject at a time, explain each, and are the yardsticks
the vectorised backend is tested against. All three give the same table.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import PartyRulesError
from .backend import Backend
from .evaluator import EngineBackend
from .reference import ReferenceBackend


def _vector() -> Backend:
    try:
        from .vector import VectorBackend  # polars and numpy: the analysis extra, imported only when asked for
    except ImportError as exc:
        raise PartyRulesError(f"the vectorised backend needs the analysis extra ({exc.name} is not installed)",
                              hint='pip install "partyrules[analysis]", or use backend="engine"') from None

    return VectorBackend()


_MAKERS: dict[str, Callable[[], Backend]] = {"vector": _vector, "engine": EngineBackend, "reference": ReferenceBackend}
_made: dict[str, Backend] = {}

BACKENDS: tuple[str, ...] = tuple(_MAKERS)
"""The backends' names, the default (for a population) first."""


def backends() -> tuple[str, ...]:
    """The names of the registered backends, the default first."""
    return BACKENDS


def get_backend(name: str) -> Backend:
    """The backend called ``name``; an unknown name is a :class:`PartyRulesError` listing the names."""
    backend = _made.get(name)
    if backend is None:
        make = _MAKERS.get(name) if isinstance(name, str) else None
        if make is None:
            raise PartyRulesError(f"unknown backend {name!r}", hint="one of: " + ", ".join(BACKENDS))
        backend = _made.setdefault(name, make())
    return backend

