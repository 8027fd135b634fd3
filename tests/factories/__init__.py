"""Factories for tests (Faker en_GB: synthetic people only)."""
