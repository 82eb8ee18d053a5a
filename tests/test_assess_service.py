"""services.assess_position: facts, ranking, policy and errors.

The ranking and policy logic is tested here with ``StraightLineRouter``, a
deterministic router whose routes are single geodesics (so expected sea distances
are known exactly); the real sea router is exercised in ``test_assess_routing.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Geod

from sarwatch.errors import DataError, InputError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.geo.srr import srr_at
from sarwatch.geo.zones import assess_coast
from sarwatch.services.assess import assess_position, assess_positions
from sarwatch.settings import Settings


@dataclass(frozen=True)
class _Line:
    coords: np.ndarray
    distance_nm: float

    def to_geojson(self) -> dict[str, Any]:
        return {"type": "LineString", "coordinates": self.coords.tolist()}


class StraightLineRouter:
    """Routes are straight geodesics; ports in ``unreachable`` get None."""

    def __init__(self, unreachable: Sequence[tuple[float, float]] = ()) -> None:
        self.unreachable = set(unreachable)
        self.calls: list[tuple[tuple[float, float], list[tuple[float, float]]]] = []

    def routes_from(
        self, origin: tuple[float, float], destinations: Sequence[tuple[float, float]]
    ) -> list[_Line | None]:
        self.calls.append((origin, list(destinations)))
        out: list[_Line | None] = []
        for d in destinations:
            if d in self.unreachable:
                out.append(None)
                continue
            dist = float(geodesic_distance_nm(origin[0], origin[1], d[0], d[1]))
            out.append(_Line(np.array([origin, d]), dist))
        return out


REQUIRED_FIELDS = {
    "lat",
    "lon",
    "on_land",
    "distance_to_coast_nm",
    "nearest_coast_state",
    "zone",
    "zone_state",
    "srr",
    "rccs",
    "places_of_safety",
    "excluded_ports",
    "rules",
}


def test_json_has_the_fields_the_issue_promises() -> None:
    d = assess_position(12.5, 33.2, router=StraightLineRouter()).to_dict()
    assert set(d) >= REQUIRED_FIELDS
    json.dumps(d)  # plain types only
    assert d["srr"] == ["LY"]
    assert d["nearest_coast_state"] == "LY"
    assert d["zone"] == "contiguous_zone"
    for place in d["places_of_safety"]:
        assert set(place) >= {"port", "country", "sea_distance_nm", "eta_h", "route"}
        assert place["route"]["type"] == "LineString"
    for rcc in d["rccs"]:
        assert rcc["verify_before_use"] is True
        assert rcc["source"] and rcc["retrieved"]


def test_overlapping_sar_regions_name_both_rccs_with_contacts() -> None:
    a = assess_position(12.6, 35.4, router=StraightLineRouter())  # south of Lampedusa
    assert a.srr == ("IT", "MT")
    names = [r.name for r in a.rccs]
    assert names[0].startswith("MRCC Rome") and names[1].startswith("RCC Malta")
    assert any(c["value"] == "+39 06 5908 4527" for c in a.rccs[0].contacts)


def test_libyan_ports_are_never_offered_under_the_default_policy() -> None:
    rng = np.random.default_rng(98)
    lon, lat = rng.uniform(10.5, 23.0, 120), rng.uniform(31.0, 35.5, 120)
    at_sea = ~assess_coast(lon, lat).on_land
    assert at_sea.sum() >= 60
    for x, y in zip(lon[at_sea][:60], lat[at_sea][:60], strict=True):
        a = assess_position(x, y, router=StraightLineRouter())
        assert all(p.port.country != "LY" for p in a.places_of_safety)
        assert len([p for p in a.places_of_safety if p.status.status == "eligible"]) == 5
        libyan = [e for e in a.excluded_ports if e.port.country == "LY"]
        assert libyan, "the nearest Libyan ports are listed as excluded"
        for e in libyan:
            assert "UNHCR" in e.status.source and "2020" in e.status.source
            assert e.status.reason


def test_tunisian_ports_are_shown_flagged_contested_not_silently_decided() -> None:
    a = assess_position(11.6, 33.7, router=StraightLineRouter())  # off Zarzis
    tunisian = [p for p in a.places_of_safety if p.port.country == "TN"]
    assert tunisian, "near Zarzis the Tunisian ports are nearer than any eligible one"
    d = a.to_dict()
    for p in d["places_of_safety"]:
        if p["country"] == "TN":
            assert p["status"] == "contested"
            assert p["flag"]["reason"] and p["flag"]["source"]
        else:
            assert p["status"] == "eligible" and p["flag"] is None
    assert any("contested" in n for n in d["notes"])


def test_places_are_ranked_by_sea_distance_with_eta_at_the_given_speed() -> None:
    a = assess_position(14.0, 34.5, speed_kn=8.0, router=StraightLineRouter())
    dists = [p.sea_distance_nm for p in a.places_of_safety]
    assert dists == sorted(dists)
    for p in a.places_of_safety:
        assert p.eta_h == pytest.approx(p.sea_distance_nm / 8.0)
        assert p.sea_distance_nm == pytest.approx(
            float(geodesic_distance_nm(14.0, 34.5, p.port.lon, p.port.lat))
        )
    assert a.places_of_safety[0].port.name in {
        "Lampedusa",
        "Marsaxlokk",
        "Valletta (Grand Harbour)",
    }


def test_unreachable_ports_are_reported_not_ranked() -> None:
    lampedusa = (12.601, 35.494)
    a = assess_position(12.6, 35.0, router=StraightLineRouter(unreachable=[lampedusa]))
    assert "Lampedusa" in a.unreachable_ports
    assert all(p.port.name != "Lampedusa" for p in a.places_of_safety)


def test_a_position_on_land_is_answered_with_the_nearest_sea_point() -> None:
    router = StraightLineRouter()
    a = assess_position(14.44, 35.88, router=router)  # inland Malta
    assert a.on_land and a.zone == "internal_or_land"
    assert a.nearest_sea_point is not None
    assert not assess_coast(*a.nearest_sea_point).on_land[0]
    assert router.calls[0][0] == a.nearest_sea_point, "routes start from the sea point"
    assert "unclos-98-1" not in [r.rule.rule_id for r in a.rules]


def test_user_policy_file_overrides_the_packaged_policy(tmp_path: Path) -> None:
    doc = {
        "policy_id": "my-ngo",
        "version": "2026-01-01",
        "countries": {
            "LY": {"status": "excluded", "reason": "r", "source": "s", "source_date": "2020-09"},
            "TN": {
                "status": "excluded",
                "reason": "ours",
                "source": "board",
                "source_date": "2026",
            },
        },
    }
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    a = assess_position(
        11.6, 33.7, settings=Settings(pos_policy_file=path), router=StraightLineRouter()
    )
    assert all(p.port.country not in ("TN", "LY") for p in a.places_of_safety)
    assert a.to_dict()["pos_policy"] == {
        "policy_id": "my-ngo",
        "version": "2026-01-01",
        "origin": str(path),
    }


def test_a_user_policy_offering_libyan_ports_says_the_packaged_policy_excludes_them(
    tmp_path: Path,
) -> None:
    """A policy file that leaves Libya out makes Libyan ports eligible: the answer offers
    them (the user's policy rules), and says, port by port, that sarwatch's packaged policy
    excludes them and why (UNHCR)."""
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"policy_id": "no-list", "version": "2026-01-01"}), "utf-8")
    a = assess_position(
        12.0, 33.0, settings=Settings(pos_policy_file=path), router=StraightLineRouter()
    )
    libyan = [p.port.name for p in a.places_of_safety if p.port.country == "LY"]
    assert libyan  # off Zuwara the nearest ports are Libyan
    notes = [n for n in a.notes if "packaged policy excludes it" in n]
    assert len(notes) == len(libyan)
    assert all("UNHCR" in n and "no-list" in n for n in notes)
    # the packaged policy and a user's that excludes Libya too: no such note
    packaged = assess_position(12.0, 33.0, router=StraightLineRouter())
    assert not any("packaged policy excludes it" in n for n in packaged.notes)


def test_a_policy_that_excludes_without_a_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(
        json.dumps({"policy_id": "x", "version": "1", "countries": {"MT": {"status": "excluded"}}}),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="needs reason, source, source_date"):
        assess_position(14.0, 34.5, settings=Settings(pos_policy_file=path))
    with pytest.raises(DataError, match="cannot read the place-of-safety policy"):
        assess_position(14.0, 34.5, settings=Settings(pos_policy_file=tmp_path / "missing.json"))


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"lon": 12.5, "lat": 95.0}, InputError, "latitude must be"),
        ({"lon": 200.0, "lat": 33.0}, InputError, "longitude must be"),
        ({"lon": 12.5, "lat": 33.2, "speed_kn": 0.0}, InputError, "positive number of knots"),
        ({"lon": 12.5, "lat": 33.2, "situation": "x"}, InputError, "situation must be"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs: dict[str, Any], error: type, fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        assess_position(router=StraightLineRouter(), **kwargs)


def test_batch_matches_single_assessments() -> None:
    lon = np.array([12.5, 12.6, 14.44, 11.6])
    lat = np.array([33.2, 35.4, 35.88, 33.7])
    batch = assess_positions(lon, lat)
    srr = batch.srr_lists()
    for i in range(lon.size):
        one = assess_position(lon[i], lat[i], route=False)
        assert one.zone == batch.zone[i]
        assert one.distance_to_coast_nm == pytest.approx(batch.distance_to_coast_nm[i])
        assert list(one.srr) == srr[i]
        assert one.on_land == bool(batch.on_land[i])
    with pytest.raises(InputError, match="position 2 is not a valid"):
        assess_positions([12.5, 12.5], [33.0, 91.0])


def test_on_land_the_sar_regions_are_those_of_the_nearest_sea_point() -> None:
    a = assess_position(11.5, 33.0, route=False)  # inland, near the Tunisian-Libyan border
    assert a.on_land and a.nearest_sea_point is not None
    sea_lon, sea_lat = a.nearest_sea_point
    assert a.srr and list(a.srr) == srr_at(sea_lon, sea_lat)
    assert [r.srr_id for r in a.rccs] == list(a.srr)
    assert any("nearest sea point" in n for n in a.notes)


def test_outside_the_packaged_regions_the_answer_says_so() -> None:
    from sarwatch.geo.coast import Region, land_mask_for

    a = assess_position(-4.4, 36.5, router=StraightLineRouter())  # off Málaga, Spain
    assert not a.on_land and a.srr == () and a.rccs == () and a.places_of_safety == ()
    assert any("outside the packaged regions" in n for n in a.notes)
    # Distance to the Spanish coast: brute force on the tiles' polygons within 1°.
    land = land_mask_for(Region(-5.5, 35.5, -3.3, 37.5)).polygons
    box = shapely.box(-5.4, 35.5, -3.4, 37.5)
    coords = shapely.get_coordinates(
        shapely.segmentize(shapely.intersection(shapely.boundary(land), box), 0.0005)
    )
    n = coords.shape[0]
    _, _, d = Geod(ellps="WGS84").inv(
        np.full(n, -4.4), np.full(n, 36.5), coords[:, 0], coords[:, 1]
    )
    assert a.distance_to_coast_nm == pytest.approx(d.min() / 1852.0, abs=0.2)
    assert a.zone == ("territorial_sea" if a.distance_to_coast_nm <= 12 else "contiguous_zone")
    inland = assess_position(-3.60, 37.18, route=False)  # Granada
    assert inland.on_land and inland.zone == "internal_or_land"
    assert inland.nearest_sea_point is not None
    sea = inland.nearest_sea_point
    assert not land_mask_for(
        Region(sea[0] - 0.1, sea[1] - 0.1, sea[0] + 0.1, sea[1] + 0.1)
    ).contains(sea[0], sea[1])
    assert 36.6 < sea[1] < 36.8  # the coast of Granada province, south of the city


def test_batch_answers_positions_outside_the_packaged_regions_too() -> None:
    batch = assess_positions([12.5, -4.4], [33.2, 36.5])  # off Libya, off Málaga
    assert batch.outside.tolist() == [False, True]
    single = assess_position(-4.4, 36.5, route=False)
    assert batch.distance_to_coast_nm[1] == pytest.approx(single.distance_to_coast_nm)
    assert batch.zone[1] == single.zone and batch.srr_lists()[1] == []


def _ports_by_name(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["port"]: p for p in d["places_of_safety"] + d["excluded_ports"]}


def test_bearings_are_whole_degrees_true_to_the_ports_and_the_coast() -> None:
    # 11 nm due south of Lampedusa harbour: the island and its port bear north, the
    # Libyan departure ports south (Zuwara a little west of south, Tripoli east of it).
    d = assess_position(12.6, 35.3, router=StraightLineRouter()).to_dict()
    ports = _ports_by_name(d)
    assert ports["Lampedusa"]["bearing_deg_true"] in (0, 1, 359)
    assert 185 <= ports["Zuwara"]["bearing_deg_true"] <= 195
    assert 160 <= ports["Tripoli"]["bearing_deg_true"] <= 175
    assert d["bearing_to_coast_deg_true"] in (0, 1, 2, 358, 359)
    coast = d["nearest_coast_point"]
    assert 35.45 < coast["lat"] < 35.55 and 12.4 < coast["lon"] < 12.7  # Lampedusa's coast
    # Off Malta's south-east coast: Marsaxlokk bears north-west, Valletta more to the north.
    d = assess_position(14.6, 35.75, router=StraightLineRouter()).to_dict()
    ports = _ports_by_name(d)
    assert 300 <= ports["Marsaxlokk"]["bearing_deg_true"] <= 340
    assert (
        ports["Marsaxlokk"]["bearing_deg_true"]
        < ports["Valletta (Grand Harbour)"]["bearing_deg_true"]
    )
    for p in ports.values():
        assert isinstance(p["bearing_deg_true"], int) and 0 <= p["bearing_deg_true"] < 360


def test_the_distance_and_bearing_lead_to_the_nearest_coast() -> None:
    # Following the bearing for the distance from the position reaches the coast point.
    from sarwatch.geo.geodesy import destination, nm_to_m

    a = assess_position(12.1, 33.26, route=False)  # 16 nm off Zuwara / Abu Kammash
    assert a.nearest_coast_point is not None and a.bearing_to_coast_deg_true is not None
    lon, lat = destination(
        a.lon, a.lat, a.bearing_to_coast_deg_true, float(nm_to_m(a.distance_to_coast_nm))
    )
    assert float(geodesic_distance_nm(lon, lat, *a.nearest_coast_point)) < 0.01
    assert a.to_dict()["distance_to_coast_nm"] == round(a.distance_to_coast_nm, 2)


@pytest.mark.parametrize(
    ("lon", "lat", "srr"),
    [
        (12.6, 35.4, ["IT", "MT"]),  # south of Lampedusa
        (11.6, 34.6, ["MT", "TN"]),  # east of the Kerkennah islands
        (13.0, 34 + 20 / 60, ["MT", "LY"]),  # on 34°20'N, where the regions meet
    ],
)
def test_overlapping_regions_are_stated_as_overlapping_not_resolved(
    lon: float, lat: float, srr: list[str]
) -> None:
    a = assess_position(lon, lat, route=False)
    assert list(a.srr) == srr and [r.srr_id for r in a.rccs] == srr
    (note,) = [n for n in a.notes if "more than one SAR region" in n]
    assert ", ".join(srr) in note and "does not decide" in note and "2.1.7" in note


def test_a_position_in_one_sar_region_has_no_overlap_note() -> None:
    a = assess_position(12.1, 33.26, route=False)  # off Zuwara, Libyan SRR only
    assert a.srr == ("LY",)
    assert not [n for n in a.notes if "more than one SAR region" in n]


def test_the_case_record_names_the_nearest_eligible_place_not_a_contested_port() -> None:
    # Off Zuwara, Zarzis (Tunisia, contested) is nearer than Lampedusa: the case timeline
    # called Zarzis "the nearest place of safety"; it must name Lampedusa, Zarzis flagged.
    from sarwatch.services.attachments import describe_attachment

    d = assess_position(12.1, 33.26, router=StraightLineRouter()).to_dict()
    assert d["places_of_safety"][0]["port"] == "Zarzis"
    text = describe_attachment("assessment", {"result": d})
    lampedusa = next(p for p in d["places_of_safety"] if p["port"] == "Lampedusa")
    nearest = f"nearest place of safety by sea Lampedusa (IT, {lampedusa['sea_distance_nm']:g} nm)"
    assert nearest in text
    assert "nearer, contested: Zarzis (TN, " in text
    assert "place of safety by sea Zarzis" not in text


def test_a_position_in_no_packaged_region_says_which_are_packaged_and_what_to_check() -> None:
    # Off Annaba, in Algeria's SAR region, which sarwatch does not hold: the answer must
    # not read as "no SAR region here".
    a = assess_position(7.0, 37.5, route=False)
    assert a.srr == () and a.rccs == () and a.nearest_coast_state == "DZ"
    (note,) = [n for n in a.notes if "none of the packaged SAR regions" in n]
    assert "(IT, MT, LY, TN, GR, EG)" in note
    assert "another State's region" in note and "GISIS" in note
