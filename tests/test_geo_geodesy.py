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
