"""Forms of the review tracker's pages."""
