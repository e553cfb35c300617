"""ZipReader: a zip archive held as one value of any store, read through byte ranges.

This is the ``zip:`` stage of URL pipelines (``s3://bucket/x.zip|zip:inner/path/``). It
never downloads the whole archive: opening it reads the end of the value (the end record,
and the central directory when that is small), then the central directory if it was not
in that tail; each value is then one ranged read of its member (local header and data
together), nearby members batched into one request. Stored (uncompressed) members also
serve byte ranges by reading only those bytes.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from zarr_core.storage.adapters import StoreAdapter
from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.keys import normalize_path, validate_key
from zarr_core_zip import _format as fmt
from zarr_core_zip.errors import BadZipArchiveError, ZipArchiveReadOnlyError

__all__ = ["ZipReader"]

# Ranges closer than this are read as one request (the gap is read and dropped): one
# round trip to an object store costs far more than 64 KiB of transfer.
MAX_GAP = 1 << 16
# ... but no merged request grows beyond this.
MAX_SPAN = 16 << 20


class ZipReader(Store, StoreAdapter):
    """A read-only store over the zip archive stored at ``key`` of ``store``.

    Parameters
    ----------
    store
        Where the archive is: any :class:`~zarr_core.storage.Store` (a directory, S3
        through fsspec, memory, even another ``ZipReader``), or anything
        :func:`zarr_core.open_store` accepts.
    key
        The key of the archive in ``store``.

    Notes
    -----
    Every read is a byte-range read (``store.get_partial_values``) of the archive; the
    archive's size comes from ``store.getsize(key)`` when it is larger than the tail read
    on opening. The central directory is read once, on opening: later changes to the
    archive are not seen (reopen to see them). Members whose names are not valid store
    keys are not exposed (a :class:`~zarr_core_zip.errors.ZipMemberNameWarning` names
    them). Closing the reader closes ``store``. Pickling pickles ``store`` and ``key``;
    the copy reads the directory again.

    Examples
    --------
    >>> import zarr_core
    >>> z = zarr_core.open("s3://bucket/data.zip|zip:", mode="r")  # doctest: +SKIP
    """

    supports_writes = False
    supports_deletes = False
    supports_partial_reads = True
    is_persistent = True
    #: The URL-pipeline stage before this one names the archive's key (see resolve.py).
    consumes: ClassVar[str] = "value"

    def __init__(self, store: Any, key: str):
        super().__init__(read_only=True)
        if not isinstance(store, Store):
            from zarr_core.storage.resolve import open_store

            store = open_store(store, mode="r")
        self.store = store
        self.key = validate_key(key)
        self._where = f"the zip archive {key!r} in {store!r}"
        # Only one thread fills in data offsets at a time; the index itself never changes.
        self._lock = threading.Lock()
        self._index = self._load()

    # -- opening ------------------------------------------------------------------------
    def _load(self) -> dict[str, fmt.Member]:
        (tail,) = self.store.get_partial_values([(self.key, (-fmt.TAIL_SIZE, None))])
        if tail is None:
            raise FileNotFoundError(
                f"no value at {self.key!r} in {self.store!r} to read as a zip archive"
            )
        tail = bytes(tail)
        whole = len(tail) < fmt.TAIL_SIZE
        size = len(tail) if whole else self.store.getsize(self.key)
        try:
            end = fmt.find_end_record(tail, tail[:4] if whole else None, self._where)
        except BadZipArchiveError:
            if whole:
                raise
            # Only now is the start worth a request: it tells an unfinished archive from
            # something that is no zip at all, and the same tail fails again with that.
            (head,) = self.store.get_partial_values([(self.key, (0, 4))])
            fmt.find_end_record(tail, bytes(head or b""), self._where)
            raise  # not reached
        start = size - end.after_directory - end.directory_size
        if start < 0 or start < end.directory_offset:
            raise fmt.unfinished(self._where, "its end record points outside the archive")
        tail_start = size - len(tail)
        if start >= tail_start:
            directory = tail[start - tail_start : start - tail_start + end.directory_size]
        else:
            (directory,) = self._fetch([(start, end.directory_size)])
        members = fmt.parse_directory(directory, end, start - end.directory_offset, self._where)
        found = fmt.classify(members)
        if found.invalid:
            fmt.warn_invalid(found.invalid, self._where, stacklevel=3)  # the reader's opener
        return found.index

    @classmethod
    def from_store(
        cls, store: Store, path: str, body: str, *, mode: str = "r"
    ) -> tuple[ZipReader, str]:
        """The ``zip:`` URL-pipeline stage: read the archive at ``path`` of ``store``.

        Returns the reader and the path inside the archive that ``body`` names. Modes
        that create or require writing (``"w"``, ``"w-"``, ``"x"``, ``"r+"``) are refused.
        """
        if mode not in ("r", "a"):
            raise ZipArchiveReadOnlyError(
                f"the archive {path!r} opened through zip: with mode={mode!r}"
            )
        return cls(store, path), normalize_path(body)

    # -- fetching -----------------------------------------------------------------------
    def _fetch(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """Read absolute byte ranges ``(start, length)`` of the archive, merging nearby ones."""
        if not ranges:
            return []
        order = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
        groups: list[list[Any]] = []  # [start, stop, indices]
        for i in order:
            start, length = ranges[i]
            stop = start + length
            if (
                groups
                and start - groups[-1][1] <= MAX_GAP
                and max(stop, groups[-1][1]) - groups[-1][0] <= MAX_SPAN
            ):
                groups[-1][1] = max(groups[-1][1], stop)
                groups[-1][2].append(i)
            else:
                groups.append([start, stop, [i]])
        results = self.store.get_partial_values(
            [(self.key, (start, stop - start)) for start, stop, _ in groups]
        )
        out: list[bytes] = [b""] * len(ranges)
        for (group_start, _, indices), data in zip(groups, results):
            if data is None:
                raise FileNotFoundError(f"{self._where} has disappeared")
            view = memoryview(data)
            for i in indices:
                start, length = ranges[i]
                out[i] = bytes(view[start - group_start : start - group_start + length])
        return out

    def _locate(self, members: Iterable[fmt.Member]) -> None:
        """Read the local headers of ``members`` whose data offsets are not known yet."""
        unknown = list({id(m): m for m in members if m.data_offset is None}.values())
        if unknown:
            headers = self._fetch([(m.offset, m.header_guess) for m in unknown])
            with self._lock:
                for member, header in zip(unknown, headers):
                    member.data_offset = member.offset + fmt.local_header_length(
                        header, member, self._where
                    )

    def _stored(self, members: Sequence[fmt.Member]) -> list[bytes]:
        """The stored bytes of ``members``: header and data in one range where the offset is unknown."""
        ranges = [
            (m.data_offset, m.csize)
            if m.data_offset is not None
            else (m.offset, m.header_guess + m.csize)
            for m in members
        ]
        fetched = self._fetch(ranges)
        out: list[bytes] = []
        short = []
        for i, (member, data) in enumerate(zip(members, fetched)):
            if member.data_offset is None:
                length = fmt.local_header_length(data, member, self._where)
                with self._lock:
                    member.data_offset = member.offset + length
                data = data[length : length + member.csize]
                if len(data) < member.csize:  # the local header was longer than guessed
                    short.append(i)
            out.append(data)
        if short:
            for i, data in zip(
                short, self._fetch([(members[i].data_offset, members[i].csize) for i in short])
            ):
                out[i] = data
        return out

    def _values(self, members: Sequence[fmt.Member]) -> list[bytes]:
        return [
            fmt.decompress(m, raw, self._where) for m, raw in zip(members, self._stored(members))
        ]

    # -- primitives ---------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        member = self._index.get(key)
        if member is None:
            raise KeyError(key)
        return self._values([member])[0]

    def _contains(self, key: str) -> bool:
        return key in self._index

    def _keys(self) -> Iterable[str]:
        return list(self._index)

    def _len(self) -> int:
        return len(self._index)

    def _check_writable(self, key: str | None = None) -> None:
        raise ZipArchiveReadOnlyError(f"store {self!r}", key)

    # -- listing ------------------------------------------------------------------------
    def _list_prefix(self, prefix: str) -> Iterable[str]:
        return [k for k in self._index if k.startswith(prefix)]

    def _getsize(self, path: str) -> int:
        if path in self._index:
            return self._index[path].usize
        prefix = path + "/" if path else ""
        return sum(m.usize for k, m in self._index.items() if k.startswith(prefix))

    # -- batches and ranges -------------------------------------------------------------
    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        found = {key: self._index[key] for key in keys if key in self._index}
        return dict(zip(found, self._values(list(found.values()))))

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        ranged = []  # (request index, member, start, stop) of stored members
        whole: dict[str, fmt.Member] = {}
        for i, (key, byte_range) in enumerate(requests):
            member = self._index.get(key)
            if member is None:
                continue
            if byte_range is not None and member.method == zipfile.ZIP_STORED:
                ranged.append((i, member, *byte_range.bounds(member.usize)))
            else:
                whole[key] = member
        self._locate(m for _, m, start, stop in ranged if stop > start)
        wanted = [(i, m, start, stop) for i, m, start, stop in ranged if stop > start]
        pieces = self._fetch(
            [(m.data_offset + start, stop - start) for _, m, start, stop in wanted]
        )
        values = dict(zip(whole, self._values(list(whole.values()))))
        out: list[bytes | None] = [None] * len(requests)
        for i, _, _, _ in ranged:
            out[i] = b""
        for (i, _, _, _), piece in zip(wanted, pieces):
            out[i] = piece
        for i, (key, byte_range) in enumerate(requests):
            if key in values:
                out[i] = values[key] if byte_range is None else byte_range.slice(values[key])
        return out

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Close the store holding the archive."""
        self.store.close()
        super().close()

    def _identity(self) -> Any:
        return (self.store, self.key)

    def __reduce__(self):
        return (type(self), (self.store, self.key))

    def __repr__(self) -> str:
        return f"<ZipReader {self.key!r} of {self.store!r}>"
