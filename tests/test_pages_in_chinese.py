"""Every page a demo user can reach speaks Chinese: no raw codes, no English sentences.

Signs in as every demo role (``seed_demo`` data), walks the pages reachable from the home page's
navigation and the links on those pages (same-origin GETs, a bounded number per role and per URL
shape), and reads the visible text the way a person would. It fails on a snake_case identifier
(``pending_approval``), a dotted code (``case.filed``, ``cases.case``) or untranslated English.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_USERS

pytestmark = pytest.mark.django_db

MAX_PAGES_PER_ROLE = 120
MAX_PER_SHAPE = 2  # /cases/12/ and /cases/13/ are one page shape: two of each are enough
SKIP_PREFIXES = ("/accounts/logout", "/admin/", "/api/", "/i18n/", "/static/", "/media/")

# Latin text people really read on a Chinese page: product and format names, units, the language switcher.
ALLOWED_WORDS = {
    "Laurel",
    "English",
    "ID",
    "PDF",
    "CSV",
    "XLSX",
    "SHA",
    "SM",
    "TOTP",
    "API",
    "OpenAPI",
    "URL",
    "PNG",
    "JPEG",
    "OFD",
    "HMAC",
    "Ed",  # Ed25519
    "UTC",
    "JSON",
    "GB",  # GB 18030, GB/T 9704
    "UTF",  # UTF-8
}
# Codes people read: case numbers (440106-2026-000006), letter numbers, masked ID numbers, hashes.
CODE_PATTERNS = [
    re.compile(r"\b[0-9a-f]{16,}\b"),  # hashes and fingerprints (hex)
    re.compile(r"\b\d{6}[0-9*Xx]{8,}\b"),  # ID numbers, masked
    re.compile(r"\b[0-9A-Za-z+/]{40,}={0,2}"),  # base64 signatures
    re.compile(r"\b[2-9A-HJ-NP-Z]{5}-?[2-9A-HJ-NP-Z]{5}\b"),  # letter verification codes
]
SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")
DOTTED = re.compile(r"(?<![\w./-])[a-z][a-z_]*\.[a-z_]+(?:\.[a-z_]+)*(?![\w/-])")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
FILE_NAME = re.compile(r"\b[\w-]+\.(?:pdf|csv|xlsx|png|jpe?g|json|txt)\b", re.IGNORECASE)


class VisibleText(HTMLParser):
    """The text a person sees (not scripts, styles or hidden inputs), and the links to follow.

    An element marked ``data-raw`` holds recorded data shown as stored on purpose (the auditor's
    folded "recorded data"): it is not read.
    """

    INVISIBLE = {"script", "style", "template", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._hidden_depth = 0
        self._raw: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-raw" in a or (self._raw and tag == self._raw[-1]):
            self._raw.append(tag)
        if tag in self.INVISIBLE:
            self._hidden_depth += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.chunks.append(a["value"] or "")
        for attribute in ("placeholder", "title", "aria-label", "alt"):
            if a.get(attribute):
                self.chunks.append(a[attribute] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.INVISIBLE and self._hidden_depth:
            self._hidden_depth -= 1
        if self._raw and tag == self._raw[-1]:
            self._raw.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth and not self._raw and data.strip():
            self.chunks.append(data.strip())


def problems_in(text: str) -> list[str]:
    """The raw codes and English words in one piece of visible text."""
    text = FILE_NAME.sub(" ", text)  # an uploaded file's own name is what people read
    found = [f"snake_case {m}" for m in SNAKE.findall(text)]
    found += [f"dotted code {m}" for m in DOTTED.findall(text)]
    for pattern in (*CODE_PATTERNS, SNAKE, DOTTED):
        text = pattern.sub(" ", text)
    found += [f"English {w!r}" for w in LATIN_WORD.findall(text) if w not in ALLOWED_WORDS]
    return found


def shape(path: str) -> str:
    return re.sub(r"/[0-9a-f-]*\d[0-9a-f-]*(?=/|$)", "/<n>", path)


def walk(client: Client) -> dict[str, list[str]]:
    """Visit the pages reachable from the home page; the problems found on each."""
    queue: list[str] = ["/"]
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    report: dict[str, list[str]] = {}
    visited = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        key = shape(urlsplit(url).path)
        if shapes[key] >= MAX_PER_SHAPE:
            continue
        shapes[key] += 1
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        found = sorted({f"{p} in {chunk[:80]!r}" for chunk in parser.chunks for p in problems_in(chunk)})
        if found:
            report[url] = found
        for href in parser.links:
            target = urlsplit(urljoin(url, href))
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            if target.path.startswith(SKIP_PREFIXES):
                continue
            next_url = target.path + (f"?{target.query}" if target.query else "")
            if next_url not in seen:
                queue.append(next_url)
    return report


@pytest.fixture
def demo(settings: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a slow walk (about a minute per role): runs on PostgreSQL only (set DATABASE_URL)")
    settings.LAUREL_2FA_EXEMPT_DEMO_USERS = True
    call_command("seed_demo", verbosity=0)


def test_the_checker_sees_raw_codes_and_english() -> None:
    assert problems_in("状态：pending_approval") == ["snake_case pending_approval"]
    assert problems_in("事件 case.filed") == ["dotted code case.filed"]
    assert problems_in("Submitted for approval") == ["English 'Submitted'", "English 'for'", "English 'approval'"]
    assert problems_in("案件 440106-2026-000006 · 身份证 440106********1234 · 附件 scan.pdf · Laurel") == []
    parser = VisibleText()
    parser.feed('<p>已提交</p><details><pre data-raw>{"to": "pending_approval"}</pre></details><p>closed</p>')
    assert parser.chunks == ["已提交", "closed"]


@pytest.mark.parametrize("username", [row[0] for row in DEMO_USERS])
def test_every_page_a_demo_user_reaches_is_in_chinese(demo: None, username: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    report = walk(client)
    assert not report, "\n".join(f"{url}: {', '.join(found)}" for url, found in report.items())
