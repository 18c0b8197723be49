"""The Chat interaction door: Flask request in, ``shared.app.ChatApp`` out."""

from __future__ import annotations

from functools import cache

import flask
import functions_framework

from shared.app import ChatApp
from shared.config import settings
from shared.http import HttpRequest, HttpResponse
from shared.log import configure


@cache
def chat_application() -> ChatApp:
    """The process-wide app, built on the first request (after env is final)."""
    from shared.features import build_app

    current = settings()
    configure(current.log_level, current.project_id)
    return build_app(current)


def to_http_request(request: flask.Request, max_bytes: int) -> HttpRequest | HttpResponse:
    """Adapt a Flask request, refusing bodies over ``max_bytes`` without reading them."""
    length = request.content_length
    if length is not None and length > max_bytes:
        return HttpResponse.error(400, "body_too_large", "The request body is larger than 1 MB.")
    body = request.stream.read(max_bytes + 1)
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
