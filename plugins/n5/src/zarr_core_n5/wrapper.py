"""N5Container: an N5 container held in any store, presented as a Zarr v2 hierarchy.

This is the one N5 <-> Zarr translation; :class:`~zarr_core_n5.store.N5Store` (a
directory), :class:`~zarr_core_n5.store.N5FSStore` (fsspec) and the ``n5:`` URL-pipeline
adapter are this wrapper over different stores.

Keys, Zarr side -> N5 side:

* ``<dir>/.zgroup``, ``<dir>/.zarray``, ``<dir>/.zattrs`` -> views of
  ``<dir>/attributes.json`` (see :mod:`zarr_core_n5.metadata`);
* a chunk key, whose last segment is ``\\d+(\\.\\d+)*`` (``"vol/2.1"``), -> the coordinates
  reversed and nested (``"vol/1/2"``), as zarr-python 2 and z5py do;
* anything else -> unchanged.

In a container whose root ``attributes.json`` holds the N5 version, a directory without
an ``attributes.json`` outside every dataset is a group too (N5 makes every directory
one; Java N5 writes no document for a group without attributes).

Block bytes pass through untouched: the ``n5_block`` codec named by the ``.zarray`` view
turns them into chunks. Each batch call on this store is one batch call on the wrapped
store (metadata documents are fetched in the same ``getitems`` as the chunks), so the
wrapped store's native batches and ranges are kept. Listing the keys under an array maps
its nested block paths back to chunk keys, which needs that array's ``attributes.json``
(read in one batch per listing).

Writing ``.zarray``, ``.zgroup`` or ``.zattrs`` reads, updates and rewrites the one
``attributes.json`` they share; two processes changing the metadata of the *same* node at
the same moment can lose one update (chunk writes are independent, as everywhere).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

from zarr_core.storage.adapters import Consumes, StoreAdapter
from zarr_core.storage.base import Store
from zarr_core.storage.byte_range import ByteRange
from zarr_core.storage.keys import normalize_path
from zarr_core.storage.wrapper import WrapperStore
from zarr_core_n5 import metadata as _meta
from zarr_core_n5.errors import N5MetadataError

__all__ = ["N5Container"]

_CHUNK = re.compile(r"\d+(\.\d+)*")
_META_NAMES = (".zarray", ".zgroup", ".zattrs")
_ATTRS = _meta.ATTRIBUTES
_ZGROUP = json.dumps({"zarr_format": 2}, indent=4).encode()
# Metadata updates read, change and rewrite one attributes.json; this lock keeps threads
# of one process from losing each other's updates (metadata writes are rare, so one lock
# for every container is enough, and it survives pickling, which a per-store one would not).
_META_LOCK = threading.RLock()


def _split(key: str) -> tuple[str, str]:
    """``"a/b/c"`` -> ``("a/b/", "c")``; ``"c"`` -> ``("", "c")``."""
    head, sep, last = key.rpartition("/")
    return head + sep, last


def _ancestors(head: str) -> list[str]:
    """The directories above ``head`` (``"a/b/"`` -> ``["", "a/"]``)."""
    parts = head.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" if i else "" for i in range(len(parts))]


def _n5_key(key: str) -> str:
    """The N5 key of a Zarr key that is not a metadata key."""
    head, last = _split(key)
    if _CHUNK.fullmatch(last) and "." in last:
        return head + "/".join(reversed(last.split(".")))
    return key


def _refuse_v3(key: str, value: bytes) -> None:
    """Zarr v3 node documents would make a hybrid no N5 reader sees: refuse them."""
    try:
        doc = json.loads(value)
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("zarr_format") == 3 and "node_type" in doc:
        raise N5MetadataError(
            "N5 containers are presented as Zarr format 2 hierarchies; create nodes here "
            "with zarr_format=2 (or convert the hierarchy with zarr-core's convert)",
            key=key,
        )


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, indent=4, ensure_ascii=False).encode()


class N5Container(WrapperStore, StoreAdapter):
    """Present the N5 container in ``store`` as a Zarr v2 hierarchy.

    Parameters
    ----------
    store
        The store holding the container's files (``attributes.json``, block paths).
    read_only
        Refuse writes even when ``store`` is writable.

    Notes
    -----
    Arrays are presented with ``dimension_separator="."`` and chunk keys ``"i.j"``; N5
    nests its blocks in directories whatever Zarr's separator says, and arrays created
    here with ``dimension_separator="/"`` are refused (the nested keys would be
    indistinguishable from paths). Axes are reversed: an N5 dataset with
    ``dimensions [7, 10]`` is a Zarr array of shape ``(10, 7)``. tensorstore does not
    reverse them, so it sees the same dataset transposed.
    """

    consumes: ClassVar[Consumes] = "node"
    # zarr-core re-reads a new array's .zarray: the n5_block view is what encodes chunks.
    translates_metadata: ClassVar[bool] = True  # type: ignore[misc]
    # New nodes default to Zarr format 2, the only one N5 presents.
    native_zarr_format: ClassVar[int | None] = 2  # type: ignore[misc]

    def __init__(self, store: Store, *, read_only: bool = False):
        super().__init__(store, read_only=read_only)
        self._dimension_separator = "."

    # -- documents --------------------------------------------------------------------
    def _where(self, n5_key: str) -> str:
        return f"{n5_key} in {self.store!r}"

    def _docs(self, dirs: Iterable[str]) -> dict[str, dict]:
        """``attributes.json`` of each directory that has one (one batch call)."""
        keys = {d + _ATTRS: d for d in dirs}
        found = self.store.getitems(list(keys)) if keys else {}
        return {keys[k]: _meta.loads(v, self._where(k)) for k, v in found.items()}

    def _view(self, name: str, dirpath: str, doc: dict) -> bytes | None:
        """The bytes of the metadata view ``name`` of ``doc``, or ``None`` if it has none."""
        dataset = _meta.is_dataset(doc)
        if name == ".zgroup":
            return None if dataset else _ZGROUP
        if name == ".zarray":
            if not dataset:
                return None
            where = self._where(dirpath + _ATTRS)
            return _dumps(_meta.zarray_view(doc, dirpath.rstrip("/"), where))
        attrs = _meta.user_attributes(doc)
        return _dumps(attrs) if attrs else None

    def _meta_names(self, doc: dict) -> list[str]:
        names = [".zarray" if _meta.is_dataset(doc) else ".zgroup"]
        if _meta.user_attributes(doc):
            names.append(".zattrs")
        return names

    # -- reads ------------------------------------------------------------------------
    def _get(self, key: str) -> bytes:
        found = self._get_many([key])
        if key not in found:
            raise KeyError(key)
        return found[key]

    def _contains(self, key: str) -> bool:
        head, last = _split(key)
        if last in _META_NAMES:
            doc = self._docs([head]).get(head)
            if doc is None:
                return last == ".zgroup" and bool(self._implicit_groups([head], {}))
            return self._view(last, head, doc) is not None
        return _n5_key(key) in self.store

    def _implicit_groups(self, heads: Iterable[str], known: dict[str, dict]) -> set[str]:
        """Which of ``heads``, directories without an ``attributes.json``, are groups.

        N5 makes every directory a group, and Java N5 writes no ``attributes.json`` for a
        group without attributes. In a container whose root ``attributes.json`` carries
        the N5 version, a directory that holds anything and lies inside no dataset is
        therefore a group. ``known``: documents already read, by directory.
        """
        heads = [h for h in heads if h]
        if not heads:
            return set()
        wanted = {a for h in heads for a in _ancestors(h)} - known.keys()
        docs = {**known, **self._docs(wanted)} if wanted else known
        root = docs.get("")
        if root is None or "n5" not in root or _meta.is_dataset(root):
            return set()
        out = set()
        for head in heads:
            if any(_meta.is_dataset(docs[a]) for a in _ancestors(head) if a in docs):
                continue
            children = self.store.listdir(head)
            # An attributes.json that appeared since it was looked for belongs to a node
            # being created right now (its document is written first): not a bare group.
            if children and _ATTRS not in children:
                out.add(head)
        return out

    def _get_many(self, keys: list[str]) -> dict[str, bytes]:
        wanted: dict[str, str] = {}  # N5 key -> Zarr key, for plain values
        meta: list[tuple[str, str, str]] = []  # (Zarr key, dir, view name)
        for key in keys:
            head, last = _split(key)
            if last in _META_NAMES:
                meta.append((key, head, last))
            else:
                wanted[_n5_key(key)] = key
        fetch = list(wanted) + [d + _ATTRS for d in dict.fromkeys(m[1] for m in meta)]
        found = self.store.getitems(fetch)
        out = {wanted[k]: v for k, v in found.items() if k in wanted}
        docs = {}
        for key, head, name in meta:
            raw = found.get(head + _ATTRS)
            if raw is not None:
                doc = docs[head] = _meta.loads(raw, self._where(head + _ATTRS))
                view = self._view(name, head, doc)
                if view is not None:
                    out[key] = view
        missing = {head: key for key, head, name in meta if name == ".zgroup" and head not in docs}
        for head in self._implicit_groups(missing, docs):
            out[missing[head]] = _ZGROUP
        return out

    def _get_ranges(self, requests: list[tuple[str, ByteRange | None]]) -> list[bytes | None]:
        meta = {k for k, _ in requests if _split(k)[1] in _META_NAMES}
        views = self._get_many(list(meta)) if meta else {}
        plain = [(_n5_key(k), r) for k, r in requests if k not in meta]
        values = iter(self.store.get_partial_values(plain) if plain else [])
        out: list[bytes | None] = []
        for key, byte_range in requests:
            if key not in meta:
                out.append(next(values))
            elif key not in views or byte_range is None:
                out.append(views.get(key))
            else:
                out.append(byte_range.slice(views[key]))
        return out

    # -- writes -----------------------------------------------------------------------
    def _set(self, key: str, value: bytes) -> None:
        self._set_many({key: value})

    def _set_many(self, items: dict[str, bytes]) -> None:
        plain: dict[str, bytes] = {}
        meta: list[tuple[str, str, bytes]] = []
        for key, value in items.items():
            head, last = _split(key)
            if last in _META_NAMES:
                meta.append((head, last, value))
            else:
                if last == "zarr.json":
                    _refuse_v3(key, value)
                plain[_n5_key(key)] = value
        if not meta:
            self.store.setitems(plain)
            return
        with _META_LOCK:
            docs = self._docs(dict.fromkeys(m[0] for m in meta))
            for head, name, value in meta:
                docs[head] = self._apply(name, head, docs.get(head, {}), value)
            plain.update((d + _ATTRS, _meta.dumps(doc)) for d, doc in docs.items())
            self.store.setitems(plain)

    def _apply(self, name: str, head: str, doc: dict, value: bytes) -> dict:
        where = self._where(head + _ATTRS)
        if name == ".zgroup":
            return _meta.apply_zgroup(doc)
        if name == ".zarray":
            return _meta.apply_zarray(doc, value, where, top_level=not head)
        return _meta.apply_zattrs(doc, value, where)

    def _set_if_not_exists(self, key: str, value: bytes) -> bool:
        head, last = _split(key)
        if last in (".zarray", ".zgroup"):
            # The node's attributes.json is created atomically by the wrapped store; one
            # that exists already holds a node (every N5 directory with one is a group).
            doc = self._apply(last, head, {}, value)
            return self.store.set_if_not_exists(head + _ATTRS, _meta.dumps(doc))
        if last == ".zattrs":
            with _META_LOCK:  # atomic among threads; attributes are not raced for creation
                if self._contains(key):
                    return False
                self._set_many({key: value})
                return True
        if last == "zarr.json":
            _refuse_v3(key, value)
        return self.store.set_if_not_exists(_n5_key(key), value)

    def _delete(self, key: str) -> None:
        if _split(key)[1] not in _META_NAMES:
            del self.store[_n5_key(key)]
        elif not self._contains(key):
            raise KeyError(key)
        else:
            self._delete_many([key])

    def _delete_many(self, keys: list[str]) -> None:
        plain: list[str] = []
        meta: list[tuple[str, str]] = []
        for key in keys:
            head, last = _split(key)
            if last in _META_NAMES:
                meta.append((head, last))
            else:
                plain.append(_n5_key(key))
        if plain:
            self.store.delitems(plain)
        if not meta:
            return
        with _META_LOCK:
            self._delete_views(meta)

    def _delete_views(self, meta: list[tuple[str, str]]) -> None:
        docs = self._docs(dict.fromkeys(m[0] for m in meta))
        for head, name in meta:
            doc = docs.get(head)
            if doc is None:
                continue
            if name == ".zattrs":
                docs[head] = {k: v for k, v in doc.items() if k in _meta.RESERVED}
            elif self._view(name, head, doc) is not None:
                docs[head] = _meta.user_attributes(doc)
        keep = {d + _ATTRS: _meta.dumps(doc) for d, doc in docs.items() if doc}
        if keep:
            self.store.setitems(keep)
        gone = [d + _ATTRS for d, doc in docs.items() if not doc]
        if gone:
            self.store.delitems(gone)

    # -- listing ----------------------------------------------------------------------
    def _zarr_keys(self, n5_keys: Iterable[str], docs: dict[str, dict] | None = None) -> list[str]:
        """The Zarr keys that N5 keys (whole subtrees) present; ``docs``: attributes of
        ancestor directories already read, whose datasets' blocks may be among the keys."""
        keys, dirs = [], []
        for key in n5_keys:
            if key == _ATTRS or key.endswith("/" + _ATTRS):
                dirs.append(key[: -len(_ATTRS)])
            else:
                keys.append(key)
        own = self._docs(dirs)
        out = [d + name for d, doc in own.items() for name in self._meta_names(doc)]
        known = {**(docs or {}), **own}
        ranks = {d: len(doc["dimensions"]) for d, doc in known.items() if _meta.is_dataset(doc)}
        root = known.get("")
        if root is not None and "n5" in root and "" not in ranks and keys:
            out += [d + ".zgroup" for d in self._bare_dirs(keys, known, ranks)]
        if not ranks:
            return out + keys
        return out + [self._chunk_key(key, ranks) for key in keys]

    @staticmethod
    def _bare_dirs(keys: list[str], known: dict[str, dict], ranks: dict[str, int]) -> set[str]:
        """Directories of ``keys`` without an ``attributes.json`` and outside every
        dataset: the implicit groups of an N5 container (see :meth:`_implicit_groups`)."""
        out: set[str] = set()
        for key in keys:
            head = _split(key)[0]
            if not head:
                continue
            for d in _ancestors(key)[1:] + [head]:  # "a/b/c" -> "a/", "a/b/"
                if d in ranks:
                    break  # below here: the blocks of a dataset
                if d not in known:
                    out.add(d)
        return out

    @staticmethod
    def _chunk_key(key: str, ranks: dict[str, int]) -> str:
        """``"vol/1/2"`` -> ``"vol/2.1"`` when ``vol`` is a 2-d dataset; else ``key``."""
        parts = key.split("/")
        for cut in range(len(parts) - 1, -1, -1):
            rank = ranks.get("/".join(parts[:cut]) + "/" if cut else "")
            if rank is not None:
                coords = parts[cut:]
                if len(coords) == rank and all(c.isdigit() for c in coords):
                    return "/".join(parts[:cut] + [".".join(reversed(coords))])
                return key
        return key

    def _keys(self) -> Iterable[str]:
        return self._zarr_keys(self.store.list_prefix(""))

    def _len(self) -> int:
        return len(self._zarr_keys(self.store.list_prefix("")))

    def _list_prefix(self, prefix: str) -> Iterable[str]:
        # A prefix may end inside a chunk key ("vol/1."), whose N5 form is elsewhere:
        # list the directory the prefix is in, translate, then filter. The attributes of
        # the directories above it tell whether its keys are blocks of a dataset there.
        head, _ = _split(prefix)
        parts = head.split("/")[:-1]
        ancestors = self._docs("/".join(parts[:i]) + "/" if i else "" for i in range(len(parts)))
        keys = self._zarr_keys(self.store.list_prefix(head), ancestors)
        return [k for k in keys if k.startswith(prefix)]

    def _list_dir(self, prefix: str) -> Iterable[str]:
        doc = self._docs([prefix]).get(prefix)
        if doc is not None and _meta.is_dataset(doc):
            n = len(prefix)
            return {
                k[n:].split("/", 1)[0]
                for k in self._zarr_keys(self.store.list_prefix(prefix))
                if k.startswith(prefix)
            }
        children = set(self.store.listdir(prefix))
        children.discard(_ATTRS)
        if doc is not None:
            children.update(self._meta_names(doc))
        elif children and self._implicit_groups([prefix], {}):
            children.add(".zgroup")
        return children

    # -- sizes and moves ---------------------------------------------------------------
    def _getsize(self, path: str) -> int:
        if path and self._contains(path):
            return len(self._get(path))
        return self.store.getsize(path)

    def _rename(self, src: str, dst: str) -> None:
        if self._contains(src):  # one key (a chunk, a metadata view): move its value
            self._set_many({dst: self._get(src)})
            self._delete_many([src])
            return
        self.store.rename(src, dst)

    # -- URL pipelines ----------------------------------------------------------------
    @classmethod
    def from_store(
        cls, store: Store, path: str, body: str, *, mode: str = "r"
    ) -> tuple[N5Container, str]:
        """The ``n5:`` URL-pipeline stage: the container at ``path`` of ``store``.

        ``s3://bucket/vol.n5|n5:`` and ``file:///x.zip|zip:|n5:`` read an N5 container
        from any store; ``body`` (``|n5:sub/group``) is a path inside the container.
        """
        if path:
            from zarr_core.storage.prefix import PrefixStore

            store = PrefixStore(store, path)
        return cls(store, read_only=mode == "r"), normalize_path(body)

    def __repr__(self) -> str:
        return f"<N5Container of {self.store!r}>"
