"""Reading and writing the zip format: records, the central directory, member data.

Shared by :class:`~zarr_core_zip.ZipStore` (a local file it reads and writes) and
:class:`~zarr_core_zip.ZipReader` (an archive held as one value of any store, read through
byte ranges), so both parse and validate archives the same way. Nothing here does I/O:
callers hand in bytes they read and write the bytes they get back.

Layout (APPNOTE.TXT, the PKWARE specification): each member is a local header followed
by its data; after the last member comes the central directory (one entry per member,
pointing at its local header), then, for large archives, the ZIP64 end record and its
locator, then the end-of-central-directory record with an optional comment. Readers
find the end record by searching backwards from the end of the file.
"""

from __future__ import annotations

import stat
import struct
import time
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

try:  # the same CRC-32, several times faster (SIMD): it is the cost of reading a member
    from zlib_ng.zlib_ng import crc32
except ImportError:  # pragma: no cover - a dependency, unless installed without it
    from zlib import crc32

from zarr_core.errors import InvalidKeyError
from zarr_core.storage.keys import validate_key
from zarr_core_zip.errors import BadZipArchiveError, UnfinishedZipArchiveError, ZipMemberNameWarning

LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
END_SIG = b"PK\x05\x06"
ZIP64_END_SIG = b"PK\x06\x06"
ZIP64_LOCATOR_SIG = b"PK\x06\x07"

LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
END = struct.Struct("<4sHHHHIIH")
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<4sIQI")
ZIP64_EXTRA_ID = 0x0001

# The standard library switches to ZIP64 above 2 GiB rather than 4 GiB (some readers
# treat the 32-bit fields as signed); writing the same way keeps archives identical in
# what every reader accepts.
ZIP64_LIMIT = (1 << 31) - 1
FILECOUNT_LIMIT = 0xFFFF
MAX_COMMENT = 0xFFFF
# Enough of the end of a file to hold the end record with the longest comment, plus the
# ZIP64 locator and end record before it.
TAIL_SIZE = END.size + MAX_COMMENT + ZIP64_LOCATOR.size + ZIP64_END.size

FLAG_ENCRYPTED = 0x0001
FLAG_LZMA_EOS = 0x0002
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800

UNIX = 3
# Regular file, rw-r--r--: what the seeds' ZipStore writes, so unzip extracts usable files.
FILE_ATTR = (stat.S_IFREG | 0o644) << 16

_VERSION_NEEDED = {
    zipfile.ZIP_STORED: 20,
    zipfile.ZIP_DEFLATED: 20,
    zipfile.ZIP_BZIP2: 46,
    zipfile.ZIP_LZMA: 63,
}
SUPPORTED_METHODS = tuple(_VERSION_NEEDED)
ZIP64_VERSION = 45

# The LZMA properties a standard library writer uses (lc=3, lp=0, pb=2, 8 MiB dictionary).
_LZMA_DICT = 1 << 23
_LZMA_LC, _LZMA_LP, _LZMA_PB = 3, 0, 2


