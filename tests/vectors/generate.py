"""Write the evidence-format test vectors (docs/evidence-format.md) into tests/vectors/.

Run from the repository root: ``python tests/vectors/generate.py``. The key is a
fixed *test* key (its seed is printed in key.json: never a station's), Ed25519 is
deterministic and every time is fixed, so the records and signatures come out the
same on every run. The files are committed; the Python tests
(tests/test_evidence_format.py) and the browser verifier's test
(tests/test_browser_verify.py) both read them, and a test checks that this script
still writes the same records.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sarwatch.domain.events import fold, parse_time
from sarwatch.domain.projection import case_to_json
from sarwatch.ledger import (
    CURRENT_FORMAT,
    GENESIS,
    LEGACY_FORMAT,
    LedgerEntry,
    RegisterEntry,
    RegisterHead,
    SignedHead,
    Signer,
    register_case,
    seal,
    sign_head,
)
from sarwatch.services.evidence import BUNDLE_FORMATS, bundle_members, member_info

HERE = Path(__file__).resolve().parent
CASE_ID = "2026-11-20-LY-001"
CREATED_AT = "2026-11-21T08:00:00Z"

#: The seed of the test key: SHA-256 of this text. Public on purpose.
KEY_SEED_TEXT = b"sarwatch evidence-format test vector key; never a station key"


def vector_signer(text: bytes = KEY_SEED_TEXT) -> Signer:
    """The fixed test key (or another one from another text)."""
    return Signer(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(text).digest()))


#: The case: (recorded_at, kind, payload). Floats that are integral (13.0), text
#: outside ASCII and an attachment exercise what the two record formats write differently.
EVENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "2026-11-20T04:12:00Z",
        "case_opened",
        {
            "case_id": CASE_ID,
            "title": "rubber boat, 80 people — engine broken",
            "alert_time": "2026-11-20T04:10:00Z",
            "region": "LY",
            "people": {"total": 80, "women": 12, "minors": 9, "medical": None},
            "vessel": {"kind": "rubber", "condition": "engine failure"},
            "sources": [{"name": "Alarm Phone", "quality": 3, "verification": "unverified"}],
        },
    ),
    (
        "2026-11-20T04:12:00Z",
        "position_reported",
        {
            "time": "2026-11-20T04:05:00Z",
            "lon": 13.0,
            "lat": 33.2,
            "kind": "gps",
            "source": {"name": "Alarm Phone", "quality": 3, "verification": "unverified"},
            "uncertainty_nm": 0.5,
            "note": "relayed by phone",
        },
    ),
    (
        "2026-11-20T06:05:00Z",
        "contact_logged",
        {
            "time": "2026-11-20T06:05:00Z",
            "channel": "phone",
            "counterpart": "MRCC Roma",
            "summary": "Distress relayed, 33°15'N 012°33'E; «no answer» \U0001f6a8",
            "direction": "outgoing",
            "mmsi": None,
            "attachments": [],
        },
    ),
    ("2026-11-20T06:10:00Z", "status_changed", {"from": "alert", "to": "active", "reason": ""}),
    (
        "2026-11-20T06:20:00Z",
        "attachment_added",
        {
            "kind": "assessment",
            "record": {
                "tool": "sarwatch assess 0.4.0",
                "request": {"lon": 12.55, "lat": 33.25, "speed_kn": 2.0, "people": 80},
                "result": {"srr": "LY", "distance_nm": 73.0, "ratio": 1e-7},
                "seed": None,
                "forcing": None,
                "output_files": {},
                "run_id": None,
            },
        },
    ),
    (
        "2026-11-20T07:00:00Z",
        "decision_recorded",
        {"time": "2026-11-20T06:58:00Z", "summary": "Ask Ocean Viking to proceed", "by": "ana"},
    ),
]


def chain(signer: Signer, form: int) -> list[LedgerEntry]:
    """The case's events sealed in record format ``form``."""
    entries: list[LedgerEntry] = []
    prev = GENESIS
    for seq, (recorded_at, kind, payload) in enumerate(EVENTS, 1):
        entry = seal(
            signer,
            case_id=CASE_ID,
            seq=seq,
            recorded_at=recorded_at,
            kind=kind,
            actor="ana",
            payload=payload,
            prev_hash=prev,
            form=form,
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def state_of(entries: list[LedgerEntry]) -> dict[str, Any]:
    """case.json: the fold of the events."""
    return case_to_json(fold([(e.kind, e.payload, parse_time(e.recorded_at)) for e in entries]))


def registration(signer: Signer, first: LedgerEntry) -> tuple[RegisterEntry, RegisterHead]:
    """The case as the station's 1st case."""
    return register_case(
        signer, None, case_id=CASE_ID, opened_at=first.recorded_at, first_hash=first.hash
    )


def pack(members: dict[str, bytes]) -> bytes:
    """The zip of ``members``, in order, as a bundle is written."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(member_info(name, CREATED_AT), data)
    return buffer.getvalue()


def members_of(
    signer: Signer,
    entries: list[LedgerEntry],
    *,
    state: dict[str, Any] | None = None,
    head: SignedHead | None = None,
    bundle_format: str = BUNDLE_FORMATS[-1],
    name: str = "intact-v2.zip",
) -> dict[str, bytes]:
    """A bundle's members (signed by ``signer``) for a chain as given."""
    return bundle_members(
        signer,
        entries=entries,
        state=state if state is not None else state_of(entries),
        head=head or sign_head(signer, entries[-1]),
        registration=registration(signer, entries[0]),
        created_at=CREATED_AT,
        name=name,
        bundle_format=bundle_format,
    )


def resign(signer: Signer, members: dict[str, bytes], **changed: bytes) -> dict[str, bytes]:
    """``members`` with some replaced and the manifest rewritten and signed again:
    what only the holder of the key can do (a station that lies)."""
    out = {**members, **changed}
    manifest = json.loads(out["manifest.json"])
    manifest["files"] = {
        n: hashlib.sha256(d).hexdigest()
        for n, d in sorted(out.items())
        if n not in ("manifest.json", "manifest.sig")
    }
    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
    out["manifest.json"] = data
    out["manifest.sig"] = signer.sign(data).encode()
    return out


# --- byte surgery on a zip -----------------------------------------------------------


def _directory(data: bytes) -> tuple[int, int, list[int]]:
    """End record position, directory offset, and the position of each directory entry."""
    end = data.rfind(b"PK\x05\x06")
    count, _size, offset = struct.unpack("<HII", data[end + 10 : end + 20])
    entries, pos = [], offset
    for _ in range(count):
        entries.append(pos)
        n, m, k = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        pos += 46 + n + m + k
    return end, offset, entries


def hide_between(data: bytes, index: int, junk: bytes, *, descriptor_flag: bool) -> bytes:
    """Insert ``junk`` before member ``index`` (directory order), moving what follows;
    optionally set the data-descriptor flag on that member's headers."""
    end, offset, entries = _directory(data)
    at = struct.unpack("<I", data[entries[index] + 42 : entries[index] + 46])[0]
    out = bytearray(data[:at] + junk + data[at:])
    shift = len(junk)
    _end, offset, entries = end + shift, offset + shift, [e + shift for e in entries]
    for i, pos in enumerate(entries):
        local = struct.unpack("<I", out[pos + 42 : pos + 46])[0]
        if local >= at:
            out[pos + 42 : pos + 46] = struct.pack("<I", local + shift)
        if i == index and descriptor_flag:
            flags = struct.unpack("<H", out[pos + 8 : pos + 10])[0] | 0x08
            out[pos + 8 : pos + 10] = struct.pack("<H", flags)
            lh = local + shift
            out[lh + 6 : lh + 8] = struct.pack("<H", flags)
    out[_end + 16 : _end + 20] = struct.pack("<I", offset)
    return bytes(out)


def with_stated_size(data: bytes, index: int, delta: int) -> bytes:
    """The zip with the uncompressed size that the directory states for member
    ``index`` changed by ``delta`` (the data and its CRC-32 unchanged)."""
    _end, _offset, entries = _directory(data)
    pos = entries[index]
    size = struct.unpack("<I", data[pos + 24 : pos + 28])[0]
    return data[: pos + 24] + struct.pack("<I", size + delta) + data[pos + 28 :]


def with_comment(data: bytes, comment: bytes) -> bytes:
    """The zip with a comment in its end record."""
    end, _offset, _entries = _directory(data)
    return data[: end + 20] + struct.pack("<H", len(comment)) + comment


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


# --- the vector files ------------------------------------------------------------------


def key_vector(signer: Signer) -> dict[str, Any]:
    """The test key as an outsider needs it."""
    raw = signer.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    seed = hashlib.sha256(KEY_SEED_TEXT).hexdigest()
    return {
        "about": "A fixed TEST key (the seed is public): never a station's key.",
        "seed_text": KEY_SEED_TEXT.decode(),
        "private_seed_hex": seed,
        "public_key_hex": raw.hex(),
        "public_key_pem": signer.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        "key_id": signer.key_id,
        "key_id_rule": "the first 16 hex characters of SHA-256 of the 32 raw public key bytes",
    }


def records_vector(signer: Signer) -> dict[str, Any]:
    """Every hashed or signed byte string of one case, in both record formats."""
    out: dict[str, Any] = {
        "about": (
            "Each entry: 'body' is the exact hashed text (UTF-8), 'hash' its SHA-256, "
            "'signature' the Ed25519 signature of the 32 bytes of the hash; 'line' the "
            "ledger.jsonl line. 'head' and 'register' give each signed message as text."
        ),
        "case_id": CASE_ID,
    }
    for form in (CURRENT_FORMAT, LEGACY_FORMAT):
        entries = chain(signer, form)
        head = sign_head(signer, entries[-1])
        reg, reg_head = registration(signer, entries[0])
        out[f"format{form}"] = {
            "events": [
                {
                    "seq": e.seq,
                    "body": e.canonical_body().decode(),
                    "hash": e.hash,
                    "signature": e.signature,
                    "line": e.to_line().decode(),
                }
                for e in entries
            ],
            "head": {
                **head.to_json(),
                "message": head.message().decode(),
            },
            "register_entry": {
                **reg.to_json(),
                "body": json.dumps(
                    reg.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ),
            },
            "register_head": {**reg_head.to_json(), "message": reg_head.message().decode()},
            "case_json": state_of(entries),
        }
    return out


def bundle_vectors(signer: Signer) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """The bundles (file name -> bytes) and what a verifier must say of each."""
    other = vector_signer(b"another key, not the station's")
    v2 = chain(signer, CURRENT_FORMAT)
    v1 = chain(signer, LEGACY_FORMAT)
    intact = members_of(signer, v2)
    intact_zip = pack(intact)
    ledger = _lines(intact["ledger.jsonl"])
    files: dict[str, bytes] = {
        "intact-v2.zip": intact_zip,
        "intact-v1.zip": pack(
            members_of(signer, v1, bundle_format=BUNDLE_FORMATS[0], name="intact-v1.zip")
        ),
    }
    expect: list[dict[str, Any]] = [
        {"file": "intact-v2.zip", "ok": True, "expect": "bundle intact"},
        {"file": "intact-v1.zip", "ok": True, "expect": "bundle intact"},
    ]

    def add(name: str, data: bytes, fragment: str, why: str) -> None:
        files[name] = data
        expect.append({"file": name, "ok": False, "expect": fragment, "what": why})

    edited = ledger[:]
    edited[2] = edited[2].replace(b"MRCC Roma", b"MRCC Malta")
    add(
        "edited-event.zip",
        pack({**intact, "ledger.jsonl": b"".join(edited)}),
        "ledger.jsonl was modified after export",
        "event #3 edited, manifest untouched",
    )
    add(
        "edited-event-resigned.zip",
        pack(resign(signer, intact, **{"ledger.jsonl": b"".join(edited)})),
        "edited: event #3 (contact_logged) was edited after it was signed",
        "event #3 edited and the manifest signed again by the key holder",
    )
    add(
        "deleted-event-resigned.zip",
        pack(resign(signer, intact, **{"ledger.jsonl": b"".join(ledger[:3] + ledger[4:])})),
        "deleted: event #4 is missing: deleted",
        "event #4 removed, manifest signed again",
    )
    swapped = ledger[:]
    swapped[3], swapped[5] = swapped[5], swapped[3]
    add(
        "reordered-events-resigned.zip",
        pack(resign(signer, intact, **{"ledger.jsonl": b"".join(swapped)})),
        "reordered: event #4 (status_changed) appears after event #6",
        "events #4 and #6 swapped in the file, manifest signed again",
    )
    forged = replace(v2[5], signature=other.sign(bytes.fromhex(v2[5].hash)))
    add(
        "forged-event-resigned.zip",
        pack(
            resign(
                signer,
                intact,
                **{"ledger.jsonl": b"".join(ledger[:5]) + forged.to_line() + b"\n"},
            )
        ),
        "inserted: event #6 (decision_recorded) is not signed by the station key",
        "event #6 signed by another key",
    )
    state = json.loads(intact["case.json"])
    state["people"]["total"] = 60
    add(
        "case-json-resigned.zip",
        pack(
            resign(
                signer,
                intact,
                **{"case.json": json.dumps(state, indent=2, ensure_ascii=False).encode()},
            )
        ),
        "case.json does not match the state the ledger rebuilds",
        "case.json says 60 people where the ledger says 80, manifest signed again",
    )
    attachment = "attachments/0005-assessment.json"
    payload = json.loads(intact[attachment])
    payload["record"]["result"]["srr"] = "MT"
    add(
        "attachment-resigned.zip",
        pack(resign(signer, intact, **{attachment: json.dumps(payload, indent=2).encode()})),
        f"{attachment} is not the attachment that event #5 records in the ledger",
        "the attachment's file differs from the ledger event that carries it",
    )
    add(
        "attachment-missing-resigned.zip",
        pack(resign(signer, {k: v for k, v in intact.items() if k != attachment})),
        f"{attachment} is missing: event #5 attached it",
        "the attachment's file left out, manifest signed again",
    )
    add(
        "manifest-edited.zip",
        pack({**intact, "manifest.json": intact["manifest.json"].replace(b"80", b"81", 1)}),
        "manifest.json was modified: its signature does not match",
        "a byte of manifest.json changed",
    )
    add(
        "another-key.zip",
        pack(members_of(other, v2)),
        "inserted: event #1 (case_opened) is not signed by the station key",
        "a whole bundle re-signed with another key: self-consistent except the events",
    )
    add(
        "member-deleted.zip",
        pack({k: v for k, v in intact.items() if k != "register.json"}),
        "register.json was deleted from the bundle",
        "a listed member removed",
    )
    add(
        "member-added.zip",
        pack({**intact, "notes.txt": b"added later"}),
        "notes.txt was added to the bundle after export",
        "a member not in the manifest",
    )
    add(
        "trailing-bytes.zip",
        intact_zip + b"hidden after the end record",
        "27 bytes after the zip's end record belong to no member",
        "bytes appended after the end-of-central-directory record",
    )
    add(
        "zip-comment.zip",
        with_comment(intact_zip, b"verified by the prosecutor"),
        "the zip carries a comment of 26 bytes",
        "a zip comment",
    )
    add(
        "hidden-between-descriptor.zip",
        hide_between(intact_zip, 4, b"PK\x07\x08hidden text" + bytes(9), descriptor_flag=True),
        "24 bytes between ledger.jsonl and case.json belong to no member",
        "24 bytes between two members, the data-descriptor flag set on the following one",
    )
    add(
        "size-edited.zip",
        with_stated_size(intact_zip, 5, 1),
        "register.json cannot be read from the zip (its data is 884 bytes, not the 885 the "
        "directory states): damaged or altered",
        "the size the directory states for register.json edited (a reader that trusts it "
        "reads another byte); the data and its CRC-32 are intact",
    )
    add(
        "hidden-before.zip",
        hide_between(intact_zip, 0, b"hidden before", descriptor_flag=False),
        "13 bytes before manifest.json belong to no member",
        "bytes before the first member",
    )
    files_legacy, expect_legacy = legacy_vectors()
    files.update(files_legacy)
    expect += expect_legacy
    return files, expect


#: A bundle written by sarwatch before record format 2 (commit eff1475, 2026-12-06:
#: ``case open``, ``report``, ``contact``, ``status``, ``assess --case``, ``case export``),
#: committed as it came out; its own station key.
LEGACY = "legacy-format1.zip"
#: The same store upgraded by this sarwatch, a contact added, exported (committed too).
UPGRADED = "upgraded-mixed.zip"


def legacy_vectors() -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """The committed legacy bundle, and a copy with ``0.0`` written ``0`` in an event
    (one number in format 2, another byte string in format 1: an edit)."""
    path = HERE / "bundles" / LEGACY
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
        key_id = json.loads(members["manifest.json"])["key_id"]
    lines = _lines(members["ledger.jsonl"])
    assert b'"uncertainty_nm":0.0' in lines[1]
    lines[1] = lines[1].replace(b'"uncertainty_nm":0.0', b'"uncertainty_nm":0')
    edited = pack({**members, "ledger.jsonl": b"".join(lines)})
    return {"legacy-format1-edited.zip": edited}, [
        {
            "file": LEGACY,
            "ok": True,
            "expect": "the station's case #1, 6 events: bundle intact",
            "key_id": key_id,
            "what": "written by sarwatch before record format 2 (format 1 events, bundle format 1)",
        },
        {
            "file": "legacy-format1-edited.zip",
            "ok": False,
            "expect": "edited: event #2 (position_reported) was edited after it was signed",
            "key_id": key_id,
            "what": "0.0 written 0 in a format-1 event: another signed byte string",
        },
        {
            "file": UPGRADED,
            "ok": True,
            "expect": "the station's case #1, 7 events: bundle intact",
            "key_id": key_id,
            "what": (
                "the store of legacy-format1.zip opened by this sarwatch (migration "
                "0007_record_format), one event added (format 2), exported: format 1 and 2 "
                "events in one chain"
            ),
        },
    ]


def generate(out: Path = HERE) -> list[Path]:
    """Write every vector file under ``out``; return their paths."""
    signer = vector_signer()
    written = []
    for name, value in (
        ("key.json", key_vector(signer)),
        ("records.json", records_vector(signer)),
    ):
        path = out / name
        path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    files, expect = bundle_vectors(signer)
    (out / "bundles").mkdir(exist_ok=True)
    for name, data in files.items():
        if name not in (LEGACY, UPGRADED):  # committed as they came out, never rewritten
            (out / "bundles" / name).write_bytes(data)
        written.append(out / "bundles" / name)
    path = out / "bundles.json"
    about = (
        "Each bundle under bundles/ with what a verifier must find: 'ok', and a "
        "fragment 'expect' of its report. Key: key.json (the verifier is given its key id), "
        "or 'key_id' where given."
    )
    path.write_text(
        json.dumps({"about": about, "bundles": expect}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    written.append(path)
    return written


def _main(argv: list[str]) -> int:
    for path in generate(Path(argv[1]) if len(argv) > 1 else HERE):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
