"""What a grievance keeps of the articles its refusal or decision cites, for its letters, page and API.

The citations themselves go through the policy base (``policies.citations``): validated with
``validate_citations`` (a repealed, superseded or not yet effective article is refused, naming the
field and the article) and frozen with ``do_freeze_citations`` as the refusal or decision is signed
(document types ``petitions.refusal`` and ``petitions.decision``), so that the page of citations of
since-repealed articles lists them. This is only the petition's own copy of the versions cited, the
text a letter quotes: never a pointer that could move.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from policies.models import PolicyArticle


def frozen(articles: Iterable[PolicyArticle]) -> list[dict[str, Any]]:
    """What a decision keeps of each cited article: the version, never a pointer that could move."""
    return [
        {
            "id": a.pk,
            "document": a.document.title,
            "document_number": a.document.number,
            "number": a.number,
            "title": a.title,
            "version": a.version,
            "is_summary": a.is_summary,
            # The official text only: a 摘要 is never printed as if it were the article.
            "text": "" if a.is_summary else a.text,
        }
        for a in articles
    ]
