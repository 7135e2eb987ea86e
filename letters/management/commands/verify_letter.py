"""Check a letter PDF: its signature (intact, trusted, whole file) and that its SHA-256 is on record."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from letters.models import Letter
from letters.signing import check_pdf


class Command(BaseCommand):
    help = "Verify a decision letter PDF: digital signature and the SHA-256 recorded when it was issued."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--trust", type=Path, action="append", default=[], help="Extra trusted certificate (PEM); repeatable."
        )

    def handle(self, *args: Any, file: Path, trust: list[Path], **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        data = file.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        check = check_pdf(data, trust=trust)
        letter = Letter.objects.filter(sha256=digest).first()
        self.stdout.write(f"File:      {file} ({len(data)} bytes)")
        self.stdout.write(f"SHA-256:   {digest}")
        self.stdout.write(
            f"Signature: {'valid' if check.ok else 'INVALID'}{f' ({check.signer})' if check.signer else ''}"
        )
        for problem in check.problems:
            self.stdout.write(f"  - {problem}")
        if letter is None:
            self.stdout.write("Record:    no issued letter has this SHA-256")
        else:
            state = "in force" if letter.is_current else f"superseded on {letter.superseded_at:%Y-%m-%d}"
            self.stdout.write(f"Record:    {letter.number} {letter.title}, issued {letter.issued_at:%Y-%m-%d}, {state}")
        if not check.ok or letter is None:
            raise CommandError("The letter is NOT authentic (see above).")
        self.stdout.write(self.style.SUCCESS("The letter is authentic."))
