"""People, cases, children, DASH risk assessments, incidents and per-agency case sharing."""
