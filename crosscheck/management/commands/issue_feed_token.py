"""``manage.py issue_feed_token NAME --department D [--division CODE]``: a key for a department system's feed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosscheck import actions
from jurisdictions.models import Department, Division, normalise_code


class Command(BaseCommand):
    help = "Issue a feed token for POST /api/v1/feeds/<department>/ (the key is shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--department", required=True, choices=Department.values)
        parser.add_argument("--division", default="", help="only rows of this division are accepted")

    def handle(self, *args: Any, **options: Any) -> None:
        division = None
        if options["division"]:
            division = Division.objects.filter(code=normalise_code(options["division"])).first()
            if division is None:
                raise CommandError(f"Unknown division: {options['division']}")
        token, key = actions.do_issue_feed_token(
            name=options["name"], department=options["department"], division=division, actor=None
        )
        self.stdout.write(f"Token {token.pk} ({token.department}). Key (shown once): {key}")
        self.stdout.write("Send it as the header  Authorization: Feed <key>")
