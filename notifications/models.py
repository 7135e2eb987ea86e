"""Models of the notifications app (filled in by its issue)."""
