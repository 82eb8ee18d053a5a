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
    attachments/NNN-<kind>.json   assessment and drift-run records with their inputs
                        (forcing file names, hashes, time windows, parameters, seed)
    report.html, report.pdf, map.png   the human-readable report

:func:`verify_bundle` checks the manifest signature, every file's hash, the
ledger chain and signatures (naming any edited, deleted, reordered or inserted
event), that ``case.json`` and the attachments are what the ledger says, and
optionally that the key is the one the station publishes (``expected_key_id``):
a bundle re-signed from scratch with another key is self-consistent, so compare
the printed key id with the station's published one.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sarwatch.domain.events import case_to_json, fold, format_time, parse_time
from sarwatch.errors import InputError, IntegrityError, SarwatchError
from sarwatch.ledger import (
    Finding,
    LedgerEntry,
    RegisterEntry,
    RegisterHead,
    SignedHead,
    canonical_json,
    check_registration,
    load_public_key,
    public_key_pem,
    verify_chain,
)
from sarwatch.ledger.keys import key_id as compute_key_id
from sarwatch.ledger.keys import verify_signature
from sarwatch.services.cases import CaseService

__all__ = ["BUNDLE_FORMAT", "BundleReport", "BundleSummary", "build_bundle", "verify_bundle"]

BUNDLE_FORMAT = "sarwatch-evidence-bundle/1"

