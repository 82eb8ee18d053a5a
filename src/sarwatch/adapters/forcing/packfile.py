"""Write vector fields as one small CF-NetCDF file: int16 with scale/offset, deflated.

CF's packing (CF 1.11 §8.1): a variable stored as ``short`` with ``scale_factor`` and
``add_offset`` is read back as ``value * scale_factor + add_offset`` by every CF reader
(xarray does it on open). sarwatch packs each component with a fixed step, the
quantum: 1 mm/s for currents and Stokes drift, 1 cm/s for winds — far below the
forecasts' own error, and the rounding error of a value is at most half a quantum.
NaN (land) becomes the ``_FillValue``. The integers are then shuffled and deflated
(zlib level 9), which packs smooth ocean fields several times smaller than float32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.adapters.netcdf_lock import NETCDF_LOCK
from sarwatch.drift.forcing import VectorField
from sarwatch.errors import ForcingError

__all__ = ["QUANTUM_MS", "write_pack_netcdf"]

#: The step each role is rounded to, m/s.
QUANTUM_MS = {"current": 0.001, "stokes": 0.001, "wind": 0.01}
_NAMES = {
    "current": ("uo", "vo", "eastward_sea_water_velocity", "northward_sea_water_velocity"),
    "wind": ("u10", "v10", "eastward_wind", "northward_wind"),
    "stokes": (
        "VSDX",
        "VSDY",
        "sea_surface_wave_stokes_drift_eastward_velocity",
        "sea_surface_wave_stokes_drift_northward_velocity",
    ),
}
_FILL = np.int16(-32768)


def _check_range(values: np.ndarray, quantum: float, where: str) -> None:
    finite = values[np.isfinite(values)]
    if finite.size and float(np.abs(finite).max()) > 32767 * quantum:
        raise ForcingError(f"{where}: values beyond ±{32767 * quantum:g} m/s cannot be packed")


def write_pack_netcdf(
    path: Path, fields: dict[str, VectorField], attrs: dict[str, Any] | None = None
) -> Path:
    """One NetCDF file holding each role's field on its own grid and time axis.

    Parameters
    ----------
    path
        The file to write.
    fields
        By role (``current``, ``wind``, ``stokes``): regular lon/lat fields.
    attrs
        Global attributes (provenance of the pack).

    Returns
    -------
    Path
        ``path``.
    """
    import xarray as xr

    data: dict[str, Any] = {}
    coords: dict[str, Any] = {}
    encoding: dict[str, Any] = {}
    for role, field in fields.items():
        if field.is_uniform:
            raise ForcingError(f"{role}: an on-scene value is not packed; give gridded forcing")
        nt, ny, nx = field.u.shape
        t, y, x = f"time_{role}", f"lat_{role}", f"lon_{role}"
        coords[t] = (
            t,
            field.times.astype("datetime64[ns]"),
            {"standard_name": "time", "axis": "T"},
        )
        coords[y] = (y, (field.lat0 + field.dlat * np.arange(ny)).astype(np.float64),
                     {"standard_name": "latitude", "units": "degrees_north"})  # fmt: skip
        coords[x] = (x, (field.lon0 + field.dlon * np.arange(nx)).astype(np.float64),
                     {"standard_name": "longitude", "units": "degrees_east"})  # fmt: skip
        quantum = QUANTUM_MS[role]
        nu, nv, su, sv = _NAMES[role]
        for name, comp, std in ((nu, field.u, su), (nv, field.v, sv)):
            values = np.asarray(comp, np.float64)
            _check_range(values, quantum, f"{role} {name}")
            data[name] = ((t, y, x), values, {
                "standard_name": std, "units": "m s-1",
                "comment": f"rounded to {quantum:g} m/s; source: {field.name}",
            })  # fmt: skip
            encoding[name] = {
                "dtype": "int16", "scale_factor": quantum, "add_offset": 0.0,
                "_FillValue": _FILL, "zlib": True, "complevel": 9, "shuffle": True,
                "chunksizes": (nt, ny, nx),
            }  # fmt: skip
        encoding[t] = {"units": "minutes since 1970-01-01", "dtype": "int32"}
    ds = xr.Dataset(data, coords=coords, attrs={"Conventions": "CF-1.11", **(attrs or {})})
    with NETCDF_LOCK:
        ds.to_netcdf(path, encoding=encoding, engine="netcdf4")
    return Path(path)
