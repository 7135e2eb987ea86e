"""PDF signatures on letters (pyHanko): sign with the configured key, check signature and coverage.

The key and certificate are PEM files named by ``LAUREL_LETTER_SIGNING_KEY`` and
``LAUREL_LETTER_SIGNING_CERT``. Signing is cheap per letter: :class:`KeptKeySigner` parses the
private key once per process (pyHanko's ``SimpleSigner`` re-parses it from DER on every
signature), and the signature's space in the file is reserved at a fixed size worked out from
the certificate chain and key (pyHanko otherwise signs twice: a dry run to size the
placeholder). Verification trusts the configured certificate (and any extra roots given), and
requires the signature to cover the whole file: bytes appended or changed after signing fail.
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
# What a CMS signature adds beyond its certificates and the raw signature: signed attributes
# (content type, digest, signing time, algorithm protection, signing certificate), algorithm
# identifiers and DER framing. Measured at ~700 bytes; the reserve leaves room to spare.
_CMS_OVERHEAD = 4096


def _kept_key_signer_class() -> type[Any]:
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign import signers

    class KeptKeySigner(signers.SimpleSigner):
        """A ``SimpleSigner`` that keeps the parsed private key instead of re-reading its DER per signature.

        The key object is loaded once in :meth:`kept`; only the RSA/EC primitive runs per letter.
        ``bytes_reserved`` is the fixed hex size of the signature placeholder for this chain.
        """

        _priv_key: Any = None
        bytes_reserved: int = 0
        # digest algorithm → (the signed attributes' types in pyHanko's order, the DER of those that are
        # the same on every signature: content type, signing-certificate-v2, algorithm protection).
        _constant_attrs: dict[str, tuple[list[str], dict[str, bytes]]]

        async def signed_attrs(
            self,
            data_digest: bytes,
            digest_algorithm: str,
            attr_settings: Any = None,
            content_type: str = "data",
            use_pades: bool = False,
            timestamper: Any = None,
            dry_run: bool = False,
            is_pdf_sig: bool = True,
        ) -> Any:
            """pyHanko's signed attributes, the invariant ones built once and reused as DER.

            Only the message digest and the signing time change from one letter to the next; pyHanko
            rebuilds the signing certificate's ESS hash and the algorithm protection as ASN.1 values
            every time (a third of a signature's time). Any other use (PAdES, a timestamper,
            revocation info, a dry run) goes through pyHanko unchanged.
            """
            from asn1crypto import cms, core
            from pyhanko.sign.general import simple_cms_attribute

            plain = (
                attr_settings is not None
                and attr_settings.signing_time is not None
                and getattr(attr_settings, "adobe_revinfo_attr", None) is None
                and getattr(attr_settings, "cades_signed_attrs", None) is None
                and content_type == "data"
                and not use_pades
                and timestamper is None
                and not dry_run
                and is_pdf_sig
            )
            args = (data_digest, digest_algorithm, attr_settings, content_type, use_pades, timestamper, dry_run)
            kept = self._constant_attrs.get(digest_algorithm) if plain else None
            if kept is None:
                attrs = await super().signed_attrs(*args, is_pdf_sig=is_pdf_sig)
                if plain:
                    order = [attr["type"].native for attr in attrs]
                    constant = {
                        attr["type"].native: attr.dump()
                        for attr in attrs
                        if attr["type"].native not in ("message_digest", "signing_time")
                    }
                    if {"message_digest", "signing_time"} <= set(order):
                        self._constant_attrs[digest_algorithm] = (order, constant)
                return attrs
            order, constant = kept
            built = []
            for name in order:
                if name == "message_digest":
                    built.append(simple_cms_attribute("message_digest", data_digest))
                elif name == "signing_time":
                    when = cms.Time({"utc_time": core.UTCTime(attr_settings.signing_time)})
                    built.append(simple_cms_attribute("signing_time", when))
                else:
                    built.append(cms.CMSAttribute.load(constant[name]))
            return cms.CMSAttributes(built)

        def kept(self) -> KeptKeySigner:
            self._constant_attrs = {}
            self._priv_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            certs = [self.signing_cert, *self.cert_registry]
            size = sum(len(c.dump()) for c in certs) + self._priv_key.key_size // 8 + _CMS_OVERHEAD
            self.bytes_reserved = 2 * size  # hex digits in the /Contents string
            return self

        def sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash

            key = self._priv_key
            try:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            except ValueError:
                mechanism = ""
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return bytes(key.sign(data, PKCS1v15(), hash_algo))
            if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return bytes(key.sign(data, signature_algorithm=ECDSA(hash_algo)))
            return bytes(super().sign_raw(data, digest_algorithm))  # other schemes: pyHanko's own path

    return KeptKeySigner


def load_signer() -> Any:
    """The configured signer, its key parsed once (cached per process while the files are unchanged)."""
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
        loaded = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase)
        if loaded is None:
            raise ImproperlyConfigured(f"The letter signing key {key} or certificate {cert} could not be read.")
        signer = _kept_key_signer_class()(
            signing_cert=loaded.signing_cert, signing_key=loaded.signing_key, cert_registry=loaded.cert_registry
        ).kept()
        _signer_cache.clear()
        _signer_cache[cache_key] = signer
    return signer


def signer_name() -> str:
    signer = load_signer()
    return str(signer.signing_cert.subject.human_friendly)[:255]


def sign_pdf(pdf: bytes, *, reason: str = "", location: str = "") -> bytes:
    """``pdf`` with an incremental-update signature over the whole file (one signing pass, no dry run)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", reason=reason or None, location=location or None
    )
    signer = load_signer()
    out = signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=signer.bytes_reserved)
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
