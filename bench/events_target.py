"""functions-framework's source for ``events end-to-end``: the real door, one extra feature.

``workspace_events`` is the deployed door (``functions.workspace_events``); the
runtime it uses has the installed features plus a no-op handler for
``message.v1.created``, so every event is decoded, deduplicated and dispatched.
"""

from __future__ import annotations

import os

from bench.events_bench import _bench_feature
from functions.workspace_events import workspace_events
from shared.config import Settings
from shared.log import configure
from shared.wiring import Runtime, load_features, use_runtime

_settings = Settings.from_env(os.environ)
configure(_settings.log_level, _settings.project_id)
use_runtime(Runtime(_settings, features=[*load_features(), _bench_feature()]))

__all__ = ["workspace_events"]
