"""Create the Ed25519 key pair that signs audit checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints


class Command(BaseCommand):
    help = "Create the audit checkpoint signing key (LAUREL_AUDIT_SIGNING_KEY) and its public key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Replace an existing key (old checkpoints then fail).")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Checkpoint with the current key, retire it (its public key is kept for verification), "
            "create a new one and checkpoint with it.",
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing when the signing key exists (for install scripts)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_missing"] and Path(settings.LAUREL_AUDIT_SIGNING_KEY).exists():
            self.stdout.write(f"Signing key {settings.LAUREL_AUDIT_SIGNING_KEY} exists; left as it is.")
            return
        if options["rotate"]:
            call_command("audit_checkpoint", stdout=self.stdout)
            old, new = checkpoints.rotate_keys()
            call_command("audit_checkpoint", stdout=self.stdout)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Signing key rotated: {old} retired (public key kept in "
                    f"{checkpoints.retired_keys_dir()}), {new} signs now."
                )
            )
            return
        try:
            private_path, public_path = checkpoints.generate_keys(overwrite=options["force"])
        except checkpoints.KeyError_ as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Signing key: {private_path} (keep it secret). Public key: {public_path}.")
        )
