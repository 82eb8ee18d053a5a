"""Departures of an atlas: packaged departure ports (moved to sea), port ids, or a CSV file."""

from __future__ import annotations

import csv
from pathlib import Path

from sarwatch.errors import InputError
from sarwatch.services.atlas import Departure

__all__ = ["load_departures"]


def load_departures(spec: str, *, cache_dir: Path | None = None) -> tuple[Departure, ...]:
    """Departures from ``PORTS`` (the packaged departure ports), port ids, or a CSV file.

    ``PORTS`` takes every packaged port whose role names ``departure``; a comma list of
    port ids (``LYZUA,TNSFA``) takes those; anything else is a CSV file with columns
    ``name,lon,lat``. Ports published on a land pixel are moved to the nearest sea point.

    Raises
    ------
    InputError
        An unknown port id, a missing file or a malformed row.
    """
    from sarwatch.geo.ports import ports

    path = Path(spec)
    if not path.exists():
        known = {p.port_id: p for p in ports()}
        if spec.strip().upper() == "PORTS":
            chosen = [p for p in ports() if "departure" in p.role]
        else:
            ids = [s.strip().upper() for s in spec.split(",") if s.strip()]
            missing = [i for i in ids if i not in known]
            if missing or not ids:
                raise InputError(
                    f"no departures file {spec!r} and unknown port id(s) "
                    f"{', '.join(missing) or spec!r}: give a CSV file with columns name,lon,lat, "
                    "packaged port ids such as LYZUA,TNSFA, or PORTS for every departure port"
                )
            chosen = [known[i] for i in ids]
        return tuple(_at_sea(p.port_id, p.lon, p.lat, cache_dir) for p in chosen)
    if not path.is_file():
        raise InputError(f"{spec} is not a file: give a CSV file with columns name,lon,lat")
    out = []
    # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    with path.open(newline="", encoding="utf-8-sig") as fh:
        try:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    out.append(Departure(row["name"], float(row["lon"]), float(row["lat"])))
                except (KeyError, TypeError, ValueError) as exc:
                    raise InputError(
                        f"{path} line {i}: need columns name,lon,lat with decimal degrees ({exc})"
                    ) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8 "
                "(a spreadsheet's 'CSV UTF-8') with columns name,lon,lat"
            ) from None
    if not out:
        raise InputError(f"{path} lists no departures (columns name,lon,lat)")
    return tuple(out)


def _at_sea(name: str, lon: float, lat: float, cache_dir: Path | None) -> Departure:
    from sarwatch.geo.zones import nearest_sea_point

    sea = nearest_sea_point(lon, lat, cache_dir=cache_dir)
    return Departure(name, round(sea[0], 5), round(sea[1], 5))
