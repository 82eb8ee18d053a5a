"""The configured coastline cache (``SARWATCH_CACHE_DIR``) is the one the case service
and the case report read: a station never rebuilds the coastline in the default cache
when the configured one holds it."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sarwatch.domain import PositionReport, Source
from sarwatch.services.container import Station
from sarwatch.settings import Settings


@pytest.fixture
def configured_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, land_mask) -> Path:
    """A cache directory holding the packaged region's coastline files; the default cache
    is an empty directory, and extracting the coastline anew fails the test."""
    import sarwatch.geo.coast as coast
    import sarwatch.geo.zones as zones
    from sarwatch.geo.coast import REGION, _region_key, default_cache_dir

    key = _region_key(REGION)
    cache = tmp_path / "configured-cache"
    cache.mkdir()
    copied = [
        shutil.copy2(path, cache / path.name)
        for path in default_cache_dir().iterdir()
        if path.is_file() and path.stem.endswith(key)
    ]
    assert len(copied) >= 3  # the land polygons, the mask and the coast index
    empty = tmp_path / "default-cache"
    empty.mkdir()
    for module in (coast, zones):
        monkeypatch.setattr(module, "default_cache_dir", lambda: empty)

    def no_extraction(regions: object) -> object:
        raise AssertionError("the coastline was extracted again: the configured cache was ignored")

    monkeypatch.setattr(coast, "_extract_many", no_extraction)
    return cache


def _station(tmp_path: Path, cache: Path) -> Station:
    from sarwatch.adapters.store import MemoryStore

    return Station(Settings(home_dir=tmp_path / "home", cache_dir=cache), store=MemoryStore())


def test_a_position_on_land_is_flagged_from_the_configured_cache(
    tmp_path: Path, configured_cache: Path
) -> None:
    station = _station(tmp_path, configured_cache)
    # 0.07 nm inside Lampedusa's coastline (issue 9): recorded, flagged, sea point given
    on_land = PositionReport(
        time=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
        lon=12.603,
        lat=35.497,
        kind="gps",
        source=Source("test"),
    )
    record = station.cases.open_case(
        title="boat", alert_time=datetime(2026, 3, 1, 2, 5, tzinfo=UTC), actor="t", position=on_land
    )
    position = station.cases.get(record.case_id).positions[0]
    assert position.on_land is not None
    assert (position.on_land.sea_lon, position.on_land.sea_lat) != (12.603, 35.497)
    assert record.case_id.split("-")[-2] == "IT"  # its nearest sea point: the Italian SAR region
    station.close()


def test_the_evidence_bundle_map_reads_the_configured_cache(
    tmp_path: Path, configured_cache: Path
) -> None:
    from sarwatch.services.evidence import build_bundle, verify_bundle

    station = _station(tmp_path, configured_cache)
    service = station.cases
    at_sea = PositionReport(
        time=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
        lon=12.5,
        lat=34.9,
        kind="gps",
        source=Source("test"),
    )
    record = service.open_case(
        title="boat", alert_time=datetime(2026, 3, 1, 2, 5, tzinfo=UTC), actor="t", position=at_sea
    )
    out = build_bundle(service, record.case_id, tmp_path / "bundle.zip").path
    with zipfile.ZipFile(out) as zf:
        assert {"map.png", "report.pdf", "report.html"} <= set(zf.namelist())
    assert verify_bundle(out).ok
    station.close()
