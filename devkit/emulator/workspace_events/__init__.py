"""The Workspace Events API (v1) in the emulator: subscriptions on Chat (and Meet) spaces, and
their events.

Routes (validated against ``workspaceevents.v1.json`` by the app, like the Chat
routes): ``subscriptions.create/get/list/patch/delete/reactivate`` and
``operations.get``. Following REFERENCE §5:

* **Who**: user auth, or app auth. The method's discovery scopes are checked
  first (``chat.bot`` reads, lists and deletes; creating, patching and
  reactivating need a user scope or a ``chat.app.*`` one); then each event
  family needs one of its scopes (§5.4), and the principal must have joined
  the target space. ``//chat.googleapis.com/spaces/-`` is user-only.
* **One per principal per target**: a second create -> 409 ``ALREADY_EXISTS``.
* **TTL**: ``ttl`` unset or ``0s`` is the maximum, 7 days names-only, 4 hours with
  the resource; longer -> 400. Expiration reminders at 12 h (only when the
  lifetime exceeded 12 h) and 1 h before ``expireTime``; at ``expireTime`` the
  subscription is deleted and ``expired`` published.
* **Operations**: every mutation returns one, done at once unless
  ``pending_polls`` asks for that many ``operations.get`` first. Its result is
  the subscription as the mutation left it.
* **Events**: committed Chat API writes (``observe``) become CloudEvents for
  every ACTIVE subscription that asked for their type and can see the space:
  message created/updated/deleted, membership created, reaction created/deleted.
  Names-only subscriptions get ``{"message": {"name": …}}``; ``fieldMask`` keeps
  the listed fields. Private messages are not published.
* **Meet**: subscriptions on ``//meet.googleapis.com/spaces/{id}`` (user auth, a
  ``meetings.space.*`` scope, names only) get the ``google.workspace.meet.*`` events
  Meet reports through ``publish_meet_event`` (the Calendar emulator's, wired by
  ``devkit.emulator.meet_bridge``): ``ce-subject`` is the Meet space, ``data`` the
  names payload (``{"transcript": {"name": …}}``).

Our reading where Google does not say (marked so): a patch of a SUSPENDED
subscription is ``FAILED_PRECONDITION``; reactivating an ACTIVE one is a no-op;
a reactivation whose cause persists (the principal left the space, the space is
gone) ends in an operation error ``FAILED_PRECONDITION``; ``get`` of another
principal's subscription is ``PERMISSION_DENIED``; lifecycle ``ce-id``s are
``subscriptions/ID/lifecycleEvents/N``.

Modules: ``service`` (``WorkspaceEvents``: the API, its clock, publishing),
``validation`` (what a request may ask for), ``operations``, ``delivery`` (Chat
writes as events, Pub/Sub messages) and ``model`` (names, ``Subscription``).
"""

from __future__ import annotations

from devkit.emulator.workspace_events.service import WorkspaceEvents

__all__ = ["WorkspaceEvents"]
