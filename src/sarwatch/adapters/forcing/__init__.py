"""Forcing adapters: CF-NetCDF files and on-scene observations into core vector fields."""

from sarwatch.adapters.forcing.netcdf import describe_variables, open_vector_field
from sarwatch.adapters.forcing.onscene import KNOT_MS, current_towards, wind_from

__all__ = ["KNOT_MS", "current_towards", "describe_variables", "open_vector_field", "wind_from"]
