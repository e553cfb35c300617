"""Consolidated metadata: the documents written (as zarr-python writes them), opening
with one store read, read-only metadata with writable data, and the store wrapper."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest

import zarr_core
from zarr_core.errors import GroupNotFoundError, MetadataError, ReadOnlyError
from zarr_core.storage import ConsolidatedMetadataStore, MemoryStore, Store
from zarr_core.storage.consolidated import ConsolidatedMetadataReadOnlyError
from zarr_core.testing.counting import CountingStore

_DOCUMENTS = ("zarr.json", ".zarray", ".zgroup", ".zattrs", ".zmetadata")


@pytest.fixture(params=[2, 3], ids=["v2", "v3"])
def fmt(request: pytest.FixtureRequest) -> int:
    return request.param


def _hierarchy(store: Store, fmt: int) -> zarr_core.Group:
    root = zarr_core.group(store, zarr_format=fmt)
    root.attrs.update(title="t", nan=float("nan"))
    a = root.create_group("a")
    a.attrs["level"] = 1
    b = a.array("b", np.arange(10), chunks=4)
    b.attrs["units"] = "m"
    root.zeros("c", shape=(3, 3), chunks=(2, 2), dtype="f4")
    root.create_group("Zed")
    root.create_group("a/deep/er")
    return root


def _walk(group: zarr_core.Group) -> dict:
    out = {"attrs": json.dumps(group.attrs.asdict(), sort_keys=True)}
    for name, child in group.groups():
        out[name] = _walk(child)
    for name, arr in group.arrays():
        out[name] = (arr.shape, str(arr.dtype), arr.attrs.asdict(), arr[...].tolist())
    return out


# -- the documents --------------------------------------------------------------------


def test_v2_document_is_zarr_python_2_layout() -> None:
    store = MemoryStore()
    _hierarchy(store, 2)
    zarr_core.consolidate_metadata(store)
    text = store[".zmetadata"].decode()
    doc = json.loads(text)
    assert doc["zarr_consolidated_format"] == 1
    assert sorted(doc["metadata"]) == [
        ".zattrs",
        ".zgroup",
        "Zed/.zgroup",
        "a/.zattrs",
        "a/.zgroup",
        "a/b/.zarray",
        "a/b/.zattrs",
        "a/deep/.zgroup",
        "a/deep/er/.zgroup",
        "c/.zarray",
    ]
    # parsed documents, not strings; sorted with an indent of 4 as zarr-python 2.18 does
    assert doc["metadata"]["a/b/.zarray"]["shape"] == [10]
    assert text == json.dumps(doc, indent=4, sort_keys=True)
    assert '"nan": NaN' in text


def test_v3_document_is_zarr_python_3_layout() -> None:
    store = MemoryStore()
    _hierarchy(store, 3)
    before = {k: store[k] for k in store if k != "zarr.json"}
    zarr_core.consolidate_metadata(store)
    doc = json.loads(store["zarr.json"])
    assert list(doc) == ["attributes", "zarr_format", "consolidated_metadata", "node_type"]
    consolidated = doc["consolidated_metadata"]
    assert list(consolidated) == ["kind", "must_understand", "metadata"]
    assert consolidated["kind"] == "inline" and consolidated["must_understand"] is False
    # depth first, then case-insensitive name
    assert list(consolidated["metadata"]) == ["a", "c", "Zed", "a/b", "a/deep", "a/deep/er"]
    empty = {"kind": "inline", "must_understand": False, "metadata": {}}
    assert consolidated["metadata"]["a"]["consolidated_metadata"] == empty
    assert consolidated["metadata"]["a/b"] == json.loads(store["a/b/zarr.json"])
    # only the root document changes
    assert {k: store[k] for k in store if k != "zarr.json"} == before


def test_consolidating_again_replaces_the_snapshot(fmt: int) -> None:
    store = MemoryStore()
    root = _hierarchy(store, fmt)
    zarr_core.consolidate_metadata(store)
    root.create_group("later")
    assert "later" not in zarr_core.open_consolidated(store)  # stale until...
    zarr_core.consolidate_metadata(store)
    assert "later" in zarr_core.open_consolidated(store)


def test_consolidate_returns_the_consolidated_group(fmt: int) -> None:
    store = MemoryStore()
    _hierarchy(store, fmt)
    g = zarr_core.consolidate_metadata(store)
    assert isinstance(g.store, ConsolidatedMetadataStore) and g.zarr_format == fmt


def test_consolidate_a_subgroup(fmt: int) -> None:
    store = MemoryStore()
    _hierarchy(store, fmt)
    sub = zarr_core.consolidate_metadata(store, path="a")
    assert sub.path == "a" and sorted(sub) == ["b", "deep"]
    if fmt == 2:
        assert sorted(json.loads(store["a/.zmetadata"])["metadata"]) == [
            ".zattrs",
            ".zgroup",
            "b/.zarray",
            "b/.zattrs",
            "deep/.zgroup",
            "deep/er/.zgroup",
        ]
    else:
        doc = json.loads(store["a/zarr.json"])
        assert list(doc["consolidated_metadata"]["metadata"]) == ["b", "deep", "deep/er"]
    counting = CountingStore(store)
    node = zarr_core.open_consolidated(counting, path="a/b")
    assert node[...].tolist() == list(range(10)) and len(counting.calls_touching(_DOCUMENTS)) == 1


def test_consolidate_needs_a_group() -> None:
    with pytest.raises(GroupNotFoundError):
        zarr_core.consolidate_metadata(MemoryStore())
    store = MemoryStore()
    zarr_core.zeros(3, store=store)
    with pytest.raises(GroupNotFoundError):
        zarr_core.consolidate_metadata(store)


# -- opening --------------------------------------------------------------------------


def test_open_consolidated_reads_the_store_once(fmt: int) -> None:
    store = CountingStore()
    expected = _walk(_hierarchy(store, fmt))
    zarr_core.consolidate_metadata(store)
    store.calls.clear()
    root = zarr_core.open_consolidated(store)
    assert len(store.calls) == 1 and store.calls[0][0] == "getitems"
    walked = _walk(root)  # every group, array, attribute and chunk
    assert walked == expected
    assert store.calls_touching(_DOCUMENTS) == store.calls[:1]
    assert repr(root.tree()) == repr(zarr_core.open_group(store.inner).tree())
    assert "Groups" in repr(root.info) and len(store.calls_touching(_DOCUMENTS)) == 1


def test_open_consolidated_nested_node_and_path_prefix(fmt: int) -> None:
    store = CountingStore()
    _hierarchy(store, fmt)
    zarr_core.consolidate_metadata(store)
    store.calls.clear()
    arr = zarr_core.open_consolidated(store, path="a/b")
    assert isinstance(arr, zarr_core.Array) and arr.attrs["units"] == "m"
    group = zarr_core.open_consolidated(store, path="a/deep")
    assert group.name == "/a/deep" and list(group) == ["er"]
    assert len(store.calls_touching(_DOCUMENTS)) == 2  # one per open


def test_open_consolidated_url_pipeline(fmt: int) -> None:
    url = f"memory://consolidated-url-{fmt}"
    _hierarchy(zarr_core.open_store(url, mode="w"), fmt)
    zarr_core.consolidate_metadata(url)
    assert sorted(zarr_core.open_consolidated(url, mode="r")) == ["Zed", "a", "c"]


def test_metadata_is_read_only_data_is_writable(fmt: int) -> None:
    store = MemoryStore()
    _hierarchy(store, fmt)
    zarr_core.consolidate_metadata(store)
    root = zarr_core.open_consolidated(store)
    assert not root.read_only
    b = root["a/b"]
    b[:3] = [100, 101, 102]
    assert zarr_core.open_array(store, path="a/b", mode="r")[:4].tolist() == [100, 101, 102, 3]
    refused = [
        lambda: root.create_group("new"),
        lambda: root.zeros("new", shape=2),
        lambda: b.resize(20),
        lambda: b.append([1]),
        lambda: root.attrs.__setitem__("k", 1),
        lambda: b.attrs.update(k=1),
        lambda: root.__delitem__("c"),
        lambda: root.move("c", "d"),
    ]
    for change in refused:
        with pytest.raises(ConsolidatedMetadataReadOnlyError, match="consolidate_metadata"):
            change()
    assert b.shape == (10,)  # the refused resize left the array as stored
    assert isinstance(ConsolidatedMetadataReadOnlyError(), ReadOnlyError)
    assert sorted(zarr_core.open_group(store)) == ["Zed", "a", "c"]


def test_mode_r_refuses_data_too(fmt: int) -> None:
    store = MemoryStore()
    _hierarchy(store, fmt)
    zarr_core.consolidate_metadata(store)
    root = zarr_core.open_consolidated(store, mode="r")
    assert root.read_only
    with pytest.raises(ReadOnlyError):
        root["a/b"][0] = 1
    with pytest.raises(ValueError, match="'r' or 'r\\+'"):
        zarr_core.open_consolidated(store, mode="a")


def test_missing_consolidated_metadata(fmt: int) -> None:
    store = MemoryStore()
    _hierarchy(store, fmt)
    with pytest.raises(MetadataError, match="consolidate_metadata"):
        zarr_core.open_consolidated(store)
    zarr_core.consolidate_metadata(store)
    other = 5 - fmt
    with pytest.raises(MetadataError):
        zarr_core.open_consolidated(store, zarr_format=other)


def test_bad_consolidated_documents() -> None:
    store = MemoryStore()
    zarr_core.group(store, zarr_format=2)
    store[".zmetadata"] = b'{"zarr_consolidated_format": 2, "metadata": {}}'
    with pytest.raises(MetadataError, match="unsupported consolidated metadata format 2"):
        zarr_core.open_consolidated(store)
    store = MemoryStore()
    store["zarr.json"] = json.dumps(
        {
            "zarr_format": 3,
            "node_type": "group",
            "consolidated_metadata": {"kind": "external", "metadata": {}},
        }
    ).encode()
    with pytest.raises(MetadataError, match="inline"):
        zarr_core.open_consolidated(store)


def test_zarr_python_2_root_document_serves_a_subgroup() -> None:
    """zarr-python 2.18 keeps one root document for the whole store; opening a path
    below it uses that document."""
    store = MemoryStore()
    _hierarchy(store, 2)
    zarr_core.consolidate_metadata(store)
    counting = CountingStore(store)
    sub = zarr_core.open_consolidated(counting, path="a")
    assert sub.attrs["level"] == 1 and sorted(sub) == ["b", "deep"]
    assert len(counting.calls_touching(_DOCUMENTS)) == 1
    assert isinstance(sub.store, ConsolidatedMetadataStore) and sub.store.path == ""


def test_zarr_python_3_v2_layout_is_read() -> None:
    """zarr-python 3 writes format 2 consolidated metadata compactly, with `.zattrs`
    for every node and a `consolidated_metadata` member in nested `.zgroup` entries."""
    store = MemoryStore()
    nested = {"metadata": {}, "must_understand": False, "kind": "inline"}
    zarray = zarr_core.zeros(4, chunks=2, zarr_format=2, dtype="i4").store[".zarray"]
    doc = {
        "metadata": {
            ".zgroup": {"zarr_format": 2},
            ".zattrs": {"x": 1},
            "sub/.zattrs": {"y": float("nan")},
            "sub/.zgroup": {"zarr_format": 2, "consolidated_metadata": nested},
            "sub/arr/.zattrs": {},
            "sub/arr/.zarray": json.loads(zarray),
        },
        "zarr_consolidated_format": 1,
    }
    store[".zmetadata"] = json.dumps(doc).encode()
    store[".zgroup"] = b'{"zarr_format": 2}'
    root = zarr_core.open_consolidated(store, mode="r")
    assert root.attrs["x"] == 1 and math.isnan(root["sub"].attrs["y"])
    assert root["sub/arr"][:].tolist() == [0, 0, 0, 0]


def test_regular_open_ignores_consolidated_metadata(fmt: int) -> None:
    store = MemoryStore()
    root = _hierarchy(store, fmt)
    zarr_core.consolidate_metadata(store)
    root.create_group("later")
    assert "later" in zarr_core.open_group(store)


# -- the store wrapper ----------------------------------------------------------------


def test_store_wrapper(fmt: int) -> None:
    inner = MemoryStore()
    _hierarchy(inner, fmt)
    zarr_core.consolidate_metadata(inner)
    store = ConsolidatedMetadataStore(inner)
    assert store.zarr_format == fmt and store.path == ""
    doc = "zarr.json" if fmt == 3 else ".zgroup"
    assert store[doc] and doc in store and "a/nothing/zarr.json" not in store
    assert sorted(store.listdir("")) == sorted(
        {doc, "a", "c", "Zed"} | ({".zattrs", ".zmetadata"} if fmt == 2 else set())
    )
    chunk = "a/b/0" if fmt == 2 else "a/b/c/0"
    assert chunk in store and store[chunk] == inner[chunk]
    assert store.getitems([chunk, f"a/b/{doc if fmt == 3 else '.zarray'}"]).keys() == {
        chunk,
        f"a/b/{'zarr.json' if fmt == 3 else '.zarray'}",
    }
    assert chunk in store.list_prefix("a/b/")
    assert store.get_partial_values([(chunk, (0, 2)), ("missing/zarr.json", None)])[1] is None
    store[chunk] = inner[chunk]  # chunks pass through
    with pytest.raises(ConsolidatedMetadataReadOnlyError):
        store[doc] = b"{}"
    with pytest.raises(ConsolidatedMetadataReadOnlyError):
        store.setitems({"x/.zattrs": b"{}"})
    with pytest.raises(ConsolidatedMetadataReadOnlyError):
        store.rmdir("a")
    assert set(store.metadata) >= {doc}
    assert store == ConsolidatedMetadataStore(inner)
    copy = pickle.loads(pickle.dumps(store))
    assert copy.metadata == store.metadata


def test_store_wrapper_over_a_dict() -> None:
    data: dict = {}
    _hierarchy(data, 2)
    zarr_core.consolidate_metadata(data)
    store = ConsolidatedMetadataStore(data, ".zmetadata")
    assert zarr_core.open_group(store, mode="r")["a/b"][:4].tolist() == [0, 1, 2, 3]
