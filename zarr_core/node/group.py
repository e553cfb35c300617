"""Groups: nodes that contain arrays and other groups, in either Zarr format."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from zarr_core.errors import (
    ArgumentTypeError,
    ContainsArrayError,
    ContainsGroupError,
    PathNotFoundError,
)
from zarr_core.node.array import Array, InfoReport
from zarr_core.node.attrs import Attributes
from zarr_core.node.base import Node
from zarr_core.node.documents import (
    ZARR_JSON,
    ZARRAY,
    ZGROUP,
    NodeMetadata,
    check_no_node,
    clear_or_check,
    load_node,
    require_parent_groups,
    write_group_metadata,
)
from zarr_core.node.keywords import as_store, check_meta_array, merge_format
from zarr_core.storage.base import Store
from zarr_core.storage.keys import join_path, normalize_path

__all__ = ["Group"]


class Group(Node):
    """A Zarr group: a mapping from child names to arrays and groups.

    Usually obtained from :func:`zarr_core.group` or :func:`zarr_core.open_group`.

    Parameters
    ----------
    store
        The store holding the hierarchy.
    path
        Path of the group inside the store.
    read_only
        Refuse writes to this group, its attributes and nodes reached through it.
    chunk_store
        Separate store for the chunks of arrays reached through this group.
    cache_attrs
        Keep attributes in memory (see :class:`~zarr_core.node.attrs.Attributes`).
    synchronizer
        Passed to arrays reached through this group and used for attribute updates.
    zarr_format, zarr_version
        Expect this format; ``None`` detects it (``zarr_version`` is the 2.x name).
    meta_array
        Accepted as in zarr-python 2 (NumPy only, see :mod:`zarr_core.node.keywords`).
    """

    _kind = "group"

    def __init__(
        self,
        store: Store | Any,
        path: str | None = "",
        read_only: bool = False,
        chunk_store: Store | Any | None = None,
        cache_attrs: bool = True,
        synchronizer: Any = None,
        zarr_format: int | None = None,
        zarr_version: int | None = None,
        meta_array: Any = None,
        _node: NodeMetadata | None = None,
    ):
        check_meta_array(meta_array)
        zarr_format = merge_format(zarr_format, zarr_version)
        store = as_store(store, read_only)
        self._store = store
        self._path = normalize_path(path)
        self._read_only = bool(read_only) or store.read_only
        self._chunk_store = None if chunk_store is None else as_store(chunk_store, read_only)
        self._synchronizer = synchronizer
        self._node = _node or load_node(store, self._path, zarr_format, expect="group")
        self._attrs = Attributes._of(self, cache=cache_attrs)

    @property
    def synchronizer(self) -> Any:
        return self._synchronizer

    # -- children -----------------------------------------------------------------------
    def _child_path(self, name: str) -> str:
        # A leading "/" names a path from the root of the store, as in zarr-python 2.
        if isinstance(name, str) and name.startswith("/"):
            return normalize_path(name)
        return join_path(self._path, normalize_path(name))

    def _children(self) -> list[tuple[str, str]]:
        """``(name, kind)`` of each child node, from one listing and one batched read."""
        names = self._store.listdir(self._path)
        keys = [join_path(self._path, n, d) for n in names for d in (ZARR_JSON, ZARRAY, ZGROUP)]
        docs = self._store.getitems(keys)
        children = []
        for name in names:
            v3 = docs.get(join_path(self._path, name, ZARR_JSON))
            if v3 is not None and self.zarr_format == 3:
                try:
                    kind = json.loads(v3).get("node_type")
                except ValueError:
                    continue
                if kind in ("array", "group"):
                    children.append((name, kind))
            elif self.zarr_format == 2:
                if join_path(self._path, name, ZARRAY) in docs:
                    children.append((name, "array"))
                elif join_path(self._path, name, ZGROUP) in docs:
                    children.append((name, "group"))
        return children

    def _open_child(self, path: str, node: NodeMetadata) -> Array | Group:
        if node.kind == "array":
            return Array(
                self._store,
                path,
                read_only=self._read_only,
                chunk_store=self._chunk_store,
                synchronizer=self._synchronizer,
                _node=node,
            )
        return Group(
            self._store,
            path,
            read_only=self._read_only,
            chunk_store=self._chunk_store,
            cache_attrs=self._attrs._cache,
            synchronizer=self._synchronizer,
            _node=node,
        )

    def __getitem__(self, item: str) -> Array | Group:
        path = self._child_path(item)
        try:
            node = load_node(self._store, path, self.zarr_format)
        except KeyError as exc:
            raise self._no_member(item, path, getattr(exc, "hint", None)) from None
        return self._open_child(path, node)

    def _no_member(self, item: str, path: str, hint: str | None = None) -> PathNotFoundError:
        # A KeyError (``in``, ``.get`` and 2.x code catch it) that names the group and the
        # store, unlike a bare KeyError('name').
        return PathNotFoundError(
            path,
            self._store,
            hint=hint,
            prefix=f"group {self.name!r} has no member {item!r}: nothing found",
        )

    def __contains__(self, item: object) -> bool:
        try:
            load_node(self._store, self._child_path(item), self.zarr_format)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(name for name, _ in self._children())

    def _ipython_key_completions_(self) -> list[str]:
        # IPython completes g["<tab> from this list
        return sorted(self)

    def __len__(self) -> int:
        return len(self._children())

    def keys(self) -> Iterator[str]:
        return iter(self)

    def items(self) -> Iterator[tuple[str, Array | Group]]:
        for name in self:
            yield name, self[name]

    def values(self) -> Iterator[Array | Group]:
        for _, node in self.items():
            yield node

    def group_keys(self) -> Iterator[str]:
        return iter(n for n, kind in self._children() if kind == "group")

    def groups(self) -> Iterator[tuple[str, Group]]:
        for name in self.group_keys():
            yield name, self[name]  # type: ignore[misc]

    def array_keys(self, recurse: bool = False) -> Iterator[str]:
        for name, _ in self.arrays(recurse=recurse):
            yield name

    def arrays(self, recurse: bool = False) -> Iterator[tuple[str, Array]]:
        for name, kind in self._children():
            if kind == "array":
                yield name, self[name]  # type: ignore[misc]
            elif recurse:
                yield from self[name].arrays(recurse=True)  # type: ignore[union-attr]

    def __delitem__(self, item: str) -> None:
        self._check_writable()
        path = self._child_path(item)
        if item not in self:
            raise self._no_member(item, path)
        self._store.rmdir(path)
        if self._chunk_store is not None:
            self._chunk_store.rmdir(path)

    def __getattr__(self, name: str) -> Any:
        # h5py-style attribute access to children (g.foo), as zarr-python 2 offers.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        # children reachable as attributes show up in tab completion
        return sorted(set(super().__dir__()) | {n for n in self if n.isidentifier()})

    def get(self, name: str, default: Any = None) -> Any:
        """The member ``name`` (a path), or ``default`` if there is none."""
        try:
            return self[name]
        except KeyError:
            return default

    def __setitem__(self, name: str, value: Any) -> None:
        """``g[name] = data`` stores ``data`` as a new array, replacing any node there."""
        self.array(name, value, overwrite=True)

    # -- visiting -----------------------------------------------------------------------
    def visitvalues(self, func: Callable[[Array | Group], Any]) -> Any:
        """Call ``func(node)`` on every descendant until it returns something not None."""
        for _, node in self.items():
            result = func(node)
            if result is not None:
                return result
            if isinstance(node, Group):
                result = node.visitvalues(func)
                if result is not None:
                    return result
        return None

    def visit(self, func: Callable[[str], Any]) -> Any:
        """Call ``func(relative_path)`` on every descendant."""
        base = len(self._path) + 1 if self._path else 0
        return self.visitvalues(lambda node: func(node.path[base:]))

    visitkeys = visit

    def visititems(self, func: Callable[[str, Array | Group], Any]) -> Any:
        """Call ``func(relative_path, node)`` on every descendant."""
        base = len(self._path) + 1 if self._path else 0
        return self.visitvalues(lambda node: func(node.path[base:], node))

    def tree(self, expand: bool = False, level: int | None = None) -> TreeView:
        """A printable tree of the hierarchy below this group."""
        return TreeView(self, expand=expand, level=level)

    # -- creating children --------------------------------------------------------------
    def create_group(self, name: str, overwrite: bool = False) -> Group:
        """Create a child group (error if a node exists there, unless ``overwrite``)."""
        return self._create_group(name, overwrite, existing_ok=False)

    def _create_group(self, name: str, overwrite: bool, existing_ok: bool) -> Group:
        self._check_writable()
        path = self._child_path(name)
        if overwrite or not existing_ok:
            clear_or_check(self._store, self._chunk_store, path, overwrite)
        require_parent_groups(
            self._store, path, self.zarr_format, overwrite=overwrite, chunk_store=self._chunk_store
        )
        write_group_metadata(
            self._store, path, self.zarr_format, exclusive=not overwrite, existing_ok=existing_ok
        )
        return self[name]  # type: ignore[return-value]

    def require_group(self, name: str, overwrite: bool = False) -> Group:
        """Return the child group ``name``, creating it if needed (also when another
        process creates it at the same moment)."""
        path = self._child_path(name)
        try:
            node = load_node(self._store, path, self.zarr_format)
        except KeyError:
            return self._create_group(name, overwrite=False, existing_ok=True)
        if node.kind != "group":
            if not overwrite:
                raise ContainsArrayError(path, self._store)
            return self.create_group(name, overwrite=True)
        return self._open_child(path, node)  # type: ignore[return-value]

    def create_groups(self, *names: str, **kwargs: Any) -> tuple[Group, ...]:
        return tuple(self.create_group(n, **kwargs) for n in names)

    def require_groups(self, *names: str) -> tuple[Group, ...]:
        return tuple(self.require_group(n) for n in names)

    def _create_array(self, factory: str, name: str, *args: Any, **kwargs: Any) -> Array:
        self._check_writable()
        from zarr_core.node import creation

        kwargs.setdefault("zarr_format", self.zarr_format)
        kwargs.setdefault("synchronizer", self._synchronizer)
        if self._chunk_store is not None:
            kwargs.setdefault("chunk_store", self._chunk_store)
        return getattr(creation, factory)(
            *args, store=self._store, path=self._child_path(name), **kwargs
        )

    def create(self, name: str, **kwargs: Any) -> Array:
        return self._create_array("create", name, **kwargs)

    def create_dataset(
        self, name: str, shape: Any = None, dtype: Any = None, data: Any = None, **kwargs: Any
    ) -> Array:
        """Create an array, h5py style ("datasets" are HDF5's arrays).

        ``data`` initialises the array and gives its shape and dtype unless they are
        passed. h5py's ``compression``/``compression_opts`` (a numcodecs id and its
        argument, e.g. ``"gzip"``, 5) and ``fillvalue`` are accepted; h5py options with
        no Zarr meaning (``maxshape``, ``fletcher32``, ...) are ignored with a warning.
        Other arguments are those of :func:`zarr_core.create`.
        """
        kwargs = _h5py_arguments(kwargs)
        if dtype is not None:
            kwargs["dtype"] = dtype
        if data is not None:
            if shape is not None:
                kwargs["shape"] = shape
            return self._create_array("array", name, data, **kwargs)
        if shape is None:
            raise ArgumentTypeError("create_dataset needs shape= or data=")
        return self._create_array("create", name, shape=shape, **kwargs)

    def require_dataset(
        self, name: str, shape: Any, dtype: Any = None, exact: bool = False, **kwargs: Any
    ) -> Array:
        """Open the array ``name`` if its shape and dtype fit, else create it.

        Parameters
        ----------
        name
            Array name or path.
        shape
            Required shape (an existing array of another shape is a ``TypeError``).
        dtype
            Required dtype: with ``exact`` the existing dtype must be this one, otherwise
            it must be able to hold this one's values (NumPy casting rules).
        **kwargs
            For :meth:`create_dataset` when the array is created.
        """
        path = self._child_path(name)
        try:
            node = load_node(self._store, path, self.zarr_format)
        except KeyError:
            return self.create_dataset(name, shape=shape, dtype=dtype, **kwargs)
        if node.kind != "array":
            raise ContainsGroupError(path, self._store)
        array = self._open_child(path, node)
        shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
        if array.shape != shape:
            raise ArgumentTypeError(
                f"shapes do not match: existing {array.shape} vs requested {shape}"
            )
        if dtype is not None:
            dtype = np.dtype(dtype)
            if exact and array.dtype != dtype:
                raise ArgumentTypeError(
                    f"dtypes do not match exactly: existing {array.dtype} vs {dtype}"
                )
            if not exact and not np.can_cast(dtype, array.dtype):
                raise ArgumentTypeError(
                    f"dtypes are not compatible: existing {array.dtype} vs {dtype}"
                )
        return array  # type: ignore[return-value]

    def empty(self, name: str, **kwargs: Any) -> Array:
        return self._create_array("empty", name, **kwargs)

    def zeros(self, name: str, **kwargs: Any) -> Array:
        return self._create_array("zeros", name, **kwargs)

    def ones(self, name: str, **kwargs: Any) -> Array:
        return self._create_array("ones", name, **kwargs)

    def full(self, name: str, fill_value: Any, **kwargs: Any) -> Array:
        return self._create_array("full", name, fill_value=fill_value, **kwargs)

    def array(self, name: str, data: Any, **kwargs: Any) -> Array:
        return self._create_array("array", name, data, **kwargs)

    def empty_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        return self._create_array("empty_like", name, data, **kwargs)

    def zeros_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        return self._create_array("zeros_like", name, data, **kwargs)

    def ones_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        return self._create_array("ones_like", name, data, **kwargs)

    def full_like(self, name: str, data: Any, **kwargs: Any) -> Array:
        return self._create_array("full_like", name, data, **kwargs)

    def move(self, source: str, dest: str) -> None:
        """Move a child node (and everything under it) to another path in this group."""
        self._check_writable()
        src, dst = self._child_path(source), self._child_path(dest)
        if source not in self:
            raise self._no_member(source, src)
        check_no_node(self._store, dst)
        require_parent_groups(self._store, dst, self.zarr_format)
        self._store.rename(src, dst)
        if self._chunk_store is not None:
            try:
                self._chunk_store.rename(src, dst)
            except KeyError:
                pass  # nothing of the node in the chunk store (a group, or no chunks yet)

    # -- information and lifecycle ------------------------------------------------------
    def info_items(self) -> list[tuple[str, str]]:
        children = self._children()
        arrays = sorted(n for n, k in children if k == "array")
        groups = sorted(n for n, k in children if k == "group")
        items = [
            ("Name", self.name),
            ("Type", f"zarr_core.Group (Zarr format {self.zarr_format})"),
            ("Read-only", str(self._read_only)),
        ]
        if self._synchronizer is not None:
            items.append(("Synchronizer type", _type_name(self._synchronizer)))
        items.append(("Store type", _type_name(self._store)))
        if self._chunk_store is not None:
            items.append(("Chunk store type", _type_name(self._chunk_store)))
        items += [
            ("No. members", str(len(children))),
            ("No. arrays", str(len(arrays))),
            ("No. groups", str(len(groups))),
        ]
        if arrays:
            items.append(("Arrays", ", ".join(arrays)))
        if groups:
            items.append(("Groups", ", ".join(groups)))
        return items

    @property
    def info(self) -> InfoReport:
        return InfoReport(self.info_items())

    def __enter__(self) -> Group:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._store.close()

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Group) and self._store == other._store and self._path == other._path
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<zarr_core.Group {self.name!r}{' read-only' if self._read_only else ''}>"

    def _repr_html_(self) -> str:
        # notebooks show the info table (plain HTML, no scripts)
        return self.info._repr_html_()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "store": self._store,
            "path": self._path,
            "read_only": self._read_only,
            "chunk_store": self._chunk_store,
            "cache_attrs": self._attrs._cache,
            "synchronizer": self._synchronizer,
            "zarr_format": self.zarr_format,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]


def _type_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__name__}"


# h5py create_dataset options that have no meaning for a Zarr array.
_H5PY_IGNORED = frozenset(
    (
        "maxshape",
        "fletcher32",
        "shuffle",
        "scaleoffset",
        "track_times",
        "track_order",
        "external",
        "allow_unknown_filter",
        "rdcc_nbytes",
        "rdcc_w0",
        "rdcc_nslots",
    )
)


def _h5py_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Translate h5py ``create_dataset`` options into :func:`zarr_core.create` ones."""
    kwargs = dict(kwargs)
    if "fillvalue" in kwargs:
        kwargs.setdefault("fill_value", kwargs.pop("fillvalue"))
    if "compression" in kwargs and kwargs["compression"] is None:
        # h5py's compression=None means no compressor, and zarr-python 2 agrees;
        # other compression/compression_opts values are create()'s own arguments
        del kwargs["compression"]
        kwargs.setdefault("compressor", None)
    ignored = sorted(_H5PY_IGNORED & kwargs.keys())
    if ignored:
        warnings.warn(f"ignoring h5py options {ignored}", UserWarning, stacklevel=3)
        for option in ignored:
            del kwargs[option]
    return kwargs


