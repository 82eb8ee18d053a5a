"""Media evidence: streamed into a content-addressed store, recorded in the ledger by
hash; an interrupted upload leaves nothing; a photo's EXIF GPS is offered, not applied."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cases_helpers import make_service, make_store, open_case
from _cli import run_cli
from sarwatch.adapters.blobs.exif import read_photo_fix
from sarwatch.adapters.blobs.store import BlobStore, TooLargeError
from sarwatch.errors import ConflictError, InputError
from sarwatch.ledger import Signer
from sarwatch.services.cases import CaseService
from sarwatch.services.media import MediaService, clean_file_name
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of


def jpeg_with_gps(lat: float, lon: float, when: datetime) -> bytes:
    """A small JPEG whose EXIF says it was taken at ``(lon, lat)`` at ``when`` (UTC)."""
    from PIL import Image

    image = Image.new("RGB", (32, 24), (20, 60, 120))
    exif = Image.Exif()

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = round((value - d - m / 60) * 3600, 4)
        return (float(d), float(m), s)

    exif[0x8825] = {
        1: "N" if lat >= 0 else "S",
        2: dms(lat),
        3: "E" if lon >= 0 else "W",
        4: dms(lon),
        7: (float(when.hour), float(when.minute), float(when.second)),
        29: when.strftime("%Y:%m:%d"),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def media(tmp_path: Path, land_mask) -> tuple[CaseService, MediaService]:
    cases = make_service(make_store("sqlite", tmp_path), Signer.generate())
    return cases, MediaService(cases, BlobStore(tmp_path / "media"), max_bytes=1000)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_file_is_stored_by_hash_and_recorded_in_the_ledger(media, tmp_path: Path) -> None:
    cases, service = media
    case_id = open_case(cases)
    data = b"radio call, 04:12 UTC" * 10
    added = service.add_chunks(
        case_id, [data[:50], data[50:]], media_type=None, file_name="../../call.ogg", actor="ana"
    )
    digest = hashlib.sha256(data).hexdigest()
    path = tmp_path / "media" / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    result = added.record["result"]
    assert result == {
        "sha256": digest, "size_bytes": len(data), "media_type": "audio/ogg",
        "file_name": "call.ogg", "added_by": "ana",
    }  # fmt: skip
    last = cases.events(case_id)[-1]
    assert last.kind == "attachment_added" and last.payload["kind"] == "media"
    assert last.payload["record"]["result"]["sha256"] == digest
    assert added.offer is None  # not a photo
    again = service.add_chunks(case_id, [data], media_type="audio/ogg", file_name="c", actor="b")
    assert not again.new_file and _files(tmp_path / "media" / "tmp") == []
    assert cases.verify(case_id).ok


def test_an_interrupted_or_oversized_upload_leaves_nothing(media, tmp_path: Path) -> None:
    cases, service = media
    case_id = open_case(cases)
    n_events = len(cases.events(case_id))

    def cut_off():  # type: ignore[no-untyped-def]
        yield b"x" * 100
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        service.add_chunks(case_id, cut_off(), media_type=None, file_name="a.mp4", actor="ana")
    with pytest.raises(TooLargeError, match="media limit of 1,000 bytes"):
        service.add_chunks(case_id, [b"y" * 600] * 2, media_type=None, file_name="b", actor="a")
    with pytest.raises(InputError, match="type/subtype"):
        service.add_chunks(case_id, [b"z"], media_type="not a type", file_name="c", actor="a")
    assert _files(tmp_path / "media") == []
    assert len(cases.events(case_id)) == n_events


def test_a_refused_ledger_write_removes_the_new_file(media, tmp_path: Path) -> None:
    cases, service = media
    case_id = open_case(cases)
    cases.change_status(case_id, "active", actor="ana")
    reception = service.receive(case_id)
    reception.write(b"photo")
    cases.change_status(case_id, "located", actor="ana")
    from sarwatch.domain import Outcome

    cases.record_outcome(
        case_id, Outcome(datetime(2018, 3, 15, 9, tzinfo=UTC), "arrived"), actor="ana"
    )
    cases.change_status(case_id, "closed", actor="ana")  # closed while the file came in
    with pytest.raises(ConflictError, match="closed"):
        service.add(case_id, reception, media_type="image/jpeg", file_name="p.jpg", actor="a")
    assert _files(tmp_path / "media") == []


def test_exif_gps_and_time_are_read_and_offered(media) -> None:
    cases, service = media
    service.max_bytes = 10**6
    case_id = open_case(cases)
    when = datetime(2018, 3, 15, 6, 30, 5, tzinfo=UTC)
    photo = jpeg_with_gps(33.5, 12.25, when)
    added = service.add_chunks(
        case_id, [photo], media_type="image/jpeg", file_name="boat.jpg", actor="ana"
    )
    offer = added.offer
    assert offer is not None
    assert offer["lat"] == pytest.approx(33.5, abs=1e-6)
    assert offer["lon"] == pytest.approx(12.25, abs=1e-6)
    assert offer["time"] == "2018-03-15T06:30:05Z"
    assert len(cases.get(case_id).positions) == 1  # offered, never applied


def test_exif_reader_signs_and_refuses(tmp_path: Path) -> None:
    when = datetime(2018, 3, 15, 6, 30, tzinfo=UTC)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg_with_gps(-10.5, -20.75, when))
    fix = read_photo_fix(photo)
    assert fix is not None and fix.time == when
    assert (fix.lon, fix.lat) == (pytest.approx(-20.75), pytest.approx(-10.5))
    not_image = tmp_path / "n.jpg"
    not_image.write_bytes(b"not an image")
    assert read_photo_fix(not_image) is None


def test_file_names_are_reduced_to_their_own_name() -> None:
    assert clean_file_name("C:\\Users\\ana\\photo.jpg") == "photo.jpg"
    assert clean_file_name("/etc/passwd") == "passwd"
    with pytest.raises(InputError, match="control character"):
        clean_file_name("photo\u202egpj.exe")
    with pytest.raises(InputError, match="file's name"):
        clean_file_name("..")


def test_upload_route_streams_past_the_json_body_limit(tmp_path: Path, land_mask) -> None:
    settings = Settings(home_dir=tmp_path, max_body_bytes=1024, media_max_bytes=300_000)
    app = create_app(settings)
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        h = {"Authorization": f"Bearer {token}"}
        r = client.post("/api/cases", headers=h, json={
            "title": "boat", "alert_time": "2018-03-15T04:10:00Z",
        })  # fmt: skip
        case_id = r.json()["case_id"]
        when = datetime(2018, 3, 15, 6, 30, tzinfo=UTC)
        photo = jpeg_with_gps(33.5, 12.25, when) + os.urandom(200_000)  # > 1 KiB JSON limit

        def chunks():  # type: ignore[no-untyped-def]
            for i in range(0, len(photo), 8192):
                yield photo[i : i + 8192]

        r = client.post(
            f"/api/cases/{case_id}/media",
            params={"file_name": "boat.jpg"},
            headers={**h, "Content-Type": "image/jpeg"},
            content=chunks(),  # chunked: no Content-Length
        )
        assert r.status_code == 201, r.text
        answer = r.json()
        assert answer["record"]["result"]["sha256"] == hashlib.sha256(photo).hexdigest()
        assert answer["position_offer"]["lat"] == pytest.approx(33.5)
        too_big = client.post(
            f"/api/cases/{case_id}/media",
            params={"file_name": "v.mp4"},
            headers={**h, "Content-Type": "video/mp4"},
            content=b"v" * 300_001,
        )
        assert too_big.status_code == 413 and "media limit" in too_big.json()["detail"]
        json_too_big = client.post(
            f"/api/cases/{case_id}/decisions", headers=h, content=b"{" + b" " * 2000 + b"}"
        )
        assert json_too_big.status_code == 413  # the JSON limit still holds elsewhere
    stored = _files(tmp_path / "media")
    assert [p.name for p in stored] == [hashlib.sha256(photo).hexdigest()]


def test_the_media_type_is_the_file_s_not_the_transport_s(tmp_path: Path, land_mask) -> None:
    """``curl --data-binary`` sends application/x-www-form-urlencoded: the type recorded
    is the file's (from its name); a multipart form is refused before anything is
    stored (it would be kept with its boundaries as if it were the photo)."""
    settings = Settings(home_dir=tmp_path)
    app = create_app(settings)
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        h = {"Authorization": f"Bearer {token}"}
        case_id = client.post("/api/cases", headers=h, json={
            "title": "boat", "alert_time": "2018-03-15T04:10:00Z",
        }).json()["case_id"]  # fmt: skip
        photo = jpeg_with_gps(33.5, 12.25, datetime(2018, 3, 15, 6, 30, tzinfo=UTC))
        r = client.post(
            f"/api/cases/{case_id}/media",
            params={"file_name": "boat.jpg"},
            headers={**h, "Content-Type": "application/x-www-form-urlencoded"},
            content=photo,
        )
        assert r.status_code == 201, r.text
        assert r.json()["record"]["result"]["media_type"] == "image/jpeg"
        events = len(client.get(f"/api/cases/{case_id}/events", headers=h).json())
        form = client.post(
            f"/api/cases/{case_id}/media",
            params={"file_name": "boat.jpg"},
            headers=h,
            files={"file": ("boat.jpg", photo, "image/jpeg")},
        )
        assert form.status_code == 422 and "not a form" in form.json()["detail"]
        assert len(client.get(f"/api/cases/{case_id}/events", headers=h).json()) == events
    assert len(_files(tmp_path / "media")) == 1


def test_cli_media_add(home: Path, capsys, tmp_path: Path) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--time", "2018-03-15T04:10:00Z"
    )
    assert code == 0, err
    cid = out.split()[0]
    photo = tmp_path / "boat.jpg"
    photo.write_bytes(jpeg_with_gps(33.5, 12.25, datetime(2018, 3, 15, 6, 30, tzinfo=UTC)))
    code, out, err = run_cli(capsys, "media", "add", cid, str(photo))
    assert code == 0, err
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in out and "image/jpeg" in out
    assert "position offered" in err and "Not recorded" in err and "33°30.00'N" in err
    code, out, err = run_cli(capsys, "media", "add", cid, str(tmp_path / "missing.jpg"))
    assert code != 0 and "is not a file" in err
    # the same photo again: recorded as asked, and said to be a copy of event #N
    code, out, err = run_cli(capsys, "media", "add", cid, str(photo))
    assert code == 0, err
    first_seq = int(out.split("(event #")[1].rstrip(")\n")) - 1
    assert f"already stored: the same file (SHA-256) was added before (event(s) #{first_seq})" in (
        " ".join(err.split())
    )
    # an empty file (a failed download) is no evidence: refused, nothing recorded
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    code, out, err = run_cli(capsys, "media", "add", cid, str(empty))
    assert code == 2 and "is empty (0 bytes): nothing was recorded" in err
    assert not [p for p in _files(home / "media") if p.stat().st_size == 0]


def test_an_upload_cut_off_mid_stream_leaves_no_file_and_no_event(
    tmp_path: Path, land_mask
) -> None:
    """The client goes away after 2 of its chunks: the route drops what it received."""
    import anyio

    app = create_app(Settings(home_dir=tmp_path))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        h = {"Authorization": f"Bearer {token}"}
        r = client.post("/api/cases", headers=h, json={
            "title": "boat", "alert_time": "2018-03-15T04:10:00Z",
        })  # fmt: skip
        case_id = r.json()["case_id"]
        messages = [
            {"type": "http.request", "body": b"a" * 70_000, "more_body": True},
            {"type": "http.request", "body": b"b" * 70_000, "more_body": True},
            {"type": "http.disconnect"},
        ]
        sent: list[dict] = []

        async def receive() -> dict:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": f"/api/cases/{case_id}/media",
            "raw_path": f"/api/cases/{case_id}/media".encode(),
            "query_string": b"file_name=v.mp4", "root_path": "",
            "headers": [
                (b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", b"video/mp4"),
            ],
            "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        }  # fmt: skip

        async def call() -> None:
            with contextlib.suppress(Exception):  # what the server logs of a gone client
                await app(scope, receive, send)

        anyio.run(call)
        events = client.get(f"/api/cases/{case_id}/events", headers=h).json()
    assert [e["kind"] for e in events] == ["case_opened"]
    assert (tmp_path / "media" / "tmp").is_dir()  # the reception had started
    assert not [m for m in sent if m.get("status", 500) < 500]  # never 4xx, never 201
    assert _files(tmp_path / "media") == []
