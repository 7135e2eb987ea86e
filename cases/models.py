"""Models of the cases app (filled in by its issue)."""
