"""This station as a witness of other stations' checkpoints (the CT witness model).

``POST /api/witness/checkpoints`` takes ``{"checkpoint", "public_key_pem", "proofs"}``
from another station: the checkpoint is accepted only if the submitting station's
key is trusted here (by default: on the operator's allow-list, ``sarwatch witness
trust``; else 403 saying how to trust it), signed it, and it is consistent with the
last one this station witnessed from that key; it is then countersigned and kept. ``GET
/api/witness/checkpoints/{key_id}`` returns the latest one kept. No token: the
signatures authenticate the submitter, and a checkpoint holds case ids and
hashes only, no positions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, FastAPI
from fastapi.concurrency import run_in_threadpool

from sarwatch.errors import NotFoundError
from sarwatch.services.witness import WitnessLog
from sarwatch.services.witness_trust import station_trust
from sarwatch.web.station import StationDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/witness", tags=["witness"])


def _log(station: StationDep) -> WitnessLog:
    # the key as it is now: one rotated beside the running server included
    signer = station.cases.refresh_signer()
    return WitnessLog(station.settings.home_dir, signer, trust=station_trust(station.settings))


@router.post("/checkpoints")
async def receive_checkpoint(
    station: StationDep,
    checkpoint: dict[str, Any] = Body(...),
    public_key_pem: str = Body(..., max_length=400),
    proofs: dict[str, list[dict[str, Any]]] = Body(default_factory=dict),
    keys: dict[str, Any] | None = Body(None),
) -> dict[str, Any]:
    """Check a station's checkpoint against the last one witnessed; cosign and keep it."""
    log = await run_in_threadpool(_log, station)
    cosigned = await run_in_threadpool(log.receive, checkpoint, public_key_pem, proofs, keys)
    return {"checkpoint": cosigned.to_json()}


@router.get("/checkpoints/{key_id}")
async def latest_checkpoint(station: StationDep, key_id: str) -> dict[str, Any]:
    """The latest checkpoint witnessed from the station whose first key id is ``key_id``."""
    log = await run_in_threadpool(_log, station)
    latest = await run_in_threadpool(log.latest, key_id)
    if latest is None:
        raise NotFoundError(f"this witness holds no checkpoint from station key {key_id}")
    return {"checkpoint": latest.to_json()}


def install(app: FastAPI) -> None:
    """Attach the witness routes.

    Raises
    ------
    InputError
        For a ``SARWATCH_WITNESS_KEYS`` entry that is not a fingerprint: the operator
        hears of it when the server starts, not a submitting station on each request.
    """
    from sarwatch.web.station import station_of

    station_trust(station_of(app).settings)
    app.include_router(router)
