"""MARAC: meeting schedules, meetings, agendas, research, attendance, actions and MARAC Plus."""
