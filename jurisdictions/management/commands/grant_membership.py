"""``manage.py grant_membership USERNAME --division 440106 --role caseworker [--department ...]
[--starts-on YYYY-MM-DD] [--ends-on YYYY-MM-DD]``.

Scripted set-up: the same action (and the same rules: dates, separation of the three
administrators) as the security administrator's page, recorded with no actor (the system).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from jurisdictions.actions import do_grant_membership
from jurisdictions.models import Department, Division, Role, normalise_code

from .create_staff import field_messages


def _date(raw: str) -> datetime.date:
    return datetime.date.fromisoformat(raw)


class Command(BaseCommand):
    help = "Give a staff account a role over a division (from a start date, until an optional end date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--division", required=True, help="Division code, e.g. 440106.")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--department", default="", choices=["", *Department.values])
        parser.add_argument("--starts-on", type=_date, default=None, help="YYYY-MM-DD (default today).")
        parser.add_argument("--ends-on", type=_date, default=None, help="YYYY-MM-DD; access stops that day.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no account {options['username']!r}")
        division = Division.objects.filter(code=normalise_code(options["division"])).first()
        if division is None:
            raise CommandError(f"unknown division {options['division']!r}")
        try:
            membership = do_grant_membership(
                user,
                division=division,
                role=options["role"],
                department=options["department"],
                starts_on=options["starts_on"],
                ends_on=options["ends_on"],
                actor=None,
            )
        except ValidationError as exc:
            raise CommandError(field_messages(exc)) from None
        until = membership.ends_on.isoformat() if membership.ends_on else "no end date"
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.username}: {membership.role} over {division.name} from {membership.starts_on} ({until})"
            )
        )
