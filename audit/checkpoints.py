"""Signed checkpoints: the chain heads, signed with Ed25519 and kept outside the database.

Someone with write access to the database can rewrite an event and recompute every hash
after it; the chain then verifies. A checkpoint pins each chain's ``(seq, hash)`` at a
moment with a signature made by a key the database never sees, so such a rewrite of
anything up to the last checkpoint no longer matches. Checkpoint often (cron), and copy
the directory off the host (or onto write-once storage): an attacker who can also delete
checkpoint files can hide a rewrite made after the last surviving one.

File: ``checkpoint-<UTC time>.json`` = ``{"payload": {...}, "signature": <base64>}``,
where the signature covers the canonical JSON of ``payload``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from . import chain
from .models import AuditEvent

FORMAT_VERSION = 1


class KeyError_(Exception):
    """A signing or verification key is missing or unreadable (message says which and why)."""


def checkpoint_dir() -> Path:
    return Path(settings.LAUREL_AUDIT_CHECKPOINT_DIR)


def generate_keys(*, overwrite: bool = False) -> tuple[Path, Path]:
    """Create the Ed25519 key pair at the configured paths (private key mode 0600)."""
    private_path = Path(settings.LAUREL_AUDIT_SIGNING_KEY)
    public_path = Path(settings.LAUREL_AUDIT_VERIFY_KEY)
    if private_path.exists() and not overwrite:
        raise KeyError_(f"{private_path} already exists; refusing to replace the signing key.")
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return private_path, public_path


def load_signing_key() -> Ed25519PrivateKey:
    path = Path(settings.LAUREL_AUDIT_SIGNING_KEY)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise KeyError_(
            f"No audit signing key at {path} (LAUREL_AUDIT_SIGNING_KEY). Create one with manage.py audit_keygen."
        ) from None
    except ValueError as exc:
        raise KeyError_(f"{path} is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"{path} is not an Ed25519 key.")
    return key


def load_verify_key() -> Ed25519PublicKey:
    """The public key from ``LAUREL_AUDIT_VERIFY_KEY``, else derived from the signing key."""
    path = Path(settings.LAUREL_AUDIT_VERIFY_KEY)
    if not path.exists():
        return load_signing_key().public_key()
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError as exc:
        raise KeyError_(f"{path} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyError_(f"{path} is not an Ed25519 public key.")
    return key


def key_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_checkpoint(heads: dict[str, tuple[int, str]] | None = None) -> Path:
    """Sign the current chain heads and write them as a new file; return its path.

    Does not verify the chain first: the command does (never sign a broken chain).
    """
    key = load_signing_key()
    now = datetime.now(UTC)
    heads = chain.current_heads() if heads is None else heads
    payload = {
        "v": FORMAT_VERSION,
        "created_at": now.isoformat(timespec="microseconds"),
        "key": key_fingerprint(key.public_key()),
        "chains": {name: {"seq": seq, "hash": digest} for name, (seq, digest) in sorted(heads.items())},
    }
    document = {"payload": payload, "signature": base64.b64encode(key.sign(_canonical(payload))).decode()}
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"checkpoint-{now:%Y%m%dT%H%M%S%fZ}"
    path = directory / f"{stem}.json"
    # Exclusive create: a checkpoint file is never overwritten.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, sort_keys=True, indent=1)
    return path


@dataclass
class Checkpoint:
    path: Path
    created_at: str = ""
    chains: dict[str, dict[str, Any]] = field(default_factory=dict)
    valid_signature: bool = False
    error: str = ""


def list_checkpoints() -> list[Path]:
    directory = checkpoint_dir()
    return sorted(directory.glob("checkpoint-*.json")) if directory.is_dir() else []


def read_checkpoint(path: Path, key: Ed25519PublicKey | None) -> Checkpoint:
    """Parse one checkpoint file and check its signature (``key`` None: signature unchecked)."""
    checkpoint = Checkpoint(path=path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        payload = document["payload"]
        signature = base64.b64decode(document["signature"], validate=True)
        checkpoint.created_at = str(payload["created_at"])
        checkpoint.chains = dict(payload["chains"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        checkpoint.error = f"unreadable checkpoint ({exc.__class__.__name__})"
        return checkpoint
    if key is None:
        return checkpoint
    try:
        key.verify(signature, _canonical(payload))
    except InvalidSignature:
        checkpoint.error = "the signature does not match (file altered, or signed by another key)"
        return checkpoint
    checkpoint.valid_signature = True
    return checkpoint


def latest_anchors() -> dict[str, tuple[int, str]]:
    """``{chain: (seq, hash)}`` of the newest checkpoint whose signature holds ({} if none)."""
    try:
        key = load_verify_key()
    except KeyError_:
        return {}
    for path in reversed(list_checkpoints()):
        checkpoint = read_checkpoint(path, key)
        if checkpoint.valid_signature:
            return {name: (int(head["seq"]), str(head["hash"])) for name, head in checkpoint.chains.items()}
    return {}


def latest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint, signature unchecked (for the status page)."""
    paths = list_checkpoints()
    return read_checkpoint(paths[-1], None) if paths else None


def verify_checkpoints(report: chain.ChainReport) -> int:
    """Check every checkpoint against the stored events; add problems to ``report``.

    Returns the number of checkpoint files examined.
    """
    paths = list_checkpoints()
    if not paths:
        return 0
    try:
        key: Ed25519PublicKey | None = load_verify_key()
    except KeyError_ as exc:
        report.problems.append(chain.Problem("*", None, None, f"cannot check checkpoint signatures: {exc}"))
        return 0
    # Many checkpoints sign the same head (a quiet province): look each (chain, seq) up once.
    signed: dict[tuple[str, int], tuple[str, str]] = {}  # (chain, seq) → (hash, first file signing it)
    for path in paths:
        checkpoint = read_checkpoint(path, key)
        if checkpoint.error:
            report.problems.append(chain.Problem("*", None, None, f"checkpoint {path.name}: {checkpoint.error}"))
            continue
        for name, head in sorted(checkpoint.chains.items()):
            position, digest = (name, int(head["seq"])), str(head["hash"])
            earlier = signed.setdefault(position, (digest, path.name))
            if earlier[0] != digest:
                message = f"checkpoints {earlier[1]} and {path.name} sign different hashes for this event"
                report.problems.append(chain.Problem(name, position[1], None, message))
    by_chain: dict[str, list[int]] = {}
    for name, seq in signed:
        by_chain.setdefault(name, []).append(seq)
    for name, seqs in sorted(by_chain.items()):
        stored: dict[int, tuple[int, str]] = {}
        for start in range(0, len(seqs), 1000):
            rows = AuditEvent.objects.filter(chain=name, seq__in=seqs[start : start + 1000])
            stored.update({seq: (pk, digest) for pk, seq, digest in rows.values_list("id", "seq", "hash")})
        for seq in sorted(seqs):
            digest, filename = signed[(name, seq)]
            if seq not in stored:
                report.problems.append(
                    chain.Problem(name, seq, None, f"signed in checkpoint {filename} but missing: deleted events")
                )
            elif stored[seq][1] != digest:
                message = (
                    f"hash differs from the one signed in checkpoint {filename}: the chain was rewritten and re-hashed"
                )
                report.problems.append(chain.Problem(name, seq, stored[seq][0], message))
    return len(paths)
