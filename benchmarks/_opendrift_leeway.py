"""Run OpenDrift's Leeway on the benchmark files (executed by the Python that has opendrift).

Usage: python _opendrift_leeway.py CURRENTS WINDS N HOURS DT_S RADIUS_M SEED OUT.npz
Writes final positions and status, the wall times and the peak RSS. Kept apart from
sarwatch (no sarwatch import) so that the measurement is of OpenDrift alone.
"""

from __future__ import annotations

import resource
import sys
import time

T_IMPORT0 = time.perf_counter()

import numpy as np  # noqa: E402

from _opendrift_result import last_written  # noqa: E402


def main() -> None:
    cur, wind, n, hours, dt_s, radius, seed, out = sys.argv[1:9]
    from datetime import datetime, timedelta

    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_netCDF_CF_generic

    t_setup = time.perf_counter()
    # OpenDrift reseeds numpy's global generator in its constructor: seed it there
    o = Leeway(loglevel=50, seed=int(seed))
    o.add_reader([reader_netCDF_CF_generic.Reader(cur), reader_netCDF_CF_generic.Reader(wind)])
    start = datetime(2026, 11, 20, 4, 0)
    o.seed_elements(
        lon=12.5, lat=33.2, radius=float(radius), number=int(n), time=start, object_type=27
    )
    t_run = time.perf_counter()
    o.run(duration=timedelta(hours=float(hours)), time_step=float(dt_s), time_step_output=3600.0)
    t_end = time.perf_counter()
    lon, lat, status = last_written(o.result)  # stranded ones stop being written
    np.savez(
        out,
        lon=lon,
        lat=lat,
        status=status,
        import_s=t_setup - T_IMPORT0,
        setup_s=t_run - t_setup,
        run_s=t_end - t_run,
        steps=round(float(hours) * 3600 / float(dt_s)),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        status_meanings=str(o.result.status.attrs.get("flag_meanings", "")),
    )


if __name__ == "__main__":
    main()