class Member:
    """One central-directory entry: where a member's record is and how its data is coded.

    ``offset`` is the absolute position of the local header in the file; ``data_offset``
    the absolute position of the data, known once the local header has been read (or
    when this process wrote the record). ``extra`` excludes the ZIP64 field, which is
    regenerated whenever the entry is written.
    """

    __slots__ = (
        "name",
        "raw_name",
        "version_made",
        "version_needed",
        "flags",
        "method",
        "dos_time",
        "dos_date",
        "crc",
        "csize",
        "usize",
        "offset",
        "internal_attr",
        "external_attr",
        "extra",
        "comment",
        "data_offset",
    )

    def __init__(
        self,
        name: str,
        raw_name: bytes,
        *,
        version_made: int,
        version_needed: int,
        flags: int,
        method: int,
        dos_time: int,
        dos_date: int,
        crc: int,
        csize: int,
        usize: int,
        offset: int,
        internal_attr: int = 0,
        external_attr: int = FILE_ATTR,
        extra: bytes = b"",
        comment: bytes = b"",
        data_offset: int | None = None,
    ):
        self.name = name
        self.raw_name = raw_name
        self.version_made = version_made
        self.version_needed = version_needed
        self.flags = flags
        self.method = method
        self.dos_time = dos_time
        self.dos_date = dos_date
        self.crc = crc
        self.csize = csize
        self.usize = usize
        self.offset = offset
        self.internal_attr = internal_attr
        self.external_attr = external_attr
        self.extra = extra
        self.comment = comment
        self.data_offset = data_offset

    @property
    def header_guess(self) -> int:
        """Likely length of the local header: writers usually repeat the directory's extra field."""
        return LOCAL.size + len(self.raw_name) + len(self.extra)

    def __repr__(self) -> str:
        return f"<Member {self.name!r} at {self.offset}, {self.csize} bytes>"


@dataclass(frozen=True)
class EndRecord:
    """What the end-of-central-directory record (and its ZIP64 version) says.

    ``after_directory`` counts the bytes from the end of the central directory to the
    end of the file (the end records and the comment).
    """

    count: int
    directory_size: int
    directory_offset: int
    after_directory: int
    comment: bytes


# -- reading -----------------------------------------------------------------------------
def unfinished(where: str, detail: str) -> UnfinishedZipArchiveError:
    return UnfinishedZipArchiveError(
        f"{where} is an unfinished or damaged zip archive: {detail}. A writer that is "
        "stopped before it closes its archive (killed, or close() never called) leaves "
        "one like this. zarr-core does not read it; tools that rebuild the central "
        "directory from the member records (`zip -FF`) can usually recover the members"
    )


def find_end_record(tail: bytes, head: bytes | None, where: str) -> EndRecord:
    """Locate and decode the end record in ``tail``, the last bytes of an archive.

    Parameters
    ----------
    tail
        The last :data:`TAIL_SIZE` bytes of the file (the whole file if it is shorter).
    head
        The first bytes of the file if known: only used to tell an unfinished archive
        (member records but no end record) from something that is no zip at all.
    where
        Names the archive in error messages.
    """
    if not tail:
        raise BadZipArchiveError(f"{where} is empty, not a zip archive")
    # Strict: the comment must reach exactly to the end of the file. A writer stopped
    # after rewriting part of the file leaves stale bytes after an old end record, and
    # chunk data may contain the signature by chance; neither passes this check.
    index = tail.rfind(END_SIG)
    while index >= 0:
        if len(tail) - index >= END.size:
            fields = END.unpack_from(tail, index)
            if index + END.size + fields[7] == len(tail):
                break
        index = tail.rfind(END_SIG, 0, index)
    else:
        if head is not None and head.startswith(LOCAL_SIG):
            raise unfinished(
                where, "it holds member records but no end-of-central-directory record"
            )
        raise BadZipArchiveError(
            f"{where} is not a zip archive (no end-of-central-directory record"
            + (")" if head is not None else "; an unfinished archive looks like this too)")
        )
    _, disk, directory_disk, disk_count, count, size, offset, comment_length = fields
    comment = tail[index + END.size : index + END.size + comment_length]
    directory_end = index
    locator_at = index - ZIP64_LOCATOR.size
    if locator_at >= 0 and tail[locator_at : locator_at + 4] == ZIP64_LOCATOR_SIG:
        record_at = locator_at - ZIP64_END.size
        if record_at < 0 or tail[record_at : record_at + 4] != ZIP64_END_SIG:
            raise unfinished(where, "its ZIP64 end record is missing")
        (_, _, _, _, disk, directory_disk, disk_count, count, size, offset) = ZIP64_END.unpack_from(
            tail, record_at
        )
        directory_end = record_at
    elif count == 0xFFFF or size == 0xFFFFFFFF or offset == 0xFFFFFFFF:
        raise unfinished(where, "its end record refers to a ZIP64 record that is not there")
    if disk != 0 or directory_disk != 0 or disk_count != count:
        raise BadZipArchiveError(f"{where} is a multi-disk (spanned) zip archive; not supported")
    return EndRecord(count, size, offset, len(tail) - directory_end, comment)


