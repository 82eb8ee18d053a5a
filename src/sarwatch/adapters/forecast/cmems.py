"""Currents, Stokes drift and waves from Copernicus Marine with its ``copernicusmarine`` toolbox.

The toolbox's ``subset`` cuts the product on the server side (area, period, variables,
surface level) and writes a NetCDF file; a fetch asks for one day at a time, so that an
interrupted fetch resumes at the day it stopped and the progress bar moves.

Credentials are the toolbox's own: ``copernicusmarine login`` once (it writes
``~/.copernicusmarine/.copernicusmarine-credentials``), or the environment variables
``COPERNICUSMARINE_SERVICE_USERNAME`` / ``COPERNICUSMARINE_SERVICE_PASSWORD``. sarwatch
never passes, prints or stores them. Licence: the Copernicus Marine Service licence
(free, with an account; cite the product).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sarwatch.adapters.forecast.base import Download, FetchItem, FetchRequest
from sarwatch.errors import ForcingError

__all__ = ["DATASETS", "CopernicusMarine"]

#: Mediterranean analysis/forecast datasets (MEDSEA_ANALYSISFORECAST_PHY_006_013 and
#: MEDSEA_ANALYSISFORECAST_WAV_006_017): dataset id and variables.
DATASETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "currents": ("cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m", ("uo", "vo")),
    "waves": ("cmems_mod_med_wav_anfc_4.2km_PT1H-i", ("VHM0", "VSDX", "VSDY")),
}


def _bulletin(now: datetime) -> datetime:
    """The daily bulletin a fetch at ``now`` gets: 00 UTC of the day 12 h before ``now``
    (the Mediterranean products are updated once a day, around midday)."""
    t = (now - timedelta(hours=12)).astimezone(UTC)
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


class CopernicusMarine:
    """A Copernicus Marine Mediterranean forecast product, cut on the server.

    Parameters
    ----------
    kind
        ``"currents"`` or ``"waves"`` (Stokes drift and significant wave height).
    subset
        The toolbox's ``copernicusmarine.subset`` (the default); another callable with
        its signature serves tests and mirrors.
    """

    provider = "copernicus-marine"

    def __init__(self, kind: str = "currents", *, subset: Callable[..., Any] | None = None):
        if kind not in DATASETS:
            raise ForcingError(f"unknown Copernicus Marine product {kind!r}: currents or waves")
        self.kind = kind
        self.product_id, self.variables = DATASETS[kind]
        self._subset = subset

    def plan(self, req: FetchRequest) -> list[FetchItem]:
        """One item per UTC day of ``req.start..req.end``."""
        run = _bulletin(req.now)
        day = req.start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        items = []
        while day <= req.end:
            t0, t1 = max(day, req.start), min(day + timedelta(days=1), req.end)
            name = f"{self.provider}/{self.product_id}_b{run:%Y%m%d}_{day:%Y%m%d}.nc"
            items.append(FetchItem(self.provider, self.product_id, run, name,
                                   {"start": t0, "end": t1, "area": req.area}))  # fmt: skip
            day += timedelta(days=1)
        return items

    def fetch(self, item: FetchItem, staging: Path) -> Download:
        """One day of the product, cut to the area, as NetCDF in ``staging``.

        Raises
        ------
        ForcingError
            No credentials or wrong ones (what to do, never the credentials), or the
            toolbox's own error.
        """
        subset = self._subset
        if subset is None:
            import copernicusmarine

            subset = copernicusmarine.subset
        area: tuple[float, float, float, float] = item.detail["area"]  # type: ignore[assignment]
        lon0, lat0, lon1, lat1 = area
        staging.mkdir(parents=True, exist_ok=True)
        name = Path(item.name).name
        try:
            with _quiet_toolbox():
                subset(
                    dataset_id=self.product_id, variables=list(self.variables),
                    minimum_longitude=lon0, maximum_longitude=lon1,
                    minimum_latitude=lat0, maximum_latitude=lat1,
                    maximum_depth=1.1,  # from the first level (1.0182 m): the surface one
                    start_datetime=item.detail["start"], end_datetime=item.detail["end"],
                    output_directory=str(staging), output_filename=name, overwrite=True,
                    disable_progress_bar=True,
                )  # fmt: skip
        except Exception as exc:
            raise ForcingError(_explain(exc, self.product_id)) from None
        path = staging / name
        if not path.is_file():
            raise ForcingError(f"Copernicus Marine: the toolbox wrote no {name}; fetch again")
        return Download(item=item, path=path)


@contextmanager
def _quiet_toolbox() -> Iterator[None]:
    """The toolbox's warnings and errors only, not its progress notes (``INFO``: version
    and part chosen, size), which would crowd the fetch's own progress bar."""
    log = logging.getLogger("copernicusmarine")
    level = log.level
    log.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        log.setLevel(level)


def _refused_by_login_service(exc: BaseException) -> bool:
    """Whether the login service answered 401/403 somewhere in the exception's chain.

    Keycloak answers a wrong user name or password with 401; toolbox 2.5 expects 400
    (``invalid_grant``) for that and reports anything else as
    ``CouldNotConnectToAuthenticationSystem``, raised while handling the HTTP error.
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        status = getattr(getattr(e, "response", None), "status_code", None)
        if status in (401, 403):
            return True
        e = e.__cause__ or e.__context__
    return False


def _explain(exc: Exception, product: str) -> str:
    """What to do about a toolbox error (the credentials never appear)."""
    kind = type(exc).__name__
    if kind in ("InvalidUsernameOrPassword", "CredentialsCannotBeNone") or (
        kind == "CouldNotConnectToAuthenticationSystem" and _refused_by_login_service(exc)
    ):
        return (
            f"Copernicus Marine refused the credentials for {product}: run "
            "`copernicusmarine login` once (a free account at marine.copernicus.eu), or set "
            "COPERNICUSMARINE_SERVICE_USERNAME and COPERNICUSMARINE_SERVICE_PASSWORD"
        )
    if kind == "CouldNotConnectToAuthenticationSystem":
        return "Copernicus Marine: its login service cannot be reached; check the network"
    return f"Copernicus Marine {product}: {kind}: {str(exc)[:300]}"
