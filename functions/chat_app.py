"""The Chat interaction door: Flask request in, ``shared.core.app.ChatApp`` out."""

from __future__ import annotations

import flask
import functions_framework

from functions.body import read_body, read_timeout_seconds
from shared.core.app import ChatApp
from shared.http import HttpRequest, HttpResponse
from shared.wiring import runtime


def chat_application() -> ChatApp:
    """The process-wide app, built by the runtime on the first request (after env is final)."""
    return runtime().app


def to_http_request(
    request: flask.Request, max_bytes: int, read_timeout: float | None = None
) -> HttpRequest | HttpResponse:
    """Adapt a Flask request, or refuse its body: too large (413), too slow (408), cut short (400).

    ``read_timeout`` defaults to ``NUDGE_BODY_READ_TIMEOUT_SECONDS``; see ``functions.body``.
    """
    timeout = read_timeout_seconds() if read_timeout is None else read_timeout
    body = read_body(request, max_bytes, timeout)
    if isinstance(body, HttpResponse):
        return body
    return HttpRequest(
        method=request.method,
        path=request.path,
        body=body,
        headers=dict(request.headers.items()),
        query=request.args.to_dict(flat=True),
    )


def to_flask_response(response: HttpResponse) -> flask.Response:
    return flask.Response(response.body, status=response.status, headers=dict(response.headers))


@functions_framework.http
def chat_app(request: flask.Request) -> flask.Response:
    """HTTP entry point that Google Chat calls for every interaction event."""
    app = chat_application()
    adapted = to_http_request(request, app.settings.max_body_bytes)
    if isinstance(adapted, HttpResponse):
        return to_flask_response(adapted)
    return to_flask_response(app.dispatch(adapted))
