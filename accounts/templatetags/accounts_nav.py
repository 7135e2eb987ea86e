"""The account menu's links: one's API tokens, and the security administrator's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from accounts import security
from core.templatetags.core_memo import memo_include

register = template.Library()


@register.simple_tag(takes_context=True)
def account_links(context: Any) -> SafeString:
    """The links (rendered once per process for each answer and language: they are on every page)."""
    user = getattr(context.get("request"), "user", None)
    administrator = bool(user is not None and security.is_security_administrator(user))
    return memo_include("accounts/_account_links.html", is_security_administrator=administrator)
