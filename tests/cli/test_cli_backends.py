"""Every command against Redis, MongoDB (SecantusDB and nx-27017), Azure Blob Storage
(Azurite), N5 and a ``|cache:`` stage, run as subprocesses on real servers.

Outputs and exit statuses are checked, data are read back with zarr-core and compared
with NumPy, and what the commands store is checked with each backend's own client (see
:mod:`tests.cli._backends`), which also breaks the chunks ``verify`` must find. Commands
that do not depend on each other run at the same time (``run_many``).
"""

from __future__ import annotations

import json
import re

import numpy as np

import zarr_core
from tests.cli._backends import SECRET, N5Place, clean_env
from tests.cli._helpers import (
    SAMPLE_TREE,
    Backend,
    assert_sample,
    run_cli,
    run_many,
    sample,
    write_sample,
)
from tests.cli.conftest import PLACES

MARKER = ".zarr-core-incomplete"
# the store classes `which` finds for each place's URLs, stage by stage
STAGES = {
    "redis": ["RedisStore"],
    "mongodb-secantusdb": ["MongoDBStore"],
    "cache-over-redis": ["RedisStore", "CacheStore"],
    "mongodb-nx-27017": ["MongoDBStore"],
    "abs": ["ABSStore"],
    "n5": ["N5Store"],
}


def _stored(place, name: str) -> dict[str, int]:
    """Bytes each array of the sample holds, by the backend's own count."""
    return {path: sum(place.sizes(name, path).values()) for path in sample(2)}


def test_inspect(place):
    url = place.url("h")
    write_sample(place, url, 2)
    o = place.options
    spellings = [url, *place.spellings("h")]
    # (the options that only format the output, tree --level and du in human units,
    # are the same on every backend: test_cli_inspect runs them)
    info, facts, ls, du, which, verify, *trees = run_many(
        [*o, "info", url, "--path", "temps/x"],
        [*o, "info", url, "--path", "temps/deep/z", "--json"],
        [*o, "ls", url, "--path", "temps"],
        [*o, "du", url, "--bytes", "--json"],
        [*o, "which", url, "--json"],
        [*o, "verify", url],
        *([*o, "tree", spelled] for spelled in spellings),
    )
    stored = _stored(place, "h")

    assert info.code == 0, info.err
    assert re.search(r"Type\s+: zarr_core.Array \(Zarr format 2\)", info.out)
    assert re.search(rf"Store type\s+: \S+\.{STAGES[place.kind][-1]}$", info.out, re.M)
    assert re.search(r"Shape\s+: \(60, 40\)$", info.out, re.M)
    assert re.search(rf"No. bytes stored\s+: {stored['temps/x']} ", info.out)
    assert re.search(r"Chunks initialized\s+: 12/12$", info.out, re.M)

    assert facts.code == 0, facts.err
    z = json.loads(facts.out)
    assert z["name"] == "/temps/deep/z" and z["shape"] == [2, 3, 4] and z["dtype"] == "int16"
    assert z["nchunks_initialized"] == 24 and z["attributes"] == {"source": "temps/deep/z"}
    assert z["nbytes"] == 48 and z["nbytes_stored"] == stored["temps/deep/z"] > 0

    for spelled, tree in zip(spellings, trees):
        assert tree.code == 0, (spelled, tree.err)
        assert tree.out.splitlines() == SAMPLE_TREE, spelled
    assert ls.code == 0, ls.err
    assert ls.out.splitlines() == ["deep/\tgroup", "x\tarray\t60x40\tfloat32"]

    assert du.code == 0, du.err
    rows = {row["path"]: row for row in json.loads(du.out)}
    assert list(rows) == ["/", "/temps", "/temps/deep", "/temps/deep/z", "/temps/x", "/y"]
    for path, size in stored.items():
        assert rows[f"/{path}"]["stored"] == size, path  # what the backend holds
    assert rows["/"]["stored"] == sum(stored.values())
    assert rows["/temps"]["stored"] == stored["temps/x"] + stored["temps/deep/z"]
    assert [rows[p]["uncompressed"] for p in ("/", "/temps/x", "/y")] == [9848, 9600, 200]

    assert which.code == 0, which.err
    targets = [stage["target"] for stage in json.loads(which.out)["stages"]]
    assert [t.rpartition(":")[2] for t in targets] == STAGES[place.kind]
    assert verify.code == 0 and verify.out == "checked 40 chunks in 3 arrays: no problems\n"


