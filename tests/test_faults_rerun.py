"""Fault battery, interrupted runs and reruns: SIGTERM like SIGINT, stale temporary files, the
complete marker, --resume giving the uninterrupted run's outputs, OUT refused when it holds another
run, OUT/_newsclean never read back, report.json bounded, one line on Ctrl-C with workers."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import newsclean.cli as cli_mod
from tests.faultkit import ROOT, WIRE, cli, comparable_report, jsonl, rejected, report, run, snapshot

WORDS = ("pemerintah harga warga kota jalan banjir pasar presiden menteri sekolah rumah sakit polisi "
         "petani nelayan pelabuhan bandara kereta listrik air hujan").split()
PROMOS = ["Baca Juga: Harga Bawang Turun Lagi", "SCROLL TO CONTINUE WITH CONTENT", "Advertisement"]


def corpus(root: Path, *, files: int = 12, records: int = 30, seed: int = 5) -> Path:
    """Record files and text files, with boilerplate, shared paragraphs, a bad line, a file that
    fails part-way and repeated ids: every kind of thing a resumed run must replay."""
    rnd = random.Random(seed)
    root.mkdir(parents=True)
    for k in range(files):
        rows = []
        for i in range(records):
            lines = [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(10, 25))).capitalize() + "."
                     for _ in range(rnd.randint(2, 5))]
            if rnd.random() < 0.3:
                lines.insert(1, rnd.choice(PROMOS))
            if rnd.random() < 0.2:
                lines.append(WIRE)
            rows.append(json.dumps({"id": f"d{i % 17}", "text": "\n".join(lines), "date": f"2024-0{1 + i % 9}-1{k % 9}",
                                    "outlet": f"o{k % 3}.com"}))
        if k == 3:
            rows.insert(5, "{bad json")
        body = ("\n".join(rows) + "\n").encode("utf-8")
        if k == 5:
            (root / f"f{k:02d}.jsonl.gz").write_bytes(gzip.compress(body)[:-200])  # fails part-way
        else:
            (root / f"f{k:02d}.jsonl").write_bytes(body)
        (root / "t").mkdir(exist_ok=True)
        (root / "t" / f"{k:02d}.txt").write_text(json.loads(rows[0])["text"] + "\nBaca juga: Kabar Lain\n",
                                                encoding="utf-8")
    return root


def outputs(out: Path) -> dict[str, bytes]:
    """Every file of OUT that must be byte-identical between two runs (report.json and report.html
    hold timings: compared apart)."""
    snap = snapshot(out)
    for name in ("_newsclean/report.json", "_newsclean/report.html", "_newsclean/.run.json"):
        snap.pop(name, None)
    return snap


class _StopAfter:
    """A progress bar that interrupts the run after ``n`` files (exactly, in-process)."""

    def __init__(self, n: int, exc: type[BaseException]) -> None:
        self.n, self.exc = n, exc

    def __call__(self, total: int, quiet: bool) -> Any:
        bar = self

        class Bar:
            def update(self, k: int) -> None:
                bar.n -= k
                if bar.n == 0:
                    raise bar.exc()

            def close(self) -> None:
                pass

        return Bar()


@pytest.mark.parametrize(("stop", "dedup", "jobs", "signal_exc", "code", "more"), [
    (1, "drop", "1", KeyboardInterrupt, 130, ()),
    (7, "report", "2", cli_mod.Terminated, 143, ("--auto-learn",)),
    (14, "drop", "2", KeyboardInterrupt, 130, ()),
    (23, "off", "1", cli_mod.Terminated, 143, ("--keep", "longest")),
])
def test_an_interrupted_run_resumed_gives_the_uninterrupted_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: int, dedup: str, jobs: str,
        signal_exc: type[BaseException], code: int, more: tuple[str, ...]) -> None:
    src = corpus(tmp_path / "in")
    args = ["--dedup", dedup, "--explain", "--jobs", jobs, *more]
    ref = tmp_path / "ref"
    assert run(src, ref, *args) == 1
    out = tmp_path / "out"
    monkeypatch.setattr(cli_mod, "_progress", _StopAfter(stop, signal_exc))
    assert run(src, out, *args) == code
    monkeypatch.undo()
    r = report(out)
    assert r["complete"] is False and r["interrupted"] == ("SIGTERM" if code == 143 else "SIGINT")
    jsonschema = pytest.importorskip("jsonschema")
    from newsclean.report import report_schema

    jsonschema.validate(r, report_schema())
    assert not list(out.rglob("*.newsclean-tmp"))
    assert run(src, out, *args) == 2  # an interrupted run is not started over silently
    assert run(src, out, *args, "--dedup", "off" if dedup != "off" else "report", "--resume") == 2  # another run
    assert run(src, out, *args, "--resume") == 1
    assert outputs(out) == outputs(ref)
    assert comparable_report(out) | {"resumed": None} == comparable_report(ref) | {"resumed": None}
    assert report(out)["complete"] is True and not (out / "_newsclean" / ".journal").exists()


def test_sigterm_and_sigkill_in_a_real_process_then_resume(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", files=40, records=60)
    ref = tmp_path / "ref"
    assert cli(src, ref, "-q", "--jobs", "2").returncode == 1
    for sig, code in ((signal.SIGTERM, 143), (signal.SIGKILL, -9)):
        out = tmp_path / f"out{sig}"
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        proc = subprocess.Popen([sys.executable, "-m", "newsclean", str(src), str(out), "-q", "--jobs", "2"],
                                stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
        deadline = time.monotonic() + 120
        while len(list(out.glob("f*.jsonl"))) < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is not None:
            pytest.skip("the run ended before it could be interrupted")
        os.killpg(proc.pid, sig)  # the whole group, as a terminal or a job scheduler does
        err = proc.communicate(timeout=120)[1]
        assert proc.returncode == code, err
        if sig == signal.SIGTERM:
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
            assert not list(out.rglob("*.newsclean-tmp"))
            assert report(out)["complete"] is False
        else:
            assert not (out / "_newsclean" / "report.json").exists()  # killed: no report at all
        again = cli(src, out, "-q", "--jobs", "1", "--resume")
        assert again.returncode == 1, again.stderr
        assert not list(out.rglob("*.newsclean-tmp"))  # a killed run's temporary files are gone
        assert outputs(out) == outputs(ref)


def test_an_interruption_raised_as_the_temporary_file_is_opened_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal handler's exception comes out of ``os.open`` once the call returns, the file made: the
    run's clean-up must still know the name (it did not: 3 runs in 110 of a SIGTERM loop left a
    .newsclean-tmp behind). An interruption before the file exists leaves nothing either."""
    import newsclean.io as nio

    real_open = os.open

    def open_then_interrupted(path: str, flags: int, mode: int = 0o777) -> int:
        real_open(path, flags, mode)
        raise cli_mod.Terminated()

    def interrupted_before(path: str, flags: int, mode: int = 0o777) -> int:
        raise cli_mod.Terminated()

    for fake in (open_then_interrupted, interrupted_before):
        monkeypatch.setattr(nio.os, "open", fake)
        try:
            with pytest.raises(cli_mod.Terminated):
                nio._temp_beside(tmp_path / "out.jsonl")
        finally:
            monkeypatch.setattr(nio.os, "open", real_open)
        nio.remove_own_temps()
        assert not list(tmp_path.iterdir()), fake.__name__
    monkeypatch.setattr(nio.os, "open", lambda *a: (_ for _ in ()).throw(PermissionError(13, "denied")))
    try:
        with pytest.raises(PermissionError):
            nio._temp_beside(tmp_path / "out.jsonl")
    finally:
        monkeypatch.setattr(nio.os, "open", real_open)
    assert not nio._OWN_TEMPS  # a file that was not made is not taken down


