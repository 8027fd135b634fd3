"""Pages of the referrals app: cases.py (the case page, risk assessments and their routing), intake.py
(making a referral), workflow.py (the referral page and its steps), queues.py (caseloads, triage, alerts)."""
