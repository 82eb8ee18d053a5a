"""Forcing packs for a satellite link: the library cut to a case's reach, quantised, zipped.

Ashore, :func:`pack_area` (``sarwatch forcing pack --case ID``) takes the freshest
current, wind and Stokes drift forecasts in the library that cover the run, reads
them as the drift does (regular grid, land cells filled), keeps the box the cloud can
reach in the run's duration, and writes them as one CF-NetCDF file of int16 with
scale/offset (:mod:`sarwatch.adapters.forcing.packfile`), deflated, in a zip with a
``manifest.json`` (the products and runs it was cut from, their hashes and licences,
the area, the period and the SHA-256 of the NetCDF). Aboard, :func:`unpack` checks
that SHA-256 (and the whole pack's, when the hotline gives it) and adds the file to
the library; a damaged pack never enters.

The reach is the cloud's own: a drift of 1,000 particles of the objects most often
adrift here (rubber boat, wooden boat, people in the water, life raft), on the
forecasts being packed, for the whole duration; the box holds every particle's track
plus a margin of a third of its size and at least 20 km (diffusion and a different
object class spread the real cloud a little wider). The box never exceeds the bound
of the 99th-percentile speeds (current + Stokes drift + 6 % of the wind) times the
duration.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sarwatch.drift.config import LIMITS
from sarwatch.drift.forcing import VectorField
from sarwatch.errors import ForcingError, InputError
from sarwatch.services.forcing_choice import choose_role
from sarwatch.services.forcing_library import ForcingLibrary, LibraryEntry, check_sha256_text
from sarwatch.services.provenance import file_digest

__all__ = ["PACK_FORMAT", "PackReport", "pack_area", "unpack"]

PACK_FORMAT = "sarwatch-forcing-pack/1"
_MANIFEST = "manifest.json"
_DATA = "forcing.nc"
_ROLES: tuple[Literal["current", "wind", "stokes"], ...] = ("current", "wind", "stokes")
_KM_PER_DEG = 111.195
#: Share of the 10 m wind a drifting object can take (Leeway slopes plus their spread).
_LEEWAY_SHARE = 0.06


@dataclass(frozen=True)
class PackReport:
    """A written pack: where, how big, its hash, what it holds."""

    path: Path
    bytes: int
    sha256: str
    manifest: dict[str, Any]

    def lines(self) -> list[str]:
        """What ``sarwatch forcing pack`` prints."""
        m = self.manifest
        lon0, lat0, lon1, lat1 = m["area"]
        out = [
            f"{self.path}: {self.bytes / 1e6:.2f} MB ({self.bytes:,} bytes), SHA-256 {self.sha256}",
            f"  area {lon0:.2f}..{lon1:.2f}°E {lat0:.2f}..{lat1:.2f}°N "
            f"({m['box_km'][0]:.0f} x {m['box_km'][1]:.0f} km, reach {m['reach_km']:.0f} km), "
            f"{m['start']} to {m['end']}",
        ]
        for p in m["products"]:
            out.append(
                f"  {p['role']}: {p['provider']} {p['product_id']} "
                f"{'run ' + p['run_time'] if p['run_time'] else 'run time unknown'} "
                f"({p['files']} file{'s' if p['files'] != 1 else ''}, "
                f"{p['source_bytes'] / 1e6:.1f} MB)"
            )
        return out


def _crop(field: VectorField, box: tuple[float, float, float, float]) -> VectorField:
    """The field's cells inside ``box`` (and one more on each side)."""
    ny, nx = field.u.shape[1:]
    lons = field.lon0 + field.dlon * np.arange(nx)
    lats = field.lat0 + field.dlat * np.arange(ny)
    j = np.nonzero((lons >= box[0]) & (lons <= box[2]))[0]
    k = np.nonzero((lats >= box[1]) & (lats <= box[3]))[0]
    if j.size == 0 or k.size == 0:
        return field
    j0, j1 = max(int(j[0]) - 1, 0), min(int(j[-1]) + 1, nx - 1)
    k0, k1 = max(int(k[0]) - 1, 0), min(int(k[-1]) + 1, ny - 1)
    return replace(
        field,
        u=np.ascontiguousarray(field.u[:, k0 : k1 + 1, j0 : j1 + 1]),
        v=np.ascontiguousarray(field.v[:, k0 : k1 + 1, j0 : j1 + 1]),
        lon0=float(lons[j0]),
        lat0=float(lats[k0]),
    )


def _p99_speed(field: VectorField) -> float:
    speed = np.hypot(field.u, field.v)
    finite = speed[np.isfinite(speed)]
    return float(np.percentile(finite, 99)) if finite.size else 0.0


#: The objects whose clouds make the pack's box (the migrant proxies and people).
_REACH_OBJECTS = ("migrant-rubber-boat", "migrant-wooden-boat", "PIW-1", "LIFE-RAFT-NB-2")


