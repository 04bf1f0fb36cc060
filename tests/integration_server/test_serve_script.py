"""bin/serve end to end, in a copy of the repository (its own .env, SQLite database and var/): "up" is printed
only once the worker's heartbeat is there, and SIGTERM stops every child process, qcluster included."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _copy_repo(target: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(REPO / ".venv")


def _processes_in(directory: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "cwd")) == directory:
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
    return found


def _health(port: int, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Health-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def test_serve_says_up_with_a_worker_heartbeat_and_sigterm_stops_every_child(tmp_path):
    copy = tmp_path / "repo"
    copy.mkdir()
    _copy_repo(copy)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "REDIS_URL"))}
    env.update(PORT=str(port), UP_TIMEOUT="150")
    serve = subprocess.Popen(
        ["bash", "bin/serve"], cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = []
        for line in serve.stdout:
            lines.append(line)
            if "integration-server is up" in line or "did not come up" in line:
                break
        assert any("integration-server is up" in line for line in lines), "".join(lines[-30:])
        token = dict(line.split("=", 1) for line in (copy / ".env").read_text().splitlines() if "=" in line)[
            "HEALTHZ_DETAIL_TOKEN"
        ]
        status, health = _health(port, token)
        assert health["worker_heartbeat_age_s"] is not None, health
        assert "no live worker (heartbeat missing or stale)" not in health["problems"]
        assert len(_processes_in(copy)) >= 4  # bash, gunicorn (+ workers), qcluster (+ children), simulators
        started = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        print(f"bin/serve stopped {time.monotonic() - started:.1f} s after SIGTERM")
        time.sleep(0.5)
        assert _processes_in(copy) == []
    finally:
        if serve.poll() is None:
            serve.kill()
        for line in _processes_in(copy):
            print("left running:", line)
