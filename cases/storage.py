"""Where case documents are kept: files under ``LAUREL_ATTACHMENT_DIR`` with random names.

The attachment actions (``cases.actions.attachments``) store through :func:`store`; the
download page opens through :func:`open_stored` after ``cases.policy.access_attachment``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class TooLarge(Exception):
    """The upload is larger than ``limit`` bytes (nothing is kept)."""


@dataclass(frozen=True)
class Stored:
    storage_name: str
    size: int
    sha256: str


def sniff_content_type(head: bytes) -> str | None:
    """The type a file really is, from its first bytes (never from its name); None if not allowed."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def attachment_path(storage_name: str) -> Path:
    return Path(settings.LAUREL_ATTACHMENT_DIR) / storage_name[:2] / storage_name


def store(upload: Any, *, limit: int) -> Stored:
    """Write ``upload`` (a Django ``UploadedFile``) under a new random name, with its SHA-256.

    Raises :class:`TooLarge` (and keeps nothing) when it turns out larger than ``limit`` bytes.
    """
    storage_name = secrets.token_hex(24)
    path = attachment_path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    with open(path, "xb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink(missing_ok=True)
                raise TooLarge
            digest.update(chunk)
            out.write(chunk)
    return Stored(storage_name=storage_name, size=size, sha256=digest.hexdigest())


def open_stored(storage_name: str) -> IO[bytes]:
    """The stored file, opened for reading (the caller closes it; ``FileResponse`` does)."""
    return open(attachment_path(storage_name), "rb")
