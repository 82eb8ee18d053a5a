"""Exports: files other tools read (CF NetCDF, GeoJSON, PNG maps, ...)."""
