"""Text helpers: formatting, links, mentions, and escaping user input."""

from __future__ import annotations

import re

import pytest

from shared.chat.events.models import User
from shared.chat.text import (
    bold,
    code,
    code_block,
    escape,
    escape_html,
    italic,
    link,
    mention,
    mention_all,
    strike,
)

#: What Chat parses: a mention or link, or a run of markup around text.
CHAT_SYNTAX = re.compile(r"<[^>]*>|\*[^*]+\*|_[^_]+_|~[^~]+~|`[^`]+`")


def test_formatting_helpers() -> None:
    assert bold("a") == "*a*"
    assert italic("a") == "_a_"
    assert strike("a") == "~a~"
    assert code("a") == "`a`"
    assert code_block("a\nb") == "```\na\nb\n```"


def test_code_cannot_be_closed_early() -> None:
    assert code("a`b").count("`") == 2
    assert code_block("x ``` y").count("```") == 2


def test_link() -> None:
    assert link("https://e.com/r/1", "Open") == "<https://e.com/r/1|Open>"
    assert link("https://e.com") == "<https://e.com>"


def test_link_label_cannot_break_out() -> None:
    out = link("https://e.com", "a|b> <users/all>")
    assert out.startswith("<https://e.com|")
    assert out.count("<") == 1
    assert out.count(">") == 1
    assert out.count("|") == 1


@pytest.mark.parametrize("url", ["", "https://e.com/a b", "https://e|x", "https://e>x", "a<b"])
def test_link_refuses_urls_that_break_the_syntax(url: str) -> None:
    with pytest.raises(ValueError, match="linkable"):
        link(url, "x")


def test_mention_forms() -> None:
    assert mention(User("users/112233")) == "<users/112233>"
    assert mention("users/112233") == "<users/112233>"
    assert mention("112233") == "<users/112233>"
    assert mention_all() == "<users/all>"


@pytest.mark.parametrize("bad", ["users/all", "all", "", "users/1>2", "users/a b", "users/x|y"])
def test_mention_refuses_anything_but_an_id(bad: str) -> None:
    with pytest.raises(ValueError, match="mentioned"):
        mention(bad)


@pytest.mark.parametrize(
    "user_text",
    [
        "<users/all>",
        "hey <users/112233> look",
        "<https://evil.example|click here>",
        "*bold*",
        "_italic_",
        "~strike~",
        "`code`",
        "```block```",
        "<<users/all>>",
    ],
)
def test_escaped_user_text_is_inert(user_text: str) -> None:
    escaped = escape(user_text)
    assert not CHAT_SYNTAX.search(escaped)
    assert not set(escaped) & set("<>*_~`")


def test_escape_keeps_ordinary_text_and_length() -> None:
    assert escape("Water the plants at 5pm!") == "Water the plants at 5pm!"
    text = "a<b>c*d_e~f`g"
    assert len(escape(text)) == len(text)


def test_escape_uses_lookalikes_that_survive_nfkc() -> None:
    import unicodedata

    escaped = escape("<>*_~`")
    assert unicodedata.normalize("NFKC", escaped) == escaped


def test_escape_without_formatting_only_stops_mentions_and_links() -> None:
    out = escape("*hi* <users/all>", formatting=False)
    assert out.startswith("*hi* ")
    assert "<" not in out
    assert ">" not in out


def test_escape_composes_with_formatting() -> None:
    assert bold(escape("*x*")).count("*") == 2


def test_escape_html_for_card_text() -> None:
    assert escape_html('<b>x</b> & "y" <users/all>') == (
        "&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot; &lt;users/all&gt;"
    )
