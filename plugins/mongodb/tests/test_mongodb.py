"""zarr-core-mongodb: the conformance kit plus what is specific to MongoDB collections.

Every test runs against both test servers (SecantusDB and nx-27017; see
:mod:`zarr_core_mongodb.testing`).
"""

from __future__ import annotations

import pickle
from collections import Counter

import gridfs
import numpy as np
import pytest
import zarr_core_mongodb.plugin
from pymongo import monitoring
from zarr_core_mongodb import MongoDBStore
from zarr_core_mongodb.store import parse_mongodb_url
from zarr_core_mongodb.testing import database_name, mongodb_store, mongodb_url

import zarr_core
from zarr_core.errors import StorageOptionsError, StoreBackendError
from zarr_core.storage import open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.counting import CountingStore
from zarr_core.testing.end_to_end import StorePluginTests

MiB = 1024 * 1024


def raw_value(client, database, key, collection="zarr"):
    """The value under ``key`` read with pymongo and gridfs, not the store (``None``: none)."""
    doc = client[database][collection].find_one({"key": key})
    if doc is None:
        return None
    if "gridfs" in doc:
        bucket = gridfs.GridFSBucket(client[database], bucket_name=f"{collection}_gridfs")
        return bucket.open_download_stream(doc["gridfs"]).read()
    return doc["value"]


def count(collection):
    """Documents in ``collection`` (by a query: nx-27017 cannot count GridFS collections)."""
    return len(list(collection.find({}, {"_id": 1})))


# -- the conformance kit ------------------------------------------------------------------
class TestMongoDBStore(StoreTests):
    persistent = True

    @pytest.fixture(autouse=True)
    def _server(self, mongodb_server, client):
        self.server = mongodb_server
        self.client = client
        self.databases = set()
        yield
        for name in self.databases:
            client.drop_database(name)

    def make_store(self, tmp_path, read_only=False):
        name = database_name(tmp_path)
        self.databases.add(name)
        return mongodb_store(self.server, name, read_only=read_only)

    def backend_get(self, store, key):
        return raw_value(self.client, store._database, key)

    def backend_set(self, store, key, value):
        coll = self.client[store._database]["zarr"]
        coll.replace_one({"key": key}, {"key": key, "value": value}, upsert=True)


# -- the plugin through zarr-core -----------------------------------------------------------
class TestThroughZarrCore(StorePluginTests):
    store_class = MongoDBStore
    plugin = zarr_core_mongodb.plugin
    scheme = "mongodb"
    distribution = "zarr-core-mongodb"

    @pytest.fixture(autouse=True)
    def _urls(self, mongodb_server, database):
        self.group_url = mongodb_url(mongodb_server, database, "groups")
        self.array_url = mongodb_url(mongodb_server, database, "array")

    def test_entry_point_is_installed(self):
        # Overrides the kit, which expects a plugin to list one scheme; this one has two.
        zarr_core.plugins.refresh()
        for url in ("mongodb://h/db/coll", "mongodb+srv://cluster.example.net/db/coll"):
            stage = zarr_core.which(url)["stages"][0]
            assert (stage["distribution"], stage["target"]) == (
                "zarr-core-mongodb",
                "zarr_core_mongodb.store:MongoDBStore",
            )
        listed = {p.distribution: p for p in zarr_core.plugins.list_plugins()}
        assert listed["zarr-core-mongodb"].schemes == ["mongodb", "mongodb+srv"]


# -- documents are zarr-python 2.18's ------------------------------------------------------
def test_documents_and_unique_index(mongodb_server, client, database):
    store = mongodb_store(mongodb_server, database)
    store["a/.zarray"] = b"{}"
    store.setitems({"a/0.0": b"\x00\x01", "a/0.1": np.arange(3, dtype="u1")})
    docs = list(client[database]["zarr"].find({}, {"_id": 0}).sort("key"))
    assert docs == [
        {"key": "a/.zarray", "value": b"{}"},
        {"key": "a/0.0", "value": b"\x00\x01"},
        {"key": "a/0.1", "value": b"\x00\x01\x02"},
    ]
    indexes = client[database]["zarr"].index_information().values()
    assert [i.get("unique") for i in indexes if i["key"] == [("key", 1)]] == [True]
    store.close()


