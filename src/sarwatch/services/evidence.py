"""Evidence bundles: a case exported as one zip that anyone can verify offline.

Contents::

    README.txt          what this is and how to check it
    manifest.json       case id, creation time, station key id, signed chain head,
                        SHA-256 of every other file
    manifest.sig        Ed25519 signature (hex) of manifest.json by the station key
    public_key.pem      the station's public key
    ledger.jsonl        every event, one canonical JSON object per line, with its
                        hash, previous hash and signature
    case.json           the case state (the fold of the ledger)
    register.json       the case's signed entry in the station register (the station's
                        n-th case, its first event) and the register's signed head
    attachments/NNNN-<kind>.json  the payload of the ledger event #NNNN that attached
                        an assessment, drift run or plan (inputs: forcing file names,
                        hashes, time windows, parameters, seed)
    report.html, report.pdf, map.png   the human-readable report

:func:`verify_bundle` checks the manifest signature, every file's hash, the
ledger chain and signatures (naming any edited, deleted, reordered or inserted
event), that ``case.json`` and the attachments are what the ledger says, that no
bytes lie outside the zip's members (before, between or after them, or a zip
comment), and
optionally that the key is the one the station publishes (``expected_key_id``):
a bundle re-signed from scratch with another key is self-consistent, so compare
the printed key id with the station's published one.

Every byte hashed or signed is described in docs/evidence-format.md; bundles of
format 2 (:data:`BUNDLE_FORMAT`) carry events of record format 2 (RFC 8785), those
of format 1 events of record format 1, and both verify.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sarwatch._files import create_private_file
from sarwatch.domain.events import fold, format_time, parse_time
from sarwatch.domain.projection import CaseProjection, case_to_json
from sarwatch.errors import IntegrityError, SarwatchError
from sarwatch.ledger import (
    REGISTER_DOMAIN,
    Finding,
    LedgerEntry,
    RegisterEntry,
    RegisterHead,
    SignedHead,
    Signer,
    check_registration,
    load_public_key,
    public_key_pem,
    same_json,
    verify_chain,
)
from sarwatch.ledger.keys import key_id as compute_key_id
from sarwatch.ledger.keys import verify_signature
from sarwatch.services.bundle_zip import layout_problems, open_bundle, read_member
from sarwatch.services.cases import Anchor, CaseService
from sarwatch.services.keys import bundle_keys
from sarwatch.services.media_bundle import (
    MEDIA_PREFIX,
    media_left_out,
    media_problems,
    write_media,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_FORMATS",
    "BundleReport",
    "BundleSummary",
    "build_bundle",
    "bundle_anchor",
    "bundle_members",
    "member_info",
    "verify_bundle",
]

#: The manifest's ``format`` of bundles written now (docs/evidence-format.md).
BUNDLE_FORMAT = "sarwatch-evidence-bundle/2"
#: Every bundle format this sarwatch verifies (1: before RFC 8785).
BUNDLE_FORMATS = ("sarwatch-evidence-bundle/1", BUNDLE_FORMAT)

#: The most a bundle may unpack to; a genuine one is a few MB (report, map, JSON).
_MAX_UNPACKED_BYTES = 512 * 1024 * 1024

_README = """sarwatch evidence bundle for case {case_id}
Created {created_at} by the station whose Ed25519 key id is {key_id}.

Every change to the case is an event in ledger.jsonl. Each event carries the SHA-256
of its canonical JSON body (RFC 8785 for events with "format": 2) and the hash of
the previous event, and is signed with the station key (public_key.pem). manifest.json
lists the SHA-256 of every file and is signed too (manifest.sig). register.json is the
case's signed entry in the station's register of every case it opened, and the
register's signed head when this bundle was made.

