"""Logs: structured JSON for Cloud Logging, readable lines locally; secrets redacted.

On Cloud Functions (``K_SERVICE`` is set) each record becomes one JSON line on
stdout with ``severity``, ``message``, the request's trace
(``logging.googleapis.com/trace``) and correlation ID, and any
``extra={"fields": {...}}``. Anywhere else a record is one readable line
(time, level, logger, message, ``key=value`` fields); the rest of a multi-line
message (a ready-to-paste handler, a traceback) follows as it is, so it can be
copied. Redaction runs on every string that leaves the process, so a token
slipped into a message never reaches a log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

_SEVERITY = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRITICAL",
}

# Order matters: whole JWTs and bearer values first, then query secrets.
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[REDACTED_JWT]"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), r"\1[REDACTED]"),
    (re.compile(r"ya29\.[A-Za-z0-9_.\-]+"), "[REDACTED_TOKEN]"),
    (re.compile(r"1//[A-Za-z0-9_\-]{10,}"), "[REDACTED_TOKEN]"),
    (
        re.compile(
            r"(?i)([?&](?:key|token|access_token|refresh_token|code|client_secret|state)=)[^&\s\"']+"
        ),
        r"\1REDACTED",
    ),
    (
        re.compile(
            r"(?i)(\"?(?:refresh_token|access_token|client_secret|id_token|password)\"?\s*[:=]\s*\"?)"
            r"[^\"'\s,}]+"
        ),
        r"\1[REDACTED]",
    ),
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        "[REDACTED_PRIVATE_KEY]",
    ),
)


def redact(text: str) -> str:
    """Remove tokens, keys, webhook secrets and private keys from ``text``."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What every log line of one request carries."""

    correlation_id: str
    trace_id: str | None = None
    span_id: str | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "nudge_request", default=None
)


def parse_trace_header(header: str | None) -> tuple[str | None, str | None]:
    """Split ``X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1`` into its ids."""
    if not header:
        return None, None
    trace, _, rest = header.partition("/")
    span = rest.split(";", 1)[0] if rest else None
    trace = trace.strip()
    if not re.fullmatch(r"[0-9a-fA-F]{1,64}", trace):
        return None, None
    if span is not None and not span.isdigit():
        span = None
    return trace, span


@contextmanager
def request_context(context: RequestContext) -> Iterator[RequestContext]:
    """Attach ``context`` to every log line written inside the block."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current_context() -> RequestContext | None:
    return _current.get()


class JsonFormatter(logging.Formatter):
    """Format records as Cloud Logging structured JSON."""

    def __init__(self, project_id: str | None = None) -> None:
        super().__init__()
        self.project_id = project_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": _SEVERITY.get(record.levelno, record.levelname),
            "message": redact(record.getMessage()),
            "logger": record.name,
        }
        if record.exc_info:
            entry["message"] += "\n" + redact(self.formatException(record.exc_info))
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            for key, value in fields.items():
                entry.setdefault(str(key), _redact_value(value))
        context = _current.get()
        if context is not None:
            entry["correlation_id"] = context.correlation_id
            if context.trace_id:
                trace = context.trace_id
                if self.project_id:
                    trace = f"projects/{self.project_id}/traces/{trace}"
                entry["logging.googleapis.com/trace"] = trace
            if context.span_id:
                entry["logging.googleapis.com/spanId"] = context.span_id
        entry["logging.googleapis.com/sourceLocation"] = {
            "file": record.pathname,
            "line": record.lineno,
            "function": record.funcName,
        }
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Format records as readable lines for a terminal (local runs)."""

    def format(self, record: logging.LogRecord) -> str:
        message = redact(record.getMessage())
        if record.exc_info:
            message += "\n" + redact(self.formatException(record.exc_info))
        headline, _, rest = message.partition("\n")
        fields: dict[str, Any] = {}
        extra = getattr(record, "fields", None)
        if isinstance(extra, Mapping):
            fields.update({str(k): _redact_value(v) for k, v in extra.items()})
        context = _current.get()
        if context is not None:
            fields.setdefault("correlation_id", context.correlation_id)
        moment = self.formatTime(record, "%H:%M:%S") + f".{int(record.msecs):03d}"
        pairs = "".join(f" {key}={_text_value(value)}" for key, value in fields.items())
        line = f"{moment} {record.levelname:<7} {record.name}: {headline.rstrip()}"
        if pairs:
            line += " " + pairs
        # The rest as it is (no prefix, no escapes): code in it can be pasted.
        return line + ("\n" + rest.rstrip("\n") + "\n" if rest.strip() else "")


def _text_value(value: Any) -> str:
    """A field value for ``key=value``: bare when it is one plain word, else JSON."""
    if isinstance(value, str) and value and re.fullmatch(r"[^\s\"'=]+", value):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def structured_logs(env: Mapping[str, str] | None = None) -> bool:
    """True on Cloud Functions (``K_SERVICE`` set), where Cloud Logging reads JSON."""
    return bool((os.environ if env is None else env).get("K_SERVICE", "").strip())


def formatter(
    project_id: str | None = None, *, structured: bool | None = None
) -> logging.Formatter:
    """JSON for Cloud Logging when ``structured`` (default: on Cloud Functions), else text."""
    if structured if structured is not None else structured_logs():
        return JsonFormatter(project_id)
    return TextFormatter()


class _NudgeHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler ``configure`` installed, so a second call changes nothing."""


def configure(
    level: str = "INFO", project_id: str | None = None, *, structured: bool | None = None
) -> None:
    """Send Nudge's logs to stdout (JSON on Cloud Functions, text lines elsewhere); idempotent."""
    loggers = [logging.getLogger(name) for name in ("shared", "functions", "devkit", "main")]
    if any(isinstance(h, _NudgeHandler) for h in loggers[0].handlers):
        return
    handler = _NudgeHandler(sys.stdout)
    handler.setFormatter(formatter(project_id, structured=structured))
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = True
