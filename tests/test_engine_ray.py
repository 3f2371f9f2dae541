"""--engine ray against a separately started Ray head on loopback (``ray start --head``): outputs,
duplicates.jsonl, removed.jsonl and rejected.jsonl byte-identical to the local engine's, report.json
identical but for timings and engine fields, on the seeds and on a generated syndicated corpus; a Ray
worker killed mid-run changes nothing (the task runs again) or ends the run as incomplete; nothing of
the cluster listens beyond 127.0.0.1. Skipped without Ray (``pip install 'newsclean[ray]'``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray")

from benchmarks.generate import main as generate_main  # noqa: E402
from newsclean.distributed import dedup  # noqa: E402
from newsclean.distributed.dedup import WORK_STATS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RAY = Path(sys.executable).with_name("ray")
#: report.json fields that may differ between the engines: timings, where the run went, and the
#: verifications counted (work done, not results).
ENGINE_FIELDS = ("timings", "engine")
#: Task names of the near-duplicate stages (a Ray worker running one is titled ray::<name>).
DEDUP_TASKS = tuple(name for name, fn in vars(dedup).items() if callable(fn) and getattr(fn, "__module__", "")
                    == dedup.__name__ and not name.startswith("_") and name[0].islower())


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)] + ([env["PYTHONPATH"]]
                                                                        if env.get("PYTHONPATH") else []))
    env.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0", **extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_pids(sid: int) -> list[int]:
    """Processes of a session: the Ray head started in its own session and everything it started
    (workers get process groups of their own, but stay in the session)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.getsid(int(d)) == sid:
                    out.append(int(d))
            except OSError:
                pass
    return out


def _listening(pids: list[int]) -> list[tuple[int, str]]:
    """(pid, local address) of every listening TCP socket of these processes."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes[link[8:-1]] = pid
        except OSError:
            continue
    found = []
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] != "0A" or f[9] not in inodes:  # 0A: LISTEN
                continue
            addr = f[1].split(":")[0]
            if v6:
                raw = bytes.fromhex(addr)
                words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
                ip = socket.inet_ntop(socket.AF_INET6, b"".join(words))
            else:
                ip = socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1])
            found.append((inodes[f[9]], ip))
    return found


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A Ray head started for this module, on loopback, stopped with every process of its session."""
    port = _free_port()
    tmp = tmp_path_factory.mktemp("rayhead")
    proc = subprocess.Popen(
        [str(RAY), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={tmp}",
         "--object-store-memory=300000000"],
        env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"ray start exited with {proc.returncode}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the Ray head did not start")
        yield address, proc.pid
    finally:
        try:
            proc.terminate()  # ray start --block stops what it started
            proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for pid in _session_pids(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsclean", *args, "--quiet"], env=_env(**env),
                          capture_output=True, text=True, timeout=900)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _report(path: Path) -> dict[str, Any]:
    return _strip(json.loads(path.read_text(encoding="utf-8")))


def _strip(rep: dict[str, Any]) -> dict[str, Any]:
    for k in ENGINE_FIELDS:
        rep.pop(k, None)
    if rep.get("dedup"):
        for k in WORK_STATS:
            rep["dedup"]["stats"].pop(k, None)
    return rep


def _same_as_local(inp: Path, out: Path, options: list[str], address: str) -> dict[str, Any]:
    """Run the local engine, then --engine ray into the same OUT; compare every file."""
    local = _run([str(inp), str(out), *options])
    assert local.returncode in (0, 1), local.stderr
    want = _files(out)
    shutil.rmtree(out)
    ray = _run([str(inp), str(out), *options, "--engine", "ray"], RAY_ADDRESS=address)
    assert ray.returncode == local.returncode, ray.stderr
    got = _files(out)
    skip = {"_newsclean/report.json", "_newsclean/report.html"}
    assert sorted(got) == sorted(want)
    for name in want:
        if name not in skip:
            assert got[name] == want[name], name
    got_rep = json.loads(got["_newsclean/report.json"])
    assert got_rep["complete"] is True and got_rep["engine"]["name"] == "ray"
    assert got_rep["engine"]["address"] == address
    assert _report(out / "_newsclean" / "report.json") == _strip(json.loads(want["_newsclean/report.json"]))
    return got_rep


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("syndicated")
    generate_main([str(root), "--paragraphs", "24000", "--seed", "7", "--republish", "5", "--docs-per-file", "150"])
    return root / "corpus"


def test_ray_engine_same_outputs_loopback_and_worker_kill(ray_head: tuple[str, int], syndicated: Path,
                                                          tmp_path: Path) -> None:
    address, sid = ray_head
    # Nothing of the cluster listens beyond loopback.
    sockets = _listening(_session_pids(sid))
    assert sockets, "no listening socket found for the Ray head"
    assert all(ip in ("127.0.0.1", "::ffff:127.0.0.1") for _, ip in sockets), sockets

    # The seeds (report mode) and a syndicated corpus (drop mode, explain, longest kept).
    _same_as_local(SEEDS, tmp_path / "seeds", [], address)
    rep = _same_as_local(syndicated, tmp_path / "synd", ["--dedup", "drop", "--explain", "--keep", "longest"],
                         address)
    assert rep["dedup"]["paragraphs_dropped"] > 5000

    # A worker killed mid-run: the same outputs (the task ran again), or a run that says it is incomplete.
    out = tmp_path / "synd"
    want = _files(out)
    shutil.rmtree(out)
    proc = subprocess.Popen([sys.executable, "-m", "newsclean", str(syndicated), str(out), "--dedup", "drop",
                             "--explain", "--keep", "longest", "--engine", "ray", "--quiet"],
                            env=_env(RAY_ADDRESS=address), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # First a worker of the first pass, then one of the near-duplicate stages.
    stages = [("clean_shard",), DEDUP_TASKS]
    killed: list[str] = []
    while proc.poll() is None and stages:
        for pid in _session_pids(sid):
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[0]
            except OSError:
                continue
            if title.startswith("ray::") and title[5:] in stages[0]:
                os.kill(pid, signal.SIGKILL)
                killed.append(title)
                stages.pop(0)
                break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=900)
    assert len(killed) == 2, f"busy Ray workers seen and killed: {killed}"
    print(f"killed {killed}: exit code {proc.returncode}")
    if proc.returncode == 0:
        got = _files(out)
        assert sorted(got) == sorted(want)
        for name in want:
            if not name.endswith(("report.json", "report.html")):
                assert got[name] == want[name], (killed, name)
    else:
        assert proc.returncode == 3, err
        assert json.loads((out / "_newsclean" / "report.json").read_text())["complete"] is False
