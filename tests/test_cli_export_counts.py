"""``case export`` says what it wrote: the manifest's files and, apart, the media files
(a bundle of 17 members was reported as "12 files": the media were not counted)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from _cli import open_case, run_cli


def _export(capsys: pytest.CaptureFixture[str], cid: str, out: Path) -> tuple[int, int, int]:
    code, said, err = run_cli(capsys, "case", "export", cid, "--out", str(out))
    assert code == 0, err
    found = re.search(r"\((\d+) events, (\d+) files(?:, (\d+) media file\(s\))?\)", said)
    assert found, said
    return int(found[1]), int(found[2]), int(found[3] or 0)


def test_the_export_counts_its_media_files_apart(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = open_case(capsys)
    n_events, _, n_media = _export(capsys, cid, tmp_path / "plain.zip")
    assert n_media == 0  # no media: the line is as before ("N events, M files")
    for name, data in (("a.txt", b"first"), ("b.txt", b"second"), ("c.txt", b"first")):
        path = tmp_path / name
        path.write_bytes(data)
        code, _, err = run_cli(capsys, "media", "add", cid, str(path))
        assert code == 0, err
    bundle = tmp_path / "with-media.zip"
    n_events2, n_files2, n_media2 = _export(capsys, cid, bundle)
    assert n_events2 == n_events + 3
    assert n_media2 == 2  # stored by content: c.txt is a.txt's bytes, carried once
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
    assert sum(n.startswith("media/") for n in names) == n_media2
    # every member is told: the manifest's files, the manifest and its signature, the media
    assert len(names) == n_files2 + 2 + n_media2
