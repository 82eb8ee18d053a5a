"""10 m winds from ECMWF open data with ECMWF's own client, ``ecmwf-opendata``.

The client finds each forecast step's GRIB2 file and its ``.index`` (one JSON line per
message with its byte offset and length) and downloads only the messages asked for
(``10u``, ``10v``) by HTTP byte ranges. The server does not cut in space, so each
message is cut to the area here (:func:`~sarwatch.adapters.forecast.gribcut.cut_grib`).
A download whose size differs from the index's lengths was damaged in transit and is
refused. ``base_url`` points the client at a mirror (the client's documented
``source`` option takes a URL); ``None`` is ECMWF's own server.

Licence: CC BY 4.0 (attribute ECMWF). No account is needed.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sarwatch.adapters.forecast.base import Download, FetchItem, FetchRequest, floor_run
from sarwatch.adapters.forecast.gribcut import cut_grib
from sarwatch.errors import ForcingError

__all__ = ["EcmwfOpenData"]

_PARAMS = ["10u", "10v"]


def _steps(run: datetime, start: datetime, end: datetime) -> list[int]:
    """The 3-hourly (6-hourly past 144 h) steps of ``run`` that cover ``start..end``."""
    first = max(0, math.floor((start - run).total_seconds() / 3600 / 3) * 3)
    last = math.ceil((end - run).total_seconds() / 3600 / 3) * 3
    steps = [s for s in range(first, min(last, 144) + 1, 3)]
    if last > 144:
        steps += list(range(150, min(math.ceil(last / 6) * 6, 240) + 1, 6))
    return steps


class EcmwfOpenData:
    """ECMWF IFS 10 m winds (open data, 0.25°), 00 and 12 UTC runs.

    Parameters
    ----------
    base_url
        A mirror's URL (the client's ``source``); ``None`` for ECMWF's server.
    model, resol
        The client's ``model`` and ``resol`` (``ifs``, ``0p25``).
    """

    provider = "ecmwf-opendata"

    def __init__(self, base_url: str | None = None, *, model: str = "ifs", resol: str = "0p25"):
        self.base_url = base_url
        self.model = model
        self.resol = resol
        self.product_id = f"{model}-{resol}-oper-10m-wind"

    def _client(self) -> Any:
        from ecmwf.opendata import Client

        kw: dict[str, Any] = {"maximum_retries": 3, "retry_after": 5}
        if self.base_url is not None:  # a mirror: single byte ranges, no SAS token
            kw.update(source_accept_ranges=True, source_accept_multiple_ranges=False)
        return Client(source=self.base_url or "ecmwf", model=self.model, resol=self.resol, **kw)

    def latest_run(self, req: FetchRequest, step: int = 0) -> datetime:
        """The newest 00/12 UTC run of the last two days whose ``step`` is published
        (the client's ``latest``, which asks the server with HEAD requests)."""
        client = self._client()
        found = []
        for hour in (0, 12):
            try:
                t = client.latest(time=hour, step=step, param=_PARAMS, type="fc", stream="oper")
            except ValueError:  # none of that hour in the last two days
                continue
            found.append(t.replace(tzinfo=UTC))
        found = [t for t in found if t <= req.now]
        if not found:
            raise ForcingError(
                f"ECMWF open data ({self.base_url or 'ecmwf'}): no 00/12 UTC run of the last "
                "two days is published; check the network, or fetch GFS winds (--provider gfs)"
            )
        return max(found)

    def plan(self, req: FetchRequest) -> list[FetchItem]:
        """One item per step: the latest run up to ``req.end``; when ``req.start`` is before
        it, also the run before ``req.start`` over the whole period."""
        latest = self.latest_run(req)
        runs = [latest]
        if req.start < latest:
            runs.append(floor_run(req.start, 12))
        items = []
        for run in runs:
            for step in _steps(run, max(req.start, run) if run == latest else req.start, req.end):
                name = f"{self.provider}/{self.product_id}_{run:%Y%m%dT%H}Z_f{step:03d}.grib2"
                items.append(
                    FetchItem(
                        self.provider, self.product_id, run, name, {"step": step, "area": req.area}
                    )
                )
        return items

    def fetch(self, item: FetchItem, staging: Path) -> Download:
        """Download one step's 10 m winds and cut them to the area.

        Raises
        ------
        ForcingError
            The server does not have it, or the bytes received differ from the index.
        """
        assert item.run_time is not None
        staging.mkdir(parents=True, exist_ok=True)
        raw = staging / (Path(item.name).name + ".part")
        client = self._client()
        try:
            result = client.retrieve(
                date=item.run_time.astimezone(UTC).replace(tzinfo=None),
                time=item.run_time.hour, step=int(item.detail["step"]),  # type: ignore[call-overload]
                param=_PARAMS, type="fc", stream="oper", target=str(raw),
            )  # fmt: skip
        except Exception as exc:
            raw.unlink(missing_ok=True)
            if "size mismatch" in str(exc).lower():  # multiurl checks the bytes received
                raise ForcingError(
                    f"ECMWF open data: {item.name} was damaged in transit ({exc}); it was not "
                    "added to the library: fetch again"
                ) from exc
            raise ForcingError(
                f"ECMWF open data: {item.name} could not be downloaded ({exc}); run the fetch "
                "again later (what is already in the library is kept)"
            ) from exc
        expected = sum(length for _, parts in result.urls for _, length in parts)
        got = raw.stat().st_size
        if got != expected:
            raw.unlink(missing_ok=True)
            raise ForcingError(
                f"ECMWF open data: {item.name} was damaged in transit ({got} bytes received, "
                f"the index says {expected}); it was not added to the library: fetch again"
            )
        out = staging / Path(item.name).name
        cut_grib(raw, out, item.detail["area"])  # type: ignore[arg-type]
        raw.unlink(missing_ok=True)
        return Download(item=item, path=out)
