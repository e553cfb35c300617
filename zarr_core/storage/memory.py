"""In-memory stores: :class:`KVStore` over any mapping and the hierarchical :class:`MemoryStore`."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

from zarr_core.storage.base import Store, mode_is_read_only
from zarr_core.storage.keys import normalize_path

__all__ = ["KVStore", "MemoryStore"]


class KVStore(Store):
    """A store over any ``MutableMapping[str, bytes]`` (a ``dict``, a ``shelve``, ...), or any
    object with the mapping methods (``__getitem__``, ``__setitem__``, ``__delitem__``,
    ``__iter__``, ``__contains__``).

    Parameters
    ----------
    mutablemapping
        The mapping that holds the data; it is used directly, not copied.
    """

    def __init__(self, mutablemapping: MutableMapping[str, Any], **kwargs: Any):
        super().__init__(**kwargs)
        self._mutable_mapping = mutablemapping

    def _get(self, key: str) -> bytes:
        return self._mutable_mapping[key]

    def _set(self, key: str, value: bytes) -> None:
        self._mutable_mapping[key] = value

    def _delete(self, key: str) -> None:
        del self._mutable_mapping[key]

    def _keys(self) -> Iterator[str]:
        return iter(list(self._mutable_mapping))

    def _contains(self, key: str) -> bool:
        return key in self._mutable_mapping

    def _len(self) -> int:
        if hasattr(self._mutable_mapping, "__len__"):
            return len(self._mutable_mapping)
        return sum(1 for _ in self._mutable_mapping)  # a duck-typed mapping without len()

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        m = self._mutable_mapping
        return {k: m[k] for k in keys if k in m}

    def _identity(self) -> Any:
        return id(self._mutable_mapping)

    def __eq__(self, other: object) -> bool:
        # As in zarr-python 2: KVStores are equal when their mappings are equal.
        return isinstance(other, KVStore) and self._mutable_mapping == other._mutable_mapping

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._mutable_mapping!r} at {id(self):#x}>"


class MemoryStore(Store):
    """A hierarchical in-memory store: nested dicts, one level per path segment.

    Listing a directory is a dict lookup instead of a scan of every key. Thread-safe.
    ``root`` is the top-level dict; ``cls`` the dict type used for directories. As in
    zarr-python 2, writing a value where a directory is replaces the directory (and its
    keys), while a value in the middle of a path cannot hold keys under it (``KeyError``).
    """

    def __init__(self, root: dict | None = None, cls: type = dict, **kwargs: Any):
        super().__init__(**kwargs)
        self.cls = cls
        self.root = cls() if root is None else root
        self._lock = threading.RLock()

    def _parent(self, key: str, create: bool) -> tuple[dict, str]:
        node = self.root
        *dirs, name = key.split("/")
        for segment in dirs:
            child = node.get(segment)
            if child is None:
                if not create:
                    raise KeyError(key)
                child = node[segment] = self.cls()
            elif not isinstance(child, dict):
                if not create:
                    raise KeyError(key)
                raise KeyError(f"{key!r}: {segment!r} is a value, not a directory")
            node = child
        return node, name

    def _get(self, key: str) -> bytes:
        node, name = self._parent(key, create=False)
        value = node[name]
        if isinstance(value, dict):
            raise KeyError(key)
        return value

    def _set(self, key: str, value: bytes) -> None:
        with self._lock:
            node, name = self._parent(key, create=True)
            node[name] = value

    def _delete(self, key: str) -> None:
        with self._lock:
            node, name = self._parent(key, create=False)
            if isinstance(node[name], dict):
                raise KeyError(key)
            del node[name]
            self._prune(key)

    def _prune(self, key: str) -> None:
        # A directory exists only while it holds keys, as in the other stores' listings.
        parts = key.split("/")[:-1]
        while parts:
            node = self._dir("/".join(parts[:-1]))
            if node is None or node.get(parts[-1]):
                return
            del node[parts[-1]]
            parts.pop()

    def _keys(self) -> Iterable[str]:
        with self._lock:
            return list(self._walk(self.root, ""))

    def _walk(self, node: dict, prefix: str) -> Iterator[str]:
        for name, value in list(node.items()):
            if isinstance(value, dict):
                yield from self._walk(value, f"{prefix}{name}/")
            else:
                yield prefix + name

    def _dir(self, path: str) -> dict | None:
        node = self.root
        for segment in normalize_path(path).split("/") if path.strip("/") else ():
            node = node.get(segment)
            if not isinstance(node, dict):
                return None
        return node

    def _list_dir(self, prefix: str) -> Iterable[str]:
        node = self._dir(prefix)
        return list(node) if node is not None else []

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        # Start the walk at the deepest directory the prefix names completely.
        head, _, _ = prefix.rpartition("/")
        node = self._dir(head)
        if node is None:
            return []
        start = f"{head}/" if head else ""
        with self._lock:
            return [k for k in self._walk(node, start) if k.startswith(prefix)]

    def _delete_prefix(self, prefix: str) -> None:
        path = prefix.rstrip("/")
        with self._lock:
            if not path:
                self.root.clear()
                return
            parent, name = (self._dir(path.rpartition("/")[0]), path.rpartition("/")[2])
            if parent is not None and isinstance(parent.get(name), dict):
                del parent[name]
                self._prune(path)

    def _rename(self, src: str, dst: str) -> None:
        with self._lock:
            src_parent, src_name = self._parent(src, create=False)
            if src_name not in src_parent:
                raise KeyError(src)
            dst_parent, dst_name = self._parent(dst, create=True)
            dst_parent[dst_name] = src_parent.pop(src_name)
            self._prune(src)

    def _identity(self) -> Any:
        return id(self.root)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def __eq__(self, other: object) -> bool:
        # Equal when they hold the same data, so a pickled copy compares equal.
        return isinstance(other, MemoryStore) and self.root == other.root and self.cls is other.cls

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at {id(self):#x}>"

    @classmethod
    def from_url(cls, url: str, *, mode: str = "a", **storage_options: Any) -> MemoryStore:
        """``memory://`` opens a new store; ``memory://name`` a store shared in this process."""
        cls._reject_options(storage_options)
        name = url.split("://", 1)[1] if "://" in url else ""
        name = normalize_path(name)
        read_only = mode_is_read_only(mode)
        if not name:
            return cls(read_only=read_only)
        with _NAMED_LOCK:
            store = _NAMED.get(name)
            if store is None:
                store = _NAMED[name] = cls()
        # A read-only view shares the named store's data.
        return cls(root=store.root, read_only=True) if read_only else store


_NAMED: dict[str, MemoryStore] = {}
_NAMED_LOCK = threading.Lock()
