"""Bad arguments and values raise typed zarr-core errors that are also the builtin exception
zarr-python 2 code catches, and name what was wrong; a refused value writes nothing."""

from __future__ import annotations

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    PathNotFoundError,
    ValueConversionError,
    ZarrCoreError,
)
from zarr_core.storage import ByteRange, MemoryStore
from zarr_core.storage.url import parse_url


def _group_with_array():
    root = zarr_core.group(MemoryStore())
    root.zeros("x", shape=3, dtype="i4")
    return root


CASES = {
    "chunks of 0": (lambda: zarr_core.zeros(10, chunks=0), InvalidArgumentError, "chunk sizes"),
    "order": (lambda: zarr_core.zeros(3, order="X"), InvalidArgumentError, "order must be"),
    "mode": (
        lambda: zarr_core.open(MemoryStore(), mode="z"),
        InvalidArgumentError,
        "invalid mode 'z'",
    ),
    "zarr_format": (
        lambda: zarr_core.zeros(3, zarr_format=4),
        InvalidArgumentError,
        "zarr_format must be 2 or 3, got 4",
    ),
    "shards": (
        lambda: zarr_core.create(100, chunks=30, shards=100, zarr_format=3),
        InvalidArgumentError,
        r"the shard shape \(100,\) must be a multiple of the chunk shape \(30,\)",
    ),
    "shards of 0": (
        lambda: zarr_core.create(100, chunks=30, shards=0, zarr_format=3),
        InvalidArgumentError,
        r"shard sizes must be positive, got \(0,\)",
    ),
    "shards type": (
        lambda: zarr_core.create(100, chunks=30, shards="big", zarr_format=3),
        ArgumentTypeError,
        "shards must be an integer or a tuple of integers, got 'big'",
    ),
    "resize dimensions": (
        lambda: zarr_core.zeros(10).resize(3, 3),
        InvalidArgumentError,
        "resize needs 1 dimensions",
    ),
    "append shape": (
        lambda: zarr_core.zeros((10, 3)).append(np.ones(2)),
        InvalidArgumentError,
        "cannot append data of shape",
    ),
    "consolidated mode": (
        lambda: zarr_core.open_consolidated(MemoryStore(), mode="w"),
        InvalidArgumentError,
        r"invalid mode 'w'; open_consolidated takes 'r' or 'r\+'",
    ),
    "dimension separator": (
        lambda: MemoryStore(dimension_separator="x"),
        InvalidArgumentError,
        "dimension_separator must be",
    ),
    "negative byte range": (
        lambda: ByteRange(-1),
        InvalidArgumentError,
        "must not be negative",
    ),
    "dtype": (
        lambda: zarr_core.zeros(3, dtype="foo"),
        ArgumentTypeError,
        "dtype 'foo' is not a NumPy data type",
    ),
    "fill_value of zeros": (
        lambda: zarr_core.zeros(3, fill_value=9),
        ArgumentTypeError,
        "use zarr_core.full",
    ),
    "view arguments": (
        lambda: zarr_core.zeros(3).view(dtype="i8"),
        ArgumentTypeError,
        "unsupported view arguments",
    ),
    "create_dataset without shape": (
        lambda: zarr_core.group().create_dataset("x"),
        ArgumentTypeError,
        "needs shape= or data=",
    ),
    "require_dataset shape": (
        lambda: _group_with_array().require_dataset("x", shape=4),
        ArgumentTypeError,
        r"shapes do not match: existing \(3,\)",
    ),
    "store value type": (
        lambda: MemoryStore().__setitem__("k", 123),
        ArgumentTypeError,
        "store values must be bytes-like",
    ),
    "URL type": (
        lambda: parse_url(123),
        ArgumentTypeError,
        "expected a URL string",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_arguments_raise_typed_errors_naming_the_argument(case):
    call, error, message = CASES[case]
    builtin = ValueError if issubclass(error, InvalidArgumentError) else TypeError
    with pytest.raises(error, match=message) as info:
        call()
    assert isinstance(info.value, ZarrCoreError) and isinstance(info.value, builtin)


@pytest.mark.parametrize(
    ("value", "cause"),
    [("hello", "ValueError"), ({"a": 1}, "TypeError"), (2**40, "OverflowError")],
)
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_a_value_that_does_not_convert_names_the_array_and_writes_nothing(
    value, cause, zarr_format
):
    root = zarr_core.group(MemoryStore(), zarr_format=zarr_format)
    z = root.full("sub/x", shape=4, chunks=2, fill_value=7, dtype="i4")
    z[:] = 5
    before = dict(root.store.items())
    with pytest.raises(ValueConversionError) as info:
        z[1:3] = value
    error = info.value
    # both builtins NumPy may raise, so 2.x code catching either still does
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
    assert str(error).startswith(f"cannot store {value!r} in array '/sub/x' of data type int32: ")
    assert f": {cause}: " in str(error) and error.path == "sub/x"
    assert dict(root.store.items()) == before
    assert z[:].tolist() == [5, 5, 5, 5]


def test_a_long_value_is_shortened_in_the_message():
    z = zarr_core.zeros(3, dtype="f8")
    with pytest.raises(ValueConversionError, match=r"cannot store 'xxxx.*\.\.\. in array") as info:
        z[0] = "x" * 500
    # the value (60 characters) and NumPy's message, which repeats it (120), are shortened
    assert len(str(info.value)) < 260


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_a_missing_member_is_a_key_error_naming_the_group_and_store(zarr_format):
    root = zarr_core.group(MemoryStore(), zarr_format=zarr_format)
    sub = root.create_group("sub")
    root.zeros("x", shape=2)
    store = repr(root.store)
    for action in (
        lambda: sub["nope"],
        lambda: sub.__delitem__("nope"),
        lambda: sub.move("nope", "elsewhere"),
    ):
        with pytest.raises(PathNotFoundError) as info:
            action()
        assert isinstance(info.value, KeyError)
        assert str(info.value) == (
            f"group '/sub' has no member 'nope': nothing found at path 'sub/nope' in {store}"
        )
    # membership and get() still answer without raising
    assert "nope" not in sub and sub.get("nope") is None and "x" in root
    assert sub.get("/x").path == "x"


def test_a_missing_member_says_a_node_of_the_other_format_is_there():
    store = MemoryStore()
    root = zarr_core.group(store, zarr_format=2)
    zarr_core.zeros(3, store=store, path="arr", zarr_format=3)
    with pytest.raises(PathNotFoundError, match="has no member 'arr'.*Zarr format 3") as info:
        root["arr"]
    assert info.value.hint and "format 3" in info.value.hint
