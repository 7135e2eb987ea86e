"""``manage.py open_confirmation_campaign --division CODE --year Y``: open a province's or county's
annual confirmation (年度确认) and run the department data match."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from benefits import confirmation
from core.errors import DomainError


class Command(BaseCommand):
    help = "Open a province's or county's annual confirmation campaign (年度确认) for a year; match the data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--division", required=True, help="A province (2 digits) or county (6 digits).")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--window-start", default="", help="YYYY-MM-DD (default: today).")
        parser.add_argument("--window-end", default="", help="YYYY-MM-DD (default: 60 days after it opens).")
        parser.add_argument("--grace-days", type=int, default=5)
        parser.add_argument("--spot-check-percent", type=int, default=5)
        parser.add_argument("--by", default="", help="Username of the approver opening it.")
        parser.add_argument("--no-match", action="store_true", help="Open only; match the data later.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"No user {options['by']!r}.")
        try:
            start = dt.date.fromisoformat(options["window_start"]) if options["window_start"] else None
            end = dt.date.fromisoformat(options["window_end"]) if options["window_end"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            campaign = confirmation.do_open_campaign(
                options["division"],
                year=options["year"],
                actor=actor,
                window_start=start,
                window_end=end,
                grace_days=options["grace_days"],
                spot_check_percent=options["spot_check_percent"],
            )
            counts = {} if options["no_match"] else confirmation.do_data_match(campaign, actor=actor)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        matched = ", ".join(f"{code}={n}" for code, n in counts.items())
        self.stdout.write(
            f"campaign {campaign.pk}: {campaign.item_count} people, deadline {campaign.deadline}; "
            f"matched {matched or '-'}"
        )
