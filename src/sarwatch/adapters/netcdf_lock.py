"""One conversation with the netCDF-C and HDF5 libraries at a time in a process.

Neither library is thread-safe as the installed wheels build them, and xarray's own
locks cover its reads but not every close (a dataset the garbage collector closes on
another thread). Four threads opening and reading two forcing files at once, as two
drift jobs of a station do, read "NetCDF: HDF error" or crashed the process with a bus
error (``tests/test_forcing_open_fast.py``). So every sarwatch adapter that opens a NetCDF
file holds :data:`NETCDF_LOCK` from the open to the close, and closes before letting
go; it is taken before xarray's ``HDF5_LOCK``, never after. ``h5py`` has its own copy of
HDF5 and its own lock.
"""

from __future__ import annotations

import threading

__all__ = ["NETCDF_LOCK"]

#: Held (re-entrantly) from opening a NetCDF file to closing it.
NETCDF_LOCK = threading.RLock()
