"""Chat message text: formatting helpers, mentions, links, and escaping.

Formatting helpers (``bold``, ``link``, ...) wrap text they are given
verbatim: pass user-provided text through ``escape`` first, for example
``bold(escape(title))``.

Escaping. Chat text has no escape character, so ``escape`` swaps each
syntax character for a look-alike that Chat's parser cannot match::

    <  ->  U+2039 SINGLE LEFT-POINTING ANGLE QUOTATION MARK
    >  ->  U+203A SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
    *  ->  U+2217 ASTERISK OPERATOR
    _  ->  U+02CD MODIFIER LETTER LOW MACRON
    ~  ->  U+223C TILDE OPERATOR
    `  ->  U+02CB MODIFIER LETTER GRAVE ACCENT

Without ``<`` no ``<users/all>`` mention or ``<url|label>`` link can form;
without the markup characters no bold, italic, strike or code can. None of
the look-alikes has a Unicode compatibility decomposition, so NFKC
normalisation (if Chat applied it) would not turn them back into ASCII, unlike
the fullwidth forms (U+FF1C etc.). Zero-width characters were rejected: whether
Chat strips them before parsing is undocumented. The cost is that a user's
text (an e-mail with ``_``, say) is copied back slightly altered; use
``escape(text, formatting=False)`` to replace only ``<`` and ``>``, which is
enough to stop mentions and links.

Card widgets (``TextParagraph``, ``DecoratedText``) use an HTML subset instead
of this syntax: escape user text for them with ``escape_html``.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.chat.events.models import User

_ANGLES = str.maketrans({"<": "\u2039", ">": "\u203a"})
_ALL = str.maketrans(
    {
        "<": "\u2039",
        ">": "\u203a",
        "*": "\u2217",
        "_": "\u02cd",
        "~": "\u223c",
        "`": "\u02cb",
    }
)
_USER_ID = re.compile(r"[A-Za-z0-9]+")
_URL_FORBIDDEN = re.compile(r"[\s<>|]")


def escape(text: str, *, formatting: bool = True) -> str:
    """Make user text inert in a Chat message: no mentions, links or markup.

    With ``formatting=False`` only ``<`` and ``>`` are replaced, which stops
    mentions and links but lets ``*``, ``_``, ``~`` and backticks format.
    """
    return text.translate(_ALL if formatting else _ANGLES)


def escape_html(text: str) -> str:
    """Escape user text for card widgets, whose text is an HTML subset."""
    return html.escape(text, quote=True)


def bold(text: str) -> str:
    return f"*{text}*"


def italic(text: str) -> str:
    return f"_{text}_"


def strike(text: str) -> str:
    return f"~{text}~"


def code(text: str) -> str:
    """Inline monospace. Backticks inside are replaced so they cannot end it early."""
    return f"`{text.replace('`', chr(0x02CB))}`"


def code_block(text: str) -> str:
    """A monospace block. Triple backticks inside are broken up so they cannot end it."""
    return f"```\n{text.replace('```', '`' + chr(0x02CB) + '`')}\n```"


def link(url: str, text: str = "") -> str:
    """``<url|text>``: a link showing ``text`` (escaped here), or the bare URL.

    Raises ``ValueError`` if ``url`` holds whitespace, ``<``, ``>`` or ``|``,
    which would break out of the link syntax.
    """
    if not url or _URL_FORBIDDEN.search(url):
        raise ValueError(f"Not a linkable URL: {url!r}")
    if not text:
        return f"<{url}>"
    label = escape(text, formatting=False).replace("|", "\u2223")  # U+2223 DIVIDES
    return f"<{url}|{label}>"


def mention(user_or_name: User | str) -> str:
    """``<users/ID>`` for a ``User``, a ``users/ID`` name, or a bare ID.

    Raises ``ValueError`` for anything but an alphanumeric ID, including
    ``all`` (use ``mention_all`` so an @all is always deliberate).
    """
    name = user_or_name if isinstance(user_or_name, str) else user_or_name.name
    user_id = name.removeprefix("users/")
    if not _USER_ID.fullmatch(user_id) or user_id == "all":
        raise ValueError(f"Not a user ID that can be mentioned: {name!r}")
    return f"<users/{user_id}>"


def mention_all() -> str:
    """``<users/all>``: notify everyone in the space."""
    return "<users/all>"
