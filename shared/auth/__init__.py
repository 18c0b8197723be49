"""Auth: the app's own credentials (``app``), users' grants (``grants``), the consent
flow (``consent``, ``state``), Google's token endpoints (``endpoints``) and the
errors that cross layers (``errors``). Nothing here builds Chat messages."""
