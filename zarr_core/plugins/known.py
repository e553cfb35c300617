"""First-party plugins: which distribution provides which scheme, suffix, codec or transformer.

Used only to tell a user what to ``pip install`` when nothing installed provides a name.
``tests/test_known_plugins.py`` checks this table against what each plugin module under
``plugins/`` declares.
"""

from __future__ import annotations

KNOWN_SCHEMES: dict[str, str] = {
    "abfs": "zarr-core-abs",
    "az": "zarr-core-abs",
    "cache": "zarr-core-cache",
    "dbm": "zarr-core-dbm",
    "file": "zarr-core-directory",
    "lmdb": "zarr-core-lmdb",
    "mongodb": "zarr-core-mongodb",
    "mongodb+srv": "zarr-core-mongodb",
    "n5": "zarr-core-n5",
    "redis": "zarr-core-redis",
    "rediss": "zarr-core-redis",
    "sqlite": "zarr-core-sqlite",
    "unix": "zarr-core-redis",
    "zip": "zarr-core-zip",
}

KNOWN_SUFFIXES: dict[str, str] = {
    ".lmdb": "zarr-core-lmdb",
    ".mdb": "zarr-core-lmdb",
    ".n5": "zarr-core-n5",
    ".sqldb": "zarr-core-sqlite",
    ".sqlite": "zarr-core-sqlite",
    ".sqlite3": "zarr-core-sqlite",
    ".zip": "zarr-core-zip",
}

KNOWN_CODECS: dict[str, str] = {
    "n5_default": "zarr-core-n5",
    "sharding_indexed": "zarr-core-sharding",
}

KNOWN_STORAGE_TRANSFORMERS: dict[str, str] = {
    "sharding": "zarr-core-sharding",
}

KNOWN: dict[str, dict[str, str]] = {
    "scheme": KNOWN_SCHEMES,
    "suffix": KNOWN_SUFFIXES,
    "codec": KNOWN_CODECS,
    "storage transformer": KNOWN_STORAGE_TRANSFORMERS,
}