To check it offline:   sarwatch bundle verify {name} --key-id {key_id}
or drop it on the /verify page of any sarwatch station (checked in the browser,
nothing is uploaded). Every byte hashed or signed is described in the sarwatch
documentation, docs/evidence-format.md ({format}).
Compare the key id with the one the station publishes: a forger could re-sign a
whole bundle with another key, but not with the station's.
"""


@dataclass(frozen=True)
class BundleSummary:
    """What :func:`build_bundle` wrote."""

    path: Path
    case_id: str
    n_events: int
    key_id: str
    files: dict[str, str]
    #: The ``media/`` members written (streamed from the store, outside ``files``).
    media: tuple[str, ...] = ()
    #: Media the ledger records that the station's media store lacks (by SHA-256): the
    #: bundle lists them by hash only (``media_root`` given; e.g. a restored database
    #: without its ``media/`` directory).
    media_missing: tuple[str, ...] = ()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ledger_bytes(entries: list[LedgerEntry]) -> bytes:
    return b"".join(e.to_line() + b"\n" for e in entries)


def attachment_name(entry: LedgerEntry) -> str:
    """The bundle member that carries an ``attachment_added`` event's payload:
    ``attachments/`` + the event's number zero-padded to 4 digits + ``-`` + the
    payload's ``kind`` + ``.json``."""
    return f"attachments/{entry.seq:04d}-{entry.payload.get('kind')}.json"


def _attachments(entries: list[LedgerEntry]) -> dict[str, bytes]:
    out = {}
    for e in entries:
        if e.kind == "attachment_added":
            out[attachment_name(e)] = json.dumps(e.payload, indent=2, ensure_ascii=False).encode(
                "utf-8"
            )
    return out


