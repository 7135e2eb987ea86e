"""The installation's cryptographic profile, chosen at set-up (``LAUREL_CRYPTO_PROFILE``).

``standard`` (the default): Fernet (AES-128-CBC + HMAC-SHA256) for ID numbers, HMAC-SHA256 for
their blind index, SHA-256 for the audit chain. ``gm`` (国密): SM4-CBC + HMAC-SM3 for ID numbers,
HMAC-SM3 for the blind index, SM3 for the audit chain (GB/T 32907, GB/T 32905). Both use the same
keys (``LAUREL_ID_ENCRYPTION_KEYS``: 32 random bytes in URL-safe base64, the first encrypts and
all decrypt, ``manage.py rotate_id_keys`` re-encrypts) so key rotation works the same way. The
profile is fixed for the life of an installation: blind indexes and chain hashes made under one
do not match the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

PROFILES = ("standard", "gm")


def profile() -> str:
    return getattr(settings, "LAUREL_CRYPTO_PROFILE", "standard")


def hash_name() -> str:
    """The hashlib name of the profile's hash: ``sha256`` or ``sm3``."""
    return "sm3" if profile() == "gm" else "sha256"


def digest(data: bytes) -> str:
    """Hex digest of ``data`` under the profile's hash."""
    return hashlib.new(hash_name(), data).hexdigest()


class Sm4Key:
    """One key: the first 16 bytes authenticate (HMAC-SM3), the last 16 encrypt (SM4-CBC)."""

    PREFIX = b"gm1:"

    def __init__(self, key: str | bytes) -> None:
        raw = base64.urlsafe_b64decode(key)
        if len(raw) != 32:
            raise ValueError("An ID encryption key is 32 bytes in URL-safe base64.")
        self._mac_key, self._enc_key = raw[:16], raw[16:]

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._mac_key, self.PREFIX + body, "sm3").digest()

    def encrypt(self, data: bytes) -> bytes:
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(algorithms.SM4(self._enc_key), modes.CBC(iv)).encryptor()
        body = iv + encryptor.update(padded) + encryptor.finalize()
        return self.PREFIX + base64.urlsafe_b64encode(body + self._tag(body))

    def decrypt(self, token: bytes) -> bytes:
        if not token.startswith(self.PREFIX):
            raise InvalidToken
        try:
            raw = base64.urlsafe_b64decode(token[len(self.PREFIX) :])
        except ValueError:
            raise InvalidToken from None
        body, tag = raw[:-32], raw[-32:]
        if len(body) < 32 or len(body) % 16 or not hmac.compare_digest(tag, self._tag(body)):
            raise InvalidToken
        decryptor = Cipher(algorithms.SM4(self._enc_key), modes.CBC(body[:16])).decryptor()
        padded = decryptor.update(body[16:]) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise InvalidToken from None


class Sm4MultiKey:
    """``MultiFernet``'s contract with SM4 keys: the first encrypts, all decrypt, ``rotate`` re-encrypts."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("At least one key is needed.")
        self._keys = [Sm4Key(k) for k in keys]

    def encrypt(self, data: bytes) -> bytes:
        return self._keys[0].encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        for key in self._keys:
            try:
                return key.decrypt(token)
            except InvalidToken:
                continue
        raise InvalidToken

    def rotate(self, token: bytes) -> bytes:
        return self.encrypt(self.decrypt(token))


def generate_key() -> str:
    """A new ID encryption key (the same format in both profiles)."""
    return Fernet.generate_key().decode("ascii")


def fernet_encrypt_many(key: str | bytes, messages: Sequence[bytes], *, now: int | None = None) -> list[str]:
    """Fernet tokens of ``messages`` under ``key``, byte for byte what ``Fernet(key).encrypt`` makes.

    For bulk loads (the subject import encrypts every new ID number): one AES block context
    serves the whole list (CBC chained here, block by block) and one HMAC key schedule is
    copied per message, instead of a fresh cipher, padder and HMAC per token (2–3× faster).
    ``now`` (seconds) fixes the timestamp, for the test against ``Fernet``.
    """
    raw = base64.urlsafe_b64decode(key)
    signing, encryption = raw[:16], raw[16:]
    block = Cipher(algorithms.AES(encryption), modes.ECB()).encryptor()  # noqa: S305 (CBC chained below)
    mac = hmac.new(signing, digestmod=hashlib.sha256)
    stamp = b"\x80" + int(time.time() if now is None else now).to_bytes(8, "big")
    ivs = os.urandom(16 * len(messages))
    tokens = []
    for index, message in enumerate(messages):
        pad = 16 - len(message) % 16
        data = message + bytes([pad]) * pad
        iv = ivs[16 * index : 16 * index + 16]
        previous = int.from_bytes(iv, "big")
        blocks = []
        for offset in range(0, len(data), 16):
            cipher = block.update((int.from_bytes(data[offset : offset + 16], "big") ^ previous).to_bytes(16, "big"))
            previous = int.from_bytes(cipher, "big")
            blocks.append(cipher)
        body = stamp + iv + b"".join(blocks)
        signed = mac.copy()
        signed.update(body)
        tokens.append(base64.urlsafe_b64encode(body + signed.digest()).decode("ascii"))
    return tokens
