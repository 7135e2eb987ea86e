"""``{% cited_articles "cases.case" case.pk as citations %}``: the article versions a document cites."""

from __future__ import annotations

from typing import Any

from django import template

from policies.citations import cited_by

register = template.Library()


@register.simple_tag
def cited_articles(document_type: str, document_id: Any) -> list[Any]:
    return cited_by(document_type, document_id)
