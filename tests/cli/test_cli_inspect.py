"""``zarr-core info``, ``tree``, ``ls``, ``du``, ``plugins``, ``which`` and the error
conventions, run as subprocesses against every backend with a URL."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli._helpers import SAMPLE_TREE, Backend, run_cli, write_sample


@pytest.mark.parametrize("fmt", [2, 3])
def test_info_tree_ls_du(backend, fmt):
    url = backend.url("h")
    write_sample(backend, url, fmt)
    opts = backend.options

    info = run_cli(*opts, "info", url)
    assert info.code == 0, info.err
    assert re.search(rf"Type\s+: zarr_core.Group \(Zarr format {fmt}\)", info.out)
    assert re.search(r"Groups\s+: temps", info.out) and re.search(r"Arrays\s+: y", info.out)

    described = run_cli(*opts, "info", url, "--path", "temps/x", "--json")
    assert described.code == 0, described.err
    facts = json.loads(described.out)
    assert facts["name"] == "/temps/x" and facts["node_type"] == "array"
    assert facts["shape"] == [60, 40] and facts["chunks"] == [20, 13]
    assert facts["dtype"] == "float32" and facts["zarr_format"] == fmt
    assert facts["attributes"] == {"source": "temps/x"}
    assert facts["nchunks"] == facts["nchunks_initialized"] == 3 * 4
    assert facts["nbytes"] == 60 * 40 * 4 and facts["nbytes_stored"] > 0

    tree = run_cli(*opts, "tree", url)
    assert tree.code == 0, tree.err
    assert tree.out.splitlines() == SAMPLE_TREE
    shallow = run_cli(*opts, "tree", url, "--level", "1")
    assert shallow.out.splitlines() == ["/", " ├── temps", " └── y (25,) int64"]

    ls = run_cli(*opts, "ls", url, "--path", "temps")
    assert ls.code == 0, ls.err
    assert ls.out.splitlines() == ["deep/\tgroup", "x\tarray\t60x40\tfloat32"]

    du = run_cli(*opts, "du", url, "--bytes", "--json")
    assert du.code == 0, du.err
    rows = {row["path"]: row for row in json.loads(du.out)}
    assert list(rows) == ["/", "/temps", "/temps/deep", "/temps/deep/z", "/temps/x", "/y"]
    assert rows["/temps/x"]["uncompressed"] == 9600 and rows["/y"]["uncompressed"] == 200
    assert rows["/"]["uncompressed"] == 9600 + 48 + 200
    assert rows["/"]["stored"] == rows["/temps"]["stored"] + rows["/y"]["stored"]
    human = run_cli(*opts, "du", url)
    assert human.out.splitlines()[0].split() == ["stored", "uncompressed", "path"]
    assert re.search(r"9\.4 KiB\s+/temps/x$", human.out, re.M)
    assert re.search(r"200 B\s+/y$", human.out, re.M)


def test_missing_node_is_a_usage_error_naming_the_url(tmp_path):
    url = str(tmp_path / "nothing")
    for command in (["info", url], ["tree", url], ["ls", url], ["du", url]):
        result = run_cli(*command)
        assert result.code == 2, (command, result)
        assert result.err.startswith(f"zarr-core: error: {url}: ")
        assert "Traceback" not in result.err
    inside = run_cli("info", str(tmp_path), "--path", "a/b")
    assert inside.code == 2 and "'a/b'" in inside.err


def test_debug_shows_the_traceback(tmp_path):
    result = run_cli("--debug", "info", str(tmp_path / "nothing"))
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert "PathNotFoundError" in result.err


def test_ls_of_an_array_is_a_usage_error(tmp_path):
    backend = Backend("directory", tmp_path)
    write_sample(backend, str(tmp_path / "h"), 3)
    result = run_cli("ls", str(tmp_path / "h"), "--path", "y")
    assert result.code == 2
    assert "/y is an array, not a group" in result.err


def test_usage_errors_exit_2():
    unknown = run_cli("frobnicate")
    assert unknown.code == 2 and "No such command 'frobnicate'" in unknown.err
    missing = run_cli("info")
    assert missing.code == 2 and "Missing argument 'URL'" in missing.err
    options = run_cli("--storage-options", "{not json", "info", "x")
    assert options.code == 2 and "--storage-options" in options.err and "not JSON" in options.err
    pair = run_cli("-o", "anon", "info", "x")
    assert pair.code == 2 and "-o/--storage-option: 'anon' is not KEY=VALUE" in pair.err


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.code == 0
    commands = re.findall(r"^  (\w+)  ", result.out.split("Commands:")[1], re.M)
    assert commands == [
        "plugins",
        "which",
        "info",
        "tree",
        "ls",
        "du",
        "cp",
        "convert",
        "consolidate",
        "verify",
    ]


def test_help_imports_no_command_module():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from zarr_core.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('zarr_core.cli.')\n"
        "             and m != 'zarr_core.cli._common'))\n"
        "print('tqdm' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["[]", "False"]


def test_plugins_and_which():
    table = run_cli("plugins")
    assert table.code == 0
    header = table.out.splitlines()[0].split()
    assert header[:4] == ["plugin", "distribution", "version", "status"]
    names = [line.split()[0] for line in table.out.splitlines()[1:]]
    assert {"core", "directory", "zip", "sqlite", "lmdb", "dbm"} <= set(names)
    listed = json.loads(run_cli("plugins", "--json").out)
    assert {p["name"] for p in listed} == set(names)
    which = run_cli("which", "sqlite:///tmp/x.db")
    assert which.code == 0 and "SQLiteStore" in which.out and "by scheme" in which.out
    assert json.loads(run_cli("which", "x.zip", "--json").out)["stages"][0]["plugin"] == "zip"
    unknown = run_cli("which", "nosuchscheme://x")
    assert unknown.code == 1 and "no known zarr-core plugin provides it" in unknown.err
