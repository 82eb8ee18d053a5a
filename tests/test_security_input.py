"""Input a ledger must not keep: JSON ``true`` as a count, counts of 10**30, integers of
10**400, times in year 1 or 1900, right-to-left overrides and other hidden controls in
free text. Each is a clear 422 from the API (nothing written) and a clear error from
the CLI (issue 13, "input accepted that should not be")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cli import open_case, run_cli
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

T = "2018-03-15T05:00:00Z"


def _nested(depth: int) -> dict[str, object]:
    """A record of ``depth`` dicts one inside the other."""
    record: dict[str, object] = {"n": 1}
    for _ in range(depth - 1):
        record = {"a": record}
    return record


@pytest.fixture
def api(tmp_path: Path, land_mask) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with TestClient(create_app(settings)) as client:
        _, token = add_user(station_of(client.app).store, "ana", "coordinator")
        headers = {"Authorization": f"Bearer {token}"}
        r = client.post(
            "/api/cases",
            headers=headers,
            json={"title": "rubber boat", "alert_time": "2018-03-15T04:10:00Z"},
        )
        assert r.status_code == 201, r.text
        yield client, headers, r.json()["case_id"]


def _events(client: TestClient, headers: dict[str, str], case_id: str) -> int:
    return len(client.get(f"/api/cases/{case_id}/events", headers=headers).json())


BAD_WRITES = [
    ("patch", "people", {"total": True}, "total"),
    ("patch", "people", {"total": 10**30}, "total"),
    ("patch", "people", {"women": 100_001}, "women"),
    ("post", "outcome", {"time": T, "kind": "shipwreck", "dead": True}, "dead"),
    ("post", "outcome", {"time": T, "kind": "shipwreck", "missing": 10**30}, "missing"),
    ("post", "contacts", {"time": "0001-01-01T00:00:00Z", "channel": "phone",
                          "counterpart": "MRCC Rome"}, "before 1990-01-01"),
    ("post", "decisions", {"time": "1900-05-01T00:00:00Z", "summary": "go"}, "before 1990"),
    ("post", "contacts", {"time": T, "channel": "phone", "counterpart": "MRCC Rome",
                          "summary": "photo\u202egnp.exe"}, "U+202E"),
    ("post", "decisions", {"time": T, "summary": "go \x1b[2K now"}, "U+001B"),
    ("post", "status", {"to": "active", "reason": "a\u2066b"}, "U+2066"),
    ("post", "attachments", {"kind": "document", "record": {"n": 10**400}}, "2**53"),
    ("post", "attachments", {"kind": "document", "record": {"t\x00": 1}}, "U+0000"),
    # 300 deep was kept, and every GET .../events of the case failed from then on
    ("post", "attachments", {"kind": "document", "record": _nested(300)}, "deeper than 64"),
    ("post", "attachments", {"kind": "document", "record": _nested(65)}, "deeper than 64"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "named"), BAD_WRITES)
def test_bad_values_are_422_and_nothing_is_written(
    api: tuple[TestClient, dict[str, str], str],
    method: str,
    path: str,
    body: dict[str, object],
    named: str,
) -> None:
    client, headers, case_id = api
    before = _events(client, headers, case_id)
    r = client.request(
        method.upper(),
        f"/api/cases/{case_id}/{path}",
        headers={**headers, "Content-Type": "application/json"},
        content=json.dumps(body),
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert named in r.json()["detail"], r.json()
    assert _events(client, headers, case_id) == before


def test_a_record_nested_as_deep_as_allowed_is_kept_and_read_back(
    api: tuple[TestClient, dict[str, str], str],
) -> None:
    client, headers, case_id = api
    body = {"kind": "document", "record": _nested(63)}  # 64 with the attachment's own
    r = client.post(f"/api/cases/{case_id}/attachments", headers=headers, json=body)
    assert r.status_code == 201, r.text
    r = client.get(f"/api/cases/{case_id}/events", headers=headers)
    assert r.status_code == 200 and len(r.json()) == 2


def test_an_alert_in_year_one_opens_no_case(api: tuple[TestClient, dict[str, str], str]) -> None:
    client, headers, _ = api
    body = {"title": "boat", "alert_time": "0001-01-01T00:00:00Z"}
    r = client.post("/api/cases", headers=headers, json=body)
    assert r.status_code == 422 and "before 1990-01-01" in r.json()["detail"], r.text
    assert len(client.get("/api/cases", headers=headers).json()) == 1


def test_counts_and_ordinary_text_still_go_through(
    api: tuple[TestClient, dict[str, str], str],
) -> None:
    client, headers, case_id = api
    r = client.patch(f"/api/cases/{case_id}/people", headers=headers, json={"total": 100_000})
    assert r.status_code == 200, r.text
    summary = "رسالة من القارب\nengine broken\ttaking water, 80 people [urgent]"
    r = client.post(
        f"/api/cases/{case_id}/decisions", headers=headers, json={"time": T, "summary": summary}
    )
    assert r.status_code == 201, r.text
    assert r.json()["decisions"][-1]["summary"] == summary


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("people", "--total", "1000000"), "between 0 and 100,000"),
        (("decision", "--summary", "go \u202eright", "--time", T), "U+202E"),
        (("contact", "--counterpart", "MRCC\x1b[8m", "--summary", "x", "--time", T), "U+001B"),
        (("contact", "--counterpart", "MRCC", "--summary", "x", "--time", "1900-01-01T00:00Z"),
         "before 1990-01-01"),
    ],
)  # fmt: skip
def test_the_cli_refuses_the_same(
    home: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], named: str
) -> None:
    cid = open_case(capsys)
    code, _, err = run_cli(capsys, "case", args[0], cid, *args[1:])
    assert code == 2 and named in err, err
    code, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    assert code == 0 and json.loads(out)["decisions"] == [] and json.loads(out)["contacts"] == []


def test_the_cli_refuses_a_title_with_escape_codes_and_year_one(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        capsys, "case", "open", "--title", "boat\x1b[2K", "--time", "2018-03-15T04:10:00Z"
    )
    assert code == 2 and "U+001B" in err and "title" in err, err
    code, _, err = run_cli(capsys, "case", "open", "--title", "boat", "--time", "0001-01-01T00:00Z")
    assert code == 2 and "before 1990-01-01" in err, err
    code, out, _ = run_cli(capsys, "case", "list")
    assert code == 0 and "boat" not in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("contact", "--counterpart", "MRCC", "--summary", "ab\u202ecd", "--time", T),
         "error: contact: summary contains the control character U+202E"),
        (("decision", "--summary", "go \u202eright", "--time", T),
         "error: decision: summary contains the control character U+202E"),
    ],
)  # fmt: skip
def test_a_refused_event_is_named_as_a_thing_not_as_done(
    home: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    # "error: contact logged: summary contains ..." read as if the contact had been logged.
    cid = open_case(capsys)
    code, _, err = run_cli(capsys, "case", args[0], cid, *args[1:])
    assert code == 2 and err.startswith(said), err
    assert "logged" not in err and "recorded" not in err
