"""The one error type of the reminder grammar: a user-facing message plus a concrete example."""

from __future__ import annotations

DEFAULT_WHAT = "stretch"
DEFAULT_TRY_WHEN = "at 3pm"
_MAX_WHAT_IN_EXAMPLE = 40


def example_command(who: str, what: str, when: str) -> str:
    """A complete ``/remind`` line to suggest, with long reminder text shortened."""
    what = " ".join(what.split()) or DEFAULT_WHAT
    if len(what) > _MAX_WHAT_IN_EXAMPLE:
        what = what[: _MAX_WHAT_IN_EXAMPLE - 1].rstrip() + "…"
    return f"/remind {who} to {what} {when}"


class GrammarError(ValueError):
    """A phrase Nudge will not guess at; ``str()`` is the message followed by ``Try: …``."""

    def __init__(
        self, message: str, *, try_when: str = DEFAULT_TRY_WHEN, suggestion: str | None = None
    ) -> None:
        self._message = message
        self._try_when = try_when
        self._suggestion = suggestion or example_command("me", DEFAULT_WHAT, try_when)
        self._complete = suggestion is not None
        super().__init__(f"{message} Try: {self._suggestion}")

    @property
    def message(self) -> str:
        """What was wrong, in plain words."""
        return self._message

    @property
    def suggestion(self) -> str:
        """A full ``/remind`` command that would work."""
        return self._suggestion

    @property
    def try_when(self) -> str:
        """The time phrase of the suggestion, e.g. ``at 3pm``."""
        return self._try_when

    def for_command(self, who: str, what: str) -> GrammarError:
        """The same error, its suggestion rebuilt around the user's own ``who`` and ``what``."""
        if self._complete:
            return self
        return GrammarError(
            self._message,
            try_when=self._try_when,
            suggestion=example_command(who, what, self._try_when),
        )
