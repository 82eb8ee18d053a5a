"""The station's forcing library: forecast files with where they came from.

The library is the folder ``<home_dir>/forcing`` and its index ``library.json``: one
entry per file with its provider, product id, forecast run time, licence, the roles
and variables it holds, its time span and area, its size and SHA-256. Files enter it
only through :meth:`ForcingLibrary.add`, which reads them as the drift reader will
(units of speed, times, grid) and checks their hash when one is expected: a download
damaged in transit never enters it. Drift runs pick their forcing from it
(:mod:`sarwatch.services.forcing_choice`).

The index is rewritten whole and atomically (a temporary file, then ``os.replace``);
a lock serialises the writers of one process.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.errors import ConflictError, ForcingError, InputError, NotFoundError
from sarwatch.services.provenance import file_digest

__all__ = [
    "INDEX_NAME",
    "LICENCES",
    "ForcingLibrary",
    "ForcingSource",
    "LibraryEntry",
    "check_sha256_text",
    "library_root",
]

INDEX_NAME = "library.json"
_VERSION = 1
_SHA256_HEX = frozenset("0123456789abcdef")


def check_sha256_text(value: str, what: str = "--sha256") -> str:
    """``value`` lower-cased if it is a whole SHA-256 (64 hex digits).

    A shortened hash (``77df1513…``, as the listings print it) is not taken for a
    mismatch, which would call an intact file "damaged in transit".

    Raises
    ------
    InputError
        Saying how many digits came and where the whole hash is printed.
    """
    text = value.strip().lower()
    if len(text) != 64 or not set(text) <= _SHA256_HEX:
        raise InputError(
            f"{what} {value!r} is not a whole SHA-256 ({len(text)} characters, 64 hex "
            "digits needed): give the whole hash, as the 'aboard:' line of "
            "`sarwatch forcing pack` prints it"
        )
    return text


_lock = threading.Lock()

#: What each provider's licence asks of whoever uses its data (docs/design/015).
LICENCES = {
    "copernicus-marine": (
        "Copernicus Marine Service licence: free of charge with an account; cite "
        "'E.U. Copernicus Marine Service Information' and the product DOI"
    ),
    "ecmwf-opendata": (
        "CC BY 4.0 (ECMWF open data): attribute 'Copyright ECMWF', state any changes"
    ),
    "gfs": "NOAA/NCEP GFS: US government work, no restrictions; credit NOAA/NCEP",
    "pack": "as the files it was cut from (see their entries)",
    "local": "unknown: files added by hand; check the provider's terms",
}


def library_root(home_dir: Path) -> Path:
    """The station's forcing library folder (``<home_dir>/forcing``)."""
    return Path(home_dir) / "forcing"


def _iso(t: Any) -> str:
    return str(np.datetime64(t, "s")) + "Z"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class ForcingSource:
    """A library file that drives a run: the file, and the product it belongs to.

    Attributes
    ----------
    role
        ``current``, ``wind`` or ``stokes``.
    path
        The file (inside the library).
    provider, product_id, run_time, licence
        Where it came from; ``run_time`` the forecast's run, ISO 8601 UTC (or ``None``).
    sha256
        Its hash when it entered the library.
    """

    role: str
    path: Path
    provider: str
    product_id: str
    run_time: str | None
    licence: str
    sha256: str
    packed_from: tuple[dict[str, Any], ...] = ()

    def product(self) -> dict[str, Any]:
        """What the drift record says of the product (no local path); a pack also names
        the products it was cut from."""
        out: dict[str, Any] = {
            "provider": self.provider,
            "product_id": self.product_id,
            "run_time": self.run_time,
            "licence": self.licence,
        }
        if self.packed_from:
            out["packed_from"] = [dict(p) for p in self.packed_from]
        return out