def _decode_name(raw: bytes, flags: int) -> str | None:
    if flags & FLAG_UTF8:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw.decode("cp437")


def _split_zip64(extra: bytes, usize: int, csize: int, offset: int, where: str, raw: bytes):
    """Apply the ZIP64 extra field; return the real sizes and offset and ``extra`` without it."""
    kept = []
    pos = 0
    while pos + 4 <= len(extra):
        field_id, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        if field_id == ZIP64_EXTRA_ID:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            try:
                if usize == 0xFFFFFFFF:
                    usize = values.pop(0)
                if csize == 0xFFFFFFFF:
                    csize = values.pop(0)
                if offset == 0xFFFFFFFF:
                    offset = values.pop(0)
            except IndexError:
                raise unfinished(where, f"the ZIP64 field of member {raw!r} is too short") from None
        else:
            kept.append(extra[pos : pos + 4 + length])
        pos += 4 + length
    return usize, csize, offset, b"".join(kept)


def parse_directory(data: bytes, end: EndRecord, shift: int, where: str) -> list[Member]:
    """Decode a central directory (``data``, exactly ``end.directory_size`` bytes).

    ``shift`` is added to every member offset: the number of bytes before the archive
    proper (self-extracting archives put a program there).
    """
    members = []
    pos = 0
    unpack = CENTRAL.unpack_from
    for _ in range(end.count):
        if data[pos : pos + 4] != CENTRAL_SIG:
            raise unfinished(where, f"its central directory is damaged at entry {len(members)}")
        (
            _,
            version_made,
            version_needed,
            flags,
            method,
            dos_time,
            dos_date,
            crc,
            csize,
            usize,
            name_length,
            extra_length,
            comment_length,
            _disk,
            internal_attr,
            external_attr,
            offset,
        ) = unpack(data, pos)
        pos += CENTRAL.size
        raw = data[pos : pos + name_length]
        extra = data[pos + name_length : pos + name_length + extra_length]
        comment = data[
            pos + name_length + extra_length : pos + name_length + extra_length + comment_length
        ]
        pos += name_length + extra_length + comment_length
        if 0xFFFFFFFF in (usize, csize, offset) or extra:
            usize, csize, offset, extra = _split_zip64(extra, usize, csize, offset, where, raw)
        members.append(
            Member(
                _decode_name(raw, flags),  # type: ignore[arg-type]  # None: checked by classify
                raw,
                version_made=version_made,
                version_needed=version_needed,
                flags=flags,
                method=method,
                dos_time=dos_time,
                dos_date=dos_date,
                crc=crc,
                csize=csize,
                usize=usize,
                offset=offset + shift,
                internal_attr=internal_attr,
                external_attr=external_attr,
                extra=extra,
                comment=comment,
            )
        )
    if pos != len(data):
        raise unfinished(where, "its central directory does not match its end record")
    return members


@dataclass
class Directory:
    """The members of an archive, sorted into what a store exposes and what it keeps aside.

    Attributes
    ----------
    index
        Key -> member, for every member whose name is a valid store key. When a name
        occurs more than once, the last entry wins, as in the standard library.
    others
        Members that are not keys but are preserved when the archive is rewritten:
        directory entries (``a/b/``) and names that are not valid keys.
    invalid
        The names of ``others`` that are not valid keys (absolute, ``..``, backslashes...).
    duplicates
        Whether some name occurred more than once (the archive holds dead records).
    """

    index: dict[str, Member]
    others: list[Member]
    invalid: list[str]
    duplicates: bool


