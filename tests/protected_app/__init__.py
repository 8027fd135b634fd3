"""A test-only app with one protected model, to exercise the agency object-permission helpers."""
