"""Drift runs outlive the server: their records on disk, read back after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _api import wait_for_drift_run
from sarwatch.errors import DataError, NotFoundError
from sarwatch.services.drift_runs import RECORD_NAME, DriftRuns, check_run_id
from sarwatch.web.station import station_of

BODY = {
    "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 2,
    "particles": 200, "wind_kn": 12, "wind_from": 330, "seed": 7,
}  # fmt: skip


def test_a_record_is_written_at_creation_and_at_each_change(tmp_path):
    runs = DriftRuns(tmp_path / "runs")
    run = runs.create("ana", {"lat": 33.2, "lon": 12.5})
    path = tmp_path / "runs" / run.run_id / RECORD_NAME
    on_disk = json.loads(path.read_text())
    assert on_disk["status"] == "queued" and on_disk["started_by"] == "ana"
    assert on_disk["request"] == {"lat": 33.2, "lon": 12.5} and on_disk["created_at"].endswith("Z")
    runs.update(run.run_id, progress=0.5)  # progress lives in memory only
    assert json.loads(path.read_text()) == on_disk
    assert runs.get(run.run_id).progress == 0.5
    runs.update(run.run_id, status="done", files={"geojson": "drift.geojson"}, finished_at="x")
    again = json.loads(path.read_text())
    assert again["status"] == "done" and again["files"] == {"geojson": "drift.geojson"}
    assert "progress" not in again
    assert [p.name for p in path.parent.iterdir()] == [RECORD_NAME]  # no temporary left


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_run_cut_short_by_a_restart_comes_back_failed(tmp_path, status):
    runs = DriftRuns(tmp_path)
    run = runs.create("ana", {})
    runs.update(run.run_id, status=status, started_at="2026-11-20T04:11:00Z")
    assert runs.get(run.run_id).status == status  # still running in this process
    after = DriftRuns(tmp_path).get(run.run_id)  # a new server on the same home
    assert after.status == "failed" and after.error_type == "Interrupted"
    assert "the server stopped during this run" in after.error
    assert f"it was {status}" in after.error and "start the run again" in after.error


def test_finished_runs_read_back_as_they_were(tmp_path):
    runs = DriftRuns(tmp_path)
    done = runs.create("ana", {"lat": 1})
    runs.update(done.run_id, status="done", files={"summary": "summary.json"}, finished_at="t")
    (tmp_path / done.run_id / "summary.json").write_text('{"n": 3}')
    failed = runs.create("bo", {})
    runs.update(failed.run_id, status="failed", error="no wind", error_type="ForcingError")
    fresh = DriftRuns(tmp_path)
    assert fresh.get(done.run_id).to_json() == runs.get(done.run_id).to_json()
    assert fresh.summary(done.run_id) == {"n": 3}
    assert fresh.get(failed.run_id).error == "no wind"
    assert [r.run_id for r in fresh.recent()] == sorted(
        [done.run_id, failed.run_id],
        key=lambda i: (runs.get(i).created_at, i),
        reverse=True,
    )
    assert [r.run_id for r in fresh.recent(limit=1)] == [fresh.recent()[0].run_id]


@pytest.mark.parametrize(
    "run_id", ["../evil", "..", "", "0123456789AB", "0123456789abc", "0123456789a/", "evil"]
)
def test_run_ids_that_could_name_another_path_are_refused(tmp_path, run_id):
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    planted = {"run_id": "0123456789ab", "started_by": "x", "request": {}, "status": "done",
               "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / RECORD_NAME).write_text(json.dumps(planted))
    with pytest.raises(NotFoundError, match="12 hexadecimal digits"):
        DriftRuns(runs_dir).get(run_id)
    with pytest.raises(NotFoundError):
        check_run_id(run_id)


def test_unknown_and_damaged_records_are_named(tmp_path):
    runs = DriftRuns(tmp_path)
    with pytest.raises(NotFoundError, match="no drift run '0123456789ab'"):
        runs.get("0123456789ab")
    (tmp_path / "0123456789ab").mkdir()
    (tmp_path / "0123456789ab" / RECORD_NAME).write_text("{not json")
    with pytest.raises(DataError, match=r"run\.json is not valid JSON"):
        runs.get("0123456789ab")
    (tmp_path / "0123456789ab" / RECORD_NAME).write_text('{"run_id": "0123456789ab"}')
    with pytest.raises(DataError, match="not a drift run record"):
        runs.get("0123456789ab")
    (tmp_path / "not-a-run").mkdir()
    assert runs.recent() == []  # damaged and foreign directories are left out of the list


def _app(home: Path):
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    return create_app(load_settings(home_dir=home))


def test_runs_and_their_files_survive_a_restart_of_the_server(tmp_path):
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user

    first = _app(tmp_path)
    with TestClient(first) as client:
        _, coord = add_user(station_of(first).store, "ana", "coordinator")
        _, obs = add_user(station_of(first).store, "olu", "observer")
        client.headers["Authorization"] = f"Bearer {coord}"
        run_id = client.post("/api/drift", json=BODY).json()["run_id"]
        before = wait_for_drift_run(client, run_id)
        assert before["status"] == "done", before
        files_before = {k: client.get(f"/api/drift/{run_id}/{k}").content for k in before["files"]}
    # an unfinished run left by a server that died (written as the server writes it)
    DriftRuns(tmp_path / "runs").create("ana", BODY)
    (orphan_dir,) = [p for p in (tmp_path / "runs").iterdir() if p.name != run_id]
    record = json.loads((orphan_dir / RECORD_NAME).read_text())
    (orphan_dir / RECORD_NAME).write_text(json.dumps({**record, "status": "running"}))

    second = _app(tmp_path)  # the server restarts: nothing in memory
    with TestClient(second) as client:
        client.headers["Authorization"] = f"Bearer {obs}"  # observers read runs
        after = client.get(f"/api/drift/{run_id}").json()
        assert after["status"] == "done" and after["progress"] == 1.0
        assert after["summary"] == before["summary"] and after["summary"]["seed"] == 7
        assert after["started_by"] == "ana" and after["request"]["lat"] == 33.2
        assert after["created_at"] <= after["started_at"] <= after["finished_at"]
        assert sorted(after["files"]) == ["geojson", "netcdf", "png"]
        for kind, media in [("geojson", "application/geo+json"), ("png", "image/png"),
                            ("netcdf", "application/x-netcdf")]:  # fmt: skip
            r = client.get(f"/api/drift/{run_id}/{kind}")
            assert r.status_code == 200 and r.headers["content-type"].startswith(media)
            assert r.content == files_before[kind]
        assert r.content[:4] in (b"CDF\x01", b"CDF\x02", b"\x89HDF")
        orphan = client.get(f"/api/drift/{orphan_dir.name}").json()
        assert orphan["status"] == "failed" and orphan["error_type"] == "Interrupted"
        assert "server stopped during this run" in orphan["error"]
        late = client.get(f"/api/drift/{orphan_dir.name}/geojson")
        assert late.status_code == 409 and "is failed, not done" in late.json()["detail"]
        listed = client.get("/api/drift").json()
        assert {r["run_id"]: r["status"] for r in listed} == {
            run_id: "done",
            orphan_dir.name: "failed",
        }
        assert all(r["summary"] is None for r in listed)
        for bad in ["..", "..%2F..%2Fetc", "0123456789ab", "ZZZZZZZZZZZZ"]:
            r = client.get(f"/api/drift/{bad}")
            assert r.status_code == 404, (bad, r.text)
        del client.headers["Authorization"]
        assert client.get("/api/drift").status_code == 401
        assert client.get(f"/api/drift/{run_id}/netcdf").status_code == 401


def test_a_runs_attachment_outcome_is_kept_on_disk(tmp_path):
    runs = DriftRuns(tmp_path)
    run = runs.create("ana", {"case_id": "2026-11-20-LY-001"})
    outcome = {"case_id": "2026-11-20-LY-001", "status": "refused", "error": "case closed"}
    runs.update(run.run_id, status="done", attachment=outcome, finished_at="t")
    after = DriftRuns(tmp_path).get(run.run_id)  # as a restarted server reads it
    assert after.status == "done" and after.attachment == outcome
    plain = runs.create("ana", {})
    assert DriftRuns(tmp_path).get(plain.run_id).attachment is None
