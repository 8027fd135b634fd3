"""Agencies, areas, users, roles, API keys and the object-permission helpers: the ground floor."""
