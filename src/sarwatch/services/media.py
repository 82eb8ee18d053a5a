"""Media evidence: photos, audio, video and documents attached to a case.

A file is received chunk by chunk into the content-addressed store
(:class:`~sarwatch.adapters.blobs.store.BlobStore`, ``<home_dir>/media``) while its
SHA-256 and size are computed, then recorded in the case's ledger as a ``media``
attachment (hash, media type, size, file name, who added it). The file itself stays
outside the database. A reception that fails leaves no file and no event; a ledger
write that is refused removes the file it had just kept.

A photo's EXIF time and GPS position are *offered* as a position report for the
coordinator to confirm (:attr:`MediaAdded.offer`); nothing is recorded from them.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from sarwatch.adapters.blobs.exif import read_photo_fix
from sarwatch.adapters.blobs.store import BlobStore, Reception, TooLargeError
from sarwatch.domain.events import format_time
from sarwatch.domain.intake import check_text
from sarwatch.errors import InputError
from sarwatch.services.attachments import Attachments, media_record

if TYPE_CHECKING:
    from sarwatch.services.cases import CaseService
    from sarwatch.services.ports import CaseRecord
    from sarwatch.settings import Settings

__all__ = ["CHUNK_BYTES", "MediaAdded", "MediaService", "TooLargeError", "media_service"]

#: Bytes read at a time from a file or a request.
CHUNK_BYTES = 1 << 20

_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


@dataclass(frozen=True)
class MediaAdded:
    """What adding a media file recorded.

    Attributes
    ----------
    record
        The attachment record (plain JSON) in the ledger.
    case
        The case after the write.
    offer
        For a photo with EXIF GPS and time: a position report to confirm (plain JSON,
        as ``POST /api/cases/{id}/reports`` takes it); else ``None``.
    new_file
        Whether the store did not hold this content before.
    """

    record: dict[str, Any]
    case: CaseRecord
    offer: dict[str, Any] | None
    new_file: bool

    def to_json(self) -> dict[str, Any]:
        """The answer of the upload route."""
        return {
            "case_id": self.case.case_id,
            "kind": "media",
            "record": self.record,
            "position_offer": self.offer,
            "head_seq": self.case.head.seq if self.case.head else None,
        }


@dataclass
class MediaService:
    """Receive media files and record them on cases.

    Parameters
    ----------
    cases
        The station's case service.
    blobs
        The media store.
    max_bytes
        The largest file accepted (``Settings.media_max_bytes``).
    """

    cases: CaseService
    blobs: BlobStore
    max_bytes: int

    def receive(self, case_id: str) -> Reception:
        """Start receiving a file for ``case_id`` (refused at once if the case is unknown
        or closed, before any byte is read)."""
        self.cases.require_writable(case_id)
        return self.blobs.receive(self.max_bytes)

    def add(
        self,
        case_id: str,
        reception: Reception,
        *,
        media_type: str | None,
        file_name: str,
        actor: str,
    ) -> MediaAdded:
        """Keep a finished reception and record it on the case (one ledger event)."""
        try:
            name = clean_file_name(file_name)
            kind = clean_media_type(media_type, name)
            if reception.size_bytes == 0:  # a failed download or copy, not evidence
                raise InputError(
                    f"{name} is empty (0 bytes): nothing was recorded; check the file "
                    "(a download or copy that failed?) and add it again"
                )
        except InputError:
            reception.discard()
            raise
        digest, new = self.blobs.keep(reception)
        record = media_record(
            sha256=digest,
            size_bytes=reception.size_bytes,
            media_type=kind,
            file_name=name,
            added_by=actor,
        )
        try:
            case = Attachments(self.cases).media(case_id, record, actor=actor)
        except BaseException:
            if new:
                self.blobs.remove(digest)
            raise
        offer = photo_offer(self.blobs.path(digest), name) if kind.startswith("image/") else None
        return MediaAdded(record.to_json(), case, offer, new)

    def add_chunks(
        self,
        case_id: str,
        chunks: Iterable[bytes],
        *,
        media_type: str | None,
        file_name: str,
        actor: str,
    ) -> MediaAdded:
        """Receive ``chunks`` and record them; on any failure nothing is kept."""
        reception = self.receive(case_id)
        try:
            for chunk in chunks:
                reception.write(chunk)
        except BaseException:
            reception.discard()
            raise
        return self.add(case_id, reception, media_type=media_type, file_name=file_name, actor=actor)

    def add_file(
        self, case_id: str, path: Path, *, actor: str, media_type: str | None = None
    ) -> MediaAdded:
        """Add the file at ``path`` (read in chunks)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path} is not a file; give the photo, audio, video or document")
        with path.open("rb") as fh:
            return self.add_chunks(
                case_id,
                iter(lambda: fh.read(CHUNK_BYTES), b""),
                media_type=media_type,
                file_name=path.name,
                actor=actor,
            )


def media_service(cases: CaseService, settings: Settings) -> MediaService:
    """The media service of a station (files under ``<home_dir>/media``)."""
    blobs = BlobStore(Path(settings.home_dir) / "media")
    return MediaService(cases, blobs, settings.media_max_bytes)


def clean_file_name(name: str) -> str:
    """The file's own name (no folders), checked as free text; at most 255 characters."""
    base = PureWindowsPath(PurePosixPath(str(name)).name).name.strip()
    if not base or base in (".", ".."):
        raise InputError("give the media file's name (e.g. photo.jpg)")
    if len(base) > 255:
        raise InputError(f"the file name is {len(base)} characters long; at most 255")
    return check_text(base, "file name")


#: Content types that say how a request was sent, not what the file is: ``curl
#: --data-binary`` sends the first unless told otherwise. The type is then guessed.
_TRANSPORT_TYPES = ("application/octet-stream", "application/x-www-form-urlencoded")


def clean_media_type(given: str | None, file_name: str) -> str:
    """``type/subtype`` (lowercase, parameters dropped), or guessed from the name.

    Examples
    --------
    >>> clean_media_type("application/x-www-form-urlencoded", "boat.jpg")
    'image/jpeg'
    >>> clean_media_type("IMAGE/PNG; q=1", "x.bin")
    'image/png'
    """
    text = (given or "").split(";")[0].strip().lower()
    if text.startswith("multipart/"):
        raise InputError(
            "send the file itself as the request body, not a form: e.g. curl --data-binary "
            "@boat.jpg -H 'Content-Type: image/jpeg' '…/media?file_name=boat.jpg' (a form "
            "would be stored with its boundaries, not as the file)"
        )
    if not text or text in _TRANSPORT_TYPES:
        text = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    if not _MEDIA_TYPE.fullmatch(text):
        raise InputError(f"media type {text[:80]!r} is not of the form type/subtype (image/jpeg)")
    return text


def photo_offer(path: Path, file_name: str) -> dict[str, Any] | None:
    """The photo's EXIF position and time as a position report to confirm, or ``None``."""
    fix = read_photo_fix(path)
    if fix is None or fix.lon is None or fix.lat is None or fix.time is None:
        return None
    return {
        "time": format_time(fix.time),
        "lon": fix.lon,
        "lat": fix.lat,
        "kind": "gps",
        "source": {"name": f"EXIF of {file_name}", "quality": 1},
        "uncertainty_nm": 0.0,
        "note": "read from the photo's EXIF: confirm with the source before recording "
        "(camera clocks and forwarded photos mislead)",
    }
