"""PDF signatures on letters (pyHanko): sign with the configured key, check signature and coverage.

The key and certificate are PEM files named by ``LAUREL_LETTER_SIGNING_KEY`` and
``LAUREL_LETTER_SIGNING_CERT``. Verification trusts the configured certificate (and any
extra roots given), and requires the signature to cover the whole file: bytes appended
or changed after signing fail.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELD_NAME = "LaurelSignature"


def _paths() -> tuple[Path, Path]:
    return Path(settings.LAUREL_LETTER_SIGNING_KEY), Path(settings.LAUREL_LETTER_SIGNING_CERT)


_signer_cache: dict[tuple[str, str, float, float], Any] = {}


def load_signer() -> Any:
    """The configured pyHanko signer (cached per process while the files are unchanged)."""
    from pyhanko.sign import signers

    key, cert = _paths()
    if not key.is_file() or not cert.is_file():
        raise ImproperlyConfigured(
            f"The letter signing key ({key}) or certificate ({cert}) is missing. Set LAUREL_LETTER_SIGNING_KEY "
            "and LAUREL_LETTER_SIGNING_CERT, or run `manage.py make_dev_letter_cert` for a development pair."
        )
    cache_key = (str(key), str(cert), key.stat().st_mtime, cert.stat().st_mtime)
    signer = _signer_cache.get(cache_key)
    if signer is None:
        passphrase = settings.LAUREL_LETTER_SIGNING_KEY_PASSPHRASE.encode() or None
        signer = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase)
        if signer is None:
            raise ImproperlyConfigured(f"The letter signing key {key} or certificate {cert} could not be read.")
        _signer_cache.clear()
        _signer_cache[cache_key] = signer
    return signer


def signer_name() -> str:
    signer = load_signer()
    return str(signer.signing_cert.subject.human_friendly)[:255]


def sign_pdf(pdf: bytes, *, reason: str = "", location: str = "") -> bytes:
    """``pdf`` with an incremental-update signature over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", reason=reason or None, location=location or None
    )
    out = signers.sign_pdf(writer, meta, signer=load_signer())
    return bytes(out.getvalue())


@dataclass
class SignatureCheck:
    ok: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signed_at: str = ""
    problems: list[str] = field(default_factory=list)


def _trust_roots(extra: list[Path] | None) -> list[Any]:
    from pyhanko.keys import load_cert_from_pemder

    roots = []
    for path in [_paths()[1], *(extra or [])]:
        if path.is_file():
            roots.append(load_cert_from_pemder(str(path)))
    return roots


def check_pdf(pdf: bytes, *, trust: list[Path] | None = None) -> SignatureCheck:
    """Check a letter's signature: intact, made by a trusted certificate, covering the entire file."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        return SignatureCheck(ok=False, problems=[f"The file is not a readable PDF: {exc}"])
    if not signatures:
        return SignatureCheck(ok=False, problems=["The file carries no signature."])
    try:
        status = validate_pdf_signature(signatures[-1], ValidationContext(trust_roots=_trust_roots(trust)))
    except Exception as exc:
        return SignatureCheck(ok=False, problems=[f"The signature could not be checked: {exc}"])
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check = SignatureCheck(
        ok=bool(status.intact and status.valid and status.trusted and whole),
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=whole,
        signer=str(status.signing_cert.subject.human_friendly) if status.signing_cert else "",
        signed_at=status.signer_reported_dt.isoformat() if status.signer_reported_dt else "",
    )
    if not check.intact:
        check.problems.append("The file was changed after it was signed (the signed digest does not match).")
    if not check.trusted:
        check.problems.append("The signing certificate is not trusted here.")
    if not whole:
        check.problems.append("The signature does not cover the whole file (something was added after signing).")
    return check