def test_a_hard_stop_also_stops_the_worker_the_pool_was_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM to the process group ends the workers, and the pool's handler thread starts others in
    their place while this process is still stopping. One started after the hard stop's kills took a
    task and left its temporary file behind (1 run in 60 of the SIGTERM test under load). Here the
    handler is held inside its restart while the hard stop runs: when the stop returns, no worker may
    be alive."""
    import multiprocessing as mp
    import multiprocessing.pool as mpp
    import threading

    import newsclean.run as run_mod

    real = mpp.Pool._repopulate_pool_static
    restarting = threading.Event()
    armed = False

    def slow_restart(*args: Any) -> None:
        if armed:
            restarting.set()
            time.sleep(0.5)  # the handler is in here when the hard stop begins
        real(*args)

    pool = mp.get_context("fork").Pool(2)
    monkeypatch.setattr(mpp.Pool, "_repopulate_pool_static", staticmethod(slow_restart))
    workers = list(pool._pool)
    try:
        armed = True
        workers[0].kill()
        assert restarting.wait(30)
        monkeypatch.setattr(run_mod, "_hard_stop", True)
        run_mod._stop_pool(pool, workers)
        time.sleep(1.0)  # long enough for a restart still under way to have started its worker
        alive = [w for w in pool._pool if w.is_alive()]
        assert not alive, alive
        assert not pool._worker_handler.is_alive()
    finally:
        for w in pool._pool:
            if w.is_alive():
                w.kill()
                w.join(5)


def _sleep_then_return(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_stopping_with_tasks_in_flight_does_not_wait_on_a_dead_workers_lock() -> None:
    """An exception in this process while the workers are busy stops the pool early. A worker
    ended in the middle of sending its result holds the result queue's lock for ever, and
    ``Pool.terminate`` waited for ever for its task handler, blocked on it (the interrupted-run
    test hung so, 1 run in 18 on an idle machine). Here the lock is held, as such a worker leaves it,
    while the pool is stopped with tasks in flight: the stop must return and leave no worker."""
    import multiprocessing as mp
    import threading

    import newsclean.run as run_mod

    pool = mp.get_context("fork").Pool(2)
    workers = list(pool._pool)
    lock = pool._outqueue._wlock
    try:
        results = [pool.apply_async(_sleep_then_return, (0.3,)) for _ in range(6)]
        assert results[0].get(30) == 0.3
        assert lock.acquire(timeout=30)  # as a worker killed inside its put() leaves it
        stopper = threading.Thread(target=run_mod._stop_pool, args=(pool, workers), kwargs={"early": True},
                                   daemon=True)
        stopper.start()
        stopper.join(30)
        assert not stopper.is_alive(), "the stop waited on the dead worker's lock"
        assert not [w for w in [*workers, *pool._pool] if w.is_alive()]
    finally:
        lock.release()  # lets the pool's threads left behind go on
        for w in pool._pool:
            if w.is_alive():
                w.kill()


@pytest.mark.parametrize(("where", "at"), [("made", 1), ("made", 6), ("made", 20), ("closing", 3), ("closing", 9)])
def test_a_signal_between_a_temporary_file_and_its_writer_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, at: int) -> None:
    """SIGTERM raises in the main thread wherever it is: right after a temporary file was made (before
    its writer holds it), or after a finished file's writer was taken off the open ones but before
    its close renamed the file. Either left a .newsclean-tmp behind (seen once in the SIGTERM test
    under load); the handler's exception is raised at those points here, and the run must end as
    any interrupted run does: no temporary file, then --resume gives the uninterrupted outputs."""
    import newsclean.io as nio

    src = corpus(tmp_path / "in", files=12, records=30)
    ref = tmp_path / "ref"
    assert run(src, ref, "--jobs", "1") == 1
    calls = 0

    def count() -> None:
        nonlocal calls
        calls += 1
        if calls == at:
            raise cli_mod.Terminated()

    if where == "made":
        made = nio._temp_beside

        def temp_beside(path: Path) -> tuple[int, str]:
            fd, tmp = made(path)
            count()
            return fd, tmp

        monkeypatch.setattr(nio, "_temp_beside", temp_beside)
    else:
        close = nio.RecordWriter.close

        def closing(self: nio.RecordWriter) -> None:
            count()
            close(self)

        monkeypatch.setattr(nio.RecordWriter, "close", closing)
    out = tmp_path / "out"
    assert run(src, out, "--jobs", "1") == 143
    assert calls >= at
    monkeypatch.undo()
    assert not list(tmp_path.rglob("*.newsclean-tmp"))
    started = (out / "_newsclean" / "report.json").exists()  # not when stopped while OUT was probed
    assert started == (where != "made" or at > 1)
    if started:
        assert report(out)["complete"] is False
    assert run(src, out, "--jobs", "1", *(["--resume"] if started else [])) == 1
    assert outputs(out) == outputs(ref)


def test_a_worker_stopped_while_writing_an_output_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers write the .txt outputs. SIGTERM to the run (here sent by the worker itself, once
    its temporary file for t/05.txt is written and before it is renamed) stops the workers where
    they are: the file they were writing was left behind (the SIGTERM test under load, and
    test_an_interrupted_run_resumed_gives_the_uninterrupted_outputs, 2 in 14 runs)."""
    import newsclean.io as nio
    import newsclean.run as run_mod

    src = corpus(tmp_path / "in", files=12, records=30)
    args = ("--jobs", "2", "--dedup", "off")
    ref = tmp_path / "ref"
    assert run(src, ref, *args) == 1
    write = run_mod.write_text_atomic

    def stopped_while_writing(path: Path, text: str) -> None:
        if path.name != "05.txt":
            write(path, text)
            return
        with nio.atomic_writer(path) as fh:
            fh.write(text)
            fh.flush()
            os.kill(os.getppid(), signal.SIGTERM)
            time.sleep(60)  # killed before this ends

    monkeypatch.setattr(run_mod, "write_text_atomic", stopped_while_writing)
    out = tmp_path / "out"
    started = time.monotonic()
    assert run(src, out, *args) == 143
    assert time.monotonic() - started < 45
    monkeypatch.undo()
    assert not list(tmp_path.rglob("*.newsclean-tmp"))
    assert report(out)["complete"] is False
    assert run(src, out, *args, "--resume") == 1
    assert outputs(out) == outputs(ref)


