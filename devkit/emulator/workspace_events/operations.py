"""Long-running operations: each mutation's result, done at once or after ``pending`` polls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from devkit.emulator.errors import not_found
from devkit.emulator.workspace_events.model import TYPE_URL, Json, uid


@dataclass
class Operation:
    name: str
    owner: str
    result: Json  # {"response": …} or {"error": …}
    metadata: str
    pending: int = 0

    def to_json(self) -> Json:
        out: Json = {"name": self.name, "metadata": {"@type": TYPE_URL + self.metadata}}
        if self.pending > 0:
            out["done"] = False
            return out
        out["done"] = True
        out.update(self.result)
        return out


class Operations:
    """The operations started so far, by name; the caller holds ``state.lock``."""

    def __init__(self) -> None:
        self.by_name: dict[str, Operation] = {}

    def start(
        self,
        owner: str,
        metadata: str,
        response: Json | None = None,
        *,
        error: Json | None = None,
        seq: int,
        pending: int,
    ) -> Json:
        """Record an operation whose result is ``response`` (a subscription, or ``None`` for
        Empty) or ``error``, done after ``pending`` polls; its JSON as the mutation returns it.
        """
        if error is not None:
            result: Json = {"error": error}
        elif response is None:
            result = {"response": {"@type": "type.googleapis.com/google.protobuf.Empty"}}
        else:
            result = {"response": {"@type": TYPE_URL + "Subscription", **response}}
        name = f"operations/{uid(f'op|{seq}|{uuid.uuid4()}')}"
        operation = Operation(name, owner, result, metadata, pending)
        self.by_name[name] = operation
        return operation.to_json()

    def poll(self, owner: str, name: str) -> Json:
        """``operations.get``: the N-th poll after the mutation sees it done."""
        operation = self.by_name.get(name)
        if operation is None or operation.owner != owner:
            raise not_found()
        if operation.pending > 0:
            operation.pending -= 1
        return operation.to_json()
