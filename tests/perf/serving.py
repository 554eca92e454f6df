"""gunicorn for the HTTP benchmarks: started on a free loopback port with the benchmark's own
environment, waited for until it answers, and stopped (terminated, then killed) however the
benchmark ends. Its output goes to a log whose tail the benchmark quotes when something fails."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
