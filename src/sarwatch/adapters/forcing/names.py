"""The alias table: how each forcing role is found in a CF-NetCDF file.

Variables are matched first by CF ``standard_name`` pairs, then by the variable
names that common products use without (or with non-standard) standard names:
ERA5 ``u10/v10`` (often delivered without ``standard_name``), CMEMS ``uo/vo``,
HYCOM ``water_u/water_v``, GFS ``x_wind/y_wind`` (grid-relative, equal to
eastward/northward on a regular lat/lon grid), ROMS ``u/v``, WRF ``U10/V10``, NEMO
``vozocrtx/vomecrty``, WAVEWATCH/CMEMS Stokes drift ``VSDX/VSDY`` or ``uuss/vuss``.

:func:`is_earth_relative` says whether a pair points east/north or along the grid's
axes (which matters on projected and curvilinear grids only).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "COORD_NAMES",
    "ROLES",
    "STANDARD_NAME_PAIRS",
    "VARIABLE_NAME_PAIRS",
    "Role",
    "is_earth_relative",
]

Role = Literal["current", "wind", "stokes"]
ROLES: tuple[Role, ...] = ("current", "wind", "stokes")

STANDARD_NAME_PAIRS: dict[Role, tuple[tuple[str, str], ...]] = {
    "current": (
        ("eastward_sea_water_velocity", "northward_sea_water_velocity"),
        ("surface_eastward_sea_water_velocity", "surface_northward_sea_water_velocity"),
        ("x_sea_water_velocity", "y_sea_water_velocity"),
        ("sea_water_x_velocity", "sea_water_y_velocity"),
        ("surface_sea_water_x_velocity", "surface_sea_water_y_velocity"),
        ("baroclinic_eastward_sea_water_velocity", "baroclinic_northward_sea_water_velocity"),
    ),
    "wind": (
        ("eastward_wind", "northward_wind"),
        ("x_wind", "y_wind"),
    ),
    "stokes": (
        (
            "sea_surface_wave_stokes_drift_eastward_velocity",
            "sea_surface_wave_stokes_drift_northward_velocity",
        ),
        ("sea_surface_wave_stokes_drift_x_velocity", "sea_surface_wave_stokes_drift_y_velocity"),
    ),
}

VARIABLE_NAME_PAIRS: dict[Role, tuple[tuple[str, str], ...]] = {
    "current": (
        ("uo", "vo"),
        ("water_u", "water_v"),
        ("u", "v"),
        ("uos", "vos"),
        ("ucur", "vcur"),
        ("vozocrtx", "vomecrty"),
        ("u_surface", "v_surface"),
    ),
    "wind": (
        ("u10", "v10"),
        ("x_wind", "y_wind"),
        ("x_wind_10m", "y_wind_10m"),
        ("U10", "V10"),
        ("10u", "10v"),
        ("uwnd", "vwnd"),
        ("u10m", "v10m"),
    ),
    "stokes": (("VSDX", "VSDY"), ("uuss", "vuss"), ("ust", "vst")),
}

COORD_NAMES = {
    "lon": ("longitude", "lon", "nav_lon", "x", "lon_0"),
    "lat": ("latitude", "lat", "nav_lat", "y", "lat_0"),
    "time": ("time", "valid_time", "time_counter", "ocean_time", "MT", "t", "Time"),
    "depth": (
        "depth",
        "deptht",
        "depthu",
        "depthv",
        "z",
        "lev",
        "level",
        "Depth",
        "s_rho",
        "bottom_top",
        "height",
    ),
}


def is_earth_relative(standard_name: str | None, long_name: str | None = None) -> bool:
    """Whether a vector component points east (or north) rather than along a grid axis.

    CF names say it: ``eastward_*``/``northward_*`` are earth-relative, ``x_*``/``*_x_*``
    are along the grid's x axis. Without a standard name, a ``long_name`` that says
    east/north counts as earth-relative; anything else is taken as grid-relative, as
    ROMS, WRF and NEMO write their components (on a regular lon/lat grid the two agree).

    Examples
    --------
    >>> is_earth_relative("eastward_wind"), is_earth_relative("x_wind")
    (True, False)
    >>> is_earth_relative(None, "Eastward current"), is_earth_relative(None, "u-momentum")
    (True, False)
    """
    if standard_name:
        return "eastward" in standard_name or "northward" in standard_name
    text = (long_name or "").lower()
    return any(w in text for w in ("eastward", "northward", "east component", "north component"))