def test_read_only_store_creates_no_index(mongodb_server, client, database):
    client[database]["zarr"].insert_one({"key": "k", "value": b"v"})
    store = mongodb_store(mongodb_server, database, read_only=True)
    assert store["k"] == b"v"
    indexes = client[database]["zarr"].index_information().values()
    assert [i for i in indexes if i["key"] == [("key", 1)]] == []


def test_duplicate_keys_written_elsewhere_are_a_typed_error(mongodb_server, client, database):
    # Without a unique index, concurrent upserts of other software can leave duplicates.
    client[database]["zarr"].insert_many([{"key": "k", "value": b"1"}, {"key": "k", "value": b"2"}])
    store = mongodb_store(mongodb_server, database)
    with pytest.raises(StoreBackendError, match="unique index on 'key'.*duplicates") as info:
        store["other"] = b"x"
    assert f"{mongodb_server.address}" in str(info.value)
    assert "other" not in store


# -- prefixes are escaped regular expressions -------------------------------------------
def test_regex_characters_in_keys_are_literal(mongodb_server, database):
    store = mongodb_store(mongodb_server, database)
    keys = ["a.b/1", "axb/2", "a*b/3", "a+b/4", "a(b/5", "a[b]/6", "a$b/7", "a^b/8", "a\nb/9",
            "a?b/10", "a|b/11", "a{1}/12", "A.B/13", "a.b0"]  # fmt: skip
    store.setitems({k: k.encode() for k in keys})
    assert store.list_prefix("a.b/") == ["a.b/1"]
    assert store.list_prefix("a.") == ["a.b/1", "a.b0"]
    assert store.list_prefix("a*") == ["a*b/3"]
    assert store.list_prefix("a[b]") == ["a[b]/6"]
    assert store.list_prefix("a\n") == ["a\nb/9"]
    assert store.listdir("a|b") == ["11"]
    assert store.getsize("a.b") == len(b"a.b/1")
    store.rmdir("a.b")
    assert sorted(store) == sorted(k for k in keys if k != "a.b/1")
    store.rename("a$b", "moved")
    assert store.list_prefix("moved/") == ["moved/7"]


def test_listing_many_keys(mongodb_server, database):
    store = mongodb_store(mongodb_server, database)
    store.setitems({f"arr/c/{i}/{j}": b"x" for i in range(40) for j in range(40)})
    store.setitems({"arr/zarr.json": b"{}", "arr.json": b"{}", "arr/c.txt": b""})
    assert store.listdir("arr") == ["c", "c.txt", "zarr.json"]
    assert len(store.listdir("arr/c")) == 40
    assert store.getsize("arr/c") == 1600
    assert len(store) == 1603


