"""The simulator's WSGI app: the page, its fragments and the JSON actions behind it.

Security: the page trusts no message HTML (templates autoescape; card and message
text is rebuilt by ``textfmt``), sets a strict Content-Security-Policy (scripts and
styles only from ``/static/``, no inline script), answers only requests addressed
to a loopback host name (no DNS rebinding), and takes actions only as JSON POSTs
from its own origin (no cross-site form posts).
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from devkit.web import timeline
from devkit.web.cardview import Renderer
from devkit.web.events import Actor, Format, Person
from devkit.web.jsonish import obj
from devkit.web.render import render
from devkit.web.simulator import Outcome, Simulator
from devkit.web.upstream import UpstreamError
from devkit.web.validate import preview

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Json = dict[str, Any]
STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"simulator.js": "text/javascript", "simulator.css": "text/css"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)
LOCALES = ("en", "en-GB", "de", "fr", "ja", "pt-BR")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}")
SAMPLE = json.dumps(
    {
        "header": {"title": "Preview", "subtitle": "Paste a card or a message"},
        "sections": [{"widgets": [{"textParagraph": {"text": "<b>Hello</b> from the preview"}}]}],
    },
    indent=2,
)


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _actor(values: Mapping[str, Any], people: list[Person]) -> Actor:
    """The acting person and their client settings, from query or JSON values."""
    wanted = str(values.get("user") or "")
    person = next((p for p in people if p.name == wanted), people[0] if people else None)
    if person is None:
        raise UpstreamError("the emulator has no people in any space")
    fmt: Format = "addon" if values.get("format") == "addon" else "legacy"
    locale = str(values.get("locale") or "en")
    zone = str(values.get("tz") or "UTC")
    return Actor(
        person=person,
        format=fmt,
        locale=locale if _LOCALE.fullmatch(locale) else "en",
        zone=zone if zone in _zone_names() else "UTC",
        zone_everywhere=str(values.get("tzall") or "") in ("1", "true", "on", "True"),
    )


def _query(actor: Actor, **extra: str) -> str:
    values = {
        "user": actor.person.name,
        "format": actor.format,
        "locale": actor.locale,
        "tz": actor.zone,
        **({"tzall": "1"} if actor.zone_everywhere else {}),
        **extra,
    }
    return "?" + urllib.parse.urlencode(values)


class WebApp:
    """WSGI callable over a ``Simulator``."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.routes = Map(
            [
                Rule("/", endpoint="page", methods=["GET"]),
                Rule("/fragment/timeline", endpoint="timeline", methods=["GET"]),
                Rule("/fragment/inspector", endpoint="inspector", methods=["GET"]),
                Rule("/api/commands", endpoint="commands", methods=["GET"]),
                Rule("/api/send", endpoint="send", methods=["POST"]),
                Rule("/api/action", endpoint="action", methods=["POST"]),
                Rule("/api/dialog/cancel", endpoint="cancel", methods=["POST"]),
                Rule("/api/widget", endpoint="widget", methods=["POST"]),
                Rule("/api/dm", endpoint="dm", methods=["POST"]),
                Rule("/preview", endpoint="preview", methods=["GET", "POST"]),
                Rule("/static/<name>", endpoint="static", methods=["GET"]),
                Rule("/healthz", endpoint="health", methods=["GET"]),
                Rule("/favicon.ico", endpoint="favicon", methods=["GET"]),
                Rule("/config-complete", endpoint="config_complete", methods=["GET"]),
            ]
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        if _host_name(request.host) not in LOOPBACK_HOSTS:
            return Response("This simulator answers only on loopback.", 403)
        try:
            endpoint, args = self.routes.bind_to_environ(request.environ).match()
            if request.method == "POST" and endpoint != "preview":
                self._check_json_post(request)
            handler = getattr(self, f"on_{endpoint}")
            result: Response = handler(request, **args)
            return result
        except HTTPException as exc:
            return Response(exc.description or exc.name, exc.code or 500)
        except UpstreamError as exc:
            return self._failure(request, exc.message)

    @staticmethod
    def _check_json_post(request: Request) -> None:
        if request.mimetype != "application/json":
            raise _Forbidden("actions are JSON POSTs from the page")
        origin = request.headers.get("Origin")
        if origin and urllib.parse.urlsplit(origin).netloc != request.host:
            raise _Forbidden("cross-origin request refused")

    def _failure(self, request: Request, message: str) -> Response:
        if request.path.startswith("/api/"):
            return _json({"ok": False, "error": message}, 502)
        body = render("error.html", message=message, emulator=self.simulator.emulator.url)
        return Response(body, 502, content_type="text/html; charset=utf-8")

    # --- pages ------------------------------------------------------------------------------

    def on_health(self, request: Request) -> Response:
        return _json({"ok": True})

    def on_config_complete(self, request: Request) -> Response:
        """Where Chat sends the browser at the end of a configuration (OAuth) flow."""
        body = render("config_complete.html")
        return Response(body, content_type="text/html; charset=utf-8")

    def on_favicon(self, request: Request) -> Response:
        return Response(status=204)

    def on_static(self, request: Request, name: str) -> Response:
        if name not in STATIC_FILES:
            raise NotFound()
        response = Response((STATIC / name).read_bytes(), content_type=STATIC_FILES[name])
        response.headers["Cache-Control"] = "no-cache"
        return response

    def on_page(self, request: Request) -> Response:
        people = self.simulator.people()
        actor = _actor(request.args, people)
        spaces = self.simulator.spaces(actor.person)
        wanted = request.args.get("space", "")
        space = next((s for s in spaces if s["name"] == wanted), spaces[0] if spaces else None)
        body = render(
            "page.html",
            actor=actor,
            people=people,
            spaces=[s for s in spaces if s.get("spaceType") != "DIRECT_MESSAGE"],
            dms=[s for s in spaces if s.get("spaceType") == "DIRECT_MESSAGE"],
            space=space,
            link=lambda **extra: _query(actor, **extra),
            timeline=self._timeline_html(actor, space, people) if space else None,
            exchanges=self.simulator.log.after(0),
            zones=ZONES,
            locales=LOCALES,
        )
        return Response(body, content_type="text/html; charset=utf-8")

    def _timeline_html(self, actor: Actor, space: Json, people: list[Person]) -> tuple[str, str]:
        messages = self.simulator.emulator.messages(space["name"])
        version = timeline.version(messages, actor.person.name, actor.zone)
        names = {p.name: p.display_name for p in people}
        renderer = Renderer(ZoneInfo(actor.zone), names)
        is_dm = space.get("spaceType") == "DIRECT_MESSAGE"
        threads = timeline.threads(messages, actor.person.name, renderer, flat=is_dm)
        html = render("timeline.html", threads=threads, space=space, is_dm=is_dm, version=version)
        return html, version

    def on_timeline(self, request: Request) -> Response:
        people = self.simulator.people()
        actor = _actor(request.args, people)
        space = self.simulator.space(request.args.get("space", ""))
        html, version = self._timeline_html(actor, space, people)
        if request.args.get("v") == version:
            return Response(status=204, headers={"X-Version": version})
        headers = {"X-Version": version}
        return Response(html, content_type="text/html; charset=utf-8", headers=headers)

    def on_inspector(self, request: Request) -> Response:
        after = request.args.get("after", "0")
        items = self.simulator.log.after(int(after) if after.isdigit() else 0)
        if not items:
            return Response(status=204)
        return Response(render("inspector.html", exchanges=items), content_type="text/html")

    def on_preview(self, request: Request) -> Response:
        text = SAMPLE
        if request.method == "POST":
            text = request.form.get("json", "")
        result = preview(text)
        if result.kind:  # it parsed: show it indented
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        renderer = Renderer(ZoneInfo("UTC"))
        dialog = renderer.card(result.dialog, dialog=True) if result.dialog is not None else None
        message = renderer.message(result.message) if result.message is not None else None
        body = render("preview.html", text=text, result=result, dialog=dialog, message=message)
        return Response(body, content_type="text/html; charset=utf-8")

    # --- actions ----------------------------------------------------------------------------

    def _body(self, request: Request) -> tuple[Json, Actor]:
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise _BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise _BadRequest("the body must be a JSON object")
        return body, _actor(obj(body, "settings"), self.simulator.people())

    def on_commands(self, request: Request) -> Response:
        actor = _actor(request.args, self.simulator.people())
        found = self.simulator.commands(actor, refresh=request.args.get("refresh") == "1")
        items = [{"name": c.name, "usage": c.usage, "description": c.description} for c in found]
        return _json({"commands": items})

    def on_send(self, request: Request) -> Response:
        body, actor = self._body(request)
        space, text = str(body.get("space", "")), str(body.get("text", ""))
        outcome = self.simulator.send(actor, space, text, str(body.get("thread") or ""))
        return self._outcome(outcome, actor)

    def on_action(self, request: Request) -> Response:
        body, actor = self._body(request)
        outcome = self.simulator.click(
            actor,
            str(body.get("space", "")),
            str(body.get("message") or ""),
            body.get("action"),
            body.get("formInputs"),
            in_dialog=bool(body.get("inDialog")),
        )
        return self._outcome(outcome, actor)

    def on_cancel(self, request: Request) -> Response:
        body, actor = self._body(request)
        outcome = self.simulator.cancel_dialog(
            actor, str(body.get("space", "")), str(body.get("message") or ""), body.get("action")
        )
        return self._outcome(outcome, actor)

    def on_widget(self, request: Request) -> Response:
        body, actor = self._body(request)
        outcome = self.simulator.widget_update(
            actor,
            str(body.get("space", "")),
            str(body.get("message") or ""),
            body.get("action"),
            str(body.get("query", "")),
            body.get("formInputs"),
        )
        return self._outcome(outcome, actor)

    def on_dm(self, request: Request) -> Response:
        _, actor = self._body(request)
        outcome = self.simulator.open_dm(actor)
        return self._outcome(outcome, actor)

    def _outcome(self, outcome: Outcome, actor: Actor) -> Response:
        payload = outcome.json()
        if outcome.dialog is not None:
            view = Renderer(ZoneInfo(actor.zone)).card(outcome.dialog, dialog=True)
            payload["dialog"] = render("dialog.html", view=view)
        if outcome.space:
            payload["location"] = "/" + _query(actor, space=outcome.space)
        return _json(payload, 200)


class _Forbidden(HTTPException):
    code = 403


class _BadRequest(HTTPException):
    code = 400


def _host_name(host: str) -> str:
    """``127.0.0.1:8094`` -> ``127.0.0.1``; ``[::1]:8094`` -> ``[::1]``."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0]


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status, content_type="application/json")
