"""``TokenStore`` and ``NonceStore`` on Firestore: one document per key."""

from __future__ import annotations

from datetime import UTC, datetime

from google.api_core import exceptions

from shared.store.firestore.database import FirestoreDatabase, doc_id
from shared.store.tokens import StoredToken
from shared.util.crypto import looks_sealed

TOKENS = "tokens"
NONCES = "nonces"


class FirestoreTokens:
    """Users' OAuth grants; refuses to store a refresh token that is not sealed."""

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def get_token(self, user_name: str) -> StoredToken | None:
        snapshot = self._db.collection(TOKENS).document(doc_id(user_name)).get()
        data = snapshot.to_dict() if snapshot.exists else None
        if data is None:
            return None
        return StoredToken(
            user_name=user_name,
            sealed_refresh_token=data["sealed_refresh_token"],
            scopes=frozenset(data["scopes"]),
            email=data["email"],
            updated_at=float(data["updated_at"]),
        )

    def put_token(self, token: StoredToken) -> None:
        if not looks_sealed(token.sealed_refresh_token):
            raise ValueError("refusing to store a refresh token that is not sealed")
        self._db.collection(TOKENS).document(doc_id(token.user_name)).set(
            {
                "user_name": token.user_name,
                "sealed_refresh_token": token.sealed_refresh_token,
                "scopes": sorted(token.scopes),
                "email": token.email,
                "updated_at": float(token.updated_at or self._db.clock()),
            }
        )

    def delete_token(self, user_name: str) -> bool:
        ref = self._db.collection(TOKENS).document(doc_id(user_name))
        try:
            ref.delete(option=self._db.write_option(exists=True))
        except exceptions.NotFound:
            return False
        return True


class FirestoreNonces:
    """Single-use nonces: creating the document succeeds once (create-if-absent is atomic).

    ``expires_at`` is a timestamp so that a TTL policy on it (``indexes.TTL_POLICIES``)
    lets Firestore delete expired nonces; nothing else prunes them.
    """

    def __init__(self, db: FirestoreDatabase) -> None:
        self._db = db

    def use_nonce(self, nonce: str, expires_at: float) -> bool:
        ref = self._db.collection(NONCES).document(doc_id(nonce))
        try:
            ref.create({"expires_at": datetime.fromtimestamp(expires_at, UTC)})
        except exceptions.AlreadyExists:
            return False
        return True
