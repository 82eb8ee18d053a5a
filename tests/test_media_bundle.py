"""Media in the evidence bundle: members media/<sha256> checked against the ledger's
hash; a tampered, unknown or resized media member fails; --no-media lists by hash."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from _cases_helpers import make_service, make_store, open_case
from _cli import run_cli
from sarwatch.adapters.blobs.store import BlobStore
from sarwatch.ledger import Signer
from sarwatch.services.evidence import build_bundle, verify_bundle
from sarwatch.services.media import MediaService

AUDIO = b"OggS radio call to MRCC Rome " * 300
PHOTO = b"\xff\xd8 not really a jpeg " * 100


@pytest.fixture
def bundled(tmp_path: Path, land_mask) -> tuple[Path, Path, Path]:
    """A case with two media files, exported with and without media."""
    cases = make_service(make_store("sqlite", tmp_path), Signer.generate())
    media = MediaService(cases, BlobStore(tmp_path / "media"), max_bytes=10**6)
    case_id = open_case(cases)
    media.add_chunks(case_id, [AUDIO], media_type=None, file_name="call.ogg", actor="ana")
    media.add_chunks(case_id, [PHOTO], media_type="image/jpeg", file_name="b.jpg", actor="ana")
    with_media, without = tmp_path / "with.zip", tmp_path / "without.zip"
    build_bundle(cases, case_id, with_media, with_pdf=False, media_root=tmp_path / "media")
    build_bundle(cases, case_id, without, with_pdf=False)
    return with_media, without, tmp_path


def _copy(src: Path, dst: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change.pop(info.filename, None) or zin.read(info))
        for name, data in change.items():
            zout.writestr(name, data)
    return dst


def test_a_bundle_carries_media_and_verifies(bundled) -> None:
    with_media, without, _ = bundled
    names = set(zipfile.ZipFile(with_media).namelist())
    for data in (AUDIO, PHOTO):
        name = "media/" + hashlib.sha256(data).hexdigest()
        assert name in names
        assert zipfile.ZipFile(with_media).read(name) == data
    report = verify_bundle(with_media)
    assert report.ok, report.summary()
    assert report.media_left_out == []
    left = verify_bundle(without)
    assert left.ok, left.summary()
    assert sorted(left.media_left_out) == sorted(
        hashlib.sha256(d).hexdigest() for d in (AUDIO, PHOTO)
    )
    assert "2 media file(s) listed by hash only" in left.summary()


def test_a_tampered_or_foreign_media_member_fails(bundled) -> None:
    with_media, _, tmp = bundled
    name = "media/" + hashlib.sha256(AUDIO).hexdigest()
    edited = AUDIO[:-1] + b"!"  # same size, other bytes
    report = verify_bundle(_copy(with_media, tmp / "a.zip", {name: edited}))
    assert f"{name} was modified after export (SHA-256 differs)" in report.problems
    report = verify_bundle(_copy(with_media, tmp / "b.zip", {name: AUDIO + b"x"}))
    assert any("the ledger recorded" in p for p in report.problems)
    foreign = b"a photo from elsewhere"
    fname = "media/" + hashlib.sha256(foreign).hexdigest()
    report = verify_bundle(_copy(with_media, tmp / "c.zip", {fname: foreign}))
    assert f"{fname} is not a media file the ledger records" in report.problems


def _case_with_a_call(capsys, tmp_path: Path) -> str:
    """A case opened on the command line with one recorded call (``AUDIO``): its id."""
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--time", "2018-03-15T04:10:00Z"
    )
    assert code == 0, err
    cid = out.split()[0]
    clip = tmp_path / "call.ogg"
    clip.write_bytes(AUDIO)
    assert run_cli(capsys, "media", "add", cid, str(clip))[0] == 0
    return cid


def test_cli_export_with_and_without_media(home: Path, capsys, tmp_path: Path) -> None:
    cid = _case_with_a_call(capsys, tmp_path)
    code, out, err = run_cli(capsys, "case", "export", cid, "--out", str(tmp_path / "b.zip"))
    assert code == 0, err
    code, out, err = run_cli(capsys, "bundle", "verify", str(tmp_path / "b.zip"))
    assert code == 0 and "bundle intact" in out, out + err
    members = zipfile.ZipFile(tmp_path / "b.zip").namelist()
    assert "media/" + hashlib.sha256(AUDIO).hexdigest() in members
    code, out, err = run_cli(
        capsys, "case", "export", cid, "--out", str(tmp_path / "n.zip"), "--no-media"
    )
    assert code == 0, err
    code, out, err = run_cli(capsys, "bundle", "verify", str(tmp_path / "n.zip"))
    assert code == 0 and "1 media file(s) listed by hash only" in " ".join(out.split()), out


def test_cli_export_warns_when_the_media_store_lacks_a_recorded_file(
    home: Path, capsys, tmp_path: Path
) -> None:
    """A store restored without its media directory: the export says which media it
    could not carry, instead of a bundle that silently lists them by hash only."""
    import shutil

    cid = _case_with_a_call(capsys, tmp_path)
    code, _, err = run_cli(capsys, "case", "export", cid, "--out", str(tmp_path / "a.zip"))
    assert code == 0 and "warning" not in err, err
    shutil.rmtree(home / "media")  # the backup held the database and the key only
    code, _, err = run_cli(capsys, "case", "export", cid, "--out", str(tmp_path / "b.zip"))
    assert code == 0, err
    assert "warning: 1 media file(s) the ledger records are not in" in " ".join(err.split())
    # --no-media leaves them out on purpose: no warning
    code, _, err = run_cli(
        capsys, "case", "export", cid, "--out", str(tmp_path / "c.zip"), "--no-media"
    )
    assert code == 0 and "warning" not in err
