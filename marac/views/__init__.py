"""Pages of the MARAC app: coordinator.py (meetings, agenda building, research matrix, outputs, the
SafeLives return), meetings.py (the meeting: attendance, outcomes, actions, minutes), agency.py (member
agencies: their cases on agendas, research, their actions; the coordinator's chase list)."""
