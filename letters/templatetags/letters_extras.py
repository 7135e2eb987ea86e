"""Labels for the letter pages: the signing certificate described in the user's language."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext_lazy

register = template.Library()

# The attribute names pyHanko's ``human_friendly`` writes ("Common Name: ..., Organization: ...").
CERTIFICATE_FIELDS = {
    "Common Name": pgettext_lazy("certificate", "Name"),
    "Organization": pgettext_lazy("certificate", "Organisation"),
    "Organizational Unit": pgettext_lazy("certificate", "Department"),
    "Locality": pgettext_lazy("certificate", "City or county"),
    "State/Province": pgettext_lazy("certificate", "Province"),
    "Country": pgettext_lazy("certificate", "Country"),
    "Email Address": pgettext_lazy("certificate", "Email"),
}


@register.filter
def certificate(subject: str) -> str:
    """``"Common Name: 天河区退役军人事务局, Country: CN"`` → "名称：天河区退役军人事务局；国家：CN"."""
    parts = []
    for part in (subject or "").split(", "):
        key, sep, value = part.partition(": ")
        label = CERTIFICATE_FIELDS.get(key) if sep else None
        parts.append(f"{label}：{value}" if label else part)
    return "；".join(parts)
