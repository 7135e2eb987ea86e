"""Sign the current heads of the audit chains (Ed25519) and store the checkpoint on disk.

The events since the last valid checkpoint are verified first (and that checkpoint's
heads must still match): a broken chain is never signed. The private key
(``LAUREL_AUDIT_SIGNING_KEY``) and the checkpoint directory
(``LAUREL_AUDIT_CHECKPOINT_DIR``) live outside the database.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit import chain, checkpoints


class Command(BaseCommand):
    help = "Sign the current audit chain heads and write a checkpoint file."

    def handle(self, *args: Any, **options: Any) -> None:
        report = chain.verify_all(anchors=checkpoints.latest_anchors())
        if not report.ok:
            for problem in report.problems:
                self.stdout.write(self.style.ERROR(f"BROKEN: {problem}"))
            raise CommandError("Refusing to sign a broken audit chain; run verify_audit_chain.", returncode=1)
        if settings.DEBUG and not settings.LAUREL_AUDIT_SIGNING_KEY.exists():
            # Development convenience only: production keys are created deliberately (audit_keygen).
            checkpoints.generate_keys()
        try:
            path = checkpoints.write_checkpoint(report.heads)
        except checkpoints.KeyError_ as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Checkpoint of {len(report.heads)} chains written to {path}."))
