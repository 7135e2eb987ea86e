"""The 国密 profile: SM4 + HMAC-SM3 for ID numbers, HMAC-SM3 blind index, SM3 audit chain.

(tests/subjects/test_ids.py and tests/audit/test_chain.py run whole under both profiles.)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from audit.chain import canonical_bytes, event_hash
from core import crypto
from subjects import ids

NUMBER = "11010519491231002X"


def test_sm4_matches_the_standards_known_answer() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")  # GB/T 32907-2016, appendix A.1
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 (one block, a test vector)
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_the_gm_profile_encrypts_with_sm4_and_indexes_with_hmac_sm3(settings: Any) -> None:
    standard_index = ids.blind_index(NUMBER)
    standard_token = ids.encrypt(NUMBER)
    settings.LAUREL_CRYPTO_PROFILE = "gm"
    token = ids.encrypt(NUMBER)
    assert token.startswith("gm1:") and NUMBER not in token
    assert ids.decrypt(token) == NUMBER
    key = settings.LAUREL_ID_BLIND_INDEX_KEY.encode()
    assert ids.blind_index(NUMBER) == hmac.new(key, NUMBER.encode(), "sm3").hexdigest() != standard_index
    with pytest.raises(ValueError):
        ids.decrypt(standard_token)  # the profile is fixed for an installation
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(ValueError):
        ids.decrypt(tampered)


def test_the_gm_profile_rotates_keys_like_the_standard_one(settings: Any) -> None:
    settings.LAUREL_CRYPTO_PROFILE = "gm"
    old_token = ids.encrypt(NUMBER)
    new_key = ids.generate_key()
    settings.LAUREL_ID_ENCRYPTION_KEYS = [new_key, *settings.LAUREL_ID_ENCRYPTION_KEYS]
    rotated = ids.rotate(old_token)
    settings.LAUREL_ID_ENCRYPTION_KEYS = [new_key]
    assert ids.decrypt(rotated) == NUMBER
    with pytest.raises(ValueError):
        ids.decrypt(old_token)


def test_the_gm_profile_hashes_the_audit_chain_with_sm3(settings: Any) -> None:
    import datetime as dt

    values = {
        "chain": "44",
        "seq": 1,
        "prev_hash": "0" * 64,
        "occurred_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        "event_type": "case.filed",
        "actor_id": None,
        "actor_username": "",
        "actor_role": "",
        "object_type": "cases.case",
        "object_id": "1",
        "division_code": "440106",
        "data": {},
        "reason": "",
        "evidence": {},
    }
    from audit.chain import HASHED_FIELDS

    values = {name: values.get(name, "") for name in HASHED_FIELDS} | {"occurred_at": values["occurred_at"]}
    standard = event_hash(values)
    settings.LAUREL_CRYPTO_PROFILE = "gm"
    assert crypto.hash_name() == "sm3"
    assert event_hash(values) == hashlib.new("sm3", canonical_bytes(values)).hexdigest() != standard


def test_an_unknown_profile_is_refused_at_start_up() -> None:
    start = "import django; django.setup()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "LAUREL_CRYPTO_PROFILE": "rot13", "DEBUG": "1"}
    result = subprocess.run([sys.executable, "-c", start], env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "LAUREL_CRYPTO_PROFILE" in result.stderr


def test_bulk_fernet_tokens_are_byte_for_byte_what_fernet_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    messages = [b"", b"440106196005170031", b"x" * 16, b"\xe9\xbe\x9a" * 11]
    ivs = bytes(range(16 * len(messages)))
    monkeypatch.setattr(crypto.os, "urandom", lambda n: ivs[:n])
    tokens = crypto.fernet_encrypt_many(key, messages, now=1_700_000_000)
    expected = [
        Fernet(key)._encrypt_from_parts(m, 1_700_000_000, ivs[16 * i : 16 * i + 16]).decode()
        for i, m in enumerate(messages)
    ]
    assert tokens == expected
    monkeypatch.undo()
    fresh = crypto.fernet_encrypt_many(key, messages)
    assert [Fernet(key).decrypt(t.encode()) for t in fresh] == messages
    assert len(set(crypto.fernet_encrypt_many(key, [b"a", b"a"]))) == 2  # a fresh IV each