def test_sigterm_reaching_a_worker_before_the_main_process_is_an_interruption(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM to the process group: a worker may end before the main process's handler has run
    (seen under load, 1 run in 13 of the SIGTERM test: exit 3, "a worker process was killed by
    signal 15"). Here a worker ends by SIGTERM and the main process gets its own a second later: the
    run is interrupted (143), not a worker lost (3)."""
    import newsclean.run as run_mod

    src = corpus(tmp_path / "in", files=12, records=30)
    args = ("--jobs", "2", "--dedup", "off")
    write = run_mod.write_text_atomic

    def term_later(path: Path, text: str) -> None:
        if path.name != "05.txt":
            write(path, text)
            return
        subprocess.Popen(["sh", "-c", f"sleep 1; kill -TERM {os.getppid()}"])
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(run_mod, "write_text_atomic", term_later)
    out = tmp_path / "out"
    assert run(src, out, *args) == 143
    monkeypatch.undo()
    assert report(out)["interrupted"] == "SIGTERM"
    assert not list(tmp_path.rglob("*.newsclean-tmp"))


def test_a_worker_killed_mid_run_ends_the_run_with_exit_3_and_resume_goes_on(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", files=40, records=60)
    ref = tmp_path / "ref"
    assert cli(src, ref, "-q", "--jobs", "2", "--dedup", "off").returncode == 1
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "newsclean", str(src), str(out), "-q", "--jobs", "2", "--dedup",
                             "off"], stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("f*.jsonl"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    ps = ["ps", "-o", "pid=", "--ppid", str(proc.pid)]
    children = subprocess.run(ps, capture_output=True, text=True).stdout.split()
    if proc.poll() is not None or not children:
        pytest.skip("the run ended before a worker could be killed")
    os.kill(int(children[0]), signal.SIGKILL)  # the out-of-memory killer's way
    err = proc.communicate(timeout=120)[1]
    if proc.returncode == 1:
        # On a loaded machine the workers can be done with every task before the parent has written the
        # third file: the kill then costs nothing, and the run must be whole.
        assert report(out)["complete"] is True and "Traceback" not in err, err
        assert outputs(out) == outputs(ref)
        return
    assert proc.returncode == 3, err
    assert "worker process was killed by signal 9" in err and "Traceback" not in err
    assert report(out)["complete"] is False and "worker" in report(out)["error"]
    again = cli(src, out, "-q", "--jobs", "2", "--dedup", "off", "--resume")
    assert again.returncode == 1, again.stderr
    assert outputs(out) == outputs(ref)


def test_ctrl_c_with_workers_prints_one_line(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", files=40, records=60)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "newsclean", str(src), str(out), "-q", "--jobs", "2"],
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("f*.jsonl")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("the run ended before it could be interrupted")
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err, err


def test_a_killed_rerun_never_leaves_an_older_complete_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = corpus(tmp_path / "in")
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    assert report(out)["complete"] is True
    # The same command again, stopped hard after three files (no chance to write a report).
    monkeypatch.setattr(cli_mod, "_progress", _StopAfter(3, SystemExit))
    with pytest.raises(SystemExit):
        cli_mod.main([str(src), str(out), "--dedup", "off", "--quiet"])
    assert not (out / "_newsclean" / "report.json").exists()
    assert json.loads((out / "_newsclean" / ".run.json").read_text())["complete"] is False


def test_stale_temporary_files_of_newsclean_only_are_removed(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", files=2, records=3)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    (out / "t" / ".00.txt.k3j2h1.newsclean-tmp").write_text("left by a killed run")
    (out / "_newsclean" / ".report.json.x9.newsclean-tmp").write_text("{")
    (out / "t" / ".mine.tmp").write_text("not newsclean's")
    assert run(src, out, "--dedup", "off") == 0  # the same run again
    assert not list(out.rglob("*.newsclean-tmp"))
    assert (out / "t" / ".mine.tmp").exists()


def test_an_out_holding_something_else_is_refused_unless_overwrite(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus(tmp_path / "in", files=2, records=3)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert run(src, out) == 2
    assert run(src, out, "--resume") == 2
    assert "--overwrite" in capsys.readouterr().err
    assert run(src, out, "--overwrite") == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert run(src, out) == 0  # the same run again is allowed
    (src / "t" / "00.txt").write_text("Berubah.\n", encoding="utf-8")
    assert run(src, out) == 2  # input changed: another run
    assert "input files changed" in capsys.readouterr().err
    assert run(src, out, "--resume", "--overwrite") == 2


def test_two_runs_into_one_out_at_once_are_refused(tmp_path: Path) -> None:
    from newsclean.run_state import lock_out

    src = corpus(tmp_path / "in", files=2, records=3)
    out = tmp_path / "out"
    (out / "_newsclean").mkdir(parents=True)
    with lock_out(out / "_newsclean"):
        proc = cli(src, out, "-q")
    assert proc.returncode == 2 and "another newsclean run" in proc.stderr


def test_report_folders_are_never_read_back_as_input(tmp_path: Path, seeds_dir: Path) -> None:
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    assert run(seeds_dir, out1, "--explain") == 0
    assert run(out1, out2, "--explain") == 0
    r = report(out2)
    assert r["files"] == 5 and not any(p.startswith("_newsclean") for p in snapshot(out2) if "/" in p
                                       and not p.startswith("_newsclean/"))
    assert not (out2 / "_newsclean" / "_newsclean").exists()


def test_report_json_stays_bounded(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "bad.jsonl").write_text("".join(f"{{bad {i}\n" for i in range(1500)) + '{"text": "Baik."}\n')
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 1
    r = report(out)
    assert len(r["failures"]) == 1000 and r["failures_total"] == 1500
    assert r["documents"]["rejected_records"] == 1500
    assert len(rejected(out)) == 1500
    assert len(jsonl(out / "_newsclean" / "rejected.jsonl")) == 1500


def test_a_rerun_killed_while_writing_report_html_leaves_no_report_json(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    src = corpus(tmp_path / "in", files=2, records=3)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    import newsclean.report_html as report_html

    def killed(*_a: Any, **_k: Any) -> None:
        raise SystemExit(137)  # as if killed: report.json must not be there beside an older report.html

    monkeypatch.setattr(report_html, "write_report_html", killed)
    with pytest.raises(SystemExit):
        cli_mod.main([str(src), str(out), "--dedup", "off", "--quiet"])
    assert not (out / "_newsclean" / "report.json").exists()


def test_ctrl_c_with_a_file_out_keeps_the_report_and_does_not_offer_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    src = corpus(tmp_path / "in", files=1, records=5) / "f00.jsonl"
    monkeypatch.setattr(cli_mod, "_progress", _StopAfter(1, KeyboardInterrupt))
    assert cli_mod.main([str(src), str(tmp_path / "o" / "clean.jsonl"), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "--resume" not in err
    assert json.loads((tmp_path / "o" / "_newsclean" / "report.json").read_text())["interrupted"] == "SIGINT"
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["_newsclean"]


def test_a_refused_run_moves_no_earlier_reports(tmp_path: Path) -> None:
    src = corpus(tmp_path / "in", files=2, records=3)
    out = tmp_path / "out"
    assert run(src, out, "--dedup", "off") == 0
    before = snapshot(out)
    elsewhere = corpus(tmp_path / "in2", files=2, records=3, seed=9)
    assert run(elsewhere, out, "--dedup", "off", "--report-dir", tmp_path / "reports") == 2  # another run's OUT
    assert snapshot(out) == before and not (tmp_path / "reports").exists()


_KILL_IN_FINISH = """
import os, signal, sys
import newsclean.cli as cli
import newsclean.io as nio
point, finishing = sys.argv[1], []
def die():
    os.kill(os.getpid(), signal.SIGKILL)
finish, close, mark = cli._finish_dedup, nio.RecordWriter.close, cli.mark_complete
def finish_then(*a, **k):
    finishing.append(1)
    return finish(*a, **k)
def close_then(self):  # the first output rewritten without its dropped paragraphs, then killed
    close(self)
    if finishing and point == "rewrite":
        die()
def mark_then(*a, **k):  # marked complete, killed before report.json
    mark(*a, **k)
    if point == "marked":
        die()
cli._finish_dedup, nio.RecordWriter.close, cli.mark_complete = finish_then, close_then, mark_then
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.mark.parametrize("point", ["rewrite", "marked"])
def test_kill_9_in_the_finish_phase_then_resume(tmp_path: Path, point: str) -> None:
    src = corpus(tmp_path / "in", files=4, records=12)
    args = ["-q", "--dedup", "drop", "--explain"]
    ref = tmp_path / "ref"
    assert cli(src, ref, *args).returncode == 1
    out = tmp_path / "out"
    script = tmp_path / "kill.py"
    script.write_text(_KILL_IN_FINISH, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    killed = subprocess.run([sys.executable, str(script), point, str(src), str(out), *args], env=env,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert not (out / "_newsclean" / "report.json").exists()
    again = cli(src, out, *args, "--resume")
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert outputs(out) == outputs(ref) and report(out)["complete"] is True
    assert not list(out.rglob("*.newsclean-tmp"))
