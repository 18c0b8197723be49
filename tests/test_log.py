"""Structured logs: Cloud Logging fields, trace linking, and redaction of secrets."""

from __future__ import annotations

import json
import logging

import pytest

from shared.log import JsonFormatter, RequestContext, parse_trace_header, redact, request_context


def render(message: str, *args: object, **fields: object) -> dict[str, object]:
    record = logging.LogRecord("shared.test", logging.WARNING, __file__, 1, message, args, None)
    record.fields = fields
    line: dict[str, object] = json.loads(JsonFormatter("nudge-prod").format(record))
    return line


def test_a_line_has_severity_message_fields_and_source() -> None:
    line = render("hello %s", "world", space="spaces/A")
    assert line["severity"] == "WARNING"
    assert line["message"] == "hello world"
    assert line["space"] == "spaces/A"
    assert "logging.googleapis.com/sourceLocation" in line


def test_a_request_context_links_the_line_to_its_trace() -> None:
    trace, span = parse_trace_header("105445aa7843bc8bf206b12000100000/1;o=1")
    with request_context(RequestContext("corr-1", trace, span)):
        line = render("inside")
    assert line["logging.googleapis.com/trace"] == (
        "projects/nudge-prod/traces/105445aa7843bc8bf206b12000100000"
    )
    assert line["logging.googleapis.com/spanId"] == "1"
    assert line["correlation_id"] == "corr-1"
    assert "correlation_id" not in render("outside")


@pytest.mark.parametrize("header", ["", "not-hex/1", "abc/notanumber;o=1", "../../etc"])
def test_odd_trace_headers_are_tolerated(header: str) -> None:
    trace, span = parse_trace_header(header)
    assert trace is None or trace == "abc"
    assert span is None


SECRETS = [
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJjaGF0In0.c2lnbmF0dXJlLWJ5dGVz",
    "ya29.a0AfH6SMBx-secret-access-token",
    "1//0gLONG-refresh-token-value_abcdef",
    "KEYSECRETVALUE",
    "TOKENSECRETVALUE",
]


def test_secrets_in_messages_and_fields_are_redacted() -> None:
    webhook = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=KEYSECRETVALUE&token=TOKENSECRETVALUE"
    line = render(
        "calling %s with Bearer %s and %s",
        webhook,
        SECRETS[0],
        SECRETS[1],
        refresh={"refresh_token": SECRETS[2]},
        note=f"refresh_token={SECRETS[2]}",
    )
    text = json.dumps(line)
    for secret in SECRETS:
        assert secret not in text
    assert "spaces/AAA/messages" in text


def test_private_keys_and_client_secrets_are_redacted() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    assert "MIIEvQ" not in redact(f"key: {pem}")
    assert "s3cr3t" not in redact('{"client_secret": "s3cr3t"}')


def test_exceptions_are_redacted_too() -> None:
    try:
        raise RuntimeError(f"upstream said Bearer {SECRETS[1]}")
    except RuntimeError:
        record = logging.LogRecord(
            "shared.test",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            exc_info=__import__("sys").exc_info(),
        )
    line = json.loads(JsonFormatter().format(record))
    assert "RuntimeError" in line["message"]
    assert SECRETS[1] not in line["message"]
