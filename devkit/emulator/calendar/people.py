"""The People API (v1) reads Nudge uses: ``people.get`` and ``people.getBatchGet``.

Served at ``/v1/…`` beside Calendar and Meet, validated against the bundled
``people.v1.json``. Every user of this emulator is a domain profile in one
directory: ``people/{id}`` has the id of the user's ``users/{id}`` (Chat's user
ids are People ids, REFERENCE-calendar.md §3.2), and ``people/me`` is the
caller. ``personFields`` (or ``requestMask.includeField``) picks the fields;
only ``names``, ``emailAddresses`` and ``metadata`` have values here. People
is a newer API: its errors have the ``{code, message, status}`` shape.

Best readings (not documented by Google): another person's email needs
``directory.readonly`` (without it the person comes back without
``emailAddresses``); one's own needs that, ``userinfo.email`` or
``user.emails.read``. The 400 texts for an empty or unknown mask path are
what Google is reported to answer; those for ``resourceNames`` are ours.
"""

from __future__ import annotations

import hashlib
from typing import Any

from devkit.emulator.auth import Principal
from devkit.emulator.calendar.store import Store, User
from devkit.emulator.discovery import full_scope
from devkit.emulator.errors import NOT_FOUND, invalid, not_found

Json = dict[str, Any]

MAX_BATCH = 200
DOCS = "https://developers.google.com/people/api/rest/v1/people/get"
#: The ``personFields`` paths people.v1.json lists.
PERSON_FIELDS = frozenset(
    {
        "addresses",
        "ageRanges",
        "biographies",
        "birthdays",
        "calendarUrls",
        "clientData",
        "coverPhotos",
        "emailAddresses",
        "events",
        "externalIds",
        "genders",
        "imClients",
        "interests",
        "locales",
        "locations",
        "memberships",
        "metadata",
        "miscKeywords",
        "names",
        "nicknames",
        "occupations",
        "organizations",
        "phoneNumbers",
        "photos",
        "relations",
        "sipAddresses",
        "skills",
        "urls",
        "userDefined",
    }
)
_SNAKE = {"".join("_" + c.lower() if c.isupper() else c for c in f): f for f in PERSON_FIELDS}
DIRECTORY = full_scope("directory.readonly")
OWN_EMAIL = frozenset(
    full_scope(s) for s in ("directory.readonly", "userinfo.email", "user.emails.read")
)


def _etag(seed: str) -> str:
    return "%" + hashlib.sha256(seed.encode()).hexdigest()[:24]


def person_fields(query: Json) -> frozenset[str]:
    """The requested fields; 400 for an empty mask or an unknown path."""
    raw = str(query.get("personFields") or "")
    if not raw:
        include = str(query.get("requestMask.includeField") or "")
        raw = ",".join(p.strip().removeprefix("person.") for p in include.split(",") if p.strip())
    paths = [p.strip() for p in raw.split(",") if p.strip()]
    if not paths:
        raise invalid(
            "personFields mask is required. Please specify one or more valid paths. "
            f"Valid paths are documented at {DOCS}."
        )
    out = set()
    for path in paths:
        field = path if path in PERSON_FIELDS else _SNAKE.get(path)
        if field is None:
            raise invalid(
                f'Invalid personFields mask path: "{path}". Valid paths are documented at {DOCS}.'
            )
        out.add(field)
    return frozenset(out)


class PeopleService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, principal: Principal, resource_name: str, query: Json) -> Json:
        fields = person_fields(query)
        with self.store.lock:
            user = self._find(principal, resource_name)
            if user is None:
                raise not_found()
            return self._person(principal, user, fields)

    def batch_get(self, principal: Principal, query: Json) -> Json:
        fields = person_fields(query)
        names = [str(n) for n in query.get("resourceNames") or []]
        if not names:
            raise invalid("At least one resource name is required in resourceNames.")
        if len(names) > MAX_BATCH:
            raise invalid(f"At most {MAX_BATCH} resource names may be requested at once.")
        responses = []
        with self.store.lock:
            for name in names:
                if not name.startswith("people/") or name.count("/") != 1:
                    responses.append(_failure(name, 400, 3, f"Invalid resource name: {name}"))
                    continue
                user = self._find(principal, name)
                if user is None:
                    responses.append(_failure(name, 404, 5, NOT_FOUND))
                    continue
                responses.append(
                    {
                        "httpStatusCode": 200,
                        "person": self._person(principal, user, fields),
                        "requestedResourceName": name,
                        "status": {},
                    }
                )
        return {"responses": responses}

    # --- helpers -------------------------------------------------------------------------------

    def _find(self, principal: Principal, resource_name: str) -> User | None:
        person_id = resource_name.removeprefix("people/")
        if person_id == "me":
            return self.store.users.get(str(principal.email))
        wanted = f"users/{person_id}"
        return next((u for u in self.store.users.values() if u.name == wanted), None)

    def _person(self, principal: Principal, user: User, fields: frozenset[str]) -> Json:
        person_id = user.name.removeprefix("users/")
        source = {"type": "DOMAIN_PROFILE", "id": person_id}
        out: Json = {
            "resourceName": f"people/{person_id}",
            "etag": _etag(f"{user.name}/{user.email}/{user.display_name}"),
        }
        if "metadata" in fields:
            out["metadata"] = {
                "sources": [{**source, "etag": _etag(user.name)}],
                "objectType": "PERSON",
            }
        if "names" in fields and user.display_name and user.display_name != user.email:
            given, _, family = user.display_name.partition(" ")
            name: Json = {
                "metadata": {"primary": True, "source": source, "sourcePrimary": True},
                "displayName": user.display_name,
                "givenName": given,
            }
            if family:
                name["familyName"] = family
            out["names"] = [name]
        if "emailAddresses" in fields and self._may_see_email(principal, user):
            out["emailAddresses"] = [
                {
                    "metadata": {
                        "primary": True,
                        "verified": True,
                        "source": source,
                        "sourcePrimary": True,
                    },
                    "value": user.email,
                }
            ]
        return out

    @staticmethod
    def _may_see_email(principal: Principal, user: User) -> bool:
        scopes = principal.effective_scopes()
        if user.email == principal.email:
            return bool(scopes & OWN_EMAIL)
        return DIRECTORY in scopes


def _failure(name: str, http: int, code: int, message: str) -> Json:
    """A ``PersonResponse`` for a name not answered (``status`` is a ``google.rpc.Status``)."""
    return {
        "httpStatusCode": http,
        "requestedResourceName": name,
        "status": {"code": code, "message": message},
    }
