"""The local stack behind ``make run``: Nudge on loopback with embedded defaults.

It starts, all on 127.0.0.1, the certs server that publishes the development
signing key, the Chat API emulator, a fake Google OAuth server and the
``chat_app`` function under functions-framework, then waits for Ctrl-C.
Verification stays on: local events are signed with the development key.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devkit.devkey import load_or_create

STATE_DIR = Path(os.environ.get("NUDGE_LOCAL_DIR", ".nudge"))
#: Command IDs as they would be configured in the Chat API console.
LOCAL_COMMAND_IDS = "/help=1,/connect=2,/logout=3,/invite=4"


@dataclass(frozen=True, slots=True)
class LocalStack:
    """Where each local part listens; the CLI reads the same values."""

    host: str = "127.0.0.1"
    app_port: int = int(os.environ.get("NUDGE_LOCAL_APP_PORT", "8080"))
    emulator_port: int = int(os.environ.get("NUDGE_LOCAL_EMULATOR_PORT", "8090"))
    certs_port: int = int(os.environ.get("NUDGE_LOCAL_CERTS_PORT", "8091"))
    oauth_port: int = int(os.environ.get("NUDGE_LOCAL_OAUTH_PORT", "8092"))
    #: A made-up project number: local events use project-number verification.
    audience: str = "424242424242"

    @property
    def app_url(self) -> str:
        return f"http://{self.host}:{self.app_port}/"

    @property
    def emulator_url(self) -> str:
        return f"http://{self.host}:{self.emulator_port}/"

    @property
    def certs_url(self) -> str:
        return f"http://{self.host}:{self.certs_port}/certs"

    @property
    def oauth_url(self) -> str:
        return f"http://{self.host}:{self.oauth_port}"


LOCAL = LocalStack()


def token_key(directory: Path = STATE_DIR) -> str:
    """The local refresh-token encryption key, made on first use (0600)."""
    path = directory / "token.key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


def app_environment(
    stack: LocalStack = LOCAL, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment ``chat_app`` runs with locally: every Google endpoint on loopback."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "NUDGE_CHAT_AUDIENCE": stack.audience,
            "NUDGE_CHAT_CERTS_URL": stack.certs_url,
            "NUDGE_PUBLIC_URL": stack.app_url.rstrip("/"),
            "NUDGE_CHAT_API_ENDPOINT": stack.emulator_url,
            "NUDGE_OAUTH_AUTH_URL": f"{stack.oauth_url}/o/oauth2/v2/auth",
            "NUDGE_OAUTH_TOKEN_URL": f"{stack.oauth_url}/token",
            "NUDGE_OAUTH_REVOKE_URL": f"{stack.oauth_url}/revoke",
            "NUDGE_OAUTH_CLIENT_ID": "local-client.apps.googleusercontent.com",
            "NUDGE_OAUTH_CLIENT_SECRET": "local-client-secret",
            "NUDGE_TOKEN_KEY": token_key(),
            "NUDGE_DATABASE": str(STATE_DIR / "nudge.db"),
            "NUDGE_CHAT_API_TOKEN": "local-app-token",
            "NUDGE_COMMAND_IDS": LOCAL_COMMAND_IDS,
        }
    )
    return env


def _wait_until_up(url: str, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return True
        except urllib.error.HTTPError:
            return True  # it answered
        except OSError:
            time.sleep(0.1)
    return False


def main() -> int:
    """Run the local stack until Ctrl-C."""
    from devkit.certs_server import CertsServer
    from devkit.emulator import ChatEmulator
    from devkit.oauth_server import OAuthServer

    stack = LOCAL
    key = load_or_create(STATE_DIR)
    certs = CertsServer(key, host=stack.host, port=stack.certs_port).start()
    oauth = OAuthServer(host=stack.host, port=stack.oauth_port).start()
    emulator = ChatEmulator(
        host=stack.host, port=stack.emulator_port, tokeninfo_url=f"{stack.oauth_url}/tokeninfo"
    )
    emulator.start()
    command = [
        sys.executable, "-m", "functions_framework",
        "--target", "chat_app", "--source", "main.py",
        "--host", stack.host, "--port", str(stack.app_port),
    ]  # fmt: skip
    app = subprocess.Popen(command, env=app_environment(stack))
    try:
        if not _wait_until_up(stack.app_url):
            print("chat_app did not start; see the output above.", file=sys.stderr)
            return 1
        print(
            f"""
Nudge is running locally (Ctrl-C stops it):
  chat_app          {stack.app_url}   (verification ON, audience {stack.audience})
  Chat API emulator {stack.emulator_url}
  transcript        {stack.emulator_url}_emulator/spaces/AAAA/transcript
  certs server      {stack.certs_url}
  OAuth server      {stack.oauth_url}

Try next, in another terminal:
  .venv/bin/nudge chat             # talk to Nudge; type /help
  .venv/bin/nudge event /help      # send one signed event and print the reply
""",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        app.wait()
        return app.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        app.terminate()
        try:
            app.wait(timeout=5)
        except subprocess.TimeoutExpired:
            app.kill()
        emulator.stop()
        oauth.stop()
        certs.stop()


if __name__ == "__main__":
    sys.exit(main())
