"""The Chat interaction door: Flask request in, ``shared.core.app.ChatApp`` out."""

from __future__ import annotations

import flask
import functions_framework

from functions.body import read_body
from shared.core.app import ChatApp
from shared.http import HttpRequest, HttpResponse
from shared.wiring import runtime


def chat_application() -> ChatApp:
    """The process-wide app, built by the runtime on the first request (after env is final)."""
    return runtime().app


def to_http_request(
    request: flask.Request, max_bytes: int, read_timeout: float
) -> HttpRequest | HttpResponse:
    """Adapt a Flask request, or refuse its body: too large (413), too slow (408), cut short or
    malformed (400). See ``functions.body``."""
    body = read_body(request, max_bytes, read_timeout)
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
    adapted = to_http_request(
        request, app.settings.max_body_bytes, app.settings.body_read_timeout_seconds
    )
    if isinstance(adapted, HttpResponse):
        return to_flask_response(adapted)
    return to_flask_response(app.dispatch(adapted))