# -- round trips ------------------------------------------------------------------------------
class CommandCounter(monitoring.CommandListener):
    """Counts the commands a client sends (each one is a round trip)."""

    def __init__(self):
        self.commands = []

    def started(self, event):
        self.commands.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_batches_are_few_round_trips(mongodb_server, database):
    from zarr_core_mongodb.store import _KEYS_PER_QUERY as per_query

    counter = CommandCounter()
    store = mongodb_store(mongodb_server, database, event_listeners=[counter])
    store["warm"] = b"up"  # creates the index once
    values = {f"c/{i}": i.to_bytes(4, "little") * 100 for i in range(1100)}
    parts = -(-1100 // per_query)
    counter.commands.clear()
    store.setitems(values)
    # One bulk write of upserts per part of the keys, after one query (the first in
    # _FILES_KNOWN_SECONDS) finding the GridFS bucket empty: no file can be replaced.
    assert counter.commands == ["find"] + ["update"] * parts

    counter.commands.clear()
    got = store.getitems([*values, "missing"])
    assert got == values
    # One query over the span of the keys (no getMore: the reply is full), then one for
    # the key it did not find.
    assert counter.commands == ["find", "find"]

    counter.commands.clear()
    assert len(store.list_prefix("c/")) == 1100
    assert store.getsize("c") == 1100 * 400
    assert counter.commands == ["find", "find", "find"]  # the last two: "c" is no key

    counter.commands.clear()
    store.delitems(list(values))
    assert counter.commands == ["delete"] * parts  # the bucket is still known empty
    assert list(store) == ["warm"]


def test_gridfs_files_are_looked_up_while_the_bucket_holds_any(
    mongodb_server, client, database, monkeypatch
):
    from zarr_core_mongodb import store as store_module

    counter = CommandCounter()
    store = mongodb_store(mongodb_server, database, event_listeners=[counter])
    other = mongodb_store(mongodb_server, database)
    store.setitems({"a": b"1", "b": b"2"})  # the bucket is now known empty
    files = client[database]["zarr_gridfs.files"]
    big = bytes(17 * MiB)
    other["a"] = big  # unseen by ``store`` for _FILES_KNOWN_SECONDS
    counter.commands.clear()
    store.setitems({"a": b"small", "b": b"3"})
    assert counter.commands == ["update"]
    assert store["a"] == b"small" and count(files) == 1  # left unreferenced, no loss

    # Past the interval the bucket is asked again, and replaced files are found.
    other["b"] = big
    monkeypatch.setattr(store_module, "_FILES_KNOWN_SECONDS", 0.0)
    store._files_known = (False, 0.0)
    counter.commands.clear()
    store.setitems({"b": b"small again", "c": b"4"})
    assert store["b"] == b"small again"
    assert count(files) == 1  # b's file deleted; a's, unreferenced, stays
    assert counter.commands[:3] == ["find", "find", "find"]  # bucket, files, markers

    # A store that uploads a file itself knows the bucket holds one.
    mine = mongodb_store(mongodb_server, database)
    mine["d"] = big
    assert mine._files_known[0] is True
    mine.setitems({"d": b"small", "e": b"5"})
    assert count(files) == 1


def test_large_chunks_travel_in_batches(mongodb_server, database):
    """The store's batch_bytes hint: 16 chunks of 256 KiB in four queries and few bulk
    writes, instead of a command per chunk."""
    counter = CommandCounter()
    counting = CountingStore(mongodb_store(mongodb_server, database, event_listeners=[counter]))
    budget = 4 * 256 * 1024
    data = np.random.default_rng(0).standard_normal((1024, 1024), dtype="f4")
    with zarr_core.config.set({"batching.bytes": budget}):
        z = zarr_core.open_array(
            counting, mode="w", shape=data.shape, chunks=(256, 256), dtype="f4", zarr_format=2
        )
        counter.commands.clear()
        counting.reset()
        z[...] = data
        batches = [keys for op, keys in counting.calls if op == "setitems"]
        assert sorted(k for keys in batches for k in keys) == sorted(
            f"{i}.{j}" for i in range(4) for j in range(4)
        )
        assert len(batches) <= 5
        # One bulk write per batch: creating the array found the GridFS bucket empty,
        # so no replaced file is looked for.
        assert Counter(counter.commands) == {"update": len(batches)}
        counter.commands.clear()
        got = z[...]
    np.testing.assert_array_equal(got, data)
    assert counter.commands == ["find"] * 4
    assert [len(keys) for op, keys in counting.calls if op == "getitems"] == [4] * 4


def test_many_keys_are_read_by_their_span_and_the_rest_by_key(mongodb_server, database):
    """A batch of many keys is one query over their span, at most a quarter more
    documents than asked for; what it does not return is asked for by $in: missing keys,
    keys past the limit (a sparse selection), values in GridFS among small ones."""
    from zarr_core_mongodb.store import _KEYS_PER_QUERY as per_query

    counter = CommandCounter()
    store = mongodb_store(mongodb_server, database, event_listeners=[counter])
    values = {f"a/{i}": i.to_bytes(4, "little") for i in range(3000)}
    values["a/\u00e9t\u00e9/0"] = b"unicode"  # sorts after every ASCII key
    store.setitems(values)
    store["a/1500"] = big = bytes(17 * MiB)  # GridFS
    values["a/1500"] = big

    # Dense: every key of the span, a few missing ones; one span query, then the missing.
    wanted = [*values, "a/missing", "0-before-everything"]
    counter.commands.clear()
    assert store.getitems(wanted) == values
    finds = counter.commands.count("find")
    assert finds <= 2 + 2, counter.commands  # span, missing keys, GridFS file lookups

    # Sparse: every third key; the span holds three times as many documents, so the
    # limit stops the span query and the rest come by key.
    sparse = list(values)[::3]
    counter.commands.clear()
    assert store.getitems(sparse) == {k: values[k] for k in sparse}
    assert counter.commands.count("find") >= 1 + -(-len(sparse) // 2 // per_query)


def test_batches_larger_than_one_query(mongodb_server, database, monkeypatch):
    from zarr_core_mongodb import store as store_module

    monkeypatch.setattr(store_module, "_KEYS_PER_QUERY", 7)
    store = mongodb_store(mongodb_server, database)
    values = {f"k/{i}": bytes([i]) for i in range(30)}
    store.setitems(values)
    assert store.getitems(list(values)) == values
    store.delitems(list(values)[:25])
    assert sorted(store) == sorted(list(values)[25:])


# -- values larger than a document go through GridFS ------------------------------------
def test_forty_mib_chunk_through_gridfs(mongodb_server, client, database):
    store = mongodb_store(mongodb_server, database)
    big = np.random.default_rng(0).integers(0, 256, 40 * MiB, dtype="u1").tobytes()
    store["arr/c/0"] = big
    store["arr/c/1"] = b"small"
    marker = client[database]["zarr"].find_one({"key": "arr/c/0"}, {"_id": 0})
    assert set(marker) == {"key", "value", "gridfs", "size"}
    assert marker["size"] == 40 * MiB and b"GridFS" in marker["value"]
    assert raw_value(client, database, "arr/c/0") == big  # a real GridFS file

    assert store["arr/c/0"] == big
    assert store.getitems(["arr/c/0", "arr/c/1"]) == {"arr/c/0": big, "arr/c/1": b"small"}
    assert store.get_partial_values([("arr/c/0", (10, 5)), ("arr/c/0", (-3, None))]) == [
        big[10:15],
        big[-3:],
    ]
    assert store.list_prefix("arr/") == ["arr/c/0", "arr/c/1"]
    assert store.listdir("arr/c") == ["0", "1"]
    assert store.getsize("arr/c/0") == 40 * MiB
    assert store.getsize("arr") == 40 * MiB + 5
    assert "arr/c/0" in store and len(store) == 2
    files = client[database]["zarr_gridfs.files"]
    assert count(files) == 1

    # Overwriting replaces the file (the old one is deleted), also with a small value.
    store["arr/c/0"] = big[::-1]
    assert store["arr/c/0"] == big[::-1]
    assert count(files) == 1
    store.setitems({"arr/c/0": b"now small", "arr/c/2": big})
    assert store["arr/c/0"] == b"now small"
    assert count(files) == 1
    assert store.set_if_not_exists("arr/c/2", big[:100]) is False
    assert count(files) == 1

    store.rename("arr/c", "moved")
    assert store["moved/2"] == big
    assert count(files) == 1
    del store["moved/2"]
    assert count(files) == 0
    assert store.set_if_not_exists("new", big) is True
    assert store["new"] == big
    store.rmdir("")
    assert count(files) == 0
    assert count(client[database]["zarr_gridfs.chunks"]) == 0


def test_forty_mib_chunk_of_an_array(mongodb_server, database):
    store = mongodb_store(mongodb_server, database)
    z = zarr_core.zeros((2, 5 * MiB), chunks=(1, 5 * MiB), dtype="f8", store=store)
    z[...] = np.arange(10 * MiB, dtype="f8").reshape(2, 5 * MiB)
    again = zarr_core.open_array(mongodb_store(mongodb_server, database), mode="r")
    np.testing.assert_array_equal(again[1, -3:], 10 * MiB - np.arange(3, 0, -1, dtype="f8"))


# -- construction, URLs, pickling ---------------------------------------------------------
def test_defaults_and_pickling(mongodb_server, database):
    store = MongoDBStore(host=mongodb_server.host, port=mongodb_server.port)
    assert (store.db.name, store.collection.name) == ("mongodb_zarr", "zarr_collection")
    store = mongodb_store(mongodb_server, database, dimension_separator="/", connectTimeoutMS=999)
    store["x"] = b"1"
    state = pickle.dumps(store)
    # The parameters travel, not the client: no pymongo object is in the pickle.
    assert b"pymongo" not in state and len(state) < 1000
    clone = pickle.loads(state)
    assert clone == store and clone.dimension_separator == "/"
    assert clone.client is not store.client
    assert clone.client.options.pool_options.connect_timeout == 0.999
    assert clone["x"] == b"1"
    assert repr(store) == f"<MongoDBStore MongoDB {mongodb_server.address} ({database}.zarr)>"


def test_open_by_url(mongodb_server, database):
    url = mongodb_url(mongodb_server, database, "arrays_v1")
    store = open_store(url)
    assert isinstance(store, MongoDBStore)
    assert (store.db.name, store.collection.name) == (database, "arrays_v1")
    store["k"] = b"v"
    reader = open_store(url, mode="r", storage_options={"dimension_separator": "/"})
    assert reader.read_only and reader.dimension_separator == "/"
    assert reader["k"] == b"v"
    with pytest.raises(StorageOptionsError, match="unknown_option"):
        open_store(url, storage_options={"unknown_option": 1})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mongodb://h", ("mongodb://h", "mongodb_zarr", "zarr_collection")),
        ("mongodb://h:1/db", ("mongodb://h:1/db", "db", "zarr_collection")),
        ("mongodb://h/db/c/d/", ("mongodb://h/db", "db", "c/d")),
        ("mongodb://h/?tls=true", ("mongodb://h/?tls=true", "mongodb_zarr", "zarr_collection")),
        ("mongodb://h?w=1", ("mongodb://h/?w=1", "mongodb_zarr", "zarr_collection")),
        (
            "mongodb://u:p%40ss@a:1,b:2/my%20db/c?authSource=admin",
            ("mongodb://u:p%40ss@a:1,b:2/my%20db?authSource=admin", "my db", "c"),
        ),
        ("mongodb+srv://c.example.net/d/e", ("mongodb+srv://c.example.net/d", "d", "e")),
    ],
)
def test_parse_mongodb_url(url, expected, mongodb_server_kind):
    # (mongodb_server_kind: this runs once per server kind, as every mongodb test does)
    assert parse_mongodb_url(url) == expected


