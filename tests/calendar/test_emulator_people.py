"""The emulator's People API (``/v1/people…``): fields, batches, scopes, errors, over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from devkit.emulator.calendar import CalendarEmulator
from tests.calendar.conftest import ALEX, ALEX_USER, DEV

ALEX_PERSON = ALEX_USER.replace("users/", "people/")


def get(
    emu: CalendarEmulator, path: str, params: list[tuple[str, str]], token: str | None
) -> tuple[int, Any]:
    url = emu.url + path + "?" + urllib.parse.urlencode(params)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def token(emu: CalendarEmulator) -> str:
    emu.register_token("people-token", DEV, ["directory.readonly"])
    return "people-token"


def test_get_with_names_and_emails(emu: CalendarEmulator, token: str) -> None:
    status, person = get(
        emu, f"v1/{ALEX_PERSON}", [("personFields", "names,emailAddresses")], token
    )
    assert status == 200
    assert person["resourceName"] == ALEX_PERSON
    assert person["etag"]
    (email,) = person["emailAddresses"]
    assert email["value"] == ALEX
    assert email["metadata"]["primary"] is True
    assert person["names"][0]["displayName"] == "Alex Example"
    status, only = get(emu, f"v1/{ALEX_PERSON}", [("personFields", "emailAddresses")], token)
    assert "names" not in only
    assert only["emailAddresses"] == person["emailAddresses"]


def test_mask_spellings(emu: CalendarEmulator, token: str) -> None:
    for params in (
        [("personFields", "email_addresses")],
        [("requestMask.includeField", "person.emailAddresses")],
    ):
        status, person = get(emu, "v1/people/me", params, token)
        assert status == 200
        assert person["emailAddresses"][0]["value"] == DEV


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ([], "personFields mask is required"),
        ([("personFields", "emails")], 'Invalid personFields mask path: "emails"'),
        ([("personFields", "emailAddresses"), ("colour", "red")], 'Unknown name "colour"'),
    ],
)
def test_bad_requests(
    emu: CalendarEmulator, token: str, params: list[tuple[str, str]], text: str
) -> None:
    status, body = get(emu, f"v1/{ALEX_PERSON}", params, token)
    assert status == 400
    assert body["error"]["status"] == "INVALID_ARGUMENT"
    assert text in body["error"]["message"]
    assert "errors" not in body["error"]  # the newer shape, not Calendar's


def test_unknown_person_is_404(emu: CalendarEmulator, token: str) -> None:
    status, body = get(emu, "v1/people/123", [("personFields", "names")], token)
    assert status == 404
    assert body["error"]["status"] == "NOT_FOUND"


def test_scopes(emu: CalendarEmulator) -> None:
    emu.register_token("cal-only", DEV, ["calendar"])
    status, body = get(emu, "v1/people/me", [("personFields", "emailAddresses")], "cal-only")
    assert status == 403
    assert body["error"]["status"] == "PERMISSION_DENIED"
    status, _ = get(emu, "v1/people/me", [("personFields", "emailAddresses")], None)
    assert status == 401
    emu.register_token("profile", DEV, ["userinfo.profile"])
    status, me = get(emu, "v1/people/me", [("personFields", "emailAddresses,names")], "profile")
    assert status == 200
    assert "emailAddresses" not in me
    assert me["names"]


def test_batch_get(emu: CalendarEmulator, token: str) -> None:
    params = [("personFields", "emailAddresses")]
    params += [("resourceNames", n) for n in (ALEX_PERSON, "people/404", "contactGroups/x")]
    status, body = get(emu, "v1/people:batchGet", params, token)
    assert status == 200
    found, missing, bad = body["responses"]
    assert found["requestedResourceName"] == ALEX_PERSON
    assert found["person"]["emailAddresses"][0]["value"] == ALEX
    assert (found["httpStatusCode"], found["status"]) == (200, {})
    assert missing["httpStatusCode"] == 404
    assert missing["status"]["code"] == 5
    assert "person" not in missing
    assert bad["httpStatusCode"] == 400
    assert bad["status"]["code"] == 3


def test_batch_limits(emu: CalendarEmulator, token: str) -> None:
    status, body = get(emu, "v1/people:batchGet", [("personFields", "names")], token)
    assert status == 400
    many = [("resourceNames", f"people/{i}") for i in range(201)]
    status, body = get(emu, "v1/people:batchGet", [("personFields", "names"), *many], token)
    assert status == 400
    assert "200" in body["error"]["message"]


def test_unknown_paths_are_404(emu: CalendarEmulator, token: str) -> None:
    assert get(emu, "v1/nothing/here", [], token)[0] == 404
    assert get(emu, "v3/people/me", [], token)[0] == 404
