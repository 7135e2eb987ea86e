"""``manage.py create_staff USERNAME --name 张三 --division 440106 [--phone ...] [--staff-id ...]``.

Scripted set-up (the first administrators of an office, or a batch): the same action as the
system administrator's page, recorded with no actor (the system). Prints the one-time sign-in
link, which works once and is never stored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jurisdictions.actions import do_create_staff
from jurisdictions.models import Division, normalise_code


def field_messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Create a staff account at home in a division and print its one-time sign-in link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="The person's real name.")
        parser.add_argument("--division", required=True, help="Home division code, e.g. 440106.")
        parser.add_argument("--phone", default="", help="Mobile phone (the link is also texted to it).")
        parser.add_argument("--staff-id", default="", help="National ID number (only its blind index is kept).")
        parser.add_argument(
            "--base-url",
            default="",
            help="Where the site is served, for the printed and texted link (default: LAUREL_PUBLIC_BASE_URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        division = Division.objects.filter(code=normalise_code(options["division"])).first()
        if division is None:
            raise CommandError(f"unknown division {options['division']!r}; run load_divisions first")
        base = (options["base_url"] or settings.LAUREL_PUBLIC_BASE_URL or "http://127.0.0.1:8000").rstrip("/")
        try:
            user, url, texted = do_create_staff(
                division=division,
                username=options["username"],
                full_name=options["name"],
                phone=options["phone"],
                staff_id_number=options["staff_id"],
                actor=None,
                link_for=lambda token: f"{base}/accounts/welcome/{token}/",
            )
        except ValidationError as exc:
            raise CommandError(field_messages(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"created {user.username} ({user.first_name}) in {division.name}"))
        self.stdout.write(f"one-time sign-in link (shown once): {url}")
        if texted:
            self.stdout.write("the link was also texted to the phone on file")
