"""Signed checkpoints: the chain heads, signed with Ed25519 and kept outside the database.

Someone with write access to the database can rewrite an event and recompute every hash
after it; the chain then verifies. A checkpoint pins each chain's ``(seq, hash)`` at a
moment with a signature made by a key the database never sees, so such a rewrite of
anything up to the last checkpoint no longer matches. Checkpoint often (cron), and copy
the directory off the host (or onto write-once storage): an attacker who can also delete
checkpoint files can hide a rewrite made after the last surviving one.

File: ``checkpoint-<UTC time>.json`` = ``{"payload": {...}, "signature": <base64>}``,
where the signature covers the canonical JSON of ``payload``.

Each checkpoint is also appended, as one JSON line with the file's SHA-256, to the anchor log
(``LAUREL_AUDIT_ANCHOR_FILE``): an append-only file meant for another host or an append-only
mount. Verification reads both: a checkpoint file deleted or altered is caught by its anchor,
and in production (``LAUREL_AUDIT_REQUIRE_CHECKPOINTS``) a trail with events but no checkpoint
at all, or whose newest checkpoint is older than ``LAUREL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES``
while events were added since, fails. ``audit_keygen --rotate`` retires the signing key: its
public key moves to ``LAUREL_AUDIT_RETIRED_KEYS_DIR`` and checkpoints signed by it still verify
(each names its key's fingerprint).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC
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


def retired_keys_dir() -> Path:
    return Path(settings.LAUREL_AUDIT_RETIRED_KEYS_DIR)


def verify_keys() -> dict[str, Ed25519PublicKey]:
    """``{fingerprint: public key}``: the current key and every retired one."""
    keys: dict[str, Ed25519PublicKey] = {}
    directory = retired_keys_dir()
    for path in sorted(directory.glob("*.pem")) if directory.is_dir() else []:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except ValueError as exc:
            raise KeyError_(f"{path} is not a PEM public key: {exc}") from None
        if isinstance(key, Ed25519PublicKey):
            keys[key_fingerprint(key)] = key
    try:
        current = load_verify_key()
    except KeyError_:
        if not keys:
            raise
    else:
        keys[key_fingerprint(current)] = current
    return keys


def rotate_keys() -> tuple[str, str]:
    """Retire the current signing key (its public key is kept) and create a new pair.

    Returns ``(old fingerprint, new fingerprint)``. The caller checkpoints with the old key
    first, so that every event up to the rotation is signed by it.
    """
    old = load_verify_key()
    directory = retired_keys_dir()
    directory.mkdir(parents=True, exist_ok=True)
    retired = directory / f"{key_fingerprint(old)}.pem"
    retired.write_bytes(old.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    generate_keys(overwrite=True)
    return key_fingerprint(old), key_fingerprint(load_verify_key())


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
    now = datetime.datetime.now(UTC)
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
    append_anchor(path, document)
    return path


def anchor_file() -> Path:
    return Path(settings.LAUREL_AUDIT_ANCHOR_FILE)


def append_anchor(path: Path, document: dict[str, Any]) -> None:
    """Append the checkpoint (its signed payload and the file's SHA-256) to the anchor log."""
    line = {"checkpoint": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), **document}
    target = anchor_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_anchors() -> list[dict[str, Any]]:
    """The anchor log's lines (``[]`` when there is none); an unreadable line is ``{"error": ...}``."""
    target = anchor_file()
    if not target.exists():
        return []
    lines: list[dict[str, Any]] = []
    for number, raw in enumerate(target.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            lines.append({"line": number, **json.loads(raw)})
        except ValueError:
            lines.append({"line": number, "error": "unreadable line"})
    return lines


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


def read_checkpoint(
    path: Path, key: Ed25519PublicKey | dict[str, Ed25519PublicKey] | None, document: dict[str, Any] | None = None
) -> Checkpoint:
    """Parse one checkpoint file (or its anchored ``document``) and check its signature.

    ``key``: the public key, or ``{fingerprint: key}`` of the current and retired keys (the
    checkpoint names the fingerprint of the key that signed it); None leaves it unchecked.
    """
    checkpoint = Checkpoint(path=path)
    try:
        if document is None:
            document = json.loads(path.read_text(encoding="utf-8"))
        assert document is not None
        payload = document["payload"]
        signature = base64.b64decode(document["signature"], validate=True)
        checkpoint.created_at = str(payload["created_at"])
        checkpoint.chains = dict(payload["chains"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        checkpoint.error = f"unreadable checkpoint ({exc.__class__.__name__})"
        return checkpoint
    if key is None:
        return checkpoint
    keys = key if isinstance(key, dict) else {key_fingerprint(key): key}
    named = keys.get(str(payload.get("key", "")))
    try:
        (named or next(iter(keys.values()))).verify(signature, _canonical(payload))
    except (InvalidSignature, StopIteration):
        checkpoint.error = (
            "the signature does not match (file altered, or signed by another key"
            + ("" if named else f": key {payload.get('key')} is neither the current nor a retired one")
            + ")"
        )
        return checkpoint
    checkpoint.valid_signature = True
    return checkpoint


def latest_anchors() -> dict[str, tuple[int, str]]:
    """``{chain: (seq, hash)}`` of the newest checkpoint whose signature holds ({} if none)."""
    try:
        key = verify_keys()
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
    anchors = read_anchors()
    required = bool(settings.LAUREL_AUDIT_REQUIRE_CHECKPOINTS)
    if not paths and not anchors:
        if required and report.heads:
            report.problems.append(
                chain.Problem(
                    "*",
                    None,
                    None,
                    f"no signed checkpoint in {checkpoint_dir()} and no anchor log at {anchor_file()}: nothing "
                    "protects the chains against a rewrite (files deleted? restore them; new install? "
                    "run audit_keygen and audit_checkpoint)",
                )
            )
        return 0
    if required and paths and not anchor_file().exists():
        report.problems.append(chain.Problem("*", None, None, f"the anchor log {anchor_file()} is missing"))
    try:
        keys: dict[str, Ed25519PublicKey] = verify_keys()
    except KeyError_ as exc:
        report.problems.append(chain.Problem("*", None, None, f"cannot check checkpoint signatures: {exc}"))
        return 0
    # Many checkpoints sign the same head (a quiet province): look each (chain, seq) up once.
    signed: dict[tuple[str, int], tuple[str, str]] = {}  # (chain, seq) → (hash, first file signing it)
    documents: list[tuple[str, Checkpoint]] = []
    for path in paths:
        documents.append((path.name, read_checkpoint(path, keys)))
    files = {path.name: path for path in paths}
    anchor_problems: list[chain.Problem] = []  # reported after the files' own problems
    for anchor in anchors:
        where = f"anchor log line {anchor['line']}"
        if "error" in anchor or "checkpoint" not in anchor:
            anchor_problems.append(chain.Problem("*", None, None, f"{where}: {anchor.get('error', 'no checkpoint')}"))
            continue
        name = str(anchor["checkpoint"])
        if name not in files:
            message = f"checkpoint {name} recorded in the anchor log is missing from {checkpoint_dir()} (deleted?)"
            anchor_problems.append(chain.Problem("*", None, None, message))
        elif hashlib.sha256(files[name].read_bytes()).hexdigest() != anchor.get("sha256"):
            message = f"checkpoint {name} differs from its copy in the anchor log (file replaced?)"
            anchor_problems.append(chain.Problem("*", None, None, message))
        documents.append((f"{name} ({where})", read_checkpoint(Path(name), keys, document=anchor)))
    newest: Checkpoint | None = None
    for label, checkpoint in documents:
        if checkpoint.error:
            report.problems.append(chain.Problem("*", None, None, f"checkpoint {label}: {checkpoint.error}"))
            continue
        if newest is None or checkpoint.created_at > newest.created_at:
            newest = checkpoint
        for name, head in sorted(checkpoint.chains.items()):
            position, digest = (name, int(head["seq"])), str(head["hash"])
            earlier = signed.setdefault(position, (digest, label))
            if earlier[0] != digest:
                message = f"checkpoints {earlier[1]} and {label} sign different hashes for this event"
                report.problems.append(chain.Problem(name, position[1], None, message))
    report.problems.extend(anchor_problems)
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
    if required and newest is not None:
        _check_blind_window(report, newest)
    return len(paths)


def _check_blind_window(report: chain.ChainReport, newest: Checkpoint) -> None:
    """Fail when checkpointing stopped: the newest checkpoint is old and events were added since."""
    max_age = datetime.timedelta(minutes=int(settings.LAUREL_AUDIT_CHECKPOINT_MAX_AGE_MINUTES))
    try:
        created = datetime.datetime.fromisoformat(newest.created_at)
    except ValueError:
        return
    if created >= datetime.datetime.now(UTC) - max_age:
        return
    unsigned = [
        name
        for name, (seq, _digest) in sorted(report.heads.items())
        if seq > int(newest.chains.get(name, {}).get("seq", 0))
    ]
    if unsigned:
        message = (
            f"the newest checkpoint was signed at {newest.created_at}, over {int(max_age.total_seconds() // 60)} "
            f"minutes ago, and chains {', '.join(unsigned)} have events since: checkpointing has stopped"
        )
        report.problems.append(chain.Problem("*", None, None, message))