_README = """sarwatch evidence bundle for case {case_id}
Created {created_at} by the station whose Ed25519 key id is {key_id}.

Every change to the case is an event in ledger.jsonl. Each event carries the SHA-256
of its canonical JSON body (keys sorted, no spaces, UTF-8) and the hash of the
previous event, and is signed with the station key (public_key.pem). manifest.json
lists the SHA-256 of every file and is signed too (manifest.sig). register.json is the
case's signed entry in the station's register of every case it opened, and the
register's signed head when this bundle was made.

To check it offline:   sarwatch bundle verify {name} --key-id {key_id}
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


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _ledger_bytes(entries: list[LedgerEntry]) -> bytes:
    return b"".join(canonical_json(e.to_json()) + b"\n" for e in entries)


def _attachments(entries: list[LedgerEntry]) -> dict[str, bytes]:
    out = {}
    for e in entries:
        if e.kind == "attachment_added":
            name = f"attachments/{e.seq:04d}-{e.payload['kind']}.json"
            out[name] = json.dumps(e.payload, indent=2, ensure_ascii=False).encode("utf-8")
    return out


def build_bundle(
    service: CaseService, case_id: str, out: Path, *, with_pdf: bool = True
) -> BundleSummary:
    """Export ``case_id`` as an evidence bundle at ``out`` (a zip file).

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
    signer = service.signer
    created_at = format_time(datetime.now(UTC))
    state = record.state
    map_png = render_map_png(state)
    files: dict[str, bytes] = {
        "public_key.pem": public_key_pem(signer.public_key).encode("ascii"),
        "ledger.jsonl": _ledger_bytes(entries),
        "case.json": json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True).encode(),
        "register.json": json.dumps(
            {"entry": register_entry.to_json(), "head": register_head.to_json()}, indent=2
        ).encode("utf-8"),
        "map.png": map_png,
        "report.html": render_html(
            state, entries, map_png=map_png, key_id=signer.key_id, created_at=created_at
        ).encode("utf-8"),
        **_attachments(entries),
    }
    if with_pdf:
        files["report.pdf"] = render_pdf(
            state, entries, key_id=signer.key_id, created_at=created_at
        )
    files["README.txt"] = _README.format(
        case_id=case_id, created_at=created_at, key_id=signer.key_id, name=Path(out).name
    ).encode("utf-8")
    if record.head is None:
        raise IntegrityError(f"case {case_id} has no signed head")
    digests = {name: _sha(data) for name, data in sorted(files.items())}
    manifest = {
        "format": BUNDLE_FORMAT,
        "case_id": case_id,
        "created_at": created_at,
        "key_id": signer.key_id,
        "n_events": len(entries),
        "head": record.head.to_json(),
        "files": digests,
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", manifest_bytes)
        zf.writestr("manifest.sig", signer.sign(manifest_bytes))
        for name, data in files.items():
            zf.writestr(name, data)
    tmp.replace(out)
    return BundleSummary(out, case_id, len(entries), signer.key_id, digests)


@dataclass
class BundleReport:
    """The result of :func:`verify_bundle`."""

    path: Path
    case_id: str = "?"
    key_id: str = "?"
    n_events: int = 0
    problems: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: The case's number in the station register, when register.json checks out.
    registered_as: int | None = None

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
            return (
                f"{self.path.name}: case {self.case_id}{registered}, {self.n_events} events: "
                f"bundle intact, chain and signatures valid (station key {self.key_id})"
            )
        lines = [f"{self.path.name}: case {self.case_id}: verification FAILED"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  - {f.problem}: {f.message}" for f in self.findings]
        return "\n".join(lines)


def verify_bundle(path: Path, *, expected_key_id: str | None = None) -> BundleReport:
    """Check an evidence bundle offline; the report names every problem found."""
    path = Path(path)
    report = BundleReport(path)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path} is not a readable zip file: {exc}") from None
    with zf:
        names = set(zf.namelist())
        for required in ("manifest.json", "manifest.sig", "public_key.pem", "ledger.jsonl"):
            if required not in names:
                report.problems.append(f"{required} is missing from the bundle")
        if report.problems:
            return report
        manifest_bytes = zf.read("manifest.json")
        try:
            manifest = json.loads(manifest_bytes)
            report.case_id = str(manifest["case_id"])
        except (ValueError, KeyError, TypeError):
            report.problems.append("manifest.json is not valid JSON with a case_id")
            return report
        try:
            public_key = load_public_key(zf.read("public_key.pem"))
        except IntegrityError as exc:
            report.problems.append(str(exc))
            return report
        report.key_id = compute_key_id(public_key)
        if expected_key_id and report.key_id != expected_key_id:
            report.problems.append(
                f"signed with key {report.key_id}, not the expected station key {expected_key_id}"
            )
        signature = zf.read("manifest.sig").decode("ascii", "replace").strip()
        if not verify_signature(public_key, signature, manifest_bytes):
            report.problems.append("manifest.json was modified: its signature does not match")
        listed: dict[str, str] = manifest.get("files", {})
        for name, digest in sorted(listed.items()):
            if name not in names:
                report.problems.append(f"{name} was deleted from the bundle")
            elif _sha(zf.read(name)) != digest:
                report.problems.append(f"{name} was modified after export (SHA-256 differs)")
        for name in sorted(names - set(listed) - {"manifest.json", "manifest.sig"}):
            report.problems.append(f"{name} was added to the bundle after export")
        entries = _read_ledger(zf.read("ledger.jsonl"), report)
        report.n_events = len(entries)
        head = None
        try:
            head = SignedHead.from_json(manifest["head"])
        except (KeyError, IntegrityError):
            report.problems.append("manifest.json has no valid signed head")
        chain = verify_chain(
            entries, {report.key_id: public_key}, case_id=report.case_id, head=head
        )
        report.findings.extend(chain.findings)
        if "register.json" in names and entries:
            _check_register_json(zf.read("register.json"), entries[0], public_key, report)
        if chain.ok and "case.json" in names:
            _check_case_json(zf.read("case.json"), entries, report)
    return report


def _check_register_json(
    data: bytes, first: LedgerEntry, public_key: Ed25519PublicKey, report: BundleReport
) -> None:
    try:
        stated = json.loads(data)
        entry = RegisterEntry.from_json(stated["entry"])
        head = RegisterHead.from_json(stated["head"])
    except (ValueError, KeyError, TypeError, IntegrityError) as exc:
        report.problems.append(f"register.json is unreadable: {exc}")
        return
    keys = {report.key_id: public_key}
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
    if canonical_json(stated) != canonical_json(rebuilt):
        report.problems.append("case.json does not match the state the ledger rebuilds")
