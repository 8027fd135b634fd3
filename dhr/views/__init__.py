"""The review tracker's pages."""
