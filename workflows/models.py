"""Models of the workflows app (filled in by its issue)."""
