"""build-packet --inputs-file / --workers: the Ray build equals the in-process one; faults
(an unreachable RAY_ADDRESS, a Ray worker killed mid-build, bad files) fail readably and never
leave a partial packet. Real multistep teacher, real local Ray."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from m2kt.domains.symbolic.generators import chain_texts
from tests.conftest import ROOT, run_cli


def _inputs(path: Path, n: int, seed: int = 1) -> Path:
    """``n`` multistep chains, one per line — the teacher's own inputs."""
    path.write_text("".join(t + "\n" for t in chain_texts(n, seed)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("stream_ws")
    e = {"M2KT_HOME": str(home), "OMP_NUM_THREADS": "1"}
    os.environ.pop("RAY_ADDRESS", None)
    assert run_cli("keygen", "--out", str(home / "key"), env=e).returncode == 0
    return e


def _build(env: dict[str, str], out: Path, inputs: Path, *extra: str,
           extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("build-packet", "--domain", "multistep", "--key",
                   str(Path(env["M2KT_HOME"]) / "key" / "teacher.key"), "--out", str(out),
                   "--inputs-file", str(inputs), "--anchors", "8", *extra,
                   env={**env, **(extra_env or {})})


def _open(path: Path, env: dict[str, str]):
    from m2kt.packet.reader import open_packet
    from m2kt.packet.trust import load_store

    return open_packet(path, load_store(Path(env["M2KT_HOME"]) / "trust"), None)


@pytest.mark.slow  # two builds and a Ray start-up; CI runs it (.ci/run)
def test_ray_build_equals_in_process(env, tmp_path: Path) -> None:
    inputs = _inputs(tmp_path / "in.txt", 1500)
    a, b = tmp_path / "a.m2kt", tmp_path / "b.m2kt"
    r1 = _build(env, a, inputs, "--shard-size", "400")
    assert r1.returncode == 0, r1.stderr
    r2 = _build(env, b, inputs, "--shard-size", "400", "--workers", "2")
    assert r2.returncode == 0, r2.stderr
    assert "1,500 inputs read (4 shards, ray)" in r2.stderr
    pa, pb = _open(a, env), _open(b, env)
    assert pa.tensors.keys() == pb.tensors.keys()
    for name, t in pa.tensors.items():
        np.testing.assert_allclose(t, pb.tensors[name], atol=1e-5, err_msg=name)
    assert pa.graph == pb.graph and pa.traces == pb.traces and pa.anchors == pb.anchors
    ma, mb = pa.manifest.model_dump(), pb.manifest.model_dump()
    pra, prb = ma.pop("provenance"), mb.pop("provenance")
    assert ma == mb
    params_a, params_b = pra["recipe"].pop("params"), prb["recipe"].pop("params")
    assert params_a.pop("engine") == "in-process" and params_b.pop("engine") == "ray"
    assert params_a == params_b and params_a["shards"] == 4
    assert params_a["inputs_read"] == 1500
    for k in ("created_at", "sequence"):
        pra.pop(k), prb.pop(k)
    assert pra == prb
    assert pra["counts"]["teacher_inputs"] >= 1500


def test_unreachable_ray_address_one_line_exit_2(env, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "p.m2kt"
    t0 = time.monotonic()
    res = _build(env, out, _inputs(tmp_path / "in.txt", 50), "--workers", "2",
                 extra_env={"RAY_ADDRESS": f"127.0.0.1:{port}"})
    assert time.monotonic() - t0 < 30
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("ERROR") and f"RAY_ADDRESS=127.0.0.1:{port}" in lines[-1]
    assert "Traceback" not in res.stderr and not out.exists()
    assert not list(tmp_path.glob(".p.m2kt.*"))


@pytest.mark.slow  # a 12,000-input build on Ray; CI runs it (.ci/run)
def test_worker_killed_mid_build_retries_or_fails_cleanly(env, tmp_path: Path) -> None:
    inputs = _inputs(tmp_path / "in.txt", 12000)
    out = tmp_path / "p.m2kt"
    cmd = [sys.executable, "-m", "m2kt", "build-packet", "--domain", "multistep", "--key",
           str(Path(env["M2KT_HOME"]) / "key" / "teacher.key"), "--out", str(out),
           "--inputs-file", str(inputs), "--anchors", "8", "--shard-size", "500",
           "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed = None
    deadline = time.monotonic() + 240
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        killed = _kill_a_shard_worker()
        time.sleep(0.2)
    _, err = proc.communicate(timeout=600)
    assert killed is not None, "no Ray worker was seen running a shard"
    if proc.returncode == 0:  # Ray re-ran the lost shard: the packet read every input
        params = _open(out, env).manifest.provenance.recipe.params
        assert params["inputs_read"] == 12000 and params["shards"] == 24
    else:
        assert proc.returncode == 2, err
        assert err.strip().splitlines()[-1].startswith("ERROR") and not out.exists()
    assert not list(tmp_path.glob(".p.m2kt.*"))  # no partial file, ever


def _kill_a_shard_worker() -> int | None:
    """kill -9 one process whose title says it runs a shard (``ray::_shard_job``)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(b"ray::_shard_job"):
            os.kill(int(pid), signal.SIGKILL)
            return int(pid)
    return None


def test_bad_inputs_file_and_pair_task_refused_before_work(env, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"T and F\nT or\x00F\n")
    out = tmp_path / "p.m2kt"
    res = _build(env, out, bad)
    assert res.returncode == 2 and "bad.txt line 2: holds a NUL character" in res.stderr
    assert not out.exists()
    res = run_cli("build-packet", "--domain", "taxonomy", "--key",
                  str(Path(env["M2KT_HOME"]) / "key" / "teacher.key"), "--out", str(out),
                  "--inputs-file", str(_inputs(tmp_path / "in.txt", 10)), env=env)
    assert res.returncode == 2 and "class tasks only" in res.stderr and not out.exists()
