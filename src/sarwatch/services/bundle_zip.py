"""The byte layout of an evidence bundle's zip: every byte belongs to a member or the directory.

A zip reader finds members through the central directory at the end of the file;
a reader that scans from the start (or a carver) finds local headers wherever they
are. Bytes that belong to no member are where a second story can hide, so
:func:`layout_problems` names any: before the first member, between two members
(only an exact, matching data descriptor may follow a member whose header says so),
between the last member and the directory, between the directory and its end
record, a zip comment, and anything after the end record. A name that appears twice
is named too (readers differ on which copy they show). docs/evidence-format.md,
"The zip", states the same rules for other verifiers.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Protocol

from sarwatch.errors import InputError

__all__ = ["ZIP_READ_ERRORS", "layout_problems", "open_bundle", "read_member"]

_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_END = b"PK\x05\x06"
_END_SIZE = 22
_MAX_COMMENT = 0xFFFF
_DATA_DESCRIPTOR_FLAG = 0x08


def layout_problems(zf: zipfile.ZipFile, path: Path) -> list[str]:
    """What other zip readers could show differently from the check of the members.

    Parameters
    ----------
    zf
        The bundle, opened.
    path
        Its file (read again here, byte by byte where members are not).

    Returns
    -------
    list of str
        One sentence per problem; empty when every byte belongs to a member, a
        data descriptor, the central directory or its end record.
    """
    problems = [
        f"{name} appears {n} times in the zip: other readers may show another copy than "
        "the one checked"
        for name, n in sorted(Counter(zf.namelist()).items())
        if n > 1
    ]
    with Path(path).open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return problems + _gaps(zf, data)


def _gaps(zf: zipfile.ZipFile, data: mmap.mmap) -> list[str]:
    problems: list[str] = []
    position = 0
    previous: zipfile.ZipInfo | None = None
    for info in sorted(zf.infolist(), key=lambda i: i.header_offset):
        header = data[info.header_offset : info.header_offset + 30]
        if len(header) < 30 or header[:4] != _LOCAL:
            problems.append(f"{info.filename}: no local header where the directory says")
            return problems
        gap = info.header_offset - position
        if gap and not _is_descriptor(data[position : info.header_offset], previous):
            where = f"between {previous.filename} and" if previous else "before"
            problems.append(
                f"{gap} bytes {where} {info.filename} belong to no member: data was hidden "
                "in the zip"
            )
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        position = info.header_offset + 30 + name_len + extra_len + info.compress_size
        previous = info
    start_dir = getattr(zf, "start_dir", position)
    gap = start_dir - position
    if gap and not _is_descriptor(data[position:start_dir], previous):
        problems.append(
            f"{gap} bytes before the zip's directory belong to no member: data was hidden "
            "in the zip"
        )
    problems += _end_problems(data, start_dir)
    return problems


def _is_descriptor(gap: bytes, member: zipfile.ZipInfo | None) -> bool:
    """Whether ``gap`` is exactly the data descriptor of ``member``, which announces one.

    A data descriptor (flag bit 3 of the member's header) follows the member's data:
    an optional signature ``PK\\x07\\x08``, then CRC-32, compressed and uncompressed
    sizes (4 bytes each; a bundle is never zip64), which must match the member's.
    """
    if member is None or not member.flag_bits & _DATA_DESCRIPTOR_FLAG:
        return False
    body = gap[4:] if gap[:4] == _DESCRIPTOR else gap
    expected = (member.CRC, member.compress_size, member.file_size)
    return len(body) == 12 and struct.unpack("<III", body) == expected


def _end_problems(data: mmap.mmap, start_dir: int) -> list[str]:
    """The central directory's end: its record where the directory ends, no comment,
    nothing after it."""
    end = data.rfind(_END, max(0, len(data) - _END_SIZE - _MAX_COMMENT))
    if end < 0 or len(data) - end < _END_SIZE:
        return ["the zip's end-of-central-directory record cannot be found"]
    (dir_size, _dir_offset, comment_len) = struct.unpack("<IIH", data[end + 12 : end + 22])
    problems = []
    dir_end = start_dir + dir_size
    if end != dir_end:
        problems.append(
            f"{end - dir_end} bytes between the zip's directory and its end record belong "
            "to no member (a zip64 record or hidden data): a bundle has none"
            if end > dir_end
            else "the zip's end record does not follow its directory"
        )
    if comment_len:
        problems.append(
            f"the zip carries a comment of {comment_len} bytes: a bundle has none (a reader "
            "may show it as if it were part of the evidence)"
        )
    trailing = len(data) - (end + _END_SIZE + comment_len)
    if trailing > 0:
        problems.append(
            f"{trailing} bytes after the zip's end record belong to no member: data was "
            "appended to the bundle"
        )
    elif trailing < 0:
        problems.append("the zip's comment runs past the end of the file: the zip was cut")
    return problems


#: Errors of reading one member of a damaged or altered zip.
ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,  # a member name that is not the UTF-8 its flag promises, a bad offset
)


class _Report(Protocol):
    problems: list[str]


_WHAT_TO_GIVE = (
    "give the zip file of a bundle, as 'sarwatch case export CASE_ID --out case.zip' "
    "writes it or GET /api/cases/CASE_ID/bundle downloads it"
)


def open_bundle(path: Path) -> zipfile.ZipFile:
    """The bundle at ``path`` opened as a zip, or an error that says what is wrong and
    what to give: no such file, a directory, a file that cannot be read, not a zip."""
    if path.is_dir():
        zips = sorted(p.name for p in path.glob("*.zip"))[:5]
        inside = f" (zip files in it: {', '.join(zips)})" if zips else ""
        raise InputError(f"{path} is a directory, not a bundle{inside}; {_WHAT_TO_GIVE}")
    if not path.exists():
        raise InputError(f"there is no file {path}; check the name, or {_WHAT_TO_GIVE}")
    try:
        return zipfile.ZipFile(path)
    except PermissionError:
        raise InputError(
            f"{path} cannot be read (permission denied): check its permissions or copy it "
            "somewhere you can read it"
        ) from None
    except OSError as exc:
        raise InputError(
            f"{path} cannot be read ({exc.strerror or exc}); {_WHAT_TO_GIVE}"
        ) from None
    except zipfile.BadZipFile:
        raise InputError(f"{path} is not a zip file, so not a bundle; {_WHAT_TO_GIVE}") from None
    except (NotImplementedError, ValueError, EOFError) as exc:  # a damaged central directory
        raise InputError(
            f"{path} is a damaged zip whose directory cannot be read ({exc}), so not a "
            f"bundle that can be checked; {_WHAT_TO_GIVE}"
        ) from None


def read_member(zf: zipfile.ZipFile, name: str, report: _Report) -> bytes | None:
    """A member's bytes (exactly its stated size, CRC checked), or ``None``, reported.

    zipfile stops at the end of a deflate stream without comparing its length with the
    size the directory states: a size edited in the directory is named here, since
    another reader may read that many bytes.
    """
    try:
        data = zf.read(name)
        if len(data) != zf.getinfo(name).file_size:
            raise zipfile.BadZipFile(
                f"its data is {len(data)} bytes, not the {zf.getinfo(name).file_size} the "
                "directory states"
            )
        return data
    except ZIP_READ_ERRORS as exc:
        report.problems.append(f"{name} cannot be read from the zip ({exc}): damaged or altered")
        return None
