"""10 m winds from NOAA's GFS with ``herbie-data`` (the fallback when ECMWF fails).

Herbie finds each step's GRIB2 file and its wgrib2 ``.idx`` inventory on NOAA's
servers (AWS open data, then NOMADS) and downloads only the messages that match
``:[UV]GRD:10 m above ground:`` by HTTP byte ranges; each message is then cut to the
area. ``base_url`` points Herbie at a mirror through a model template (Herbie's
documented way to add sources) whose one source is the mirror, with GFS's own paths.

Licence: GFS output is a US government work without restrictions (credit NOAA/NCEP).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sarwatch.adapters.forecast.base import Download, FetchItem, FetchRequest, floor_run
from sarwatch.adapters.forecast.gribcut import cut_grib
from sarwatch.errors import ForcingError

__all__ = ["Gfs"]

_SEARCH = ":[UV]GRD:10 m above ground:"
_AWS = "https://noaa-gfs-bdp-pds.s3.amazonaws.com"


def _herbie() -> Any:
    import herbie

    return herbie


def _mirror_model(base_url: str) -> str:
    """Register (once) a Herbie model template for GFS served by ``base_url``; its name."""
    herbie = _herbie()
    name = "sarwatch_gfs_" + format(abs(hash(base_url)) % 10**8, "08d")
    if not hasattr(herbie.models, name):
        gfs_template = herbie.models.gfs.template

        def template(self: Any) -> None:
            gfs_template(self)
            self.SOURCES = {"mirror": self.SOURCES["aws"].replace(_AWS, base_url.rstrip("/"))}

        setattr(herbie.models, name, type(name, (), {"template": template}))
    return name


class Gfs:
    """GFS 0.25° 10 m winds, 00/06/12/18 UTC runs, hourly to 120 h then 3-hourly.

    Parameters
    ----------
    base_url
        A mirror's URL; ``None`` for NOAA's sources (AWS, then NOMADS).
    """

    provider = "gfs"
    product_id = "gfs-pgrb2-0p25-10m-wind"

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url

    def _herbie_at(self, run: datetime, step: int, save_dir: Path | None = None) -> Any:
        herbie = _herbie()
        kw: dict[str, Any] = {"verbose": False, "product": "pgrb2.0p25"}
        if save_dir is not None:
            kw["save_dir"] = str(save_dir)
        if self.base_url is None:
            return herbie.Herbie(run.replace(tzinfo=None), model="gfs", fxx=step,
                                 priority=["aws", "nomads"], **kw)  # fmt: skip
        return herbie.Herbie(run.replace(tzinfo=None), model=_mirror_model(self.base_url),
                             fxx=step, **kw)  # fmt: skip

    def latest_run(self, req: FetchRequest) -> datetime:
        """The newest 6-hourly run of the last two days whose first step is published."""
        run = floor_run(req.now, 6)
        for _ in range(8):
            if self._herbie_at(run, 0).idx is not None:
                return run
            run -= timedelta(hours=6)
        raise ForcingError("GFS: no run of the last two days is published; check the network")

    def plan(self, req: FetchRequest) -> list[FetchItem]:
        """3-hourly steps of the latest run (and of the run before ``req.start``)."""
        latest = self.latest_run(req)
        runs = [latest] + ([floor_run(req.start, 6)] if req.start < latest else [])
        items = []
        for run in runs:
            t0 = max(req.start, run) if run == latest else req.start
            first = max(0, math.floor((t0 - run).total_seconds() / 3600 / 3) * 3)
            last = min(math.ceil((req.end - run).total_seconds() / 3600 / 3) * 3, 384)
            for step in range(first, last + 1, 3):
                name = f"{self.provider}/{self.product_id}_{run:%Y%m%dT%H}Z_f{step:03d}.grib2"
                items.append(FetchItem(self.provider, self.product_id, run, name,
                                       {"step": step, "area": req.area}))  # fmt: skip
        return items

    def fetch(self, item: FetchItem, staging: Path) -> Download:
        """Download one step's 10 m winds (byte ranges from the .idx) and cut them."""
        assert item.run_time is not None
        staging.mkdir(parents=True, exist_ok=True)
        run = item.run_time.astimezone(UTC)
        h = self._herbie_at(run, int(item.detail["step"]), staging / "herbie")  # type: ignore[call-overload]
        if h.idx is None:
            raise ForcingError(f"GFS: {item.name} is not published (no .idx); fetch again later")
        try:
            inventory = h.inventory(_SEARCH)
            expected = int(sum(inventory["end_byte"] - inventory["start_byte"] + 1))
            raw = Path(h.download(_SEARCH, overwrite=True, errors="raise"))
        except Exception as exc:
            raise ForcingError(f"GFS: {item.name} could not be downloaded ({exc})") from exc
        got = raw.stat().st_size
        if got != expected:
            raw.unlink(missing_ok=True)
            raise ForcingError(
                f"GFS: {item.name} was damaged in transit ({got} bytes received, the index "
                f"says {expected}); it was not added to the library: fetch again"
            )
        out = staging / Path(item.name).name
        cut_grib(raw, out, item.detail["area"])  # type: ignore[arg-type]
        raw.unlink(missing_ok=True)
        return Download(item=item, path=out)
