"""The account feature: connect, disconnect and act as a user.

``/connect``, ``/logout`` and ``/invite`` (``commands``, with the
``account.invite`` job that adds many people after ``/invite`` answered); the consent prompt
for any handler that raises ``AuthorizationRequired`` (``prompts``); and the
``/oauth/callback`` page Google sends the browser to (``callback``).
"""

from __future__ import annotations

from shared.auth.errors import AuthorizationRequired
from shared.core.feature import Feature
from shared.features.account.callback import CALLBACK_PATH, oauth_callback
from shared.features.account.commands import INVITE_JOB, router, run_invite
from shared.features.account.prompts import ask_for_access

feature = Feature("account", router, description="User OAuth: /connect, /logout, /invite")
feature.route(CALLBACK_PATH, methods=("GET",))(oauth_callback)
feature.errorhandler(AuthorizationRequired)(ask_for_access)
feature.job(INVITE_JOB)(run_invite)
