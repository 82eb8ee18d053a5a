"""Vessels at sea, as the AIS picture shows them (core: no I/O).

:mod:`sarwatch.vessels.types` holds the values (a position report, a vessel's
static data, a vessel's current state and its kind); :mod:`sarwatch.vessels.picture`
keeps the live picture in memory (last state per MMSI and recent tracks). Decoding
AIS lives in :mod:`sarwatch.adapters.ais`; ranking responders in the services.
"""