def test_bad_urls_and_options(mongodb_server_kind):
    with pytest.raises(ValueError, match="names no host"):
        parse_mongodb_url("mongodb:///db/coll")
    with pytest.raises(ValueError, match="not a mongodb"):
        parse_mongodb_url("redis://h/db")
    with pytest.raises(StorageOptionsError, match="could not create a MongoDB client") as info:
        MongoDBStore(host="mongodb://user:secret@127.0.0.1/", noSuchOption=1)
    assert "secret" not in str(info.value)
    # mongodb+srv needs DNS SRV records; this machine resolves none.
    with pytest.raises(StorageOptionsError, match="zarr-core-test.invalid"):
        open_store("mongodb+srv://zarr-core-test.invalid/db/coll")


def test_document_without_value_is_an_error_not_a_missing_key(mongodb_server, client, database):
    # Written by other software: reading it must not pass for a missing chunk.
    client[database]["zarr"].insert_one({"key": "c/0", "data": b"elsewhere"})
    store = mongodb_store(mongodb_server, database)
    with pytest.raises(StoreBackendError, match="get of key 'c/0' failed.*KeyError") as info:
        store["c/0"]
    assert not isinstance(info.value, KeyError)
    with pytest.raises(StoreBackendError, match="getitems of key 'c/0'"):
        store.getitems(["c/0"])
