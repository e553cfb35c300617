"""Byte ranges of stored values: a range from a start (with an optional length) or a suffix.

:class:`ByteRange` owns the bounds arithmetic, so every store clips the same way: a range
that reaches past the end of a value is cut at the end (possibly to ``b""``), and a suffix
longer than the value is the whole value.

The tuple form ``(offset, length)`` that zarr-core accepted before stays accepted by
:meth:`ByteRange.coerce` (a negative ``offset`` with ``length=None`` is a suffix), so callers
of ``Store.get_partial_values`` may pass either.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from zarr_core.errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["ByteRange"]


@dataclass(frozen=True, slots=True)
class ByteRange:
    """A range of bytes in a stored value.

    Parameters
    ----------
    start
        First byte, counted from the start (ignored for a suffix).
    length
        Number of bytes from ``start``; ``None`` reads to the end.
    suffix
        When set, the range is the last ``suffix`` bytes (``start``/``length`` unused).

    Examples
    --------
    >>> ByteRange(2, 3).slice(b"abcdefg")
    b'cde'
    >>> ByteRange.last(2).slice(b"abcdefg")
    b'fg'
    >>> ByteRange(5, 10).bounds(7)
    (5, 7)
    """

    start: int = 0
    length: int | None = None
    suffix: int | None = None

    def __post_init__(self) -> None:
        for name in ("start", "length", "suffix"):
            value = getattr(self, name)
            if value is None:
                continue
            if type(value) is not int:
                try:
                    value = operator.index(value)  # numpy integers too
                except TypeError:
                    raise ArgumentTypeError(
                        f"ByteRange.{name} must be an int, got {value!r}"
                    ) from None
                object.__setattr__(self, name, value)
            if value < 0:
                raise InvalidArgumentError(f"ByteRange.{name} must not be negative, got {value}")
        if self.suffix is not None and (self.start or self.length is not None):
            raise InvalidArgumentError("a suffix ByteRange takes neither start nor length")

    @classmethod
    def last(cls, n: int) -> ByteRange:
        """The last ``n`` bytes of a value."""
        return cls(suffix=n)

    @classmethod
    def coerce(cls, value: Any) -> ByteRange | None:
        """A :class:`ByteRange` from one, from an ``(offset, length)`` tuple, or ``None``.

        ``None`` means the whole value and stays ``None``. In the tuple form a negative
        ``offset`` with ``length=None`` is a suffix (``(-10, None)``: the last 10 bytes).
        """
        if value is None or type(value) is cls:
            return value
        try:
            offset, length = value
        except (TypeError, ValueError):
            raise ArgumentTypeError(
                f"a byte range is a ByteRange, an (offset, length) tuple or None, got {value!r}"
            ) from None
        if offset is not None and offset < 0:
            if length is not None:
                raise InvalidArgumentError(
                    f"a suffix range ({offset}, {length}) must have length None"
                )
            return cls(suffix=-offset)
        return cls(offset or 0, length)

    @property
    def is_suffix(self) -> bool:
        return self.suffix is not None

    def bounds(self, size: int) -> tuple[int, int]:
        """``(start, stop)`` of this range in a value of ``size`` bytes, clipped to it."""
        if self.suffix is not None:
            return max(size - self.suffix, 0), size
        start = min(self.start, size)
        if self.length is None:
            return start, size
        return start, min(self.start + self.length, size)

    def slice(self, value: bytes | memoryview) -> bytes:
        """The bytes of ``value`` this range covers."""
        start, stop = self.bounds(len(value))
        return bytes(value[start:stop])

    def __repr__(self) -> str:
        if self.suffix is not None:
            return f"ByteRange.last({self.suffix})"
        return f"ByteRange({self.start}, {self.length})"
