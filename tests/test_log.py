"""Logs: Cloud Logging fields and trace linking, readable local lines, redaction of secrets."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.log import (
    JsonFormatter,
    RequestContext,
    TextFormatter,
    formatter,
    parse_trace_header,
    redact,
    request_context,
    structured_logs,
)

ROOT = Path(__file__).resolve().parents[1]


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


# --- the two modes: JSON on Cloud Functions, readable lines locally ---------------------------

HINT = (
    "No handler for this command event. Add one:\n\n"
    "from shared.chat.events.models import CommandEvent\n\n"
    "@router.command('/frob')\n"
    "def on_frob(event: CommandEvent, ctx: Context) -> Response:\n"
    '    return Reply("TODO: handle command")\n'
)


def text_line(message: str, *args: object, **fields: object) -> str:
    record = logging.LogRecord("shared.core.app", logging.INFO, __file__, 1, message, args, None)
    record.fields = fields
    return TextFormatter().format(record)


def test_a_local_line_reads_time_level_logger_message_and_fields() -> None:
    with request_context(RequestContext("corr-1")):
        line = text_line("Answered %s event", "command", space="spaces/A", handler_ms=1.5)
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d\.\d{3} INFO    shared\.core\.app: Answered command event  "
        r"space=spaces/A handler_ms=1\.5 correlation_id=corr-1",
        line,
    ), line
    assert "\n" not in line
    assert '"severity"' not in line
    spaced = text_line("x", note="two words", ok=True, scopes=["a", "b"])
    assert 'note="two words" ok=true scopes=["a", "b"]' in spaced


def test_a_local_hint_is_a_block_of_code_that_pastes() -> None:
    out = text_line("%s", HINT, event="command", unhandled=True)
    headline, blank, *code = out.split("\n")
    assert headline.endswith("Add one:  event=command unhandled=true")
    assert blank == ""
    assert "\\n" not in out
    assert "def on_frob(event: CommandEvent, ctx: Context) -> Response:" in code
    assert '    return Reply("TODO: handle command")' in code
    pasted = "\n".join(code)
    compile(pasted.replace("@router.command('/frob')\n", ""), "<hint>", "exec")


def test_local_lines_are_redacted_too() -> None:
    line = text_line("calling with Bearer %s", SECRETS[1], refresh=SECRETS[2])
    for secret in SECRETS[1:3]:
        assert secret not in line


@pytest.mark.parametrize(("k_service", "structured"), [("", False), ("chat-app", True)])
def test_configure_picks_json_only_on_cloud_functions(k_service: str, structured: bool) -> None:
    script = (
        "import logging\n"
        "from shared.log import configure\n"
        "configure()\n"
        "logging.getLogger('shared.demo').info("
        "'No handler. Add one:\\n\\ndef on_x():\\n    pass\\n', extra={'fields': {'k': 1}})\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "K_SERVICE"}
    if k_service:
        env["K_SERVICE"] = k_service
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        cwd=ROOT,
    )
    if structured:
        entry = json.loads(done.stdout)
        assert entry["severity"] == "INFO"
        assert entry["k"] == 1
        assert "logging.googleapis.com/sourceLocation" in entry
    else:
        assert done.stdout.splitlines()[0].endswith("shared.demo: No handler. Add one:  k=1")
        assert "def on_x():\n    pass\n" in done.stdout
        assert "{" not in done.stdout
    assert structured_logs({"K_SERVICE": k_service}) is structured
    assert isinstance(formatter(structured=structured), JsonFormatter) is structured
