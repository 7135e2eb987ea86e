"""The account menu's links: one's API tokens, and the security administrator's page."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import security

register = template.Library()


@register.inclusion_tag("accounts/_account_links.html", takes_context=True)
def account_links(context: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    return {"is_security_administrator": bool(user is not None and security.is_security_administrator(user))}
