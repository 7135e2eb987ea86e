"""Create a self-signed letter signing key and certificate for development (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from letters.certs import make_self_signed


class Command(BaseCommand):
    help = (
        "Write a self-signed letter signing key and certificate to LAUREL_LETTER_SIGNING_KEY / "
        "LAUREL_LETTER_SIGNING_CERT unless both exist (development only: production uses the bureau's own)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Replace an existing pair.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        key = Path(settings.LAUREL_LETTER_SIGNING_KEY)
        cert = Path(settings.LAUREL_LETTER_SIGNING_CERT)
        if key.is_file() and cert.is_file() and not force:
            self.stdout.write(f"Letter signing key and certificate already exist ({cert}).")
            return
        make_self_signed(key, cert)
        self.stdout.write(self.style.SUCCESS(f"Wrote a self-signed development signing pair: {key}, {cert}"))
