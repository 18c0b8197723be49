"""The two peers the simulator talks to, each only the way Google would.

``EmulatorClient`` reads spaces, members and messages through the Chat API
emulator's inspection API (``/_emulator/``) and writes what Google Chat itself
would store (a person's message, the app's synchronous reply, an update) through
its REST API, with tokens it registers there. ``AppClient`` POSTs signed
interaction events to ``chat_app``, as Chat does.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devkit.devkey import DevKey

Json = dict[str, Any]
APP_TOKEN = "nudge-web-simulator-app"  # noqa: S105 - a local, emulator-only token
USER_TOKEN_PREFIX = "nudge-web-simulator-user-"  # noqa: S105 - the same
#: What a person may do through the emulator's API when the simulator acts for them.
USER_SCOPES = ("chat.messages", "chat.spaces.readonly", "chat.memberships.readonly")


class UpstreamError(Exception):
    """A peer refused or could not be reached; ``message`` says which and why."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


def _loopback_only(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
        raise ValueError(f"the simulator only talks to loopback peers, not {url!r}")
    return url if url.endswith("/") else url + "/"


def _request(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback URLs only (checked)
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        exc.close()
        return int(exc.code), raw


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return None


def _error_text(status: int, payload: Any) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return f"{status} {payload['error'].get('message', '')}".strip()
    return f"HTTP {status}"


class EmulatorClient:
    """The Chat API emulator at ``url``: inspection reads, REST writes."""

    def __init__(self, url: str) -> None:
        self.url = _loopback_only(url)
        self._registered: set[str] = set()

    def _call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            status, raw = _request(method, self.url + path, body, headers)
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise UpstreamError(
                f"the Chat API emulator at {self.url} is not answering ({reason})"
            ) from None
        payload = _json(raw)
        if status >= 300:
            raise UpstreamError(_error_text(status, payload), status, payload)
        return payload if payload is not None else {}

    # --- inspection (read) ---------------------------------------------------------------

    def answering(self) -> bool:
        """Whether the emulator answers its health check."""
        try:
            return bool(self._call("GET", "_emulator/health").get("ok"))
        except UpstreamError:
            return False

    def spaces(self) -> list[Json]:
        return list(self._call("GET", "_emulator/spaces").get("spaces", []))

    def members(self, space: str) -> list[Json]:
        return list(self._call("GET", f"_emulator/{space}/members").get("memberships", []))

    def messages(self, space: str) -> list[Json]:
        return list(self._call("GET", f"_emulator/{space}/messages").get("messages", []))

    def message(self, name: str) -> Json | None:
        space = "/".join(name.split("/")[:2])
        for message in self.messages(space):
            if message.get("name") == name and not message.get("deleted"):
                return {k: v for k, v in message.items() if k != "deleted"}
        return None

    def add_space(self, spec: Json) -> Json:
        return dict(self._call("POST", "_emulator/spaces", spec))

    # --- tokens --------------------------------------------------------------------------

    def _register(self, token: str, spec: Json) -> None:
        if token in self._registered:
            return
        self._call("POST", "_emulator/tokens", {"token": token, **spec})
        self._registered.add(token)

    def app_token(self) -> str:
        """A token the emulator maps to the app (Chat stores the app's replies as the app)."""
        self._register(APP_TOKEN, {"kind": "app", "scopes": ["chat.bot"]})
        return APP_TOKEN

    def user_token(self, user: str, display_name: str) -> str:
        token = USER_TOKEN_PREFIX + user.removeprefix("users/")
        spec = {"kind": "user", "user": user, "displayName": display_name}
        self._register(token, {**spec, "scopes": list(USER_SCOPES)})
        return token

    def forget_tokens(self) -> None:
        """Register again on next use (after an emulator reset)."""
        self._registered.clear()

    # --- REST (write) --------------------------------------------------------------------

    def _write(self, method: str, path: str, body: Json, token: Callable[[], str]) -> Json:
        """A REST write; a token the emulator forgot (it restarted) is registered again."""
        try:
            return dict(self._call(method, path, body, token()))
        except UpstreamError as exc:
            if exc.status != 401:
                raise
        self._registered.clear()
        return dict(self._call(method, path, body, token()))

    def create_message(
        self, space: str, message: Json, token: Callable[[], str], thread: str = ""
    ) -> Json:
        """``spaces.messages.create`` (in ``thread`` when given) with ``token()``'s identity."""
        query = ""
        if thread:
            message = {**message, "thread": {"name": thread}}
            query = "?messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
        return self._write("POST", f"v1/{space}/messages{query}", message, token)

    def update_message(self, name: str, message: Json, token: Callable[[], str]) -> Json:
        """``spaces.messages.patch`` of text and cards (what an ``UPDATE_MESSAGE`` replaces)."""
        fields = ["text", "cards_v2"]
        if "accessoryWidgets" in message:
            fields.append("accessory_widgets")
        query = urllib.parse.urlencode({"updateMask": ",".join(fields)})
        return self._write("PATCH", f"v1/{name}?{query}", message, token)


@dataclass
class Delivery:
    """One signed POST to the app and what came back."""

    url: str
    headers: dict[str, str]
    event: Json
    status: int = 0
    raw: str = ""
    body: Json | None = None
    error: str = ""
    ms: float = 0.0
    notes: list[str] = field(default_factory=list)


class AppClient:
    """``chat_app`` at ``url``, called with events signed by the development key."""

    def __init__(self, url: str, key: DevKey, audience: str, timeout: float = 35.0) -> None:
        self.url = _loopback_only(url)
        self.key = key
        self.audience = audience
        self.timeout = timeout

    def token(self) -> str:
        """Project-number mode for a numeric audience, else a Chat OIDC ID token."""
        if self.audience.isdigit():
            return self.key.chat_token(self.audience)
        return self.key.oidc_token(self.audience)

    def deliver(self, event: Json) -> Delivery:
        token = self.token()
        if "authorizationEventObject" in event:  # add-ons carry the system ID token too
            event["authorizationEventObject"] = {"systemIdToken": token}
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Google-Dynamite (nudge web simulator)",
            "Authorization": f"Bearer {token}",
        }
        delivery = Delivery(self.url, headers, event)
        started = time.monotonic()
        try:
            status, raw = _request("POST", self.url, event, headers, timeout=self.timeout)
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            delivery.error = f"cannot reach chat_app at {self.url} ({reason}); is it running?"
            return delivery
        finally:
            delivery.ms = round((time.monotonic() - started) * 1000, 1)
        delivery.status = status
        delivery.raw = raw.decode("utf-8", errors="replace")
        payload = _json(raw)
        if status >= 300:
            delivery.error = f"chat_app answered {status}: {delivery.raw[:300]}"
        elif not isinstance(payload, dict):
            delivery.error = "chat_app answered something that is not a JSON object"
        else:
            delivery.body = payload
        return delivery
