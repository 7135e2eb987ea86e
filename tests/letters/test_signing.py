"""Signatures: an issued letter's signature validates, and one changed byte breaks it;
``verify_letter`` checks signature and recorded hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from letters.certs import make_self_signed
from letters.models import Letter
from letters.signing import check_pdf


@pytest.fixture
def issued(letterhead: Any, file_case: Callable[..., Any], issue: Callable[..., Letter], settings: Any) -> Path:
    letter = issue(file_case(), "acknowledgement")
    return Path(settings.LAUREL_LETTER_DIR) / letter.file_name


def _flip_one_byte(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x01  # inside the signed byte range (the page content)
    return bytes(changed)


def test_the_signature_of_an_issued_letter_validates(issued: Path) -> None:
    check = check_pdf(issued.read_bytes())
    assert check.ok, check.problems
    assert check.intact and check.trusted and check.whole_file
    assert "Laurel test letter signing" in check.signer


def test_one_changed_byte_breaks_the_signature(issued: Path) -> None:
    check = check_pdf(_flip_one_byte(issued.read_bytes()))
    assert not check.ok
    assert not check.intact


def test_bytes_appended_after_signing_are_detected(issued: Path) -> None:
    check = check_pdf(issued.read_bytes() + b"\n%% appended\n")
    assert not check.ok


def test_a_signature_by_another_key_is_not_trusted(issued: Path, tmp_path: Path, settings: Any) -> None:
    make_self_signed(tmp_path / "k.pem", tmp_path / "c.pem", common_name="Forger")
    settings.LAUREL_LETTER_SIGNING_CERT = tmp_path / "c.pem"  # what the verifier trusts now
    check = check_pdf(issued.read_bytes())
    assert not check.ok and not check.trusted


def test_verify_letter_accepts_the_issued_file(issued: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("verify_letter", str(issued))
    out = capsys.readouterr().out
    assert "The letter is authentic." in out
    assert hashlib.sha256(issued.read_bytes()).hexdigest() in out


def test_verify_letter_rejects_a_file_changed_by_one_byte(issued: Path, tmp_path: Path) -> None:
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_flip_one_byte(issued.read_bytes()))
    with pytest.raises(CommandError, match="NOT authentic"):
        call_command("verify_letter", str(forged))


def test_verify_letter_rejects_a_signed_pdf_that_was_never_issued(issued: Path, tmp_path: Path, db: Any) -> None:
    from letters.models import Letter as LetterModel

    LetterModel.objects.all().update(sha256="0" * 64)  # as if the record said otherwise
    with pytest.raises(CommandError):
        call_command("verify_letter", str(issued))


def test_make_dev_letter_cert_is_idempotent(tmp_path: Path, settings: Any) -> None:
    settings.LAUREL_LETTER_SIGNING_KEY = tmp_path / "var" / "key.pem"
    settings.LAUREL_LETTER_SIGNING_CERT = tmp_path / "var" / "cert.pem"
    call_command("make_dev_letter_cert")
    first = settings.LAUREL_LETTER_SIGNING_CERT.read_bytes()
    call_command("make_dev_letter_cert")
    assert settings.LAUREL_LETTER_SIGNING_CERT.read_bytes() == first
    assert settings.LAUREL_LETTER_SIGNING_KEY.stat().st_mode & 0o077 == 0


def test_the_signer_parses_its_key_once_and_signs_in_one_pass(
    letterhead: Any, file_case: Callable[..., Any], issue: Callable[..., Letter], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers

    from letters import signing

    signing._signer_cache.clear()
    kept = type(signing.load_signer())  # the key is parsed here, once
    parsed: list[int] = []
    signed: list[int] = []
    passes: list[int] = []
    real_parse, real_sign, real_kept = serialization.load_der_private_key, signers.SimpleSigner.sign_raw, kept.sign_raw

    def parse(*args: Any, **kwargs: Any) -> Any:
        parsed.append(1)
        return real_parse(*args, **kwargs)

    def sign_raw(*args: Any, **kwargs: Any) -> Any:
        signed.append(1)
        return real_sign(*args, **kwargs)

    def kept_sign_raw(*args: Any, **kwargs: Any) -> Any:
        passes.append(1)
        return real_kept(*args, **kwargs)

    monkeypatch.setattr(serialization, "load_der_private_key", parse)
    monkeypatch.setattr(signers.SimpleSigner, "sign_raw", sign_raw)
    monkeypatch.setattr(kept, "sign_raw", kept_sign_raw)
    first = issue(file_case(), "acknowledgement")
    second = issue(file_case(), "acknowledgement")
    assert parsed == []  # no DER re-parsing per signature
    assert signed == []  # pyHanko's own sign_raw (which re-parses the key) is not used
    assert len(passes) == 2  # one signing pass per letter: no dry run to size the placeholder
    from django.conf import settings

    for letter in (first, second):
        assert check_pdf((Path(settings.LAUREL_LETTER_DIR) / letter.file_name).read_bytes()).ok


def test_the_signature_space_is_a_fixed_size_with_room_to_spare() -> None:
    from letters import signing

    signing._signer_cache.clear()
    signer = signing.load_signer()
    raw = signing.sign_pdf(_minimal_pdf())
    start = raw.index(b"/Contents <") + len(b"/Contents <")
    contents = raw[start : raw.index(b">", start)]
    assert len(contents) == signer.bytes_reserved
    assert contents.rstrip(b"0") and len(contents.rstrip(b"0")) < signer.bytes_reserved // 2


def _minimal_pdf() -> bytes:
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page")}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_signed_attributes_kept_between_signatures_are_exactly_pyhankos() -> None:
    import asyncio
    import datetime as dt

    from pyhanko.sign.signers import SimpleSigner
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    from letters import signing

    signing._signer_cache.clear()
    signer = signing.load_signer()
    for n, when in enumerate(
        (dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC))
    ):
        digest = bytes([n]) * 32
        settings_ = PdfCMSSignedAttributes(signing_time=when)
        ours = asyncio.run(signer.signed_attrs(digest, "sha256", attr_settings=settings_))
        theirs = asyncio.run(SimpleSigner.signed_attrs(signer, digest, "sha256", attr_settings=settings_))
        assert ours.dump() == theirs.dump()  # the second time from the kept DER, the same bytes
    assert "sha256" in signer._constant_attrs
    raw = signing.sign_pdf(_minimal_pdf())
    second = signing.sign_pdf(_minimal_pdf())
    assert check_pdf(raw).ok and check_pdf(second).ok
