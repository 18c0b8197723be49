"""The functions under functions-framework, as the local stack runs them: start, wait, stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

#: The repository root (where ``main.py`` lives).
ROOT = Path(__file__).resolve().parent.parent


def serve(
    target: str, port: int, env: Mapping[str, str], *, cloud_event: bool = False
) -> subprocess.Popen[bytes]:
    """One function under functions-framework, in a session of its own: Ctrl-C reaches only
    this process, which then stops gunicorn and its workers as a group (no orphans)."""
    command = [
        sys.executable, "-m", "functions_framework", "--target", target,
        *(["--signature-type", "cloudevent"] if cloud_event else []),
        "--source", str(ROOT / "main.py"), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    return subprocess.Popen(command, env=dict(env), cwd=ROOT, start_new_session=True)


def wait_until_up(url: str, app: subprocess.Popen[bytes], seconds: float = 30.0) -> bool:
    """True once ``url`` answers anything; False if ``app`` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and app.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return True
        except urllib.error.HTTPError:
            return True  # it answered (401 without a token)
        except OSError:
            time.sleep(0.1)
    return False


def stop_process_group(app: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the functions-framework group (gunicorn and its workers); SIGKILL if it hangs."""
    if app.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(app.pid, signal.SIGTERM)
    try:
        app.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(app.pid, signal.SIGKILL)  # the group still exists: its leader is unreaped
        app.wait()
