"""The networked backends (and N5, and the cache stage) for the command-line tests.

Each :class:`Place` makes the URLs a user would type for one backend, the global options
its commands need, and reaches what the backend really holds through the backend's own
client -- redis-py, pymongo, azure-storage-blob, plain files for N5 -- so that the tests
check stored data and break chunks without going through zarr-core.

The servers are the session fixtures of the plugins' pytest plugins
(:mod:`zarr_core_redis.testing`, :mod:`zarr_core_mongodb.testing`,
:mod:`zarr_core_abs.testing`); tests keep apart by prefix, database or container.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import zarr_core
from tests.cli._helpers import Backend
from zarr_core.testing.servers import ServerProcess, free_port

#: The password in the URLs of unreachable servers: it must never be printed.
SECRET = "pa55-w0rd-never-shown"


class Place:
    """One backend: URLs, CLI options and the backend's own view of stored keys.

    ``name`` in the methods names one hierarchy on the backend (a prefix, a collection,
    a directory); ``key`` is a key as zarr-core stores it below that hierarchy's root.
    """

    #: the test id
    kind: str
    #: the Zarr formats the backend holds
    formats: tuple[int, ...] = (2, 3)
    #: ``cp`` may copy the keys of other kinds of stores into it (N5: from N5 only)
    takes_raw_copies: bool = True
    #: global options of ``zarr-core`` for this backend's URLs
    options: list[str] = []
    #: what the tests pass to zarr_core.open for the same URLs
    storage_options: dict | None = None

    def url(self, name: str) -> str:
        raise NotImplementedError

    def spellings(self, name: str) -> list[str]:
        """Other URLs of the same hierarchy (another scheme, defaults left out)."""
        raise NotImplementedError

    def sizes(self, name: str, path: str = "") -> dict[str, int]:
        """``{key: stored bytes}`` of every key below ``path`` (``""``: all), as the
        backend's own client sees them."""
        raise NotImplementedError

    def put(self, name: str, key: str, value: bytes) -> None:
        """Store ``value`` under ``key`` with the backend's own client."""
        raise NotImplementedError

    def unreachable(self) -> tuple[str, list[str], str]:
        """A URL of this backend on a port nothing listens on, the options that make its
        client give up quickly, and the credential in them that must never be printed."""
        raise NotImplementedError

    def local(self, root: Path) -> Any:
        """A local hierarchy of the same layout, for ``cp`` to copy from: a directory
        (N5 containers copy only from N5 containers)."""
        return Backend("directory", root)

    def open(self, url: str, mode: str = "r") -> Any:
        return zarr_core.open(url, mode=mode, storage_options=self.storage_options)

    def __repr__(self) -> str:
        return f"<{self.kind}>"


class RedisPlace(Place):
    """A prefix per hierarchy in database 0 of the session's Redis server."""

    kind = "redis"

    def __init__(self, server: ServerProcess, tag: str):
        import redis

        self.server = server
        self.tag = tag
        self.client = redis.Redis(host=server.host, port=server.port)

    def _prefix(self, name: str) -> str:
        return f"{self.tag}-{name}"

    def url(self, name: str) -> str:
        return f"redis://{self.server.address}/0?prefix={self._prefix(name)}"

    def spellings(self, name: str) -> list[str]:
        return [f"redis://{self.server.address}?prefix={self._prefix(name)}"]  # db 0: default

    def sizes(self, name: str, path: str = "") -> dict[str, int]:
        head = f"{self._prefix(name)}:"
        below = f"{head}{path}/" if path else head
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", below) + "*"
        found = [k.decode() for k in self.client.scan_iter(match=pattern, count=1000)]
        return {k[len(head) :]: self.client.strlen(k) for k in found}

    def put(self, name: str, key: str, value: bytes) -> None:
        self.client.set(f"{self._prefix(name)}:{key}", value)

    def unreachable(self) -> tuple[str, list[str], str]:
        # redis-py retries a refused connection for about 5 s by default
        url = f"redis://:{SECRET}@127.0.0.1:{free_port()}/0?prefix=x"
        return url, ["-o", "redis:retry=null"], SECRET

    def close(self) -> None:
        self.client.close()