def _cloud_box(
    fields: dict[str, VectorField], lon: float, lat: float, start: datetime, hours: float,
    reach_km: float,
) -> tuple[float, float, float, float]:  # fmt: skip
    """The box every track of the reach drifts stays in, with a margin (see above)."""
    from sarwatch.drift.engine import simulate
    from sarwatch.drift.forcing import Forcing
    from sarwatch.drift.leeway import resolve_object
    from sarwatch.drift.seeding import Scenario, seed_scenarios
    from sarwatch.services.drift import DriftRequest

    t0 = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s")
    forcing = Forcing(current=fields.get("current"), wind=fields.get("wind"),
                      stokes=fields.get("stokes"))  # fmt: skip
    rng = np.random.default_rng(0)
    lons: list[float] = [lon]
    lats: list[float] = [lat]
    for key in _REACH_OBJECTS:
        req = DriftRequest(lon=lon, lat=lat, time=start, hours=hours, object_class=key,
                           particles=250, dt_min=30.0, output_min=60.0)  # fmt: skip
        state = seed_scenarios(
            [Scenario(1.0, "point", lon, lat, resolve_object(key), radius_m=req.radius_m)],
            req.particles, rng,
        )  # fmt: skip

        def keep(_k: int, _t: Any, st: Any) -> None:
            ok = np.isfinite(st.lon) & np.isfinite(st.lat)
            if ok.any():
                lons.extend((float(st.lon[ok].min()), float(st.lon[ok].max())))
                lats.extend((float(st.lat[ok].min()), float(st.lat[ok].max())))

        simulate(state, forcing, t0, req.config.params(), rng, land=None, on_output=keep)
    coslat = max(math.cos(math.radians(lat)), 0.05)
    w_km = (max(lons) - min(lons)) * _KM_PER_DEG * coslat
    h_km = (max(lats) - min(lats)) * _KM_PER_DEG
    pad_lon = max(20.0, w_km / 3) / (_KM_PER_DEG * coslat)
    pad_lat = max(20.0, h_km / 3) / _KM_PER_DEG
    cap_lat = reach_km / _KM_PER_DEG
    cap_lon = cap_lat / coslat
    return (
        max(min(lons) - pad_lon, lon - cap_lon), max(min(lats) - pad_lat, lat - cap_lat),
        min(max(lons) + pad_lon, lon + cap_lon), min(max(lats) + pad_lat, lat + cap_lat),
    )  # fmt: skip


