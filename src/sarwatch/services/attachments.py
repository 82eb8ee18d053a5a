"""Case attachments, built on the server from the inputs it verified.

Every attachment (an assessment, a drift run; later search plans and AIS snapshots)
is a record of one shape, :class:`AttachmentRecord`:

``tool``
    What made it (``sarwatch drift 0.4.0``).
``request``
    The request as verified (every parameter; local file paths reduced to names).
``result``
    What came out (the drift run's summary, the assessment).
``seed``
    The random seed that reproduces the result (``None`` when nothing is random).
``forcing``
    The environment read: per field a description, and every file with its name,
    bytes, SHA-256 and the time window read (``None`` when no forcing was read).
``output_files``
    Written outputs by kind with their file name, bytes and SHA-256.
``run_id``
    The station's run id: a run of the server, or one of ``sarwatch drift --case --out``
    kept in the station's runs (:mod:`sarwatch.services.kept_runs`); ``None`` otherwise.

The CLI and the page send requests, never records: ``sarwatch drift --case`` and
``POST /api/drift`` with ``case_id`` both end in :meth:`Attachments.drift_run`, so a
run attached from the map carries the same provenance as one attached from the CLI.
A new attachment kind adds a ``*_record`` builder here and a method on
:class:`Attachments` (docs/design/007-drift-result-and-attachments.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarwatch import __version__
from sarwatch.services.provenance import file_digest, request_record

if TYPE_CHECKING:
    from sarwatch.drift.result import DriftResult
    from sarwatch.services.assess import Assessment
    from sarwatch.services.cases import CaseService
    from sarwatch.services.drift import DriftRequest

__all__ = [
    "AttachmentRecord",
    "Attachments",
    "assessment_record",
    "describe_attachment",
    "drift_run_record",
    "media_record",
    "output_files",
    "reconstruction_record",
    "responders_record",
    "search_plan_record",
]


@dataclass(frozen=True)
class AttachmentRecord:
    """The one shape of every case attachment's record (see the module docstring)."""

    tool: str
    request: dict[str, Any]
    result: dict[str, Any]
    seed: int | None = None
    forcing: dict[str, Any] | None = None
    output_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    run_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON, every key present."""
        return {
            "tool": self.tool,
            "request": self.request,
            "result": self.result,
            "seed": self.seed,
            "forcing": self.forcing,
            "output_files": self.output_files,
            "run_id": self.run_id,
        }


def output_files(files: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Written outputs by kind: file name, bytes and SHA-256 (read now, from disk)."""
    return {
        kind: {
            "file": Path(path).name,
            "bytes": Path(path).stat().st_size,
            "sha256": file_digest(Path(path)),
        }
        for kind, path in sorted(files.items())
    }


def drift_run_record(
    req: DriftRequest, result: DriftResult, *, run_id: str | None = None
) -> AttachmentRecord:
    """The attachment of a finished drift run: request, seed, forcing hashes, outputs."""
    summary = result.summary.to_json()
    summary.pop("files", None)  # local paths; the outputs are named with their hashes
    return AttachmentRecord(
        tool=f"sarwatch drift {__version__}",
        request=request_record(req),
        result=summary,
        seed=result.summary.seed,
        forcing=result.summary.forcing.to_json(),
        output_files=output_files(dict(result.files)),
        run_id=run_id,
    )


def assessment_record(request: dict[str, Any], assessment: Assessment) -> AttachmentRecord:
    """The attachment of an assessment: the request (position, speed, situation,
    vessel, routes) and the assessment as the API and ``assess --json`` give it."""
    return AttachmentRecord(
        tool=f"sarwatch assess {__version__}",
        request=dict(request),
        result=assessment.to_dict(),
    )


def search_plan_record(
    request: dict[str, Any],
    answer: dict[str, Any],
    files: dict[str, Path] | None = None,
    *,
    tool: str = "plan",
) -> AttachmentRecord:
    """The attachment of a search plan or plan update: the request as verified, the
    answer, the sampling seed and the written files' hashes."""
    return AttachmentRecord(
        tool=f"sarwatch {tool} {__version__}",
        request=dict(request),
        result=dict(answer),
        seed=request.get("seed"),
        output_files=output_files(dict(files or {})),
    )


def reconstruction_record(rec: dict[str, Any], files: dict[str, Path]) -> AttachmentRecord:
    """The attachment of a case reconstruction: the ledger head it was built from (the
    request), the reconstruction itself (timeline and answers, the JSON written) and the
    hashes of the HTML, PDF and JSON files (rebuilt byte for byte from the same head)."""
    return AttachmentRecord(
        tool=f"sarwatch case reconstruct {__version__}",
        request={
            "case_id": rec["case_id"],
            "head_seq": rec["head_seq"],
            "head_hash": rec["head_hash"],
        },
        result=rec,
        output_files=output_files(files),
    )