@dataclass(frozen=True)
class LibraryEntry:
    """One file of the library (times ISO 8601 UTC, area in degrees).

    Attributes
    ----------
    file
        Its name relative to the library folder.
    provider, product_id, run_time, licence
        Where it came from; ``run_time`` is the forecast's run (``None``: unknown).
    roles, variables
        What it holds (``current``/``wind``/``stokes``; ``"uo/vo (current, m s-1)"``).
    time_start, time_end
        First and last valid time.
    area
        ``(lon_min, lat_min, lon_max, lat_max)``.
    bytes, sha256
        Size and hash when it entered.
    added_at, source
        When, and how (``fetch``, ``unpack``, ``import``).
    packed_from
        For a pack: the products it was cut from (role, provider, product id, run time,
        licence, SHA-256 of each source file).
    """

    file: str
    provider: str
    product_id: str
    run_time: str | None
    licence: str
    roles: tuple[str, ...]
    variables: tuple[str, ...]
    time_start: str
    time_end: str
    area: tuple[float, float, float, float]
    bytes: int
    sha256: str
    added_at: str
    source: str = "import"
    packed_from: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LibraryEntry:
        """From the index's JSON form."""
        return cls(
            **{
                **raw,
                "roles": tuple(raw["roles"]),
                "variables": tuple(raw["variables"]),
                "area": tuple(float(x) for x in raw["area"]),
                "packed_from": tuple(raw.get("packed_from", ())),
            }
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        out = asdict(self)
        out["roles"], out["variables"], out["area"] = (
            list(self.roles),
            list(self.variables),
            list(self.area),
        )
        out["packed_from"] = [dict(p) for p in self.packed_from]
        if not self.packed_from:
            del out["packed_from"]
        return out

    @property
    def run(self) -> datetime | None:
        """The forecast's run time (aware UTC), if known."""
        return None if self.run_time is None else _parse(self.run_time)

    @property
    def start(self) -> datetime:
        return _parse(self.time_start)

    @property
    def end(self) -> datetime:
        return _parse(self.time_end)

    def age_h(self, at: datetime) -> float | None:
        """Hours from the forecast's run to ``at`` (``None`` when the run is unknown)."""
        run = self.run
        return None if run is None else (at - run).total_seconds() / 3600.0

    def contains(self, lon: float, lat: float) -> bool:
        """Whether a position lies inside the file's grid."""
        lon_min, lat_min, lon_max, lat_max = self.area
        return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max

    def source_for(self, role: str, root: Path) -> ForcingSource:
        """The :class:`ForcingSource` of this entry for one role."""
        return ForcingSource(
            role=role,
            path=root / self.file,
            provider=self.provider,
            product_id=self.product_id,
            run_time=self.run_time,
            licence=self.licence,
            sha256=self.sha256,
            packed_from=tuple(p for p in self.packed_from if p.get("role") == role),
        )


class ForcingLibrary:
    """The forcing files of a station, under ``root`` (``<home_dir>/forcing``).

    Parameters
    ----------
    root
        The library folder; created on the first :meth:`add`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def index_path(self) -> Path:
        """The index file."""
        return self.root / INDEX_NAME

    def entries(self) -> list[LibraryEntry]:
        """Every entry, in the order they were added (an absent index: none).

        Raises
        ------
        ForcingError
            An index that is not the library's JSON (with where it is and what to do).
        """
        try:
            raw = json.loads(self.index_path.read_text(encoding="utf-8"))
            return [LibraryEntry.from_json(e) for e in raw["files"]]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError) as exc:
            raise ForcingError(
                f"the forcing library's index {self.index_path} is damaged ({exc}); move it "
                "away and add the files again (`sarwatch forcing add FILE ...`)"
            ) from exc

    def get(self, file: str) -> LibraryEntry:
        """The entry of a file (its name relative to the library)."""
        for e in self.entries():
            if e.file == file:
                return e
        raise NotFoundError(f"no file {file!r} in the forcing library {self.root}")

    def path(self, entry: LibraryEntry) -> Path:
        """Where an entry's file lies."""
        return self.root / entry.file

    def _write(self, entries: list[LibraryEntry]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.index_path.with_suffix(".json.tmp")
        body = {"version": _VERSION, "files": [e.to_json() for e in entries]}
        tmp.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.index_path)

    def add(
        self,
        path: Path,
        *,
        provider: str,
        product_id: str,
        run_time: datetime | str | None = None,
        licence: str | None = None,
        expected_sha256: str | None = None,
        expected_bytes: int | None = None,
        name: str | None = None,
        move: bool = False,
        source: str = "import",
        packed_from: tuple[dict[str, Any], ...] = (),
    ) -> LibraryEntry:
        """Check a file and add it to the library (copied, or moved with ``move``).

        Parameters
        ----------
        path
            The file (NetCDF or GRIB2).
        provider, product_id
            Where it came from (``copernicus-marine``, ``cmems_mod_med_phy-cur_anfc_...``).
        run_time
            The forecast's run (aware UTC); default: what the file says, if anything.
        licence
            Default: the provider's from :data:`LICENCES`.
        expected_sha256, expected_bytes
            What the sender says the file is; a file that differs is deleted, never added.
        name
            Its name inside the library (default ``<provider>/<file name>``).
        move
            Move the file instead of copying it (downloads in the library's staging area).
        source
            ``fetch``, ``unpack`` or ``import``.
        packed_from
            For a pack, the products it was cut from.

        Raises
        ------
        ForcingError
            A hash or size that differs from the expected one (the file is deleted), a
            file the drift reader cannot use (no forcing variables, units not a speed).
        ConflictError
            The library holds another file, intact, under the same name.
        """
        from sarwatch.adapters.forcing.inspect import inspect_forcing_file

        path = Path(path)
        if not path.is_file():
            raise InputError(f"forcing file not found: {path}")
        size = path.stat().st_size
        digest = file_digest(path)
        damaged = (expected_sha256 is not None and digest != expected_sha256.lower()) or (
            expected_bytes is not None and size != expected_bytes
        )
        if damaged:
            if move:
                path.unlink(missing_ok=True)
            raise ForcingError(
                f"{path.name} was damaged in transit: SHA-256 {digest[:16]}… and {size} bytes, "
                f"expected {(expected_sha256 or '?')[:16]}… and {expected_bytes or '?'} bytes; "
                "it was not added to the forcing library: fetch (or copy) it again"
            )
        try:
            facts = inspect_forcing_file(path)
        except ForcingError:
            if move:
                path.unlink(missing_ok=True)
            raise
        if run_time is None:
            run_time = facts.reference_time
        run_iso = None
        if run_time is not None:
            run = _parse(run_time) if isinstance(run_time, str) else run_time
            if run.tzinfo is None:
                raise InputError(f"run time {run_time!r} has no time zone; give it in UTC (Z)")
            run_iso = run.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rel = name or f"{provider}/{path.name}"
        target = (self.root / rel).resolve()
        if self.root.resolve() not in target.parents:
            raise InputError(f"library name {rel!r} must lie inside {self.root}")
        entry = LibraryEntry(
            file=rel,
            provider=provider,
            product_id=product_id,
            run_time=run_iso,
            licence=licence or LICENCES.get(provider, LICENCES["local"]),
            roles=tuple(facts.roles),
            variables=facts.variables,
            time_start=_iso(facts.time_start),
            time_end=_iso(facts.time_end),
            area=tuple(round(x, 6) for x in facts.area),  # type: ignore[arg-type]
            bytes=size,
            sha256=digest,
            added_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=source,
            packed_from=tuple(packed_from),
        )
        with _lock:
            held = next((e for e in self.entries() if e.file == rel), None)
            if held is not None and held.sha256 != digest and self.verify(held):
                # a drift record may name it with its hash: never replaced in silence
                if move:
                    path.unlink(missing_ok=True)
                raise ConflictError(
                    f"the forcing library already holds {rel} with other content (SHA-256 "
                    f"{held.sha256[:16]}…, added {held.added_at}); drift runs and case "
                    "records may name it with that hash, so it is not replaced: add this "
                    "file under another name (rename it, or give another --provider)"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.resolve() != target:
                if move:
                    shutil.move(path, target)
                else:
                    shutil.copyfile(path, target)
            kept = [e for e in self.entries() if e.file != rel]
            self._write([*kept, entry])
        return entry

    def verify(self, entry: LibraryEntry) -> bool:
        """Whether the file is still the one that entered (same SHA-256)."""
        p = self.path(entry)
        return p.is_file() and file_digest(p) == entry.sha256
