"""GRIB2 forcing files (ECMWF open data, GFS) read by cfgrib/ecCodes into CF datasets.

cfgrib maps GRIB messages onto the CF data model; a forecast comes out with a
``step`` dimension, a scalar reference ``time`` and ``valid_time`` coordinates (and a
``time`` dimension too when the file holds several runs). The drift reader wants one
``time`` axis of valid times, so :func:`open_grib` turns each hypercube into that:
valid times ascending, and where several runs give the same valid time the latest run
wins. The run's reference time is kept as the dataset attribute
``forecast_reference_time`` (ISO 8601 UTC).

A GRIB file is recognised by its first four bytes (``GRIB``), whatever its name.
cfgrib writes no index file next to the data (``indexpath=""``): the forcing library
may be read-only and its files are hashed.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.errors import ForcingError

__all__ = ["is_grib", "open_grib"]

_MAGIC = b"GRIB"


def is_grib(path: Path) -> bool:
    """Whether a file starts with the GRIB magic bytes (editions 1 and 2)."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(4) == _MAGIC
    except OSError:
        return False


def _valid_time_axis(ds: Any) -> Any:
    """One ``time`` dimension of valid times (latest run first for duplicates)."""
    import xarray as xr

    ref = ds["time"] if "time" in ds.coords else None
    attrs: dict[str, str] = {}
    if ref is not None and ref.ndim == 0:
        attrs["forecast_reference_time"] = str(ref.values.astype("datetime64[s]")) + "Z"
    elif ref is not None:
        attrs["forecast_reference_time"] = str(ref.values.max().astype("datetime64[s]")) + "Z"
    if "valid_time" not in ds.coords:
        raise ForcingError("a GRIB hypercube without valid times (cfgrib 'valid_time')")
    dims = [d for d in ("time", "step") if d in ds.dims]
    vt = ds["valid_time"]
    if not dims:  # a single message: one valid time
        out = ds.drop_vars([c for c in ("time", "step") if c in ds.coords])
        out = out.rename({"valid_time": "time"}).expand_dims("time")
    elif len(dims) == 1:
        out = ds.swap_dims({dims[0]: "valid_time"})
        out = out.drop_vars([c for c in ("time", "step") if c in out.coords])
        out = out.rename({"valid_time": "time"})
    else:  # several runs (time) x steps: each valid time from the latest run
        vals = np.asarray(vt.transpose("time", "step").values)
        runs = np.broadcast_to(np.asarray(ds["time"].values)[:, None], vals.shape)
        order = np.lexsort((-runs.ravel().astype("int64"), vals.ravel()))
        flat_v = vals.ravel()[order]
        first = np.concatenate([[True], flat_v[1:] != flat_v[:-1]])
        keep = order[first]
        keep = keep[~np.isnat(vals.ravel()[keep])]
        ti, si = np.divmod(keep, vals.shape[1])
        pick = {"time": xr.DataArray(ti, dims="vt"), "step": xr.DataArray(si, dims="vt")}
        out = ds.isel(pick).drop_vars(["time", "step"], errors="ignore")
        out = out.assign_coords(vt=("vt", vals.ravel()[keep])).drop_vars("valid_time")
        out = out.rename({"vt": "time"})
    out["time"].attrs.update({"standard_name": "time", "axis": "T"})
    out = out.sortby("time")
    out.attrs.update(attrs)
    return out


def open_grib(path: Path, wanted: Any = None) -> list[Any]:
    """The hypercubes of a GRIB file as datasets with one ``time`` axis of valid times.

    Parameters
    ----------
    path
        A GRIB (edition 1 or 2) file.
    wanted
        Optional predicate on a dataset: only the hypercubes it accepts are turned into
        valid-time datasets (the others are skipped unread).

    Returns
    -------
    list of xarray.Dataset
        One per hypercube (cfgrib splits a file by level type, step type and grid),
        lazily loaded.

    Raises
    ------
    ForcingError
        The file cannot be decoded by ecCodes.
    """
    try:
        import cfgrib
    except ImportError as exc:  # pragma: no cover - cfgrib is a dependency
        raise ForcingError(
            f"{path}: a GRIB file needs cfgrib and ecCodes (pip install cfgrib eccodes)"
        ) from exc
    try:
        with warnings.catch_warnings():  # cfgrib's own merge uses xarray's old defaults
            warnings.simplefilter("ignore", FutureWarning)
            cubes = cfgrib.open_datasets(str(path), backend_kwargs={"indexpath": ""}, cache=False)
    except Exception as exc:  # ecCodes raises its own family, cfgrib others
        raise ForcingError(
            f"{path}: not a readable GRIB file ({type(exc).__name__}: {exc}); check that the "
            "download finished (`grib_ls FILE` lists its messages)"
        ) from exc
    return [_valid_time_axis(ds) for ds in cubes if wanted is None or wanted(ds)]
