"""Watch words match whole words without regular expressions; patterns run on RE2 only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shared.features.automations import matching
from shared.features.automations.matching import (
    MAX_PATTERN_LENGTH,
    PatternError,
    compile_pattern,
    match,
    matched_words,
    parse_watch_words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We DEPLOY at noon", ("deploy",)),
        ("deploy!", ("deploy",)),
        ("redeploy and deployment are other words", ()),
        ("The release blocker is fixed", ("release blocker",)),
        ("release, then a blocker", ()),
        ("Straße gesperrt", ("Strasse",)),
        ("", ()),
    ],
)
def test_watch_words_are_whole_words_or_phrases_in_any_case(
    text: str, expected: tuple[str, ...]
) -> None:
    words, problems = parse_watch_words("deploy, release blocker\nStrasse")
    assert problems == []
    assert words == ("deploy", "release blocker", "Strasse")
    assert matched_words(words, text) == expected


def test_watch_words_are_deduplicated_and_checked() -> None:
    words, problems = parse_watch_words("Deploy, deploy!, , ***, " + "x" * 61)
    assert words == ("Deploy",)
    assert any("no letters or digits" in p for p in problems)
    assert any("too long" in p for p in problems)
    many, problems = parse_watch_words(",".join(f"w{i}" for i in range(51)))
    assert any("51 watch words" in p for p in problems)
    assert len(many) == 51


def test_a_pattern_is_case_insensitive_unless_it_says_otherwise() -> None:
    assert match((), r"\bincident-\d+\b", "see INCIDENT-42 now").pattern
    assert not match((), r"(?-i)incident", "INCIDENT").pattern
    found = match(("deploy",), r"outage", "deploy during the outage")
    assert (found.words, found.pattern, found.describe()) == (
        ("deploy",),
        True,
        "deploy and the pattern",
    )
    assert not match(("deploy",), "", "nothing here")


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a)\1", "not valid RE2"),  # back-references need backtracking
        (r"(?<=a)b", "not valid RE2"),  # so does look-behind
        (r"(?=a)", "not valid RE2"),
        (r"((a{100}){100}){100}", "not valid RE2"),  # repetition beyond RE2's bound
        ("[" * 3, "not valid RE2"),
        ("a" * (MAX_PATTERN_LENGTH + 1), "too long"),
        ("a\x00b", "NUL"),
    ],
)
def test_patterns_that_cannot_run_in_linear_time_or_space_are_refused(
    pattern: str, why: str
) -> None:
    with pytest.raises(PatternError, match=why):
        compile_pattern(pattern)


def test_a_pattern_too_big_for_the_memory_budget_is_refused() -> None:
    with pytest.raises(PatternError, match="not valid RE2"):
        compile_pattern(r"[\p{L}\p{N}]{1000}")


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(a*)*b", r"(.*a){12}x"])
def test_catastrophic_backtracking_patterns_run_in_linear_time(pattern: str) -> None:
    # Python's re needs exponential time on these (minutes at 30 characters); RE2 does not.
    # No clock here: what guarantees linear time is the engine, so check it is RE2's.
    compiled = compile_pattern(pattern)
    assert type(compiled).__module__.split(".")[0] == "re2", type(compiled)
    text = "a" * 30_000 + "!"
    assert compiled.search(text) is None or pattern == r"(a+)+$"


def test_python_re_never_sees_a_users_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    for name in ("compile", "search", "match", "fullmatch", "findall", "finditer", "sub"):
        original = getattr(re, name)

        def spy(pattern: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            seen.append(pattern)
            return _original(pattern, *args, **kwargs)

        monkeypatch.setattr(re, name, spy)
    matching._compiled.cache_clear()
    user_pattern = r"secret-(\d+)-plan"
    assert match(("plan",), user_pattern, "the SECRET-7-plan").pattern
    assert user_pattern not in [getattr(p, "pattern", p) for p in seen]


def test_without_re2_patterns_are_refused_and_words_still_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matching._compiled.cache_clear()
    monkeypatch.setattr(matching, "_re2", lambda: None)
    with pytest.raises(PatternError, match="RE2 engine"):
        compile_pattern("deploy")
    found = match(("deploy",), "deploy", "deploy now")
    assert (found.words, found.pattern) == (("deploy",), False)
    matching._compiled.cache_clear()
