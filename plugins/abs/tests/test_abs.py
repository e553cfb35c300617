"""zarr-core-abs against Azurite: the conformance kit, the plugin end to end, Azure specifics.

Every test uses the session's Azurite (the ``azurite`` fixture of :mod:`zarr_core_abs.testing`)
and a container of its own, named after its ``tmp_path``, so tests never see each other's
blobs and a store reopened in the same test finds its data again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import zarr_core_abs.plugin
from azure.core.credentials import AzureNamedKeyCredential
from azure.storage.blob import (
    ContainerClient,
    ContainerSasPermissions,
    generate_container_sas,
)
from zarr_core_abs import ABSStore
from zarr_core_abs import store as store_module
from zarr_core_abs.testing import ACCOUNT, KEY

import zarr_core
from zarr_core.errors import (
    StorageOptionsError,
    StoreAuthenticationError,
    URLPipelineError,
)
from zarr_core.storage import ByteRange, open_store
from zarr_core.testing import StoreTests
from zarr_core.testing.counting import CountingStore
from zarr_core.testing.end_to_end import StorePluginTests


def container_name(tmp_path) -> str:
    """A valid container name (3-63 lowercase letters, digits, hyphens) unique to a test."""
    return "t" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:30]


@pytest.fixture
def container(tmp_path):
    return container_name(tmp_path)


@pytest.fixture
def raw(azurite, container):
    """The test's container through the SDK alone (not the store), created."""
    client = ContainerClient.from_connection_string(azurite.connection_string, container)
    client.create_container()
    return client


# -- the conformance kit ----------------------------------------------------------------
class TestABSStore(StoreTests):
    persistent = True
    prefix = ""
    # The service turns backslashes into "/" in blob names (the kit's own invalid key would
    # list as a valid one) and cannot list names holding NUL; it keeps a leading "/".
    invalid_backend_key = "/bad-key"

    @pytest.fixture(autouse=True)
    def _server(self, azurite):
        self.azurite = azurite

    def make_store(self, tmp_path, read_only=False):
        return ABSStore(
            container_name(tmp_path),
            self.prefix,
            connection_string=self.azurite.connection_string,
            read_only=read_only,
        )

    def _raw(self, store):
        return ContainerClient.from_connection_string(
            self.azurite.connection_string, store.container
        )

    def backend_get(self, store, key):
        blob = self._raw(store).get_blob_client(store._root + key)
        return blob.download_blob().readall() if blob.exists() else None

    def backend_set(self, store, key, value):
        client = self._raw(store)
        if not client.exists():
            client.create_container()
        client.upload_blob(store._root + key, value, overwrite=True)


class TestABSStoreUnderPrefix(TestABSStore):
    prefix = "some/where"


# -- through zarr-core ---------------------------------------------------------------------
class TestThroughZarrCore(StorePluginTests):
    store_class = ABSStore
    plugin = zarr_core_abs.plugin
    scheme = "az"
    distribution = "zarr-core-abs"
    group_url = "az://endtoend/group"
    array_url = "abfs://endtoend/array"

    @pytest.fixture
    def storage_options(self, azurite):
        return {"connection_string": azurite.connection_string}

    def test_entry_point_is_installed(self):
        # The kit's version expects one scheme; this plugin serves two.
        zarr_core.plugins.refresh()
        for scheme in ("az", "abfs"):
            stage = zarr_core.which(f"{scheme}://container/prefix")["stages"][0]
            assert (stage["distribution"], stage["target"]) == (
                "zarr-core-abs",
                "zarr_core_abs.store:ABSStore",
            )
        listed = {p.distribution: p for p in zarr_core.plugins.list_plugins()}
        assert listed["zarr-core-abs"].schemes == ["abfs", "az"]
        assert zarr_core.storage.ABSStore is ABSStore  # zarr-python 2's name, as 2.x had it
        assert zarr_core.ABSStore is ABSStore


