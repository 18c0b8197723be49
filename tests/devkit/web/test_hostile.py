"""Nothing the app or a person writes can script the page: text stays text, links stay http(s)."""

from __future__ import annotations

import pytest

from devkit.web.render import card_html, message_html
from devkit.web.textfmt import card_html as card_text
from devkit.web.textfmt import chat_text, safe_url
from tests.devkit.web.html_tools import elements, find

HOSTILE_CARD_TEXT = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="//evil.example/x">x</a>',
    '<b onclick="alert(1)" style="x">bold</b>',
    '<font color="red;background:url(https://evil.example)">x</font>',
    "<iframe src=https://evil.example></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<users/all> &lt;script&gt;",
    '"><script>alert(1)</script>',
    "<!-- <script>alert(1)</script> -->",
]


ESCAPE = "</textarea><script>alert(1)</script>"


def assert_inert(html: str) -> None:
    for element in elements(html):
        assert element.tag not in ("script", "img", "iframe", "svg", "style", "object")
        assert not [name for name in element.attrs if name.startswith("on") or name == "style"]
        if element.tag == "a":
            assert element.attrs["href"].startswith(("http://", "https://"))


@pytest.mark.parametrize("text", HOSTILE_CARD_TEXT)
def test_card_text_is_rebuilt_from_an_allow_list(text: str) -> None:
    html = str(card_text(text))
    assert_inert(html)


def test_unknown_tags_show_as_the_text_they_were() -> None:
    html = str(card_text("<script>alert(1)</script> <users/all>"))
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; &lt;users/all&gt;"
    assert str(card_text('<b onclick="x">b</b>')) == "<b>b</b>"
    blocked = str(card_text('<a href="javascript:alert(1)">go</a>'))
    assert blocked == '<span class="link-blocked" title="link removed: not http(s)">go</span>'
    assert str(card_text('<font color="red;x">c</font>')) == '<span class="font-color">c</span>'


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.com/a?b=1", True),
        ("http://127.0.0.1:8080/", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,x", False),
        ("//example.com", False),
        ("https://exa mple.com", False),
        ("https:\n//example.com", False),
        ("vbscript:x", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_and_https_urls_are_links(url: object, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


def test_what_a_person_typed_shows_as_typed() -> None:
    typed = "<script>alert(1)</script> <users/all> <https://evil.example|click> *bold*"
    html = str(chat_text(typed, from_app=False))
    assert_inert(html)
    assert "&lt;users/all&gt;" in html
    assert "&lt;https://evil.example|click&gt;" in html
    assert "<b>bold</b>" in html


def test_an_apps_text_gets_chats_syntax_but_nothing_executable() -> None:
    html = str(
        chat_text(
            "<users/all> <users/123> <javascript:alert(1)|x> <https://ok.example|ok> "
            '<https://x.example/"onmouseover="alert(1)|y> `<b>` ```<i>```',
            {"users/123": "<b>Ada</b>"},
        )
    )
    assert_inert(html)
    assert '<span class="mention mention-all">@all</span>' in html
    assert "@&lt;b&gt;Ada&lt;/b&gt;" in html  # a display name is text too
    assert "&lt;javascript:alert(1)|x&gt;" in html
    assert '<a href="https://ok.example"' in html
    assert "<code>&lt;b&gt;</code>" in html
    assert "<pre>&lt;i&gt;</pre>" in html


def test_hostile_cards_and_messages_render_inert() -> None:
    button = {"text": "Go", "onClick": {"openLink": {"url": "javascript:alert(1)"}}}
    card = {
        "header": {"title": "<script>x</script>", "imageUrl": "javascript:alert(1)"},
        "sections": [
            {
                "header": "<img src=x onerror=alert(1)>",
                "widgets": [
                    {"image": {"imageUrl": "http://insecure.example/x.png"}},
                    {"image": {"imageUrl": "javascript:alert(1)"}},
                    {"buttonList": {"buttons": [button]}},
                    {"decoratedText": {"text": "x", "startIcon": {"iconUrl": "javascript:x"}}},
                    {
                        "textInput": {
                            "name": '"><script>',
                            "label": "<b>L</b>",
                            "value": "</textarea><script>",
                        }
                    },
                    {
                        "grid": {
                            "items": [{"image": {"imageUri": "javascript:x"}, "title": "<i>t</i>"}]
                        }
                    },
                ],
            }
        ],
    }
    html = str(card_html(card))
    assert_inert(html)
    assert not find(html, tag="img")
    (go,) = [b for b in find(html, tag="button") if "Go" in b.text]
    assert "disabled" in go.attrs
    assert "javascript:alert(1)" in go.attrs["title"]
    message = {
        "name": "spaces/A/messages/M",
        "sender": {"name": "users/1", "displayName": "<script>Eve</script>", "type": "HUMAN"},
        "text": "</article><script>alert(1)</script><users/all>",
    }
    html = str(message_html(message))
    assert_inert(html)
    assert find(html, cls="sender")[0].text == "<script>Eve</script>"
