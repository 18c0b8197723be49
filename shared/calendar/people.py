"""``PeopleClient``: Chat users to email addresses through the People API (v1).

A Chat user ``users/{id}`` is the People API's ``people/{id}`` (chat.v1
``User.name``, REFERENCE-calendar.md §3.2), so mentions become Calendar
attendees with ``people.get`` / ``people.getBatchGet`` and
``personFields=emailAddresses`` (scope ``directory.readonly`` for other
people in the domain). Reads are retried on 429, 5xx and timeouts; the
People API speaks the newer error shape, which the shared ``execute`` reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.config import DEFAULT_PEOPLE_API_ENDPOINT
from shared.google.api import ApiClient
from shared.google.errors import NotFound

#: ``people.getBatchGet`` takes at most 200 resource names.
BATCH_SIZE = 200
PERSON_FIELDS = "emailAddresses"


def person_name(user: str) -> str:
    """``users/123``, ``people/123`` or ``123`` -> ``people/123``."""
    user = user.strip()
    if not user:
        raise ValueError("a user name is needed (users/{id} or people/{id})")
    for prefix in ("users/", "people/"):
        if user.startswith(prefix):
            user = user.removeprefix(prefix)
            break
    if not user or "/" in user:
        raise ValueError(f"not a user or person name: {user!r}")
    return "people/" + user


def email_alias(user: str) -> str | None:
    """The email in ``users/ada@example.com`` (Chat accepts an email as a user alias)."""
    tail = user.strip().rpartition("/")[2]
    return tail if "@" in tail else None


def primary_email(person: Mapping[str, Any]) -> str | None:
    """The person's primary email address, else the first one, else ``None``."""
    raw = person.get("emailAddresses")
    addresses = [
        a
        for a in (raw if isinstance(raw, list) else [])
        if isinstance(a, Mapping) and isinstance(a.get("value"), str) and a["value"]
    ]
    for address in addresses:
        metadata = address.get("metadata")
        if isinstance(metadata, Mapping) and metadata.get("primary") is True:
            return str(address["value"])
    return str(addresses[0]["value"]) if addresses else None


class PeopleClient(ApiClient):
    """The People API as the given credentials (see ``ApiClient`` for the options)."""

    api = "people"
    version = "v1"
    default_endpoint = DEFAULT_PEOPLE_API_ENDPOINT

    def _resources(self, service: Any) -> Any:
        return service.people()

    def email_of(self, user: str, *, deadline: float | None = None) -> str | None:
        """The email of ``users/{id}`` (or ``people/{id}``); ``None`` if the person is
        unknown (404) or shows no email to these credentials. An email alias
        (``users/ada@example.com``) is answered without a request."""
        alias = email_alias(user)
        if alias is not None:
            return alias
        name = person_name(user)
        try:
            person = self._call(
                "people.get",
                lambda people: people.get(resourceName=name, personFields=PERSON_FIELDS),
                target=name,
                deadline=deadline,
            )
        except NotFound:
            return None
        return primary_email(person)

    def emails_of(
        self, users: Sequence[str], *, deadline: float | None = None
    ) -> dict[str, str | None]:
        """``{user: email or None}`` for every name given (keys as given), in batches of 200."""
        aliases = {user: email_alias(user) for user in users}
        names = {user: person_name(user) for user in users if aliases[user] is None}
        wanted = list(dict.fromkeys(names.values()))
        found: dict[str, str | None] = {}
        for start in range(0, len(wanted), BATCH_SIZE):
            found.update(self._batch(wanted[start : start + BATCH_SIZE], deadline))
        return {user: aliases[user] or found.get(names[user]) for user in users}

    def _batch(self, names: list[str], deadline: float | None) -> dict[str, str | None]:
        """One ``people.getBatchGet``: requested name -> email, for the people it found."""
        answer = self._call(
            "people.getBatchGet",
            lambda people: people.getBatchGet(resourceNames=names, personFields=PERSON_FIELDS),
            target="people:batchGet",
            deadline=deadline,
        )
        found: dict[str, str | None] = {}
        responses = answer.get("responses")
        for response in responses if isinstance(responses, list) else []:
            if not isinstance(response, Mapping):
                continue
            requested = response.get("requestedResourceName")
            person = response.get("person")
            if isinstance(requested, str) and isinstance(person, Mapping):
                found[requested] = primary_email(person)
        return found
