"""The navigation link to the reports (display only: every page authorises on its own)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

NAV_ROLES = ("supervisor", "approver")


@register.simple_tag(takes_context=True)
def reports_nav_link(context: Any) -> SafeString | str:
    roles = context.get("nav_roles") or ()
    if not any(role in roles for role in NAV_ROLES):
        return ""
    return format_html('<a href="{}">{}</a>', reverse("reports:index"), _("Reports"))