def classify(members: Iterable[Member]) -> Directory:
    """Validate member names and build the key index (see :class:`Directory`)."""
    index: dict[str, Member] = {}
    others: list[Member] = []
    invalid: list[str] = []
    duplicates = False
    for member in members:
        name = member.name
        try:
            if name is None:
                raise InvalidKeyError(member.raw_name, "not valid UTF-8")
            validate_key(name[:-1] if name.endswith("/") and len(name) > 1 else name)
        except InvalidKeyError:
            others.append(member)
            invalid.append(repr(member.raw_name) if name is None else name)
            continue
        if name.endswith("/"):
            others.append(member)
        else:
            duplicates = duplicates or name in index
            index[name] = member
    return Directory(index, others, invalid, duplicates)


def warn_invalid(names: list[str], where: str, stacklevel: int) -> None:
    """Warn that ``where`` holds members named ``names``, which are not exposed as keys.

    ``stacklevel`` counts from the caller of this function, as for :func:`warnings.warn`.
    """
    shown = ", ".join(repr(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")
    warnings.warn(
        f"{where} holds {len(names)} member(s) whose names are not valid store keys "
        f"(absolute, '..', backslashes...): {shown}; they are not exposed",
        ZipMemberNameWarning,
        stacklevel=stacklevel + 1,
    )


def local_header_length(header: bytes, member: Member, where: str) -> int:
    """Check the local header at the start of ``header``; return its full length."""
    if len(header) < LOCAL.size or header[:4] != LOCAL_SIG:
        raise BadZipArchiveError(
            f"member {member.name!r} of {where}: no local header at offset {member.offset} "
            "(the archive is damaged)"
        )
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    raw = header[LOCAL.size : LOCAL.size + name_length]
    if len(raw) == name_length and raw != member.raw_name:
        raise BadZipArchiveError(
            f"member {member.name!r} of {where}: its local header names {raw!r} (the archive "
            "is damaged or was crafted to show different data to different readers)"
        )
    return LOCAL.size + name_length + extra_length


def _lzma_filters(properties: bytes) -> list[dict]:
    import lzma

    if len(properties) != 5:
        raise ValueError(f"unexpected LZMA properties {properties!r}")
    packed = properties[0]
    lc, rest = packed % 9, packed // 9
    return [
        {
            "id": lzma.FILTER_LZMA1,
            "lc": lc,
            "lp": rest % 5,
            "pb": rest // 5,
            "dict_size": int.from_bytes(properties[1:5], "little"),
        }
    ]


def decompress(member: Member, raw: bytes, where: str) -> bytes:
    """The value of ``member`` from its stored data ``raw``, checked against size and CRC-32."""
    if member.flags & FLAG_ENCRYPTED:
        raise BadZipArchiveError(f"member {member.name!r} of {where} is encrypted; not supported")
    if len(raw) != member.csize:
        raise BadZipArchiveError(
            f"member {member.name!r} of {where} is truncated ({len(raw)} of {member.csize} bytes)"
        )
    method = member.method
    try:
        if method == zipfile.ZIP_STORED:
            value = raw
        elif method == zipfile.ZIP_DEFLATED:
            # max_length: a member cannot inflate past the size its entry declares.
            value = zlib.decompressobj(-15).decompress(raw, member.usize)
        elif method == zipfile.ZIP_BZIP2:
            import bz2

            value = bz2.BZ2Decompressor().decompress(raw, member.usize)
        elif method == zipfile.ZIP_LZMA:
            import lzma

            (properties_length,) = struct.unpack_from("<H", raw, 2)
            filters = _lzma_filters(raw[4 : 4 + properties_length])
            value = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters).decompress(
                raw[4 + properties_length :], member.usize
            )
        else:
            raise BadZipArchiveError(
                f"member {member.name!r} of {where} uses compression method {method}; "
                f"zarr-core-zip reads methods {list(SUPPORTED_METHODS)}"
            )
    except (zlib.error, OSError, ValueError, EOFError, OverflowError, struct.error) as exc:
        raise BadZipArchiveError(
            f"member {member.name!r} of {where} does not decompress: {exc}"
        ) from exc
    if len(value) != member.usize or crc32(value) != member.crc:
        raise BadZipArchiveError(
            f"member {member.name!r} of {where} is damaged (size or CRC-32 does not match)"
        )
    return value


# -- writing -----------------------------------------------------------------------------
def check_method(method: int) -> int:
    """Return ``method`` if this package can write it, else raise ``ValueError``."""
    if method not in _VERSION_NEEDED:
        raise ValueError(
            f"unsupported compression {method!r}; use zipfile.ZIP_STORED, ZIP_DEFLATED, "
            "ZIP_BZIP2 or ZIP_LZMA"
        )
    return method


def compress(value: bytes, method: int) -> bytes:
    """Code ``value`` with ``method`` as the standard library would."""
    if method == zipfile.ZIP_STORED:
        return value
    if method == zipfile.ZIP_DEFLATED:
        coder = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        return coder.compress(value) + coder.flush()
    if method == zipfile.ZIP_BZIP2:
        import bz2

        return bz2.compress(value)
    import lzma

    packed = (_LZMA_PB * 5 + _LZMA_LP) * 9 + _LZMA_LC
    properties = bytes([packed]) + _LZMA_DICT.to_bytes(4, "little")
    filters = [
        {
            "id": lzma.FILTER_LZMA1,
            "lc": _LZMA_LC,
            "lp": _LZMA_LP,
            "pb": _LZMA_PB,
            "dict_size": _LZMA_DICT,
        }
    ]
    coder = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=filters)
    # Version 9.4 of the LZMA SDK and the properties' length, as zipfile writes them.
    return (
        struct.pack("<BBH", 9, 4, len(properties))
        + properties
        + coder.compress(value)
        + coder.flush()
    )