def responders_record(answer: dict[str, Any], picture: dict[str, Any]) -> AttachmentRecord:
    """The attachment of a responders ranking: its parameters, the ranking, and the AIS
    picture it used (each vessel's last report and static data) with that picture's
    SHA-256 (:func:`sarwatch.services.responders.picture_snapshot`)."""
    request: dict[str, Any] = {
        k: answer[k]
        for k in ("case_id", "computed_at", "max_report_age_h", "min_speed_kn")
        if k in answer
    }
    request["cloud"] = answer.get("cloud")
    return AttachmentRecord(
        tool=f"sarwatch responders {__version__}",
        request=request,
        result={"vessels": answer.get("vessels", []), "picture": picture},
        run_id=(answer.get("cloud") or {}).get("run_id"),
    )


def media_record(
    *, sha256: str, size_bytes: int, media_type: str, file_name: str, added_by: str
) -> AttachmentRecord:
    """The attachment of a media file (photo, audio, video, document) kept outside the
    database under its SHA-256 (:mod:`sarwatch.services.media`)."""
    result = {
        "sha256": sha256,
        "size_bytes": size_bytes,
        "media_type": media_type,
        "file_name": file_name,
        "added_by": added_by,
    }
    return AttachmentRecord(
        tool=f"sarwatch media {__version__}",
        request={"file_name": file_name, "media_type": media_type},
        result=result,
        output_files={"media": {"file": file_name, "bytes": size_bytes, "sha256": sha256}},
    )


class Attachments:
    """Attach verified records to cases (through the case service's one write path).

    Parameters
    ----------
    cases
        The station's case service.
    """

    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def require_writable(self, case_id: str) -> None:
        """Refuse an unknown or closed case before long work (see ``CaseService``)."""
        self.cases.require_writable(case_id)

    def drift_run(
        self,
        case_id: str,
        req: DriftRequest,
        result: DriftResult,
        *,
        actor: str,
        run_id: str | None = None,
    ) -> AttachmentRecord:
        """Attach a finished drift run to a case; returns the record attached."""
        record = drift_run_record(req, result, run_id=run_id)
        self.cases.attach(case_id, "drift_run", record.to_json(), actor=actor)
        return record

    def assessment(
        self, case_id: str, request: dict[str, Any], assessment: Assessment, *, actor: str
    ) -> AttachmentRecord:
        """Attach an assessment to a case; returns the record attached."""
        record = assessment_record(request, assessment)
        self.cases.attach(case_id, "assessment", record.to_json(), actor=actor)
        return record

    def search_plan(
        self,
        case_id: str,
        request: dict[str, Any],
        answer: dict[str, Any],
        files: dict[str, Path] | None = None,
        *,
        actor: str,
        tool: str = "plan",
    ) -> AttachmentRecord:
        """Attach a search plan (or a plan update, ``tool="plan update"``) to a case."""
        record = search_plan_record(request, answer, files, tool=tool)
        self.cases.attach(case_id, "search_plan", record.to_json(), actor=actor)
        return record

    def reconstruction(
        self, case_id: str, rec: dict[str, Any], files: dict[str, Path], *, actor: str
    ) -> AttachmentRecord:
        """Attach a case reconstruction (``Reconstruction.to_json()`` and its files)."""
        record = reconstruction_record(rec, files)
        self.cases.attach(case_id, "reconstruction", record.to_json(), actor=actor)
        return record

    def responders(
        self, case_id: str, answer: dict[str, Any], picture: dict[str, Any], *, actor: str
    ) -> AttachmentRecord:
        """Attach a responders ranking and the AIS picture it used to a case."""
        record = responders_record(answer, picture)
        self.cases.attach(case_id, "responders", record.to_json(), actor=actor)
        return record

    def media(self, case_id: str, record: AttachmentRecord, *, actor: str) -> Any:
        """Attach a media file's record (:func:`media_record`); returns the case record."""
        return self.cases.attach(case_id, "media", record.to_json(), actor=actor)


