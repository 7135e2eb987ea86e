"""The 查询码 a case gets at registration: short, unambiguous when read aloud or typed on a phone."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a code read from an SMS or a printed notice is typed without guessing.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10


def new_query_code() -> str:
    """A random code (31^10 ≈ 8·10^14 values): guessing one is hopeless, and it opens nothing alone."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -\u3000")