def test_plugin_discovery_imports_no_azure():
    code = (
        "import sys, zarr_core; zarr_core.plugins.refresh(); zarr_core.plugins.list_plugins();"
        "zarr_core.which('az://c/p'); import zarr_core_abs.plugin, zarr_core_abs;"
        "print(sorted(m for m in sys.modules if m.startswith('azure')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- URLs and options --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "container", "prefix"),
    [
        ("az://data/a/b", "data", "a/b"),
        ("abfs://data/", "data", ""),
        ("az://data", "data", ""),
        ("abfs://data/x/", "data", "x"),
    ],
)
def test_urls(azurite, url, container, prefix):
    options = {"connection_string": azurite.connection_string}
    store = open_store(url, storage_options=options)
    assert isinstance(store, ABSStore)
    assert (store.container, store.prefix) == (container, prefix)
    assert not store.read_only
    assert open_store(url, mode="r", storage_options=options).read_only


def test_url_naming_the_account(azurite):
    store = open_store(
        f"az://data@{ACCOUNT}.blob.core.windows.net/p",
        storage_options={"account_key": KEY, "account_url": azurite.account_url},
    )
    assert (store.account_name, store.container, store.prefix) == (ACCOUNT, "data", "p")
    with pytest.raises(StorageOptionsError, match="names the account 'other'"):
        open_store(
            "az://data@other.blob.core.windows.net/p", storage_options={"account_name": ACCOUNT}
        )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("az:///prefix", "no container"),
        ("az://c/p?sig=1", "query strings are not read"),
    ],
)
def test_bad_urls(url, message):
    with pytest.raises(URLPipelineError, match=message):
        ABSStore.from_url(url, connection_string="x")


def test_unknown_storage_options_are_named(azurite):
    with pytest.raises(StorageOptionsError, match=r"\['colour'\].*connection_string"):
        open_store(
            "az://c/p",
            storage_options={"connection_string": azurite.connection_string, "colour": "red"},
        )
    with pytest.raises(StorageOptionsError, match=r"unexpected keyword arguments \['colour'\]"):
        ABSStore("c", colour="red")


