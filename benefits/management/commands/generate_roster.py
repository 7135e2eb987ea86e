"""``manage.py generate_roster --division CODE --period P``: make a county's payment roster for a cycle."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from benefits import rosters
from core.errors import DomainError


class Command(BaseCommand):
    help = "Make a county's payment roster (发放花名册) for a cycle (YYYY-MM or YYYY-Qn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--division", required=True, help="The county's six-digit code (a province or city: all its counties)."
        )
        parser.add_argument("--period", required=True, help="YYYY-MM or YYYY-Qn.")
        parser.add_argument("--by", default="", help="Username of the caseworker making it (the maker).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"No user {options['by']!r}.")
        try:
            if len(options["division"]) in (2, 4):
                made = rosters.do_generate_rosters(options["division"], options["period"], actor=actor)
                for roster in made:
                    self.stdout.write(
                        f"roster {roster.pk} {roster.county_code}: {roster.item_count} lines, total {roster.total}"
                    )
                return
            roster = rosters.do_generate_roster(options["division"], options["period"], actor=actor)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"roster {roster.pk}: {roster.item_count} lines, total {roster.total}")
