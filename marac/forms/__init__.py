"""Forms of the MARAC pages: coordinator.py (meeting filters, building agendas, changing an agenda item,
the capacity override, the SafeLives return), meetings.py (the meeting's record and minutes), agency.py
(member agencies' research and actions)."""
