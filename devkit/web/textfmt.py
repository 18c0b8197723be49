"""Message text and card text as safe HTML: nothing the app or a user wrote is trusted.

Two syntaxes reach the page. Message ``text`` uses Chat's own markup (``*bold*``,
``_italic_``, ``~strike~``, `` `code` ``, fenced blocks, ``<url|label>`` links and
``<users/ID>`` mentions); card widgets use a small HTML subset (``<b>``, ``<i>``,
``<u>``, ``<s>``, ``<font color>``, ``<a href>``, ``<br>``, lists). Both are parsed
here and rebuilt from scratch: every piece of text is escaped, only the tags listed
are emitted (without any attribute but a checked ``href`` or colour), and links are
kept only for ``http``/``https`` URLs. Anything else shows as the literal text it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup

_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?|[a-zA-Z]{3,20}")
#: Card HTML tags rendered as themselves (no attributes kept).
_PLAIN_TAGS = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "ul": "ul",
    "ol": "ol",
    "li": "li",
    "p": "p",
    "code": "code",
    "time": "time",
}
_LINK_ATTRS = 'target="_blank" rel="noopener noreferrer nofollow"'


def safe_url(url: object, *, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """``url`` if it is an absolute URL with one of ``schemes`` and a host, else ``None``."""
    if not isinstance(url, str) or not url or len(url) > 4096 or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not parts.netloc:
        return None
    return url


def safe_color(color: object) -> str | None:
    """A ``#rgb``/``#rrggbb`` or named colour, else ``None``."""
    if isinstance(color, str) and _COLOR.fullmatch(color.strip()):
        return color.strip()
    return None


def link(url: str, label: Markup | str) -> Markup:
    """An ``<a>`` opening ``url`` in a new tab (callers check ``url`` with ``safe_url``)."""
    html = f'<a href="{escape(url, quote=True)}" {_LINK_ATTRS}>{escape(label)}</a>'
    return Markup(html)  # noqa: S704 - built from escaped parts


# --- card HTML ---------------------------------------------------------------------------


class _CardHtml(HTMLParser):
    """Rebuilds card HTML from an allow-list; unknown tags are shown as literal text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[tuple[str, str]] = []  # (tag, its closing HTML)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "br":
            self.out.append("<br>")
        elif tag in _PLAIN_TAGS:
            name = _PLAIN_TAGS[tag]
            self._open(tag, f"<{name}>", f"</{name}>")
        elif tag == "a":
            href = safe_url(values.get("href", ""))
            if href is None:
                blocked = '<span class="link-blocked" title="link removed: not http(s)">'
                self._open(tag, blocked, "</span>")
            else:
                self._open(tag, f'<a href="{escape(href, quote=True)}" {_LINK_ATTRS}>', "</a>")
        elif tag == "font":
            color = safe_color(values.get("color", ""))
            attr = f' data-color="{escape(color, quote=True)}"' if color else ""
            self._open(tag, f'<span class="font-color"{attr}>', "</span>")
        else:
            self.out.append(escape(self.get_starttag_text() or f"<{tag}>"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("<br>")
        else:
            self.out.append(escape(self.get_starttag_text() or f"<{tag}/>"))

    def _open(self, tag: str, html: str, closing: str) -> None:
        self.open.append((tag, closing))
        self.out.append(html)

    def handle_endtag(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _ in self.open):
            if tag not in _PLAIN_TAGS and tag not in ("a", "font", "br"):
                self.out.append(escape(f"</{tag}>"))
            return
        while self.open:
            current, closing = self.open.pop()
            self.out.append(closing)
            if current == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data))

    def handle_comment(self, data: str) -> None:
        self.out.append(escape(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.out.append(escape(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.out.append(escape(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.out.append(escape(f"<![{data}]>"))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(self.open.pop()[1])
        return "".join(self.out)


def card_html(text: object) -> Markup:
    """Card widget text (Chat's HTML subset) as safe HTML."""
    if not isinstance(text, str) or not text:
        return Markup("")
    parser = _CardHtml()
    parser.feed(text)
    return Markup(parser.result())  # noqa: S704 - rebuilt from escaped parts


# --- Chat message text -------------------------------------------------------------------

_TOKENS = re.compile(
    r"(?P<block>```(?P<block_body>.*?)```)"
    r"|(?P<code>`(?P<code_body>[^`\n]+)`)"
    r"|(?P<angle><(?P<angle_body>[^<>\n]{1,4096})>)"
    r"|(?P<url>\bhttps?://[^\s<>]+)",
    re.DOTALL,
)
_INLINE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)


def _inline(text: str) -> str:
    """Plain text with Chat's bold/italic/strike markup: escaped first, then wrapped."""
    html = escape(text, quote=False)
    for pattern, tag in _INLINE:
        html = pattern.sub(lambda m, t=tag: f"<{t}>{m.group(1)}</{t}>", html)  # type: ignore[misc]
    return html.replace("\n", "<br>")


def chat_text(
    text: object, people: Mapping[str, str] | None = None, *, from_app: bool = True
) -> Markup:
    """Chat message ``text`` as safe HTML; ``people`` maps ``users/ID`` to display names.

    ``<users/ID>`` mentions and ``<url|label>`` links are the API's syntax: only an
    app's text uses them (``from_app``). What a person typed shows them as typed.
    """
    if not isinstance(text, str) or not text:
        return Markup("")
    names = people or {}
    out: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        if match.group("angle") is not None and not from_app:
            continue
        out.append(_inline(text[position : match.start()]))
        position = match.end()
        out.append(_token(match, names))
    out.append(_inline(text[position:]))
    return Markup("".join(out))  # noqa: S704 - rebuilt from escaped parts


def _token(match: re.Match[str], names: Mapping[str, str]) -> str:
    if match.group("block") is not None:
        return f"<pre>{escape(match.group('block_body').strip(chr(10)), quote=False)}</pre>"
    if match.group("code") is not None:
        return f"<code>{escape(match.group('code_body'), quote=False)}</code>"
    if match.group("url") is not None:
        url = match.group("url")
        trimmed = url.rstrip(".,;:!?)")
        tail = url[len(trimmed) :]
        found = safe_url(trimmed)
        return (str(link(found, found)) if found else escape(trimmed)) + escape(tail)
    body = match.group("angle_body")
    return _angle(body, names) or escape(match.group("angle"), quote=False)


def _angle(body: str, names: Mapping[str, str]) -> str:
    """``<users/ID>``, ``<users/all>`` or ``<url|label>``; ``""`` when it is none of them."""
    if body == "users/all":
        return '<span class="mention mention-all">@all</span>'
    if re.fullmatch(r"users/[A-Za-z0-9]+", body):
        shown = names.get(body) or body
        return f'<span class="mention" title="{escape(body)}">@{escape(shown, quote=False)}</span>'
    url, bar, label = body.partition("|")
    found = safe_url(url)
    if found is None:
        return ""
    return str(link(found, label if bar and label else found))


#: For templates: ``{{ text | chat_text(people) }}`` and ``{{ text | card_html }}``.
FILTERS: dict[str, Callable[..., Markup]] = {"chat_text": chat_text, "card_html": card_html}