def test_convert_consolidate_verify(place):
    """v2 to the newest format the backend holds (3; N5: 2), rechunked and recompressed,
    on the backend itself; consolidation; then a chunk broken through the backend's own
    client, found by verify."""
    url, converted = place.url("h"), place.url("h3")
    write_sample(place, url, 2)
    o, fmt = place.options, max(place.formats)
    args = ["--format", str(fmt), "--chunks", "30,20", "--compressor", "zstd:3"]
    commands = [[*o, "convert", url, converted, *args], [*o, "consolidate", url]]
    if 3 not in place.formats:
        commands.append([*o, "convert", url, place.url("h4"), "--format", "3"])
    convert, consolidate, *refused = run_many(*commands)

    assert convert.code == 0, convert.err
    assert re.fullmatch(
        rf"converted 3 arrays, 3 groups to Zarr format {fmt}: 9\.6 KiB in [\d.]+ s; "
        r"peak memory [\d.]+ MiB\n",
        convert.out,
    )
    assert_sample(place, converted, 2)
    root = place.open(converted)
    try:
        x = root["temps/x"]
        assert root.zarr_format == x.zarr_format == fmt and x.chunks == (30, 20)
        assert root["y"].chunks == (8,)  # one dimension: --chunks does not fit it
        if fmt == 3:
            assert [c["name"] for c in x.codecs] == ["bytes", "zstd"]
    finally:
        root.store.close()
    for result in refused:  # N5 holds format 2 only: refused before anything is written
        assert result.code == 2, result.err
        assert "Invalid value for --format: " in result.err
        assert "takes Zarr format 2 only, not 3" in result.err
        assert place.sizes("h4") == {}

    assert consolidate.code == 0, consolidate.err
    assert consolidate.out == "consolidated the metadata of 5 nodes below /\n"
    assert ".zmetadata" in place.sizes("h")
    opened = zarr_core.open_consolidated(url, mode="r", storage_options=place.storage_options)
    try:
        np.testing.assert_array_equal(opened["temps/x"][...], sample(2)["temps/x"])
    finally:
        opened.store.close()

    # (test_inspect verified the source whole: all its chunks were read there)
    broken = {2: "y/0", 3: "y/c/0"}[fmt]  # the first chunk of y in each format
    place.put("h3", broken, b"junk")
    found = run_cli(*o, "verify", converted)
    assert found.code == 1, found.err
    lines = found.out.splitlines()
    assert [line.split("\t")[:2] for line in lines[:-1]] == [["undecodable", broken]]
    assert lines[-1] == f"checked {4 + 24 + 4} chunks in 3 arrays: 1 undecodable"


def test_cp(place, partner, tmp_path):
    """cp into the backend (--exclude, --dry-run, a clash, an interrupted copy resumed,
    --if-exists replace with --include) and from it into another networked backend."""
    local = place.local(tmp_path / "local")
    source = local.url("src")
    write_sample(local, source, 2)
    keys = zarr_core.open_store(source, mode="r").list_prefix("")
    x_keys = [k for k in keys if k.startswith("temps/x/")]
    dst, full, dry, there = place.url("dst"), place.url("full"), place.url("dry"), partner.url("p")
    o = [*place.options, *partner.options]

    excluded, copied, dry_run = run_many(
        [*o, "cp", source, dst, "--exclude", "temps/x"],
        [*o, "cp", source, full],
        [*o, "cp", source, dry, "--dry-run"],
    )
    assert excluded.code == 0, excluded.err
    assert excluded.out.startswith(f"copied {len(keys) - len(x_keys)} keys, skipped 0, ")
    assert place.sizes("dst", "temps/x") == {} and place.sizes("dst", "y")
    assert copied.code == 0 and copied.out.startswith(f"copied {len(keys)} keys, skipped 0, ")
    assert dry_run.code == 0, dry_run.err
    assert "copy temps/x/.zarray" in dry_run.out and "dry run:" in dry_run.out
    assert place.sizes("dry") == {}

    place.put("dst", MARKER, b'{"command": "cp"}')  # as an interrupted cp leaves it
    refused, verified, clash, across = run_many(
        [*o, "cp", source, dst],
        [*o, "verify", dst],
        [*o, "cp", source, full],
        [*o, "cp", full, there],
    )
    assert refused.code == 1
    assert refused.err == (
        f"zarr-core: error: {dst} is marked incomplete by an interrupted 'cp' (key {MARKER}): "
        "rerun with --resume to continue, or --if-exists replace to start again\n"
    )
    assert verified.code == 1
    assert f"incomplete\t{MARKER}\tan interrupted 'cp' left it" in verified.out
    assert clash.code == 1 and clash.err.startswith(f"zarr-core: error: {full}: key '")
    assert "exists already: pass --if-exists skip or --if-exists replace" in clash.err
    assert across.code == 0, across.err
    assert across.out.startswith(f"copied {len(keys)} keys, skipped 0, ")
    assert_sample(partner, there, 2)
    assert MARKER not in partner.sizes("p")

    changed = zarr_core.open_array(source, path="y", mode="r+")
    changed[:] = -changed[:]
    resumed, replaced = run_many(
        [*o, "cp", source, dst, "--resume"],
        [*o, "cp", source, full, "--if-exists", "replace", "--include", "y"],
    )
    assert resumed.code == 0, resumed.err
    assert resumed.out.startswith(
        f"copied {len(x_keys)} keys (resumed), skipped {len(keys) - len(x_keys)}, "
    )
    assert MARKER not in place.sizes("dst")
    assert_sample(place, dst, 2)  # y was there already: skipped, not replaced
    assert replaced.code == 0, replaced.err
    root = place.open(full)
    try:
        np.testing.assert_array_equal(root["y"][...], -sample(2)["y"])
        np.testing.assert_array_equal(root["temps/x"][...], sample(2)["temps/x"])
    finally:
        root.store.close()


