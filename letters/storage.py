"""Where letter PDFs live: write-once files under ``LAUREL_LETTER_DIR``, named at random.

A file is created exclusively (never overwritten) and made read-only; reads check the
SHA-256 recorded on the letter, so a file changed on disk is refused rather than served.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings


class LetterFileError(Exception):
    """The stored file is missing or does not match its recorded SHA-256."""


def root() -> Path:
    return Path(settings.LAUREL_LETTER_DIR)


def save_new(county_code: str, year: int, data: bytes) -> str:
    """Store ``data`` under a new random name; returns the name relative to the letter directory."""
    relative = f"{county_code or 'x'}/{year}/{uuid.uuid4().hex}.pdf"
    path = root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:  # exclusive: an existing file is never replaced
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    path.chmod(0o440)
    return relative


def read(file_name: str, sha256: str) -> bytes:
    path = root() / file_name
    if not file_name or not path.is_file():
        raise LetterFileError(f"The letter file {file_name!r} is missing.")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise LetterFileError(f"The letter file {file_name!r} does not match its recorded SHA-256.")
    return data
