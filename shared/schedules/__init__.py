"""Time phrases and wall-clock schedules, shared by every feature that schedules posts.

``grammar.parse_reminder`` and ``grammar.parse_when`` read what people type
("every weekday at 9am", "tomorrow at 3pm for 45m"); ``schedule.Schedule`` is a
wall-clock rule plus an IANA zone, never a UTC offset, with DST handled.
Pure code: only the standard library and ``python-dateutil``.
"""
