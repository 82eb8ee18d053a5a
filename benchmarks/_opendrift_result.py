"""Reading an OpenDrift result, for the scripts that run the reference in its own interpreter.

Imported by ``_opendrift_leeway.py`` and ``_opendrift_fidelity.py`` (run as scripts from
this folder, so it is on ``sys.path``); like them, it imports nothing from sarwatch.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def last_written(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each element's last written output: ``(lon, lat, status)``.

    OpenDrift stops writing an element once it is deactivated (stranded, for one): its
    later outputs are NaN, so the last finite longitude marks where it ended.

    Parameters
    ----------
    result
        ``model.result``: an xarray Dataset with ``lon``, ``lat`` and ``status`` of shape
        ``(elements, outputs)``.
    """
    lon = result.lon.values
    lat = result.lat.values
    status = result.status.values
    valid = np.isfinite(lon)
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    idx = np.arange(lon.shape[0])
    return lon[idx, last], lat[idx, last], status[idx, last]