def pack_area(
    library: ForcingLibrary,
    *,
    lon: float,
    lat: float,
    start: datetime,
    hours: float = 72.0,
    out: Path,
    radius_km: float | None = None,
    label: str = "",
    force: bool = False,
) -> PackReport:
    """Write a pack of the library's freshest forecasts around a position and period.

    Parameters
    ----------
    library
        The station's library.
    lon, lat
        The last known position, degrees.
    start
        Its time (aware UTC): the pack covers ``start .. start + hours``.
    hours
        The run's duration the pack serves, hours.
    out
        The pack file (a zip) to write.
    radius_km
        Half the side of the box kept; default: the reach (see the module docstring).
    label
        What the pack is for (a case id), kept in the manifest.
    force
        Replace an existing ``out`` (else it is refused, before any work). The old file
        is replaced only once the new one is written whole.

    Raises
    ------
    InputError
        ``out`` exists (without ``force``) or cannot be written; ``hours`` out of range.
    ForcingError
        No forecast in the library covers the position and period.
    """
    from sarwatch._files import atomic_writer, check_writable
    from sarwatch.adapters.forcing import open_vector_field
    from sarwatch.adapters.forcing.packfile import QUANTUM_MS, write_pack_netcdf

    out = Path(out)
    if out.exists() and not out.is_dir() and not force:  # a pack made (and sent?) before
        raise InputError(
            f"the pack file {out} already exists (a pack made before, perhaps already sent "
            "aboard): give another file with --out, or --force to replace it"
        )
    check_writable(out, "pack file")
    if not LIMITS["hours"].ok(hours):  # the drift's own range: a pack serves a drift
        raise InputError(
            f"--hours {hours:g} is out of range ({LIMITS['hours'].describe()}, as for a "
            "drift): give the hours of drift the pack must serve, e.g. --hours 48"
        )
    end = start + timedelta(hours=hours)
    t0 = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s")
    t1 = np.datetime64(end.astimezone(UTC).replace(tzinfo=None), "s")
    # read generously first (2 m/s for the whole run), then keep the reach
    wide_deg = min(max(2.0 * hours * 3.6 / _KM_PER_DEG, 0.5), 20.0)
    fields: dict[str, VectorField] = {}
    products: list[dict[str, Any]] = []
    for role in _ROLES:
        choice = choose_role(library, role, lon=lon, lat=lat, start=start, end=end,
                             max_age_h=math.inf)  # fmt: skip
        if not choice.sources:
            continue
        paths = tuple(s.path for s in choice.sources)
        margin = wide_deg / max(math.cos(math.radians(lat)), 0.2)
        fields[role] = open_vector_field(
            paths, role, t_first=t0, t_last=t1, lon=lon, lat=lat, margin_deg=margin
        )
        first = choice.sources[0]
        products.append({
            **first.product(), "role": role, "files": len(paths),
            "source_bytes": sum(p.stat().st_size for p in paths),
            "sha256": [s.sha256 for s in choice.sources],
            "file_names": [p.name for p in paths],
        })  # fmt: skip
    if not fields:
        raise ForcingError(
            f"no forecast in the forcing library {library.root} covers {lat:.3f}°N "
            f"{lon:.3f}°E from {start:%Y-%m-%dT%H:%MZ} for {hours:g} h: fetch one first "
            "(`sarwatch forcing fetch`)"
        )
    bound = sum(_p99_speed(f) for r, f in fields.items() if r != "wind")
    bound += _LEEWAY_SHARE * (_p99_speed(fields["wind"]) if "wind" in fields else 0.0)
    reach_km = bound * hours * 3.6 + 10.0
    coslat = max(math.cos(math.radians(lat)), 0.05)
    if radius_km is not None:
        if radius_km <= 0:
            raise InputError(f"--radius-km must be > 0, got {radius_km}")
        dlat = float(radius_km) / _KM_PER_DEG
        box = (lon - dlat / coslat, lat - dlat, lon + dlat / coslat, lat + dlat)
    else:
        box = _cloud_box(fields, lon, lat, start, hours, reach_km)
    half_km = 0.5 * (box[3] - box[1]) * _KM_PER_DEG
    cut = {role: _crop(f, box) for role, f in fields.items()}
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    pack_id = f"pack-{label + '-' if label else ''}{created.replace(':', '').replace('-', '')}"
    runs = sorted(p["run_time"] for p in products if p["run_time"])
    manifest: dict[str, Any] = {
        "format": PACK_FORMAT,
        "pack_id": pack_id,
        "label": label,
        "created": created,
        "position": [lon, lat],
        "start": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "area": [round(x, 4) for x in box],
        "box_km": [round((box[2] - box[0]) * _KM_PER_DEG * coslat, 3), round(2 * half_km, 3)],
        "reach_km": reach_km,
        "run_time": runs[0] if runs else None,
        "quantum_ms": {r: QUANTUM_MS[r] for r in cut},
        "products": products,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    nc = out.with_name(out.name + ".nc.tmp")
    try:
        write_pack_netcdf(nc, cut, {"sarwatch_pack": pack_id, "title": f"sarwatch {pack_id}"})
        manifest["sha256"] = file_digest(nc)
        manifest["bytes"] = nc.stat().st_size
        # a temporary file renamed over ``out`` once whole: a failed write keeps the old pack
        with (
            atomic_writer(out) as fh,
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as z,
        ):
            z.writestr(_MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
            z.write(nc, _DATA)  # the NetCDF is deflated already
    finally:
        nc.unlink(missing_ok=True)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    return PackReport(path=out, bytes=out.stat().st_size, sha256=digest, manifest=manifest)


def unpack(
    library: ForcingLibrary, pack: Path, *, expected_sha256: str | None = None
) -> LibraryEntry:
    """Check a pack and add its forecasts to the library.

    Parameters
    ----------
    library
        The library aboard.
    pack
        The pack file.
    expected_sha256
        The whole pack's SHA-256 as the sender gave it (optional).

    Raises
    ------
    ForcingError
        A pack whose hash, or whose NetCDF's hash, is not the one it was sent with
        (nothing enters the library), or a file that is not a pack.
    """
    pack = Path(pack)
    if not pack.is_file():
        raise InputError(f"no pack file {pack}")
    if expected_sha256 is not None:
        expected_sha256 = check_sha256_text(expected_sha256)
        got = hashlib.sha256(pack.read_bytes()).hexdigest()
        if got != expected_sha256.lower():
            raise ForcingError(
                f"{pack.name} was damaged in transit: SHA-256 {got[:16]}…, the sender's is "
                f"{expected_sha256[:16]}…; it was not added to the forcing library: ask for "
                "it again"
            )
    try:
        with zipfile.ZipFile(pack) as z:
            manifest = json.loads(z.read(_MANIFEST))
            if manifest.get("format") != PACK_FORMAT:
                raise ForcingError(f"{pack.name}: not a {PACK_FORMAT} pack")
            staging = library.root / ".staging"
            staging.mkdir(parents=True, exist_ok=True)
            target = staging / f"{manifest['pack_id']}.nc"
            target.write_bytes(z.read(_DATA))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ForcingError(
            f"{pack.name} is not a readable forcing pack ({exc}); it was damaged in transit "
            "or is another file: ask for it again"
        ) from None
    licences = sorted({p.get("licence") or "?" for p in manifest["products"]})
    return library.add(
        target, provider="pack", product_id=manifest["pack_id"],
        run_time=manifest.get("run_time"), licence="; ".join(licences),
        expected_sha256=manifest["sha256"], expected_bytes=manifest.get("bytes"),
        name=f"pack/{manifest['pack_id']}.nc", move=True, source="unpack",
        packed_from=tuple(
            {k: p.get(k) for k in ("role", "provider", "product_id", "run_time", "licence",
                                   "sha256")}
            for p in manifest["products"]
        ),
    )  # fmt: skip