def test_cp_into_n5_takes_convert(tmp_path):
    """Chunks of another store copied as they are would be unreadable in N5 (its blocks
    have a header): cp refuses and says to convert, which picks N5's format 2."""
    local = Backend("directory", tmp_path)
    source = local.url("src")
    write_sample(local, source, 3)
    n5 = N5Place(tmp_path / "n5")
    cp, convert, as_v3 = run_many(
        ["cp", source, n5.url("a")],
        ["convert", source, n5.url("b")],
        ["convert", source, n5.url("c"), "--format", "3"],
    )
    assert cp.code == 2
    assert cp.err.startswith(f"zarr-core: error: {n5.url('a')} holds another format's layout")
    assert "use zarr-core convert" in cp.err and n5.sizes("a") == {}
    assert convert.code == 0, convert.err
    assert "to Zarr format 2: " in convert.out
    assert_sample(n5, n5.url("b"), 3)
    assert (tmp_path / "n5" / "b.n5" / "temps" / "x" / "attributes.json").exists()
    assert as_v3.code == 2 and "takes Zarr format 2 only, not 3" in as_v3.err
    assert n5.sizes("c") == {}  # nothing written, not even the marker


def test_convert_names_the_source_and_hides_its_password(redis_server_factory, tmp_path):
    """A corrupt source chunk is the source's error; the password of its URL is masked
    in the message and in the marker the interrupted conversion leaves."""
    import redis

    server = redis_server_factory("--requirepass", SECRET)
    source = f"redis://:{SECRET}@{server.address}/0?prefix=src"
    write_sample(Backend("directory", tmp_path), source, 2)
    redis.Redis(port=server.port, password=SECRET).set("src:y/1", b"junk")
    dest = tmp_path / "dst"
    result = run_cli("convert", source, str(dest), "--format", "3")
    shown = source.replace(SECRET, "***")
    assert result.code == 1
    assert result.err.startswith(f"zarr-core: error: {shown}: CorruptChunkError: chunk 'y/1' ")
    assert SECRET not in result.err
    marker = json.loads((dest / MARKER).read_text())
    assert marker["command"] == "convert" and marker["source"] == shown
    assert marker["done"]["temps/x"] == "all"  # what came before y was written


def test_unreachable_servers(places):
    """A dead server: exit 1, one line naming the URL, its password masked."""
    cases = [places[kind].unreachable() for kind in PLACES if kind != "n5"]
    results = run_many(*([*options, "info", url] for url, options, _ in cases), timeout=60)
    for (url, _, secret), result in zip(cases, results):
        assert result.code == 1, (url, result)
        shown = url.replace(secret, "***")
        assert result.err.startswith(f"zarr-core: error: {shown}: StoreConnectionError: ")
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
        assert secret not in result.err


def test_azure_credentials(places):
    """The connection string from the environment, as JSON options, as -o scoped to the
    abs store (az: reaches abfs:// too), unscoped (then other stores refuse it) or none."""
    azure, redis = places["abs"], places["redis"]
    url = azure.url("h")
    write_sample(azure, url, 2)
    secret = azure.connection_string
    env = {**clean_env(), "AZURE_STORAGE_CONNECTION_STRING": secret}
    from_env = run_cli("ls", url, env=env)
    as_json, scoped, unscoped, missing = run_many(
        ["--storage-options", json.dumps({"connection_string": secret}), "ls", url],
        ["-o", f"az:connection_string={secret}", "ls", azure.spellings("h")[0]],
        ["-o", f"connection_string={secret}", "cp", url, redis.url("h")],
        ["ls", url],
        env=clean_env(),
    )
    for result in (from_env, as_json, scoped):
        assert result.code == 0, result.err
        assert result.out.splitlines() == ["temps/\tgroup", "y\tarray\t25\tint64"]
    assert unscoped.code == 2
    assert unscoped.err.startswith(f"zarr-core: error: {redis.url('h')}: StorageOptionsError: ")
    assert "['connection_string']" in unscoped.err and redis.sizes("h") == {}
    assert missing.code == 2
    assert missing.err.startswith(f"zarr-core: error: {url}: StorageOptionsError: ABSStore needs")
    assert all(secret not in r.err for r in (unscoped, missing))


def test_plugins_lists_every_backend():
    result = run_cli("plugins", "--json")
    assert result.code == 0, result.err
    listed = {plugin["name"]: plugin for plugin in json.loads(result.out)}
    expected = {"redis": "redis", "mongodb": "mongodb", "abs": "az", "n5": "n5", "cache": "cache"}
    for name, scheme in expected.items():
        assert listed[name]["status"] == "ok" and scheme in listed[name]["schemes"], name
    table = run_cli("plugins").out.splitlines()
    assert {line.split()[0] for line in table[1:]} >= set(expected)