def describe_attachment(kind: str, record: dict[str, Any]) -> str:
    """One line a person reads for an attachment (the timeline of ``case show`` and the
    report); the whole record stays in the ledger and the bundle's ``attachments/``.

    Raises ``KeyError``/``TypeError`` for a record of another shape (the caller then
    shows its JSON).
    """
    from sarwatch.geo.position import format_position

    result = record["result"]
    if kind == "drift_run":
        start = result["start"]
        where = format_position(start["lon"], start["lat"], decimals=2)
        text = (
            f"drift run: {result['object']} {result['time_direction']} {result['hours']:g} h "
            f"from {where} at {start['time']}, {result['n']:,} particles, seed {record['seed']}"
        )
        last = (result.get("outputs") or [None])[-1]
        if last is not None and last.get("centroid_lat") is not None:
            centroid = format_position(last["centroid_lon"], last["centroid_lat"], decimals=2)
            area = last.get("containment_area_km2", {}).get("90")
            shares = ", ".join(
                f"{k} {v:.0%}"
                for k, v in last.get("srr_share", {}).items()
                if v > 0 and k != "none"
            )
            text += f"; at {last['hours']:+g} h: centroid {centroid}"
            text += f", 90% area {area:,.0f} km²" if area is not None else ""
            text += f", stranded {last['stranded_share']:.0%}"
            text += f", SAR regions {shares}" if shares else ""
        forcing = record.get("forcing") or {}
        files = [f"{f['file']} (SHA-256 {f['sha256'][:12]}…)" for f in forcing.get("files", [])]
        text += f"; wind: {forcing.get('wind', '?')}; current: {forcing.get('current', '?')}"
        text += f"; forcing files: {', '.join(files)}" if files else ""
        outputs = sorted(f["file"] for f in (record.get("output_files") or {}).values())
        text += f"; outputs: {', '.join(outputs)}" if outputs else ""
        return text
    if kind == "assessment":
        distance = result.get("distance_to_coast_nm")
        coast = (
            f"{distance:g} nm from the coast"
            + (f" ({result['nearest_coast_state']})" if result.get("nearest_coast_state") else "")
            if distance is not None
            else "no coast found nearby"
        )
        zone = str(result["zone"]).replace("_", " ")
        if result.get("zone_state"):
            zone += f" of {result['zone_state']}"
        srr = ", ".join(result.get("srr") or []) or "none of the packaged regions"
        text = f"assessment of {result['position']}: {zone}, {coast}; SAR regions {srr}"
        if result.get("on_land"):
            text += "; ON LAND"
        places = result.get("places_of_safety") or []
        # a contested port is shown, never recommended: the nearest place of safety is the
        # nearest eligible one, and nearer contested ports are named as such
        first = next((p for p in places if p["status"] == "eligible"), None)
        limit = first["sea_distance_nm"] if first else float("inf")
        if first:
            text += (
                f"; nearest place of safety by sea {first['port']} ({first['country']}, "
                f"{first['sea_distance_nm']:g} nm)"
            )
        nearer = [p for p in places if p["status"] != "eligible" and p["sea_distance_nm"] < limit]
        if nearer:
            text += "; nearer, " + ", ".join(
                f"{p['status']}: {p['port']} ({p['country']}, {p['sea_distance_nm']:g} nm)"
                for p in nearer
            )
        return text
    if kind == "search_plan":
        units = ", ".join(
            f"{u['name']} {u['pattern']} S {u['track_spacing_nm']:.2f} nm POS {u['pos']:.0%}"
            for u in result["units"]
        )
        datum = result["datum"]["points"][0]
        where = format_position(datum["lon"], datum["lat"], decimals=2)
        text = (
            f"{record['tool']}: datum {where} at {result['datum']['time']}; {units}; "
            f"total POS {result['total_pos']:.0%}"
        )
        if result.get("cumulative_pos") is not None:
            text += f"; cumulative POS {result['cumulative_pos']:.0%}"
        outputs = sorted(f["file"] for f in (record.get("output_files") or {}).values())
        text += f"; outputs: {', '.join(outputs)}" if outputs else ""
        return text
    if kind == "reconstruction":
        rccs = ", ".join(
            f"{r['srr_id']} {r['first_known'] or 'no contact'}" for r in result.get("rccs", [])
        )
        return (
            f"reconstruction of the ledger up to #{result['head_seq']}: "
            f"{len(result['timeline'])} timeline entries; RCCs first knew: {rccs or 'none'}; "
            f"{len(result['vessels'])} vessel(s) with ETAs; "
            f"{len(result['answers'])} answer(s) timed"
        )
    if kind == "responders":
        ranked = result["vessels"]
        firsts = ", ".join(
            f"{v['name'] or v['mmsi']}{' (SAR)' if v['sar'] else ''} {v['eta_p50_h']:g} h"
            for v in ranked[:3]
            if v["eta_p50_h"] is not None
        )
        cloud = record["request"]["cloud"]
        return (
            f"responders at {record['request']['computed_at']} against "
            f"{'drift run ' + cloud['run_id'] if cloud['run_id'] else 'the last position'}: "
            f"{len(ranked)} vessels ranked"
            + (f", first {firsts}" if firsts else "")
            + f"; AIS picture SHA-256 {result['picture']['sha256'][:12]}…"
        )
    if kind == "media":
        return (
            f"media {result['file_name']} ({result['media_type']}, {result['size_bytes']:,} "
            f"bytes, SHA-256 {result['sha256']}) added by {result['added_by']}"
        )
    raise KeyError(kind)