def dos_timestamp(seconds: float | None = None) -> tuple[int, int]:
    """``(time, date)`` fields for ``seconds`` since the epoch (now by default), local time."""
    t = time.localtime(seconds)
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    return dos_time, dos_date


def encode_name(key: str) -> tuple[bytes, int]:
    """The stored name of ``key`` and the flag bits its encoding needs."""
    if key.isascii():
        raw, flags = key.encode("ascii"), 0
    else:
        raw, flags = key.encode("utf-8"), FLAG_UTF8
    if len(raw) > 0xFFFF:
        raise InvalidKeyError(key, "zip member names are limited to 65535 bytes")
    return raw, flags


def _large(message: str, allow_zip64: bool) -> None:
    if not allow_zip64:
        raise zipfile.LargeZipFile(f"{message} would require ZIP64 extensions (allowZip64=False)")


@dataclass(frozen=True, slots=True)
class Coded:
    """A value ready to be written: its stored name and flag bits, stored bytes, CRC-32, size."""

    key: str
    raw_name: bytes
    flags: int
    data: bytes
    crc: int
    usize: int


def code(key: str, value: bytes, method: int) -> Coded:
    """Prepare ``value`` for writing under ``key`` with compression ``method``."""
    raw_name, flags = encode_name(key)
    return Coded(key, raw_name, flags, compress(value, method), crc32(value), len(value))


