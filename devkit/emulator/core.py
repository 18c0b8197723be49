"""``Core``: the emulator's shared parts (state, tokens, quotas, faults, journal, events)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from devkit.emulator.auth import TokenRegistry
from devkit.emulator.faults import FaultConfig, Faults
from devkit.emulator.journal import Journal
from devkit.emulator.quotas import Quotas
from devkit.emulator.state import State
from devkit.emulator.workspace_events import WorkspaceEvents


@dataclass
class Core:
    """Everything a request handler may touch; ``stop`` ends any hanging request early.

    ``sleep`` waits out latency and timeout faults. ``None`` (the default) is
    ``stop.wait`` on the wall clock; a test may inject a virtual clock's sleep
    (which ``stop`` does not interrupt).
    """

    state: State = field(default_factory=State)
    tokens: TokenRegistry = field(default_factory=TokenRegistry)
    quotas: Quotas = field(default_factory=Quotas)
    faults: Faults = field(default_factory=Faults)
    journal: Journal = field(default_factory=Journal)
    stop: threading.Event = field(default_factory=threading.Event)
    sleep: Callable[[float], object] | None = None
    #: Workspace Events subscriptions over ``state``, and where their events go.
    workspace: WorkspaceEvents = field(init=False)

    def __post_init__(self) -> None:
        self.workspace = WorkspaceEvents(self.state)

    def hang(self, seconds: float) -> None:
        """Wait ``seconds`` for a latency or timeout fault."""
        if self.sleep is None:
            self.stop.wait(seconds)
        else:
            self.sleep(seconds)

    def reset(self) -> None:
        """Back to the seeded defaults: data, request log, stats, quota windows and faults.

        Registered tokens, users added by tokeninfo, whether quotas are enabled
        and where Workspace events are published survive a reset; subscriptions,
        operations, published events and the subscriptions' clock offset do not.
        """
        with self.state.lock:
            self.state.clear()
            self.state.seed_defaults()
        self.workspace.reset()
        self.quotas.reset()
        self.faults.configure(FaultConfig())
        self.journal.reset()
