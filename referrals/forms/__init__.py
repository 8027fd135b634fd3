"""Forms of the referrals pages: assessments.py (DASH and external grades), intake.py (making a referral),
workflow.py (the workflow's steps), queues.py (list filters and alert decisions)."""
