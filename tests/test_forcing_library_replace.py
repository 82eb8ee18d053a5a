"""A forcing library file is never replaced in silence by other content under its name:
drift runs and case records name it with its SHA-256 (``sarwatch forcing add`` of another
``wind.nc`` replaced ``local/wind.nc`` and its entry). The same content, or a file that is
no longer intact on disk (a fetch repairing it), is still taken."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli import run_cli
from _forecast import write_cmems_currents
from sarwatch.errors import ConflictError
from sarwatch.services.forcing_library import ForcingLibrary
from sarwatch.services.provenance import file_digest

RUN = datetime(2026, 11, 20, 0, tzinfo=UTC)
LON = np.arange(10.0, 16.01, 0.25)
LAT = np.arange(31.0, 36.01, 0.25)


def _currents(path: Path, u: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    times = pd.date_range(RUN.replace(tzinfo=None), periods=25, freq="h")
    shape = (times.size, LAT.size, LON.size)
    return write_cmems_currents(
        path, LON, LAT, times, np.full(shape, u, "f4"), np.zeros(shape, "f4")
    )


def test_other_content_under_a_held_name_is_refused(tmp_path: Path) -> None:
    library = ForcingLibrary(tmp_path / "forcing")
    first = library.add(_currents(tmp_path / "a" / "cur.nc", 0.3), provider="local",
                        product_id="mine")  # fmt: skip
    other = _currents(tmp_path / "b" / "cur.nc", 0.9)
    with pytest.raises(ConflictError) as err:
        library.add(other, provider="local", product_id="mine")
    assert "already holds local/cur.nc with other content" in str(err.value)
    assert file_digest(library.path(first)) == first.sha256  # the held file is untouched
    assert [e.sha256 for e in library.entries()] == [first.sha256]
    # the same content again is fine, and so is another name
    assert library.add(tmp_path / "a" / "cur.nc", provider="local", product_id="mine").sha256 == (
        first.sha256
    )
    assert library.add(other, provider="local", product_id="mine", name="local/cur-2.nc")


def test_a_held_file_no_longer_intact_may_be_replaced(tmp_path: Path) -> None:
    """A fetch re-downloads a file damaged or deleted on disk: nothing intact is lost."""
    library = ForcingLibrary(tmp_path / "forcing")
    first = library.add(_currents(tmp_path / "a" / "cur.nc", 0.3), provider="local",
                        product_id="mine")  # fmt: skip
    library.path(first).unlink()
    again = library.add(_currents(tmp_path / "b" / "cur.nc", 0.9), provider="local",
                        product_id="mine")  # fmt: skip
    assert again.sha256 != first.sha256
    assert [e.sha256 for e in library.entries()] == [again.sha256]


def test_the_command_says_so_in_one_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "forcing", "add", str(_currents(tmp_path / "a" / "w.nc", 0.3)))[0] == 0
    code, _, err = run_cli(capsys, "forcing", "add", str(_currents(tmp_path / "b" / "w.nc", 0.9)))
    assert code == 2
    assert "already holds local/w.nc with other content" in err
    assert "Traceback" not in err
