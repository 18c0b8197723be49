"""``UserStore`` on Firestore: one document per user."""

from __future__ import annotations

from shared.store.firestore.database import FirestoreDatabase, doc_id
from shared.store.users import UserPrefs, ZoneSource

USERS = "users"


class FirestoreUsers:
    """Per-user preferences."""

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def get_user(self, user: str) -> UserPrefs | None:
        snapshot = self._db.collection(USERS).document(doc_id(user)).get()
        data = snapshot.to_dict() if snapshot.exists else None
        if data is None:
            return None
        source = ZoneSource(data["zone_source"]) if data["zone_source"] else None
        return UserPrefs(user, data["zone"], source, data["locale"], float(data["updated_at"]))

    def put_user(self, prefs: UserPrefs) -> None:
        self._db.collection(USERS).document(doc_id(prefs.user)).set(
            {
                "user": prefs.user,
                "zone": prefs.zone,
                "zone_source": prefs.zone_source.value if prefs.zone_source else None,
                "locale": prefs.locale,
                "updated_at": float(prefs.updated_at or self._db.clock()),
            }
        )
