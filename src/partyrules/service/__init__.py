"""The decision service (``partyrules serve``; needs the ``api`` extra: fastapi and uvicorn).

:func:`create_router` gives the endpoints as a FastAPI router any service can mount; :func:`create_app` serves
them alone. Every decision is logged durably (:class:`DecisionLog`) and can be replayed offline
(:func:`replay`). Keys and the log need only the standard library, so ``partyrules keys`` and ``partyrules replay``
work without the extra; fastapi is imported only when a router or app is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import MAX_BATCH, MAX_BODY_BYTES, ServiceConfig
from .decisions import Decision, DecisionLog, read_decisions
from .keys import ROLES, Key, KeyStore, add_key
from .replay import ReplayReport, replay

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI


def create_router(config: ServiceConfig) -> APIRouter:
    """The service's endpoints as a router (see :func:`partyrules.service.app.create_router`)."""
    from .app import create_router as make

    return make(config)


def create_app(config: ServiceConfig) -> FastAPI:
    """An app serving the router alone (see :func:`partyrules.service.app.create_app`)."""
    from .app import create_app as make

    return make(config)


__all__ = ["MAX_BATCH", "MAX_BODY_BYTES", "ROLES", "Decision", "DecisionLog", "Key", "KeyStore", "ReplayReport",
           "ServiceConfig", "add_key", "create_app", "create_router", "read_decisions", "replay"]