def test_missing_account_is_explained(monkeypatch):
    for var in (
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(StorageOptionsError, match="needs an account.*AZURE_STORAGE_CONNECTION"):
        ABSStore("c")
    with pytest.raises(StorageOptionsError, match="needs a container name"):
        ABSStore(connection_string="x")


def test_connection_string_from_the_environment(azurite, container, raw, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    raw.upload_blob("p/k", b"from env")
    assert open_store(f"az://{container}/p")["k"] == b"from env"


def test_client_and_account_arguments_exclude_each_other(raw):
    with pytest.raises(
        StorageOptionsError, match="takes the container and account from the client"
    ):
        ABSStore("other", client=raw)
    with pytest.raises(StorageOptionsError, match="do not pass account_key"):
        ABSStore("c", connection_string="AccountName=a;AccountKey=b", account_key="k")


# -- the ways to authenticate --------------------------------------------------------------------
def test_zarr_python_2_signature_with_account_key(azurite, container):
    # ABSStore(container, prefix, account_name, account_key, blob_service_kwargs, ...)
    store = ABSStore(
        container,
        "zp2/style",
        ACCOUNT,
        KEY,
        {"api_version": "2025-11-05", "retry_total": 1},
        "/",
        account_url=azurite.account_url,
    )
    store["k"] = b"v"
    assert store.dimension_separator == "/"
    assert store.client.api_version == "2025-11-05"
    assert store.list_prefix("") == ["k"]


def test_client_argument(raw):
    store = ABSStore(client=raw, prefix="given")
    store["a/b"] = b"1"
    assert raw.download_blob("given/a/b").readall() == b"1"
    clone = pickle.loads(pickle.dumps(store))  # carries the client's URL and credential
    assert clone == store and clone["a/b"] == b"1"
    store.close()
    assert raw.download_blob("given/a/b").readall() == b"1"  # the caller's client stays open


def test_credential_object(azurite, container, raw):
    store = ABSStore(
        container,
        "cred",
        credential=AzureNamedKeyCredential(ACCOUNT, KEY),
        account_url=azurite.account_url,
    )
    store["k"] = b"named key"
    assert raw.download_blob("cred/k").readall() == b"named key"
    assert pickle.loads(pickle.dumps(store))["k"] == b"named key"


def _sas(container, permission):
    return generate_container_sas(
        ACCOUNT,
        container,
        account_key=KEY,
        permission=permission,
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )


def test_sas_token(azurite, container, raw):
    raw.upload_blob("s/k", b"shared")
    token = _sas(container, ContainerSasPermissions(read=True, list=True))
    options = {"account_url": azurite.account_url, "sas_token": token}
    store = open_store(f"az://{container}/s", mode="r", storage_options=options)
    assert store["k"] == b"shared" and store.listdir("") == ["k"]
    assert pickle.loads(pickle.dumps(store))["k"] == b"shared"  # the token travels in the URL
    writer = open_store(f"az://{container}/s", storage_options=options)
    with pytest.raises(StoreAuthenticationError) as info:
        writer["new"] = b"x"
    message = str(info.value)
    assert "set of key 'new' failed on Azure Blob Storage account 'devstoreaccount1'" in message
    assert azurite.account_url in message and "SAS token" in message
    assert raw.get_blob_client("s/new").exists() is False


def test_service_principal_builds_its_credential_lazily():
    # The SDK sends tokens over HTTPS only, and Azurite here speaks HTTP: this checks the
    # credential the store builds, not a sign-in (which would need Azure AD).
    import azure.identity

    store = ABSStore(
        "data",
        account_name="someaccount",
        tenant_id="00000000-0000-0000-0000-000000000000",
        client_id="11111111-1111-1111-1111-111111111111",
        client_secret="secret",
    )
    assert isinstance(store.client.credential, azure.identity.ClientSecretCredential)
    state = pickle.dumps(store)  # the recipe pickles, the credential object would not
    assert b"ClientSecretCredential" not in state
    assert isinstance(pickle.loads(state).client.credential, azure.identity.ClientSecretCredential)
    with pytest.raises(StorageOptionsError, match=r"go together.*\['tenant_id'\]"):
        ABSStore("data", account_name="someaccount", tenant_id="t")


def test_anonymous_access_to_a_private_container_is_refused(azurite, container, raw):
    raw.upload_blob("k", b"private")
    store = ABSStore(container, account_url=azurite.account_url, anon=True)
    with pytest.raises(StoreAuthenticationError, match="get of key 'k' failed"):
        store["k"]


# -- layout and Azure specifics ----------------------------------------------------------------------
def test_blob_layout_is_zarr_python_2s(azurite, container, raw):
    store = ABSStore(container, "/root/dir/", connection_string=azurite.connection_string)
    assert store.prefix == "root/dir"
    zarr_core.open_array(store, mode="w", shape=(4,), chunks=(2,), dtype="u1", zarr_format=2)[:] = 1
    assert sorted(raw.list_blob_names()) == ["root/dir/.zarray", "root/dir/0", "root/dir/1"]
    plain = ABSStore(container, connection_string=azurite.connection_string)
    assert plain.listdir("") == ["root"] and plain.listdir("root/dir") == [".zarray", "0", "1"]


def test_container_is_created_on_first_write(azurite, container):
    reader = ABSStore(container, connection_string=azurite.connection_string, read_only=True)
    assert list(reader) == [] and reader.listdir("") == [] and reader.getsize("") == 0
    assert "k" not in reader and reader.getitems(["k"]) == {}
    with pytest.raises(KeyError):
        reader["k"]
    writer = ABSStore(container, connection_string=azurite.connection_string)
    writer.delitems(["a", "b"])  # nothing to delete in a container that does not exist
    assert writer.set_if_not_exists("zarr.json", b"{}") is True
    assert reader["zarr.json"] == b"{}"


def test_batches_larger_than_one_delete_request(azurite, container):
    store = ABSStore(container, "b", connection_string=azurite.connection_string, max_concurrency=4)
    n = store_module._DELETE_BATCH * 2 + 3
    values = {f"c/{i}": i.to_bytes(4, "little") for i in range(n)}
    store.setitems(values)
    assert store.getitems([*values, "missing"]) == values
    ranges = store.get_partial_values([(k, (1, 2)) for k in values] + [("missing", None)])
    assert ranges == [v[1:3] for v in values.values()] + [None]
    store.delitems([*list(values)[: n - 1], "never-there"])
    assert list(store) == [f"c/{n - 1}"]


def test_large_values_and_their_ranges(azurite, container):
    store = ABSStore(container, connection_string=azurite.connection_string)
    big = os.urandom(9 * 1024 * 1024 + 17)  # larger than one 4 MiB download chunk
    store["big"] = big
    store.setitems({"big2": big, "small": b"small"})
    assert store["big"] == big
    assert store.getitems(["big", "big2", "small"]) == {"big": big, "big2": big, "small": b"small"}
    got = store.get_partial_values(
        [("big", (5 << 20, 100)), ("big", (-5, None)), ("big", (len(big) - 3, 10))]
    )
    assert got == [big[5 << 20 : (5 << 20) + 100], big[-5:], big[-3:]]
    assert store.getsize("big") == len(big)


def test_listdir_uses_the_delimiter(azurite, container):
    store = ABSStore(container, "x", connection_string=azurite.connection_string)
    store.setitems({f"arr/c/{i}/{j}": b"x" for i in range(20) for j in range(20)})
    store.setitems({"arr/zarr.json": b"{}", "arr.json": b"{}", "arr/c.txt": b""})
    assert store.listdir("") == ["arr", "arr.json"]
    assert store.listdir("arr") == ["c", "c.txt", "zarr.json"]
    assert len(store.listdir("arr/c/7")) == 20
    assert store.getsize("arr/c") == 400 and store.getsize("arr") == 402


def test_max_concurrency_bounds_requests_in_flight(azurite, container):
    store = ABSStore(container, connection_string=azurite.connection_string, max_concurrency=3)
    in_flight, peak = 0, 0
    lock = threading.Lock()
    upload = store._upload

    def counting(key, value, concurrency=1):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            upload(key, value, concurrency)
        finally:
            with lock:
                in_flight -= 1

    store._upload = counting
    store.setitems({f"k/{i}": b"v" for i in range(60)})
    assert peak == 3
    assert len(store) == 60
    with pytest.raises(ValueError, match="at least 1"):
        ABSStore(container, connection_string=azurite.connection_string, max_concurrency=0)


def test_large_chunks_travel_in_batches_of_concurrent_requests(azurite, container):
    """The store's batch_bytes hint: a full read of 16 chunks of 256 KiB is four
    getitems of four, each a fan-out of downloads on the store's own requests (at most
    max_concurrency in flight, even with two batches in flight)."""
    store = ABSStore(container, connection_string=azurite.connection_string, max_concurrency=3)
    counting = CountingStore(store)
    data = np.random.default_rng(0).standard_normal((1024, 1024), dtype="f4")
    with zarr_core.config.set({"batching.bytes": 4 * 256 * 1024}):
        z = zarr_core.open_array(
            counting, mode="w", shape=data.shape, chunks=(256, 256), dtype="f4", zarr_format=2
        )
        z[...] = data
        assert len([1 for op, _ in counting.calls if op == "setitems"]) <= 5
        in_flight, peak = 0, 0
        lock = threading.Lock()
        download = store._download

        def counting_download(key, byte_range, concurrency=1):
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            try:
                return download(key, byte_range, concurrency)
            finally:
                with lock:
                    in_flight -= 1

        store._download = counting_download
        counting.reset()
        got = z[...]
    np.testing.assert_array_equal(got, data)
    assert [len(keys) for op, keys in counting.calls if op == "getitems"] == [4] * 4
    assert peak == 3


def test_max_concurrency_follows_the_config(azurite, container):
    store = ABSStore(container, connection_string=azurite.connection_string)
    with zarr_core.config.set({"io_concurrency": 5}):
        assert store._concurrency() == 5
    assert (
        ABSStore(
            container, connection_string=azurite.connection_string, max_concurrency=2
        )._concurrency()
        == 2
    )


def test_arrays_of_both_formats(azurite, container):
    store = ABSStore(container, "arrays", connection_string=azurite.connection_string)
    data = np.arange(10_000, dtype="i4").reshape(100, 100)
    for fmt in (2, 3):
        a = zarr_core.open_array(
            store,
            path=f"v{fmt}",
            mode="w",
            shape=data.shape,
            chunks=(10, 10),
            dtype="i4",
            zarr_format=fmt,
        )
        a[...] = data
        np.testing.assert_array_equal(zarr_core.open_array(store, path=f"v{fmt}")[...], data)


@pytest.fixture
def http_requests(monkeypatch):
    """Counts the HTTP requests this process sends (the SDK's transport is ``requests``)."""
    import requests.adapters

    sent: list[str] = []
    send = requests.adapters.HTTPAdapter.send

    def counting(self, request, *args, **kwargs):
        sent.append(request.method)
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", counting)
    return sent


def test_round_trips(azurite, container, raw, http_requests):
    store = ABSStore(container, "rt", connection_string=azurite.connection_string)
    store.setitems({f"c/{i}": b"0123456789" for i in range(300)})
    assert len(http_requests) == 300  # one Put Blob each, nothing else
    http_requests.clear()
    assert store.listdir("") == ["c"]  # one delimited listing, not 300 names
    assert http_requests == ["GET"]
    http_requests.clear()
    assert store.get_partial_values([("c/1", (2, 3)), ("c/2", ByteRange.last(4))]) == [
        b"234",
        b"6789",
    ]
    assert sorted(http_requests) == ["GET", "GET", "HEAD"]  # the suffix needs the size
    http_requests.clear()
    assert store.getsize("c") == 3000
    assert http_requests == ["HEAD", "GET"]  # is "c" a blob? then one listing with sizes
    http_requests.clear()
    store.delitems([f"c/{i}" for i in range(300)])
    assert http_requests == ["POST", "POST"]  # Blob Batch: 256 + 44
    assert list(raw.list_blob_names(name_starts_with="rt/")) == []


def test_a_forked_child_gets_a_client_of_its_own(azurite, container):
    store = ABSStore(container, "fork", connection_string=azurite.connection_string)
    store.setitems({f"p/{i}": b"parent" for i in range(20)})  # the pool now holds sockets
    parent_client = id(store.client)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        try:
            ok = len(store.getitems([f"p/{i}" for i in range(20)])) == 20
            store["child"] = b"child"
            os.write(write, b"ok" if ok and id(store.client) != parent_client else b"shared")
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 16) == b"ok" and status == 0
    os.close(read)
    assert id(store.client) == parent_client
    assert store.getitems(["child", "p/0"]) == {"child": b"child", "p/0": b"parent"}


def test_malformed_connection_string(monkeypatch):
    with pytest.raises(StorageOptionsError, match="not an Azure Storage connection string"):
        ABSStore("c", connection_string="nonsense")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "nonsense")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", "ignored when a connection string is set")
    with pytest.raises(StorageOptionsError, match="not an Azure Storage connection string"):
        ABSStore("c")
    store = ABSStore("c", account_name="public", anon=True)  # anon=True reads no environment
    assert store.client.credential is None
