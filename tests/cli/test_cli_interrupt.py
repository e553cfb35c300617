"""Ctrl-C during ``cp`` and ``convert`` leaves the destination marked incomplete;
``--resume`` finishes it. Progress bars show on a terminal and not in a pipe."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np

import zarr_core
from tests.cli._helpers import run_cli

MARKER = ".zarr-core-incomplete"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(*args: str) -> subprocess.Popen:
    # A suite started in the background by a shell without job control (`cmd &` in a
    # script, nohup) inherits SIGINT ignored, and Python keeps an ignored SIGINT ignored:
    # the command would then never see the Ctrl-C this test sends. Ctrl-C at a terminal
    # reaches a process with the default disposition, so the child gets that one.
    return subprocess.Popen(
        [sys.executable, "-m", "zarr_core", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _interrupt_when(proc: subprocess.Popen, ready, timeout: float = 120) -> tuple[str, str]:
    """Send SIGINT once ``ready()`` holds; the process must still be running then."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, "the command ended before it could be interrupted"
        assert time.monotonic() < deadline, "the command never got far enough"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    return out, err


def test_cp_interrupted_then_resumed(tmp_path):
    source, dest = tmp_path / "src", tmp_path / "dest"
    data = np.arange(60_000, dtype="u8")
    # many small chunks: one file each, so the copy takes a few seconds
    zarr_core.array(data, chunks=4, store=str(source), path="a", zarr_format=2)
    zarr_core.open_group(str(source), mode="a").attrs["done"] = True

    def chunks_copied() -> bool:
        return (dest / MARKER).exists() and len(os.listdir(dest / "a")) > 500

    proc = _start("cp", str(source), str(dest))
    out, err = _interrupt_when(proc, lambda: (dest / "a").is_dir() and chunks_copied())
    assert f"cp interrupted: {dest} is marked incomplete ({MARKER})" in err
    assert "Traceback" not in err
    assert json.loads((dest / MARKER).read_text())["command"] == "cp"
    copied_before = len(os.listdir(dest / "a"))
    assert copied_before < 15_001

    verify = run_cli("verify", str(dest))
    assert verify.code == 1 and f"incomplete\t{MARKER}\tan interrupted 'cp' left it" in verify.out
    refused = run_cli("cp", str(source), str(dest))
    assert refused.code == 1
    assert f"{dest} is marked incomplete by an interrupted 'cp'" in refused.err
    assert "rerun with --resume to continue" in refused.err

    resumed = run_cli("cp", str(source), str(dest), "--resume")
    assert resumed.code == 0, resumed.err
    skipped = int(re.search(r"skipped ([\d,]+),", resumed.out).group(1).replace(",", ""))
    assert skipped >= copied_before - 1  # what the first run wrote is not copied again
    assert not (dest / MARKER).exists()
    copy = zarr_core.open_group(str(dest), mode="r")
    assert copy.attrs["done"] is True
    np.testing.assert_array_equal(copy["a"][...], data)
    assert run_cli("verify", str(dest), "--complete").code == 0


def test_convert_interrupted_then_resumed(tmp_path):
    source, dest = tmp_path / "src", tmp_path / "dest.zarr"
    root = zarr_core.open_group(str(source), mode="w", zarr_format=2)
    rng = np.random.default_rng(0)
    arrays = {f"a{i:02d}": rng.standard_normal((1000, 1000)).astype("f4") for i in range(30)}
    for name, data in arrays.items():
        root.array(name, data, chunks=(100, 100))

    def some_arrays_done() -> bool:
        try:
            marker = json.loads((dest / MARKER).read_text())
        except (OSError, ValueError):
            return False
        return sum(v == "all" for v in marker["done"].values()) >= 3

    proc = _start("convert", str(source), str(dest), "--format", "3", "--chunks", "250,250")
    _, err = _interrupt_when(proc, some_arrays_done)
    assert f"convert interrupted: {dest} is marked incomplete ({MARKER})" in err
    marker = json.loads((dest / MARKER).read_text())
    finished = sorted(k for k, v in marker["done"].items() if v == "all")
    assert 3 <= len(finished) < 30

    refused = run_cli("convert", str(source), str(dest), "--format", "3")
    assert refused.code == 1 and "interrupted 'convert'" in refused.err

    args = ("--format", "3", "--chunks", "250,250", "--resume")
    resumed = run_cli("convert", str(source), str(dest), *args)
    assert resumed.code == 0, resumed.err
    # the arrays finished before the interruption are not converted again
    assert resumed.out.startswith(f"converted {30 - len(finished)} arrays, 1 groups")
    assert not (dest / MARKER).exists()
    result = zarr_core.open_group(str(dest), mode="r")
    assert result.zarr_format == 3 and sorted(result.array_keys()) == sorted(arrays)
    for name, data in arrays.items():
        assert result[name].chunks == (250, 250)
        np.testing.assert_array_equal(result[name][...], data)


def _run_on_terminal(*args: str) -> tuple[int, str, str]:
    """Run the CLI with standard error on a pseudo-terminal; return (code, out, tty)."""
    leader, follower = pty.openpty()
    # a terminal of 24 rows and 100 columns (a bare pty has size 0, so no room for a bar)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "zarr_core", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read()
    proc.wait(timeout=60)
    os.close(leader)
    return proc.returncode, out, seen.decode(errors="replace")


def test_progress_bars_on_a_terminal_only(tmp_path: Path):
    data = np.arange(200_000, dtype="u4")
    zarr_core.array(data, chunks=100, store=str(tmp_path / "src"), zarr_format=3)
    code, out, tty = _run_on_terminal("cp", str(tmp_path / "src"), str(tmp_path / "t"))
    assert code == 0 and out.startswith("copied 2,001 keys")
    assert "copy_store:" in tty and "key" in tty and "%|" in tty
    code, out, tty = _run_on_terminal("verify", str(tmp_path / "t"))
    assert code == 0 and "verify:" in tty and "chunk" in tty

    piped = run_cli("cp", str(tmp_path / "src"), str(tmp_path / "p"))
    assert piped.code == 0 and piped.err == ""
    piped = run_cli("convert", str(tmp_path / "src"), str(tmp_path / "c"), "--format", "2")
    assert piped.code == 0 and piped.err == ""
