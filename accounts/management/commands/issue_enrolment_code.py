"""Issue a user's two-factor enrolment code from the server (the first administrator's, or a rescue).

Security administrators issue codes from the account menu (or ``POST /api/v1/auth/enrolment-codes/``);
this command is for the operator at the server, who has no account to sign in with yet.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actions import do_issue_enrolment_code
from accounts.models import User


class Command(BaseCommand):
    help = "Issue a one-time two-factor enrolment code for a user (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        code, plain = do_issue_enrolment_code(user, actor=None)
        self.stdout.write(
            f"Enrolment code for {user.username} (valid once, until {code.expires_at:%Y-%m-%d %H:%M}): {plain}"
        )
