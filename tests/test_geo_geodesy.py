"""WGS84 geodesy helpers against known values and round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import (
    destination,
    eta_h,
    geodesic_distance_m,
    geodesic_distance_nm,
    initial_bearing_deg,
    m_to_nm,
    nm_to_m,
)


def test_known_distances() -> None:
    # A quarter meridian on WGS84 is 10,001,965.729 m (Karney 2013).
    assert float(geodesic_distance_m(0, 0, 0, 90)) == pytest.approx(10_001_965.729, abs=1e-3)
    # One minute of latitude is close to one nautical mile at mid latitudes.
    assert float(geodesic_distance_nm(12.5, 45.0, 12.5, 45.0 + 1 / 60)) == pytest.approx(
        1.0, abs=0.002
    )


def test_unit_conversions() -> None:
    assert float(nm_to_m(12)) == 22224.0
    assert float(m_to_nm(nm_to_m(24))) == 24.0


def test_arrays_broadcast() -> None:
    d = geodesic_distance_nm(12.5, 33.2, np.array([12.5, 13.5]), np.array([33.2, 33.2]))
    assert d.shape == (2,)
    assert d[0] == 0.0
    assert d[1] > 49


@given(
    st.floats(5, 27),
    st.floats(29, 43),
    st.floats(0, 360),
    st.floats(1, 500_000),
)
def test_destination_then_distance_round_trip(
    lon: float, lat: float, az: float, dist: float
) -> None:
    lon2, lat2 = destination(lon, lat, az, dist)
    assert float(geodesic_distance_m(lon, lat, lon2, lat2)) == pytest.approx(dist, abs=1e-6)


def test_eta() -> None:
    assert float(eta_h(25.0, 10.0)) == 2.5
    with pytest.raises(InputError, match="positive number of knots"):
        eta_h(10, 0)


def test_bearings_are_degrees_true_clockwise_from_north() -> None:
    # Cardinal directions from a point off Lampedusa, and a point due north-east-ish:
    # Valletta lies east-north-east of Lampedusa (about 070°T), Zuwara a little west of
    # south (about 189°T).
    lon, lat = 12.6, 35.3
    assert float(initial_bearing_deg(lon, lat, lon, lat + 0.5)) == pytest.approx(0.0, abs=1e-9)
    assert float(initial_bearing_deg(lon, lat, lon, lat - 0.5)) == pytest.approx(180.0)
    assert float(initial_bearing_deg(lon, lat, lon + 0.5, lat)) == pytest.approx(90.0, abs=0.2)
    assert float(initial_bearing_deg(lon, lat, lon - 0.5, lat)) == pytest.approx(270.0, abs=0.2)
    assert 60 < float(initial_bearing_deg(12.601, 35.494, 14.5167, 35.9)) < 80
    assert 185 < float(initial_bearing_deg(12.601, 35.494, 12.1016, 32.9259)) < 195
    assert float(initial_bearing_deg(lon, lat, lon, lat)) == 0.0


@given(
    st.floats(5, 27),
    st.floats(29, 43),
    st.floats(0, 359.999),
    st.floats(100, 500_000),
)
def test_bearing_then_destination_round_trip(
    lon: float, lat: float, az: float, dist: float
) -> None:
    lon2, lat2 = destination(lon, lat, az, dist)
    got = float(initial_bearing_deg(lon, lat, lon2, lat2))
    assert 0.0 <= got < 360.0
    assert min(abs(got - az), 360.0 - abs(got - az)) == pytest.approx(0.0, abs=1e-6)