def _is_array_like(node: Any) -> bool:
    return hasattr(node, "shape")


class TreeView:
    """A hierarchy drawn as a text tree (``print``) or as HTML lists (notebooks).

    Works for zarr-core groups and for anything group-like: an object with ``keys()``
    and ``[name]`` whose arrays have ``shape`` and ``dtype`` (h5py groups).

    Parameters
    ----------
    group
        The top of the tree.
    expand
        HTML only: show every level open (otherwise only the top level is).
    level
        Show at most this many levels below ``group``.
    """

    def __init__(self, group: Any, expand: bool = False, level: int | None = None):
        self.group = group
        self.expand = expand
        self.level = level

    def _nodes(self, group: Any, depth: int) -> list[tuple[str, bool, list]]:
        """``(label, is_group, children)`` for each member of ``group``, sorted by name."""
        if self.level is not None and depth >= self.level:
            return []
        out = []
        for name in sorted(group.keys()):
            node = group[name]
            if _is_array_like(node):
                out.append((f"{name} {tuple(node.shape)} {node.dtype}", False, []))
            else:
                out.append((name, True, self._nodes(node, depth + 1)))
        return out

    def _root_label(self) -> str:
        return self.group.name.rsplit("/", 1)[-1] or "/"

    def _text(self, branch: str, last: str, pipe: str) -> str:
        lines = [self._root_label()]

        def render(nodes: list, prefix: str) -> None:
            for i, (label, _, children) in enumerate(nodes):
                final = i == len(nodes) - 1
                lines.append(f"{prefix}{last if final else branch}{label}")
                render(children, prefix + ("    " if final else pipe))

        render(self._nodes(self.group, 0), " ")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._text("├── ", "└── ", "│   ")

    def __bytes__(self) -> bytes:
        # ASCII drawing, as zarr-python 2's bytes(tree) gives, for terminals without UTF-8
        return self._text("+-- ", "+-- ", "|   ").encode("ascii", "replace")

    def _repr_html_(self) -> str:
        # Plain <details> elements: collapsible in any notebook, no widget library needed.
        import html

        opened = " open" if self.expand else ""

        def render(nodes: list) -> str:
            items = []
            for label, is_group, children in nodes:
                text = html.escape(label)
                if is_group and children:
                    items.append(
                        f"<li><details{opened}><summary>{text}</summary>{render(children)}"
                        "</details></li>"
                    )
                else:
                    items.append(f"<li>{text}</li>")
            return f"<ul>{''.join(items)}</ul>"

        root = html.escape(self._root_label())
        body = render(self._nodes(self.group, 0))
        return (
            f"<div class='zarr-core-tree'><details open><summary>{root}</summary>{body}"
            "</details></div>"
        )