class MongoPlace(Place):
    """A collection per hierarchy in a database of the test's own (dropped after it)."""

    def __init__(self, server: ServerProcess, database: str):
        from zarr_core_mongodb.testing import mongodb_client

        self.kind = f"mongodb-{server.name}"
        self.server = server
        self.database = database
        self.client = mongodb_client(server)

    def url(self, name: str) -> str:
        from zarr_core_mongodb.testing import mongodb_url

        return mongodb_url(self.server, self.database, name)

    def spellings(self, name: str) -> list[str]:
        return [f"mongodb://{self.server.address}/{self.database}/{name}"]

    def sizes(self, name: str, path: str = "") -> dict[str, int]:
        query = {"key": {"$regex": f"^{re.escape(path)}/"}} if path else {}
        found = self.client[self.database][name].find(query, {"key": 1, "value": 1})
        return {doc["key"]: len(doc["value"]) for doc in found}

    def put(self, name: str, key: str, value: bytes) -> None:
        collection = self.client[self.database][name]
        collection.update_one({"key": key}, {"$set": {"value": value}}, upsert=True)

    def unreachable(self) -> tuple[str, list[str], str]:
        # pymongo waits 30 s for a server by default
        url = f"mongodb://zarr:{SECRET}@127.0.0.1:{free_port()}/db/c?serverSelectionTimeoutMS=300"
        return url, [], SECRET

    def close(self) -> None:
        self.client.drop_database(self.database)
        self.client.close()


class AzuritePlace(Place):
    """A prefix per hierarchy in a container of the test's own on the session's Azurite;
    the connection string goes to the command line as ``-o az:connection_string=...``."""

    kind = "abs"

    def __init__(self, azurite: Any, container: str):
        from azure.storage.blob import ContainerClient

        self.azurite = azurite
        self.container = container
        self.connection_string = azurite.connection_string
        self.options = ["-o", f"az:connection_string={self.connection_string}"]
        self.storage_options = {"connection_string": self.connection_string}
        self.client = ContainerClient.from_connection_string(self.connection_string, container)

    def url(self, name: str) -> str:
        return f"az://{self.container}/{name}"

    def spellings(self, name: str) -> list[str]:
        return [f"abfs://{self.container}/{name}"]  # adlfs's scheme, the same store

    def sizes(self, name: str, path: str = "") -> dict[str, int]:
        head = f"{name}/"
        blobs = self.client.list_blobs(name_starts_with=f"{head}{path}/" if path else head)
        return {blob.name[len(head) :]: blob.size for blob in blobs}

    def put(self, name: str, key: str, value: bytes) -> None:
        self.client.upload_blob(f"{name}/{key}", value, overwrite=True)

    def unreachable(self) -> tuple[str, list[str], str]:
        from zarr_core_abs.testing import ACCOUNT, KEY

        dead = (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint=http://127.0.0.1:{free_port()}/{ACCOUNT};"
        )
        # the SDK retries a refused connection for about 7 s by default
        options = ["-o", f"az:connection_string={dead}", "-o", "az:retry_total=0"]
        return "az://c/x", options, KEY

    def close(self) -> None:
        self.client.close()


class N5Place(Place):
    """N5 containers in a directory, named by ``n5://`` URLs (and by their suffix)."""

    kind = "n5"
    formats = (2,)
    takes_raw_copies = False

    def __init__(self, root: Path):
        self.root = root

    def _dir(self, name: str) -> Path:
        return self.root / f"{name}.n5"

    def url(self, name: str) -> str:
        return f"n5:///{self._dir(name)}"  # n5:////abs/x.n5

    def spellings(self, name: str) -> list[str]:
        return [str(self._dir(name))]  # a plain path, by its .n5 suffix

    def sizes(self, name: str, path: str = "") -> dict[str, int]:
        top = self._dir(name)
        below = top / path if path else top
        return {
            str(file.relative_to(top)): file.stat().st_size
            for file in below.rglob("*")
            if file.is_file()
        }

    def put(self, name: str, key: str, value: bytes) -> None:
        file = self._dir(name) / key
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(value)

    def local(self, root: Path) -> Any:
        return N5Place(root)

    def close(self) -> None:
        pass


class CachePlace(Place):
    """``...|cache:`` in front of another backend: what it stores is the other's."""

    def __init__(self, inner: Place):
        self.kind = f"cache-over-{inner.kind}"
        self.inner = inner
        self.formats = inner.formats
        self.options = inner.options
        self.storage_options = inner.storage_options

    def url(self, name: str) -> str:
        return f"{self.inner.url(name)}|cache:"

    def spellings(self, name: str) -> list[str]:
        return [f"{self.inner.url(name)}|cache:?max_size=1MB&max_age=60"]

    def sizes(self, name: str, path: str = "") -> dict[str, int]:
        return self.inner.sizes(name, path)

    def put(self, name: str, key: str, value: bytes) -> None:
        self.inner.put(name, key, value)

    def unreachable(self) -> tuple[str, list[str], str]:
        url, options, secret = self.inner.unreachable()
        return f"{url}|cache:", options, secret

    def close(self) -> None:
        self.inner.close()


def clean_env() -> dict[str, str]:
    """The environment for the commands, without Azure credentials from outside."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AZURE_STORAGE_")}
