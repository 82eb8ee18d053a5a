"""The station's ledger as a whole: the register of cases and its signed head.

``GET /api/ledger/register`` checks the station register against the store (a
whole case deleted, a case inserted or replaced, any change to the register) and
returns its signed head with the station's public key: what a partner copies
daily to anchor the record outside the station (``sarwatch ledger verify
--anchor SEQ:HASH`` checks it later). Observers may read it; it holds case ids
and opening times, no positions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool

from sarwatch.ledger import public_key_pem
from sarwatch.web.auth import Observer
from sarwatch.web.case_schemas import RegisterOut
from sarwatch.web.station import CaseServiceDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


@router.get(
    "/register",
    response_model=RegisterOut,
    responses={401: {"description": "Missing or unknown token"}},
)
async def station_register(user: Observer, service: CaseServiceDep) -> dict[str, Any]:
    """Verify the station register now; its signed head is the value to publish."""
    report = await run_in_threadpool(service.verify_register)
    return {
        "ok": report.ok,
        "n_entries": report.n_entries,
        "n_cases": report.n_cases,
        "head": report.head.to_json() if report.head else None,
        "key_id": service.signer.key_id,
        "public_key_pem": public_key_pem(service.signer.public_key),
        "findings": [
            {"problem": f.problem, "seq": f.seq, "message": f.message} for f in report.findings
        ],
    }


def install(app: FastAPI) -> None:
    """Attach the ledger routes."""
    app.include_router(router)