def new_member(
    coded: Coded, method: int, offset: int, timestamp: tuple[int, int], allow_zip64: bool
) -> Member:
    """The entry of a record this process writes at ``offset``."""
    zip64 = coded.usize > ZIP64_LIMIT or len(coded.data) > ZIP64_LIMIT
    if zip64:
        _large(f"member {coded.key!r}", allow_zip64)
    if offset > ZIP64_LIMIT:
        _large(f"an archive larger than {ZIP64_LIMIT} bytes (member {coded.key!r})", allow_zip64)
    needed = max(_VERSION_NEEDED[method], ZIP64_VERSION if zip64 else 0)
    return Member(
        coded.key,
        coded.raw_name,
        version_made=(UNIX << 8) | needed,
        version_needed=needed,
        flags=coded.flags | (FLAG_LZMA_EOS if method == zipfile.ZIP_LZMA else 0),
        method=method,
        dos_time=timestamp[0],
        dos_date=timestamp[1],
        crc=coded.crc,
        csize=len(coded.data),
        usize=coded.usize,
        offset=offset,
    )


def local_header(member: Member) -> bytes:
    """The local header of ``member`` (no data descriptor: sizes and CRC are in it)."""
    usize, csize, extra = member.usize, member.csize, b""
    if usize > ZIP64_LIMIT or csize > ZIP64_LIMIT:
        extra = struct.pack("<HHQQ", ZIP64_EXTRA_ID, 16, usize, csize)
        usize = csize = 0xFFFFFFFF
    return (
        LOCAL.pack(
            LOCAL_SIG,
            member.version_needed,
            member.flags & ~FLAG_DATA_DESCRIPTOR,
            member.method,
            member.dos_time,
            member.dos_date,
            member.crc,
            csize,
            usize,
            len(member.raw_name),
            len(extra),
        )
        + member.raw_name
        + extra
    )


def _central_entry(member: Member, allow_zip64: bool) -> bytes:
    usize, csize, offset = member.usize, member.csize, member.offset
    fields = []
    if usize > ZIP64_LIMIT or csize > ZIP64_LIMIT:
        fields += [usize, csize]
        usize = csize = 0xFFFFFFFF
    if offset > ZIP64_LIMIT:
        fields.append(offset)
        offset = 0xFFFFFFFF
    extra = member.extra
    version_made, version_needed = member.version_made, member.version_needed
    if fields:
        _large(f"member {member.name!r}", allow_zip64)
        extra = struct.pack(f"<HH{len(fields)}Q", ZIP64_EXTRA_ID, 8 * len(fields), *fields) + extra
        version_needed = max(version_needed, ZIP64_VERSION)
        version_made = (version_made & 0xFF00) | max(version_made & 0xFF, ZIP64_VERSION)
    return (
        CENTRAL.pack(
            CENTRAL_SIG,
            version_made,
            version_needed,
            member.flags,
            member.method,
            member.dos_time,
            member.dos_date,
            member.crc,
            csize,
            usize,
            len(member.raw_name),
            len(extra),
            len(member.comment),
            0,
            member.internal_attr,
            member.external_attr,
            offset,
        )
        + member.raw_name
        + extra
        + member.comment
    )


def encode_directory(
    members: Iterable[Member], offset: int, allow_zip64: bool, comment: bytes = b""
) -> bytes:
    """The central directory of ``members`` placed at ``offset``, and the end records."""
    entries = [_central_entry(m, allow_zip64) for m in members]
    directory = b"".join(entries)
    count, size = len(entries), len(directory)
    tail = b""
    if count > FILECOUNT_LIMIT or size > ZIP64_LIMIT or offset > ZIP64_LIMIT:
        _large(f"a central directory of {count} entries at offset {offset}", allow_zip64)
        tail = ZIP64_END.pack(
            ZIP64_END_SIG,
            ZIP64_END.size - 12,
            (UNIX << 8) | ZIP64_VERSION,
            ZIP64_VERSION,
            0,
            0,
            count,
            count,
            size,
            offset,
        ) + ZIP64_LOCATOR.pack(ZIP64_LOCATOR_SIG, 0, offset + size, 1)
    end = END.pack(
        END_SIG,
        0,
        0,
        min(count, 0xFFFF),
        min(count, 0xFFFF),
        min(size, 0xFFFFFFFF),
        min(offset, 0xFFFFFFFF),
        len(comment),
    )
    return directory + tail + end + comment
