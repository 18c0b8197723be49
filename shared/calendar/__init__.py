"""Google Calendar v3, People v1 and Meet v2 clients, and Calendar's typed models.

``client.CalendarClient`` (events, push channels, settings), ``people.PeopleClient``
(Chat users to emails), ``meet.MeetClient`` (spaces, conference records and
their artifacts) and ``models`` (``CalendarEvent``, ``EventPage``, ``Channel``).
The clients load googleapiclient only on their first request. See
docs/decisions/0019-meetings.md.
"""
