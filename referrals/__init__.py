"""Referrals, the routing policy and routing decisions, and (later) the IDVA service workflow."""