def build_bundle(
    service: CaseService,
    case_id: str,
    out: Path,
    *,
    with_pdf: bool = True,
    media_root: Path | None = None,
) -> BundleSummary:
    """Export ``case_id`` as an evidence bundle at ``out`` (a zip file).

    With ``media_root`` (the station's media store) the case's media files are carried
    as ``media/<sha256>`` members; without, they are listed by hash only (in the ledger).

    The chain is verified first: a tampered store is reported
    (:class:`IntegrityError`), not exported as if it were sound.
    """
    from sarwatch.services.report import render_html, render_map_png, render_pdf

    record = service.get_record(case_id)
    entries = service.events(case_id)
    check = service.verify(case_id)
    if not check.ok:
        raise IntegrityError("refusing to export a tampered case:\n" + check.summary())
    register_entry, register_head = service.registration(case_id)
    signer = service.refresh_signer()
    created_at = format_time(datetime.now(UTC))
    state = record.state
    case = CaseProjection(state).case()
    map_png = render_map_png(case, cache_dir=service.cache_dir)
    report_files = {
        "map.png": map_png,
        "report.html": render_html(
            case, entries, map_png=map_png, key_id=signer.key_id, created_at=created_at
        ).encode("utf-8"),
    }
    if with_pdf:
        report_files["report.pdf"] = render_pdf(
            case, entries, key_id=signer.key_id, created_at=created_at, cache_dir=service.cache_dir
        )
    if record.head is None:
        raise IntegrityError(f"case {case_id} has no signed head")
    members = bundle_members(
        signer,
        entries=entries,
        state=state,
        head=record.head,
        registration=(register_entry, register_head),
        created_at=created_at,
        name=Path(out).name,
        extra=report_files,
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    create_private_file(tmp)  # 0600, as the store: the whole record of people at sea
    media: list[str] = []
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(member_info(name, created_at), data)
        if media_root is not None:  # streamed from the store, checked against the ledger
            media = write_media(zf, entries, media_root, lambda n: member_info(n, created_at))
    tmp.replace(out)
    digests = json.loads(members["manifest.json"])["files"]
    missing = tuple(media_left_out(set(media), entries)) if media_root is not None else ()
    return BundleSummary(out, case_id, len(entries), signer.key_id, digests, tuple(media), missing)


def member_info(name: str, created_at: str) -> zipfile.ZipInfo:
    """A bundle member's zip header: deflated, dated ``created_at`` (so that one export
    is the same bytes however often it is packed), readable by its owner."""
    when = parse_time(created_at)
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def bundle_members(
    signer: Signer,
    *,
    entries: list[LedgerEntry],
    state: dict[str, Any],
    head: SignedHead,
    registration: tuple[RegisterEntry, RegisterHead],
    created_at: str,
    name: str = "case.zip",
    extra: dict[str, bytes] | None = None,
    bundle_format: str = BUNDLE_FORMAT,
) -> dict[str, bytes]:
    """Every member of a bundle by name, in zip order: the signed manifest first.

    Parameters
    ----------
    signer
        The station key.
    entries, state, head
        The case's verified chain, its projection and its signed head.
    registration
        The case's register entry and the register's head.
    created_at
        The export time, ISO 8601 UTC.
    name
        The bundle's file name (for its README).
    extra
        Further members listed in the manifest (the report, the map).
    bundle_format
        The manifest's ``format`` (:data:`BUNDLE_FORMATS`).
    """
    case_id = head.case_id
    register_entry, register_head = registration
    files: dict[str, bytes] = {
        "public_key.pem": public_key_pem(signer.public_key).encode("ascii"),
        "ledger.jsonl": _ledger_bytes(entries),
        "case.json": json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True).encode(),
        "register.json": json.dumps(
            {
                "entry": {**register_entry.to_json(), "register": REGISTER_DOMAIN},
                "head": register_head.to_json(),
            },
            indent=2,
        ).encode("utf-8"),
        **(extra or {}),
        **_attachments(entries),
    }
    if signer.history is not None:  # the key was rotated: every key, validity, hand-over
        files["keys.json"] = json.dumps(signer.history.to_json(), indent=2).encode("utf-8")
    files["README.txt"] = _README.format(
        case_id=case_id,
        created_at=created_at,
        key_id=signer.key_id,
        name=name,
        format=bundle_format,
    ).encode("utf-8")
    manifest = {
        "format": bundle_format,
        "case_id": case_id,
        "created_at": created_at,
        "key_id": signer.key_id,
        "n_events": len(entries),
        "head": head.to_json(),
        "files": {member: _sha(data) for member, data in sorted(files.items())},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    return {
        "manifest.json": manifest_bytes,
        "manifest.sig": signer.sign(manifest_bytes).encode("ascii"),
        **files,
    }


@dataclass
class BundleReport:
    """The result of :func:`verify_bundle`."""

    path: Path
    case_id: str = "?"
    key_id: str = "?"
    n_events: int = 0
    problems: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Media files the ledger records that the bundle does not carry (by SHA-256).
    media_left_out: list[str] = field(default_factory=list)
    #: The case's number in the station register, when register.json checks out.
    registered_as: int | None = None
    #: When the bundle was exported (from the signed manifest): it shows the case then.
    created_at: str = "?"
    #: The manifest's bundle format (``sarwatch-evidence-bundle/N``).
    format: str = "?"

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.problems and not self.findings

    def kinds(self) -> set[str]:
        """The kinds of ledger problems found (edited, deleted, reordered, inserted...)."""
        return {f.problem for f in self.findings}

    def summary(self) -> str:
        """Readable result."""
        if self.ok:
            registered = f", the station's case #{self.registered_as}" if self.registered_as else ""
            left = len(self.media_left_out)
            media = f"; {left} media file(s) listed by hash only, not carried" if left else ""
            return (
                f"{self.path.name}: case {self.case_id}{registered}, {self.n_events} events: "
                f"bundle intact, chain and signatures valid (station key {self.key_id}); "
                f"the case as exported at {self.created_at}{media}"
            )
        lines = [f"{self.path.name}: case {self.case_id}: verification FAILED"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  - {f.problem}: {f.message}" for f in self.findings]
        return "\n".join(lines)


#: What to give instead, for the messages about a path that is not a bundle.
def verify_bundle(path: Path, *, expected_key_id: str | None = None) -> BundleReport:
    """Check an evidence bundle offline; the report names every problem found."""
    path = Path(path)
    report = BundleReport(path)
    zf = open_bundle(path)
    with zf:
        names = set(zf.namelist())
        report.problems += layout_problems(zf, path)
        unpacked = sum(
            i.file_size for i in zf.infolist() if not i.filename.startswith(MEDIA_PREFIX)
        )  # media members are hashed in chunks, against the sizes the ledger recorded
        if unpacked > _MAX_UNPACKED_BYTES:
            report.problems.append(
                f"the zip unpacks to {unpacked:,} bytes, more than a bundle holds "
                f"({_MAX_UNPACKED_BYTES:,}): not read (a zip bomb?)"
            )
            return report
        missing = [
            f"{required} is missing from the bundle"
            for required in ("manifest.json", "manifest.sig", "public_key.pem", "ledger.jsonl")
            if required not in names
        ]
        if missing:
            report.problems += missing
            return report
        manifest_bytes = read_member(zf, "manifest.json", report)
        try:
            manifest = json.loads(manifest_bytes or b"")
            report.case_id = str(manifest["case_id"])
            report.created_at = str(manifest.get("created_at", "?"))
            report.format = str(manifest.get("format", "?"))
            listed: dict[str, str] = manifest.get("files", {})
            if not all(isinstance(v, str) for v in listed.values()):
                raise TypeError("a file's digest is not text")
        except (ValueError, KeyError, TypeError, AttributeError):
            report.problems.append("manifest.json is not valid JSON with a case_id and files")
            return report
        try:
            public_key = load_public_key(read_member(zf, "public_key.pem", report) or b"")
        except IntegrityError as exc:
            report.problems.append(str(exc))
            return report
        report.key_id = compute_key_id(public_key)
        if report.format not in BUNDLE_FORMATS:
            report.problems.append(
                f"manifest.json says format {report.format!r}: this sarwatch verifies "
                f"{', '.join(BUNDLE_FORMATS)}; a newer sarwatch may read it"
            )
        if expected_key_id and report.key_id != expected_key_id:
            report.problems.append(
                f"signed with key {report.key_id}, not the expected station key {expected_key_id}"
            )
        signature = (
            (read_member(zf, "manifest.sig", report) or b"").decode("ascii", "replace").strip()
        )
        if not verify_signature(public_key, signature, manifest_bytes or b""):
            report.problems.append("manifest.json was modified: its signature does not match")
        contents: dict[str, bytes] = {}
        for name, digest in sorted(listed.items()):
            if name not in names:
                report.problems.append(f"{name} was deleted from the bundle")
                continue
            data = read_member(zf, name, report)
            if data is not None and _sha(data) != digest:
                report.problems.append(f"{name} was modified after export (SHA-256 differs)")
            contents[name] = data or b""
        media = {n for n in names if n.startswith(MEDIA_PREFIX)}  # checked by the ledger
        for name in sorted(names - set(listed) - {"manifest.json", "manifest.sig"} - media):
            report.problems.append(f"{name} was added to the bundle after export")
        if "ledger.jsonl" not in contents:
            contents["ledger.jsonl"] = read_member(zf, "ledger.jsonl", report) or b""
        entries = _read_ledger(contents["ledger.jsonl"], report)
        report.n_events = len(entries)
        if report.format == BUNDLE_FORMATS[0] and any(e.format != 1 for e in entries):
            report.problems.append(
                "ledger.jsonl holds events of record format 2 in a bundle of format 1, "
                "which cannot carry them"
            )
        head = None
        try:
            head = SignedHead.from_json(manifest["head"])
        except (KeyError, IntegrityError):
            report.problems.append("manifest.json has no valid signed head")
        keys, history, key_problems = bundle_keys(
            contents.get("keys.json"), public_key, report.key_id
        )
        report.problems.extend(key_problems)
        chain = verify_chain(entries, keys, case_id=report.case_id, head=head)
        report.findings.extend(chain.findings)
        for seq, why in history.retired_use(entries) if history else []:
            report.findings.append(Finding("inserted", seq, why))
        if "register.json" in names and entries:
            data = contents.get("register.json") or read_member(zf, "register.json", report) or b""
            _check_register_json(data, entries[0], keys, report)
        if chain.ok and "case.json" in names:
            data = contents.get("case.json") or read_member(zf, "case.json", report) or b""
            _check_case_json(data, entries, report)
        if chain.ok:
            _check_attachments(zf, names, contents, entries, report)
            report.problems += media_problems(zf, entries)
            report.media_left_out = media_left_out(names, entries)
    return report


def _check_register_json(
    data: bytes, first: LedgerEntry, keys: Mapping[str, Ed25519PublicKey], report: BundleReport
) -> None:
    try:
        stated = json.loads(data)
        entry = RegisterEntry.from_json(stated["entry"])
        head = RegisterHead.from_json(stated["head"])
    except (ValueError, KeyError, TypeError, IntegrityError) as exc:
        report.problems.append(f"register.json is unreadable: {exc}")
        return
    for problem in check_registration(
        entry, head, keys, case_id=report.case_id, first_hash=first.hash
    ):
        report.problems.append(f"register.json: {problem}")
    if not any(p.startswith("register.json") for p in report.problems):
        report.registered_as = entry.seq


def _read_ledger(data: bytes, report: BundleReport) -> list[LedgerEntry]:
    entries = []
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(LedgerEntry.from_json(json.loads(line)))
        except (ValueError, IntegrityError) as exc:
            report.problems.append(f"ledger.jsonl line {number} is unreadable: {exc}")
    return entries


def _check_case_json(data: bytes, entries: list[LedgerEntry], report: BundleReport) -> None:
    try:
        stated = json.loads(data)
        rebuilt = case_to_json(
            fold([(e.kind, e.payload, parse_time(e.recorded_at)) for e in entries])
        )
    except (ValueError, SarwatchError) as exc:
        report.problems.append(f"case.json cannot be checked against the ledger: {exc}")
        return
    if not same_json(stated, rebuilt):
        report.problems.append("case.json does not match the state the ledger rebuilds")


def _check_attachments(
    zf: zipfile.ZipFile,
    names: set[str],
    contents: dict[str, bytes],
    entries: list[LedgerEntry],
    report: BundleReport,
) -> None:
    """Each ``attachment_added`` event has its member, holding its payload; no other
    ``attachments/`` member exists."""
    expected = {attachment_name(e): e for e in entries if e.kind == "attachment_added"}
    for name, entry in sorted(expected.items()):
        if name not in names:
            report.problems.append(
                f"{name} is missing: event #{entry.seq} attached it and the bundle must carry it"
            )
            continue
        data = contents[name] if name in contents else read_member(zf, name, report)
        try:
            stated = json.loads(data or b"")
        except ValueError:
            stated = None
        if not same_json(stated, entry.payload):
            report.problems.append(
                f"{name} is not the attachment that event #{entry.seq} records in the ledger"
            )
    for name in sorted(n for n in names if n.startswith("attachments/") and n not in expected):
        report.problems.append(
            f"{name} is carried by no attachment event of the ledger: it is not part of the record"
        )


def bundle_anchor(path: Path, *, key_id: str) -> Anchor:
    """The case head and register head an evidence bundle carries, as an :class:`Anchor`.

    The bundle must verify against the station key ``key_id`` first: an anchor
    that is not the station's proves nothing.
    """
    report = verify_bundle(path, expected_key_id=key_id)
    if not report.ok:
        raise IntegrityError(
            f"{Path(path).name} cannot serve as an anchor: it does not verify\n{report.summary()}"
        )
    with zipfile.ZipFile(path) as zf:
        head = SignedHead.from_json(json.loads(zf.read("manifest.json"))["head"])
        register = None
        if "register.json" in zf.namelist():
            stated = RegisterHead.from_json(json.loads(zf.read("register.json"))["head"])
            register = (stated.seq, stated.hash)
    return Anchor(Path(path).name, register, ((head.case_id, head.seq, head.hash),))
