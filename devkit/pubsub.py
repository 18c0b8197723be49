"""Google's Pub/Sub emulator for the local stack: started from the Cloud SDK, set up over REST.

``make run`` uses it (when ``gcloud`` is installed) for the two topics whose push
subscriptions deliver to ``workspace_events``, as in production: Nudge's deferred
jobs and the Workspace events the Chat emulator's subscriptions publish. Topics
and subscriptions are made with the emulator's REST API, so the local runner
imports no gRPC client. Always on IPv4 loopback (the emulator's default is
``[::1]``, which some clients cannot reach).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.config import ConfigError

#: The project every local topic and subscription lives in.
LOCAL_PROJECT = "nudge-local"


class PubSubUnavailable(RuntimeError):
    """The emulator cannot run here (no gcloud) or did not start."""


def gcloud_available() -> bool:
    return shutil.which("gcloud") is not None


@dataclass
class PubSubEmulator:
    """``gcloud beta emulators pubsub start`` on ``host:port``, in a process group of its own."""

    host: str = "127.0.0.1"
    port: int = 8085
    project: str = LOCAL_PROJECT
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _data_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def host_port(self) -> str:
        """The value for ``PUBSUB_EMULATOR_HOST``."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def topic(self, name: str) -> str:
        return f"projects/{self.project}/topics/{name}"

    def start(self, timeout: float = 60.0) -> PubSubEmulator:
        """Start it and wait until it answers; ``PubSubUnavailable`` if it cannot."""
        if not gcloud_available():
            raise PubSubUnavailable("gcloud is not installed")
        self._data_dir = tempfile.TemporaryDirectory(prefix="nudge-pubsub-")
        self._process = subprocess.Popen(
            ["gcloud", "beta", "emulators", "pubsub", "start", f"--project={self.project}",
             f"--host-port={self.host_port}", f"--data-dir={self._data_dir.name}", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                self.stop()
                raise PubSubUnavailable(
                    f"the Pub/Sub emulator exited at once (is port {self.port} in use?)"
                )
            try:
                with urllib.request.urlopen(f"http://{self.host_port}/", timeout=1):
                    return self
            except urllib.error.HTTPError:
                return self  # it answered
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise PubSubUnavailable(
                        f"the Pub/Sub emulator did not start within {timeout:g} s"
                    ) from None
                time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the emulator's group (gcloud and its Java child); SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._data_dir is not None:
            self._data_dir.cleanup()
            self._data_dir = None

    def _put(self, path: str, body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"http://{self.host_port}/v1/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="PUT",
        )
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback only
                pass
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # already exists: fine, the stack is being set up again
                raise PubSubUnavailable(f"PUT {path} failed: {exc.code} {exc.reason}") from None

    def push_topic(self, name: str, endpoint: str, *, ack_deadline_seconds: int = 60) -> str:
        """Create topic ``name`` and a push subscription ``name-push`` to ``endpoint``.

        As deployed: the push path names the topic (functions-framework takes it for the
        CloudEvent's ``source``), the ack deadline (for push, the HTTP timeout) outlasts
        any attempt, and failed deliveries come back after a short backoff.
        """
        topic = self.topic(name)
        self._put(topic, {})
        self._put(
            f"projects/{self.project}/subscriptions/{name}-push",
            {
                "topic": topic,
                "pushConfig": {"pushEndpoint": endpoint},
                "ackDeadlineSeconds": ack_deadline_seconds,
                "retryPolicy": {"minimumBackoff": "1s", "maximumBackoff": "60s"},
            },
        )
        return topic


def jobs_plan(env: Mapping[str, str], *, has_gcloud: Callable[[], bool] = gcloud_available) -> str:
    """How ``make run`` runs deferred jobs: ``pubsub`` (the emulator) or ``inline``.

    ``NUDGE_JOBS_MODE=inline`` chooses in-process jobs outright; otherwise the
    Pub/Sub emulator is used wherever gcloud is installed. Asking for ``pubsub``
    without gcloud is a ``ConfigError`` that says what to install.
    """
    mode = env.get("NUDGE_JOBS_MODE", "").strip().lower()
    if mode == "inline":
        return "inline"
    if has_gcloud():
        return "pubsub"
    if mode == "pubsub":
        raise ConfigError(
            "NUDGE_JOBS_MODE=pubsub needs the Pub/Sub emulator from gcloud: install the Cloud "
            "SDK and `gcloud components install pubsub-emulator beta`, or unset NUDGE_JOBS_MODE "
            "to run jobs inside chat_app."
        )
    return "inline"
