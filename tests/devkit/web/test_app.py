"""The page server and the simulator against a real emulator and a scripted chat_app."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.test import Client

from devkit.emulator import ChatEmulator
from devkit.web.simulator import Simulator
from tests.devkit.web.conftest import ALEX, DEV, ScriptedApp, actor
from tests.devkit.web.html_tools import elements, find

BASE = "http://127.0.0.1:8094"
CARD = {"cardId": "c", "card": {"sections": [{"widgets": [{"textParagraph": {"text": "v1"}}]}]}}


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    body = {"settings": {"user": DEV.name, "tz": "Europe/Berlin"}, "space": "spaces/AAAA", **body}
    return client.post(
        path, base_url=BASE, data=json.dumps(body), content_type="application/json", headers=headers
    )


def texts(emulator: ChatEmulator, space: str = "spaces/AAAA") -> list[str]:
    return [m.get("text", "") for m in emulator.messages(space)]


# --- security ------------------------------------------------------------------------------


def test_the_page_sets_a_strict_csp_and_has_no_inline_script(client: Client) -> None:
    response = client.get("/", base_url=BASE)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    page = response.get_data(as_text=True)
    scripts = find(page, tag="script")
    assert [s.attrs.get("src") for s in scripts] == ["/static/simulator.js"]
    assert all(s.text.strip() == "" for s in scripts)
    assert not [a for e in elements(page) for a in e.attrs if a.startswith("on") or a == "style"]


def test_only_loopback_host_names_are_served(client: Client) -> None:
    assert client.get("/", base_url="http://evil.example:8094").status_code == 403
    assert client.get("/healthz", base_url="http://localhost:8094").status_code == 200
    assert client.get("/healthz", base_url="http://[::1]:8094").status_code == 200


def test_actions_are_json_posts_from_the_page_itself(client: Client) -> None:
    form = client.post("/api/send", base_url=BASE, data={"text": "/help"})
    assert form.status_code == 403
    other = post(client, "/api/send", {"text": "hi"}, Origin="http://evil.example")
    assert other.status_code == 403
    assert client.get("/api/send", base_url=BASE).status_code == 405


def test_static_files_and_nothing_else(client: Client) -> None:
    script = client.get("/static/simulator.js", base_url=BASE)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert client.get("/static/../app.py", base_url=BASE).status_code == 404
    assert client.get("/static/app.py", base_url=BASE).status_code == 404


def test_a_hostile_space_name_is_text(client: Client, chat_emulator: ChatEmulator) -> None:
    chat_emulator.add_space(
        "spaces/EVIL", display_name="<script>alert(1)</script>", members=[DEV.name]
    )
    page = client.get("/?space=spaces/EVIL", base_url=BASE).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert find(page, tag="h1")[0].text == "<script>alert(1)</script>"


def test_without_the_emulator_the_page_says_to_start_make_run(simulator: Simulator) -> None:
    simulator.emulator.url = "http://127.0.0.1:9/"
    from devkit.web.app import WebApp

    response = Client(WebApp(simulator)).get("/", base_url=BASE)
    assert response.status_code == 502
    assert "make run" in response.get_data(as_text=True)


# --- acting as Chat ------------------------------------------------------------------------


def test_a_space_message_without_a_mention_reaches_nobody_but_the_space(
    client: Client, scripted_app: ScriptedApp, chat_emulator: ChatEmulator
) -> None:
    result = post(client, "/api/send", {"text": "hello team"}).json
    assert result["ok"] is True
    assert "only hears" in result["toast"]
    assert scripted_app.events == []
    assert texts(chat_emulator) == ["hello team"]


def test_a_reply_is_stored_in_the_thread_as_the_app(
    client: Client, scripted_app: ScriptedApp, chat_emulator: ChatEmulator
) -> None:
    scripted_app.answer = lambda event: {"text": "hi <users/all>", "cardsV2": [CARD]}
    result = post(client, "/api/send", {"text": "@nudge hello"}).json
    assert result["ok"] is True
    (event,) = scripted_app.events
    assert event["type"] == "MESSAGE"
    assert event["message"]["argumentText"] == " hello"
    assert scripted_app.tokens[0].startswith("Bearer ey")
    mine, reply = chat_emulator.messages()
    assert mine["text"] == "@Nudge hello"
    assert mine["sender"] == {"name": DEV.name, "type": "HUMAN", "displayName": DEV.display_name}
    assert reply["sender"]["type"] == "BOT"
    assert reply["thread"]["name"] == mine["thread"]["name"]
    assert event["message"]["name"] == mine["name"]


def test_update_message_patches_the_clicked_message_in_place(
    client: Client, scripted_app: ScriptedApp, chat_emulator: ChatEmulator
) -> None:
    scripted_app.answer = lambda event: {"cardsV2": [CARD]}
    post(client, "/api/send", {"text": "/help"})
    name = chat_emulator.messages()[1]["name"]
    updated = {**CARD, "card": {"sections": [{"widgets": [{"divider": {}}]}]}}
    scripted_app.answer = lambda event: {
        "actionResponse": {"type": "UPDATE_MESSAGE"},
        "cardsV2": [updated],
    }
    action = {"function": "go", "parameters": [{"key": "id", "value": "1"}]}
    fields = {"what": {"kind": "text", "values": ["x"]}}
    result = post(
        client, "/api/action", {"message": name, "action": action, "formInputs": fields}
    ).json
    assert result["ok"] is True
    click = scripted_app.events[-1]
    assert click["type"] == "CARD_CLICKED"
    assert click["common"]["timeZone"]["id"] == "Europe/Berlin"
    assert click["common"]["formInputs"] == {"what": {"stringInputs": {"value": ["x"]}}}
    assert click["message"]["name"] == name
    after = chat_emulator.messages()
    assert len(after) == 2
    assert after[1]["name"] == name
    assert after[1]["cardsV2"] == [updated]
    assert after[1]["lastUpdateTime"]


def test_dialogs_open_update_and_close(
    client: Client, scripted_app: ScriptedApp, chat_emulator: ChatEmulator
) -> None:
    dialog = {"sections": [{"widgets": [{"textInput": {"name": "what", "label": "What"}}]}]}
    scripted_app.answer = lambda event: {
        "actionResponse": {"type": "DIALOG", "dialogAction": {"dialog": {"body": dialog}}}
    }
    action = {"function": "open", "interaction": "OPEN_DIALOG"}
    result = post(client, "/api/action", {"action": action}).json
    assert scripted_app.events[-1]["dialogEventType"] == "REQUEST_DIALOG"
    assert 'data-name="what"' in result["dialog"]
    scripted_app.answer = lambda event: {
        "actionResponse": {
            "type": "DIALOG",
            "dialogAction": {"actionStatus": {"statusCode": "OK", "userFacingMessage": "Saved"}},
        }
    }
    result = post(client, "/api/action", {"action": {"function": "save"}, "inDialog": True}).json
    assert scripted_app.events[-1]["dialogEventType"] == "SUBMIT_DIALOG"
    assert (result["closeDialog"], result["toast"]) == (True, "Saved")
    result = post(client, "/api/dialog/cancel", {"action": {"function": "save"}}).json
    assert scripted_app.events[-1]["dialogEventType"] == "CANCEL_DIALOG"
    assert result["closeDialog"] is True


def test_autocomplete_sends_widget_updated_and_returns_suggestions(
    client: Client, scripted_app: ScriptedApp
) -> None:
    items = [{"text": "Ada", "value": "users/1"}]
    scripted_app.answer = lambda event: {
        "actionResponse": {
            "type": "UPDATE_WIDGET",
            "updatedWidget": {"suggestions": {"items": items}},
        }
    }
    body = {"action": {"function": "suggest"}, "query": "ad"}
    result = post(client, "/api/widget", body).json
    event = scripted_app.events[-1]
    assert event["type"] == "WIDGET_UPDATED"
    assert event["common"]["parameters"] == {"autocomplete_widget_query": "ad"}
    assert result["suggestions"] == items


def test_what_chat_would_refuse_is_reported_not_shown(
    client: Client, scripted_app: ScriptedApp, chat_emulator: ChatEmulator
) -> None:
    scripted_app.answer = lambda event: {
        "text": "x",
        "cardsV2": [{"cardId": "a", "card": {"bogus": 1}}],
    }
    result = post(client, "/api/send", {"text": "/help"}).json
    assert result["error"].startswith("Chat would refuse the app's answer: 400")
    assert 'Unknown name "bogus"' in result["error"]
    scripted_app.answer = lambda event: {
        "actionResponse": {"type": "REQUEST_CONFIG", "url": "javascript:x"}
    }
    assert "not http(s)" in post(client, "/api/send", {"text": "/help"}).json["error"]
    scripted_app.answer = lambda event: {
        "actionResponse": {"type": "REQUEST_CONFIG", "url": "https://a.example/x"}
    }
    assert post(client, "/api/send", {"text": "/help"}).json["configUrl"] == "https://a.example/x"
    scripted_app.answer = lambda event: {"hostAppDataAction": {"somethingElse": {}}}
    assert "does not understand" in post(client, "/api/send", {"text": "/help"}).json["error"]
    scripted_app.status = 500
    assert "chat_app answered 500" in post(client, "/api/send", {"text": "/help"}).json["error"]


def test_private_replies_show_only_to_their_viewer(
    client: Client, scripted_app: ScriptedApp
) -> None:
    scripted_app.answer = lambda event: {
        "text": "just for Dev",
        "privateMessageViewer": {"name": event["user"]["name"]},
    }
    post(client, "/api/send", {"text": "/help"})
    seen_by_dev = client.get(f"/fragment/timeline?space=spaces/AAAA&user={DEV.name}", base_url=BASE)
    seen_by_alex = client.get(
        f"/fragment/timeline?space=spaces/AAAA&user={ALEX.name}", base_url=BASE
    )
    assert "just for Dev" in seen_by_dev.get_data(as_text=True)
    assert "just for Dev" not in seen_by_alex.get_data(as_text=True)
    version = seen_by_dev.headers["X-Version"]
    again = client.get(
        f"/fragment/timeline?space=spaces/AAAA&user={DEV.name}&v={version}", base_url=BASE
    )
    assert again.status_code == 204


def test_a_first_dm_with_nudge_is_made_and_announced(
    client: Client, scripted_app: ScriptedApp, chat_emulator: ChatEmulator
) -> None:
    scripted_app.answer = lambda event: {"text": "Welcome!"}
    body = {"settings": {"user": ALEX.name, "format": "addon"}}
    result = post(client, "/api/dm", body).json
    space = "spaces/DM-100000000000000000002"
    assert result["space"] == space
    assert result["location"].startswith("/?user=users%2F100000000000000000002")
    event = scripted_app.events[-1]
    assert event["chat"]["addedToSpacePayload"]["space"]["name"] == space
    assert texts(chat_emulator, space) == ["Welcome!"]
    assert post(client, "/api/dm", body).json["space"] == space  # only once


def test_the_command_list_comes_from_the_apps_help_card(
    simulator: Simulator, scripted_app: ScriptedApp
) -> None:
    row = {
        "decoratedText": {
            "text": "<b>/remind</b> [me|here|@person] what when",
            "bottomLabel": "Set a reminder",
        }
    }
    scripted_app.answer = lambda event: {
        "cardsV2": [{"cardId": "help", "card": {"sections": [{"widgets": [row]}]}}]
    }
    found = simulator.commands(actor())
    assert [(c.name, c.id, c.usage, c.description) for c in found] == [
        ("/help", 1, "", ""),
        ("/remind", 5, "[me|here|@person] what when", "Set a reminder"),
    ]
    (probe,) = scripted_app.events
    assert probe["type"] == "APP_COMMAND"
    assert probe["appCommandMetadata"]["appCommandId"] == 1
    assert simulator.commands(actor()) == found  # asked once
    assert len(scripted_app.events) == 1


def test_every_exchange_is_in_the_inspector(client: Client, scripted_app: ScriptedApp) -> None:
    scripted_app.answer = lambda event: {"text": "<b>hi</b>"}
    post(client, "/api/send", {"text": "/help"})
    html = client.get("/fragment/inspector?after=0", base_url=BASE).get_data(as_text=True)
    (exchange,) = find(html, cls="exchange")
    assert "APP_COMMAND /help" in exchange.text
    assert "Authorization: Bearer ey" in exchange.text
    assert '"text": "<b>hi</b>"' in exchange.text  # the raw answer, as text
    assert "<b>hi</b>" not in html
    assert client.get("/fragment/inspector?after=99", base_url=BASE).status_code == 204
