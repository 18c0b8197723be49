"""JSON and error responses in Google's format."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from devkit.emulator.errors import ApiError, invalid

JSON_TYPE = "application/json; charset=UTF-8"


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None, *, pretty: bool = True
) -> Response:
    """JSON, pretty-printed like Google's default ``prettyPrint=true`` unless ``pretty`` is off."""
    if pretty:
        body = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    else:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, content_type=JSON_TYPE, headers=headers or {})


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.code, error.headers)


def read_json(request: Request) -> Any:
    """The request body as JSON (``{}`` if empty); 400 like Google's parser otherwise."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid("Invalid JSON payload received. Unexpected token.") from None
