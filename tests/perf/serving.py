"""gunicorn for the HTTP benchmarks: started on a free loopback port with the benchmark's own
environment, waited for until it answers, and stopped (terminated, then killed) however the
benchmark ends. Its output goes to a log whose tail the benchmark quotes when something fails."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from base64 import b64encode
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def server_env(tmp: Path, database_url: str) -> dict[str, str]:
    """The environment of a benchmark's server and its set-up commands: production-like
    settings (tests.perf.http_settings, DEBUG off, persistent connections), fresh secrets, and
    static and media folders under ``tmp`` (made here)."""
    (tmp / "static").mkdir(exist_ok=True)
    (tmp / "media").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.perf.http_settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "HSR_MASTER_KEY": b64encode(secrets.token_bytes(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "false",
        "HSR_PERF_STATIC_ROOT": str(tmp / "static"),
        "HSR_PERF_MEDIA_ROOT": str(tmp / "media"),
    }


def run(env: dict, *args: str) -> str:
    """``python ARGS`` from the project's folder in ``env``; its output, or a failed assertion
    with both streams."""
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_text(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-4000:]


@contextmanager
def gunicorn(
    env: dict,
    log_path: Path,
    options: list[str],
    ready: Callable[[int], object],
    app: str = "config.wsgi",
) -> Iterator[tuple[int, object]]:
    """Serve ``app`` (config.wsgi; the fault tests give their own) with ``options`` until
    ``ready(port)`` stops raising OSError (60 s at most); yields (port, log)."""
    port = free_port()
    log = open(log_path, "w+")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", *options],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "gunicorn exited:\n" + log_text(log)
            try:
                ready(port)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer:\n" + log_text(log)
                time.sleep(0.2)
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
