"""The app's own credentials for the Chat API (app auth).

Scopes come from ``Settings.chat_scopes`` (``NUDGE_CHAT_SCOPES``), by default
only ``chat.bot``, which needs no admin approval but works only in spaces the
app is a member of. The ``chat.app.*`` scopes (``chat.app.memberships``,
``chat.app.spaces``, ``chat.app.messages.readonly``, ...) need a **one-time
approval by a Workspace admin**; until then calls using them fail with 403.
Scopes are always passed explicitly: library defaults have produced 401s.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.config import Settings

if TYPE_CHECKING:
    import google.auth.credentials

log = logging.getLogger(__name__)


def app_credentials(settings: Settings) -> google.auth.credentials.Credentials:
    """Credentials that act as the Chat app, scoped to ``settings.chat_scopes``.

    In order of preference:

    1. ``settings.chat_api_token``: a fixed bearer token, only for the local
       emulator (never set it in production);
    2. ``settings.service_account_file``: a service-account JSON key;
    3. Application Default Credentials: on Cloud Functions, the runtime
       service account, with no key file at all (the recommended setup).

    Raises ``google.auth.exceptions.DefaultCredentialsError`` when none is found.
    """
    scopes = list(settings.chat_scopes)
    if settings.chat_api_token:
        import google.oauth2.credentials

        log.info(
            "using a fixed Chat API token (emulator only)", extra={"fields": {"source": "token"}}
        )
        return google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
            token=settings.chat_api_token, scopes=scopes
        )
    if settings.service_account_file:
        from google.oauth2 import service_account

        log.info(
            "using a service-account key file",
            extra={"fields": {"source": "key_file", "scopes": scopes}},
        )
        key_credentials: google.auth.credentials.Credentials = (
            service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                settings.service_account_file, scopes=scopes
            )
        )
        return key_credentials
    import google.auth

    credentials, project = google.auth.default(scopes=scopes)
    log.info(
        "using Application Default Credentials",
        extra={"fields": {"source": "adc", "project": project, "scopes": scopes}},
    )
    adc: google.auth.credentials.Credentials = credentials
    return adc
