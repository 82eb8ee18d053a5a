"""The station's case service, built once per app from ``app.state.settings``.

Built on first use (or at start-up), never at import. With ``app.state.demo``
set, the demo case is loaded into an empty store.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from sarwatch.services.cases import CaseService

__all__ = ["CaseServiceDep", "get_case_service", "station_service"]

_lock = threading.Lock()


def station_service(app: FastAPI) -> CaseService:
    """The app's :class:`CaseService` (created, and the demo loaded, on first call)."""
    service = getattr(app.state, "case_service", None)
    if service is not None:
        return service
    with _lock:
        service = getattr(app.state, "case_service", None)
        if service is None:
            from sarwatch.services.cases import case_service

            service = case_service(app.state.settings)
            if getattr(app.state, "demo", False):
                from sarwatch.services.demo import load_demo

                load_demo(service)
            app.state.case_service = service
    return service


async def get_case_service(request: Request) -> CaseService:
    """FastAPI dependency: the station's case service."""
    return station_service(request.app)


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]
