"""The plugin registry: registration, lookup, conflicts, failures, listing and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import types
import warnings

import pytest

import zarr_core
from zarr_core import config
from zarr_core.cli import main as cli_main
from zarr_core.codecs import get_codec_class
from zarr_core.codecs.base import BytesBytesCodec
from zarr_core.errors import (
    PluginConflictWarning,
    PluginError,
    PluginLoadError,
    PluginNotFoundError,
    UnknownExtensionError,
)
from zarr_core.plugins import (
    CodecSpec,
    PluginRegistry,
    StoreSpec,
    TransformerSpec,
    hookimpl,
    list_plugins,
)
from zarr_core.storage import KVStore, MemoryStore, Store, open_store
from zarr_core.storage.resolve import which
from zarr_core.storage.transformers import StorageTransformer, get_transformer_class


class DictStore(KVStore):
    """A store used by the fake plugins below: opens a fresh dict for any URL."""

    opened: list[str] = []

    @classmethod
    def from_url(cls, url, *, mode="a", **storage_options):
        cls._reject_options(storage_options, allowed=("flag",))
        cls.opened.append(url)
        store = cls({})
        store.url = url
        store.options = storage_options
        return store


class Codec(BytesBytesCodec):
    name = "my_codec"


class Transformer(StorageTransformer):
    pass


def make_plugin(name: str, stores=(), codecs=(), transformers=(), claim=None):
    module = types.ModuleType(name)

    if stores:
        module.zarr_core_stores = hookimpl(lambda: list(stores))
    if codecs:
        module.zarr_core_codecs = hookimpl(lambda: list(codecs))
    if transformers:
        module.zarr_core_storage_transformers = hookimpl(lambda: list(transformers))
    if claim is not None:
        module.zarr_core_claim_store = hookimpl(claim)
    return module


TARGET = f"{__name__}:DictStore"


def store_spec(name="fake", schemes=("fake",), suffixes=(), kind="root"):
    return StoreSpec(
        name=name,
        target=TARGET,
        schemes=schemes,
        suffixes=suffixes,
        kind=kind,
        description=f"{name} store",
    )


def test_scheme_resolves_to_plugin(plugin_registry):
    plugin_registry.register(make_plugin("p", [store_spec()]), name="p", distribution="zarr-core-p")
    store = open_store("fake://host/db", storage_options={"flag": 1})
    assert isinstance(store, DictStore)
    assert store.url == "fake://host/db" and store.options == {"flag": 1}


def test_storage_options_the_store_rejects(plugin_registry):
    plugin_registry.register(make_plugin("p", [store_spec()]), name="p")
    with pytest.raises(TypeError, match=r"does not accept the storage_options \['bogus'\]"):
        open_store("fake://x", storage_options={"bogus": 1})
    with pytest.raises(TypeError, match="storage_options were given but the store is a dict"):
        open_store({}, storage_options={"anon": True})


def test_suffix_and_claim(plugin_registry):
    def claim(path, mode):
        return "claimed" if path.endswith("special") else None

    plugin_registry.register(
        make_plugin(
            "p", [store_spec(suffixes=(".fk",)), store_spec("claimed", schemes=())], claim=claim
        ),
        name="p",
    )
    assert isinstance(open_store("/tmp/data.FK"), DictStore)
    assert which("/tmp/data.fk")["stages"][0]["how"] == "suffix"
    assert which("/tmp/very-special")["stages"][0] == {
        "segment": "/tmp/very-special",
        "how": "claim",
        "plugin": "p",
        "distribution": "p",
        "target": TARGET,
        "kind": "root",
    }
    assert which("/tmp/plain")["stages"][0]["how"] == "default"


def test_claim_with_unknown_store_name(plugin_registry):
    plugin_registry.register(make_plugin("p", [store_spec()], claim=lambda path: "nope"), name="p")
    with pytest.raises(PluginError, match="claimed '/x' with the unknown store name 'nope'"):
        which("/x")


def test_unknown_first_party_scheme_names_distribution(plugin_registry):
    with pytest.raises(PluginNotFoundError) as info:
        open_store("mongodb://localhost/data")
    message = str(info.value)
    assert "install it with: pip install zarr-core-mongodb (or, from source:" in message
    assert "Installed schemes: file, memory, zarr2, zarr3" in message
    assert info.value.distribution == "zarr-core-mongodb"
    assert isinstance(info.value, ValueError)


def test_unknown_scheme_without_known_distribution(plugin_registry):
    with pytest.raises(PluginNotFoundError, match="'nosuchscheme'; no known zarr-core plugin"):
        open_store("nosuchscheme://x")


def test_known_suffix_without_plugin(plugin_registry, tmp_path):
    with pytest.raises(PluginNotFoundError, match="suffix '.sqlite'.*pip install zarr-core-sqlite"):
        open_store(str(tmp_path / "x.sqlite"))


def test_fsspec_protocols_fall_through(plugin_registry):
    stage = which("s3://bucket/key")["stages"][0]
    assert stage["how"] == "fsspec" and stage["target"].endswith(":FSStore")
    assert which("simplecache::memory://x")["stages"][0]["how"] == "fsspec"


def test_conflict_warns_and_picks_sorted_distribution(plugin_registry):
    plugin_registry.register(make_plugin("b", [store_spec()]), name="b", distribution="zarr-core-b")
    plugin_registry.register(make_plugin("a", [store_spec()]), name="a", distribution="zarr-core-a")
    with pytest.warns(PluginConflictWarning) as record:
        stage = which("fake://x")["stages"][0]
    assert stage["distribution"] == "zarr-core-a"
    message = str(record[0].message)
    assert "'zarr-core-a' and 'zarr-core-b'" in message
    assert "ZARR_CORE_PLUGINS__STORES__FAKE" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        which("fake://x")  # warned once only


def test_conflict_override_by_config(plugin_registry):
    plugin_registry.register(make_plugin("b", [store_spec()]), name="b", distribution="zarr-core-b")
    plugin_registry.register(make_plugin("a", [store_spec()]), name="a", distribution="zarr-core-a")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with config.set({"plugins.stores": {"fake": "zarr-core-b"}}):
            assert which("fake://x")["stages"][0]["distribution"] == "zarr-core-b"
        with config.set({"plugins.stores": {"fake": "b"}}):
            assert which("fake://x")["stages"][0]["plugin"] == "b"
    with (
        config.set({"plugins.stores": {"fake": "zarr-core-c"}}),
        pytest.raises(PluginError, match="names none of the plugins"),
    ):
        which("fake://x")
    with (
        config.set({"plugins.strict": True}),
        pytest.raises(PluginError, match="provided by 'zarr-core-a' and 'zarr-core-b'"),
    ):
        which("fake://x")


def test_conflict_override_by_environment(tmp_path):
    script = (
        "import types, warnings\n"
        "warnings.simplefilter('error')\n"
        "from zarr_core.plugins import PluginRegistry, StoreSpec, hookimpl, set_registry\n"
        "from zarr_core import which\n"
        "reg = PluginRegistry(autoload=False); set_registry(reg)\n"
        "for n in 'ab':\n"
        "    m = types.ModuleType(n)\n"
        "    m.zarr_core_stores = hookimpl(lambda: [StoreSpec('s', 'x:Y', schemes=('fake',))])\n"
        "    reg.register(m, name=n, distribution='zarr-core-' + n)\n"
        "print(which('fake://x')['stages'][0]['distribution'])\n"
    )
    env = {"ZARR_CORE_PLUGINS__STORES__FAKE": "zarr-core-b", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "zarr-core-b"


def test_plugin_beats_builtin_without_warning(plugin_registry):
    plugin_registry.register(
        make_plugin("dir", [store_spec("file", schemes=("file",))]), name="dir"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert which("file:///tmp/x")["stages"][0]["plugin"] == "dir"
        assert which("/tmp/x")["stages"][0]["plugin"] == "dir"


def test_broken_target_names_distribution_and_chains_cause(plugin_registry):
    spec = StoreSpec(name="broken", target="no_such_module_zc:Store", schemes=("broken",))
    plugin_registry.register(
        make_plugin("p", [spec, store_spec()]), name="p", distribution="zarr-core-p"
    )
    with pytest.raises(PluginLoadError) as info:
        open_store("broken://x")
    assert "'zarr-core-p' failed to load 'no_such_module_zc:Store'" in str(info.value)
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert isinstance(open_store("fake://x"), DictStore)  # the plugin's other scheme still works


def test_failing_hook_marks_plugin_broken_only(plugin_registry):
    def boom():
        raise RuntimeError("kaboom")

    module = types.ModuleType("bad")
    module.zarr_core_stores = hookimpl(boom)
    plugin_registry.register(module, name="bad", distribution="zarr-core-bad")
    info = {p.name: p for p in list_plugins()}["bad"]
    assert info.status == "error" and "kaboom" in info.error
    assert isinstance(open_store("memory://"), MemoryStore)


def test_failed_entry_point_import_breaks_only_its_schemes(plugin_registry, monkeypatch):
    class FakeDist:
        name = "zarr-core-redis"
        version = "9.9"

    class FakeEP:
        name = "redis"
        value = "zarr_core_redis_missing.plugin"
        dist = FakeDist()

        def load(self):
            raise ImportError("No module named 'zarr_core_redis_missing'")

    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [FakeEP()])
    registry = PluginRegistry(autoload=True)
    from zarr_core.plugins import set_registry

    set_registry(registry)
    with pytest.raises(PluginLoadError) as info:
        open_store("redis://localhost")
    assert "'zarr-core-redis' failed to load 'zarr_core_redis_missing.plugin'" in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)
    assert isinstance(open_store("memory://"), MemoryStore)
    status = {p.name: p.status for p in list_plugins()}
    assert status["redis"] == "error"


def test_duplicate_plugin_name(plugin_registry):
    plugin_registry.register(make_plugin("p", [store_spec()]), name="p")
    with pytest.raises(PluginError, match="already registered"):
        plugin_registry.register(make_plugin("p", [store_spec()]), name="p")


def test_wrong_spec_type_is_reported(plugin_registry):
    module = types.ModuleType("wrong")
    module.zarr_core_stores = hookimpl(lambda: ["not a spec"])
    info = plugin_registry.register(module, name="wrong")
    assert info.status == "error" and "expected StoreSpec" in info.error


def test_codec_and_transformer_lookup(plugin_registry):
    plugin_registry.register(
        make_plugin(
            "c",
            codecs=[CodecSpec("my_codec", f"{__name__}:Codec")],
            transformers=[TransformerSpec("my_tf", f"{__name__}:Transformer")],
        ),
        name="c",
    )
    assert get_codec_class("my_codec") is Codec
    assert get_transformer_class("my_tf") is Transformer
    with pytest.raises(UnknownExtensionError, match="codec 'sharding_indexed'.*zarr-core-sharding"):
        get_codec_class("sharding_indexed")
    with pytest.raises(
        PluginNotFoundError, match="storage transformer 'sharding'.*zarr-core-sharding"
    ):
        get_transformer_class("sharding")


def test_adapter_cannot_start_and_root_cannot_follow(plugin_registry):
    from zarr_core.errors import URLPipelineError

    with pytest.raises(URLPipelineError, match="'zarr3' is an adapter"):
        which("zarr3://x")
    with pytest.raises(URLPipelineError, match="'memory' names a root store"):
        which("memory://|memory:")


def test_list_plugins_and_cli(plugin_registry, capsys):
    plugin_registry.register(
        make_plugin("p", [store_spec(suffixes=(".fk",))], codecs=[CodecSpec("cc", "x:Y")]),
        name="p",
        distribution="zarr-core-p",
        version="1.2",
    )
    names = [p.name for p in list_plugins()]
    assert names == ["core", "p"]
    assert cli_main(["plugins"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:4] == ["plugin", "distribution", "version", "status"]
    assert "zarr-core-p" in table and ".fk" in table and "cc" in table
    assert cli_main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[1]["schemes"] == ["fake"] and data[1]["codecs"] == ["cc"]
    assert cli_main(["which", "fake://x|zarr2:"]) == 0
    assert "DictStore" in capsys.readouterr().out
    assert cli_main(["which", "mongodb://x"]) == 1
    assert "pip install zarr-core-mongodb" in capsys.readouterr().err


def test_cli_entry_points_run():
    for cmd in ([sys.executable, "-m", "zarr_core", "plugins"],):
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        assert out.stdout.startswith("plugin")
        assert "core" in out.stdout


def test_public_api_reexports():
    assert zarr_core.list_plugins is list_plugins and zarr_core.which is which


def test_discovery_imports_no_store_module():
    # Plugin modules only declare; store modules (and their client libraries) load on use.
    code = (
        "import sys, zarr_core\n"
        "infos = zarr_core.list_plugins()\n"
        "assert infos and all(i.status == 'ok' for i in infos), infos\n"
        "heavy = [m for m in sys.modules if m.endswith('.store') and m.startswith('zarr_core_')]\n"
        "heavy += [m for m in ('lmdb', 'redis', 'pymongo', 'azure', 's3fs', 'moto') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# -- the hook documentation says exactly what core calls ----------------------------------
@pytest.mark.parametrize(
    ("hook", "method"),
    [
        ("zarr_core_stores", "zarr_core.storage.base:Store.from_url"),
        ("zarr_core_stores", "zarr_core.storage.adapters:StoreAdapter.from_store"),
        ("zarr_core_codecs", "zarr_core.codecs.base:Codec.from_config"),
        (
            "zarr_core_storage_transformers",
            "zarr_core.storage.transformers:StorageTransformer.from_config",
        ),
    ],
)
def test_hook_docs_match_the_contract_signatures(hook, method):
    import inspect

    from zarr_core.plugins import hookspecs, load_target

    func = load_target(method)
    name = method.rpartition(".")[2]
    signature = inspect.signature(func)
    params = []
    for p in signature.parameters.values():
        text = p.name
        if p.kind is p.VAR_KEYWORD:
            text = f"**{p.name}"
        elif p.default is not p.empty:
            text = f"{p.name}={p.default!r}"
        params.append((p.kind, text))
    rendered, star_done = [], False
    for kind, text in params:
        if kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            rendered.append("*")
            star_done = True
        rendered.append(text)
    returns = signature.return_annotation
    documented = f"``{name}({', '.join(rendered)}) -> {returns}``"
    doc = " ".join(getattr(hookspecs, hook).__doc__.split())
    assert documented in doc, f"{hook} should document {documented}"


def test_a_broken_plugin_stops_fallbacks_instead_of_guessing(plugin_registry, tmp_path):
    # The plugin's hook fails, so nobody knows which schemes and suffixes it serves: a URL
    # or suffix no loaded plugin serves must not silently go to fsspec or a directory.
    module = types.ModuleType("tarplugin")

    def stores():
        raise RuntimeError("tar support is broken")

    module.zarr_core_stores = hookimpl(stores)
    plugin_registry.register(module, name="tar", distribution="zarr-core-tar")
    for url in ("tar:///x.tar", str(tmp_path / "x.tar")):
        with pytest.raises(PluginLoadError, match="'zarr-core-tar'.*may be theirs") as info:
            open_store(url)
        assert "tar support is broken" in str(info.value)
    assert not (tmp_path / "x.tar").exists()
    # What loaded plugins (here: core) serve still opens, and so do .zarr directories.
    open_store("memory://")
    assert isinstance(open_store(str(tmp_path / "x.zarr")), Store)
